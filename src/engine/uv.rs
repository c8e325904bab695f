//! The installed uv: where it is and which release it is.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::layout::{UvVersion, infer_release, release_for};
use super::model::UvRelease;

/// Finds `uv` on `PATH` (or the `UV` environment variable's path if it names
/// an executable).
pub fn find_uv() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("UV")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
    {
        return Some(p);
    }
    let path = std::env::var_os("PATH")?;
    let exe = if cfg!(windows) { "uv.exe" } else { "uv" };
    std::env::split_paths(&path)
        .map(|d| d.join(exe))
        .find(|p| p.is_file())
}

/// Runs `uv --version` and parses the release number.
pub fn uv_version(uv: &Path) -> Option<UvVersion> {
    let out = Command::new(uv)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Decides which uv release owns the cache: `--uv-version`, else the uv on
/// `PATH`, else the newest release whose buckets are present.
pub fn resolve_release(
    flag: Option<UvVersion>,
    uv: Option<&Path>,
    top_level_dirs: &[String],
) -> UvRelease {
    let (version, from) = if let Some(v) = flag {
        (v, "--uv-version".to_string())
    } else if let Some(v) = uv.and_then(uv_version) {
        (
            v,
            format!(
                "{} --version",
                uv.map(|p| p.display().to_string()).unwrap_or_default()
            ),
        )
    } else if let Some(r) = infer_release(top_level_dirs.iter().map(String::as_str)) {
        (r.last, "inferred from the buckets present".to_string())
    } else {
        let newest = super::layout::releases()
            .last()
            .map_or(UvVersion(0, 13, 9), |r| r.last);
        (
            newest,
            "no uv found and no buckets: assuming the newest known release".to_string(),
        )
    };
    let (_, newer_than_table) = release_for(version);
    let older_than_table = super::layout::releases()
        .first()
        .is_some_and(|r| version < r.first);
    UvRelease {
        version,
        from,
        newer_than_table,
        older_than_table,
    }
}
