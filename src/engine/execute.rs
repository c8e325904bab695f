//! Applying a removal plan: item by item in plan order (referrers before the
//! data they point to), each path re-checked right before it goes, symlinks
//! removed as links and never followed, failures collected and the rest
//! carried on.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::lock::CacheLock;
use super::model::Issue;
use super::plan::Plan;
use super::progress::Reporter;

/// What an execution did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Files and symlinks removed.
    pub removed_files: u64,
    /// Directories removed.
    pub removed_dirs: u64,
    /// Bytes as uv 0.13 reports them (single-link files' allocated blocks).
    pub uv_reported_bytes: u64,
    /// On-disk bytes freed (inodes with no link left).
    pub reclaimed_bytes: u64,
    /// Items already gone when their turn came.
    pub vanished: u64,
    /// Items that could not be removed, with the reason.
    pub errors: Vec<Issue>,
}

/// Removes everything in `plan`. The caller holds the cache lock (or chose
/// `--force`), which `_lock` witnesses.
pub fn execute(plan: &Plan, _lock: &CacheLock, reporter: &dyn Reporter) -> Outcome {
    let mut out = Outcome::default();
    let root = match plan.root.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            out.errors.push(Issue {
                path: plan.root.clone(),
                message: format!("cannot resolve the cache root: {e}"),
            });
            return out;
        }
    };
    let total = plan.items.len() as u64;
    let mut failed_bytes = 0;
    let abort_after = fault_injection();
    for (done, item) in plan.items.iter().enumerate() {
        reporter.removal(done as u64, total);
        let path = match checked_path(&root, &item.path) {
            Ok(p) => p,
            Err(message) => {
                out.errors.push(Issue {
                    path: item.path.clone(),
                    message,
                });
                continue;
            }
        };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.vanished += 1;
                continue;
            }
            Err(e) => {
                out.errors.push(Issue {
                    path: item.path.clone(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let saw_dir = item.dirs > 0;
        if meta.is_dir() != saw_dir {
            out.errors.push(Issue {
                path: item.path.clone(),
                message: "changed since the plan was made (file vs directory); left alone".into(),
            });
            failed_bytes += item.disk_bytes;
            continue;
        }
        match remove(&path, meta.is_dir()) {
            Ok(()) => {
                out.removed_files += item.files;
                out.removed_dirs += item.dirs;
                if abort_after == Some(done as u64 + 1) {
                    std::process::abort();
                }
            }
            Err(e) => {
                failed_bytes += item.disk_bytes;
                out.errors.push(Issue {
                    path: item.path.clone(),
                    message: e.to_string(),
                });
            }
        }
    }
    reporter.removal(total, total);
    let failed = !out.errors.is_empty();
    out.uv_reported_bytes = if failed {
        0
    } else {
        plan.totals.uv_reported_bytes
    };
    out.reclaimed_bytes = plan.totals.reclaimable_bytes.saturating_sub(failed_bytes);
    if failed {
        // Partial: recount what uv would report from what actually went.
        out.uv_reported_bytes = plan.totals.uv_reported_bytes.saturating_sub(failed_bytes);
    }
    out
}

/// Crash tests set `UVCACHE_FAULT_ABORT_AFTER=N` to kill the process (abort,
/// no clean-up) right after the N-th item is removed.
fn fault_injection() -> Option<u64> {
    std::env::var("UVCACHE_FAULT_ABORT_AFTER")
        .ok()?
        .parse()
        .ok()
}

/// Joins a plan path to the root after checking it can only name something
/// inside the cache: relative, plain components, not a root marker, and its
/// parent resolves inside the canonical root (no symlinked directory on the way).
fn checked_path(root: &Path, rel: &Path) -> Result<PathBuf, String> {
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) || rel.as_os_str().is_empty() {
        return Err("not a plain path inside the cache; refused".into());
    }
    if rel == Path::new(".lock") {
        return Err("the cache lock file is never removed".into());
    }
    let path = root.join(rel);
    let parent = path.parent().ok_or("no parent directory")?;
    match parent.canonicalize() {
        Ok(p) if p.starts_with(root) => Ok(path),
        Ok(p) => Err(format!(
            "resolves outside the cache (to {}); refused",
            p.display()
        )),
        Err(e) => Err(format!("cannot resolve its directory: {e}")),
    }
}

/// Removes a file, a symlink (the link itself) or a directory tree without
/// following symlinks; read-only and unsearchable directories are made
/// writable and the removal retried, as uv does.
fn remove(path: &Path, is_dir: bool) -> std::io::Result<()> {
    if !is_dir {
        return std::fs::remove_file(path);
    }
    remove_pointers_first(path);
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(first) => {
            make_writable(path);
            std::fs::remove_dir_all(path).map_err(|_| first)
        }
    }
}

/// In a directory about to go, removes what points elsewhere first (revision
/// pointers, wheel pointers, links), so a crash half way through the tree never
/// leaves a pointer naming something already deleted.
fn remove_pointers_first(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let is_link = e.file_type().is_ok_and(|t| t.is_symlink());
        let is_pointer = name.ends_with(".http") || name.ends_with(".rev");
        if is_link || (is_pointer && e.file_type().is_ok_and(|t| t.is_file())) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(unix)]
fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let mode = meta.permissions().mode();
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o700));
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&e.path());
            }
        }
    }
}

#[cfg(not(unix))]
fn make_writable(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if let Ok(meta) = e.metadata() {
                let mut perms = meta.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                perms.set_readonly(false);
                let _ = std::fs::set_permissions(e.path(), perms);
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("wheels-v8")).unwrap();
        assert!(checked_path(&root, Path::new("wheels-v8/x")).is_ok());
        assert!(checked_path(&root, Path::new("../etc")).is_err());
        assert!(checked_path(&root, Path::new("/etc")).is_err());
        assert!(checked_path(&root, Path::new(".lock")).is_err());
        assert!(checked_path(&root, Path::new("")).is_err());
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
            assert!(checked_path(&root, Path::new("escape/file")).is_err());
            // The link itself may go; its target is never touched.
            assert!(checked_path(&root, Path::new("escape")).is_ok());
        }
    }
}
