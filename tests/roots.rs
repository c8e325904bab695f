//! Roots: environments installed by the real uv in each link mode are found, tied to the
//! archives they were installed from, named by `show`, and forgotten when they vanish.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture, run_uv, uvcache_on};

fn json(cache: &Path, state: &Path, args: &[&str]) -> Value {
    let out = uvcache_on(cache, UV_CURRENT)
        .args(args)
        .args(["--json", "--no-index"])
        .env("UVCACHE_STATE_DIR", state)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The archive id the wheel link of `alpha` `version` points at.
fn alpha_archive(cache: &Path, version: &str) -> String {
    archive_of(cache, "alpha", version)
}

/// The archive id the index wheel link of `package` `version` points at.
fn archive_of(cache: &Path, package: &str, version: &str) -> String {
    let links = support::glob(
        cache,
        &format!("wheels-v*/index/*/{package}/{version}-py3-none-any"),
    );
    assert_eq!(links.len(), 1, "{links:?}");
    let target = std::fs::read_link(&links[0]).unwrap();
    target.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn environments_in_every_link_mode_are_tied_to_their_archives() {
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let work = tmp.path().join("envs");
    let state = tmp.path().join("state");
    let modes = ["copy", "hardlink", "symlink"];
    for mode in modes {
        let venv = work.join(mode);
        let (venv, python) = (venv.to_str().unwrap(), python_of(&venv));
        run_uv(UV_CURRENT, &cache, tmp.path(), ["venv", "-q", venv]);
        run_uv(
            UV_CURRENT,
            &cache,
            tmp.path(),
            [
                "pip",
                "install",
                "--offline",
                "--link-mode",
                mode,
                "--index-url",
                &f.index_url,
                "-p",
                &python,
                "alpha==1.0.0",
            ],
        );
    }
    let old = alpha_archive(&cache, "1.0.0");
    let new = alpha_archive(&cache, "2.0.0");
    let search = work.to_str().unwrap();
    let v = json(&cache, &state, &["roots", "--search", search]);
    let roots = v["roots"].as_array().unwrap();
    for mode in modes {
        let path = work.join(mode);
        let root = roots
            .iter()
            .find(|r| Path::new(r["path"].as_str().unwrap()) == path)
            .unwrap_or_else(|| panic!("{mode} not found: {v:#}"));
        assert_eq!(root["kind"], "venv");
        assert_eq!(root["exists"], true);
        let alpha = root["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "alpha")
            .unwrap();
        assert_eq!(alpha["version"], "1.0.0");
        assert_eq!(
            alpha["archives"],
            serde_json::json!([old]),
            "{mode}: {root:#}"
        );
        assert!(root["uses_disk_bytes"].as_u64().unwrap() > 0);
    }

    // `show` names the environments using each version's entries.
    let v = json(&cache, &state, &["show", "alpha"]);
    let used_by = |path: &str| -> Vec<PathBuf> {
        let e = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("no entry {path}: {v:#}"));
        e["used_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| PathBuf::from(p.as_str().unwrap()))
            .collect()
    };
    let mine: Vec<PathBuf> = modes.iter().map(|m| work.join(m)).collect();
    let users = used_by(&format!("archive-v0/{old}"));
    for m in &mine {
        assert!(users.contains(m), "{m:?} uses alpha 1.0.0: {users:?}");
    }
    let users = used_by(&format!("archive-v0/{new}"));
    assert!(mine.iter().all(|m| !users.contains(m)), "{users:?}");

    // `list` counts the roots using each package.
    let v = json(&cache, &state, &["list"]);
    let alpha = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "alpha")
        .unwrap();
    let users: Vec<PathBuf> = alpha["used_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PathBuf::from(p.as_str().unwrap()))
        .collect();
    assert!(mine.iter().all(|m| users.contains(m)), "{users:?}");

    // A removed environment is reported once, then forgotten; a registered one is kept.
    std::fs::remove_dir_all(work.join("copy")).unwrap();
    let out = uvcache_on(&cache, UV_CURRENT)
        .args(["roots", "--no-index"])
        .env("UVCACHE_STATE_DIR", &state)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 environment gone since last time") && stderr.contains("copy"),
        "{stderr}"
    );
    let v = json(&cache, &state, &["roots"]);
    let paths: Vec<&str> = v["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert!(!paths.iter().any(|p| p.ends_with("/copy")), "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("/hardlink")), "{paths:?}");

    let added = uvcache_on(&cache, UV_CURRENT)
        .args(["roots", "add"])
        .arg(work.join("symlink"))
        .env("UVCACHE_STATE_DIR", &state)
        .output()
        .unwrap();
    assert!(added.status.success());
    let file: Value =
        serde_json::from_slice(&std::fs::read(state.join("roots.json")).unwrap()).unwrap();
    let registered: Vec<&Value> = file["roots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["registered"] == true)
        .collect();
    assert_eq!(registered.len(), 1, "{file:#}");
    let not_env = uvcache_on(&cache, UV_CURRENT)
        .args(["roots", "add"])
        .arg(tmp.path())
        .env("UVCACHE_STATE_DIR", &state)
        .output()
        .unwrap();
    assert_eq!(not_env.status.code(), Some(2));
    let removed = uvcache_on(&cache, UV_CURRENT)
        .args(["roots", "remove"])
        .arg(work.join("symlink"))
        .env("UVCACHE_STATE_DIR", &state)
        .output()
        .unwrap();
    assert!(removed.status.success());
}

fn python_of(venv: &Path) -> String {
    venv.join("bin/python").to_str().unwrap().to_string()
}

/// `prune --unused` keeps what the known environments were installed from, removes the
/// rest as whole entries, and refuses when no environment is known.
#[test]
fn prune_unused_keeps_what_known_environments_use() {
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let state = tmp.path().join("state");
    let venv = tmp.path().join("envs/app");
    let venv_s = venv.to_str().unwrap();
    run_uv(UV_CURRENT, &cache, tmp.path(), ["venv", "-q", venv_s]);
    let python = python_of(&venv);
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
            &f.index_url,
        ]
        .into_iter()
        .chain(["-p", &python, "alpha==1.0.0"]),
    );
    let old = alpha_archive(&cache, "1.0.0");
    // Installed into a venv no search finds (the cached `uvx` environment uses toolpkg).
    let unused = archive_of(&cache, "remoteflat", "1.0.0");
    let search = tmp.path().join("envs");
    let out = uvcache_on(&cache, UV_CURRENT)
        .args(["prune", "--unused", "--yes", "--no-index", "--search"])
        .arg(&search)
        .env("UVCACHE_STATE_DIR", &state)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Keeping everything used by"), "{stderr}");
    assert!(
        cache.join("archive-v0").join(&old).is_dir(),
        "the used archive stays"
    );
    assert!(
        !cache.join("archive-v0").join(&unused).exists(),
        "the unused archive goes"
    );
    assert!(
        support::glob(&cache, "wheels-v*/index/*/remoteflat/1.0.0-py3-none-any*").is_empty(),
        "the unused wheel goes whole"
    );
    // What the environment has still installs offline, and uv's prune finds a valid cache.
    support::install_offline(UV_CURRENT, &cache, &f.index_url, &["alpha==1.0.0"]).unwrap();
    run_uv(UV_CURRENT, &cache, tmp.path(), ["cache", "prune"]);

    // No environment known: refused, nothing removed.
    let (_t2, bare) = copy_fixture(f);
    for envs in support::glob(&bare, "environments-v*") {
        std::fs::remove_dir_all(envs).unwrap();
    }
    // Environments unpacked in archive-v0 (the cached `uvx` one) are roots too.
    for env in support::glob(&bare, "archive-v0/*/pyvenv.cfg") {
        std::fs::remove_dir_all(env.parent().unwrap()).unwrap();
    }
    let before = support::du_bytes(&bare);
    let out = uvcache_on(&bare, UV_CURRENT)
        .args(["prune", "--unused", "--yes", "--no-index"])
        .env("UVCACHE_STATE_DIR", tmp.path().join("empty-state"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no environment using this cache is known"),
        "{stderr}"
    );
    assert_eq!(support::du_bytes(&bare), before);
}

/// A `uv tool install` is a root while it exists; after `uv tool uninstall` it is reported
/// gone and no longer uses the package. An environment `doctor` looked at is remembered.
#[test]
fn tools_come_and_go_and_checked_environments_are_remembered() {
    let f = fixture(FixtureKind::Current);
    let (tmp, cache) = copy_fixture(f);
    let state = tmp.path().join("state");
    let tools = tmp.path().join("tools");
    let roots = |args: &[&str]| -> (Value, String) {
        let out = uvcache_on(&cache, UV_CURRENT)
            .args(args)
            .args(["--json", "--no-index"])
            .env("UVCACHE_STATE_DIR", &state)
            .env("UV_TOOL_DIR", &tools)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        (
            serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
            stderr,
        )
    };
    let users = |v: &Value| -> Vec<String> {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "wheel")
            .flat_map(|e| e["used_by"].as_array().unwrap().clone())
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    run_uv(
        UV_CURRENT,
        &cache,
        tmp.path(),
        [
            "tool",
            "install",
            "--offline",
            "--default-index",
            &f.index_url,
            "toolpkg",
        ],
    );
    let tool_env = tools.join("toolpkg");
    let (listed, _) = roots(&["roots"]);
    assert!(
        listed.to_string().contains(tool_env.to_str().unwrap()),
        "{listed}"
    );
    let (shown, _) = roots(&["show", "toolpkg"]);
    assert!(
        users(&shown).iter().any(|p| Path::new(p) == tool_env),
        "{shown}"
    );
    run_uv(
        UV_CURRENT,
        &cache,
        tmp.path(),
        ["tool", "uninstall", "toolpkg"],
    );
    assert!(!tool_env.exists());
    let out = uvcache_on(&cache, UV_CURRENT)
        .args(["roots", "--no-index"])
        .env("UVCACHE_STATE_DIR", &state)
        .env("UV_TOOL_DIR", &tools)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("gone since last time"), "{stderr}");
    let (shown, _) = roots(&["show", "toolpkg"]);
    assert!(
        users(&shown).iter().all(|p| Path::new(p) != tool_env),
        "{shown}"
    );

    // doctor remembers the environment it checked.
    let venv = tmp.path().join("elsewhere/app");
    run_uv(
        UV_CURRENT,
        &cache,
        tmp.path(),
        ["venv", "-q", venv.to_str().unwrap()],
    );
    roots(&["doctor", "--python", venv.to_str().unwrap()]);
    let (listed, _) = roots(&["roots"]);
    assert!(
        listed.to_string().contains(venv.to_str().unwrap()),
        "{listed}"
    );
}

/// A local build's source path, which the cache does not record, comes from a known root that
/// installed it: `show` prints it and its JSON has `local_source`.
#[test]
fn show_names_the_source_of_a_local_build_a_root_installed() {
    let f = fixture(FixtureKind::Current);
    let tmp = tempfile::tempdir().expect("temp dir");
    let state = tmp.path().join("state");
    let venv = f.work.join("venvs/uv-0.13.9/second");
    let out = uvcache_on(&f.cache, UV_CURRENT)
        .args(["roots", "add"])
        .arg(&venv)
        .env("UVCACHE_STATE_DIR", &state)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&f.cache, &state, &["show", "editpkg"]);
    let src = f.work.join("src/editpkg");
    let sources: Vec<&str> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["local_source"].as_str())
        .collect();
    assert!(
        sources.contains(&src.to_string_lossy().as_ref()),
        "{sources:?} in {v:#}"
    );
    let out = uvcache_on(&f.cache, UV_CURRENT)
        .args(["show", "editpkg"])
        .env("UVCACHE_STATE_DIR", &state)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("source: {}", src.display())),
        "{text}"
    );
}
