//! Provisioning of the pinned uv releases, the build backend and the Python interpreter.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::lock::create_once;

/// The uv release whose cache format the tests treat as "current".
pub const UV_CURRENT: &str = "0.13.9";
/// An older uv release (different bucket versions: `wheels-v6`, `sdists-v9`, `simple-v25`, ...).
pub const UV_OLD: &str = "0.12.24";
/// Pinned version of the `flit_core` build backend served by the local index.
pub const BACKEND_FLIT_CORE_VERSION: &str = "3.9.0";

/// The cargo target directory: `$CARGO_TARGET_DIR` if set, else `<manifest dir>/target`.
pub fn target_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => manifest.join(dir),
        _ => manifest.join("target"),
    }
}

fn env_var_name(version: &str) -> String {
    format!("UVCACHE_TEST_UV_{}", version.replace(['.', '-'], "_"))
}

/// Returns the path of the uv binary of exactly `version`.
///
/// Resolution order:
/// 1. env `UVCACHE_TEST_UV_<version with dots as underscores>` (e.g. `UVCACHE_TEST_UV_0_13_9`),
///    which must name an existing uv binary of that version;
/// 2. `<target dir>/uv/<version>/bin/uv`, installed by an earlier run;
/// 3. otherwise `python3 -m pip install --target <target dir>/uv/<version> uv==<version>` (into a
///    temporary sibling directory that is renamed into place, under a lock file).
///
/// The binary's `--version` output is checked. Panics with instructions if no binary can be had.
pub fn uv_bin(version: &str) -> PathBuf {
    static CACHE: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(path) = cache.lock().unwrap().get(version) {
        return path.clone();
    }
    let path = resolve_uv_bin(version);
    cache
        .lock()
        .unwrap()
        .insert(version.to_string(), path.clone());
    path
}

fn resolve_uv_bin(version: &str) -> PathBuf {
    let var = env_var_name(version);
    if let Some(value) = std::env::var_os(&var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        if !path.is_file() {
            panic!(
                "{var}={} does not name a file. Point it at a uv {version} binary, or unset it to \
                 let the tests install uv {version} into {} with pip.",
                path.display(),
                install_dir(version).display()
            );
        }
        check_uv_version(&path, version, &format!("from ${var}"));
        return path;
    }

    let dir = install_dir(version);
    let bin = dir.join("bin").join("uv");
    let result = pip_target(&dir, "uv", &format!("uv=={version}"));
    if let Err(err) = result {
        panic!(
            "uv {version} is needed by the tests but could not be provisioned.\n\
             Tried: ${var} (not set), {bin} (missing), then `python3 -m pip install --target {dir} \
             uv=={version}`, which failed:\n{err}\n\
             Fix: make PyPI reachable for pip (or configure PIP_INDEX_URL / PIP_FIND_LINKS), or \
             set {var}=/path/to/uv-{version}/bin/uv.",
            bin = bin.display(),
            dir = dir.display(),
        );
    }
    check_uv_version(&bin, version, &format!("installed in {}", dir.display()));
    bin
}

fn install_dir(version: &str) -> PathBuf {
    target_dir().join("uv").join(version)
}

fn check_uv_version(bin: &Path, version: &str, origin: &str) {
    let output = Command::new(bin)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({origin}): {e}", bin.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reported = stdout.split_whitespace().nth(1).unwrap_or("");
    if !output.status.success() || !stdout.starts_with("uv ") || reported != version {
        panic!(
            "{} ({origin}) is not uv {version}: `uv --version` printed {:?} (stderr {:?}). \
             Remove it or point {} at the right binary.",
            bin.display(),
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim(),
            env_var_name(version),
        );
    }
}

/// Runs `python3 -m pip <args>`; returns a description of the failure.
/// maturin, pinned, to build the Python wheel of the binary.
pub const MATURIN_VERSION: &str = "1.16.0";

/// The `maturin` binary, installed with pip into `target/maturin/<version>` when missing.
pub fn maturin_bin() -> PathBuf {
    let dir = target_dir().join("maturin").join(MATURIN_VERSION);
    let bin = dir.join("bin").join("maturin");
    let result = pip_target(&dir, "maturin", &format!("maturin=={MATURIN_VERSION}"));
    if let Err(err) = result {
        panic!(
            "maturin {MATURIN_VERSION} is needed to build the wheel but could not be installed \
             with `python3 -m pip install --target {}`: {err}",
            dir.display()
        );
    }
    bin
}

/// Installs `requirement` (no dependencies) with pip into `dir`, once across processes, unless
/// `dir/bin/<program>` is already there.
fn pip_target(dir: &Path, program: &str, requirement: &str) -> Result<(), String> {
    create_once(
        dir,
        |d| d.join("bin").join(program).is_file(),
        |tmp| {
            pip(
                [
                    OsStr::new("install"),
                    OsStr::new("--quiet"),
                    OsStr::new("--no-deps"),
                    OsStr::new("--target"),
                    tmp.as_os_str(),
                    OsStr::new(requirement),
                ],
                requirement,
            )
        },
    )
}

fn pip<I, S>(args: I, what: &str) -> Result<(), String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "pip"])
        .args(args)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .env("PIP_NO_INPUT", "1");
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run python3 -m pip for {what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`python3 -m pip` for {what} exited with {}\n--- stdout\n{}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Directory under `target/` holding the pinned `flit_core` wheel **and** sdist, downloaded once
/// with pip. The local index serves both so that uv can create PEP 517 build environments offline.
pub fn build_backend_wheels() -> PathBuf {
    let dir = target_dir()
        .join("uv-build-backends")
        .join(format!("flit_core-{BACKEND_FLIT_CORE_VERSION}"));
    let wheel = format!("flit_core-{BACKEND_FLIT_CORE_VERSION}-py3-none-any.whl");
    let sdist = format!("flit_core-{BACKEND_FLIT_CORE_VERSION}.tar.gz");
    let complete = |d: &Path| d.join(&wheel).is_file() && d.join(&sdist).is_file();
    let requirement = format!("flit_core=={BACKEND_FLIT_CORE_VERSION}");
    let result = create_once(&dir, complete, |tmp| {
        for (kind, flag) in [("wheel", "--only-binary"), ("sdist", "--no-binary")] {
            pip(
                [
                    OsStr::new("download"),
                    OsStr::new("--quiet"),
                    OsStr::new("--no-deps"),
                    OsStr::new(flag),
                    OsStr::new(":all:"),
                    OsStr::new("--dest"),
                    tmp.as_os_str(),
                    OsStr::new(&requirement),
                ],
                &format!("the {requirement} {kind}"),
            )?;
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!(
            "the build backend {requirement} (wheel and sdist) could not be downloaded into {}:\n\
             {err}\nFix: make PyPI reachable for pip, or place {wheel} and {sdist} in that \
             directory by hand.",
            dir.display()
        );
    }
    dir
}

/// The Python interpreter used for all fixtures: the real executable behind `python3` on PATH
/// (resolved through shims such as pyenv's, so uv sees a plain interpreter).
pub fn python_exe() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let script = "import sys\n\
                          assert sys.version_info >= (3, 8), sys.version\n\
                          print(sys.executable)";
            for candidate in [
                "python3",
                "python3.13",
                "python3.12",
                "python3.11",
                "python3.10",
            ] {
                let Ok(output) = Command::new(candidate).args(["-c", script]).output() else {
                    continue;
                };
                let exe = String::from_utf8_lossy(&output.stdout).trim().to_string();
                if output.status.success() && !exe.is_empty() && Path::new(&exe).is_file() {
                    return PathBuf::from(exe);
                }
            }
            panic!(
                "the fixtures need a Python >= 3.8 interpreter on PATH (tried python3, \
                 python3.13 .. python3.10); install one or fix PATH"
            )
        })
        .clone()
}
