//! Checks that the fixture caches built by `tests/support` contain what the real uv releases
//! write, and that the support helpers (index server, SHA-256, disk usage) behave.

mod support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use support::*;

/// Bucket names of one uv release.
struct Buckets {
    wheels: &'static str,
    sdists: &'static str,
    simple: &'static str,
    flat: &'static str,
    git: &'static str,
    interpreter: &'static str,
}

/// uv 0.13.9
const CURRENT_BUCKETS: Buckets = Buckets {
    wheels: "wheels-v8",
    sdists: "sdists-v11",
    simple: "simple-v28",
    flat: "flat-index-v7",
    git: "git-v2",
    interpreter: "interpreter-v5",
};

/// uv 0.12.24
const OLD_BUCKETS: Buckets = Buckets {
    wheels: "wheels-v6",
    sdists: "sdists-v9",
    simple: "simple-v25",
    flat: "flat-index-v5",
    git: "git-v1",
    interpreter: "interpreter-v4",
};

impl Buckets {
    fn names(&self) -> [&'static str; 6] {
        [
            self.wheels,
            self.sdists,
            self.simple,
            self.flat,
            self.git,
            self.interpreter,
        ]
    }
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn one(paths: Vec<PathBuf>, what: &str) -> PathBuf {
    assert_eq!(
        paths.len(),
        1,
        "expected exactly one {what}, found {paths:?}"
    );
    paths.into_iter().next().unwrap()
}

fn non_empty(paths: Vec<PathBuf>, what: &str) -> Vec<PathBuf> {
    assert!(!paths.is_empty(), "expected at least one {what}");
    paths
}

/// `link` is a relative symlink to a directory `<cache>/archive-v0/<id>`; returns the target.
fn assert_archive_link(cache: &Path, link: &Path) -> PathBuf {
    let meta = fs::symlink_metadata(link).unwrap_or_else(|e| panic!("{}: {e}", link.display()));
    assert!(
        meta.file_type().is_symlink(),
        "{} is not a symlink",
        link.display()
    );
    let raw = fs::read_link(link).unwrap();
    assert!(
        raw.is_relative(),
        "{} -> {} is not relative",
        link.display(),
        raw.display()
    );
    let target = resolve_link(link).unwrap_or_else(|| panic!("{} dangles", link.display()));
    let archive = fs::canonicalize(cache.join("archive-v0")).unwrap();
    assert_eq!(
        target.parent(),
        Some(archive.as_path()),
        "{} -> {}",
        link.display(),
        target.display()
    );
    assert!(target.is_dir());
    target
}

/// The revision directory named by a `revision.{http,rev}` pointer's sibling dirs that contain a
/// built wheel of `wheel_prefix`.
fn assert_built_wheel(cache: &Path, shard: &Path, wheel_prefix: &str) {
    let revs: Vec<PathBuf> = glob(shard, "*")
        .into_iter()
        .filter(|p| fs::symlink_metadata(p).unwrap().is_dir())
        .collect();
    let rev = one(revs, &format!("revision directory in {}", shard.display()));
    assert_eq!(name_of(&rev).len(), 16, "revision id {}", rev.display());
    assert!(rev.join("metadata.msgpack").is_file(), "{}", rev.display());
    one(
        glob(&rev, &format!("{wheel_prefix}-py3-none-any.whl")),
        "built wheel",
    );
    assert_archive_link(cache, &rev.join(format!("{wheel_prefix}-py3-none-any")));
}

/// Everything one run of the recipe leaves behind, for one set of bucket names.
/// `tool_env_created`: whether this uv created the tool environment (a later uv reuses the one
/// in the shared `environments-v2` bucket and then never downloads the toolpkg wheel).
fn check_recipe_entries(f: &Fixture, b: &Buckets, tool_env_created: bool) {
    let cache = &f.cache;
    for bucket in b
        .names()
        .into_iter()
        .chain(["archive-v0", "environments-v2"])
    {
        assert!(
            cache.join(bucket).is_dir(),
            "{bucket} missing in {}",
            cache.display()
        );
    }
    for file in ["CACHEDIR.TAG", ".gitignore", ".lock"] {
        assert!(cache.join(file).is_file(), "{file}");
    }
    assert_eq!(
        fs::read(cache.join("CACHEDIR.TAG")).unwrap(),
        b"Signature: 8a477f597d28d172789f06886806bc55"
    );
    let w = b.wheels;
    let s = b.sdists;

    // Registry wheels from the local index: one index digest shared by wheels/sdists/simple.
    let alpha_dir = one(
        glob(cache, &format!("{w}/index/*/alpha")),
        "alpha wheel dir",
    );
    let index_digest = name_of(alpha_dir.parent().unwrap());
    assert!(is_digest16(&index_digest), "{index_digest}");
    for version in ["1.0.0", "2.0.0"] {
        let key = format!("{version}-py3-none-any");
        assert!(
            alpha_dir.join(format!("{key}.http")).is_file(),
            "{key}.http"
        );
        // PEP 658 metadata fetched during resolution.
        assert!(
            alpha_dir.join(format!("{key}.msgpack")).is_file(),
            "{key}.msgpack"
        );
        let archive = assert_archive_link(cache, &alpha_dir.join(&key));
        let module = archive.join("alpha").join("__init__.py");
        let text = fs::read_to_string(&module).unwrap();
        assert!(
            text.contains(&format!("__version__ = \"{version}\"")),
            "{text}"
        );
        assert!(
            fs::metadata(&module).unwrap().nlink() > 1,
            "{} should be hard-linked into a venv",
            module.display()
        );
        assert!(
            archive
                .join(format!("alpha-{version}.dist-info"))
                .join("METADATA")
                .is_file()
        );
    }
    let index_dir = alpha_dir.parent().unwrap();
    assert!(
        index_dir
            .join("flit-core/3.9.0-py3-none-any.http")
            .is_file()
    );
    assert_archive_link(cache, &index_dir.join("flit-core/3.9.0-py3-none-any"));
    // toolpkg is always resolved (metadata), but only downloaded by the uv that created the
    // cached tool environment.
    assert!(
        index_dir
            .join("toolpkg/1.0.0-py3-none-any.msgpack")
            .is_file()
    );
    if tool_env_created {
        assert!(index_dir.join("toolpkg/1.0.0-py3-none-any.http").is_file());
        assert_archive_link(cache, &index_dir.join("toolpkg/1.0.0-py3-none-any"));
    } else {
        assert_eq!(
            list_names(&index_dir.join("toolpkg")),
            ["1.0.0-py3-none-any.msgpack"]
        );
    }
    for project in ["alpha", "beta", "toolpkg", "flit-core"] {
        let page = cache
            .join(b.simple)
            .join("index")
            .join(&index_digest)
            .join(format!("{project}.rkyv"));
        assert!(page.is_file(), "{}", page.display());
    }

    // beta: served as sdist only, so uv built it.
    let beta = cache
        .join(s)
        .join("index")
        .join(&index_digest)
        .join("beta")
        .join("1.0.0");
    assert!(beta.join("revision.http").is_file(), "{}", beta.display());
    assert_built_wheel(cache, &beta, "beta-1.0.0");

    // Direct URL sdist (delta) and wheel (gamma).
    let delta = one(glob(cache, &format!("{s}/url/*")), "sdist url shard");
    assert!(delta.join("revision.http").is_file());
    assert_built_wheel(cache, &delta, "delta-1.0.0");
    let gamma = one(glob(cache, &format!("{w}/url/*/gamma")), "gamma wheel dir");
    assert!(gamma.join("1.0-py3-none-any.http").is_file());
    assert_archive_link(cache, &gamma.join("1.0-py3-none-any"));

    // Local wheel file: `.rev` pointer under url/.
    let localwheel = one(
        glob(cache, &format!("{w}/url/*/localwheel")),
        "localwheel dir",
    );
    one(glob(&localwheel, "*.rev"), "localwheel .rev");
    assert_archive_link(cache, &localwheel.join("1.0.0-py3-none-any"));

    // Local sdist file and local source directory: path/ shards with revision.rev.
    let path_shards = glob(cache, &format!("{s}/path/*"));
    assert_eq!(path_shards.len(), 2, "{path_shards:?}");
    let mut built: Vec<String> = Vec::new();
    for shard in &path_shards {
        assert!(is_digest16(&name_of(shard)));
        assert!(shard.join("revision.rev").is_file(), "{}", shard.display());
        for whl in glob(shard, "*/*.whl") {
            built.push(name_of(&whl));
        }
    }
    built.sort();
    assert_eq!(
        built,
        [
            "localsdist-1.0.0-py3-none-any.whl",
            "pathpkg-1.0.0-py3-none-any.whl"
        ]
    );
    for shard in &path_shards {
        let whl = name_of(&one(glob(shard, "*/*.whl"), "wheel"));
        assert_built_wheel(cache, shard, whl.strip_suffix("-py3-none-any.whl").unwrap());
    }

    // Editable.
    let editable = one(glob(cache, &format!("{s}/editable/*")), "editable shard");
    assert!(editable.join("revision.rev").is_file());
    assert_built_wheel(cache, &editable, "editpkg-0.1.0");

    // Git: sdists/git/<d16>/<first 16 of the commit>/ holds the built wheel.
    let commit = f.info("git_commit");
    let sha16 = &commit[..16];
    let git_shards = non_empty(glob(cache, &format!("{s}/git/*/{sha16}")), "git shard");
    let with_wheel: Vec<&PathBuf> = git_shards
        .iter()
        .filter(|p| !glob(p, "gitpkg-1.0.0-py3-none-any.whl").is_empty())
        .collect();
    assert_eq!(with_wheel.len(), 1, "{git_shards:?}");
    assert!(with_wheel[0].join("metadata.msgpack").is_file());
    assert_archive_link(cache, &with_wheel[0].join("gitpkg-1.0.0-py3-none-any"));

    let g = cache.join(b.git);
    let db = one(glob(&g, "db/*"), "git db");
    assert!(db.join(".git").is_dir());
    let repo_digest = name_of(&db);
    assert!(g.join("locks").join(&repo_digest).is_file());
    let checkout_key = one(glob(&g, "checkouts/*"), "git checkout key");
    let checkouts: Vec<PathBuf> = glob(&checkout_key, "*")
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    let short = name_of(&one(checkouts, "checkout"));
    assert!(commit.starts_with(&short), "{short} vs {commit}");
    assert!(checkout_key.join(&short).join("pyproject.toml").is_file());
    // The ready marker is a sibling file `<short>.ok` since git-v1.
    assert!(checkout_key.join(format!("{short}.ok")).is_file());
    if b.git == "git-v2" {
        // Keyed by (URL, LFS flag) instead of the repository digest.
        assert_ne!(name_of(&checkout_key), repo_digest);
    } else {
        assert_eq!(name_of(&checkout_key), repo_digest);
    }

    // Local --find-links directory (`.rev`) and remote --find-links page (`.http`).
    let flatpkg = one(glob(cache, &format!("{w}/index/*/flatpkg")), "flatpkg dir");
    assert!(flatpkg.join("1.0.0-py3-none-any.rev").is_file());
    assert_archive_link(cache, &flatpkg.join("1.0.0-py3-none-any"));
    let remoteflat = one(
        glob(cache, &format!("{w}/index/*/remoteflat")),
        "remoteflat dir",
    );
    assert!(remoteflat.join("1.0.0-py3-none-any.http").is_file());
    assert_archive_link(cache, &remoteflat.join("1.0.0-py3-none-any"));
    let digests: Vec<String> = [&flatpkg, &remoteflat, &alpha_dir]
        .iter()
        .map(|p| name_of(p.parent().unwrap()))
        .collect();
    assert!(digests[0] != digests[1] && digests[1] != digests[2] && digests[0] != digests[2]);
    let flat_page = one(
        glob(cache, &format!("{}/html/*.msgpack", b.flat)),
        "flat index page",
    );
    assert!(is_digest16(
        name_of(&flat_page).strip_suffix(".msgpack").unwrap()
    ));

    // Interpreter info.
    non_empty(
        glob(cache, &format!("{}/*/*.msgpack", b.interpreter)),
        "interpreter entry",
    );
}

/// Tool environment (`uv tool run`) and PEP 723 script environment in environments-v2.
fn check_environments(cache: &Path) {
    let tool_links: Vec<PathBuf> = glob(cache, "environments-v2/*/*")
        .into_iter()
        .filter(|p| is_digest16(&name_of(p.parent().unwrap())))
        .filter(|p| fs::symlink_metadata(p).unwrap().file_type().is_symlink())
        .collect();
    let tool_links = non_empty(tool_links, "tool environment link");
    for link in &tool_links {
        assert!(is_digest16(&name_of(link)));
        assert!(is_digest16(&name_of(link.parent().unwrap())));
        let venv = assert_archive_link(cache, link);
        assert!(venv.join("pyvenv.cfg").is_file());
        non_empty(
            glob(&venv, "lib/python3*/site-packages/toolpkg-1.0.0.dist-info"),
            "toolpkg in tool env",
        );
    }
    let script_env = one(glob(cache, "environments-v2/hello-*"), "script environment");
    assert!(is_digest16(
        name_of(&script_env).strip_prefix("hello-").unwrap()
    ));
    assert!(script_env.join("pyvenv.cfg").is_file());
    non_empty(
        glob(
            &script_env,
            "lib/python3*/site-packages/alpha-2.0.0.dist-info",
        ),
        "alpha in script env",
    );
}

fn top_level(cache: &Path) -> Vec<String> {
    list_names(cache)
}

#[test]
fn uv_binaries_are_provisioned() {
    for version in [UV_CURRENT, UV_OLD] {
        let bin = uv_bin(version);
        let out = std::process::Command::new(&bin)
            .arg("--version")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("uv {version}")),
            "{}: {text}",
            bin.display()
        );
    }
    let backend = build_backend_wheels();
    assert!(
        backend
            .join(format!(
                "flit_core-{BACKEND_FLIT_CORE_VERSION}-py3-none-any.whl"
            ))
            .is_file()
    );
    assert!(
        backend
            .join(format!("flit_core-{BACKEND_FLIT_CORE_VERSION}.tar.gz"))
            .is_file()
    );
}

#[test]
fn sha256_known_vectors() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(&vec![b'a'; 1_000_000]),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
    assert_eq!(
        sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

#[test]
fn index_server_serves_pages_files_and_304() {
    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("files");
    let flat = tmp.path().join("flat");
    fs::create_dir_all(&files).unwrap();
    fs::create_dir_all(&flat).unwrap();
    fs::write(files.join("My_Pkg-1.0-py3-none-any.whl"), b"wheel bytes").unwrap();
    fs::write(
        files.join("My_Pkg-1.0-py3-none-any.whl.metadata"),
        b"Metadata-Version: 2.1\n",
    )
    .unwrap();
    fs::write(files.join("my-pkg-1.0.tar.gz"), b"sdist bytes").unwrap();
    fs::write(flat.join("other-2.0-py3-none-any.whl"), b"flat wheel").unwrap();
    let server = IndexServer::start(&files, &flat);
    let header = |h: &[(String, String)], name: &str| -> Option<String> {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };

    let (status, _, body) = http_request("GET", &format!("{}/simple/", server.url), &[]);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("href=\"/simple/my-pkg/\""));

    let page_url = format!("{}/simple/my.pkg/", server.url);
    let (status, headers, body) = http_request("GET", &page_url, &[]);
    assert_eq!(status, 200);
    let html = String::from_utf8_lossy(&body);
    let wheel_hash = sha256_hex(b"wheel bytes");
    assert!(
        html.contains(&format!(
            "/files/My_Pkg-1.0-py3-none-any.whl#sha256={wheel_hash}"
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        "/files/my-pkg-1.0.tar.gz#sha256={}",
        sha256_hex(b"sdist bytes")
    )));
    assert!(html.contains(&format!(
        "data-core-metadata=\"sha256={}\"",
        sha256_hex(b"Metadata-Version: 2.1\n")
    )));
    assert_eq!(
        header(&headers, "Cache-Control").as_deref(),
        Some(PAGE_CACHE_CONTROL)
    );
    let etag = header(&headers, "ETag").expect("page ETag");
    let (status, _, body) = http_request("GET", &page_url, &[("If-None-Match", &etag)]);
    assert_eq!((status, body.len()), (304, 0));

    let file_url = server.file_url("My_Pkg-1.0-py3-none-any.whl");
    let (status, headers, body) = http_request("GET", &file_url, &[]);
    assert_eq!((status, body.as_slice()), (200, b"wheel bytes".as_slice()));
    assert_eq!(
        header(&headers, "Cache-Control").as_deref(),
        Some(FILE_CACHE_CONTROL)
    );
    let etag = header(&headers, "ETag").expect("file ETag");
    assert_eq!(
        http_request("GET", &file_url, &[("If-None-Match", &etag)]).0,
        304
    );
    assert_eq!(
        http_request("GET", &file_url, &[("If-None-Match", "\"other\"")]).0,
        200
    );
    let (status, headers, body) = http_request("HEAD", &file_url, &[]);
    assert_eq!((status, body.len()), (200, 0));
    assert_eq!(header(&headers, "Content-Length").as_deref(), Some("11"));

    let (status, headers, body) = http_request("GET", &server.flat_url(), &[]);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "Cache-Control").as_deref(),
        Some(PAGE_CACHE_CONTROL)
    );
    assert!(String::from_utf8_lossy(&body).contains("href=\"other-2.0-py3-none-any.whl#sha256="));
    let (status, _, body) = http_request(
        "GET",
        &format!("{}other-2.0-py3-none-any.whl", server.flat_url()),
        &[],
    );
    assert_eq!((status, body.as_slice()), (200, b"flat wheel".as_slice()));

    assert_eq!(
        http_request("GET", &format!("{}/simple/nope/", server.url), &[]).0,
        404
    );
    assert_eq!(http_request("GET", &server.file_url("..%2Fx"), &[]).0, 404);
    assert_eq!(
        http_request("GET", &format!("{}/files/../flat/x", server.url), &[]).0,
        404
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r == "GET /simple/my.pkg/ 304")
    );

    let url = server.url.clone();
    drop(server);
    let addr = url.strip_prefix("http://").unwrap();
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "server still listening after drop"
    );
    assert_eq!(
        http_date(std::time::UNIX_EPOCH),
        "Thu, 01 Jan 1970 00:00:00 GMT"
    );
    assert_eq!(
        http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(784_111_777)),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
}

#[test]
fn current_fixture_has_uv_0_13_9_layout() {
    let f = fixture(FixtureKind::Current);
    assert_eq!(f.uv_version, UV_CURRENT);
    eprintln!(
        "current fixture: {} (build took {}s)",
        f.root.display(),
        f.build_seconds()
    );
    let top = top_level(&f.cache);
    for bucket in [
        "wheels-v8",
        "sdists-v11",
        "simple-v28",
        "archive-v0",
        "environments-v2",
        "git-v2",
        "flat-index-v7",
        "interpreter-v5",
        "builds-v0",
    ] {
        assert!(top.iter().any(|t| t == bucket), "{bucket} not in {top:?}");
    }
    for old in OLD_BUCKETS.names() {
        assert!(!top.iter().any(|t| t == old), "{old} in {top:?}");
    }
    assert!(f.cache.join("sdists-v11/.git").is_file());
    assert!(f.cache.join("sdists-v11/.gitignore").is_file());
    for shard in ["index", "url", "path", "editable", "git"] {
        non_empty(
            glob(&f.cache, &format!("sdists-v11/{shard}/*")),
            &format!("sdists-v11/{shard} shard"),
        );
    }
    check_recipe_entries(f, &CURRENT_BUCKETS, true);
    check_environments(&f.cache);
    // Per-wheel lock files are written on Linux too.
    assert!(!glob(&f.cache, "wheels-v8/index/*/alpha/1.0.0-py3-none-any.lock").is_empty());
    for venv in f.venvs() {
        assert!(venv.join("pyvenv.cfg").is_file(), "{}", venv.display());
    }
}

#[test]
fn old_fixture_has_uv_0_12_24_layout() {
    let f = fixture(FixtureKind::Old);
    assert_eq!(f.uv_version, UV_OLD);
    eprintln!(
        "old fixture: {} (build took {}s)",
        f.root.display(),
        f.build_seconds()
    );
    let top = top_level(&f.cache);
    for bucket in OLD_BUCKETS
        .names()
        .into_iter()
        .chain(["archive-v0", "environments-v2"])
    {
        assert!(top.iter().any(|t| t == bucket), "{bucket} not in {top:?}");
    }
    for current in CURRENT_BUCKETS.names() {
        assert!(!top.iter().any(|t| t == current), "{current} in {top:?}");
    }
    check_recipe_entries(f, &OLD_BUCKETS, true);
    check_environments(&f.cache);
}

#[test]
fn mixed_fixture_has_both_layouts() {
    let f = fixture(FixtureKind::Mixed);
    assert_eq!(f.uv_versions, [UV_OLD, UV_CURRENT]);
    eprintln!(
        "mixed fixture: {} (build took {}s)",
        f.root.display(),
        f.build_seconds()
    );
    check_recipe_entries(f, &OLD_BUCKETS, true);
    check_recipe_entries(f, &CURRENT_BUCKETS, false);
    check_environments(&f.cache);
    // environments-v2 is shared by both releases: 0.13.9 reused the tool and script
    // environments 0.12.24 had created.
    assert_eq!(
        glob(&f.cache, "environments-v2/*/*")
            .iter()
            .filter(|p| is_digest16(&name_of(p)))
            .count(),
        1
    );
    // One index URL, so both uv versions used the same index digest.
    let old = one(glob(&f.cache, "wheels-v6/index/*/alpha"), "old alpha");
    let new = one(glob(&f.cache, "wheels-v8/index/*/alpha"), "new alpha");
    assert_eq!(
        name_of(old.parent().unwrap()),
        name_of(new.parent().unwrap())
    );
    // Each uv unpacked its own copy of the wheel.
    assert_ne!(
        resolve_link(&old.join("1.0.0-py3-none-any")),
        resolve_link(&new.join("1.0.0-py3-none-any"))
    );
    assert_eq!(f.venvs().len(), 4);
}

#[test]
fn du_matches_uv_cache_size() {
    for kind in FixtureKind::ALL {
        let f = fixture(kind);
        let du = du_bytes(&f.cache);
        let uv = uv_cache_size(UV_CURRENT, &f.cache);
        eprintln!("{:?}: du -s -B1 = {du}, uv cache size = {uv}", kind);
        assert_eq!(du, uv, "{kind:?}: du and `uv cache size` disagree");
        assert!(du > 0);
    }
}

#[test]
fn copy_fixture_preserves_symlinks_but_not_external_hard_links() {
    let f = fixture(FixtureKind::Current);
    let (_guard, copy) = copy_fixture(f);
    assert_eq!(list_names(&copy), list_names(&f.cache));
    let link = one(
        glob(&copy, "wheels-v8/index/*/alpha/2.0.0-py3-none-any"),
        "alpha link",
    );
    let target = assert_archive_link(&copy, &link);
    let module = target.join("alpha/__init__.py");
    let original = resolve_link(&one(
        glob(&f.cache, "wheels-v8/index/*/alpha/2.0.0-py3-none-any"),
        "link",
    ))
    .unwrap()
    .join("alpha/__init__.py");
    let (copied_links, original_links) = (
        fs::metadata(&module).unwrap().nlink(),
        fs::metadata(&original).unwrap().nlink(),
    );
    assert!(
        copied_links < original_links,
        "{copied_links} vs {original_links}"
    );
    assert_eq!(du_bytes(&copy), uv_cache_size(UV_CURRENT, &copy));
}
