//! The one way black-box tests run the `uvcache` binary: a cleared
//! environment with a private home (HOME and the XDG directories under a
//! temporary directory of the test process), so that no test reads the
//! user's configuration or writes scan indexes into the user's state
//! directory, and no colour or uv setting leaks in from the caller.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The private home of this test process.
pub fn sandbox_home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("uvcache-home-")
            .tempdir()
            .expect("create the sandbox home");
        for sub in [".cache", ".config", ".local/state", ".local/share"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("create sandbox dirs");
        }
        dir
    })
    .path()
}

/// `uvcache` with a cleared environment: only `PATH` is kept (so that the
/// pinned uv can be found where a test puts it first), HOME and XDG point
/// into [`sandbox_home`], colours are off, stdin is empty. The remembered
/// roots (`UVCACHE_STATE_DIR`) are this command's own, so that environments
/// one test's `doctor` met never show up in another test; a test that needs
/// roots to persist across commands sets `UVCACHE_STATE_DIR` itself.
pub fn uvcache_command() -> Command {
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUN: AtomicU64 = AtomicU64::new(0);
    let home = sandbox_home();
    let roots_state = home.join("roots-state").join(format!(
        "{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uvcache"));
    cmd.env_clear()
        .env("UVCACHE_STATE_DIR", roots_state)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd
}

/// [`uvcache_command`] on `cache`, read as uv `version` lays it out.
pub fn uvcache_on(cache: &Path, version: &str) -> Command {
    let mut cmd = uvcache_command();
    cmd.arg("--cache-dir")
        .arg(cache)
        .args(["--uv-version", version]);
    cmd
}

/// Where the scan indexes of the sandbox live.
pub fn sandbox_state() -> PathBuf {
    sandbox_home().join(".local/state")
}
