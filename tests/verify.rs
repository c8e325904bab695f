//! `uvcache verify` against caches written by the real uv: an edit made through a hard-linked
//! environment is found and traced to that environment, an intact cache is intact (and its
//! digests are remembered), an undecodable pointer is a damaged record, and `--fix` removes
//! the damaged entries so that uv cannot install them offline any more while the environment
//! keeps its files. On a loop-mounted XFS (as root) an edit through a cloned environment
//! leaves the cache intact.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{FixtureKind, Sandbox, UV_CURRENT, copy_fixture, fixture, run_uv, uvcache_on};

/// A cache (copied from the fixture, or a sandbox's), with its own state and index directories.
struct Case {
    tmp: tempfile::TempDir,
    cache: PathBuf,
}

impl Case {
    fn new() -> Case {
        let (tmp, cache) = copy_fixture(fixture(FixtureKind::Current));
        Case { tmp, cache }
    }

    fn state(&self) -> PathBuf {
        self.tmp.path().join("state")
    }

    fn index(&self) -> PathBuf {
        self.tmp.path().join("index")
    }

    fn uvcache(&self, args: &[&str]) -> Output {
        uvcache_on(&self.cache, UV_CURRENT)
            .args(args)
            .env("UVCACHE_STATE_DIR", self.state())
            .env("UVCACHE_INDEX_DIR", self.index())
            .output()
            .unwrap()
    }

    /// `verify ARGS --json`: the exit code and the document.
    fn verify_json(&self, args: &[&str]) -> (Option<i32>, Value) {
        let mut all = vec!["verify"];
        all.extend_from_slice(args);
        all.push("--json");
        let out = self.uvcache(&all);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{all:?}: not JSON ({e}); stdout {} stderr {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), v)
    }
}

fn python_of(venv: &Path) -> String {
    venv.join("bin/python").to_str().unwrap().to_string()
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

#[cfg(unix)]
fn inode(path: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).unwrap();
    (m.dev(), m.ino())
}

#[test]
fn an_edit_through_a_hard_linked_environment_is_found_named_and_fixed() {
    // A fresh cache filled by uv from a local index that stays up: after the fix, uv
    // downloads what was removed again.
    let sandbox = Sandbox::new();
    let case = Case {
        tmp: tempfile::tempdir().unwrap(),
        cache: sandbox.cache.clone(),
    };
    let work = &sandbox.work;
    let index = sandbox.index_url.as_str();
    let install = |venv: &Path, mode: &str, offline: bool, req: &str| {
        run_uv(
            UV_CURRENT,
            &case.cache,
            work,
            ["venv", "-q", venv.to_str().unwrap()],
        );
        let mut args = vec!["pip", "install", "--link-mode", mode, "--index-url", index];
        if offline {
            args.push("--offline");
        }
        let python = python_of(venv);
        args.extend(["-p", &python, req]);
        run_uv(UV_CURRENT, &case.cache, work, args);
    };
    let venv = work.join("envs/edited");
    let venv_s = venv.to_str().unwrap();
    install(&venv, "hardlink", false, "alpha==1.0.0");
    install(&work.join("envs/other"), "copy", false, "alpha==2.0.0");
    let archive = archive_of(&case.cache, "alpha", "1.0.0");
    let installed = support::glob(&venv, "lib/python*/site-packages/alpha/__init__.py");
    assert_eq!(installed.len(), 1, "{installed:?}");
    let installed = installed[0].clone();
    let in_cache = case
        .cache
        .join("archive-v0")
        .join(&archive)
        .join("alpha/__init__.py");
    assert_eq!(
        inode(&installed),
        inode(&in_cache),
        "uv hard-linked the file"
    );

    // Intact before the edit.
    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(0), "{v:#}");

    // Edited in place, through the environment: the cache's copy is the same file.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&installed)
        .unwrap();
    writeln!(file, "EDITED = True").unwrap();
    drop(file);
    assert!(
        std::fs::read_to_string(&in_cache)
            .unwrap()
            .contains("EDITED")
    );

    let added = case.uvcache(&["roots", "add", venv_s]);
    assert!(added.status.success(), "{added:?}");

    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(1), "damage found: {v:#}");
    let damaged = v["damaged"].as_array().unwrap();
    assert_eq!(damaged.len(), 1, "{v:#}");
    let d = &damaged[0];
    assert_eq!(d["package"], "alpha");
    assert_eq!(d["version"], "1.0.0");
    assert_eq!(d["path"], format!("archive-v0/{archive}"));
    let files = d["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{d:#}");
    assert_eq!(files[0]["path"], "alpha/__init__.py");
    assert_eq!(files[0]["problem"], "modified");
    assert!(files[0]["links"].as_u64().unwrap() >= 2, "{d:#}");
    let shared: Vec<PathBuf> = files[0]["shared_with"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PathBuf::from(p.as_str().unwrap()))
        .collect();
    assert_eq!(shared, std::slice::from_ref(&venv), "{d:#}");
    assert_eq!(v["records"].as_array().unwrap().len(), 0, "{v:#}");
    assert_eq!(v["checked"]["archives"], 2, "{v:#}");

    // The findings are kept for the terminal UI.
    let findings = || -> Value {
        let files = support::glob(&case.index(), "*.findings");
        assert_eq!(files.len(), 1, "{files:?}");
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap()
    };
    assert_eq!(
        findings()["damaged"][0]["path"],
        format!("archive-v0/{archive}")
    );

    // Human output: the package, the file, the environment.
    let out = case.uvcache(&["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("alpha 1.0.0"), "{text}");
    assert!(text.contains("modified"), "{text}");
    assert!(
        text.contains(&format!("shared with {}", venv.display())),
        "{text}"
    );
    // Only the packages asked for.
    let (code, v) = case.verify_json(&["beta"]);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["checked"]["archives"], 0, "{v:#}");
    let (code, v) = case.verify_json(&["ALPHA"]);
    assert_eq!(code, Some(1), "{v:#}");

    // The fix, previewed: the archive and the wheel entry pointing at it.
    let (code, v) = case.verify_json(&["--fix", "--dry-run"]);
    assert_eq!(code, Some(1), "a dry run repairs nothing: {v:#}");
    let items: Vec<&str> = v["fix"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert!(
        items.contains(&format!("archive-v0/{archive}").as_str()),
        "{items:?}"
    );
    assert!(
        items
            .iter()
            .any(|p| p.contains("/alpha/1.0.0-py3-none-any")),
        "{items:?}"
    );
    assert!(
        items.iter().all(|p| !p.contains("2.0.0")),
        "alpha 2.0.0 is intact: {items:?}"
    );
    assert!(case.cache.join("archive-v0").join(&archive).is_dir());

    // The fix.
    let (code, v) = case.verify_json(&["--fix", "--yes"]);
    assert_eq!(code, Some(0), "repaired: {v:#}");
    assert!(v["fix"]["outcome"]["errors"].as_array().unwrap().is_empty());
    assert!(!case.cache.join("archive-v0").join(&archive).exists());
    assert!(
        support::glob(&case.cache, "wheels-v*/index/*/alpha/1.0.0-py3-none-any*").is_empty(),
        "the wheel entry goes whole"
    );
    assert_eq!(findings()["damaged"], serde_json::json!([]));
    // The environment is untouched: the edited file is still there, still edited.
    let text = std::fs::read_to_string(&installed).unwrap();
    assert!(text.contains("EDITED = True"), "{text}");
    // uv can no longer install alpha 1.0.0 offline (it must download it again), while the
    // rest of the cache still serves.
    let err = support::install_offline(UV_CURRENT, &case.cache, index, &["alpha==1.0.0"])
        .expect_err("alpha 1.0.0 is no longer in the cache");
    assert!(err.contains("alpha"), "{err}");
    support::install_offline(UV_CURRENT, &case.cache, index, &["alpha==2.0.0"]).unwrap();
    // Online, uv downloads it again: a new, intact archive.
    install(&work.join("envs/fresh"), "hardlink", false, "alpha==1.0.0");
    let again = archive_of(&case.cache, "alpha", "1.0.0");
    assert_ne!(again, archive);
    let fresh = support::glob(
        work,
        "envs/fresh/lib/python*/site-packages/alpha/__init__.py",
    );
    let text = std::fs::read_to_string(&fresh[0]).unwrap();
    assert!(!text.contains("EDITED"), "{text}");
    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(0), "{v:#}");
    run_uv(UV_CURRENT, &case.cache, work, ["cache", "prune"]);
}

#[test]
fn an_intact_cache_is_intact_and_its_digests_are_remembered() {
    let case = Case::new();
    // Files changed within the last two seconds are not remembered: let the copy settle.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(0), "{v:#}");
    assert!(v["damaged"].as_array().unwrap().is_empty(), "{v:#}");
    assert!(v["records"].as_array().unwrap().is_empty(), "{v:#}");
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v:#}");
    let c = &v["checked"];
    let files = c["files"].as_u64().unwrap();
    assert!(c["archives"].as_u64().unwrap() >= 5, "{c:#}");
    assert!(files > 20, "{c:#}");
    assert!(c["records"].as_u64().unwrap() > 5, "{c:#}");
    assert!(c["hashed_files"].as_u64().unwrap() > 0, "{c:#}");
    assert_eq!(c["remembered_files"], 0, "{c:#}");
    let memo = PathBuf::from(c["memo"].as_str().unwrap());
    assert!(memo.starts_with(case.index()), "{memo:?}");
    assert!(memo.is_file());

    // The second run reads nothing again.
    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(0));
    let c = &v["checked"];
    assert_eq!(c["hashed_files"], 0, "{c:#}");
    assert!(c["remembered_files"].as_u64().unwrap() > 0, "{c:#}");

    // A damaged memo is ignored: everything is hashed again, and the answer is the same.
    std::fs::write(&memo, b"UVCVFY01 but not really").unwrap();
    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(0), "{v:#}");
    let c = &v["checked"];
    assert!(c["memo_ignored"].is_string(), "{c:#}");
    assert_eq!(c["remembered_files"], 0, "{c:#}");
    assert!(c["hashed_files"].as_u64().unwrap() > 0, "{c:#}");
    // ... and rewritten.
    let (_, v) = case.verify_json(&[]);
    assert_eq!(v["checked"]["hashed_files"], 0, "{v:#}");

    // --no-index neither reads nor writes it.
    let (code, v) = case.verify_json(&["--no-index"]);
    assert_eq!(code, Some(0));
    assert!(v["checked"]["memo"].is_null(), "{v:#}");
    assert!(v["checked"]["hashed_files"].as_u64().unwrap() > 0);

    // The human summary says so.
    let out = case.uvcache(&["verify"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("intact"), "{text}");
}

#[test]
fn a_truncated_pointer_is_a_damaged_record_and_a_file_gone_from_an_archive_is_missing() {
    let case = Case::new();
    let pointers = support::glob(
        &case.cache,
        "wheels-v*/index/*/alpha/2.0.0-py3-none-any.http",
    );
    assert_eq!(pointers.len(), 1, "{pointers:?}");
    let pointer = &pointers[0];
    let bytes = std::fs::read(pointer).unwrap();
    std::fs::write(pointer, &bytes[..bytes.len() / 2]).unwrap();
    let rel = pointer.strip_prefix(&case.cache).unwrap();

    // An archive's file removed by hand, and one added.
    let delta = archive_of_any(&case.cache, "delta");
    let dist_info = support::glob(&delta, "*.dist-info/METADATA");
    std::fs::remove_file(&dist_info[0]).unwrap();
    std::fs::write(delta.join("stray.txt"), b"not from the wheel").unwrap();

    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(1), "{v:#}");
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{v:#}");
    assert_eq!(records[0]["path"], rel.to_str().unwrap());
    assert_eq!(records[0]["kind"], "wheel-pointer");
    assert!(!records[0]["message"].as_str().unwrap().is_empty());

    let damaged = v["damaged"].as_array().unwrap();
    assert_eq!(damaged.len(), 1, "{v:#}");
    assert_eq!(damaged[0]["package"], "delta");
    let problems: Vec<(String, String)> = damaged[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["problem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (
                dist_info[0]
                    .strip_prefix(&delta)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                "missing".to_string()
            ),
            ("stray.txt".to_string(), "extra".to_string()),
        ]
    );

    let out = case.uvcache(&["verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Records uv cannot read"), "{text}");
    assert!(text.contains(rel.to_str().unwrap()), "{text}");

    // The fix removes the wheel entry of the unreadable pointer (uv downloads it again).
    let (code, v) = case.verify_json(&["--fix", "--yes"]);
    assert_eq!(code, Some(0), "{v:#}");
    assert!(!pointer.exists());
    assert!(
        support::glob(&case.cache, "wheels-v*/index/*/alpha/2.0.0-py3-none-any*").is_empty(),
        "the wheel entry goes whole"
    );
    assert!(!delta.exists());
    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(0), "{v:#}");
    run_uv(UV_CURRENT, &case.cache, case.tmp.path(), ["cache", "prune"]);
}

/// The archive of the one wheel of `package` (any source).
fn archive_of_any(cache: &Path, package: &str) -> PathBuf {
    let archives: Vec<PathBuf> = support::glob(cache, "archive-v0/*")
        .into_iter()
        .filter(|a| !support::glob(a, &format!("{package}-*.dist-info")).is_empty())
        .collect();
    assert_eq!(archives.len(), 1, "{archives:?}");
    archives[0].clone()
}

/// With clones (uv's default where the file system can), an environment's files are copies
/// that share blocks, not inodes: the same edit leaves the cache intact, and verify says so.
/// The same file system with a hard-link install shows the difference.
#[test]
fn an_edit_through_a_cloned_environment_leaves_the_cache_intact() {
    let fs = support::LoopFs::new("xfs");
    let served = tempfile::tempdir().unwrap();
    let server = support::serve_fixture_index(served.path());
    let index = server.simple_url();
    let case = Case {
        tmp: tempfile::tempdir().unwrap(),
        cache: fs.mount.join("cache"),
    };
    let work = fs.mount.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let install = |venv: &Path, mode: &str, req: &str| {
        run_uv(
            UV_CURRENT,
            &case.cache,
            &work,
            ["venv", "-q", venv.to_str().unwrap()],
        );
        let python = python_of(venv);
        run_uv(
            UV_CURRENT,
            &case.cache,
            &work,
            [
                "pip",
                "install",
                "--link-mode",
                mode,
                "--index-url",
                &index,
                "-p",
                &python,
                req,
            ],
        );
    };
    let edit = |venv: &Path| {
        let file = support::glob(venv, "lib/python*/site-packages/alpha/__init__.py");
        assert_eq!(file.len(), 1, "{file:?}");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file[0])
            .unwrap();
        writeln!(f, "EDITED = True").unwrap();
        file[0].clone()
    };
    let cloned = work.join("cloned");
    install(&cloned, "clone", "alpha==1.0.0");
    let archive = archive_of(&case.cache, "alpha", "1.0.0");
    let in_cache = case
        .cache
        .join("archive-v0")
        .join(&archive)
        .join("alpha/__init__.py");
    let installed = edit(&cloned);
    assert_ne!(
        inode(&installed),
        inode(&in_cache),
        "a clone is its own inode"
    );
    assert!(
        !std::fs::read_to_string(&in_cache)
            .unwrap()
            .contains("EDITED")
    );
    let registered = case.uvcache(&["roots", "add", cloned.to_str().unwrap()]);
    assert!(registered.status.success(), "{registered:?}");
    let (code, v) = case.verify_json(&[]);
    assert_eq!(code, Some(0), "the cache is intact: {v:#}");
    assert_eq!(v["checked"]["archives"], 1, "{v:#}");
    let out = case.uvcache(&["verify"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));

    // The same edit through a hard-linked environment on the same file system.
    let linked = work.join("linked");
    install(&linked, "hardlink", "alpha==2.0.0");
    edit(&linked);
    let (code, v) = case.verify_json(&["--search", work.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{v:#}");
    let d = &v["damaged"][0];
    assert_eq!(d["version"], "2.0.0", "{v:#}");
    assert_eq!(d["files"][0]["shared_with"][0], linked.to_str().unwrap());
}
