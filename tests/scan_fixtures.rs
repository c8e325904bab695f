//! Scans of real caches written by the pinned uv releases: every byte is
//! attributed, totals equal `du` and `uv cache size`, and each source kind is
//! recognized for what it is.

mod support;

use std::path::Path;

use support::{
    FixtureKind, UV_CURRENT, UV_OLD, du_bytes, fixture, scan_cache, uv_cache_size, walk_totals,
};
use uvcache::engine::layout::TopLevel;
use uvcache::engine::model::{Entry, EntryKind, EntryState, Snapshot, Source};
use uvcache::engine::query::packages;

fn assert_all_bytes_known(snap: &Snapshot, cache: &Path, uv: &str) {
    let unknown: Vec<&Entry> = snap
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Unknown)
        .collect();
    assert!(unknown.is_empty(), "unrecognized entries: {unknown:#?}");
    assert_eq!(snap.errors.total(), 0, "scan problems: {:#?}", snap.errors);
    let (files, dirs, logical, disk) = walk_totals(cache);
    // Each file is counted by exactly one entry: overlapping entries would overcount.
    assert_eq!(snap.total.files, files, "files");
    assert_eq!(snap.total.dirs, dirs, "dirs");
    assert_eq!(snap.total.logical_bytes, logical, "logical bytes");
    assert_eq!(
        snap.total.disk_bytes, disk,
        "disk bytes vs an independent walk"
    );
    assert_eq!(
        snap.total.disk_bytes,
        du_bytes(cache),
        "disk bytes vs du -s -B1"
    );
    assert_eq!(
        snap.total.disk_bytes,
        uv_cache_size(uv, cache),
        "disk bytes vs uv cache size"
    );
    let entry_files: u64 = snap.entries.iter().map(|e| e.sizes.files).sum();
    assert_eq!(entry_files, files, "entries partition the files");
    assert!(snap.total.reclaimable_bytes <= snap.total.disk_bytes);
}

fn entries_of<'a>(snap: &'a Snapshot, package: &str) -> Vec<&'a Entry> {
    snap.entries
        .iter()
        .filter(|e| e.package.as_deref() == Some(package))
        .collect()
}

#[test]
fn current_cache_every_byte_known() {
    let f = fixture(FixtureKind::Current);
    let snap = scan_cache(&f.cache, UV_CURRENT);
    assert_all_bytes_known(&snap, &f.cache, UV_CURRENT);
    assert!(
        snap.buckets.iter().all(|b| b.class == TopLevel::Current),
        "{:#?}",
        snap.buckets
    );
}

#[test]
fn old_cache_every_byte_known() {
    let f = fixture(FixtureKind::Old);
    let snap = scan_cache(&f.cache, UV_OLD);
    assert_all_bytes_known(&snap, &f.cache, UV_OLD);
    assert!(
        snap.buckets.iter().all(|b| b.class == TopLevel::Current),
        "{:#?}",
        snap.buckets
    );
}

#[test]
fn mixed_cache_marks_the_old_buckets_stale() {
    let f = fixture(FixtureKind::Mixed);
    let snap = scan_cache(&f.cache, UV_CURRENT);
    assert_all_bytes_known(&snap, &f.cache, UV_CURRENT);
    let class = |name: &str| {
        snap.buckets
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.class)
    };
    for stale in [
        "wheels-v6",
        "sdists-v9",
        "simple-v25",
        "git-v1",
        "interpreter-v4",
        "flat-index-v5",
    ] {
        assert_eq!(class(stale), Some(TopLevel::Stale), "{stale}");
    }
    for current in [
        "wheels-v8",
        "sdists-v11",
        "simple-v28",
        "git-v2",
        "archive-v0",
        "environments-v2",
    ] {
        assert_eq!(class(current), Some(TopLevel::Current), "{current}");
    }
    // The same cache judged by the older release flips the classification.
    let old = scan_cache(&f.cache, UV_OLD);
    let class = |name: &str| old.buckets.iter().find(|b| b.name == name).map(|b| b.class);
    assert_eq!(class("wheels-v6"), Some(TopLevel::Current));
    assert_eq!(class("wheels-v8"), Some(TopLevel::Stale));
}

fn check_sources(snap: &Snapshot, f: &support::Fixture) {
    let index = f.info("index_url");
    let has =
        |pkg: &str, pred: &dyn Fn(&Entry) -> bool| entries_of(snap, pkg).into_iter().any(pred);
    // Registry wheels: index URL recovered from the stored Simple API policy.
    assert!(has("alpha", &|e| e.kind == EntryKind::Wheel
        && matches!(&e.source, Source::Index { url: Some(u), .. } if u == index)));
    let alpha = packages(snap, None)
        .into_iter()
        .find(|p| p.name == "alpha")
        .unwrap();
    assert_eq!(alpha.versions, ["2.0.0", "1.0.0"]);
    // Built from a registry sdist: the revision and its archive say so.
    assert!(has("beta", &|e| e.kind == EntryKind::SdistRevision
        && e.detail.built == Some(true)));
    assert!(has("beta", &|e| e.kind == EntryKind::Archive
        && e.detail.built == Some(true)));
    // Direct URL wheel and sdist, with their URLs.
    assert!(has("gamma", &|e| e.kind == EntryKind::Wheel
        && matches!(&e.source, Source::Url { url: Some(u), .. } if u == f.info("gamma_url"))));
    assert!(has("delta", &|e| e.kind == EntryKind::SdistRevision
        && matches!(&e.source, Source::Url { url: Some(u), .. } if u == f.info("delta_url"))));
    // Local wheel file, local sdist, local directory, editable.
    assert!(has("localwheel", &|e| e.kind == EntryKind::Wheel
        && matches!(e.source, Source::Url { .. })));
    assert!(has("localsdist", &|e| e.kind == EntryKind::SdistRevision
        && matches!(e.source, Source::Path { .. })));
    assert!(has("pathpkg", &|e| e.kind == EntryKind::SdistRevision
        && matches!(e.source, Source::Path { .. })));
    assert!(has("editpkg", &|e| e.kind == EntryKind::SdistRevision
        && matches!(e.source, Source::Editable { .. })));
    // Git: the built shard, with the repository URL and commit.
    let repo = f.info("git_url").trim_start_matches("git+").to_string();
    let commit = &f.info("git_commit")[..16];
    assert!(has("gitpkg", &|e| e.kind == EntryKind::SdistGit
        && matches!(&e.source, Source::Git { url: Some(u), commit: Some(c), .. } if *u == repo && c == commit)));
    // --find-links, local and remote.
    assert!(has("flatpkg", &|e| e.kind == EntryKind::Wheel
        && matches!(e.source, Source::Index { .. })));
    assert!(has("remoteflat", &|e| e.kind == EntryKind::Wheel
        && matches!(&e.source, Source::Index { url: Some(u), .. } if u.trim_end_matches('/') == f.info("flat_url").trim_end_matches('/'))));
    assert!(
        snap.entries
            .iter()
            .any(|e| e.kind == EntryKind::FlatIndexPage && e.detail.url.is_some())
    );
    // Environments: the tool environment's archive holds the tool.
    let tool = snap
        .entries
        .iter()
        .find(|e| e.kind == EntryKind::ToolEnvironment)
        .expect("a tool environment");
    assert!(
        tool.detail
            .contents
            .iter()
            .any(|c| c.starts_with("toolpkg ")),
        "{:?}",
        tool.detail.contents
    );
    assert!(
        snap.entries
            .iter()
            .any(|e| e.kind == EntryKind::ArchiveEnvironment && e.state == EntryState::Current)
    );
    let script = snap
        .entries
        .iter()
        .find(|e| e.kind == EntryKind::ScriptEnvironment)
        .expect("a script environment");
    assert!(!script.detail.contents.is_empty());
    // Git database and checkout carry the repository.
    assert!(snap.entries.iter().any(
        |e| e.kind == EntryKind::GitDatabase && e.detail.url.as_deref() == Some(repo.as_str())
    ));
    assert!(snap.entries.iter().any(|e| e.kind == EntryKind::GitCheckout
        && matches!(&e.source, Source::Git { url: Some(u), .. } if *u == repo)));
    assert!(
        snap.entries
            .iter()
            .any(|e| e.kind == EntryKind::Interpreter)
    );
    // Nothing is left behind in a freshly written cache.
    let orphans: Vec<_> = snap
        .entries
        .iter()
        .filter(|e| e.state != EntryState::Current)
        .collect();
    assert!(orphans.is_empty(), "{orphans:#?}");
    // Every unpacked wheel is attributed to a package.
    for a in snap.entries.iter().filter(|e| e.kind == EntryKind::Archive) {
        assert!(a.package.is_some() && a.version.is_some(), "{a:#?}");
    }
}

#[test]
fn current_cache_attributes_every_source_kind() {
    let f = fixture(FixtureKind::Current);
    check_sources(&scan_cache(&f.cache, UV_CURRENT), f);
}

#[test]
fn old_cache_attributes_every_source_kind() {
    let f = fixture(FixtureKind::Old);
    check_sources(&scan_cache(&f.cache, UV_OLD), f);
}

#[test]
fn hard_links_into_environments_are_not_reclaimable() {
    let f = fixture(FixtureKind::Current);
    let snap = scan_cache(&f.cache, UV_CURRENT);
    let archive = entries_of(&snap, "alpha")
        .into_iter()
        .find(|e| e.kind == EntryKind::Archive)
        .unwrap();
    // The module files are hard-linked into the fixture's virtual environments.
    assert!(archive.linked_out_bytes > 0, "{archive:#?}");
    assert_eq!(
        archive.sizes.reclaimable_bytes + archive.linked_out_bytes,
        archive.sizes.disk_bytes
    );
}

/// Progress never counts more entries measured than found, and ends with all of them, listing
/// done: no `2010/2006 entries`, no bar that goes backwards at the end.
#[test]
fn progress_ends_with_every_entry_found_measured() {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;

    use uvcache::engine::locate::{CacheRoot, RootRule};
    use uvcache::engine::progress::{Reporter, ScanProgress};
    use uvcache::engine::scan::{ScanOptions, scan};
    use uvcache::engine::uv::resolve_release;

    struct Record(Mutex<Vec<ScanProgress>>);
    impl Reporter for Record {
        fn scan(&self, p: ScanProgress) {
            self.0.lock().unwrap().push(p);
        }
    }
    let f = fixture(FixtureKind::Mixed);
    let record = Record(Mutex::new(Vec::new()));
    let root = CacheRoot {
        path: f.cache.clone(),
        rule: RootRule::Flag,
    };
    let uv = resolve_release(Some("0.13.9".parse().unwrap()), None, &[]);
    let snap = scan(
        &root,
        uv,
        &ScanOptions::default(),
        &record,
        &AtomicBool::new(false),
    )
    .unwrap();
    let seen = record.0.into_inner().unwrap();
    assert!(!seen.is_empty());
    for p in &seen {
        assert!(p.entries_done <= p.entries_total, "{p:?}");
    }
    let last = seen.last().unwrap();
    assert!(!last.listing, "{last:?}");
    assert_eq!(last.entries_done, last.entries_total, "{last:?}");
    assert!(
        last.entries_total as usize >= snap.entries.len() / 2,
        "{last:?}"
    );
}

/// The largest packages reported while scanning (for the TUI's first scan) are the packages
/// the finished scan attributes, with no more than their bytes, largest first; the last
/// report, once every entry is measured, holds all of them.
#[test]
fn packages_so_far_are_what_the_scan_attributes() {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;

    use uvcache::engine::locate::{CacheRoot, RootRule};
    use uvcache::engine::progress::{PackageSoFar, Reporter};
    use uvcache::engine::scan::{ScanOptions, scan};
    use uvcache::engine::uv::resolve_release;

    struct Record(Mutex<Vec<Vec<PackageSoFar>>>);
    impl Reporter for Record {
        fn wants_packages(&self) -> bool {
            true
        }
        fn packages(&self, largest: Vec<PackageSoFar>) {
            self.0.lock().unwrap().push(largest);
        }
    }
    for kind in [FixtureKind::Current, FixtureKind::Mixed] {
        let f = fixture(kind);
        let record = Record(Mutex::new(Vec::new()));
        let root = CacheRoot {
            path: f.cache.clone(),
            rule: RootRule::Flag,
        };
        let uv = resolve_release(Some(UV_CURRENT.parse().unwrap()), None, &[]);
        let options = ScanOptions::default();
        let snap = scan(&root, uv, &options, &record, &AtomicBool::new(false)).unwrap();
        let reports = record.0.into_inner().unwrap();
        let last = reports
            .last()
            .expect("a report once every entry is measured");
        let mut attributed: HashMap<&str, u64> = HashMap::new();
        for e in &snap.entries {
            if let Some(p) = e.package.as_deref() {
                *attributed.entry(p).or_default() += e.sizes.disk_bytes;
            }
        }
        assert!(
            last.windows(2).all(|w| w[0].disk_bytes >= w[1].disk_bytes),
            "largest first: {last:?}"
        );
        for p in last {
            let total = attributed.get(p.name.as_str()).copied();
            assert!(
                total.is_some_and(|t| p.disk_bytes <= t),
                "{p:?} vs {total:?}"
            );
        }
        // These caches have no archive holding several packages and no hard link between
        // two packages' entries: the sums so far are exactly what the scan attributes.
        let so_far: HashMap<&str, u64> = last
            .iter()
            .map(|p| (p.name.as_str(), p.disk_bytes))
            .collect();
        assert_eq!(so_far, attributed, "{kind:?}");
    }
}
