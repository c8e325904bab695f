//! `uvcache why` against the real uv: each scenario installs local packages with uv, changes
//! something, asks `uvcache why` what the next install will do, runs that install, and checks
//! from uv's output that uv did exactly that. After every successful install, the cache info
//! uvcache computes equals the one uv wrote into the `.dist-info` (`uv_cache.json`) and into its
//! cache (`revision.rev`).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use support::{
    IndexServer, ProjectSpec, UV_CURRENT, build_backend_wheels, copy_into, git, uv_command,
    write_project,
};
use uvcache::engine::formats::{CacheInfo, decode_local_revision_pointer};
use uvcache::engine::keys::{evaluate_with, parse_uv_cache_json};
use uvcache::engine::names::{cache_digest, canonical_url};

/// The environment variable the `env` key scenarios use.
const VAR: &str = "UVCACHE_SCENARIO_VAR";

/// What uv did to one package, read from its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Done {
    built: bool,
    reinstalled: bool,
}

/// What `uvcache why` predicts, as the JSON verdict.
fn expected_done(verdict: &str) -> Done {
    match verdict {
        "up-to-date" => Done {
            built: false,
            reinstalled: false,
        },
        "reinstall-from-cache" => Done {
            built: false,
            reinstalled: true,
        },
        "rebuild" => Done {
            built: true,
            reinstalled: true,
        },
        other => panic!("unexpected verdict {other}"),
    }
}

struct Scenario {
    _tmp: tempfile::TempDir,
    _server: IndexServer,
    index_url: String,
    cache: PathBuf,
    work: PathBuf,
    venv: PathBuf,
    req: PathBuf,
    /// Extra environment of both uv and uvcache.
    env: Vec<(String, String)>,
}

impl Scenario {
    fn new() -> Scenario {
        let tmp = tempfile::tempdir().expect("tempdir");
        let index = tmp.path().join("index");
        for entry in fs::read_dir(build_backend_wheels())
            .expect("backend")
            .flatten()
        {
            copy_into(&entry.path(), &index);
        }
        let server = IndexServer::start(&index, &tmp.path().join("flat"));
        let work = tmp.path().join("work");
        fs::create_dir_all(work.join("pkgs")).expect("mkdir");
        let s = Scenario {
            index_url: server.simple_url(),
            _server: server,
            cache: tmp.path().join("cache"),
            venv: work.join("venv"),
            req: work.join("req.txt"),
            work,
            env: vec![],
            _tmp: tmp,
        };
        s.uv_ok(&["venv", "--quiet", &s.venv.display().to_string()]);
        s
    }

    fn pkg(&self, name: &str) -> PathBuf {
        self.work.join("pkgs").join(name)
    }

    /// Writes a flit_core project `name` 1.0.0 with `extra` appended to its pyproject.toml.
    fn package(&self, name: &str, extra: &str) -> PathBuf {
        let dir = self.pkg(name);
        write_project(&dir, &ProjectSpec::new(name, "1.0.0"));
        if !extra.is_empty() {
            let path = dir.join("pyproject.toml");
            let text = fs::read_to_string(&path).expect("read");
            fs::write(&path, format!("{text}\n{extra}\n")).expect("write");
        }
        dir
    }

    /// The requirements file: one line per package, `-e` for editable ones.
    fn require(&self, lines: &[String]) {
        fs::write(&self.req, lines.join("\n") + "\n").expect("write");
    }

    fn uv(&self, args: &[&str]) -> Output {
        self.uv_in(&self.work, args)
    }

    fn uv_in(&self, cwd: &Path, args: &[&str]) -> Output {
        let mut cmd = uv_command(UV_CURRENT, &self.cache, &self.work);
        cmd.current_dir(cwd)
            .env("UV_DEFAULT_INDEX", &self.index_url)
            .env_remove(VAR)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args);
        cmd.output().expect("run uv")
    }

    fn uv_ok(&self, args: &[&str]) -> String {
        let out = self.uv(args);
        let text = combined(&out);
        assert!(out.status.success(), "uv {args:?} failed:\n{text}");
        text
    }

    /// `uv pip install -r req.txt` into `venv`.
    fn install_into(&self, venv: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["pip", "install", "--python"];
        let venv = venv.display().to_string();
        let req = self.req.display().to_string();
        args.push(&venv);
        args.extend_from_slice(extra);
        args.extend(["-r", &req]);
        self.uv(&args)
    }

    /// `uvcache why <path> --json` for `venv` (or the `.venv` found from `path`).
    fn why_in(&self, path: &Path, venv: Option<&Path>) -> Value {
        let mut cmd = support::uvcache_command();
        cmd.current_dir(&self.work)
            .env_remove("VIRTUAL_ENV")
            .env_remove("UV_CACHE_DIR")
            .env_remove("UVCACHE_CACHE_DIR")
            .env_remove(VAR)
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .arg("why")
            .arg(path)
            .arg("--json")
            .arg("--cache-dir")
            .arg(&self.cache);
        if let Some(v) = venv {
            cmd.arg("--python").arg(v);
        }
        let out = cmd.output().expect("run uvcache");
        assert!(
            out.status.success(),
            "uvcache why failed:\n{}",
            combined(&out)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    fn why(&self, path: &Path) -> Value {
        self.why_in(path, Some(&self.venv))
    }

    fn env_fn(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| {
            self.env
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    /// Checks that uvcache's cache info for `source` equals what uv recorded in `venv`'s
    /// `.dist-info` and in the cache's `revision.rev`.
    fn assert_records_match(&self, venv: &Path, name: &str, source: &Path, editable: bool) {
        let computed = evaluate_with(source, &self.env_fn())
            .expect("evaluates")
            .cache_info;
        let dist_info = fs::read_dir(site_packages(venv))
            .expect("site-packages")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{name}-")))
                    && p.extension().is_some_and(|e| e == "dist-info")
            })
            .unwrap_or_else(|| panic!("{name} is installed"));
        let recorded: CacheInfo = parse_uv_cache_json(
            &fs::read_to_string(dist_info.join("uv_cache.json")).expect("uv_cache.json"),
        )
        .expect("parses");
        assert_eq!(computed, recorded, "{name}: computed vs uv_cache.json");
        let url = format!("file://{}", source.display());
        let shard = if editable { "editable" } else { "path" };
        let pointer = self
            .cache
            .join("sdists-v11")
            .join(shard)
            .join(cache_digest(&canonical_url(&url)))
            .join("revision.rev");
        let rev = decode_local_revision_pointer(&fs::read(&pointer).expect("revision.rev"))
            .expect("decodes");
        assert_eq!(computed, rev.cache_info, "{name}: computed vs revision.rev");
    }
}

fn combined(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn site_packages(venv: &Path) -> PathBuf {
    fs::read_dir(venv.join("lib"))
        .expect("lib")
        .flatten()
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
        .expect("site-packages")
}

/// What uv's output says it did to `name`.
fn done(output: &str, name: &str) -> Done {
    Done {
        built: output
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("Built {name} @"))),
        reinstalled: output
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("~ {name}=="))),
    }
}

fn verdict_of<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["installed"]["name"] == name)
        .unwrap_or_else(|| panic!("no report for {name}: {report:#}"))
}

/// Asks `why`, checks the verdicts, runs the install and checks uv did exactly that.
/// Returns the reports for further checks.
fn predict_then_install(s: &Scenario, path: &Path, expected: &[(&str, &str)]) -> Value {
    predict_then_run(s, path, expected, &mut || s.install_into(&s.venv, &[]))
}

fn predict_then_run(
    s: &Scenario,
    path: &Path,
    expected: &[(&str, &str)],
    run: &mut dyn FnMut() -> Output,
) -> Value {
    let report = s.why(path);
    for (name, verdict) in expected {
        let p = verdict_of(&report, name);
        assert_eq!(p["verdict"], *verdict, "{name}: {}", p["summary"]);
    }
    let out = run();
    let text = combined(&out);
    assert!(out.status.success(), "uv failed:\n{text}");
    for (name, verdict) in expected {
        assert_eq!(
            done(&text, name),
            expected_done(verdict),
            "{name}: uvcache said {verdict}, uv printed:\n{text}"
        );
    }
    if expected.iter().all(|(_, v)| *v == "up-to-date") {
        assert!(
            text.contains("Checked") || text.contains("Audited"),
            "nothing to do, yet uv printed:\n{text}"
        );
    }
    report
}

/// A scenario with one non-editable package `pkga` (with `extra` in its pyproject.toml),
/// installed once.
fn installed(extra: &str) -> (Scenario, PathBuf) {
    let s = Scenario::new();
    let pkg = s.package("pkga", extra);
    s.require(&[pkg.display().to_string()]);
    let text = combined(&s.install_into(&s.venv, &[]));
    assert!(
        done(&text, "pkga").built || text.contains("+ pkga=="),
        "{text}"
    );
    s.assert_records_match(&s.venv, "pkga", &pkg, false);
    (s, pkg)
}

/// Lets the clock move past the last recorded change (ctime has nanoseconds, but be safe).
fn tick() {
    std::thread::sleep(Duration::from_millis(15));
}

fn after_install(s: &Scenario, pkg: &Path, name: &str, editable: bool) {
    s.assert_records_match(&s.venv, name, pkg, editable);
    let again = s.why(pkg);
    assert_eq!(
        verdict_of(&again, name)["verdict"],
        "up-to-date",
        "{again:#}"
    );
}

// --- Scenarios -------------------------------------------------------------------------------

#[test]
fn s01_nothing_changed() {
    let (s, pkg) = installed("");
    let r = predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    let p = verdict_of(&r, "pkga");
    assert!(
        p["summary"]
            .as_str()
            .expect("summary")
            .contains("no cache key changed")
    );
    assert_eq!(p["current"]["keys"]["defaults"], true);
}

#[test]
fn s02_edited_module_is_not_a_key() {
    let (s, pkg) = installed("");
    tick();
    fs::write(
        pkg.join("pkga/__init__.py"),
        "__version__ = '1.0.0'\nX = 2\n",
    )
    .expect("write");
    let r = predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    let p = verdict_of(&r, "pkga");
    let summary = p["summary"].as_str().expect("summary");
    assert!(
        summary.contains("pkga/__init__.py changed at") && summary.contains("not a cache key"),
        "{summary}"
    );
    let snippet = p["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("{ file = \"pkga/**/*.py\" }"), "{snippet}");

    // Applying the suggested snippet makes uv notice the next edit.
    let text = fs::read_to_string(pkg.join("pyproject.toml")).expect("read");
    fs::write(pkg.join("pyproject.toml"), format!("{text}\n{snippet}\n")).expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    tick();
    fs::write(
        pkg.join("pkga/__init__.py"),
        "__version__ = '1.0.0'\nX = 3\n",
    )
    .expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s03_edited_pyproject() {
    let (s, pkg) = installed("");
    tick();
    let path = pkg.join("pyproject.toml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, format!("{text}# edited\n")).expect("write");
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    let p = verdict_of(&r, "pkga");
    assert_eq!(p["changes"][0]["part"], "timestamp");
    assert!(
        p["summary"]
            .as_str()
            .expect("summary")
            .contains("pyproject.toml changed at")
    );
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s04_chmod_moves_ctime() {
    let (s, pkg) = installed("");
    tick();
    let status = Command::new("chmod")
        .arg("600")
        .arg(pkg.join("pyproject.toml"))
        .status()
        .expect("chmod");
    assert!(status.success());
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s05_mtime_set_to_the_past_still_rebuilds() {
    let (s, pkg) = installed("");
    tick();
    let status = Command::new("touch")
        .args(["-d", "2001-01-01"])
        .arg(pkg.join("pyproject.toml"))
        .status()
        .expect("touch");
    assert!(status.success());
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s06_new_readme_is_not_a_key() {
    let (s, pkg) = installed("");
    tick();
    fs::write(pkg.join("README.md"), "# pkga\n").expect("write");
    let r = predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    assert!(
        verdict_of(&r, "pkga")["snippet"]
            .as_str()
            .expect("snippet")
            .contains("README.md")
    );
}

#[test]
fn s07_new_setup_cfg() {
    let (s, pkg) = installed("");
    tick();
    fs::write(pkg.join("setup.cfg"), "[metadata]\n").expect("write");
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    assert!(
        verdict_of(&r, "pkga")["summary"]
            .as_str()
            .expect("summary")
            .contains("setup.cfg changed")
    );
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s08_src_directory_created_then_recreated() {
    let (s, pkg) = installed("");
    fs::create_dir(pkg.join("src")).expect("mkdir");
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    let change = &verdict_of(&r, "pkga")["changes"][0];
    assert_eq!(change["part"], "dir src");
    assert!(
        change["message"]
            .as_str()
            .expect("message")
            .contains("was created")
    );
    after_install(&s, &pkg, "pkga", false);

    // The same directory, removed and created again: a new birth time.
    tick();
    fs::remove_dir(pkg.join("src")).expect("rmdir");
    fs::create_dir(pkg.join("src")).expect("mkdir");
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    assert!(
        verdict_of(&r, "pkga")["changes"][0]["message"]
            .as_str()
            .expect("message")
            .contains("removed and created again")
    );
    after_install(&s, &pkg, "pkga", false);

    // Files inside `src` are not tracked by the directory key.
    tick();
    fs::write(pkg.join("src/extra.py"), "").expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
}

#[test]
fn s09_deleting_an_older_key_file_keeps_the_newest() {
    let s = Scenario::new();
    let pkg = s.package("pkga", "");
    fs::write(pkg.join("setup.cfg"), "[metadata]\n").expect("write");
    tick();
    let path = pkg.join("pyproject.toml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, format!("{text}# newer than setup.cfg\n")).expect("write");
    s.require(&[pkg.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    fs::remove_file(pkg.join("setup.cfg")).expect("rm");
    predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
}

#[test]
fn s10_glob_key_covers_nested_modules() {
    let (s, pkg) =
        installed("[tool.uv]\ncache-keys = [\"pyproject.toml\", { file = \"pkga/**/*.py\" }]");
    tick();
    fs::write(pkg.join("pkga/__init__.py"), "X = 1\n").expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s11_slashless_glob_part_matches_at_any_depth() {
    // `pkga/*.py` splits into base `pkga` and pattern `*.py`, which matches in sub-directories.
    let s = Scenario::new();
    let pkg = s.package("pkga", "[tool.uv]\ncache-keys = [\"pkga/*.py\"]");
    fs::create_dir_all(pkg.join("pkga/sub")).expect("mkdir");
    fs::write(pkg.join("pkga/sub/core.py"), "").expect("write");
    s.require(&[pkg.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    s.assert_records_match(&s.venv, "pkga", &pkg, false);
    tick();
    fs::write(pkg.join("pkga/sub/core.py"), "X = 1\n").expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s12_grouped_globs_are_anchored_at_the_common_base() {
    // Together with `*.toml`, `pkga/*.py` is matched from the project root: anchored, not
    // recursive, so a nested module is not a key.
    let s = Scenario::new();
    let pkg = s.package(
        "pkga",
        "[tool.uv]\ncache-keys = [\"*.toml\", \"pkga/*.py\"]",
    );
    fs::create_dir_all(pkg.join("pkga/sub")).expect("mkdir");
    fs::write(pkg.join("pkga/sub/core.py"), "").expect("write");
    s.require(&[pkg.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    s.assert_records_match(&s.venv, "pkga", &pkg, false);
    tick();
    fs::write(pkg.join("pkga/sub/core.py"), "X = 1\n").expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    tick();
    fs::write(pkg.join("pkga/__init__.py"), "X = 1\n").expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s13_env_key_changes_and_stays() {
    let (mut s, pkg) = installed(&format!(
        "[tool.uv]\ncache-keys = [\"pyproject.toml\", {{ env = \"{VAR}\" }}]"
    ));
    s.env.push((VAR.into(), "1".into()));
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    let change = &verdict_of(&r, "pkga")["changes"][0];
    assert_eq!(change["part"], format!("env {VAR}"));
    assert!(
        change["message"]
            .as_str()
            .expect("message")
            .contains("unset before, \"1\" now")
    );
    after_install(&s, &pkg, "pkga", false);
    // The same value again: nothing to do.
    predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    // Unset again: a change.
    s.env.clear();
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
}

fn git_package(s: &Scenario, keys: &str) -> PathBuf {
    let pkg = s.package(
        "pkga",
        &format!("[tool.uv]\ncache-keys = [\"pyproject.toml\", {keys}]"),
    );
    git(&pkg, &["init", "--quiet", "--initial-branch=main"]);
    git(&pkg, &["add", "--all"]);
    git(&pkg, &["commit", "--quiet", "--message", "one"]);
    s.require(&[pkg.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    s.assert_records_match(&s.venv, "pkga", &pkg, false);
    pkg
}

#[test]
fn s14_git_commit_and_tags() {
    let s = Scenario::new();
    let pkg = git_package(&s, "{ git = { commit = true, tags = true } }");
    fs::write(pkg.join("NOTES.txt"), "two\n").expect("write");
    git(&pkg, &["add", "NOTES.txt"]);
    git(&pkg, &["commit", "--quiet", "--message", "two"]);
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    assert_eq!(verdict_of(&r, "pkga")["changes"][0]["part"], "commit");
    after_install(&s, &pkg, "pkga", false);

    // A lightweight and an annotated tag (recorded as the tag object, not the commit).
    git(&pkg, &["tag", "v1"]);
    git(&pkg, &["tag", "-a", "v2", "-m", "two"]);
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    let message = verdict_of(&r, "pkga")["changes"][0]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.contains("tag v1 added") && message.contains("tag v2 added"),
        "{message}"
    );
    after_install(&s, &pkg, "pkga", false);

    // Packing the refs moves them into packed-refs without changing any value.
    git(&pkg, &["pack-refs", "--all"]);
    predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s15_git_commit_key_ignores_tags() {
    let s = Scenario::new();
    let pkg = git_package(&s, "{ git = true }");
    git(&pkg, &["tag", "v1"]);
    predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    git(
        &pkg,
        &["commit", "--quiet", "--allow-empty", "--message", "empty"],
    );
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s16_build_settings_rebuild_without_them() {
    let s = Scenario::new();
    let pkg = s.package("pkga", "");
    s.require(&[pkg.display().to_string()]);
    let out = s.install_into(&s.venv, &["--config-settings", "uvcache=test"]);
    assert!(out.status.success(), "{}", combined(&out));
    let r = predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    let reasons = verdict_of(&r, "pkga")["reasons"].to_string();
    assert!(reasons.contains("build settings"), "{reasons}");
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s17_two_environments_share_a_cached_build() {
    let (s, pkg) = installed("");
    let other = s.work.join("venv2");
    s.uv_ok(&["venv", "--quiet", &other.display().to_string()]);
    tick();
    fs::write(pkg.join("setup.cfg"), "").expect("write");
    // The second environment builds the new state first...
    let text = combined(&s.install_into(&other, &[]));
    assert!(done(&text, "pkga").built, "{text}");
    // ...so the first one reinstalls from that build without building.
    let r = predict_then_install(&s, &pkg, &[("pkga", "reinstall-from-cache")]);
    assert_eq!(
        verdict_of(&r, "pkga")["cached_builds"][0]["matches_now"],
        true
    );
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s18_editable_install() {
    let s = Scenario::new();
    let pkg = s.package("pkga", "");
    s.require(&[format!("-e {}", pkg.display())]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    s.assert_records_match(&s.venv, "pkga", &pkg, true);
    tick();
    fs::write(pkg.join("pkga/__init__.py"), "X = 1\n").expect("write");
    let r = predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    assert_eq!(verdict_of(&r, "pkga")["installed"]["editable"], true);
    fs::write(pkg.join("setup.py"), "").expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", true);
}

#[test]
fn s19_one_verdict_per_local_package() {
    let s = Scenario::new();
    let a = s.package("pkga", "");
    let b = s.package("pkgb", "");
    s.require(&[a.display().to_string(), b.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    tick();
    let path = b.join("pyproject.toml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, format!("{text}# b changed\n")).expect("write");
    let r = predict_then_install(&s, &a, &[("pkga", "up-to-date"), ("pkgb", "rebuild")]);
    // The project asked about comes first.
    assert_eq!(r["packages"][0]["installed"]["name"], "pkga");
    s.assert_records_match(&s.venv, "pkga", &a, false);
    s.assert_records_match(&s.venv, "pkgb", &b, false);
}

#[test]
fn s20_invalid_cache_keys_make_uv_fail() {
    let (s, pkg) = installed("");
    let path = pkg.join("pyproject.toml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(
        &path,
        format!("{text}\n[tool.uv]\ncache-keys = [{{ file = \"a\", bogus = 1 }}]\n"),
    )
    .expect("write");
    let r = s.why(&pkg);
    let p = verdict_of(&r, "pkga");
    assert_eq!(p["verdict"], "fails", "{}", p["summary"]);
    assert!(p["lints"].to_string().contains("invalid-cache-keys"));
    let out = s.install_into(&s.venv, &[]);
    assert!(!out.status.success(), "uv accepted it:\n{}", combined(&out));
    assert!(combined(&out).contains("cache keys"), "{}", combined(&out));
}

#[test]
fn s21_symlinked_key_file_follows_its_target() {
    let s = Scenario::new();
    let pkg = s.package("pkga", "");
    let real = s.work.join("shared-pyproject.toml");
    fs::rename(pkg.join("pyproject.toml"), &real).expect("move");
    std::os::unix::fs::symlink(&real, pkg.join("pyproject.toml")).expect("symlink");
    s.require(&[pkg.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    s.assert_records_match(&s.venv, "pkga", &pkg, false);
    tick();
    let text = fs::read_to_string(&real).expect("read");
    fs::write(&real, format!("{text}# via the link target\n")).expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
    after_install(&s, &pkg, "pkga", false);
}

#[test]
fn s22_dynamic_version_from_an_untracked_module() {
    let s = Scenario::new();
    let pkg = s.package("pkga", "");
    let path = pkg.join("pyproject.toml");
    let text = fs::read_to_string(&path)
        .expect("read")
        .replace("version = \"1.0.0\"\n", "dynamic = [\"version\"]\n");
    fs::write(&path, text).expect("write");
    s.require(&[pkg.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    tick();
    fs::write(
        pkg.join("pkga/__init__.py"),
        "\"\"\"pkga.\"\"\"\n__version__ = \"2.0.0\"\n",
    )
    .expect("write");
    let r = predict_then_install(&s, &pkg, &[("pkga", "up-to-date")]);
    let p = verdict_of(&r, "pkga");
    assert!(
        p["lints"].to_string().contains("dynamic-version-not-a-key"),
        "{}",
        p["lints"]
    );
    assert_eq!(p["installed"]["version"], "1.0.0");
}

#[test]
fn s23_uv_sync_with_a_path_dependency() {
    let s = Scenario::new();
    let lib = s.package("pkga", "");
    let app = s.work.join("app");
    fs::create_dir_all(&app).expect("mkdir");
    fs::write(
        app.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\n\
         dependencies = [\"pkga\"]\n\n[tool.uv.sources]\npkga = { path = \"../pkgs/pkga\" }\n",
    )
    .expect("write");
    let sync = || s.uv_in(&app, &["sync"]);
    let out = sync();
    assert!(out.status.success(), "{}", combined(&out));
    // No --python: the project's `.venv` is found.
    let report = s.why_in(&app, None);
    assert_eq!(report["environment"]["found_by"], ".venv");
    assert_eq!(verdict_of(&report, "pkga")["verdict"], "up-to-date");
    tick();
    let path = lib.join("pyproject.toml");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, format!("{text}# lib changed\n")).expect("write");
    let report = s.why_in(&app, None);
    assert_eq!(verdict_of(&report, "pkga")["verdict"], "rebuild");
    let text = combined(&sync());
    assert_eq!(
        done(&text, "pkga"),
        Done {
            built: true,
            reinstalled: true
        },
        "{text}"
    );
    s.assert_records_match(&app.join(".venv"), "pkga", &lib, false);
    let text = combined(&sync());
    assert_eq!(done(&text, "pkga"), expected_done("up-to-date"), "{text}");
}

#[test]
fn s24_glob_matching_the_environment_lints() {
    let s = Scenario::new();
    let pkg = s.package("pkga", "[tool.uv]\ncache-keys = [\"*.py\"]");
    // A virtual environment inside the project: `*.py` reaches into it.
    s.uv_ok(&["venv", "--quiet", &pkg.join(".venv").display().to_string()]);
    fs::create_dir_all(pkg.join(".venv/lib/extra")).expect("mkdir");
    fs::write(pkg.join(".venv/lib/extra/mod.py"), "").expect("write");
    s.require(&[pkg.display().to_string()]);
    assert!(s.install_into(&s.venv, &[]).status.success());
    s.assert_records_match(&s.venv, "pkga", &pkg, false);
    let r = s.why(&pkg);
    assert!(
        verdict_of(&r, "pkga")["lints"]
            .to_string()
            .contains("key-matches-generated")
    );
    // Something writing into that environment triggers a rebuild, as predicted.
    tick();
    fs::write(pkg.join(".venv/lib/extra/mod.py"), "X = 1\n").expect("write");
    predict_then_install(&s, &pkg, &[("pkga", "rebuild")]);
}
