//! Scanning a cache with the engine, and an independent count to check it against.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use uvcache::engine::locate::{CacheRoot, RootRule};
use uvcache::engine::model::{Entry, EntryKind, Snapshot};
use uvcache::engine::progress::Silent;
use uvcache::engine::scan::{ScanOptions, scan};
use uvcache::engine::uv::resolve_release;

/// Scans `cache` classified against uv `version`; panics on failure.
pub fn scan_cache(cache: &Path, version: &str) -> Snapshot {
    let root = CacheRoot {
        path: cache.to_path_buf(),
        rule: RootRule::Flag,
    };
    let uv = resolve_release(Some(version.parse().expect("a uv version")), None, &[]);
    scan(
        &root,
        uv,
        &ScanOptions::default(),
        &Silent,
        &AtomicBool::new(false),
    )
    .unwrap_or_else(|e| panic!("scan of {}: {e}", cache.display()))
}

/// A package version's wheel entry and the archive only it links to.
pub fn wheel_and_archive<'a>(
    snap: &'a Snapshot,
    package: &str,
    version: &str,
) -> (&'a Entry, &'a Entry) {
    let wheel = snap
        .entries
        .iter()
        .find(|e| {
            e.kind == EntryKind::Wheel
                && e.package.as_deref() == Some(package)
                && e.version.as_deref() == Some(version)
        })
        .unwrap_or_else(|| panic!("{package} {version}'s wheel"));
    let archive = snap
        .entries
        .iter()
        .find(|e| e.kind == EntryKind::Archive && e.detail.referrers == [wheel.id])
        .unwrap_or_else(|| panic!("the archive only {package} {version}'s wheel links to"));
    (wheel, archive)
}

/// An independent count with walkdir, links not followed: (files incl.
/// symlinks and special files, dirs, logical bytes, disk bytes), inodes once.
pub fn walk_totals(cache: &Path) -> (u64, u64, u64, u64) {
    let (mut files, mut dirs, mut logical, mut disk) = (0, 0, 0, 0);
    let mut seen = HashSet::new();
    for entry in walkdir::WalkDir::new(cache).follow_links(false) {
        let meta = entry.expect("walk").metadata().expect("lstat");
        if meta.is_dir() {
            dirs += 1;
        } else {
            files += 1;
        }
        if seen.insert((meta.dev(), meta.ino())) {
            logical += meta.size();
            disk += meta.blocks() * 512;
        }
    }
    (files, dirs, logical, disk)
}
