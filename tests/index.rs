//! The persistent scan index: after each of a series of real uv operations, a
//! scan that reuses the index describes the cache exactly as a full scan does,
//! and a damaged index is ignored and rewritten.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde_json::Value;
use support::{UV_CURRENT, uv_command};
use uvcache::engine::locate::{CacheRoot, RootRule};
use uvcache::engine::model::Snapshot;
use uvcache::engine::progress::Silent;
use uvcache::engine::scan::store::IndexMode;
use uvcache::engine::scan::{ScanOptions, scan};
use uvcache::engine::uv::resolve_release;

use support::Sandbox as Setup;

impl Setup {
    /// Where these tests keep the index (not in the user's state directory).
    fn index_file(&self) -> PathBuf {
        self.tmp.path().join("state").join("cache.idx")
    }

    fn uv(&self, args: &[&str]) {
        let out = uv_command(UV_CURRENT, &self.cache, &self.work)
            .env("UV_DEFAULT_INDEX", &self.index_url)
            .args(args)
            .output()
            .expect("run uv");
        assert!(
            out.status.success(),
            "uv {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn venv(&self, name: &str) -> String {
        let path = self.work.join(name);
        self.uv(&["venv", "-q", path.to_str().expect("utf-8 path")]);
        path.to_string_lossy().into_owned()
    }

    fn scan(&self, index: IndexMode) -> Snapshot {
        let root = CacheRoot {
            path: self.cache.clone(),
            rule: RootRule::Flag,
        };
        let uv = resolve_release(Some(UV_CURRENT.parse().expect("version")), None, &[]);
        let opts = ScanOptions {
            threads: 4,
            index,
            index_file: Some(self.index_file()),
        };
        scan(&root, uv, &opts, &Silent, &AtomicBool::new(false)).expect("scan")
    }

    /// Scans with the index and without; asserts they agree (reclaimable
    /// sizes too when `links_unchanged`: no environment outside the cache
    /// gained or lost links to an archive the index remembers).
    fn check(&self, step: &str, links_unchanged: bool) -> Snapshot {
        let indexed = self.scan(IndexMode::Use);
        let full = self.scan(IndexMode::Off);
        assert_eq!(indexed.index.ignored, None, "{step}: the index was usable");
        assert_eq!(indexed.index.write_error, None, "{step}");
        assert_eq!(
            indexed.index.archives_reused + indexed.index.archives_walked,
            fs::read_dir(self.cache.join("archive-v0"))
                .map_or(0, |rd| rd.flatten().filter(|e| e.path().is_dir()).count())
                as u64,
            "{step}: every archive was reused or walked"
        );
        assert_eq!(
            comparable(&indexed, links_unchanged),
            comparable(&full, links_unchanged),
            "{step}: an indexed scan equals a full scan"
        );
        if links_unchanged {
            assert_eq!(indexed.total, full.total, "{step}");
        }
        let rebuilt = self.scan(IndexMode::Rebuild);
        assert_eq!(rebuilt.index.archives_reused, 0, "{step}");
        assert_eq!(
            comparable(&rebuilt, true),
            comparable(&full, true),
            "{step}: a rebuild is a full scan"
        );
        indexed
    }
}

/// The snapshot as JSON, entries in path order, scan timings and index
/// reports left out; without `reclaimable`, the link-count dependent figures
/// (reclaimable and linked-out bytes) left out too.
fn comparable(snap: &Snapshot, reclaimable: bool) -> Value {
    let mut v = serde_json::to_value(snap).expect("json");
    let obj = v.as_object_mut().expect("object");
    obj.remove("elapsed_ms");
    obj.remove("index");
    if let Some(entries) = obj.get_mut("entries").and_then(Value::as_array_mut) {
        entries.sort_by_key(|e| e["path"].as_str().unwrap_or("").to_string());
    }
    if !reclaimable {
        strip(&mut v);
    }
    v
}

fn strip(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("reclaimable_bytes");
            map.remove("linked_out_bytes");
            for x in map.values_mut() {
                strip(x);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

#[test]
fn indexed_scans_equal_full_scans_across_real_uv_operations() {
    let s = Setup::new();
    let v1 = s.venv("v1");
    s.uv(&["pip", "install", "-q", "--python", &v1, "alpha==1.0.0"]);
    // Pointer directories are remembered once their times have settled.
    settle();
    let first = s.scan(IndexMode::Use);
    assert_eq!(first.index.ignored.as_deref(), Some("no index yet"));
    assert!(
        first.index.written_bytes > 0,
        "the first scan writes the index"
    );
    assert!(s.index_file().is_file());
    assert!(
        first.index.dirs_remembered > 0,
        "the wheels and Simple API directories are remembered"
    );

    // Nothing changed: everything reused, nothing rewritten, totals exact.
    let same = s.check("reopen", true);
    assert!(same.index.archives_reused > 0);
    assert_eq!(same.index.archives_walked, 0);
    assert_eq!(same.index.dirs_reused, first.index.dirs_remembered);
    assert_eq!(
        same.index.written_bytes, 0,
        "an unchanged index is not rewritten"
    );

    // A build from source (beta is an sdist) into the same environment: a
    // new Simple API page in a remembered directory.
    s.uv(&["pip", "install", "-q", "--python", &v1, "beta"]);
    let built = s.check("build beta", true);
    assert!(built.index.archives_walked > 0, "new archives are walked");
    // The growth since the last scan: beta's wheel, nothing removed.
    let grown = built
        .index
        .changes
        .clone()
        .expect("compared with the last scan");
    assert!(grown.archives_added >= 1, "{grown:?}");
    assert!(grown.added_disk_bytes > 0);
    assert_eq!(grown.archives_removed, 0);
    assert!(
        grown.added_packages.iter().any(|p| p.name == "beta"),
        "{grown:?}"
    );
    assert_eq!(
        grown
            .added_packages
            .iter()
            .map(|p| p.disk_bytes)
            .sum::<u64>(),
        grown.added_disk_bytes
    );

    // Another version into a new environment: new links from outside the
    // cache, and a new wheel in alpha's remembered package directory.
    let v2 = s.venv("v2");
    s.uv(&["pip", "install", "-q", "--python", &v2, "alpha==2.0.0"]);
    s.check("install alpha 2 elsewhere", false);

    // A reinstall links alpha 1.0.0's files into v1 once more.
    s.uv(&[
        "pip",
        "install",
        "-q",
        "--python",
        &v1,
        "--reinstall",
        "alpha==1.0.0",
    ]);
    s.check("reinstall", false);

    // A file with one link when indexed gains a link from an environment uv
    // keeps in the cache: counted once, as a full scan does.
    fs::remove_dir_all(s.work.join("v2")).expect("remove v2");
    s.scan(IndexMode::Rebuild);
    s.uv(&[
        "run",
        "-q",
        "--no-project",
        "--with",
        "alpha==2.0.0",
        "python",
        "-c",
        "import alpha",
    ]);
    let ephemeral = s.check("cached environment linking indexed files", true);
    assert!(ephemeral.index.archives_reused > 0);

    // uv's own clean and prune remove archives the index remembers.
    let before = s.scan(IndexMode::Use);
    s.uv(&["cache", "clean", "alpha"]);
    let cleaned = s.check("uv cache clean alpha", true);
    let shrunk = cleaned.index.changes.clone().expect("compared");
    assert!(shrunk.archives_removed >= 1, "{shrunk:?}");
    assert_eq!(shrunk.archives_added, 0);
    // What went is what the scan before attributed to alpha's archives.
    let alpha_archives: u64 = before
        .entries
        .iter()
        .filter(|e| {
            e.kind == uvcache::engine::model::EntryKind::Archive
                && e.package.as_deref() == Some("alpha")
                && !s.cache.join(&e.path).exists()
        })
        .map(|e| e.sizes.disk_bytes)
        .sum();
    assert!(alpha_archives > 0);
    assert_eq!(shrunk.removed_disk_bytes, alpha_archives, "{shrunk:?}");
    s.uv(&["cache", "prune"]);
    let pruned = s.check("uv cache prune", true);
    assert!(pruned.index.archives_reused + pruned.index.archives_walked > 0);
}

/// Waits until what uv just wrote is old enough to be remembered.
fn settle() {
    let ns = u64::try_from(uvcache::engine::scan::buckets::memo::SETTLE_NS).expect("positive");
    std::thread::sleep(std::time::Duration::from_nanos(ns) + std::time::Duration::from_millis(200));
}

/// A directory with an unreadable pointer is never remembered: its problem
/// is found and counted on every scan, as a full scan counts it.
#[test]
fn directories_with_problems_are_read_again_on_every_scan() {
    let s = Setup::new();
    let v1 = s.venv("v1");
    s.uv(&["pip", "install", "-q", "--python", &v1, "alpha==1.0.0"]);
    let pointer = walk_files(&s.cache)
        .into_iter()
        .find(|p| {
            p.extension().is_some_and(|e| e == "http")
                && p.components()
                    .any(|c| c.as_os_str().to_string_lossy().starts_with("wheels-v"))
        })
        .expect("a wheel's HTTP pointer");
    // Replaced as uv replaces files: a new file renamed over the old one.
    let tmp = pointer.with_extension("tmp");
    fs::write(&tmp, b"not a pointer").expect("write");
    fs::rename(&tmp, &pointer).expect("rename");
    settle();
    let first = s.scan(IndexMode::Use);
    assert!(first.errors.undecodable >= 1, "{:?}", first.errors);
    let again = s.check("reopen with a corrupt pointer", true);
    assert_eq!(again.errors.undecodable, first.errors.undecodable);
    assert!(
        again.index.dirs_reused > 0,
        "the other directories are reused"
    );
    assert!(
        again
            .errors
            .samples
            .iter()
            .any(|i| s.cache.join(&i.path) == pointer),
        "{:?}",
        again.errors.samples
    );
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).expect("list").flatten() {
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => out.extend(walk_files(&path)),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
    out
}

#[test]
fn damaged_or_foreign_indexes_are_ignored_and_rewritten() {
    let s = Setup::new();
    let v1 = s.venv("v1");
    s.uv(&[
        "pip",
        "install",
        "-q",
        "--python",
        &v1,
        "alpha==1.0.0",
        "beta",
    ]);
    let full = s.scan(IndexMode::Off);
    s.scan(IndexMode::Rebuild);
    let good = fs::read(s.index_file()).expect("index written");
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "truncated"),
        ("empty", Vec::new(), "not a uvcache index"),
        ("json", b"{\"records\": []}".to_vec(), "not a uvcache index"),
    ];
    let mut flipped = good.clone();
    let mid = flipped.len() - 10;
    flipped[mid] ^= 0x11;
    cases.push(("bit flip", flipped, "corrupt"));
    let mut future = good.clone();
    future[14] = 0xfe;
    cases.push(("other format", future, "index format"));
    for (what, bytes, reason) in cases {
        fs::write(s.index_file(), &bytes).expect("write damaged index");
        let snap = s.scan(IndexMode::Use);
        let ignored = snap.index.ignored.clone().unwrap_or_default();
        assert!(ignored.contains(reason), "{what}: {ignored}");
        assert_eq!(snap.index.archives_reused, 0, "{what}");
        assert_eq!(comparable(&snap, true), comparable(&full, true), "{what}");
        assert!(snap.index.written_bytes > 0, "{what}: rewritten");
        assert_eq!(
            fs::read(s.index_file()).expect("rewritten").len(),
            good.len(),
            "{what}"
        );
        let again = s.scan(IndexMode::Use);
        assert_eq!(again.index.ignored, None, "{what}: the rewrite is usable");
        assert!(again.index.archives_reused > 0, "{what}");
    }

    // The index of another cache root is not used for this one.
    let other = tempfile::tempdir().expect("tempdir");
    let copy = other.path().join("cache");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&s.cache)
        .arg(&copy)
        .status()
        .expect("cp");
    assert!(status.success());
    let root = CacheRoot {
        path: copy.clone(),
        rule: RootRule::Flag,
    };
    let uv = resolve_release(Some(UV_CURRENT.parse().expect("version")), None, &[]);
    let opts = ScanOptions {
        threads: 2,
        index: IndexMode::Use,
        index_file: Some(s.index_file()),
    };
    let snap = scan(&root, uv, &opts, &Silent, &AtomicBool::new(false)).expect("scan");
    assert!(
        snap.index
            .ignored
            .as_deref()
            .is_some_and(|w| w.contains("another cache")),
        "{:?}",
        snap.index.ignored
    );
    assert_eq!(snap.total.disk_bytes, full.total.disk_bytes);
}

/// An archive modified in place (something uv never does) keeps its
/// directory's identity only if the top directory is untouched; touching the
/// archive directory invalidates its record.
#[test]
fn a_changed_archive_directory_is_walked_again() {
    let s = Setup::new();
    let v1 = s.venv("v1");
    s.uv(&["pip", "install", "-q", "--python", &v1, "alpha==1.0.0"]);
    s.scan(IndexMode::Rebuild);
    let archive: PathBuf = fs::read_dir(s.cache.join("archive-v0"))
        .expect("archives")
        .flatten()
        .map(|e| e.path())
        .next()
        .expect("an archive");
    fs::write(archive.join("EXTRA"), vec![b'x'; 10_000]).expect("add a file");
    let snap = s.check("archive changed", true);
    assert!(snap.index.archives_walked >= 1);
    assert!(
        snap.entries
            .iter()
            .any(|e| Path::new(&s.cache).join(&e.path) == archive && e.sizes.files > 0)
    );
}
