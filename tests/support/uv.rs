//! Running uv with an isolated environment, and measuring disk usage.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::provision::{python_exe, uv_bin};

/// Removes every `UV_*` variable and other settings of the calling environment that could change
/// what uv does, and sets the settings shared by all invocations.
fn isolate(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key_str = key.to_string_lossy();
        if key_str.starts_with("UV_")
            || matches!(
                key_str.as_ref(),
                "VIRTUAL_ENV" | "CONDA_PREFIX" | "PYTHONPATH" | "PYTHONHOME" | "PIP_FIND_LINKS"
            )
        {
            cmd.env_remove(&key);
        }
    }
    cmd.env("UV_NO_CONFIG", "1")
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_NO_PROGRESS", "1")
        .env("UV_LINK_MODE", "hardlink")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0");
}

/// A `Command` for uv `version` using `cache`, with an environment confined to `work`:
///
/// * cwd `work`; `HOME`, `XDG_{CACHE,CONFIG,DATA,STATE,BIN}_HOME` under `work/home`;
/// * `UV_CACHE_DIR=<cache>`, `UV_TOOL_DIR=<work>/tools`, `UV_TOOL_BIN_DIR=<work>/tools-bin`;
/// * `UV_NO_CONFIG=1`, `UV_PYTHON_DOWNLOADS=never`, `UV_NO_PROGRESS=1`, `UV_LINK_MODE=hardlink`;
/// * the directory of [`python_exe`] first on `PATH`, and `UV_PYTHON` set to it;
/// * all other `UV_*` variables of the caller removed.
///
/// No index is configured: add `--default-index`/`UV_DEFAULT_INDEX` when a command needs one.
pub fn uv_command(version: &str, cache: &Path, work: &Path) -> Command {
    let home = work.join("home");
    for dir in [
        "",
        ".cache",
        ".config",
        ".local/share",
        ".local/state",
        ".local/bin",
    ] {
        let _ = fs::create_dir_all(home.join(dir));
    }
    let python = python_exe();
    let python_dir = python.parent().expect("python has a parent directory");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(python_dir.to_path_buf()).chain(std::env::split_paths(&path)),
    )
    .expect("valid PATH");

    let mut cmd = Command::new(uv_bin(version));
    isolate(&mut cmd);
    cmd.current_dir(work)
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("XDG_BIN_HOME", home.join(".local/bin"))
        .env("UV_CACHE_DIR", cache)
        .env("UV_TOOL_DIR", work.join("tools"))
        .env("UV_TOOL_BIN_DIR", work.join("tools-bin"))
        .env("UV_PYTHON", &python)
        .env("PATH", path);
    cmd
}

/// Renders a command line for messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs a command, panicking with its output unless it exits successfully.
pub(crate) fn checked(mut cmd: Command) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", describe(&cmd)));
    if !output.status.success() {
        panic!(
            "`{}` (cwd {:?}) failed with {}\n--- stdout\n{}\n--- stderr\n{}",
            describe(&cmd),
            cmd.get_current_dir().unwrap_or(Path::new(".")),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

/// Runs uv `version` with [`uv_command`]'s environment and returns its output, whatever the
/// exit status.
pub fn try_run_uv<I, S>(version: &str, cache: &Path, work: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = uv_command(version, cache, work);
    cmd.args(args);
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", describe(&cmd)))
}

/// Like [`try_run_uv`] but panics (showing stdout and stderr) unless uv exits with 0.
pub fn run_uv<I, S>(version: &str, cache: &Path, work: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = uv_command(version, cache, work);
    cmd.args(args);
    checked(cmd)
}

/// Installs `reqs` into a new virtual environment with `uv pip install
/// --offline` from `index` (the fixture's index URL, which offline mode
/// never contacts): what a cache must still serve after a removal.
pub fn install_offline(
    version: &str,
    cache: &Path,
    index: &str,
    reqs: &[&str],
) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let venv = work.path().join("venv");
    let out = try_run_uv(
        version,
        cache,
        work.path(),
        [OsStr::new("venv"), OsStr::new("-q"), venv.as_os_str()],
    );
    if !out.status.success() {
        return Err(format!("uv venv: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let python = venv.join("bin/python");
    let fixed = ["pip", "install", "--offline", "--index-url", index, "-p"];
    let mut args: Vec<&OsStr> = fixed.iter().map(OsStr::new).collect();
    args.push(python.as_os_str());
    args.extend(reqs.iter().map(OsStr::new));
    let out = try_run_uv(version, cache, work.path(), args);
    if !out.status.success() {
        return Err(format!(
            "offline install of {reqs:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Disk usage of `path` in bytes as reported by `du -s -B1` (allocated blocks, hard links
/// counted once, symlinks not followed).
pub fn du_bytes(path: &Path) -> u64 {
    let mut cmd = Command::new("du");
    cmd.arg("-s").arg("-B1").arg("--").arg(path);
    let output = checked(cmd);
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected `du` output: {stdout:?}"))
}

/// `uv cache size --preview-features cache-size --cache-dir <cache>` of uv `version`, in bytes
/// (uv prints raw bytes when stdout is not a terminal).
pub fn uv_cache_size(version: &str, cache: &Path) -> u64 {
    let mut cmd = Command::new(uv_bin(version));
    isolate(&mut cmd);
    // uv refuses to run with a working directory inside the cache ("The project directory ...
    // is inside the cache directory"), so run it from outside.
    cmd.current_dir(
        cache
            .parent()
            .filter(|p| p.is_dir())
            .unwrap_or(Path::new("/")),
    )
    .args([
        "cache",
        "size",
        "--preview-features",
        "cache-size",
        "--cache-dir",
    ])
    .arg(absolute(cache));
    let output = checked(cmd);
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.trim().parse().unwrap_or_else(|_| {
        panic!(
            "unexpected `uv cache size` output {stdout:?} (stderr {:?})",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Absolute form of a path without resolving symlinks.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
