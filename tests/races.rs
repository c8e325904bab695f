//! Removal against a cache that changes under it: lock, then plan (a plan
//! confirmed before the lock is selected again under it), and directories
//! swapped for symbolic links while a removal runs are never followed.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture, install_offline, uvcache_on};
use uvcache::engine::layout::UvVersion;
use uvcache::engine::progress::Silent;
use uvcache::engine::remove::apply;
use uvcache::engine::remove::lock::try_lock;
use uvcache::engine::remove::plan::{Target, plan_prune};

/// alpha 1.0.0's wheel link (the only referrer of its archive), relative to
/// the cache; its index shard is named by the fixture index's URL.
fn alpha_link(cache: &Path) -> PathBuf {
    let found = support::glob(cache, "wheels-v8/index/*/alpha/1.0.0-py3-none-any");
    let [link] = &found[..] else {
        panic!("one wheel link of alpha 1.0.0 expected: {found:?}");
    };
    link.strip_prefix(cache).unwrap().to_path_buf()
}

fn target(cache: &Path) -> Target {
    Target {
        root: cache.canonicalize().unwrap(),
        uv_version: UV_CURRENT.parse::<UvVersion>().unwrap(),
    }
}

/// Takes alpha 1.0.0's link out of the cache, so that prune sees its archive
/// as unused; returns the archive and where the link is kept.
fn orphan_alpha(cache: &Path, keep: &Path) -> PathBuf {
    let link = cache.join(alpha_link(cache));
    let archive = std::fs::read_link(&link).unwrap();
    let archive = PathBuf::from("archive-v0").join(archive.file_name().unwrap());
    std::fs::rename(&link, keep).unwrap();
    archive
}

#[test]
fn a_plan_confirmed_before_the_lock_is_selected_again_under_it() {
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let kept_link = tmp.path().join("kept-link");
    let alpha = alpha_link(&cache);
    let archive = orphan_alpha(&cache, &kept_link);
    let confirmed = plan_prune(&target(&cache), false);
    assert!(
        confirmed.items.iter().any(|i| i.path == archive),
        "prune selects the archive nothing links to"
    );
    // While uvcache waits for the lock, uv links the archive again.
    std::fs::rename(&kept_link, cache.join(&alpha)).unwrap();
    let lock = try_lock(&cache).unwrap();
    let applied = apply(&confirmed, &lock, &Silent);
    drop(lock);
    assert!(
        cache.join(&archive).is_dir(),
        "an archive in use was removed"
    );
    assert_eq!(applied.drift.no_longer_selected, vec![archive.clone()]);
    assert!(applied.drift.not_confirmed.is_empty());
    assert!(
        applied.outcome.errors.is_empty(),
        "{:?}",
        applied.outcome.errors
    );
    assert!(
        !applied.plan.items.iter().any(|i| i.path == archive),
        "the applied plan lists what was removed"
    );
    for item in &confirmed.items {
        if item.path != archive {
            assert!(!cache.join(&item.path).exists(), "{}", item.path.display());
        }
    }
    install_offline(UV_CURRENT, &cache, f.info("index_url"), &["alpha==1.0.0"]).unwrap();
}

#[test]
fn with_yes_the_lock_is_taken_before_anything_is_selected() {
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let kept_link = tmp.path().join("kept-link");
    let alpha = alpha_link(&cache);
    let archive = orphan_alpha(&cache, &kept_link);
    // A running uv holds its shared lock.
    let lock = std::fs::File::open(cache.join(".lock")).unwrap();
    lock.lock_shared().unwrap();
    let mut child = uvcache_on(&cache, UV_CURRENT)
        .args(["prune", "--yes", "--json"])
        .env("UV_LOCK_TIMEOUT", "60")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("in-use"), "waits for the lock: {line}");
    // uv installs alpha 1.0.0 again before it lets go.
    std::fs::rename(&kept_link, cache.join(&alpha)).unwrap();
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        cache.join(&archive).is_dir(),
        "an archive in use was removed"
    );
    let planned: Vec<&str> = json["plan"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert!(!planned.contains(&archive.to_str().unwrap()), "{planned:?}");
    assert!(!planned.is_empty(), "the rest of the prune went ahead");
    install_offline(UV_CURRENT, &cache, f.info("index_url"), &["alpha==1.0.0"]).unwrap();
}

/// Path -> (is a directory, length) of every entry below `dir`.
fn fingerprint(dir: &Path) -> BTreeMap<PathBuf, (bool, u64)> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (e.path().to_path_buf(), (m.is_dir(), m.len()))
        })
        .collect()
}

#[test]
fn a_bucket_swapped_with_a_link_out_of_the_cache_is_never_followed() {
    let f = fixture(FixtureKind::Current);
    for args in [&["clean", "alpha", "beta", "gitpkg"][..], &["clean"][..]] {
        let (tmp, cache) = copy_fixture(f);
        let outside = tmp.path().join("outside");
        for i in 0..200 {
            let d = outside.join(format!("d{i}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("precious"), b"keep me").unwrap();
        }
        // Archive ids the plan removes, made to exist outside too.
        for entry in std::fs::read_dir(cache.join("archive-v0")).unwrap() {
            let name = entry.unwrap().file_name();
            std::fs::create_dir_all(outside.join(&name).join("sub")).unwrap();
            std::fs::write(outside.join(&name).join("sub/precious"), b"keep me").unwrap();
        }
        let before = fingerprint(&outside);
        std::os::unix::fs::symlink(&outside, cache.join("decoy")).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let racer = {
            let stop = stop.clone();
            let cache = cache.clone();
            std::thread::spawn(move || {
                let root = std::fs::File::open(&cache).unwrap();
                let mut swaps = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let swapped = rustix::fs::renameat_with(
                        &root,
                        "archive-v0",
                        &root,
                        "decoy",
                        rustix::fs::RenameFlags::EXCHANGE,
                    );
                    if swapped.is_err() {
                        std::thread::sleep(Duration::from_micros(50));
                    }
                    swaps += 1;
                }
                swaps
            })
        };
        let out = uvcache_on(&cache, UV_CURRENT)
            .args(args)
            .arg("--yes")
            .output()
            .unwrap();
        stop.store(true, Ordering::Relaxed);
        let swaps = racer.join().unwrap();
        assert!(swaps > 10, "the racer ran ({swaps} swaps)");
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            fingerprint(&outside),
            before,
            "{args:?}: something outside the cache changed"
        );
    }
}

/// Files and directories below `dir` (links counted as files, never followed).
fn count_entries(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .count() as u64
}

fn removed(json: &serde_json::Value) -> u64 {
    let o = &json["outcome"];
    if o.is_null() {
        return 0;
    }
    o["removed_files"].as_u64().unwrap() + o["removed_dirs"].as_u64().unwrap()
}

#[test]
fn removals_queued_behind_the_lock_report_what_they_really_removed() {
    let f = fixture(FixtureKind::Current);
    for pair in [
        [&["prune"][..], &["prune"][..]],
        [&["clean"][..], &["prune"][..]],
    ] {
        let (_t, cache) = copy_fixture(f);
        let before = count_entries(&cache);
        let lock = std::fs::File::open(cache.join(".lock")).unwrap();
        lock.lock_shared().unwrap();
        let children: Vec<_> = pair
            .iter()
            .map(|args| {
                uvcache_on(&cache, UV_CURRENT)
                    .args(*args)
                    .args(["--yes", "--json"])
                    .env("UV_LOCK_TIMEOUT", "60")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        drop(lock);
        let mut reported = 0;
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{pair:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            reported += removed(&json);
        }
        let gone = before - count_entries(&cache);
        assert!(gone > 0, "{pair:?} removed something");
        assert_eq!(
            reported, gone,
            "{pair:?}: the runs reported {reported} files and directories removed, {gone} went"
        );
    }
}

#[test]
fn refused_items_are_not_counted_as_removed() {
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let plan = uvcache::engine::remove::plan::plan_clean(&target(&cache), &["alpha".into()]);
    assert!(plan.items.iter().any(|i| i.path.starts_with("archive-v0")));
    // The archive bucket becomes a link to a copy outside: its items are refused.
    let outside = tmp.path().join("outside-archive");
    std::fs::rename(cache.join("archive-v0"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, cache.join("archive-v0")).unwrap();
    let before = count_entries(&cache) + count_entries(&outside);
    let lock = try_lock(&cache).unwrap();
    let applied = apply(&plan, &lock, &Silent);
    drop(lock);
    let o = &applied.outcome;
    assert!(
        o.errors
            .iter()
            .any(|e| e.path.starts_with("archive-v0") && e.message.contains("refused")),
        "{:?}",
        o.errors
    );
    let gone = before - count_entries(&cache) - count_entries(&outside);
    assert_eq!(o.removed_files + o.removed_dirs, gone);
    assert!(o.reclaimed_bytes < plan.totals.reclaimable_bytes);
}
