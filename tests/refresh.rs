//! `uvcache refresh` against the real uv: environments (`uv pip install`) and projects
//! (`uv sync`) installed from a local index with real caching headers, then refreshed; the
//! reported cache changes are checked against what uv did.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use support::{ProjectSpec, UV_CURRENT, uv_bin, uv_command, write_project};

use support::Sandbox as Setup;

impl Setup {
    /// Runs uv with the test environment in `cwd`; panics unless it succeeds.
    fn uv(&self, cwd: &Path, args: &[&str]) -> Output {
        let out = uv_command(UV_CURRENT, &self.cache, &self.work)
            .current_dir(cwd)
            .env("UV_DEFAULT_INDEX", &self.index_url)
            .args(args)
            .output()
            .expect("run uv");
        assert!(out.status.success(), "uv {args:?}: {}", text(&out.stderr));
        out
    }

    /// `uvcache ARGS` in `cwd` with the same environment uv gets, and `UV` naming the uv.
    fn uvcache(&self, cwd: &Path, args: &[&str]) -> Output {
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
            .env("UV_DEFAULT_INDEX", &self.index_url)
            .env_remove("VIRTUAL_ENV")
            .args(args)
            .args(["--uv-version", UV_CURRENT])
            .stdin(Stdio::null())
            .output()
            .expect("run uvcache")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "uvcache failed ({:?}):\n{}\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

/// `(package, change, entry kind)` of every reported change.
fn changes(report: &Value) -> Vec<(String, String, String)> {
    report["changes"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let mark = if c["after"].is_null() {
                &c["before"]
            } else {
                &c["after"]
            };
            (
                c["package"].as_str().unwrap_or("").to_string(),
                c["change"].as_str().unwrap_or("").to_string(),
                mark["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn has(list: &[(String, String, String)], package: &str, change: &str, kind: &str) -> bool {
    list.iter()
        .any(|(p, c, k)| p == package && c == change && k == kind)
}

/// Every path under `dir` with its modification time.
fn tree(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| {
            let t = e.metadata().ok().and_then(|m| m.modified().ok());
            (e.path().to_path_buf(), t.unwrap_or(SystemTime::UNIX_EPOCH))
        })
        .collect()
}

#[test]
fn refreshes_an_environment_through_uv_pip_install() {
    let s = Setup::new();
    let venv = s.work.join("venv");
    let pathpkg = s.work.join("pathpkg");
    write_project(&pathpkg, &ProjectSpec::new("pathpkg", "1.0.0"));
    s.uv(&s.work, &["venv", "--quiet", venv.to_str().unwrap()]);
    s.uv(
        &s.work,
        &[
            "pip",
            "install",
            "--python",
            venv.to_str().unwrap(),
            "alpha==1.0.0",
            "beta",
        ],
    );
    s.uv(
        &s.work,
        &[
            "pip",
            "install",
            "--python",
            venv.to_str().unwrap(),
            pathpkg.to_str().unwrap(),
        ],
    );
    // Response times are whole seconds: make the refreshed ones differ.
    std::thread::sleep(Duration::from_millis(1100));

    // The dry run prints the command and touches nothing.
    let before = tree(&s.cache);
    let dry = s.uvcache(
        &s.work,
        &[
            "refresh",
            "alpha",
            "beta",
            "pathpkg",
            "--python",
            "venv",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let line = text(&dry.stdout);
    let expected = format!(
        "{} pip install --python {} --refresh-package alpha --reinstall-package alpha \
         --refresh-package beta --reinstall-package beta --refresh-package pathpkg \
         --reinstall-package pathpkg alpha==1.0.0 beta==1.0.0 'pathpkg @ file://{}'",
        uv_bin(UV_CURRENT).display(),
        venv.display(),
        pathpkg.display()
    );
    assert_eq!(line.trim_end(), expected);
    assert_eq!(tree(&s.cache), before, "a dry run changes nothing");

    let out = s.uvcache(
        &s.work,
        &[
            "refresh", "alpha", "beta", "pathpkg", "--python", "venv", "--json",
        ],
    );
    let report = json(&out);
    assert_eq!(report["exit"]["code"], 0);
    assert_eq!(report["target"]["kind"], "environment");
    let uv_lines: Vec<&str> = report["output"]
        .as_array()
        .expect("output")
        .iter()
        .filter_map(|l| l["line"].as_str())
        .collect();
    for name in ["alpha==1.0.0", "beta==1.0.0", "pathpkg==1.0.0"] {
        assert!(
            uv_lines.iter().any(|l| l.contains(&format!("~ {name}"))),
            "uv reinstalled {name}: {uv_lines:#?}"
        );
    }
    assert!(
        uv_lines.iter().any(|l| l.contains("Built pathpkg")),
        "the local source is rebuilt: {uv_lines:#?}"
    );
    let c = changes(&report);
    // The Simple API pages were revalidated: fresh again from now on.
    assert!(has(&c, "alpha", "renewed", "simple-page"), "{c:#?}");
    assert!(has(&c, "beta", "renewed", "simple-page"), "{c:#?}");
    // The local source was rebuilt into a new revision; the old one is left dangling.
    assert!(has(&c, "pathpkg", "added", "sdist-revision"), "{c:#?}");
    assert!(has(&c, "pathpkg", "superseded", "sdist-revision"), "{c:#?}");
    // The immutable wheel of alpha is not downloaded again.
    assert!(!has(&c, "alpha", "replaced", "wheel"), "{c:#?}");

    // The text form streams uv's lines and lists the changes.
    std::thread::sleep(Duration::from_millis(1100));
    let out = s.uvcache(&s.work, &["refresh", "alpha", "--python", "venv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Target: environment"), "{stdout}");
    assert!(stdout.contains("Running: "), "{stdout}");
    assert!(stdout.contains("│  ~ alpha==1.0.0"), "{stdout}");
    assert!(stdout.contains("Cache changes for alpha:"), "{stdout}");
    assert!(stdout.contains("renewed"), "{stdout}");
    let _ = s.tmp.path();
}

#[test]
fn refreshes_a_project_through_uv_sync() {
    let s = Setup::new();
    let project = s.work.join("app");
    fs::create_dir_all(project.join("src")).expect("mkdir");
    write_project(
        &s.work.join("localdep"),
        &ProjectSpec::new("localdep", "1.0.0"),
    );
    fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\n\
         dependencies = [\"alpha==2.0.0\", \"beta\", \"localdep\"]\n\n[tool.uv]\npackage = false\n\n\
         [tool.uv.sources]\nlocaldep = { path = \"../localdep\" }\n",
    )
    .expect("write");
    s.uv(&project, &["sync", "--quiet"]);
    assert!(project.join("uv.lock").is_file());
    std::thread::sleep(Duration::from_millis(1100));

    // Found from a subdirectory of the project.
    let sub = project.join("src");
    let dry = s.uvcache(&sub, &["refresh", "beta", "gamma", "--dry-run", "--json"]);
    let plan = json(&dry);
    assert_eq!(plan["target"]["kind"], "project");
    assert_eq!(plan["target"]["found_by"], "current directory");
    let args: Vec<&str> = plan["command"]["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    let project_arg = project.display().to_string();
    assert_eq!(
        args,
        [
            "sync",
            "--project",
            project_arg.as_str(),
            "--refresh-package",
            "beta",
            "--reinstall-package",
            "beta",
            "--refresh-package",
            "gamma",
            "--reinstall-package",
            "gamma"
        ]
    );
    assert!(
        text(&dry.stderr).contains("gamma is not in"),
        "a package the lock does not have is pointed out: {}",
        text(&dry.stderr)
    );

    let out = s.uvcache(&sub, &["refresh", "beta", "localdep", "--json"]);
    let report = json(&out);
    assert_eq!(report["exit"]["code"], 0);
    let uv_lines: Vec<&str> = report["output"]
        .as_array()
        .expect("output")
        .iter()
        .filter_map(|l| l["line"].as_str())
        .collect();
    for name in ["beta==1.0.0", "localdep==1.0.0"] {
        assert!(
            uv_lines.iter().any(|l| l.contains(&format!("~ {name}"))),
            "{uv_lines:#?}"
        );
    }
    let c = changes(&report);
    // The locked sdist of beta is immutable and its build is reused: nothing of beta changes;
    // the local source is built again.
    assert!(has(&c, "localdep", "added", "sdist-revision"), "{c:#?}");
    assert!(
        has(&c, "localdep", "superseded", "sdist-revision"),
        "{c:#?}"
    );
    assert!(c.iter().all(|(p, _, _)| p == "localdep"), "{c:#?}");

    // `--project` names the project explicitly; a directory that is not one is refused.
    let out = s.uvcache(
        &s.work,
        &["refresh", "beta", "--project", "app", "--dry-run"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(" sync --project "));
    let out = s.uvcache(&s.work, &["refresh", "beta", "--project", ".", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not a uv project"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn passes_on_uv_failures_and_explains_a_missing_uv() {
    let s = Setup::new();
    let venv = s.work.join("venv");
    s.uv(&s.work, &["venv", "--quiet", venv.to_str().unwrap()]);

    // uv cannot find the package on the index: its exit code is passed on.
    let out = s.uvcache(&s.work, &["refresh", "no-such-package", "--python", "venv"]);
    let code = out.status.code();
    assert!(
        matches!(code, Some(1 | 2)),
        "{code:?}: {}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("uv exited with status"), "{stdout}");
    assert!(
        stdout.contains("no-such-package"),
        "uv's own error is shown: {stdout}"
    );

    // Without uv: a clear error saying how to install it.
    let empty = s.work.join("empty-bin");
    fs::create_dir_all(&empty).expect("mkdir");
    let mut cmd = support::uvcache_command();
    cmd.current_dir(&s.work)
        .env_remove("UV")
        .env_remove("VIRTUAL_ENV")
        .env("PATH", &empty)
        .env("UV_CACHE_DIR", &s.cache)
        .args(["refresh", "alpha", "--python", "venv"]);
    let out = cmd.output().expect("run uvcache");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("uv was not found"), "{stderr}");
    assert!(stderr.contains("pip install uv"), "{stderr}");
    assert!(stderr.contains("install.sh"), "{stderr}");
}
