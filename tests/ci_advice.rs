//! `uvcache ci` on copies of fixture caches written by the real uv: the size it predicts after
//! `prune --ci` is the size `du` measures once `uvcache prune --ci` and `uv cache prune --ci`
//! have run; what it says is dropped and kept matches the fixture; the snippets key on uv.lock.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::{FixtureKind, UV_CURRENT, copy_fixture, du_bytes, fixture, run_uv};

fn uvcache(cwd: &Path, cache: &Path, args: &[&str]) -> Output {
    support::uvcache_command()
        .current_dir(cwd)
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .args(["--uv-version", UV_CURRENT])
        .env("NO_COLOR", "1")
        .env_remove("UV_CACHE_DIR")
        .env_remove("VIRTUAL_ENV")
        .stdin(Stdio::null())
        .output()
        .expect("run uvcache")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "uvcache failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn ci_json(cwd: &Path, cache: &Path) -> Value {
    let out = ok(uvcache(cwd, cache, &["ci", "--json"]));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Files (and symlinks) and directories under `root`, itself included, as uv counts them.
fn counts(root: &Path) -> (u64, u64) {
    let (mut files, mut dirs) = (0, 0);
    for e in walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        if e.file_type().is_dir() {
            dirs += 1;
        } else {
            files += 1;
        }
    }
    (files, dirs)
}

fn names(part: &Value) -> Vec<String> {
    part["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect()
}

/// A project directory `repo/app` with a uv.lock inside a Git work tree `repo`.
fn project(base: &Path) -> PathBuf {
    let app = base.join("repo").join("app");
    fs::create_dir_all(&app).expect("mkdir");
    fs::create_dir_all(base.join("repo").join(".git")).expect("mkdir");
    fs::write(app.join("uv.lock"), "version = 1\n").expect("write");
    fs::write(
        app.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"0\"\n",
    )
    .expect("write");
    app
}

#[test]
fn after_is_what_prune_ci_leaves_on_disk() {
    for kind in [FixtureKind::Current, FixtureKind::Mixed] {
        let f = fixture(kind);
        let (tmp, cache) = copy_fixture(f);
        let app = project(tmp.path());
        let before_du = du_bytes(&cache);
        let r = ci_json(&app, &cache);
        let report = &r["report"];
        assert_eq!(report["before"]["disk_bytes"], before_du, "{kind:?}");
        let after = &report["after"];

        // The same cache, pruned by uv itself.
        let (_tmp2, cache2) = copy_fixture(f);
        run_uv(UV_CURRENT, &cache2, tmp.path(), ["cache", "prune", "--ci"]);
        assert_eq!(
            after["disk_bytes"],
            du_bytes(&cache2),
            "{kind:?}: uv's prune"
        );

        ok(uvcache(&app, &cache, &["prune", "--ci", "--yes"]));
        assert_eq!(
            after["disk_bytes"],
            du_bytes(&cache),
            "{kind:?}: uvcache prune"
        );
        let (files, dirs) = counts(&cache);
        assert_eq!(
            (after["files"].clone(), after["dirs"].clone()),
            (files.into(), dirs.into())
        );
        assert!(
            after["disk_bytes"].as_u64() < report["before"]["disk_bytes"].as_u64(),
            "{kind:?}"
        );

        // What goes: pre-built wheels, largest first. What stays: wheels built from source.
        let dropped = names(&report["dropped_wheels"]);
        for p in [
            "alpha",
            "flit-core",
            "gamma",
            "localwheel",
            "flatpkg",
            "remoteflat",
        ] {
            assert!(
                dropped.contains(&p.to_string()),
                "{kind:?} {p}: {dropped:?}"
            );
        }
        let sizes: Vec<u64> = report["dropped_wheels"]["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .filter_map(|p| p["disk_bytes"].as_u64())
            .collect();
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
        let kept = names(&report["kept_built"]);
        for p in [
            "beta",
            "delta",
            "localsdist",
            "pathpkg",
            "editpkg",
            "gitpkg",
        ] {
            assert!(kept.contains(&p.to_string()), "{kind:?} {p}: {kept:?}");
        }
        assert!(!kept.contains(&"alpha".to_string()), "{kept:?}");
    }
}

#[test]
fn dangling_entries_snippets_and_text() {
    let (tmp, cache) = copy_fixture(fixture(FixtureKind::Current));
    let app = project(tmp.path());
    // A second revision of a local build that no pointer names: dangling.
    let shard = support::glob(&cache, "sdists-v*/path/*")
        .into_iter()
        .find(|s| s.join("revision.rev").is_file())
        .expect("a path shard");
    let current = fs::read_dir(&shard)
        .expect("list")
        .flatten()
        .find(|e| e.path().is_dir())
        .expect("a revision")
        .path();
    let stale = shard.join("AAAAAAAAAAAAAAAA");
    let cp = Command::new("cp")
        .arg("-a")
        .arg(&current)
        .arg(&stale)
        .status()
        .expect("cp");
    assert!(cp.success());

    let r = ci_json(&app, &cache);
    let revisions = &r["report"]["dangling"]["revisions"];
    assert_eq!(revisions["entries"], 1, "{revisions:#}");
    assert_eq!(revisions["disk_bytes"], du_bytes(&stale));

    let gh = r["snippets"]["github_actions"].as_str().expect("github");
    assert!(
        gh.contains("key: uv-${{ runner.os }}-${{ hashFiles('app/uv.lock') }}"),
        "{gh}"
    );
    assert!(
        gh.contains("restore-keys: |\n        uv-${{ runner.os }}-\n"),
        "{gh}"
    );
    assert!(
        gh.contains("UV_CACHE_DIR: ${{ github.workspace }}/app/.uv-cache"),
        "{gh}"
    );
    assert!(gh.contains("uv cache prune --ci"), "{gh}");
    assert!(gh.contains("uvcache prune --ci --yes"), "{gh}");
    let gl = r["snippets"]["gitlab_ci"].as_str().expect("gitlab");
    assert!(gl.contains("files:\n          - app/uv.lock"), "{gl}");
    assert!(gl.contains("fallback_keys:"), "{gl}");
    assert!(gl.contains("- app/.uv-cache"), "{gl}");
    assert!(gl.contains("uv cache prune --ci"), "{gl}");
    // setup-uv v9: prune-cache as this cache's mix says (wheels built from source are kept).
    let advice = &r["setup_uv_advice"];
    let (before, after) = (
        r["report"]["before"]["disk_bytes"].as_u64().unwrap(),
        r["report"]["after"]["disk_bytes"].as_u64().unwrap(),
    );
    assert!(r["report"]["kept_built"]["disk_bytes"].as_u64().unwrap() > 0);
    assert_eq!(advice["saved_without"], before, "{advice}");
    assert_eq!(advice["saved_with"], after, "{advice}");
    let prune = advice["prune_cache"].as_bool().unwrap();
    assert_eq!(prune, after * 2 <= before, "{advice}");
    let su = r["snippets"]["setup_uv"].as_str().expect("setup-uv");
    assert!(su.contains("uses: astral-sh/setup-uv@v9"), "{su}");
    assert!(su.contains("enable-cache: true"), "{su}");
    assert!(
        su.contains("cache-dependency-glob: \"app/uv.lock\""),
        "{su}"
    );
    assert!(su.contains(&format!("prune-cache: {prune}")), "{su}");
    // Cache and project on one filesystem: the copy mode is only suggested.
    assert_eq!(r["filesystems"]["different"], false);
    assert!(gh.contains("# UV_LINK_MODE: copy"), "{gh}");

    let out = ok(uvcache(&app, &cache, &["ci", "--top", "3"]));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "What a CI job saves",
        "after `prune --ci`",
        "Dropped by --ci: pre-built wheels",
        "Kept: wheels built from source",
        "source revisions no pointer names     1",
        "more packages (--top N, or --json)",
        "GitHub Actions with astral-sh/setup-uv v9",
        "prune-cache: ",
        "GitHub Actions with actions/cache",
        "GitLab CI",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
}

#[test]
fn different_filesystems_set_copy_mode() {
    let shm = Path::new("/dev/shm");
    let cache_dev = fs::metadata(std::env::temp_dir()).ok().map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.dev()
    });
    let shm_dev = fs::metadata(shm).ok().map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.dev()
    });
    if shm_dev.is_none() || shm_dev == cache_dev {
        eprintln!("skipped: /dev/shm is missing or on the temporary directory's filesystem");
        return;
    }
    let (_tmp, cache) = copy_fixture(fixture(FixtureKind::Current));
    let elsewhere = tempfile::tempdir_in(shm).expect("tempdir");
    let app = project(elsewhere.path());
    let r = ci_json(&app, &cache);
    assert_eq!(
        r["filesystems"]["different"], true,
        "{:#}",
        r["filesystems"]
    );
    let gh = r["snippets"]["github_actions"].as_str().expect("github");
    assert!(gh.contains("\n  UV_LINK_MODE: copy"), "{gh}");
    let gl = r["snippets"]["gitlab_ci"].as_str().expect("gitlab");
    assert!(gl.contains("\n  UV_LINK_MODE: copy"), "{gl}");
}
