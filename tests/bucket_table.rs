//! The compiled-in bucket table agrees with the real uv: what a release keeps
//! on `uv cache prune` is exactly what the table calls current for it.

mod support;

use std::collections::BTreeSet;

use support::{UV_CURRENT, UV_OLD, run_uv};
use uvcache::engine::layout::{TopLevel, classify_top_level, release_for, releases};

fn prune_keeps(version: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    // Every directory name any release ever used, plus a few no release uses.
    let mut names: BTreeSet<String> = releases()
        .iter()
        .flat_map(|r| r.buckets.values().cloned())
        .collect();
    names.extend(["wheels-v99", "photos"].map(String::from));
    for name in &names {
        std::fs::create_dir_all(cache.join(name)).unwrap();
    }
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    run_uv(version, &cache, &work, ["cache", "prune"]);
    let kept: BTreeSet<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| names.contains(n))
        .collect();
    (names, kept)
}

fn check(version: &str) {
    let (names, kept) = prune_keeps(version);
    let (release, newer) = release_for(version.parse().unwrap());
    assert!(!newer);
    for name in &names {
        let class = classify_top_level(name, true, release);
        assert_eq!(
            kept.contains(name),
            class == TopLevel::Current,
            "uv {version}: `{name}` kept by prune = {}, table says {class:?}",
            kept.contains(name)
        );
    }
}

#[test]
fn table_matches_prune_of_current_uv() {
    check(UV_CURRENT);
}

#[test]
fn table_matches_prune_of_old_uv() {
    check(UV_OLD);
}
