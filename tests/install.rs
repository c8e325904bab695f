//! Installing uvcache as users of uv install tools: shell completions that load and complete,
//! a manual page that renders, and a Python wheel of the binary that the real uv installs as a
//! tool.

mod support;

use std::process::Command;

use support::uvcache_command;

fn stdout_of(args: &[&str]) -> String {
    let out = uvcache_command().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn bash_completion_loads_and_completes_commands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("uvcache.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap();
    let complete = |line: &str| -> String {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source {script}; complete -p uvcache >/dev/null || exit 9; \
             COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT={point}; \
             _uvcache uvcache '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script = script.display(),
            words = words.join(" "),
            cword = words.len() - 1,
            point = line.len(),
            cur = words[words.len() - 1],
            prev = words[words.len() - 2],
        );
        let out = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let commands = complete("uvcache cl");
    assert_eq!(commands.trim(), "clean", "{commands}");
    let flags = complete("uvcache prune --max-");
    assert!(
        flags.contains("--max-age") && flags.contains("--max-size"),
        "{flags}"
    );
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(
            script.contains("uvcache") && script.contains("prune"),
            "{shell}: {script}"
        );
    }
}

#[test]
fn the_manual_page_renders() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH uvcache 1"),
        "{page}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("uvcache.1");
    std::fs::write(&file, &page).unwrap();
    let out = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("`man` runs (Debian: man-db; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NAME"), "{text}");
    assert!(text.contains("uvcache - Explore and manage"), "{text}");
    assert!(text.contains("prune"), "{text}");
    // One page per command with --dir.
    let pages = dir.path().join("pages");
    stdout_of(&["man", "--dir", pages.to_str().unwrap()]);
    for name in [
        "uvcache.1",
        "uvcache-clean.1",
        "uvcache-prune.1",
        "uvcache-roots.1",
    ] {
        assert!(pages.join(name).is_file(), "{name}");
    }
}

/// `uv tool install` of the wheel maturin builds (the way `uv tool install uvcache` and
/// `uvx uvcache` get it from PyPI): offline, from the wheel file, with the real uv; the tool
/// answers `--version` and measures a cache made by uv.
#[test]
fn the_wheel_installs_as_a_uv_tool() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = tempfile::tempdir().unwrap();
    // The test profile's target directory: dependencies built for the tests are reused.
    let build = Command::new(support::maturin_bin())
        .args(["build", "--profile", "dev", "--quiet", "--out"])
        .arg(out_dir.path())
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env(
            "CARGO_TARGET_DIR",
            support::target_dir().join("maturin-build"),
        )
        .output()
        .expect("maturin runs");
    assert!(
        build.status.success(),
        "maturin build: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    let wheel = std::fs::read_dir(out_dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("a wheel");
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("uvcache-0.1.0-py3-none-"), "{name}");

    let f = support::fixture(support::FixtureKind::Current);
    let work = tempfile::tempdir().unwrap();
    let tool_cache = work.path().join("uv-cache");
    support::run_uv(
        support::UV_CURRENT,
        &tool_cache,
        work.path(),
        [
            std::ffi::OsStr::new("tool"),
            "install".as_ref(),
            "--offline".as_ref(),
            wheel.as_os_str(),
        ],
    );
    let exe = work.path().join("tools-bin").join("uvcache");
    assert!(exe.is_file(), "{} is installed", exe.display());
    let version = Command::new(&exe).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        "uvcache 0.1.0"
    );
    let size = Command::new(&exe)
        .args([
            "size",
            "--json",
            "--no-index",
            "--uv-version",
            support::UV_CURRENT,
        ])
        .arg("--cache-dir")
        .arg(&f.cache)
        .output()
        .unwrap();
    assert!(
        size.status.success(),
        "{}",
        String::from_utf8_lossy(&size.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&size.stdout).unwrap();
    assert!(v["total"]["disk_bytes"].as_u64().unwrap() > 0, "{v}");
}
