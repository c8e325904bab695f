//! Removal behaviour beyond equality with uv: the dry run is what runs, uv's
//! lock is honoured, and nothing outside the cache is touched.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture, uv_command};

fn uvcache(cache: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = support::uvcache_command();
    cmd.args(args)
        .arg("--cache-dir")
        .arg(cache)
        .args(["--uv-version", UV_CURRENT])
        .env("NO_COLOR", "1")
        .env_remove("UV_CACHE_DIR")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn paths(root: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap().path().strip_prefix(root).unwrap().to_path_buf())
        .collect()
}

#[test]
fn dry_run_plan_is_exactly_what_execution_removes() {
    for args in [
        &["clean", "alpha", "beta"][..],
        &["prune", "--ci"],
        &["prune"],
    ] {
        let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
        let before = paths(&cache);
        let dry = uvcache(&cache, &[args, &["--dry-run", "--json"]].concat(), &[]);
        assert!(
            dry.status.success(),
            "{}",
            String::from_utf8_lossy(&dry.stderr)
        );
        assert_eq!(paths(&cache), before, "a dry run removes nothing");
        let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
        let items: Vec<PathBuf> = plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| PathBuf::from(i["path"].as_str().unwrap()))
            .collect();
        assert!(!items.is_empty(), "{args:?}");
        let run = uvcache(&cache, &[args, &["--yes", "--json"]].concat(), &[]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let after = paths(&cache);
        let removed: BTreeSet<&PathBuf> = before.difference(&after).collect();
        let planned: BTreeSet<&PathBuf> = before
            .iter()
            .filter(|p| items.iter().any(|i| p.starts_with(i)))
            .collect();
        assert_eq!(removed, planned, "{args:?}");
        let result: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(result["outcome"]["removed_files"], plan["totals"]["files"]);
        assert_eq!(result["outcome"]["removed_dirs"], plan["totals"]["dirs"]);
        assert_eq!(result["outcome"]["errors"].as_array().unwrap().len(), 0);
    }
}

#[test]
fn refuses_without_yes_when_not_interactive() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let before = paths(&cache);
    let out = uvcache(&cache, &["clean", "alpha"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(paths(&cache), before);
}

#[test]
fn waits_for_uv_lock_then_times_out_and_force_skips_it() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(cache.join(".lock"))
        .unwrap();
    lock.lock_shared().unwrap();
    let before = paths(&cache);
    let start = Instant::now();
    let out = uvcache(
        &cache,
        &["clean", "alpha", "--yes"],
        &[("UV_LOCK_TIMEOUT", "1")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Cache is currently in-use"), "{stderr}");
    assert!(stderr.contains("timeout (1s)"), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {}", std::process::id())),
        "names the holder: {stderr}"
    );
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        paths(&cache),
        before,
        "nothing removed while uv holds the lock"
    );
    let forced = uvcache(&cache, &["clean", "alpha", "--yes", "--force"], &[]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert!(paths(&cache).len() < before.len());
    // Released while waiting: the clean goes ahead.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        drop(lock);
    });
    let waited = uvcache(
        &cache,
        &["clean", "beta", "--yes"],
        &[("UV_LOCK_TIMEOUT", "30")],
    );
    releaser.join().unwrap();
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
    assert!(String::from_utf8_lossy(&waited.stderr).contains("waiting"));
}

#[test]
fn a_running_uv_process_blocks_the_clean() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let work = tempfile::tempdir().unwrap();
    let mut uv = uv_command(UV_CURRENT, &cache, work.path());
    uv.args([
        "run",
        "--no-project",
        "--",
        "python",
        "-c",
        "import time; time.sleep(20)",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let mut child = uv.spawn().unwrap();
    // Wait until uv holds its shared lock.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(cache.join(".lock"))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while lock.try_lock().is_ok() {
        lock.unlock().unwrap();
        assert!(Instant::now() < deadline, "uv never took its lock");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(lock);
    let out = uvcache(&cache, &["prune", "--yes"], &[("UV_LOCK_TIMEOUT", "1")]);
    child.kill().ok();
    child.wait().ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("in-use") && stderr.contains("uv"),
        "{stderr}"
    );
}

#[test]
fn links_out_of_the_cache_are_removed_as_links_only() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let outside = tempfile::tempdir().unwrap();
    let sentinel = outside.path().join("keep");
    std::fs::create_dir_all(&sentinel).unwrap();
    std::fs::write(sentinel.join("data.txt"), "precious").unwrap();
    // Links uv would never write: an environment and a stale bucket pointing outside.
    let envs = cache.join("environments-v2");
    std::os::unix::fs::symlink(&sentinel, envs.join("0123456789abcdef")).unwrap();
    std::os::unix::fs::symlink(&sentinel, cache.join("wheels-v1")).unwrap();
    let out = uvcache(&cache, &["prune", "--yes"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!envs.join("0123456789abcdef").exists() && !cache.join("wheels-v1").exists());
    assert_eq!(
        std::fs::read_to_string(sentinel.join("data.txt")).unwrap(),
        "precious"
    );
    let out = uvcache(&cache, &["clean", "--yes"], &[]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(sentinel.join("data.txt")).unwrap(),
        "precious"
    );
    assert!(
        cache.join(".lock").exists(),
        "the lock file survives a full clean"
    );
}

fn scan_cache(cache: &Path) -> uvcache::engine::model::Snapshot {
    use uvcache::engine::locate::{CacheRoot, RootRule};
    let root = CacheRoot {
        path: cache.to_path_buf(),
        rule: RootRule::Flag,
    };
    let uv = uvcache::engine::uv::resolve_release(Some(UV_CURRENT.parse().unwrap()), None, &[]);
    let opts = uvcache::engine::scan::ScanOptions::default();
    uvcache::engine::scan::scan(
        &root,
        uv,
        &opts,
        &uvcache::engine::progress::Silent,
        &Default::default(),
    )
    .unwrap()
}

fn versions_of(snap: &uvcache::engine::model::Snapshot, name: &str) -> Vec<String> {
    let pkgs = uvcache::engine::query::packages(snap, None);
    pkgs.into_iter()
        .find(|p| p.name == name)
        .map(|p| p.versions)
        .unwrap_or_default()
}

#[test]
fn surgical_clean_of_one_version_keeps_the_others_usable() {
    use uvcache::engine::model::{EntryKind, EntryState};
    let f = fixture(FixtureKind::Current);
    let (_t, cache) = copy_fixture(f);
    let out = uvcache(&cache, &["clean", "Alpha==1.0.0", "--yes"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap = scan_cache(&cache);
    assert_eq!(versions_of(&snap, "alpha"), ["2.0.0"]);
    assert!(
        snap.entries
            .iter()
            .all(|e| e.state != EntryState::Broken && e.kind != EntryKind::Unknown)
    );
    // The remaining version installs from the cache alone; the removed one cannot.
    let index = f.info("index_url");
    support::install_offline(UV_CURRENT, &cache, index, &["alpha==2.0.0"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(support::install_offline(UV_CURRENT, &cache, index, &["alpha==1.0.0"]).is_err());
}

#[test]
fn surgical_clean_by_source_and_editable_builds() {
    let f = fixture(FixtureKind::Current);
    let (_t, cache) = copy_fixture(f);
    // uv's own clean leaves editable builds; --include-editable takes them.
    let out = uvcache(&cache, &["clean", "editpkg", "--yes"], &[]);
    assert!(out.status.success());
    assert_eq!(versions_of(&scan_cache(&cache), "editpkg"), ["0.1.0"]);
    let out = uvcache(
        &cache,
        &["clean", "editpkg", "--include-editable", "--yes"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(versions_of(&scan_cache(&cache), "editpkg").is_empty());
    // A source filter that matches nothing removes nothing.
    let before = paths(&cache);
    let out = uvcache(&cache, &["clean", "alpha", "--source", "git", "--yes"], &[]);
    assert!(out.status.success());
    assert_eq!(paths(&cache), before);
    let out = uvcache(
        &cache,
        &["clean", "alpha", "--source", "index", "--yes"],
        &[],
    );
    assert!(out.status.success());
    let snap = scan_cache(&cache);
    assert!(
        snap.entries
            .iter()
            .all(|e| e.package.as_deref() != Some("alpha")
                || e.kind == uvcache::engine::model::EntryKind::SimplePage)
    );
}

#[test]
fn several_versions_in_one_surgical_clean() {
    let f = fixture(FixtureKind::Current);
    let (_t, cache) = copy_fixture(f);
    let out = uvcache(
        &cache,
        &[
            "clean",
            "alpha==1.0.0",
            "beta==1.0.0",
            "--dry-run",
            "--json",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["operation"], "select");
    let named: Vec<&str> = plan["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["package"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["alpha", "beta"]);
    let packages: BTreeSet<&str> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["reason"]["package"].as_str())
        .collect();
    assert_eq!(packages, BTreeSet::from(["alpha", "beta"]));
    let out = uvcache(
        &cache,
        &["clean", "alpha==1.0.0", "beta==1.0.0", "--yes"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap = scan_cache(&cache);
    assert_eq!(versions_of(&snap, "alpha"), ["2.0.0"]);
    assert!(versions_of(&snap, "beta").is_empty());
    // A bare name among versions is two different cleans: refused, nothing removed.
    let before = paths(&cache);
    let out = uvcache(&cache, &["clean", "alpha", "gamma==1.0", "--yes"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two commands"));
    assert_eq!(paths(&cache), before);
}

/// Single entries (the terminal UI's marks in a bucket screen) go whole, by the surgical
/// clean's rules: an archive a wheel link still uses stays; the link goes with its pointer,
/// metadata and lock files, and releases the archive; the cache stays one uv uses.
#[test]
fn single_entries_go_whole_and_archives_only_when_unused() {
    use uvcache::engine::model::{EntryKind, EntryState};
    use uvcache::engine::remove::lock::{Quiet, Wait, lock_exclusive};
    use uvcache::engine::remove::plan::Reason;
    use uvcache::engine::remove::select::plan_entries;
    let f = fixture(FixtureKind::Current);
    let (_t, cache) = copy_fixture(f);
    let snap = scan_cache(&cache);
    let (wheel, archive) = support::wheel_and_archive(&snap, "alpha", "2.0.0");

    // The archive alone: its link stays, so it does too, and the plan says why.
    let plan = plan_entries(&snap, &[archive.id]);
    assert!(plan.items.is_empty(), "{:?}", plan.items);
    assert!(
        plan.warnings
            .first()
            .is_some_and(|w| w.starts_with("1 entry stays") && w.contains("links to it")),
        "{:?}",
        plan.warnings
    );

    // The link: with its pointer, metadata and lock files, and the archive it releases.
    let plan = plan_entries(&snap, &[wheel.id]);
    let key = wheel.path.to_str().expect("utf-8").to_string();
    let removed: BTreeSet<String> = plan
        .items
        .iter()
        .map(|i| i.path.to_str().expect("utf-8").to_string())
        .collect();
    let expected: BTreeSet<String> = ["", ".http", ".msgpack", ".lock"]
        .iter()
        .map(|s| format!("{key}{s}"))
        .chain([archive.path.to_str().expect("utf-8").to_string()])
        .collect();
    assert_eq!(removed, expected);
    let released = plan
        .items
        .iter()
        .find(|i| i.path == archive.path)
        .expect("archive");
    assert_eq!(released.reason, Reason::ReleasedArchive);
    assert!(
        !plan
            .warnings
            .iter()
            .any(|w| w.contains("stays:") || w.contains("stay:")),
        "{:?}",
        plan.warnings
    );
    // Both together: the same plan (the archive is asked for and released).
    let both = plan_entries(&snap, &[archive.id, wheel.id]);
    let together: BTreeSet<String> = both
        .items
        .iter()
        .map(|i| i.path.to_str().expect("utf-8").to_string())
        .collect();
    assert_eq!(together, expected);

    // Applied under uv's lock (selected again there): exactly the plan goes.
    let before = paths(&cache);
    let lock =
        lock_exclusive(&cache, &Wait::up_to(Duration::from_secs(5)), false, &Quiet).expect("lock");
    let applied = uvcache::engine::remove::apply(&plan, &lock, &uvcache::engine::progress::Silent);
    drop(lock);
    assert!(applied.drift.is_empty(), "{:?}", applied.drift);
    assert!(
        applied.outcome.errors.is_empty(),
        "{:?}",
        applied.outcome.errors
    );
    let gone: BTreeSet<PathBuf> = before.difference(&paths(&cache)).cloned().collect();
    assert!(
        gone.iter()
            .all(|p| plan.items.iter().any(|i| p.starts_with(&i.path))),
        "only what the plan lists goes: {gone:?}"
    );
    assert!(
        plan.items.iter().all(|i| gone.contains(&i.path)),
        "everything it lists goes"
    );

    // Still a cache uv uses: nothing broken or unknown, nothing damaged, and the other version
    // installs from the cache alone.
    let snap = scan_cache(&cache);
    assert!(
        snap.entries
            .iter()
            .all(|e| e.state != EntryState::Broken && e.kind != EntryKind::Unknown)
    );
    let out = uvcache(&cache, &["verify"], &[]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    support::install_offline(UV_CURRENT, &cache, f.info("index_url"), &["alpha==1.0.0"])
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A policy's archive that nothing linked to when it was planned stays when uv links to it
/// again before the removal: the selection under the lock reads the links on the disk again.
#[test]
fn a_policy_leaves_an_archive_linked_again_before_the_lock() {
    use uvcache::engine::remove::lock::{Quiet, Wait, lock_exclusive};
    use uvcache::engine::remove::policy::plan_policy;
    use uvcache::engine::remove::rules::Policy;
    use uvcache::engine::roots::usage;
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let snap = scan_cache(&cache);
    let (wheel, archive) = support::wheel_and_archive(&snap, "alpha", "2.0.0");
    let archive = archive.path.clone();
    // The wheel's files go (the archive is an orphan when planned), then its link comes back.
    let link = cache.join(&wheel.path);
    let aside = tmp.path().join("link-aside");
    std::fs::rename(&link, &aside).expect("move the link aside");
    for suffix in [".http", ".msgpack", ".lock"] {
        let mut p = link.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let snap = scan_cache(&cache);
    assert!(
        snap.entries
            .iter()
            .any(|e| e.path == archive && e.detail.referrers.is_empty()),
        "an orphan"
    );
    let policy = Policy {
        max_size: Some(0),
        ..Policy::default()
    };
    let u = usage(&snap, vec![]);
    let planned = plan_policy(&snap, &u, &policy, std::time::SystemTime::now(), 0).plan;
    assert!(
        planned.items.iter().any(|i| i.path == archive),
        "the orphan archive is planned: {:?}",
        planned.items
    );
    std::fs::rename(&aside, &link).expect("link it again");
    let lock =
        lock_exclusive(&cache, &Wait::up_to(Duration::from_secs(5)), false, &Quiet).expect("lock");
    let applied =
        uvcache::engine::remove::apply(&planned, &lock, &uvcache::engine::progress::Silent);
    drop(lock);
    assert!(
        applied.drift.no_longer_selected.contains(&archive),
        "{:?}",
        applied.drift
    );
    assert!(cache.join(&archive).is_dir(), "the archive stays");
    assert!(link.symlink_metadata().is_ok(), "and its link");
}
