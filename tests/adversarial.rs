//! Hand-built cache trees with things uv never writes: symlinks out of the cache and in loops,
//! non-UTF-8 names, corrupt pointer files, unknown top-level items, special files, deep
//! nesting. The scan must finish, never follow a link, never drop a byte (totals equal
//! `du -s -B1` and an independent walk), and count what it could not decode.

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_uvcache");

use std::collections::{BTreeMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, SystemTime};

use support::{FixtureKind, UV_CURRENT, du_bytes, fixture, walk_totals};
use uvcache::engine::error::Error;
use uvcache::engine::layout::{TopLevel, classify_top_level, release_for};
use uvcache::engine::locate::{CacheRoot, RootRule};
use uvcache::engine::model::{Entry, EntryKind, EntryState, Snapshot};
use uvcache::engine::progress::Silent;
use uvcache::engine::scan::{ScanOptions, scan};
use uvcache::engine::uv::resolve_release;

/// Scans `cache` as uv [`UV_CURRENT`] would own it, on another thread so that a scan that
/// never finishes fails the test instead of hanging it.
fn try_scan(cache: &Path, cancelled: bool) -> Result<Snapshot, Error> {
    let path = cache.to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let root = CacheRoot {
            path,
            rule: RootRule::Flag,
        };
        let uv = resolve_release(Some(UV_CURRENT.parse().unwrap()), None, &[]);
        let cancel = AtomicBool::new(cancelled);
        let _ = tx.send(scan(&root, uv, &ScanOptions::default(), &Silent, &cancel));
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("the scan of {} did not finish in 120 s", cache.display())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("the scan of {} panicked", cache.display())
        }
    }
}

fn scan_tree(cache: &Path) -> Snapshot {
    try_scan(cache, false).unwrap_or_else(|e| panic!("scan of {}: {e}", cache.display()))
}

/// Totals equal `du -s -B1` and the independent walk; entries partition files and dirs.
fn assert_totals(snap: &Snapshot, cache: &Path) {
    let (files, dirs, logical, disk) = walk_totals(cache);
    assert_eq!(
        snap.total.disk_bytes,
        du_bytes(cache),
        "disk bytes vs du -s -B1"
    );
    assert_eq!(
        snap.total.disk_bytes, disk,
        "disk bytes vs an independent walk"
    );
    assert_eq!(snap.total.logical_bytes, logical, "logical bytes");
    assert_eq!(snap.total.files, files, "files");
    assert_eq!(snap.total.dirs, dirs, "dirs");
    let entry_files: u64 = snap.entries.iter().map(|e| e.sizes.files).sum();
    let entry_dirs: u64 = snap.entries.iter().map(|e| e.sizes.dirs).sum();
    assert_eq!(entry_files, files, "entries partition the files");
    assert_eq!(entry_dirs, dirs, "entries partition the directories");
    assert!(snap.total.reclaimable_bytes <= snap.total.disk_bytes);
}

fn entry_at(snap: &Snapshot, rel: impl AsRef<Path>) -> &Entry {
    let rel = rel.as_ref();
    snap.entries
        .iter()
        .find(|e| e.path == rel)
        .unwrap_or_else(|| panic!("no entry at {}: {:#?}", rel.display(), snap.entries))
}

/// `uvcache --uv-version <current> --cache-dir <cache> <args>` with a minimal environment.
fn uvcache(cache: &Path, args: &[&str]) -> Output {
    let home = cache.parent().unwrap().join("cli-home");
    fs::create_dir_all(&home).unwrap();
    support::uvcache_command()
        .env_clear()
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("NO_COLOR", "1")
        .env("PATH", "/usr/bin:/bin")
        .current_dir(cache.parent().unwrap())
        .args(["--uv-version", UV_CURRENT, "--cache-dir"])
        .arg(cache)
        .args(args)
        .output()
        .unwrap()
}

fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "uvcache failed with {}: stdout {:?} stderr {:?}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// `size --bytes` through the CLI equals `du -s -B1`.
fn assert_cli_bytes(cache: &Path) {
    let out = uvcache(cache, &["size", "--bytes"]);
    assert_eq!(stdout_ok(&out), format!("{}\n", du_bytes(cache)));
}

fn write(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) {
    let path = path.as_ref();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// Deterministic noise (xorshift), ending in `0xff` so no trailing length fits the file.
fn noise(n: usize, mut seed: u64) -> Vec<u8> {
    let mut out: Vec<u8> = (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 0xff;
    }
    out
}

/// A new cache directory with uv's root markers, under a fresh temporary directory.
fn new_cache() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().canonicalize().unwrap().join("cache");
    write(
        cache.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    );
    write(cache.join(".lock"), "");
    (tmp, cache)
}

/// What a directory tree holds: per path its type, length, mtime and a CRC of the content.
fn fingerprint(dir: &Path) -> BTreeMap<PathBuf, (bool, u64, SystemTime, u32)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.path().symlink_metadata().unwrap();
            let crc = if meta.is_file() {
                crc32fast::hash(&fs::read(e.path()).unwrap())
            } else {
                0
            };
            (
                e.path().to_path_buf(),
                (meta.is_dir(), meta.len(), meta.modified().unwrap(), crc),
            )
        })
        .collect()
}

#[test]
fn symlinks_out_of_the_cache_are_not_followed() {
    let (tmp, cache) = new_cache();
    let sentinel = tmp.path().canonicalize().unwrap().join("sentinel");
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8 + 1).collect();
    write(sentinel.join("big.bin"), &big);
    write(sentinel.join("sub/more.bin"), &big[..1_000_000]);
    let before = fingerprint(&sentinel);
    // An access time older than the modification time: reading a file updates it (relatime),
    // so reads through a link are noticed too.
    let files = [sentinel.join("big.bin"), sentinel.join("sub/more.bin")];
    let old_atime = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
    for f in &files {
        let file = fs::File::options().write(true).open(f).unwrap();
        file.set_times(fs::FileTimes::new().set_accessed(old_atime))
            .unwrap();
    }

    let pkg = cache.join("wheels-v8/pypi/pkg");
    fs::create_dir_all(&pkg).unwrap();
    // The link of a wheel entry, absolute and relative (`../../../..` leaves the cache).
    symlink(&sentinel, pkg.join("1.0-py3-none-any")).unwrap();
    symlink("../../../../sentinel", pkg.join("2.0-py3-none-any")).unwrap();
    write(pkg.join("1.0-py3-none-any.lock"), "");
    // A package directory that is a link.
    symlink(&sentinel, cache.join("wheels-v8/pypi/linkpkg")).unwrap();
    // In archive-v0: an archive that is a link, and links inside a real archive.
    fs::create_dir_all(cache.join("archive-v0")).unwrap();
    symlink(&sentinel, cache.join("archive-v0/LinkedArchive0001")).unwrap();
    let archive = cache.join("archive-v0/RealArchive00001");
    write(archive.join("pkg/__init__.py"), "x = 1\n");
    symlink("../../../sentinel/big.bin", archive.join("pkg/big.bin")).unwrap();
    symlink(sentinel.join("sub"), archive.join("sub")).unwrap();
    // Links at the top level, one of them named like a bucket.
    symlink(&sentinel, cache.join("outside")).unwrap();
    symlink(&sentinel, cache.join("sdists-v11")).unwrap();

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    assert!(
        snap.total.logical_bytes < 1_000_000 && snap.total.disk_bytes < 1_000_000,
        "the sentinel's bytes were counted: {:?}",
        snap.total
    );
    assert_eq!(snap.errors.total(), 0, "{:#?}", snap.errors);
    // Every link is one file.
    assert_eq!(entry_at(&snap, "outside").sizes.files, 1);
    assert_eq!(entry_at(&snap, "outside").kind, EntryKind::Unknown);
    assert_eq!(entry_at(&snap, "sdists-v11").kind, EntryKind::Unknown);
    assert!(snap.buckets.iter().all(|b| b.name != "sdists-v11"));
    assert_eq!(
        entry_at(&snap, "archive-v0/LinkedArchive0001").sizes.files,
        1
    );
    assert_eq!(
        entry_at(&snap, "wheels-v8/pypi/linkpkg").kind,
        EntryKind::Unknown
    );
    let real = entry_at(&snap, "archive-v0/RealArchive00001");
    assert_eq!((real.sizes.files, real.sizes.dirs), (3, 2), "{real:#?}");
    for wheel in ["1.0-py3-none-any", "2.0-py3-none-any"] {
        let e = entry_at(&snap, format!("wheels-v8/pypi/pkg/{wheel}"));
        assert!(e.detail.archives.is_empty(), "{e:#?}");
    }
    assert_cli_bytes(&cache);
    for f in &files {
        let atime = fs::metadata(f).unwrap().accessed().unwrap();
        assert_eq!(atime, old_atime, "{} was read", f.display());
    }
    assert_eq!(fingerprint(&sentinel), before, "the sentinel was modified");
}

#[test]
fn symlink_loops_terminate_and_count_as_files() {
    let (_tmp, cache) = new_cache();
    let archive = cache.join("archive-v0/LoopArchive00001");
    write(archive.join("pkg/__init__.py"), "");
    symlink("b", archive.join("a")).unwrap();
    symlink("a", archive.join("b")).unwrap();
    symlink(".", archive.join("self")).unwrap();
    symlink("..", archive.join("pkg/up")).unwrap();
    symlink(&archive, archive.join("pkg/abs-self")).unwrap();
    // A link to itself at the top level and as a wheel link.
    symlink("loop", cache.join("loop")).unwrap();
    fs::create_dir_all(cache.join("wheels-v8/pypi/pkg")).unwrap();
    symlink(
        "1.0-py3-none-any",
        cache.join("wheels-v8/pypi/pkg/1.0-py3-none-any"),
    )
    .unwrap();

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    let e = entry_at(&snap, "archive-v0/LoopArchive00001");
    // __init__.py + a, b, self, up, abs-self
    assert_eq!((e.sizes.files, e.sizes.dirs), (6, 2), "{e:#?}");
    assert_eq!(entry_at(&snap, "loop").sizes.files, 1);
    assert_eq!(
        entry_at(&snap, "wheels-v8/pypi/pkg/1.0-py3-none-any")
            .sizes
            .files,
        1
    );
    assert_cli_bytes(&cache);
}

#[test]
fn non_utf8_names_are_scanned_and_counted() {
    let (_tmp, cache) = new_cache();
    let bad = |b: &[u8]| OsStr::from_bytes(b).to_os_string();
    let archives = cache.join("archive-v0");
    // An archive whose id is not UTF-8, and non-UTF-8 names inside a normal archive.
    let odd_archive = archives.join(bad(b"\xff\xfeArchive"));
    write(odd_archive.join(bad(b"caf\xe9.py")), "print(1)\n");
    let normal = archives.join("NormalArchive001");
    write(normal.join(bad(b"m\xf6dule.py")), "x = 1\n");
    write(normal.join(bad(b"d\xefr")).join("inner.txt"), "inner\n");
    // A package directory under wheels-v8/pypi, with a link into the normal archive.
    let pkg = cache.join("wheels-v8/pypi").join(bad(b"caf\xe9"));
    fs::create_dir_all(&pkg).unwrap();
    symlink(
        "../../../archive-v0/NormalArchive001",
        pkg.join("1.0-py3-none-any"),
    )
    .unwrap();
    write(pkg.join("1.0-py3-none-any.lock"), "");
    // A non-UTF-8 top-level item.
    write(cache.join(bad(b"\x80top")), "?");

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    assert_eq!(snap.errors.total(), 0, "{:#?}", snap.errors);
    let odd_rel = PathBuf::from("archive-v0").join(bad(b"\xff\xfeArchive"));
    let odd = entry_at(&snap, &odd_rel);
    assert_eq!((odd.sizes.files, odd.sizes.dirs), (1, 1), "{odd:#?}");
    let normal = entry_at(&snap, "archive-v0/NormalArchive001");
    assert_eq!(
        (normal.sizes.files, normal.sizes.dirs),
        (2, 2),
        "{normal:#?}"
    );
    // The link from the non-UTF-8 package directory still attributes the archive.
    assert_eq!(normal.state, EntryState::Current, "{normal:#?}");
    assert_eq!(normal.detail.referrers.len(), 1, "{normal:#?}");
    let wheel_rel = PathBuf::from("wheels-v8/pypi")
        .join(bad(b"caf\xe9"))
        .join("1.0-py3-none-any");
    let wheel = entry_at(&snap, &wheel_rel);
    assert_eq!(wheel.kind, EntryKind::Wheel, "{wheel:#?}");
    assert_eq!(wheel.sizes.files, 2, "{wheel:#?}");
    assert_eq!(entry_at(&snap, bad(b"\x80top")).kind, EntryKind::Unknown);

    assert_cli_bytes(&cache);
    for args in [&["size"][..], &["size", "--json"], &["list", "--json"]] {
        let out = uvcache(&cache, args);
        stdout_ok(&out);
    }
}

#[test]

fn json_with_a_non_utf8_problem_path() {
    let (_tmp, cache) = new_cache();
    let pkg = cache
        .join("wheels-v8/pypi")
        .join(OsStr::from_bytes(b"caf\xe9"));
    write(pkg.join("1.0-py3-none-any.http"), noise(64, 7));
    let out = uvcache(&cache, &["size", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout_ok(&out)).unwrap();
    assert_eq!(v["errors"]["undecodable"], 1, "{v:#}");
}

/// A real `revision.http` written by uv, cut inside its payload's hash string: neither
/// container layout's trailing length fits.
fn truncated_revision_http() -> Vec<u8> {
    let f = fixture(FixtureKind::Current);
    let sdists = f.cache.join("sdists-v11");
    for e in walkdir::WalkDir::new(&sdists) {
        let e = e.unwrap();
        if e.file_name() != "revision.http" {
            continue;
        }
        let bytes = fs::read(e.path()).unwrap();
        let Some(at) = bytes.windows(6).position(|w| w == b"Sha256") else {
            continue;
        };
        // `Sha256`, a str8 header, then 64 hex digits: cut after 40 of them.
        let cut = at + 6 + 2 + 40;
        assert!(
            cut <= bytes.len() && bytes[cut - 8..cut].iter().all(u8::is_ascii_hexdigit),
            "unexpected layout of {}",
            e.path().display()
        );
        return bytes[..cut].to_vec();
    }
    panic!("no revision.http with a SHA-256 in {}", sdists.display());
}

#[test]
fn corrupt_uv_files_are_counted_and_still_measured() {
    let (_tmp, cache) = new_cache();
    let pkg = "wheels-v8/pypi/pkg";
    let rev = "sdists-v11/pypi/pkg/1.0.0";
    let corrupt: Vec<(String, Vec<u8>)> = vec![
        // Wheel pointers: random bytes, empty, garbage metadata.
        (format!("{pkg}/1.0-py3-none-any.http"), noise(300, 1)),
        (format!("{pkg}/2.0-py3-none-any.rev"), vec![]),
        (format!("{pkg}/3.0-py3-none-any.msgpack"), vec![0xc1; 50]),
        // Source pointers: truncated and empty; revision metadata: garbage.
        (format!("{rev}/revision.http"), truncated_revision_http()),
        (
            format!("{rev}/Rev0000000000001/metadata.msgpack"),
            noise(200, 2),
        ),
        (
            "sdists-v11/path/0123456789abcdef/revision.rev".into(),
            vec![],
        ),
        // Simple API page and interpreter record.
        ("simple-v28/pypi/pkg.rkyv".into(), noise(1000, 3)),
        (
            "interpreter-v5/0123456789abcdef/x.msgpack".into(),
            noise(100, 4),
        ),
    ];
    for (rel, bytes) in &corrupt {
        write(cache.join(rel), bytes);
    }
    write(cache.join(format!("{pkg}/1.0-py3-none-any.lock")), "");
    write(cache.join(format!("{rev}/.lock")), "");
    write(
        cache.join(format!("{rev}/Rev0000000000001/pkg-1.0.0.tar.gz")),
        noise(5000, 5),
    );

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    assert_eq!(
        snap.errors.undecodable,
        corrupt.len() as u64,
        "{:#?}",
        snap.errors
    );
    assert_eq!((snap.errors.unreadable, snap.errors.vanished), (0, 0));
    let sampled: HashSet<PathBuf> = snap.errors.samples.iter().map(|s| s.path.clone()).collect();
    for (rel, bytes) in &corrupt {
        assert!(
            sampled.contains(Path::new(rel)),
            "{rel} not among {:#?}",
            snap.errors.samples
        );
        let logical = fs::symlink_metadata(cache.join(rel)).unwrap().len();
        assert_eq!(logical, bytes.len() as u64);
    }
    // Entries still own the undecodable files.
    let http = entry_at(&snap, format!("{pkg}/1.0-py3-none-any.http"));
    assert_eq!(http.sizes.files, 2, "{http:#?}");
    assert!(http.sizes.logical_bytes >= 300, "{http:#?}");
    let revision = entry_at(&snap, format!("{rev}/Rev0000000000001"));
    assert_eq!(revision.sizes.files, 2, "{revision:#?}");
    assert!(revision.sizes.logical_bytes >= 5200, "{revision:#?}");

    // The CLI warns and says which files.
    let out = uvcache(&cache, &["-v", "size", "--bytes"]);
    assert_eq!(stdout_ok(&out), format!("{}\n", du_bytes(&cache)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{} undecodable", corrupt.len())),
        "{stderr}"
    );
    for (rel, _) in &corrupt {
        assert!(stderr.contains(rel.as_str()), "{rel} not in {stderr}");
    }
    let out = uvcache(&cache, &["size", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout_ok(&out)).unwrap();
    assert_eq!(v["errors"]["undecodable"], corrupt.len() as u64);
    assert_eq!(
        v["errors"]["samples"].as_array().unwrap().len(),
        corrupt.len()
    );
}

#[test]
fn unknown_top_level_items_are_reported_never_dropped() {
    let (_tmp, cache) = new_cache();
    write(cache.join("photos/2024/img.jpg"), noise(10_000, 6));
    write(cache.join("notes.txt"), "remember the milk\n");
    write(cache.join("wheels-v99/pypi/pkg/1.0-py3-none-any.lock"), "");
    write(cache.join("wheels-v99/stray.bin"), noise(3000, 7));
    write(cache.join("built-wheels-v3/pypi/x/.lock"), "");
    fs::create_dir_all(cache.join("interpreter-v4")).unwrap();
    write(cache.join(".tmpAbC/half-unpacked/file.py"), noise(2000, 8));
    write(cache.join("sdists-v11"), "a file named like a bucket\n");
    write(cache.join("wheels-v8/pypi/pkg/1.0-py3-none-any.lock"), "");
    write(cache.join(".gitignore"), "*\n");

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);

    let (release, _) = release_for(UV_CURRENT.parse().unwrap());
    let mut seen = 0;
    for item in fs::read_dir(&cache).unwrap() {
        let item = item.unwrap();
        let name = item.file_name().into_string().unwrap();
        let is_dir = item.file_type().unwrap().is_dir();
        let class = classify_top_level(&name, is_dir, release);
        let bucket = snap.buckets.iter().find(|b| b.name == name);
        match class {
            TopLevel::Current | TopLevel::Stale => {
                let b = bucket.unwrap_or_else(|| panic!("no bucket {name}"));
                assert_eq!(b.class, class, "{name}");
            }
            TopLevel::Unknown if is_dir => {
                assert_eq!(bucket.map(|b| b.class), Some(TopLevel::Unknown), "{name}");
                let e = entry_at(&snap, &name);
                assert_eq!(e.kind, EntryKind::Unknown, "{name}");
                assert!(e.bucket.is_some(), "{name}");
            }
            TopLevel::Unknown => {
                assert!(bucket.is_none(), "{name}");
                assert_eq!(entry_at(&snap, &name).kind, EntryKind::Unknown, "{name}");
            }
            TopLevel::Temporary => {
                assert_eq!(entry_at(&snap, &name).kind, EntryKind::Temporary, "{name}")
            }
            TopLevel::Marker => {
                assert_eq!(entry_at(&snap, &name).kind, EntryKind::Marker, "{name}")
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 11);
    // What the classification is for these names.
    let class_of = |name: &str| {
        snap.buckets
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.class)
    };
    assert_eq!(class_of("photos"), Some(TopLevel::Unknown));
    assert_eq!(class_of("wheels-v99"), Some(TopLevel::Stale));
    assert_eq!(class_of("built-wheels-v3"), Some(TopLevel::Stale));
    assert_eq!(class_of("interpreter-v4"), Some(TopLevel::Stale));
    assert_eq!(class_of("wheels-v8"), Some(TopLevel::Current));
    assert_eq!(class_of("sdists-v11"), None);
    assert_eq!(entry_at(&snap, ".tmpAbC").kind, EntryKind::Temporary);
    assert_eq!(entry_at(&snap, ".tmpAbC").sizes.files, 1);
    // Buckets plus root-level entries add up to the total: nothing is dropped.
    let in_buckets: u64 = snap.buckets.iter().map(|b| b.sizes.disk_bytes).sum();
    let at_root: u64 = snap
        .entries
        .iter()
        .filter(|e| e.bucket.is_none())
        .map(|e| e.sizes.disk_bytes)
        .sum();
    assert_eq!(in_buckets + at_root, snap.total.disk_bytes);

    // The CLI shows them with their state.
    let out = uvcache(&cache, &["size", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout_ok(&out)).unwrap();
    let bucket = |name: &str| {
        v["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {v:#}"))
    };
    assert_eq!(bucket("photos")["class"], "unknown");
    assert_eq!(bucket("photos")["current"], false);
    assert_eq!(bucket("wheels-v99")["class"], "stale");
    assert_eq!(bucket("wheels-v99")["kind"], "wheels");
    assert_eq!(bucket("wheels-v99")["version"], 99);
    assert_eq!(v["total"]["disk_bytes"], du_bytes(&cache));
    let out = uvcache(&cache, &["size"]);
    let text = stdout_ok(&out);
    let row = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row {name}:\n{text}"))
            .to_string()
    };
    assert!(row("photos").contains("unknown"), "{text}");
    assert!(row("wheels-v99").contains("other uv"), "{text}");
    assert!(text.contains("does not use"), "{text}");
}

#[test]
fn names_starting_with_a_dash() {
    let tmp = tempfile::tempdir().unwrap();
    // The cache directory itself starts with a dash, too.
    let cache = tmp.path().canonicalize().unwrap().join("-cache");
    write(
        cache.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    );
    let id = "-T_OggSE1mOxePNH";
    let archive = cache.join("archive-v0").join(id);
    write(archive.join("dashpkg/__init__.py"), "x = 1\n");
    write(
        archive.join("dashpkg-1.0.dist-info/METADATA"),
        "Name: dashpkg\nVersion: 1.0\n",
    );
    let pkg = cache.join("wheels-v8/pypi/dashpkg");
    fs::create_dir_all(&pkg).unwrap();
    symlink(
        format!("../../../archive-v0/{id}"),
        pkg.join("1.0-py3-none-any"),
    )
    .unwrap();
    write(cache.join("--help"), "not a flag\n");
    write(cache.join("-rf/x"), "");

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    let a = entry_at(&snap, format!("archive-v0/{id}"));
    assert_eq!(a.state, EntryState::Current, "{a:#?}");
    assert_eq!(a.package.as_deref(), Some("dashpkg"), "{a:#?}");
    assert_eq!(a.detail.revision.as_deref(), Some(id));
    assert_eq!(entry_at(&snap, "--help").kind, EntryKind::Unknown);

    // Through the CLI, with the dash-named cache given as `--cache-dir=-cache` from its parent.
    let run = |args: &[&str]| {
        support::uvcache_command()
            .env_clear()
            .env("HOME", tmp.path())
            .env("NO_COLOR", "1")
            .env("PATH", "/usr/bin:/bin")
            .current_dir(cache.parent().unwrap())
            .args(["--uv-version", UV_CURRENT, "--cache-dir=-cache"])
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        stdout_ok(&run(&["size", "--bytes"])),
        format!("{}\n", du_bytes(&cache))
    );
    let out = run(&["show", "dashpkg", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout_ok(&out)).unwrap();
    let paths: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert!(
        paths.contains(&format!("archive-v0/{id}").as_str()),
        "{v:#}"
    );
}

/// Whether this process runs as root (effective uid 0).
fn running_as_root() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    // Real, effective, saved, filesystem: the effective one decides.
    uid_line.split_whitespace().nth(2) == Some("0")
}

#[test]
fn fifos_and_sockets_are_counted_without_being_opened() {
    let (_tmp, cache) = new_cache();
    let archive = cache.join("archive-v0/SpecialFiles0001");
    write(archive.join("pkg/__init__.py"), "");
    let status = Command::new("mkfifo")
        .arg(archive.join("pkg/fifo"))
        .arg(cache.join("top-fifo"))
        .status()
        .unwrap();
    assert!(status.success());
    let _socket = std::os::unix::net::UnixListener::bind(archive.join("pkg/sock")).unwrap();
    let _top_socket = std::os::unix::net::UnixListener::bind(cache.join("top-sock")).unwrap();

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    let a = entry_at(&snap, "archive-v0/SpecialFiles0001");
    assert_eq!((a.sizes.files, a.sizes.dirs), (3, 2), "{a:#?}");
    assert_eq!(entry_at(&snap, "top-fifo").kind, EntryKind::Unknown);
    assert_eq!(entry_at(&snap, "top-sock").sizes.files, 1);
    assert_eq!(snap.errors.total(), 0, "{:#?}", snap.errors);
    assert_cli_bytes(&cache);
}

#[test]
fn a_directory_without_read_permission() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, cache) = new_cache();
    let archive = cache.join("archive-v0/Unreadable000001");
    write(archive.join("locked/secret.py"), "x = 1\n");
    write(archive.join("open.py"), "y = 2\n");
    let locked = archive.join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root (with the usual capabilities) reads it anyway; decide by what actually happens.
    let readable = fs::read_dir(&locked).is_ok();
    if !running_as_root() {
        assert!(!readable, "mode 000 is readable for a non-root user");
    }
    let snap = scan_tree(&cache);
    let a = entry_at(&snap, "archive-v0/Unreadable000001");
    if readable {
        // Everything is counted, no problem reported.
        assert_eq!(snap.errors.total(), 0, "{:#?}", snap.errors);
        assert_eq!((a.sizes.files, a.sizes.dirs), (2, 2), "{a:#?}");
        assert_totals(&snap, &cache);
    } else {
        // The directory itself is counted; its contents are reported unreadable.
        assert_eq!(snap.errors.unreadable, 1, "{:#?}", snap.errors);
        assert_eq!(
            snap.errors.samples[0].path,
            Path::new("archive-v0/Unreadable000001/locked")
        );
        assert_eq!((a.sizes.files, a.sizes.dirs), (1, 2), "{a:#?}");
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Watches a FIFO: a writer waits for a reader, so opening the FIFO for reading is noticed.
struct FifoWatch {
    path: PathBuf,
    opened: Arc<AtomicBool>,
    scan_done: Arc<AtomicBool>,
    opened_during_scan: Arc<AtomicBool>,
    writer: std::thread::JoinHandle<()>,
}

impl FifoWatch {
    fn new(path: &Path) -> FifoWatch {
        assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
        let opened = Arc::new(AtomicBool::new(false));
        let scan_done = Arc::new(AtomicBool::new(false));
        let opened_during_scan = Arc::new(AtomicBool::new(false));
        let writer = {
            let (path, opened, scan_done, during) = (
                path.to_path_buf(),
                opened.clone(),
                scan_done.clone(),
                opened_during_scan.clone(),
            );
            std::thread::spawn(move || {
                // Blocks until somebody opens the FIFO for reading.
                let file = fs::File::options().write(true).open(&path).unwrap();
                during.store(!scan_done.load(Ordering::SeqCst), Ordering::SeqCst);
                opened.store(true, Ordering::SeqCst);
                drop(file); // the reader sees end of file
            })
        };
        FifoWatch {
            path: path.to_path_buf(),
            opened,
            scan_done,
            opened_during_scan,
            writer,
        }
    }

    /// Call after the scan: whether the scan opened the FIFO.
    fn was_opened_by_the_scan(self) -> bool {
        self.scan_done.store(true, Ordering::SeqCst);
        if !self.opened.load(Ordering::SeqCst) {
            // Release the writer: open (and close) the reading end ourselves.
            drop(fs::File::open(&self.path).unwrap());
        }
        self.writer.join().unwrap();
        self.opened_during_scan.load(Ordering::SeqCst)
    }
}

#[test]

fn pointer_files_that_are_not_regular_files_are_never_opened() {
    let (tmp, cache) = new_cache();
    let outside = tmp.path().canonicalize().unwrap().join("outside");
    fs::create_dir_all(&outside).unwrap();
    let pkg = cache.join("wheels-v8/pypi/pkg");
    fs::create_dir_all(&pkg).unwrap();
    let watches = [
        // A FIFO where uv keeps a wheel pointer.
        FifoWatch::new(&pkg.join("1.0-py3-none-any.http")),
        // A source pointer that is a link to a FIFO outside the cache.
        FifoWatch::new(&outside.join("fifo")),
    ];
    let rev = cache.join("sdists-v11/path/0123456789abcdef");
    fs::create_dir_all(&rev).unwrap();
    symlink(outside.join("fifo"), rev.join("revision.rev")).unwrap();

    let snap = try_scan(&cache, false);
    let opened: Vec<PathBuf> = watches
        .into_iter()
        .filter_map(|w| {
            let path = w.path.clone();
            w.was_opened_by_the_scan().then_some(path)
        })
        .collect();
    assert!(opened.is_empty(), "the scan opened {opened:?}");
    assert_totals(&snap.unwrap(), &cache);
}

/// Nests `depth` directories `d/d/d/…` under `parent/c` (with a file at the bottom) using
/// renames, so no path longer than a few components is ever used.
fn nest(parent: &Path, depth: usize) -> PathBuf {
    let chain = parent.join("c");
    let tmp = parent.join("t");
    write(chain.join("leaf.txt"), "bottom\n");
    for _ in 0..depth {
        fs::create_dir(&tmp).unwrap();
        fs::rename(&chain, tmp.join("d")).unwrap();
        fs::rename(&tmp, &chain).unwrap();
    }
    chain
}

/// Removes a chain made by [`nest`] one level at a time (paths stay short).
fn unnest(chain: &Path) {
    let tmp = chain.with_file_name("t");
    loop {
        let inner = chain.join("d");
        if fs::symlink_metadata(&inner).is_err() {
            break;
        }
        fs::rename(&inner, &tmp).unwrap();
        fs::remove_dir_all(chain).unwrap();
        fs::rename(&tmp, chain).unwrap();
    }
    fs::remove_dir_all(chain).unwrap();
}

#[test]
fn moderately_deep_trees_are_measured() {
    let (_tmp, cache) = new_cache();
    let archive = cache.join("archive-v0/DeepArchive00001");
    fs::create_dir_all(&archive).unwrap();
    nest(&archive, 300);
    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    let a = entry_at(&snap, "archive-v0/DeepArchive00001");
    assert_eq!((a.sizes.files, a.sizes.dirs), (1, 302), "{a:#?}");
}

#[test]

fn very_deep_trees_do_not_crash_the_scan() {
    let (_tmp, cache) = new_cache();
    let archive = cache.join("archive-v0/DeepArchive00002");
    fs::create_dir_all(&archive).unwrap();
    let chain = nest(&archive, 3000);
    // In a child process: a stack overflow aborts the whole process.
    let out = uvcache(&cache, &["size", "--bytes"]);
    let result = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let expected = format!("{}\n", du_bytes(&cache));
    unnest(&chain);
    assert!(out.status.success(), "{}: {stderr}", out.status);
    assert_eq!(result, expected);
}

#[test]
fn sparse_files_and_hard_links_are_accounted_like_du() {
    let (tmp, cache) = new_cache();
    let a = cache.join("archive-v0/SparseArchive001");
    fs::create_dir_all(&a).unwrap();
    // 1 GiB apparent size, almost nothing allocated.
    let sparse = fs::File::create(a.join("sparse.bin")).unwrap();
    sparse.set_len(1 << 30).unwrap();
    drop(sparse);
    // One inode linked from two archives and from outside the cache.
    write(a.join("shared.bin"), noise(50_000, 9));
    let b = cache.join("archive-v0/SharedArchive001");
    fs::create_dir_all(&b).unwrap();
    fs::hard_link(a.join("shared.bin"), b.join("shared.bin")).unwrap();
    let outside = tmp.path().join("outside.bin");
    fs::hard_link(a.join("shared.bin"), &outside).unwrap();
    let shared_disk = fs::metadata(&outside).unwrap().blocks() * 512;

    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    assert!(snap.total.logical_bytes >= 1 << 30);
    assert!(snap.total.disk_bytes < 1 << 20, "{:?}", snap.total);
    // Linked from outside: not reclaimable.
    assert_eq!(
        snap.total.reclaimable_bytes,
        snap.total.disk_bytes - shared_disk,
        "{:?}",
        snap.total
    );
    fs::remove_file(&outside).unwrap();
    let snap = scan_tree(&cache);
    assert_totals(&snap, &cache);
    assert_eq!(snap.total.reclaimable_bytes, snap.total.disk_bytes);
}

#[test]
fn a_scan_cancelled_up_front_returns_cancelled() {
    let (_tmp, cache) = new_cache();
    write(cache.join("archive-v0/SomeArchive00001/x.py"), "x\n");
    assert!(matches!(try_scan(&cache, true), Err(Error::Cancelled)));
    let f = fixture(FixtureKind::Current);
    match try_scan(&f.cache, true) {
        Err(Error::Cancelled) => {}
        other => panic!("expected Cancelled, got {other:?}"),
    }
}

#[test]
fn a_missing_root_is_no_cache_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("not/there");
    match try_scan(&missing, false) {
        Err(Error::NoCache { path }) => assert_eq!(path, missing),
        other => panic!("expected NoCache, got {other:?}"),
    }
    let message = try_scan(&missing, false).unwrap_err().to_string();
    assert!(message.contains(missing.to_str().unwrap()), "{message}");
    assert!(!tmp.path().join("not").exists());
    // A dangling link as the root is missing too.
    let dangling = tmp.path().join("dangling");
    symlink(&missing, &dangling).unwrap();
    assert!(matches!(
        try_scan(&dangling, false),
        Err(Error::NoCache { .. })
    ));
    // A file is not a cache.
    let file = tmp.path().join("file");
    write(&file, "x");
    let err = try_scan(&file, false).unwrap_err();
    assert!(!matches!(err, Error::NoCache { .. }), "{err:?}");
    assert!(err.to_string().contains(file.to_str().unwrap()), "{err}");
}

#[test]
fn a_root_given_through_a_symlink_is_scanned() {
    let (tmp, cache) = new_cache();
    write(
        cache.join("archive-v0/SomeArchive00001/x.py"),
        noise(9000, 10),
    );
    let link = tmp.path().join("cache-link");
    symlink(&cache, &link).unwrap();
    let snap = scan_tree(&link);
    assert_totals(&snap, &cache);
    assert_eq!(snap.root.path, cache);
    // The scan wrote nothing into the cache.
    let names: Vec<OsString> = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

/// Lines holding what a terminal acts on: C0 controls but the line feed, DEL, C1 controls
/// (as UTF-8, or as raw bytes, which the lossy decoding here turns into U+FFFD: harmless
/// when uvcache writes it so itself, as it does for names it keeps as text), and a
/// right-to-left override.
fn terminal_controls(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    for (n, line) in text.lines().enumerate() {
        if line.chars().any(|c| c.is_control() || c == '\u{202e}') {
            found.push(format!("line {}: {line:?}", n + 1));
        }
    }
    found
}

/// A cache whose names carry a fake plan line, escape sequences, DEL, a C1 control, a
/// right-to-left override and bytes that are not UTF-8.
fn cache_with_hostile_names() -> (tempfile::TempDir, PathBuf) {
    let (tmp, cache) = new_cache();
    let bad = |b: &[u8]| OsStr::from_bytes(b).to_os_string();
    fs::create_dir_all(cache.join("top\nTotal: 0 items")).unwrap();
    fs::create_dir_all(cache.join("clear\x1b[2J\x1b[31mred")).unwrap();
    fs::create_dir_all(cache.join("del\x7f\u{9b}2Jc1\u{202e}rtl")).unwrap();
    fs::create_dir_all(cache.join(bad(b"raw\x9b2J\xff"))).unwrap();
    write(cache.join("archive-v0/arch\x1b]0;title\x07id/f.py"), "x\n");
    // An archive nothing links to: `prune` lists it.
    write(cache.join("archive-v0/lone\x1b[Hid/g.py"), "y\n");
    // A package whose name (a directory of the wheels bucket) holds an escape sequence.
    let pkg = cache.join("wheels-v8/pypi/pkg\x1b[2J\nTotal:");
    write(pkg.join("1.0-py3-none-any.lock"), "");
    symlink(
        "../../../archive-v0/arch\x1b]0;title\x07id",
        pkg.join("1.0-py3-none-any"),
    )
    .unwrap();
    (tmp, cache)
}

#[test]
fn control_characters_in_names_never_reach_the_terminal() {
    let (_tmp, cache) = cache_with_hostile_names();
    for color in ["never", "always"] {
        for args in [
            &["clean", "--dry-run"][..],
            &["clean", "--dry-run", "-v"],
            &["prune", "--dry-run"],
            &["size"],
            &["list"],
            &["show", "pkg\x1b[2J\nTotal:"],
            &["clean", "--dry-run", "pkg\x1b[2J\nTotal:"],
        ] {
            let mut full = vec!["--color", color];
            full.extend_from_slice(args);
            let out = uvcache(&cache, &full);
            let what = format!("uvcache {full:?}");
            assert!(out.status.code().is_some_and(|c| c <= 2), "{what}: {out:?}");
            // With colour, only the printer's own styles: strip them, then nothing is left.
            let stdout = String::from_utf8_lossy(&out.stdout).replace_styles();
            let stderr = String::from_utf8_lossy(&out.stderr).replace_styles();
            assert_eq!(
                terminal_controls(stdout.as_bytes()),
                Vec::<String>::new(),
                "{what}: stdout {stdout}"
            );
            assert_eq!(
                terminal_controls(stderr.as_bytes()),
                Vec::<String>::new(),
                "{what}: stderr {stderr}"
            );
            let totals = stdout
                .lines()
                .filter(|l| l.trim_start().starts_with("Total:"))
                .count();
            assert!(totals <= 1, "{what}: a forged Total line: {stdout}");
        }
    }
    let plan = uvcache(&cache, &["clean", "--dry-run", "-v"]);
    let plan = stdout_ok(&plan);
    for shown in [
        "  top\\nTotal: 0 items\n",
        "  clear\\e[2J\\e[31mred\n",
        "  del\\x7f\\u{9b}2Jc1\\u{202e}rtl\n",
        "  raw\\x9b2J\\xff\n",
    ] {
        assert!(plan.contains(shown), "{shown:?} in {plan}");
    }
    let prune = uvcache(&cache, &["prune", "--dry-run"]);
    assert!(
        stdout_ok(&prune).contains("  archive-v0/lone\\e[Hid\n"),
        "{prune:?}"
    );
}

#[test]
fn json_keeps_control_characters_exact() {
    let (_tmp, cache) = cache_with_hostile_names();
    let out = uvcache(&cache, &["clean", "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout_ok(&out)).unwrap();
    let paths: Vec<&str> = v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{v:#}"))
        .iter()
        .filter_map(|i| i["path"].as_str())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("top\nTotal: 0 items")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.ends_with("clear\x1b[2J\x1b[31mred")),
        "{paths:?}"
    );
}

/// Removes the SGR sequences the printer writes for its own styles.
trait ReplaceStyles {
    fn replace_styles(&self) -> String;
}

impl ReplaceStyles for str {
    fn replace_styles(&self) -> String {
        let mut out = String::new();
        let mut rest = self;
        while let Some(at) = rest.find("\x1b[") {
            out.push_str(&rest[..at]);
            let tail = &rest[at + 2..];
            let n = tail
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count();
            if tail.as_bytes().get(n) == Some(&b'm') {
                rest = &tail[n + 1..];
            } else {
                out.push('\x1b');
                rest = &rest[at + 1..];
            }
        }
        out.push_str(rest);
        out
    }
}

fn dev_full() -> std::process::Stdio {
    fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

/// `uvcache` with stdout and stderr each a pipe or `/dev/full`, as [`uvcache`] runs it.
fn uvcache_full(cache: &Path, args: &[&str], stdout_full: bool, stderr_full: bool) -> Output {
    let home = cache.parent().unwrap().join("cli-home");
    fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .env("NO_COLOR", "1")
        .env("PATH", "/usr/bin:/bin")
        .args(["--uv-version", UV_CURRENT, "--cache-dir"])
        .arg(cache)
        .args(args);
    if stdout_full {
        cmd.stdout(dev_full());
    }
    if stderr_full {
        cmd.stderr(dev_full());
    }
    cmd.output().unwrap()
}

#[test]
fn a_full_stdout_or_stderr_fails_without_a_panic() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let (tmp, cache) = new_cache();
    write(cache.join("archive-v0/SomeArchive0001/f.py"), "x\n");
    let missing = tmp.path().join("no-cache");
    // What each run writes to stdout and to stderr, and whether it fails anyway.
    for (cache, args, writes_out, writes_err, fails) in [
        (&cache, &["size"][..], true, false, false),
        (&cache, &["-v", "size"], true, true, false),
        (&cache, &["dir", "-v"], true, true, false),
        (&missing, &["size"], false, true, true),
        (&missing, &["clean", "--dry-run"], false, true, false),
    ] {
        for (stdout_full, stderr_full) in [(true, false), (false, true), (true, true)] {
            let out = uvcache_full(cache, args, stdout_full, stderr_full);
            let what = format!("{args:?} stdout full: {stdout_full}, stderr full: {stderr_full}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{what}: {stderr}");
            let lost = (stdout_full && writes_out) || (stderr_full && writes_err);
            let code = if lost || fails { 2 } else { 0 };
            assert_eq!(out.status.code(), Some(code), "{what}: {out:?}");
            if stdout_full && writes_out && !stderr_full {
                assert!(
                    stderr.contains("No space left on device"),
                    "{what}: {stderr}"
                );
            }
        }
    }
}

/// Runs `uvcache <args>` on a pseudo-terminal (both streams) with `script`, in an
/// environment with `TERM=xterm` and the given `NO_COLOR`; `None` without `script`
/// (the test then fails: it must not pass by skipping).
fn on_a_terminal(args: &[&str], no_color: Option<&str>) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let line = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new(script);
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::null());
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let out = cmd.output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn color_never_and_always_hold_for_both_streams() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-cache");
    let missing = missing.to_str().unwrap();
    // A warning on stderr (no cache there), and a heading on stdout (a plan of nothing is
    // not printed; `dir` prints plain text): the warning carries the colour.
    let base = ["--cache-dir", missing, "clean", "--dry-run"];
    let with = |color: &'static str| {
        let mut args = vec!["--color", color];
        args.extend(base);
        args
    };
    let never = on_a_terminal(&with("never"), None)
        .expect("`script` (util-linux) runs the command on a terminal; .ci/run installs it");
    assert!(never.contains("warning: No cache found"), "{never:?}");
    assert!(
        !never.contains('\x1b'),
        "--color never on a terminal: {never:?}"
    );
    let auto = on_a_terminal(&with("auto"), None).unwrap();
    assert!(
        auto.contains("\x1b[33mwarning"),
        "auto on a terminal: {auto:?}"
    );
    let no_color = on_a_terminal(&with("auto"), Some("1")).unwrap();
    assert!(
        !no_color.contains('\x1b'),
        "NO_COLOR on a terminal: {no_color:?}"
    );
    let always = on_a_terminal(&with("always"), Some("1")).unwrap();
    assert!(
        always.contains("\x1b[33mwarning"),
        "--color always: {always:?}"
    );
    // Without a terminal: `always` colours stderr too, `auto` neither stream.
    let piped = |color: &'static str| {
        let out = Command::new(BIN)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .args(with(color))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(piped("always").contains("\x1b[33mwarning"));
    assert!(!piped("auto").contains('\x1b'));
}

/// Scans `cache` with the index at `index_file`, failing the test if the scan takes more
/// than 30 s.
fn scan_with_index(cache: &Path, index_file: &Path) -> Snapshot {
    let (path, index_file) = (cache.to_path_buf(), index_file.to_path_buf());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let root = CacheRoot {
            path,
            rule: RootRule::Flag,
        };
        let uv = resolve_release(Some(UV_CURRENT.parse().unwrap()), None, &[]);
        let opts = ScanOptions {
            threads: 2,
            index: uvcache::engine::scan::store::IndexMode::Use,
            index_file: Some(index_file),
        };
        let _ = tx.send(scan(&root, uv, &opts, &Silent, &AtomicBool::new(false)));
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(result) => result.unwrap(),
        Err(e) => panic!("the scan with the index did not finish: {e}"),
    }
}

#[test]
fn an_index_that_is_not_a_regular_file_is_never_read_and_is_replaced() {
    let (tmp, cache) = new_cache();
    write(cache.join("archive-v0/SomeArchive0001/f.py"), "x\n");
    let dir = tmp.path().join("index");
    fs::create_dir_all(&dir).unwrap();
    let index = dir.join("cache.idx");
    let reference = scan_tree(&cache);

    let replace = |what: &str| {
        let _ = fs::remove_file(&index);
        match what {
            "fifo" => assert!(
                Command::new("mkfifo")
                    .arg(&index)
                    .status()
                    .unwrap()
                    .success()
            ),
            "zero" => symlink("/dev/zero", &index).unwrap(),
            _ => {
                // A gigabyte of zeros (sparse): not an index, rejected by its first bytes.
                let f = fs::File::create(&index).unwrap();
                f.set_len(1 << 30).unwrap();
            }
        }
    };
    for (what, why) in [
        ("fifo", "a FIFO"),
        ("zero", "symbolic link"),
        ("big", "not a uvcache index"),
    ] {
        replace(what);
        let snap = scan_with_index(&cache, &index);
        let ignored = snap.index.ignored.clone().unwrap_or_default();
        assert!(ignored.contains(why), "{what}: {ignored}");
        assert_eq!(snap.index.not_a_file, what != "big", "{what}");
        assert_eq!(snap.total, reference.total, "{what}");
        assert!(snap.index.written_bytes > 0, "{what}: {:?}", snap.index);
        let meta = fs::symlink_metadata(&index).unwrap();
        assert!(meta.is_file() && meta.len() < 1 << 20, "{what}: {meta:?}");
        let again = scan_with_index(&cache, &index);
        assert_eq!(again.index.ignored, None, "{what}: the new index is usable");
    }

    // The command line, with the index of this cache (named by a digest of its root) in
    // UVCACHE_INDEX_DIR: written by a first run, then made a FIFO.
    let home = tmp.path().join("cli-home");
    let size = || {
        Command::new("timeout")
            .arg("30")
            .arg(BIN)
            .env_clear()
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .env("PATH", "/usr/bin:/bin")
            .env("UVCACHE_INDEX_DIR", &dir)
            .args(["--uv-version", UV_CURRENT, "--cache-dir"])
            .arg(&cache)
            .arg("size")
            .output()
            .unwrap()
    };
    let out = size();
    assert!(out.status.success(), "{out:?}");
    let written: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &index && p.extension().is_some_and(|e| e == "idx"))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let cli_index = &written[0];
    fs::remove_file(cli_index).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(cli_index)
            .status()
            .unwrap()
            .success()
    );
    let out = size();
    assert!(
        out.status.success(),
        "the FIFO hung or failed the run: {out:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: the scan index was not read") && stderr.contains("a FIFO"),
        "{stderr}"
    );
    assert!(fs::symlink_metadata(cli_index).unwrap().is_file());
}

/// A package directory that cannot be read may hold the only links to some
/// archives: uv stops with an error there. uvcache removes what it can but no
/// archive as unused, says why, and leaves no link dangling.
#[test]
fn archives_linked_from_an_unreadable_directory_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    const NOBODY: u32 = 65534;
    let root = running_as_root();
    let f = fixture(FixtureKind::Old);
    let work = tempfile::tempdir().unwrap();
    fs::set_permissions(work.path(), fs::Permissions::from_mode(0o755)).unwrap();
    // Root reads anything: run the binary as `nobody`, from where it can reach it.
    let bin = work.path().join("uvcache");
    fs::copy(BIN, &bin).unwrap();
    let home = work.path().join("home");
    fs::create_dir(&home).unwrap();
    for (i, args) in [&["prune"][..], &["clean", "alpha"]].iter().enumerate() {
        let cache = work.path().join(format!("cache-{i}"));
        let cp = Command::new("cp")
            .arg("-a")
            .arg(&f.cache)
            .arg(&cache)
            .status();
        assert!(cp.unwrap().success());
        if root {
            for dir in [&cache, &home] {
                let chown = Command::new("chown")
                    .arg("-R")
                    .arg(format!("{NOBODY}:{NOBODY}"))
                    .arg(dir)
                    .status();
                assert!(chown.unwrap().success());
            }
        }
        let alpha = support::glob(&cache, "wheels-v*/index/*/alpha");
        assert_eq!(alpha.len(), 1, "{alpha:?}");
        let alpha = &alpha[0];
        let linked: Vec<PathBuf> = fs::read_dir(alpha)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_symlink())
            .map(|p| p.canonicalize().unwrap())
            .collect();
        assert!(linked.len() >= 2, "alpha links to its archives: {linked:?}");
        fs::set_permissions(alpha, fs::Permissions::from_mode(0o000)).unwrap();
        let mut cmd = Command::new(&bin);
        cmd.env_clear()
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .args(*args)
            .args([
                "--yes",
                "--no-index",
                "--uv-version",
                support::UV_OLD,
                "--cache-dir",
            ])
            .arg(&cache);
        if root {
            cmd.uid(NOBODY).gid(NOBODY);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if alpha.exists() {
            fs::set_permissions(alpha, fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(
            stderr.contains("1 directory could not be read") && stderr.contains("alpha"),
            "{args:?}: {stderr}"
        );
        for archive in &linked {
            assert!(archive.is_dir(), "{args:?} removed {archive:?}: {stderr}");
        }
        for link in walkdir::WalkDir::new(&cache).follow_links(false) {
            let link = link.unwrap();
            if link.path_is_symlink() && link.path().starts_with(cache.join("wheels-v6")) {
                assert!(
                    link.path().exists(),
                    "{args:?} left {:?} dangling",
                    link.path()
                );
            }
        }
    }
}
