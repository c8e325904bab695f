//! uvcache's clean and prune leave exactly the tree the real uv leaves.
//!
//! Each case copies a fixture cache twice, runs `uv cache ...` on one copy and
//! the uvcache equivalent on the other, and compares the trees: paths, file
//! types, link targets and sizes.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Fixture, FixtureKind, copy_fixture, fixture, try_run_uv};

/// path -> (type, link target or size)
fn tree(root: &Path) -> BTreeMap<PathBuf, (char, String)> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
        let meta = entry.path().symlink_metadata().unwrap();
        let value = if meta.file_type().is_symlink() {
            (
                'l',
                std::fs::read_link(entry.path())
                    .unwrap()
                    .display()
                    .to_string(),
            )
        } else if meta.is_dir() {
            ('d', String::new())
        } else {
            ('f', meta.size().to_string())
        };
        out.insert(rel, value);
    }
    out
}

fn uvcache(cache: &Path, uv_version: &str, args: &[&str]) -> std::process::Output {
    let out = support::uvcache_command()
        .args(args)
        .args(["--yes", "--cache-dir"])
        .arg(cache)
        .args(["--uv-version", uv_version])
        .env("NO_COLOR", "1")
        .env_remove("UV_CACHE_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "uvcache {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn compare(f: &Fixture, uv_version: &str, uv_args: &[&str], ours: &[&str]) {
    let (_a, with_uv) = copy_fixture(f);
    let (_b, with_us) = copy_fixture(f);
    let before = tree(&with_us);
    let work = tempfile::tempdir().unwrap();
    let uv_out = try_run_uv(uv_version, &with_uv, work.path(), uv_args);
    assert!(
        uv_out.status.success(),
        "uv {uv_args:?}: {}",
        String::from_utf8_lossy(&uv_out.stderr)
    );
    let our_out = uvcache(&with_us, uv_version, ours);
    let (theirs, mine) = (tree(&with_uv), tree(&with_us));
    let only_uv: Vec<_> = theirs
        .iter()
        .filter(|(k, v)| mine.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    let only_us: Vec<_> = mine
        .iter()
        .filter(|(k, v)| theirs.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        only_uv.is_empty() && only_us.is_empty(),
        "uv {uv_version} {uv_args:?} vs uvcache {ours:?} on {:?}:\n kept by uv only: {only_uv:#?}\n kept by uvcache only: {only_us:#?}\nuv said: {}\nuvcache said: {}",
        f.kind,
        String::from_utf8_lossy(&uv_out.stderr),
        String::from_utf8_lossy(&our_out.stdout)
    );
    // The summary line matches uv's count of removed files.
    let removed_files = before
        .iter()
        .filter(|(k, v)| v.0 != 'd' && !mine.contains_key(*k))
        .count();
    let stdout = String::from_utf8_lossy(&our_out.stdout);
    if removed_files > 1 {
        assert!(
            stdout.contains(&format!("Removed {removed_files} files")),
            "{stdout}"
        );
    }
    // uv 0.13 reports bytes the same way uvcache does: the whole summary line matches.
    if uv_version == support::UV_CURRENT {
        let uv_err = String::from_utf8_lossy(&uv_out.stderr);
        let theirs = uv_err
            .lines()
            .find(|l| l.starts_with("Removed ") || l.starts_with("No cache entries"));
        let line = theirs.unwrap_or_else(|| panic!("no summary from uv: {uv_err}"));
        assert!(
            stdout.lines().any(|l| l == line),
            "uv said `{line}`, uvcache said:\n{stdout}"
        );
    }
}

fn cases(kind: FixtureKind, uv: &str) {
    let f = fixture(kind);
    for pkg in [
        "alpha",
        "beta",
        "gitpkg",
        "pathpkg",
        "localsdist",
        "delta",
        "gamma",
        "flit-core",
        "Edit_Pkg",
        "nothere",
    ] {
        compare(f, uv, &["cache", "clean", pkg], &["clean", pkg]);
    }
    compare(
        f,
        uv,
        &["cache", "clean", "alpha", "beta"],
        &["clean", "alpha", "beta"],
    );
    compare(f, uv, &["cache", "prune"], &["prune"]);
    compare(f, uv, &["cache", "prune", "--ci"], &["prune", "--ci"]);
    if uv == support::UV_CURRENT {
        compare(f, uv, &["cache", "clean"], &["clean"]);
    } else {
        // uv 0.12 also deletes `.lock` and the root; uvcache always keeps both
        // (0.13's behaviour), so a running uv never loses its lock file.
        let (_t, cache) = copy_fixture(f);
        uvcache(&cache, uv, &["clean"]);
        let left: Vec<_> = tree(&cache).into_keys().collect();
        assert_eq!(left, [PathBuf::from(".lock")]);
    }
}

#[test]
fn same_as_uv_on_current_cache() {
    cases(FixtureKind::Current, support::UV_CURRENT);
}

#[test]
fn same_as_uv_on_old_cache() {
    cases(FixtureKind::Old, support::UV_OLD);
}

#[test]
fn same_as_uv_on_mixed_cache() {
    cases(FixtureKind::Mixed, support::UV_CURRENT);
}

/// The paths whose type, size or link target differ between two trees.
fn differences(a: &Path, b: &Path) -> Vec<PathBuf> {
    let (a, b) = (tree(a), tree(b));
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .chain(b.iter().filter(|(k, v)| a.get(*k) != Some(v)))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Copies a directory tree with `cp -a` (symlinks kept as links).
fn cp_a(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn prune_with_dangling_revisions_and_a_corrupt_pointer() {
    let f = fixture(FixtureKind::Current);
    let (base_dir, base) = copy_fixture(f);
    // A dangling revision next to each current one (what a rebuild leaves behind).
    let sdists = base.join("sdists-v11");
    let mut shards = Vec::new();
    for entry in walkdir::WalkDir::new(&sdists).follow_links(false) {
        let entry = entry.unwrap();
        if entry.file_name() == "revision.http" || entry.file_name() == "revision.rev" {
            shards.push(entry.path().parent().unwrap().to_path_buf());
        }
    }
    assert!(shards.len() >= 4, "{shards:?}");
    for shard in &shards {
        let rev = std::fs::read_dir(shard)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.is_dir())
            .unwrap();
        cp_a(&rev, &shard.join("OldRevision00001"));
    }
    // One shard whose pointer no longer decodes: uv deletes nothing there.
    let corrupt = &shards[0];
    let pointer = ["revision.http", "revision.rev"]
        .iter()
        .map(|n| corrupt.join(n))
        .find(|p| p.exists())
        .unwrap();
    std::fs::write(&pointer, b"not a pointer").unwrap();
    for args in [&["prune"][..], &["prune", "--ci"]] {
        let work = tempfile::tempdir().unwrap();
        let with_uv = work.path().join("uv");
        let with_us = work.path().join("us");
        cp_a(&base, &with_uv);
        cp_a(&base, &with_us);
        let uv_args: Vec<&str> = ["cache"].iter().chain(args).copied().collect();
        let out = try_run_uv(support::UV_CURRENT, &with_uv, work.path(), &uv_args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        uvcache(&with_us, support::UV_CURRENT, args);
        let diff = differences(&with_uv, &with_us);
        assert!(diff.is_empty(), "{args:?}: {diff:#?}");
        assert!(
            tree(&with_us)
                .keys()
                .any(|k| k.ends_with("OldRevision00001")),
            "the corrupt shard keeps its revisions"
        );
    }
    drop(base_dir);
}

/// Older uv releases wrote absolute archive links. When the cache was reached
/// through a symlinked directory then, and through its real path now, uv
/// still sees those links as references (it compares canonical paths), so
/// prune must keep their archives; uvcache too, through either path.
#[test]
fn prune_keeps_archives_behind_absolute_links_through_a_symlinked_root() {
    let f = fixture(FixtureKind::Old);
    let (base_dir, base) = copy_fixture(f);
    let via = base_dir.path().join("via");
    std::os::unix::fs::symlink(&base, &via).unwrap();
    let mut rewritten = 0;
    for entry in walkdir::WalkDir::new(&base).follow_links(false) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&base).unwrap();
        let bucket = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy());
        if !entry.path_is_symlink()
            || !bucket.is_some_and(|b| b.starts_with("wheels-") || b.starts_with("sdists-"))
        {
            continue;
        }
        let target = std::fs::read_link(entry.path()).unwrap();
        let Some(id) = target
            .to_str()
            .and_then(|t| t.split_once("archive-v0/"))
            .map(|(_, id)| id.to_string())
        else {
            continue;
        };
        std::fs::remove_file(entry.path()).unwrap();
        std::os::unix::fs::symlink(via.join("archive-v0").join(id), entry.path()).unwrap();
        rewritten += 1;
    }
    assert!(
        rewritten >= 5,
        "only {rewritten} archive links in the fixture"
    );
    let archives = |root: &Path| std::fs::read_dir(root.join("archive-v0")).unwrap().count();
    for args in [&["prune"][..], &["prune", "--ci"]] {
        // The cache named by its real path, and by the symlinked one.
        for named_via_link in [false, true] {
            let work = tempfile::tempdir().unwrap();
            let with_uv = work.path().join("uv");
            let with_us = work.path().join("us");
            cp_a(&base, &with_uv);
            cp_a(&base, &with_us);
            // Both copies' links point into `via`: aim it at each copy in turn.
            let link_uv = work.path().join("link-uv");
            let link_us = work.path().join("link-us");
            std::os::unix::fs::symlink(&with_uv, &link_uv).unwrap();
            std::os::unix::fs::symlink(&with_us, &link_us).unwrap();
            let name = |copy: &Path, link: &Path| {
                if named_via_link {
                    link.to_path_buf()
                } else {
                    copy.to_path_buf()
                }
            };
            std::fs::remove_file(&via).unwrap();
            std::os::unix::fs::symlink(&with_uv, &via).unwrap();
            let uv_args: Vec<&str> = ["cache"].iter().chain(args).copied().collect();
            let out = try_run_uv(
                support::UV_OLD,
                &name(&with_uv, &link_uv),
                work.path(),
                &uv_args,
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::fs::remove_file(&via).unwrap();
            std::os::unix::fs::symlink(&with_us, &via).unwrap();
            uvcache(&name(&with_us, &link_us), support::UV_OLD, args);
            let diff = differences(&with_uv, &with_us);
            assert!(
                diff.is_empty(),
                "{args:?} via link {named_via_link}: {diff:#?}"
            );
            if *args == ["prune"] {
                assert!(archives(&with_us) >= 5, "the referenced archives stay");
            }
        }
    }
    drop(base_dir);
}
