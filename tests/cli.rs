//! Black-box tests of the `uvcache` binary: cache location (compared with the real
//! `uv cache dir`), the uv-on-PATH cross-check, and `size`, `list`, `show` on a fixture cache
//! written by the real uv, with an environment confined to a temporary directory.

mod support;

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{FixtureKind, UV_CURRENT, UV_OLD, du_bytes, fixture, uv_bin, uv_cache_size};
use tempfile::TempDir;

/// What a finished process printed, and how it ended.
#[derive(Debug)]
struct Run {
    /// The exit code; -1 when killed by a signal.
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn of(cmd: &mut Command) -> Run {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// The single line printed on stdout.
    fn line(&self) -> &str {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "expected one line: {self:#?}");
        lines[0]
    }
}

/// An environment confined to a temporary directory: `HOME`, `XDG_CACHE_HOME` and
/// `XDG_CONFIG_HOME` inside it, no `UV_*` or `UVCACHE_*` variables, `NO_COLOR=1`, and a `PATH`
/// of an (initially empty) `bin/` directory followed by `/usr/bin:/bin`, so no uv is found unless
/// a test puts one into `bin/`.
struct Sandbox {
    _tmp: TempDir,
    root: PathBuf,
    home: PathBuf,
    cache_home: PathBuf,
    config_home: PathBuf,
    bin: PathBuf,
    /// The default working directory (`<root>/work`).
    work: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        for dir in ["/usr/bin", "/bin"] {
            assert!(
                !Path::new(dir).join("uv").exists(),
                "{dir}/uv exists: these tests need a PATH without uv"
            );
        }
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let sb = Sandbox {
            home: root.join("home"),
            cache_home: root.join("home/.cache"),
            config_home: root.join("home/.config"),
            bin: root.join("bin"),
            work: root.join("work"),
            root,
            _tmp: tmp,
        };
        for dir in [&sb.cache_home, &sb.config_home, &sb.bin, &sb.work] {
            fs::create_dir_all(dir).unwrap();
        }
        sb
    }

    fn path_var(&self) -> String {
        format!("{}:/usr/bin:/bin", self.bin.display())
    }

    fn isolate(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("XDG_CACHE_HOME", &self.cache_home)
            .env("XDG_CONFIG_HOME", &self.config_home)
            .env("NO_COLOR", "1")
            .env("PATH", self.path_var())
            .current_dir(&self.work);
    }

    /// `uvcache` in this environment.
    fn uvcache(&self) -> Command {
        let mut cmd = support::uvcache_command();
        self.isolate(&mut cmd);
        cmd
    }

    /// The real uv (the pinned current release) in this environment.
    fn real_uv(&self) -> Command {
        let mut cmd = Command::new(uv_bin(UV_CURRENT));
        self.isolate(&mut cmd);
        cmd
    }

    /// Puts an executable `uv` shell script first on `PATH`.
    fn fake_uv(&self, script: &str) -> PathBuf {
        let path = self.bin.join("uv");
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        // Another test thread may fork while the script's write descriptor is open; exec then
        // fails with ETXTBSY until that child has exec'd. Wait until the script runs.
        for attempt in 0.. {
            match Command::new(&path).arg("--version").output() {
                Ok(out) if out.status.success() => break,
                Err(e) if e.raw_os_error() == Some(26) && attempt < 100 => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                other => panic!("fake uv {} does not run: {other:?}", path.display()),
            }
        }
        path
    }
}

/// `p` made absolute against `cwd` (as uv's relative answers are meant).
fn absolute_in(cwd: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// Runs `uvcache <ours>` and the real `uv <theirs>` with the same environment changes and
/// working directory; both must succeed and name the same directory (uv's relative answers
/// taken against `cwd`). Returns uvcache's answer.
fn same_answer(
    sb: &Sandbox,
    cwd: &Path,
    env: &[(&str, &str)],
    ours: &[&str],
    theirs: &[&str],
) -> PathBuf {
    let mut a = sb.uvcache();
    let mut b = sb.real_uv();
    for cmd in [&mut a, &mut b] {
        cmd.current_dir(cwd);
        for (k, v) in env {
            cmd.env(k, v);
        }
    }
    let ours_run = Run::of(a.args(ours)).ok();
    let theirs_run = Run::of(b.args(theirs)).ok();
    let ours_path = PathBuf::from(ours_run.line());
    assert!(
        ours_path.is_absolute(),
        "uvcache prints an absolute path: {ours_run:#?}"
    );
    let theirs_path = absolute_in(cwd, theirs_run.line());
    // Path equality ignores `.` components; neither side uses `..` here.
    assert_eq!(
        ours_path,
        theirs_path,
        "uvcache {ours:?} vs uv {theirs:?} (cwd {}, env {env:?})",
        cwd.display()
    );
    ours_path
}

/// The rule name of `dir --json` (a string; also accepts the `{"rule": ...}` object form).
fn rule_name(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        Value::Object(o) => o.get("rule").and_then(Value::as_str).unwrap_or(""),
        _ => "",
    }
}

#[test]
fn dir_defaults_to_the_platform_cache_dir_like_uv() {
    let sb = Sandbox::new();
    let got = same_answer(&sb, &sb.work, &[], &["dir"], &["cache", "dir"]);
    assert_eq!(got, sb.cache_home.join("uv"));

    // Without XDG_CACHE_HOME: ~/.cache/uv. A relative XDG_CACHE_HOME is ignored.
    let mut ours = sb.uvcache();
    let mut theirs = sb.real_uv();
    for cmd in [&mut ours, &mut theirs] {
        cmd.env_remove("XDG_CACHE_HOME");
    }
    let ours = Run::of(ours.arg("dir")).ok();
    let theirs = Run::of(theirs.args(["cache", "dir"])).ok();
    assert_eq!(Path::new(ours.line()), sb.home.join(".cache/uv"));
    assert_eq!(ours.line(), theirs.line());
    let got = same_answer(
        &sb,
        &sb.work,
        &[("XDG_CACHE_HOME", "relative/cache")],
        &["dir"],
        &["cache", "dir"],
    );
    assert_eq!(got, sb.home.join(".cache/uv"));
}

#[test]
fn dir_uv_cache_dir_wins_over_the_default() {
    let sb = Sandbox::new();
    let abs = sb.root.join("from-env");
    let got = same_answer(
        &sb,
        &sb.work,
        &[("UV_CACHE_DIR", abs.to_str().unwrap())],
        &["dir"],
        &["cache", "dir"],
    );
    assert_eq!(got, abs);
    let got = same_answer(
        &sb,
        &sb.work,
        &[("UV_CACHE_DIR", "rel-env")],
        &["dir"],
        &["cache", "dir"],
    );
    assert_eq!(got, sb.work.join("rel-env"));
}

#[test]
fn dir_flag_wins_over_uv_cache_dir_before_or_after_the_command() {
    let sb = Sandbox::new();
    let env_dir = sb.root.join("from-env");
    let flag_dir = sb.root.join("from-flag");
    let env = [("UV_CACHE_DIR", env_dir.to_str().unwrap())];
    let flag = flag_dir.to_str().unwrap();
    for ours in [
        vec!["--cache-dir", flag, "dir"],
        vec!["dir", "--cache-dir", flag],
    ] {
        let got = same_answer(
            &sb,
            &sb.work,
            &env,
            &ours,
            &["--cache-dir", flag, "cache", "dir"],
        );
        assert_eq!(got, flag_dir, "{ours:?}");
    }
    let got = same_answer(
        &sb,
        &sb.work,
        &env,
        &["dir", "--cache-dir", "rel-flag"],
        &["cache", "dir", "--cache-dir", "rel-flag"],
    );
    assert_eq!(got, sb.work.join("rel-flag"));
}

#[test]
fn dir_project_config_found_from_a_subdirectory() {
    let sb = Sandbox::new();
    let project = sb.work.join("proj");
    let deeper = project.join("src/deeper");
    fs::create_dir_all(&deeper).unwrap();
    let pyproject = project.join("pyproject.toml");
    fs::write(
        &pyproject,
        "[project]\nname = \"proj\"\nversion = \"0.1.0\"\n\n[tool.uv]\ncache-dir = \"./proj-cache\"\n",
    )
    .unwrap();
    // A relative cache-dir is taken against the current directory, not the file.
    let got = same_answer(&sb, &deeper, &[], &["dir"], &["cache", "dir"]);
    assert_eq!(got, deeper.join("proj-cache"));
    let got = same_answer(&sb, &project, &[], &["dir"], &["cache", "dir"]);
    assert_eq!(got, project.join("proj-cache"));

    // The rule names the file.
    let run = Run::of(sb.uvcache().current_dir(&deeper).args(["dir", "-v"])).ok();
    assert!(
        run.stderr.contains("cache-dir in") && run.stderr.contains(pyproject.to_str().unwrap()),
        "{run:#?}"
    );
    let run = Run::of(sb.uvcache().current_dir(&deeper).args(["dir", "--json"])).ok();
    let v = run.json();
    assert_eq!(rule_name(&v["rule"]), "config", "{v:#}");
    assert_eq!(
        v["file"].as_str(),
        Some(pyproject.to_str().unwrap()),
        "{v:#}"
    );
    // Compared as paths: `<cwd>/./proj-cache` names the same directory.
    assert_eq!(
        v["root"].as_str().map(PathBuf::from),
        Some(deeper.join("proj-cache"))
    );

    // UV_CACHE_DIR still wins over the project's setting.
    let env_dir = sb.root.join("from-env");
    let got = same_answer(
        &sb,
        &deeper,
        &[("UV_CACHE_DIR", env_dir.to_str().unwrap())],
        &["dir"],
        &["cache", "dir"],
    );
    assert_eq!(got, env_dir);

    // The user's uv.toml applies outside the project, and the project's setting wins inside.
    let user_cache = sb.root.join("from-user-config");
    fs::create_dir_all(sb.config_home.join("uv")).unwrap();
    fs::write(
        sb.config_home.join("uv/uv.toml"),
        format!("cache-dir = \"{}\"\n", user_cache.display()),
    )
    .unwrap();
    let got = same_answer(&sb, &sb.work, &[], &["dir"], &["cache", "dir"]);
    assert_eq!(got, user_cache);
    let got = same_answer(&sb, &deeper, &[], &["dir"], &["cache", "dir"]);
    assert_eq!(got, deeper.join("proj-cache"));
}

#[test]
fn dir_verbose_names_the_rule() {
    let sb = Sandbox::new();
    let flag_dir = sb.root.join("flagged");
    // (arguments, environment, expected on stderr)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        (&["dir", "-v"], &[], "found by: platform default"),
        (
            &["-v", "dir"],
            &[("UV_CACHE_DIR", "/somewhere/env")],
            "found by: UV_CACHE_DIR",
        ),
        (
            &["dir", "-v", "--cache-dir", flag_dir.to_str().unwrap()],
            &[("UV_CACHE_DIR", "/somewhere/env")],
            "found by: --cache-dir",
        ),
    ];
    for (args, env, expected) in cases {
        let mut cmd = sb.uvcache();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let run = Run::of(&mut cmd).ok();
        assert!(run.stderr.contains(expected), "{args:?}: {run:#?}");
        assert!(
            run.stderr.contains("does not exist yet"),
            "none of these exist: {run:#?}"
        );
        // stdout stays just the path.
        assert!(Path::new(run.line()).is_absolute(), "{run:#?}");
    }
    fs::create_dir_all(&flag_dir).unwrap();
    let run = Run::of(
        sb.uvcache()
            .args(["dir", "-v", "--cache-dir", flag_dir.to_str().unwrap()]),
    )
    .ok();
    assert!(run.stderr.contains("found by: --cache-dir"), "{run:#?}");
    assert!(!run.stderr.contains("does not exist"), "{run:#?}");
    // Without -v, nothing on stderr.
    let run = Run::of(sb.uvcache().arg("dir")).ok();
    assert_eq!(run.stderr, "", "{run:#?}");
}

#[test]
fn dir_json_has_root_rule_and_exists() {
    let sb = Sandbox::new();
    let v = Run::of(sb.uvcache().args(["dir", "--json"])).ok().json();
    assert_eq!(
        v["root"].as_str(),
        Some(sb.cache_home.join("uv").to_str().unwrap())
    );
    assert_eq!(rule_name(&v["rule"]), "platform-default", "{v:#}");
    assert_eq!(v["exists"], Value::Bool(false), "{v:#}");
    // Asking does not create it.
    assert!(!sb.cache_home.join("uv").exists());

    let dir = sb.root.join("there");
    fs::create_dir(&dir).unwrap();
    let v = Run::of(
        sb.uvcache()
            .args(["--json", "dir"])
            .env("UV_CACHE_DIR", &dir),
    )
    .ok()
    .json();
    assert_eq!(v["root"].as_str(), Some(dir.to_str().unwrap()));
    assert_eq!(rule_name(&v["rule"]), "env", "{v:#}");
    assert_eq!(v["exists"], Value::Bool(true), "{v:#}");

    let v = Run::of(
        sb.uvcache()
            .args(["dir", "--json", "--cache-dir", dir.to_str().unwrap()]),
    )
    .ok()
    .json();
    assert_eq!(rule_name(&v["rule"]), "flag", "{v:#}");
    assert_eq!(v["exists"], Value::Bool(true), "{v:#}");
}

#[test]
fn warns_when_the_uv_on_path_disagrees() {
    let sb = Sandbox::new();
    let fake = sb.fake_uv(
        "#!/bin/sh\n\
         case \"$1\" in\n\
         --version) echo 'uv 0.13.9 (fake 2025-01-01)' ;;\n\
         cache) echo /somewhere/else/uv-cache ;;\n\
         *) exit 2 ;;\n\
         esac\n",
    );
    let run = Run::of(sb.uvcache().arg("dir")).ok();
    assert_eq!(Path::new(run.line()), sb.cache_home.join("uv"), "{run:#?}");
    assert!(
        run.stderr.contains("warning")
            && run.stderr.contains("/somewhere/else/uv-cache")
            && run.stderr.contains(fake.to_str().unwrap()),
        "{run:#?}"
    );
    // --quiet silences the warning, not the answer.
    let run = Run::of(sb.uvcache().args(["dir", "-q"])).ok();
    assert_eq!(run.stderr, "", "{run:#?}");
    assert_eq!(Path::new(run.line()), sb.cache_home.join("uv"));

    // With a cache to scan, the warning comes and the scan still succeeds.
    let f = fixture(FixtureKind::Current);
    let run = Run::of(
        sb.uvcache()
            .args(["size", "--bytes", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok();
    assert!(run.stderr.contains("/somewhere/else/uv-cache"), "{run:#?}");
    assert_eq!(run.line(), du_bytes(&f.cache).to_string());
    // The uv on PATH decides which release the buckets are classified against.
    let v = Run::of(
        sb.uvcache()
            .args(["size", "--json", "-q", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok()
    .json();
    assert_eq!(v["uv"]["version"], "0.13.9", "{:#}", v["uv"]);
    assert!(
        v["uv"]["from"].as_str().unwrap_or("").contains("--version"),
        "{:#}",
        v["uv"]
    );
}

/// A uv on PATH outside the bucket table is named, for scans and removals.
#[test]
fn warns_when_the_uv_on_path_is_outside_the_bucket_table() {
    let f = fixture(FixtureKind::Current);
    for (version, words) in [("0.0.1", "older than"), ("99.0.0", "newer than")] {
        let sb = Sandbox::new();
        sb.fake_uv(&format!(
            "#!/bin/sh\ncase \"$1\" in\n--version) echo 'uv {version}' ;;\n*) exit 2 ;;\nesac\n"
        ));
        for args in [&["size"][..], &["prune", "--dry-run"]] {
            let run = Run::of(sb.uvcache().args(args).arg("--cache-dir").arg(&f.cache)).ok();
            assert!(
                run.stderr
                    .contains(&format!("uv {version} is {words} uvcache's bucket table")),
                "{args:?}: {run:#?}"
            );
        }
    }
}

#[test]
fn no_warning_when_the_uv_on_path_agrees() {
    let sb = Sandbox::new();
    sb.fake_uv(&format!(
        "#!/bin/sh\n\
         case \"$1\" in\n\
         --version) echo 'uv 0.13.9 (fake 2025-01-01)' ;;\n\
         cache) echo '{}' ;;\n\
         *) exit 2 ;;\n\
         esac\n",
        sb.cache_home.join("uv").display()
    ));
    let run = Run::of(sb.uvcache().arg("dir")).ok();
    assert_eq!(run.stderr, "", "{run:#?}");
    assert_eq!(Path::new(run.line()), sb.cache_home.join("uv"));
}

#[test]
fn uv_on_path_of_an_older_release_marks_current_buckets_stale() {
    let sb = Sandbox::new();
    sb.fake_uv(&format!(
        "#!/bin/sh\n\
         case \"$1\" in\n\
         --version) echo 'uv {UV_OLD} (fake 2025-01-01)' ;;\n\
         *) exit 2 ;;\n\
         esac\n"
    ));
    let f = fixture(FixtureKind::Current);
    let v = Run::of(
        sb.uvcache()
            .args(["size", "--json", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok()
    .json();
    assert_eq!(v["uv"]["version"], UV_OLD, "{:#}", v["uv"]);
    let wheels = v["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "wheels-v8")
        .unwrap();
    assert_eq!(wheels["current"], Value::Bool(false), "{wheels:#}");
    assert_eq!(wheels["class"], "stale", "{wheels:#}");
    // --uv-version overrides the uv on PATH.
    let v = Run::of(
        sb.uvcache()
            .args(["size", "--json", "--uv-version", UV_CURRENT, "--cache-dir"])
            .arg(&f.cache),
    )
    .ok()
    .json();
    assert_eq!(v["uv"]["version"], UV_CURRENT);
    assert!(
        v["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["current"] == Value::Bool(true)),
        "{:#}",
        v["buckets"]
    );
}

fn fixture_size_json(sb: &Sandbox) -> Value {
    let f = fixture(FixtureKind::Current);
    Run::of(
        sb.uvcache()
            .args(["size", "--json", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok()
    .json()
}

#[test]
fn size_json_on_the_current_fixture_matches_du_and_uv() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let v = fixture_size_json(&sb);
    // The root is reported resolved (the fixture path may pass through a link).
    let root = f.cache.canonicalize().unwrap();
    assert_eq!(v["root"].as_str(), Some(root.to_str().unwrap()), "{v:#}");
    let total = &v["total"];
    for key in [
        "logical_bytes",
        "disk_bytes",
        "reclaimable_bytes",
        "files",
        "dirs",
    ] {
        assert!(total[key].is_u64(), "total.{key}: {total:#}");
    }
    let disk = total["disk_bytes"].as_u64().unwrap();
    assert_eq!(disk, du_bytes(&f.cache), "total.disk_bytes vs du -s -B1");
    assert_eq!(
        disk,
        uv_cache_size(UV_CURRENT, &f.cache),
        "total.disk_bytes vs uv cache size"
    );
    assert!(total["reclaimable_bytes"].as_u64().unwrap() <= disk);
    assert!(total["files"].as_u64().unwrap() > 0);

    let buckets = v["buckets"].as_array().expect("buckets is an array");
    let names: Vec<&str> = buckets.iter().filter_map(|b| b["name"].as_str()).collect();
    for expected in [
        "wheels-v8",
        "sdists-v11",
        "simple-v28",
        "archive-v0",
        "git-v2",
        "environments-v2",
        "interpreter-v5",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for b in buckets {
        let name = b["name"].as_str().unwrap();
        let (prefix, version) = name.rsplit_once("-v").unwrap();
        assert_eq!(b["version"].as_u64(), version.parse().ok(), "{b:#}");
        let kind = b["kind"].as_str().unwrap_or_else(|| panic!("{b:#}"));
        assert_eq!(kind, prefix, "{b:#}");
        assert_eq!(b["current"], Value::Bool(true), "{b:#}");
        for key in [
            "logical_bytes",
            "disk_bytes",
            "reclaimable_bytes",
            "files",
            "dirs",
        ] {
            assert!(b[key].is_u64(), "{name}.{key}: {b:#}");
        }
        assert!(b["disk_bytes"].as_u64().unwrap() <= disk);
    }
    let bucket_disk: u64 = buckets
        .iter()
        .map(|b| b["disk_bytes"].as_u64().unwrap())
        .sum();
    assert!(bucket_disk <= disk, "{bucket_disk} > {disk}");
    assert_eq!(v["errors"]["undecodable"], 0, "{:#}", v["errors"]);
}

#[test]
fn size_bytes_prints_exactly_the_disk_total() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let run = Run::of(
        sb.uvcache()
            .args(["size", "--bytes", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok();
    assert_eq!(run.stdout, format!("{}\n", du_bytes(&f.cache)));
    assert_eq!(run.stderr, "", "{run:#?}");
    // With one scan thread the answer is the same.
    let run = Run::of(
        sb.uvcache()
            .args(["--threads", "1", "size", "--bytes", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok();
    assert_eq!(run.stdout, format!("{}\n", du_bytes(&f.cache)));
}

#[test]
fn size_human_output_names_every_bucket_without_colour() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let v = fixture_size_json(&sb);
    let run = Run::of(sb.uvcache().arg("size").arg("--cache-dir").arg(&f.cache)).ok();
    for b in v["buckets"].as_array().unwrap() {
        let name = b["name"].as_str().unwrap();
        assert!(
            run.stdout.lines().any(|l| l.starts_with(name)),
            "no row for {name}: {run:#?}"
        );
    }
    assert!(
        run.stdout.lines().any(|l| l.starts_with("TOTAL")),
        "{run:#?}"
    );
    assert!(
        !run.stdout.contains('\x1b'),
        "ANSI escape with NO_COLOR: {run:#?}"
    );
    assert!(!run.stderr.contains('\x1b'), "{run:#?}");
    // With no command and stdout not a terminal, the size report is printed.
    let bare = Run::of(sb.uvcache().arg("--cache-dir").arg(&f.cache)).ok();
    let strip = |s: &str| {
        s.lines()
            .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&bare.stdout), strip(&run.stdout));

    // `--color never` without NO_COLOR: still plain; `--color always`: styled.
    let plain = Run::of(
        sb.uvcache()
            .env_remove("NO_COLOR")
            .args(["size", "--color", "never", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok();
    assert!(!plain.stdout.contains('\x1b'), "{plain:#?}");
    let styled = Run::of(
        sb.uvcache()
            .env_remove("NO_COLOR")
            .args(["size", "--color", "always", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok();
    assert!(styled.stdout.contains("\x1b["), "{styled:#?}");
}

fn list_json(sb: &Sandbox, args: &[&str]) -> Value {
    let f = fixture(FixtureKind::Current);
    Run::of(
        sb.uvcache()
            .args(["list", "--json"])
            .args(args)
            .arg("--cache-dir")
            .arg(&f.cache),
    )
    .ok()
    .json()
}

fn package_names(v: &Value) -> Vec<String> {
    v["packages"]
        .as_array()
        .unwrap_or_else(|| panic!("no packages array: {v:#}"))
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn list_json_lists_alpha_with_both_versions() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let v = list_json(&sb, &[]);
    let root = f.cache.canonicalize().unwrap();
    assert_eq!(v["root"].as_str(), Some(root.to_str().unwrap()));
    let pkgs = v["packages"].as_array().unwrap();
    assert_eq!(v["total_packages"].as_u64(), Some(pkgs.len() as u64));
    let alpha = pkgs
        .iter()
        .find(|p| p["name"] == "alpha")
        .unwrap_or_else(|| panic!("no alpha: {v:#}"));
    assert_eq!(alpha["versions"], serde_json::json!(["2.0.0", "1.0.0"]));
    assert!(alpha["disk_bytes"].as_u64().unwrap() > 0, "{alpha:#}");
    assert!(
        alpha["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "index"),
        "{alpha:#}"
    );
    // Default order: largest on disk first.
    let sizes: Vec<u64> = pkgs
        .iter()
        .map(|p| p["disk_bytes"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
}

#[test]
fn list_sort_limit_and_bucket_filters() {
    let sb = Sandbox::new();
    let all = list_json(&sb, &[]);
    let total = all["total_packages"].as_u64().unwrap();
    assert!(total > 2);

    let by_name = package_names(&list_json(&sb, &["--sort", "name"]));
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    assert_eq!(by_name.len() as u64, total);

    let limited = list_json(&sb, &["--sort", "name", "--limit", "2"]);
    assert_eq!(package_names(&limited), by_name[..2]);
    assert_eq!(limited["total_packages"].as_u64(), Some(total));

    let mut sdists = package_names(&list_json(&sb, &["--bucket", "sdists"]));
    sdists.sort();
    assert_eq!(
        sdists,
        [
            "beta",
            "delta",
            "editpkg",
            "gitpkg",
            "localsdist",
            "pathpkg"
        ]
    );

    // The human table says how many were left out.
    let f = fixture(FixtureKind::Current);
    let run = Run::of(
        sb.uvcache()
            .args(["list", "--sort", "name", "--limit", "2", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok();
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert!(rows[0].starts_with("PACKAGE"), "{run:#?}");
    assert!(
        rows[1].starts_with(&by_name[0]) && rows[2].starts_with(&by_name[1]),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains(&format!("{} more", total - 2)),
        "{run:#?}"
    );
}

#[test]
fn list_rejects_an_unknown_bucket_kind() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let run = Run::of(
        sb.uvcache()
            .args(["list", "--bucket", "nope", "--cache-dir"])
            .arg(&f.cache),
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("nope"), "{run:#?}");
    assert_eq!(run.stdout, "");
}

#[test]
fn show_accepts_any_spelling() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    for spelling in ["ALPHA", "Alpha", "alpha"] {
        let run = Run::of(
            sb.uvcache()
                .args(["show", spelling, "--cache-dir"])
                .arg(&f.cache),
        )
        .ok();
        assert!(run.stdout.starts_with("alpha"), "{spelling}: {run:#?}");
        for version in ["version 2.0.0", "version 1.0.0"] {
            assert!(run.stdout.contains(version), "{spelling}: {run:#?}");
        }
    }
}

#[test]
fn show_of_a_missing_or_invalid_package() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let run = Run::of(
        sb.uvcache()
            .args(["show", "nothere", "--cache-dir"])
            .arg(&f.cache),
    );
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stdout.contains("nothere") || run.stderr.contains("nothere"),
        "{run:#?}"
    );
    let run = Run::of(
        sb.uvcache()
            .args(["show", "not a name!", "--cache-dir"])
            .arg(&f.cache),
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("not a name!"), "{run:#?}");
}

#[test]
fn show_json_lists_entries_with_bucket_kind_path_and_source() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let v = Run::of(
        sb.uvcache()
            .args(["show", "alpha", "--json", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok()
    .json();
    assert_eq!(v["package"], "alpha");
    for key in [
        "logical_bytes",
        "disk_bytes",
        "reclaimable_bytes",
        "files",
        "dirs",
    ] {
        assert!(v["sizes"][key].is_u64(), "sizes.{key}: {v:#}");
    }
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for e in entries {
        assert!(!e["bucket"].is_null(), "{e:#}");
        assert!(e["kind"].is_string(), "{e:#}");
        let path = e["path"].as_str().unwrap_or_else(|| panic!("{e:#}"));
        assert!(f.cache.join(path).exists(), "{path} is not in the cache");
        assert!(e["source"]["kind"].is_string(), "{e:#}");
    }
    let kinds: Vec<&str> = entries.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(
        kinds.contains(&"wheel") && kinds.contains(&"archive"),
        "{kinds:?}"
    );
    for version in ["1.0.0", "2.0.0"] {
        assert!(
            entries.iter().any(|e| e["version"] == version),
            "{version}: {v:#}"
        );
    }
    let disk: u64 = v["sizes"]["disk_bytes"].as_u64().unwrap();
    assert!(disk > 0);
}

#[test]

fn show_json_bucket_is_the_bucket_name() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let v = Run::of(
        sb.uvcache()
            .args(["show", "alpha", "--json", "--cache-dir"])
            .arg(&f.cache),
    )
    .ok()
    .json();
    for e in v["entries"].as_array().unwrap() {
        let bucket = e["bucket"].as_str().unwrap_or_else(|| panic!("{e:#}"));
        let path = e["path"].as_str().unwrap();
        assert!(path.starts_with(&format!("{bucket}/")), "{e:#}");
    }
}

#[test]
fn missing_cache_is_an_error_and_nothing_is_created() {
    let sb = Sandbox::new();
    let parent = sb.root.join("missing");
    let cache = parent.join("x");
    for args in [
        vec!["size"],
        vec!["size", "--json"],
        vec!["list"],
        vec!["show", "alpha"],
    ] {
        let run = Run::of(sb.uvcache().args(&args).arg("--cache-dir").arg(&cache));
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(
            run.stderr.contains(cache.to_str().unwrap()),
            "{args:?}: the message names the path: {run:#?}"
        );
        assert!(!run.stderr.contains("panicked"), "{run:#?}");
        assert!(!parent.exists(), "{args:?} created {}", parent.display());
    }
    let run = Run::of(sb.uvcache().args(["--cache-dir", "/nonexistent/x", "size"]));
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("/nonexistent/x"), "{run:#?}");
    assert!(!Path::new("/nonexistent").exists());
    // `dir` only reports it.
    let v = Run::of(
        sb.uvcache()
            .args(["dir", "--json", "--cache-dir"])
            .arg(&cache),
    )
    .ok()
    .json();
    assert_eq!(v["exists"], Value::Bool(false));
    assert!(!parent.exists());
}

#[test]
fn size_help_explains_the_three_sizes() {
    let sb = Sandbox::new();
    let run = Run::of(sb.uvcache().args(["size", "--help"])).ok();
    let text = run.stdout.to_lowercase();
    for word in [
        "logical",
        "on disk",
        "reclaimable",
        "hard link",
        "du -s -b1",
    ] {
        assert!(
            text.contains(word),
            "`{word}` missing from size --help: {run:#?}"
        );
    }
}

/// Runs uvcache with stdout a pipe whose reading end is already closed.
fn into_closed_pipe(sb: &Sandbox, args: &[&OsStr]) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = sb
        .uvcache()
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr,
    }
}

#[test]
fn a_closed_stdout_does_not_panic() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    let cache = f.cache.as_os_str();
    let flag = OsStr::new("--cache-dir");
    let human: [&[&str]; 5] = [
        &["size"],
        &["list"],
        &["show", "alpha"],
        &["dir"],
        &["size", "--bytes"],
    ];
    for args in human {
        let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        all.extend([flag, cache]);
        let run = into_closed_pipe(&sb, &all);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {run:#?}");
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
        assert_eq!(run.stderr, "", "{args:?}: {run:#?}");
    }
    for args in [
        &["size", "--json"][..],
        &["list", "--json"],
        &["show", "alpha", "--json"],
        &["dir", "--json"],
    ] {
        let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        all.extend([flag, cache]);
        let run = into_closed_pipe(&sb, &all);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {run:#?}");
        assert_ne!(run.code, -1, "killed by a signal: {args:?}: {run:#?}");
    }
}

#[test]

fn json_into_a_closed_stdout_exits_quietly() {
    let sb = Sandbox::new();
    let f = fixture(FixtureKind::Current);
    for args in [
        &["size", "--json"][..],
        &["list", "--json"],
        &["show", "alpha", "--json"],
        &["dir", "--json"],
    ] {
        let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        all.extend([OsStr::new("--cache-dir"), f.cache.as_os_str()]);
        let run = into_closed_pipe(&sb, &all);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (0, ""),
            "{args:?}: {run:#?}"
        );
    }
}

/// Every file under `dir` (relative paths), to check that nothing was removed.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for item in fs::read_dir(&d).unwrap() {
            let path = item.unwrap().path();
            out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A project directory with a repository, sources and notes, as uvcache must never empty it.
fn fake_project(dir: &Path, pyproject: &str) -> Vec<PathBuf> {
    fs::create_dir_all(dir.join(".git/refs")).unwrap();
    fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::create_dir_all(dir.join("src/proj")).unwrap();
    fs::write(dir.join("src/proj/__init__.py"), "print('hi')\n").unwrap();
    fs::write(dir.join("pyproject.toml"), pyproject).unwrap();
    files_under(dir)
}

#[test]
fn an_empty_cache_dir_setting_is_refused_like_uv_and_nothing_is_removed() {
    let sb = Sandbox::new();
    let project = sb.work.join("proj");
    let pyproject =
        "[project]\nname = \"proj\"\nversion = \"0.1.0\"\n\n[tool.uv]\ncache-dir = \"\"\n";
    let before = fake_project(&project, pyproject);
    // uv itself refuses it.
    let uv = Run::of(sb.real_uv().current_dir(&project).args(["cache", "dir"]));
    assert_eq!(uv.code, 2, "{uv:#?}");
    assert!(
        uv.stderr.contains("cannot make an empty path absolute"),
        "{uv:#?}"
    );
    let file = project.join("pyproject.toml");
    for args in [
        &["clean", "--yes"][..],
        &["prune", "--yes"],
        &["clean", "--dry-run"],
        &["size"],
        &["dir"],
    ] {
        let run = Run::of(sb.uvcache().current_dir(&project).args(args));
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        let expected = format!(
            "invalid cache directory from cache-dir in {}",
            file.display()
        );
        assert!(run.stderr.contains(&expected), "{args:?}: {run:#?}");
        assert!(run.stderr.contains("empty"), "{args:?}: {run:#?}");
        assert_eq!(files_under(&project), before, "{args:?} removed files");
    }
    // The same from a project's uv.toml, and from the user's uv.toml.
    fs::write(project.join("uv.toml"), "cache-dir = ''\n").unwrap();
    let before = files_under(&project);
    let run = Run::of(sb.uvcache().current_dir(&project).args(["clean", "--yes"]));
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("uv.toml: the path is empty"),
        "{run:#?}"
    );
    assert_eq!(files_under(&project), before);
    let user = sb.config_home.join("uv/uv.toml");
    fs::create_dir_all(user.parent().unwrap()).unwrap();
    fs::write(&user, "cache-dir = \"\"\n").unwrap();
    let home_files = fake_project(&sb.home.join("code"), "[project]\nname = \"x\"\n");
    let run = Run::of(sb.uvcache().current_dir(&sb.home).args(["clean", "--yes"]));
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains(user.to_str().unwrap()), "{run:#?}");
    assert_eq!(files_under(&sb.home.join("code")), home_files);
    let uv = Run::of(sb.real_uv().current_dir(&sb.home).args(["cache", "dir"]));
    assert_eq!(uv.code, 2, "{uv:#?}");
}

#[test]
fn an_empty_uv_cache_dir_or_cache_dir_flag_is_an_error_like_uv() {
    let sb = Sandbox::new();
    let before = fake_project(&sb.work, "[project]\nname = \"w\"\n");
    // uv 0.13.9 refuses UV_CACHE_DIR="" (even next to --cache-dir) and --cache-dir "".
    for args in [
        &["cache", "dir"][..],
        &["cache", "dir", "--cache-dir", "/tmp/x"],
    ] {
        let uv = Run::of(sb.real_uv().env("UV_CACHE_DIR", "").args(args));
        assert_eq!(uv.code, 2, "{args:?}: {uv:#?}");
    }
    let uv = Run::of(sb.real_uv().args(["cache", "dir", "--cache-dir", ""]));
    assert_eq!(uv.code, 2, "{uv:#?}");
    let cache = sb.root.join("cache");
    for args in [
        vec!["dir"],
        vec!["clean", "--yes"],
        vec!["prune", "--yes"],
        vec!["clean", "--yes", "--cache-dir", cache.to_str().unwrap()],
    ] {
        let run = Run::of(sb.uvcache().env("UV_CACHE_DIR", "").args(&args));
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(
            run.stderr
                .contains("invalid cache directory from UV_CACHE_DIR: it is set but empty"),
            "{args:?}: {run:#?}"
        );
    }
    for run in [
        Run::of(sb.uvcache().args(["clean", "--yes", "--cache-dir", ""])),
        Run::of(
            sb.uvcache()
                .env("UVCACHE_CACHE_DIR", "")
                .args(["clean", "--yes"]),
        ),
    ] {
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(run.stderr.contains("--cache-dir"), "{run:#?}");
    }
    assert_eq!(files_under(&sb.work), before);
}

#[test]
fn a_regular_file_as_the_cache_is_an_error_for_commands_that_need_the_cache() {
    let sb = Sandbox::new();
    let file = sb.root.join("not-a-dir");
    fs::write(&file, "precious\n").unwrap();
    // uv: `cache dir` prints it, `cache clean` / `cache prune` fail with exit 2.
    let uv = Run::of(
        sb.real_uv()
            .arg("cache")
            .arg("dir")
            .arg("--cache-dir")
            .arg(&file),
    )
    .ok();
    assert_eq!(uv.line(), file.to_str().unwrap());
    for cmd in ["clean", "prune"] {
        let uv = Run::of(sb.real_uv().args(["cache", cmd, "--cache-dir"]).arg(&file));
        assert_eq!(uv.code, 2, "{cmd}: {uv:#?}");
    }
    let project = sb.work.join("p");
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join("uv.toml"),
        format!("cache-dir = \"{}\"\n", file.display()),
    )
    .unwrap();
    let apply = |setting: &str, c: &mut Command| match setting {
        "--cache-dir" => {
            c.arg("--cache-dir").arg(&file);
        }
        "UV_CACHE_DIR" => {
            c.env("UV_CACHE_DIR", &file);
        }
        _ => {
            c.current_dir(&project);
        }
    };
    for setting in ["--cache-dir", "UV_CACHE_DIR", "cache-dir in"] {
        for args in [
            &["clean", "--yes"][..],
            &["prune", "--yes"],
            &["clean", "--dry-run"],
            &["clean", "alpha==1.0", "--yes"],
            &["size"],
        ] {
            let mut cmd = sb.uvcache();
            apply(setting, &mut cmd);
            let run = Run::of(cmd.args(args));
            assert_eq!(run.code, 2, "{setting} {args:?}: {run:#?}");
            let expected = format!("invalid cache directory from {setting}");
            assert!(
                run.stderr.contains(&expected),
                "{setting} {args:?}: {run:#?}"
            );
            let expected = format!("`{}` is not a directory", file.display());
            assert!(
                run.stderr.contains(&expected),
                "{setting} {args:?}: {run:#?}"
            );
            assert_eq!(fs::read_to_string(&file).unwrap(), "precious\n");
        }
        // `dir` only prints it, as `uv cache dir` does.
        let mut cmd = sb.uvcache();
        apply(setting, &mut cmd);
        let run = Run::of(cmd.arg("dir")).ok();
        assert_eq!(run.line(), file.to_str().unwrap());
    }
}

#[test]
fn removal_refuses_a_directory_that_is_not_a_uv_cache() {
    let sb = Sandbox::new();
    let home = sb.root.join("someone");
    fake_project(&home, "[project]\nname = \"x\"\n");
    fs::write(home.join(".bashrc"), "export X=1\n").unwrap();
    fs::write(home.join(".lock"), "").unwrap();
    let before = files_under(&home);
    let clean = |extra: &[&str]| {
        Run::of(
            sb.uvcache()
                .args(["--uv-version", UV_CURRENT, "--cache-dir"])
                .arg(&home)
                .args(extra),
        )
    };
    for args in [
        &["clean", "--yes"][..],
        &["prune", "--yes"],
        &["prune", "--ci", "--yes"],
    ] {
        let run = clean(args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        let expected = format!(
            "`{}` does not look like a uv cache: no CACHEDIR.TAG, no uv bucket \
             (found 4 other entries: .bashrc, .git, pyproject.toml, src)",
            home.display()
        );
        assert!(run.stderr.contains(&expected), "{args:?}: {run:#?}");
        assert!(run.stderr.contains("Nothing was removed"), "{run:#?}");
        assert!(run.stderr.contains("--allow-non-cache-dir"), "{run:#?}");
        assert_eq!(files_under(&home), before, "{args:?} removed files");
    }
    // A dry run shows the plan with a warning.
    let run = clean(&["clean", "--dry-run"]).ok();
    assert!(
        run.stderr.contains("does not look like a uv cache"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("dry run"), "{run:#?}");
    assert_eq!(files_under(&home), before);
    // An explicit flag removes what uv would (everything but the lock).
    let run = clean(&["clean", "--yes", "--allow-non-cache-dir"]).ok();
    assert!(run.stderr.contains("removing from it anyway"), "{run:#?}");
    assert_eq!(files_under(&home), vec![PathBuf::from(".lock")]);

    // Empty or missing: nothing to remove, no refusal.
    let run = clean(&["clean", "--yes"]).ok();
    assert!(!run.stderr.contains("does not look like"), "{run:#?}");
    let missing = sb.root.join("missing");
    let run = Run::of(
        sb.uvcache()
            .args(["prune", "--yes", "--cache-dir"])
            .arg(&missing),
    )
    .ok();
    assert!(!run.stderr.contains("does not look like"), "{run:#?}");
    assert!(!missing.exists());

    // The tag, or a single bucket (even a newer uv's), makes a cache.
    for marker in ["CACHEDIR.TAG", "wheels-v99"] {
        let dir = sb.root.join(format!("with-{marker}"));
        fs::create_dir_all(dir.join("junk")).unwrap();
        if marker == "CACHEDIR.TAG" {
            fs::write(
                dir.join(marker),
                "Signature: 8a477f597d28d172789f06886806bc55\n",
            )
            .unwrap();
        } else {
            fs::create_dir_all(dir.join(marker)).unwrap();
        }
        let run = Run::of(
            sb.uvcache()
                .args(["--uv-version", UV_CURRENT, "clean", "--yes", "--cache-dir"])
                .arg(&dir),
        )
        .ok();
        assert!(!run.stderr.contains("does not look like"), "{run:#?}");
        assert!(!dir.join("junk").exists(), "{marker}");
    }
}

#[test]
fn a_real_uv_cache_is_recognized_as_one() {
    let f = fixture(FixtureKind::Current);
    assert_eq!(
        uvcache::engine::locate::recognize(&f.cache).unwrap(),
        uvcache::engine::locate::RootVerdict::Cache
    );
    let sb = Sandbox::new();
    let run = Run::of(
        sb.uvcache()
            .args([
                "--uv-version",
                UV_CURRENT,
                "prune",
                "--dry-run",
                "--cache-dir",
            ])
            .arg(&f.cache),
    )
    .ok();
    assert!(!run.stderr.contains("does not look like"), "{run:#?}");
}

#[test]
fn a_uv_version_older_than_the_bucket_table_is_refused() {
    let sb = Sandbox::new();
    for v in ["0.0.1", "0"] {
        let run = Run::of(sb.uvcache().args(["--uv-version", v, "dir"]));
        assert_eq!(run.code, 2, "{v}: {run:#?}");
        assert!(
            run.stderr.contains(
                "is older than every release uvcache knows the bucket names of (the oldest is 0.0.5)"
            ),
            "{v}: {run:#?}"
        );
    }
    Run::of(sb.uvcache().args(["--uv-version", "0.0.5", "dir"])).ok();
}
