//! Crash safety: a clean or prune killed after any item leaves a cache uv
//! still uses correctly (no pointer to a deleted archive, uv's own prune
//! completes, cached packages still install offline).

mod support;

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::AtomicBool;

use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture, install_offline, try_run_uv};
use uvcache::engine::formats::container::split_container;
use uvcache::engine::formats::pointers::{decode_local_revision_pointer, decode_revision};
use uvcache::engine::locate::{CacheRoot, RootRule};
use uvcache::engine::model::{EntryKind, EntryState};
use uvcache::engine::progress::Silent;
use uvcache::engine::scan::{ScanOptions, scan};
use uvcache::engine::uv::resolve_release;

/// The plan of `uvcache ARGS --dry-run --json` on `cache`.
fn dry_run_plan(cache: &Path, args: &[&str]) -> serde_json::Value {
    let out = support::uvcache_on(cache, UV_CURRENT)
        .args(args)
        .args(["--dry-run", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn planned_items(cache: &Path, args: &[&str]) -> usize {
    dry_run_plan(cache, args)["items"].as_array().unwrap().len()
}

/// Files and directories the plan removes: one unlink each.
fn planned_unlinks(cache: &Path, args: &[&str]) -> usize {
    let t = &dry_run_plan(cache, args)["totals"];
    (t["files"].as_u64().unwrap() + t["dirs"].as_u64().unwrap()) as usize
}

/// Where the run is killed: after the N-th item, or after the N-th unlink
/// (inside an item).
#[derive(Clone, Copy, Debug)]
enum Kill {
    AfterItem(usize),
    AfterUnlink(usize),
}

fn killed_run(cache: &Path, args: &[&str], kill: Kill) {
    let (var, after) = match kill {
        Kill::AfterItem(n) => ("UVCACHE_FAULT_ABORT_AFTER", n),
        Kill::AfterUnlink(n) => ("UVCACHE_FAULT_ABORT_AFTER_UNLINKS", n),
    };
    let status = support::uvcache_command()
        .args(args)
        .args(["--yes", "--uv-version", UV_CURRENT, "--cache-dir"])
        .arg(cache)
        .env(var, after.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the run was to be killed: {kill:?}");
}

fn assert_consistent(cache: &Path, context: &str) {
    let root = CacheRoot {
        path: cache.to_path_buf(),
        rule: RootRule::Flag,
    };
    let uv = resolve_release(Some(UV_CURRENT.parse().unwrap()), None, &[]);
    let snap = scan(
        &root,
        uv,
        &ScanOptions::default(),
        &Silent,
        &AtomicBool::new(false),
    )
    .unwrap();
    let broken: Vec<_> = snap
        .entries
        .iter()
        .filter(|e| e.state == EntryState::Broken || e.kind == EntryKind::Unknown)
        .map(|e| e.path.display().to_string())
        .collect();
    assert!(broken.is_empty(), "{context}: {broken:?}");
    assert_eq!(snap.errors.total(), 0, "{context}: {:?}", snap.errors);
}

/// No pointer names something already deleted: every revision pointer of a
/// source names a revision directory that exists, and every link in the
/// wheels and sources buckets resolves.
fn assert_no_dangling_pointers(cache: &Path, context: &str) {
    for entry in walkdir::WalkDir::new(cache)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let rel = path.strip_prefix(cache).unwrap();
        let top = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        if !top.is_some_and(|t| t.starts_with("wheels-") || t.starts_with("sdists-")) {
            continue;
        }
        if entry.path_is_symlink() {
            assert!(path.exists(), "{context}: dangling link {}", rel.display());
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let revision = match name.as_ref() {
            "revision.http" => {
                let bytes = std::fs::read(path).unwrap();
                let c = split_container(&bytes).unwrap();
                decode_revision(c.payload).unwrap().id
            }
            "revision.rev" => {
                decode_local_revision_pointer(&std::fs::read(path).unwrap())
                    .unwrap()
                    .revision
                    .id
            }
            _ => continue,
        };
        assert!(
            path.with_file_name(&revision).is_dir(),
            "{context}: {} names revision {revision}, which is gone",
            rel.display()
        );
    }
}

fn crash_everywhere(args: &[&str], installable: &[&str]) {
    let f = fixture(FixtureKind::Current);
    let n = {
        let (_t, cache) = copy_fixture(f);
        planned_items(&cache, args)
    };
    assert!(n > 2, "{args:?} plans {n} items");
    crash_at(args, installable, (1..n).map(Kill::AfterItem));
}

/// Kills at every unlink: inside items that span several directory levels
/// (a registry source's `NAME/VERSION/revision.http` sits two levels down).
fn crash_at_every_unlink(args: &[&str], installable: &[&str]) {
    let f = fixture(FixtureKind::Current);
    let n = {
        let (_t, cache) = copy_fixture(f);
        planned_unlinks(&cache, args)
    };
    assert!(n > 10, "{args:?} unlinks {n} files and directories");
    crash_at(args, installable, (1..n).map(Kill::AfterUnlink));
}

fn crash_at(args: &[&str], installable: &[&str], kills: impl Iterator<Item = Kill>) {
    let f = fixture(FixtureKind::Current);
    for kill in kills {
        let context = format!("{args:?} killed: {kill:?}");
        let (_t, cache) = copy_fixture(f);
        killed_run(&cache, args, kill);
        assert_consistent(&cache, &context);
        assert_no_dangling_pointers(&cache, &context);
        if let Err(e) = install_offline(UV_CURRENT, &cache, f.info("index_url"), installable) {
            panic!("{context}: {e}");
        }
        let work = tempfile::tempdir().unwrap();
        let prune = try_run_uv(UV_CURRENT, &cache, work.path(), ["cache", "prune"]);
        assert!(
            prune.status.success(),
            "{context}: uv cache prune: {}",
            String::from_utf8_lossy(&prune.stderr)
        );
    }
}

#[test]
fn prune_killed_at_any_item() {
    crash_everywhere(&["prune"], &["alpha==2.0.0", "beta==1.0.0"]);
}

#[test]
fn clean_killed_at_any_item() {
    crash_everywhere(
        &["clean", "alpha", "gitpkg", "toolpkg"],
        &["flit-core==3.9.0"],
    );
}

#[test]
fn surgical_clean_killed_at_any_item() {
    crash_everywhere(&["clean", "alpha==1.0.0"], &["alpha==2.0.0"]);
}

#[test]
fn clean_killed_inside_a_multi_level_source_item() {
    // `sdists-vN/index/<d>/beta` holds `1.0.0/revision.http` and a built
    // wheel's link one level further down; they go before any data.
    crash_at_every_unlink(&["clean", "beta"], &["alpha==2.0.0"]);
}

#[test]
fn clean_of_a_url_source_killed_at_every_unlink() {
    crash_at_every_unlink(&["clean", "delta"], &["alpha==2.0.0"]);
}
