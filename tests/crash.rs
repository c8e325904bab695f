//! Crash safety: a clean or prune killed after any item leaves a cache uv
//! still uses correctly (no pointer to a deleted archive, uv's own prune
//! completes, cached packages still install offline).

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture, try_run_uv};
use uvcache::engine::locate::{CacheRoot, RootRule};
use uvcache::engine::model::{EntryKind, EntryState};
use uvcache::engine::progress::Silent;
use uvcache::engine::scan::{ScanOptions, scan};
use uvcache::engine::uv::resolve_release;

fn planned_items(cache: &Path, args: &[&str]) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_uvcache"))
        .args(args)
        .args([
            "--dry-run",
            "--json",
            "--uv-version",
            UV_CURRENT,
            "--cache-dir",
        ])
        .arg(cache)
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    plan["items"].as_array().unwrap().len()
}

fn killed_run(cache: &Path, args: &[&str], after: usize) {
    let status = Command::new(env!("CARGO_BIN_EXE_uvcache"))
        .args(args)
        .args(["--yes", "--uv-version", UV_CURRENT, "--cache-dir"])
        .arg(cache)
        .env("UVCACHE_FAULT_ABORT_AFTER", after.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        !status.success(),
        "the run was to be killed after item {after}"
    );
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

fn install_offline(cache: &Path, index: &str, reqs: &[&str], context: &str) {
    let work = tempfile::tempdir().unwrap();
    let venv = work.path().join("venv");
    let out = try_run_uv(
        UV_CURRENT,
        cache,
        work.path(),
        ["venv", "-q"]
            .iter()
            .copied()
            .chain([venv.to_str().unwrap()]),
    );
    assert!(
        out.status.success(),
        "{context}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = venv.join("bin/python");
    let mut args = vec![
        "pip",
        "install",
        "--offline",
        "--index-url",
        index,
        "-p",
        python.to_str().unwrap(),
    ];
    args.extend(reqs);
    let out = try_run_uv(UV_CURRENT, cache, work.path(), &args);
    assert!(
        out.status.success(),
        "{context}: offline install of {reqs:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn crash_everywhere(args: &[&str], installable: &[&str]) {
    let f = fixture(FixtureKind::Current);
    let n = {
        let (_t, cache) = copy_fixture(f);
        planned_items(&cache, args)
    };
    assert!(n > 2, "{args:?} plans {n} items");
    for after in 1..n {
        let context = format!("{args:?} killed after item {after} of {n}");
        let (_t, cache) = copy_fixture(f);
        killed_run(&cache, args, after);
        assert_consistent(&cache, &context);
        install_offline(&cache, f.info("index_url"), installable, &context);
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
