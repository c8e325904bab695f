//! Policies on copies of a real uv cache, with an environment made by the real uv: what each
//! rule removes, that the preview is what goes, and that the cache stays usable.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture, run_uv, uvcache_on};

struct Setup {
    _tmp: tempfile::TempDir,
    cache: PathBuf,
    state: PathBuf,
    index: String,
    flat: String,
}

/// A copy of the fixture cache and a venv that installed `alpha==1.0.0` from it (copy mode).
fn setup() -> Setup {
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let venv = tmp.path().join("envs/app");
    run_uv(
        UV_CURRENT,
        &cache,
        tmp.path(),
        ["venv", "-q", venv.to_str().unwrap()],
    );
    let python = venv.join("bin/python");
    run_uv(
        UV_CURRENT,
        &cache,
        tmp.path(),
        [
            "pip",
            "install",
            "--offline",
            "--link-mode",
            "copy",
            "--index-url",
        ]
        .into_iter()
        .chain([
            f.index_url.as_str(),
            "-p",
            python.to_str().unwrap(),
            "alpha==1.0.0",
        ]),
    );
    let state = tmp.path().join("state");
    // Remember the venv as a root.
    let out = uvcache_on(&cache, UV_CURRENT)
        .args(["roots", "add"])
        .arg(&venv)
        .env("UVCACHE_STATE_DIR", &state)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Setup {
        _tmp: tmp,
        cache,
        state,
        index: f.index_url.clone(),
        flat: f.info("flat_url").to_string(),
    }
}

fn prune(s: &Setup, args: &[&str]) -> Output {
    uvcache_on(&s.cache, UV_CURRENT)
        .arg("prune")
        .args(args)
        .args(["--no-index", "--json"])
        .env("UVCACHE_STATE_DIR", &s.state)
        .output()
        .unwrap()
}

/// The plan's item paths (a dry run's, or a removal's).
fn items(out: &Output) -> Vec<String> {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let plan = if v.get("plan").is_some() {
        &v["plan"]
    } else {
        &v
    };
    let mut paths: Vec<String> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

/// Runs the policy as a dry run, then for real; checks that the preview is what went and that
/// the cache still serves the environment offline and passes uv's own prune.
fn apply(s: &Setup, args: &[&str]) -> (Vec<String>, Output) {
    let preview = prune(s, &[args, &["--dry-run"]].concat());
    assert!(
        preview.status.success(),
        "{}",
        String::from_utf8_lossy(&preview.stderr)
    );
    let planned = items(&preview);
    let done = prune(s, &[args, &["--yes"]].concat());
    assert_eq!(items(&done), planned, "the preview is what was removed");
    for p in &planned {
        assert!(
            s.cache.join(p).symlink_metadata().is_err(),
            "{p} is still there"
        );
    }
    support::install_offline(UV_CURRENT, &s.cache, &s.index, &["alpha==1.0.0"]).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    run_uv(UV_CURRENT, &s.cache, tmp.path(), ["cache", "prune"]);
    (planned, done)
}

fn wheel_of(cache: &Path, package: &str, version: &str) -> Vec<PathBuf> {
    support::glob(
        cache,
        &format!("wheels-v*/index/*/{package}/{version}-py3-none-any"),
    )
}

#[test]
fn keep_versions_keeps_the_newest_and_what_environments_use() {
    let s = setup();
    // Another version of alpha, not used by the venv: 2.0.0 is the newest and stays.
    let (removed, out) = apply(&s, &["--keep-versions", "1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !wheel_of(&s.cache, "alpha", "1.0.0").is_empty(),
        "used by the venv: {removed:?}"
    );
    assert!(
        !wheel_of(&s.cache, "alpha", "2.0.0").is_empty(),
        "the newest: {removed:?}"
    );
    assert!(
        removed.iter().all(|p| !p.contains("/alpha/")),
        "nothing of alpha goes: {removed:?}"
    );
    // Once the venv is forgotten, alpha 1.0.0 is just an older version: it goes, whole.
    let venv = s.cache.parent().unwrap().join("envs/app");
    let forget = uvcache_on(&s.cache, UV_CURRENT)
        .args(["roots", "remove"])
        .arg(&venv)
        .env("UVCACHE_STATE_DIR", &s.state)
        .output()
        .unwrap();
    assert!(forget.status.success());
    std::fs::remove_dir_all(&venv).unwrap();
    let other = s.cache.parent().unwrap().join("envs/other");
    let tmp = tempfile::tempdir().unwrap();
    run_uv(
        UV_CURRENT,
        &s.cache,
        tmp.path(),
        ["venv", "-q", other.to_str().unwrap()],
    );
    let python = other.join("bin/python");
    run_uv(
        UV_CURRENT,
        &s.cache,
        tmp.path(),
        ["pip", "install", "--offline", "--index-url", &s.index, "-p"]
            .into_iter()
            .chain([python.to_str().unwrap(), "alpha==2.0.0"]),
    );
    let add = uvcache_on(&s.cache, UV_CURRENT)
        .args(["roots", "add"])
        .arg(&other)
        .env("UVCACHE_STATE_DIR", &s.state)
        .output()
        .unwrap();
    assert!(add.status.success());
    let out = prune(&s, &["--keep-versions", "1", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(wheel_of(&s.cache, "alpha", "1.0.0").is_empty());
    assert!(!wheel_of(&s.cache, "alpha", "2.0.0").is_empty());
}

/// Makes remoteflat's wheel (installed only in a venv no search finds) look written and last
/// read 200 days ago: its pointer files and its archive directory.
fn age_remoteflat(s: &Setup) -> PathBuf {
    let wheel = wheel_of(&s.cache, "remoteflat", "1.0.0");
    assert_eq!(wheel.len(), 1);
    let dir = wheel[0].parent().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(std::fs::canonicalize(&wheel[0]).unwrap());
    let touch = std::process::Command::new("touch")
        .args(["-h", "-d", "200 days ago"])
        .args(&files)
        .status()
        .unwrap();
    assert!(touch.success());
    wheel[0].clone()
}

fn atime(path: &Path) -> std::time::SystemTime {
    std::fs::symlink_metadata(path).unwrap().accessed().unwrap()
}

#[test]
fn max_age_follows_the_last_use() {
    let s = setup();
    age_remoteflat(&s);
    let (removed, _) = apply(&s, &["--max-age", "90d"]);
    assert!(
        wheel_of(&s.cache, "remoteflat", "1.0.0").is_empty(),
        "{removed:?}"
    );
    assert!(
        removed
            .iter()
            .all(|p| p.contains("remoteflat") || p.starts_with("archive-v0/")),
        "{removed:?}"
    );
    assert!(!wheel_of(&s.cache, "alpha", "2.0.0").is_empty());
}

#[test]
fn max_size_ends_under_the_budget_or_says_it_cannot() {
    let s = setup();
    let before = support::uv_cache_size(UV_CURRENT, &s.cache);
    let limit = before - 64 * 1024;
    let (removed, out) = apply(&s, &["--max-size", &limit.to_string()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!removed.is_empty());
    let after = support::uv_cache_size(UV_CURRENT, &s.cache);
    assert!(after <= limit, "uv cache size {after} > {limit}");
    // One byte cannot be reached without what the environments use: exit 3, which stays.
    let out = prune(&s, &["--max-size", "1", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be met"));
    assert!(!wheel_of(&s.cache, "alpha", "1.0.0").is_empty());
    support::install_offline(UV_CURRENT, &s.cache, &s.index, &["alpha==1.0.0"]).unwrap();
}

/// What uv installed from since it was written is in use, however old: `--max-age` follows the
/// access time of the wheel's pointer, which uv's reads move and uvcache's own reads do not.
#[test]
fn max_age_spares_what_uv_read_since() {
    let s = setup();
    let wheel = age_remoteflat(&s);
    let mut pointer = wheel.clone().into_os_string();
    pointer.push(".http");
    let pointer = PathBuf::from(pointer);
    let aged = atime(&pointer);
    let show = |s: &Setup| -> Value {
        let out = uvcache_on(&s.cache, UV_CURRENT)
            .args(["show", "remoteflat", "--json", "--no-index"])
            .env("UVCACHE_STATE_DIR", &s.state)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "wheel")
            .unwrap_or_else(|| panic!("no wheel entry: {v}"))
            .clone()
    };
    let before = show(&s);
    assert_eq!(before["last_used"]["signal"], "written", "{before}");
    assert_eq!(
        atime(&pointer),
        aged,
        "uvcache's reads leave access times alone"
    );
    // uv installs remoteflat from the cache (offline, from the cached find-links page).
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    run_uv(
        UV_CURRENT,
        &s.cache,
        tmp.path(),
        ["venv", "-q", venv.to_str().unwrap()],
    );
    let python = venv.join("bin/python");
    run_uv(
        UV_CURRENT,
        &s.cache,
        tmp.path(),
        [
            "pip",
            "install",
            "--offline",
            "--no-index",
            "--find-links",
            &s.flat,
            "-p",
        ]
        .into_iter()
        .chain([python.to_str().unwrap(), "remoteflat"]),
    );
    let after = show(&s);
    assert_eq!(after["last_used"]["signal"], "read", "{after}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let at = after["last_used"]["at"].as_u64().unwrap();
    assert!(now.abs_diff(at) < 3600, "read {at}, now {now}");
    let preview = prune(&s, &["--max-age", "90d", "--dry-run"]);
    assert!(
        preview.status.success(),
        "{}",
        String::from_utf8_lossy(&preview.stderr)
    );
    let planned = items(&preview);
    assert!(
        planned.iter().all(|p| !p.contains("remoteflat")),
        "{planned:?}"
    );
}
