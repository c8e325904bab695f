//! `uvcache doctor` against environments the real uv installed: on the cache's filesystem with
//! hard links, on another filesystem (tmpfs under /dev/shm) where hard links fail, and with
//! symlinks into the cache.

mod support;

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::Value;
use support::{UV_CURRENT, uv_bin, uv_command};

use support::Sandbox as Setup;

impl Setup {
    /// uv with the test environment (`UV_LINK_MODE=hardlink` unless `env` says otherwise).
    fn uv(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = uv_command(UV_CURRENT, &self.cache, &self.work);
        cmd.env("UV_DEFAULT_INDEX", &self.index_url).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run uv");
        assert!(
            out.status.success(),
            "uv {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// A venv at `venv` with alpha 1.0.0 and beta installed; returns uv's stderr.
    fn install(&self, venv: &Path, env: &[(&str, &str)]) -> String {
        let v = venv.to_str().expect("utf-8");
        self.uv(&["venv", "--quiet", v], env);
        let out = self.uv(
            &["pip", "install", "--python", v, "alpha==1.0.0", "beta"],
            env,
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `uvcache doctor ARGS` with uv's test environment plus `env` (`None` removes a variable).
    fn doctor(&self, cwd: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
        let template = uv_command(UV_CURRENT, &self.cache, &self.work);
        let mut cmd = support::uvcache_command();
        for (k, v) in template.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.current_dir(cwd)
            .env("UV", uv_bin(UV_CURRENT))
            .env_remove("VIRTUAL_ENV")
            .arg("doctor")
            .args(args)
            .args(["--uv-version", UV_CURRENT])
            .stdin(Stdio::null());
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let out = cmd.output().expect("run uvcache");
        assert!(
            out.status.success(),
            "doctor failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn doctor_json(&self, venv: &Path, env: &[(&str, Option<&str>)]) -> Value {
        let out = self.doctor(
            &self.work,
            &["--python", venv.to_str().expect("utf-8"), "--json"],
            env,
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    }
}

fn site_packages(venv: &Path) -> PathBuf {
    let lib = venv.join("lib");
    let py = fs::read_dir(&lib)
        .expect("lib")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("python"))
        .expect("lib/python*");
    py.path().join("site-packages")
}

/// Names in a directory (to check that no probe file is left behind).
fn names(dir: &Path) -> HashSet<String> {
    fs::read_dir(dir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Installed files (from every RECORD) that share an inode with a file under archive-v0,
/// counted independently of uvcache.
fn hardlinks_into(cache: &Path, sp: &Path) -> u64 {
    let inodes: HashSet<(u64, u64)> = walkdir::WalkDir::new(cache.join("archive-v0"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| (m.dev(), m.ino()))
        .collect();
    let mut n = 0;
    for e in fs::read_dir(sp).expect("site-packages").flatten() {
        let Ok(record) = fs::read_to_string(e.path().join("RECORD")) else {
            continue;
        };
        for line in record.lines() {
            let path = sp.join(line.split(',').next().unwrap_or(""));
            if let Ok(m) = fs::symlink_metadata(&path)
                && m.is_file()
                && inodes.contains(&(m.dev(), m.ino()))
            {
                n += 1;
            }
        }
    }
    n
}

fn codes(report: &Value) -> Vec<(String, String)> {
    report["advice"]
        .as_array()
        .expect("advice")
        .iter()
        .map(|a| {
            (
                a["severity"].as_str().unwrap_or("").to_string(),
                a["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn same_filesystem_hard_links_are_counted() {
    let s = Setup::new();
    let venv = s.work.join("venv");
    s.install(&venv, &[]);
    let sp = site_packages(&venv);
    let (cache_names, sp_names) = (names(&s.cache), names(&sp));

    let r = s.doctor_json(&venv, &[]);
    assert_eq!(r["same_filesystem"], true, "{r:#}");
    assert_eq!(r["probes"]["hardlink"]["result"], "works");
    assert_eq!(r["probes"]["symlink"]["result"], "works");
    assert_eq!(r["probes"]["copy"]["result"], "works");
    assert_eq!(r["link_mode"]["pip"]["mode"], "hardlink");
    assert_eq!(r["link_mode"]["pip"]["source"], "UV_LINK_MODE");
    assert_eq!(r["outcome"]["pip"]["effective"], "hardlink");
    assert_eq!(r["outcome"]["pip"]["fallback_warning"], false);
    for lock in ["shared", "exclusive", "enforced"] {
        assert_eq!(r["locks"][lock]["result"], "works", "{lock}: {r:#}");
    }
    let census = &r["census"];
    assert_eq!(census["distributions"], 2);
    let expected = hardlinks_into(&s.cache, &sp);
    assert!(expected > 0, "uv hard-linked files into the venv");
    assert_eq!(census["hardlinks_into_cache"], expected, "{census:#}");
    assert_eq!(census["symlinks_into_cache"], 0);
    let files = census["files"].as_u64().expect("files");
    assert_eq!(
        census["independent"].as_u64().expect("independent") + expected,
        files
    );
    let c = codes(&r);
    assert!(c.contains(&("info".into(), "hardlinked".into())), "{c:?}");
    assert!(!c.iter().any(|(s, _)| s != "info"), "{c:?}");
    // Probes leave nothing behind.
    assert_eq!(names(&s.cache), cache_names);
    assert_eq!(names(&sp), sp_names);

    // The project's settings decide when UV_LINK_MODE is unset; --project uses its .venv.
    let project = s.work.join("proj");
    fs::create_dir_all(&project).expect("mkdir");
    fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"proj\"\nversion = \"0\"\n\n[tool.uv]\nlink-mode = \"copy\"\n\n\
         [tool.uv.pip]\nlink-mode = \"hardlink\"\n",
    )
    .expect("write");
    s.install(&project.join(".venv"), &[]);
    let out = s.doctor(
        &s.work,
        &["--project", "proj", "--json"],
        &[("UV_LINK_MODE", None), ("UV_NO_CONFIG", None)],
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(r["environment"]["found_by"], ".venv");
    assert_eq!(r["link_mode"]["project"]["mode"], "copy");
    assert!(
        r["link_mode"]["project"]["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("pyproject.toml [tool.uv]")),
        "{r:#}"
    );
    assert_eq!(r["link_mode"]["pip"]["mode"], "hardlink");
    assert!(codes(&r).contains(&("info".into(), "copy-mode".into())));
}

#[test]
fn another_filesystem_falls_back_to_copies() {
    let shm = Path::new("/dev/shm");
    let tmp_dev = fs::metadata(std::env::temp_dir()).map(|m| m.dev());
    if !shm.is_dir() || fs::metadata(shm).map(|m| m.dev()).ok() == tmp_dev.ok() {
        eprintln!("skipped: /dev/shm is missing or on the temporary directory's filesystem");
        return;
    }
    let s = Setup::new();
    let elsewhere = tempfile::tempdir_in(shm).expect("tempdir in /dev/shm");
    let venv = elsewhere.path().join("venv");
    let stderr = s.install(&venv, &[]);
    assert!(
        stderr.contains("Failed to hardlink files; falling back to full copy"),
        "uv itself falls back: {stderr}"
    );

    let r = s.doctor_json(&venv, &[]);
    assert_eq!(r["same_filesystem"], false, "{r:#}");
    assert_eq!(r["environment"]["filesystem"]["fs_type"], "tmpfs");
    assert_eq!(r["probes"]["hardlink"]["result"], "fails");
    assert_eq!(r["probes"]["hardlink"]["cross_device"], true);
    assert_eq!(r["probes"]["copy"]["result"], "works");
    assert_eq!(r["outcome"]["pip"]["effective"], "copy");
    assert_eq!(r["outcome"]["pip"]["fallback_warning"], true);
    assert_eq!(r["census"]["hardlinks_into_cache"], 0);
    assert_eq!(r["census"]["independent"], r["census"]["files"]);
    let advice = r["advice"].as_array().expect("advice");
    let cross = advice
        .iter()
        .find(|a| a["code"] == "cross-device")
        .expect("cross-device advice");
    assert_eq!(cross["severity"], "warning");
    let actions: Vec<&str> = cross["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(
        actions.iter().any(|a| a.contains("UV_LINK_MODE=copy")),
        "{actions:?}"
    );
    let here = elsewhere.path().join(".uv-cache");
    assert!(
        actions
            .iter()
            .any(|a| a.contains(&format!("UV_CACHE_DIR={}", here.display()))),
        "{actions:?}"
    );

    // With UV_LINK_MODE=copy nothing falls back: the difference is only worth knowing.
    let r = s.doctor_json(&venv, &[("UV_LINK_MODE", Some("copy"))]);
    assert_eq!(r["outcome"]["pip"]["fallback_warning"], false);
    let c = codes(&r);
    assert!(c.contains(&("info".into(), "cross-device".into())), "{c:?}");

    // The text form says it plainly.
    let out = s.doctor(&s.work, &["--python", venv.to_str().expect("utf-8")], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Same filesystem: no"), "{text}");
    assert!(text.contains("hardlink  fails: cross-device"), "{text}");
    assert!(text.contains("warning [cross-device]"), "{text}");
}

#[test]
fn symlink_mode_environments_are_flagged_loudly() {
    let s = Setup::new();
    let venv = s.work.join("venv");
    s.install(&venv, &[("UV_LINK_MODE", "symlink")]);
    let r = s.doctor_json(&venv, &[]);
    let census = &r["census"];
    assert!(
        census["symlinks_into_cache"].as_u64().expect("count") > 0,
        "{census:#}"
    );
    assert_eq!(census["broken_symlinks"], 0);
    assert_eq!(r["advice"][0]["severity"], "danger", "{r:#}");
    assert_eq!(r["advice"][0]["code"], "symlink-mode");

    let out = s.doctor(&s.work, &["--python", "venv"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DANGER [symlink-mode]"), "{text}");
    assert!(text.contains("symlinks into the cache"), "{text}");

    // What the warning is about: cleaning the package breaks the environment.
    let clean = support::uvcache_command()
        .args(["clean", "alpha", "--yes", "--cache-dir"])
        .arg(&s.cache)
        .args(["--uv-version", UV_CURRENT])
        .stdin(Stdio::null())
        .output()
        .expect("run uvcache");
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let r = s.doctor_json(&venv, &[]);
    assert!(
        r["census"]["broken_symlinks"].as_u64().expect("count") > 0,
        "{:#}",
        r["census"]
    );
    assert!(
        r["advice"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("already broken")),
        "{:#}",
        r["advice"][0]
    );
}
