//! A small local package index (PEP 503 "simple" HTML API) for the fixtures.
//!
//! Routes (GET and HEAD):
//!
//! * `/simple/` — root listing of every project that has a file in `files_dir`.
//! * `/simple/<name>/` — the files of one project (matched by normalized name), each link with a
//!   `#sha256=` fragment; wheels with a `<wheel>.metadata` sibling also advertise PEP 658/714
//!   metadata (`data-dist-info-metadata` / `data-core-metadata`).
//! * `/files/<file>` — a file from `files_dir`.
//! * `/flat/` — a flat HTML page of the files in `flat_dir` (for a remote `--find-links`), and
//!   `/flat/<file>` — a file from `flat_dir`.
//!
//! Headers mimic PyPI: pages carry `Cache-Control: max-age=600, public`, files
//! `Cache-Control: max-age=365000000, immutable, public`; everything has a strong `ETag`, and
//! `If-None-Match` is answered with `304 Not Modified`. Every response closes the connection.
//! Directory listings are read on each request, so files may be added while the server runs.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::sha256::{sha256_file, sha256_hex};

pub const PAGE_CACHE_CONTROL: &str = "max-age=600, public";
pub const FILE_CACHE_CONTROL: &str = "max-age=365000000, immutable, public";

const IO_TIMEOUT: Duration = Duration::from_secs(15);
const MAX_CONNECTIONS: usize = 64;

pub struct IndexServer {
    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub url: String,
    pub files_dir: PathBuf,
    pub flat_dir: PathBuf,
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    files_dir: PathBuf,
    flat_dir: PathBuf,
    stop: AtomicBool,
    active: AtomicUsize,
    hashes: Mutex<HashMap<PathBuf, (u64, SystemTime, String)>>,
    log: Mutex<Vec<String>>,
}

impl IndexServer {
    /// Starts serving `files_dir` (index files) and `flat_dir` (flat `--find-links` page) on
    /// `127.0.0.1:<free port>`. Both directories are created if missing.
    pub fn start(files_dir: &Path, flat_dir: &Path) -> IndexServer {
        fs::create_dir_all(files_dir).unwrap();
        fs::create_dir_all(flat_dir).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            files_dir: files_dir.to_path_buf(),
            flat_dir: flat_dir.to_path_buf(),
            stop: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            hashes: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("index-server-{}", addr.port()))
            .spawn(move || accept_loop(listener, accept_shared))
            .unwrap();
        IndexServer {
            url: format!("http://{addr}"),
            files_dir: files_dir.to_path_buf(),
            flat_dir: flat_dir.to_path_buf(),
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// The index URL to give uv (`--default-index` / `--index-url`).
    pub fn simple_url(&self) -> String {
        format!("{}/simple", self.url)
    }

    /// The remote flat `--find-links` page.
    pub fn flat_url(&self) -> String {
        format!("{}/flat/", self.url)
    }

    /// Download URL of a file in `files_dir`.
    pub fn file_url(&self, file_name: &str) -> String {
        format!("{}/files/{file_name}", self.url)
    }

    /// Requests served so far, as `"<METHOD> <path> <status>"`.
    pub fn requests(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }
}

impl Drop for IndexServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake up the blocking accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Connection threads are bounded by IO_TIMEOUT; wait for them briefly.
        let deadline = Instant::now() + IO_TIMEOUT;
        while self.shared.active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        while shared.active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            std::thread::sleep(Duration::from_millis(5));
        }
        shared.active.fetch_add(1, Ordering::SeqCst);
        let conn_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("index-server-conn".into())
            .spawn(move || {
                let _ = handle_connection(stream, &conn_shared);
                conn_shared.active.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            shared.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn simple(status: u16, text: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: text.as_bytes().to_vec(),
        }
    }
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > 64 * 1024 {
            return Ok(None);
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let path = target.split(['?', '#']).next().unwrap_or("").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Some(Request {
        method,
        path,
        headers,
    }))
}

fn handle_connection(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let Some(request) = read_request(&mut stream)? else {
        return Ok(());
    };
    let response = if request.method == "GET" || request.method == "HEAD" {
        route(&request, shared)
    } else {
        Response::simple(405, "method not allowed")
    };
    shared.log.lock().unwrap().push(format!(
        "{} {} {}",
        request.method, request.path, response.status
    ));
    write_response(&mut stream, &request, response)?;
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    }
}

fn write_response(
    stream: &mut TcpStream,
    request: &Request,
    response: Response,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    head.push_str(&format!("Date: {}\r\n", http_date(SystemTime::now())));
    head.push_str("Server: uvcache-test-index\r\n");
    head.push_str("Connection: close\r\n");
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if response.status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if request.method != "HEAD" && response.status != 304 {
        stream.write_all(&response.body)?;
    }
    stream.flush()
}

fn route(request: &Request, shared: &Shared) -> Response {
    let path = request.path.as_str();
    let result = if path == "/simple" || path == "/simple/" {
        Some(root_page(shared))
    } else if let Some(rest) = path.strip_prefix("/simple/") {
        project_page(shared, rest.trim_end_matches('/'))
    } else if let Some(name) = path.strip_prefix("/files/") {
        return file_response(request, shared, &shared.files_dir, name);
    } else if path == "/flat" || path == "/flat/" {
        Some(flat_page(shared))
    } else if let Some(name) = path.strip_prefix("/flat/") {
        return file_response(request, shared, &shared.flat_dir, name);
    } else {
        None
    };
    match result {
        Some(html) => page_response(request, html),
        None => Response::simple(404, "not found"),
    }
}

/// Normalized project name (PEP 503): lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Project name of a distribution file name (wheel or sdist), not normalized.
pub fn project_of(file_name: &str) -> Option<&str> {
    if let Some(stem) = file_name.strip_suffix(".whl") {
        return stem.split('-').next();
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .find_map(|ext| file_name.strip_suffix(ext))?;
    stem.rsplit_once('-').map(|(name, _)| name)
}

fn is_distribution(file_name: &str) -> bool {
    !file_name.starts_with('.') && project_of(file_name).is_some()
}

fn list_distributions(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| is_distribution(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn file_hash(shared: &Shared, path: &Path) -> Option<String> {
    let meta = fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?;
    if let Some((len, t, h)) = shared.hashes.lock().unwrap().get(path)
        && *len == meta.len()
        && *t == mtime
    {
        return Some(h.clone());
    }
    let h = sha256_file(path).ok()?;
    shared
        .hashes
        .lock()
        .unwrap()
        .insert(path.to_path_buf(), (meta.len(), mtime, h.clone()));
    Some(h)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn anchor(shared: &Shared, dir: &Path, file: &str, href_prefix: &str) -> String {
    let hash = file_hash(shared, &dir.join(file)).unwrap_or_default();
    let mut attrs = String::new();
    let metadata = dir.join(format!("{file}.metadata"));
    if file.ends_with(".whl")
        && let Some(meta_hash) = file_hash(shared, &metadata)
    {
        attrs.push_str(&format!(
            " data-dist-info-metadata=\"sha256={meta_hash}\" data-core-metadata=\"sha256={meta_hash}\""
        ));
    }
    format!(
        "    <a href=\"{href_prefix}{file}#sha256={hash}\"{attrs}>{}</a><br/>\n",
        html_escape(file)
    )
}

fn wrap_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n    \
         <title>{title}</title>\n  </head>\n  <body>\n    <h1>{title}</h1>\n{body}  </body>\n</html>\n",
        title = html_escape(title)
    )
}

fn root_page(shared: &Shared) -> String {
    let projects: BTreeMap<String, ()> = list_distributions(&shared.files_dir)
        .iter()
        .filter_map(|f| project_of(f).map(normalize))
        .map(|p| (p, ()))
        .collect();
    let body: String = projects
        .keys()
        .map(|p| format!("    <a href=\"/simple/{p}/\">{p}</a><br/>\n"))
        .collect();
    wrap_page("Simple index", &body)
}

fn project_page(shared: &Shared, name: &str) -> Option<String> {
    let wanted = normalize(name);
    if wanted.is_empty() || name.contains('/') {
        return None;
    }
    let files: Vec<String> = list_distributions(&shared.files_dir)
        .into_iter()
        .filter(|f| project_of(f).map(normalize).as_deref() == Some(wanted.as_str()))
        .collect();
    if files.is_empty() {
        return None;
    }
    let body: String = files
        .iter()
        .map(|f| anchor(shared, &shared.files_dir, f, "/files/"))
        .collect();
    Some(wrap_page(&format!("Links for {wanted}"), &body))
}

fn flat_page(shared: &Shared) -> String {
    let body: String = list_distributions(&shared.flat_dir)
        .iter()
        .map(|f| anchor(shared, &shared.flat_dir, f, ""))
        .collect();
    wrap_page("Flat index", &body)
}

fn etag_matches(request: &Request, etag: &str) -> bool {
    request.header("If-None-Match").is_some_and(|value| {
        value.split(',').map(str::trim).any(|candidate| {
            candidate == "*" || candidate == etag || candidate.strip_prefix("W/") == Some(etag)
        })
    })
}

fn page_response(request: &Request, html: String) -> Response {
    let etag = format!("\"{}\"", &sha256_hex(html.as_bytes())[..32]);
    let mut headers = vec![
        ("Cache-Control", PAGE_CACHE_CONTROL.to_string()),
        ("ETag", etag.clone()),
        ("Vary", "Accept-Encoding".to_string()),
    ];
    if etag_matches(request, &etag) {
        return Response {
            status: 304,
            headers,
            body: Vec::new(),
        };
    }
    headers.push(("Content-Type", "text/html; charset=utf-8".to_string()));
    Response {
        status: 200,
        headers,
        body: html.into_bytes(),
    }
}

fn file_response(request: &Request, shared: &Shared, dir: &Path, name: &str) -> Response {
    if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
        return Response::simple(404, "not found");
    }
    let path = dir.join(name);
    let Some(hash) = file_hash(shared, &path) else {
        return Response::simple(404, "not found");
    };
    let etag = format!("\"{}\"", &hash[..32]);
    let mut headers = vec![
        ("Cache-Control", FILE_CACHE_CONTROL.to_string()),
        ("ETag", etag.clone()),
    ];
    if etag_matches(request, &etag) {
        return Response {
            status: 304,
            headers,
            body: Vec::new(),
        };
    }
    let Ok(body) = fs::read(&path) else {
        return Response::simple(404, "not found");
    };
    headers.push(("Content-Type", "application/octet-stream".to_string()));
    Response {
        status: 200,
        headers,
        body,
    }
}

/// A minimal HTTP/1.1 client for checking the server: sends `method url` with extra `headers`
/// and returns `(status, response headers, body)`. Only `http://host:port/path` URLs.
pub fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http:// URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).expect("connect to test server");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (status, headers, body)
}

/// RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (proleptic Gregorian), see H. Hinnant's date algorithms.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month_name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {day:02} {month_name} {year} {h:02}:{m:02}:{s:02} GMT")
}
