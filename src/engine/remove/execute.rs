//! Applying a removal plan: item by item in plan order (referrers before the
//! data they point to), each path re-checked right before it goes, symlinks
//! removed as links and never followed, failures collected and the rest
//! carried on.

use std::path::{Component, Path};

use serde::Serialize;

use super::fsops::{ItemResult, Root, Tally};
use super::lock::CacheLock;
use super::plan::{Plan, Stage};
use crate::engine::model::Issue;
use crate::engine::progress::Reporter;

/// What an execution did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Items removed whole.
    pub removed_items: u64,
    /// Files and symlinks removed.
    pub removed_files: u64,
    /// Directories removed.
    pub removed_dirs: u64,
    /// Bytes as uv 0.13 reports them (single-link files' allocated blocks).
    pub uv_reported_bytes: u64,
    /// On-disk bytes freed (inodes with no link left), less data shared with
    /// clones.
    pub reclaimed_bytes: u64,
    /// On-disk bytes of removed files whose data clones still hold.
    pub cloned_bytes: u64,
    /// Items already gone when their turn came.
    pub vanished: u64,
    /// Items refused or not removed whole, with the reason.
    pub errors: Vec<Issue>,
}

/// Removes everything in `plan`, in its order, relative to a descriptor of
/// the cache root (see `fsops`): what is counted is what was really removed.
/// The caller holds the cache lock (or chose `--force`), which `_lock`
/// witnesses; [`super::apply`] is the way in that re-selects under the lock.
pub fn execute(plan: &Plan, _lock: &CacheLock, reporter: &dyn Reporter) -> Outcome {
    let mut out = Outcome::default();
    let root = match plan
        .root
        .canonicalize()
        .and_then(|r| Ok((Root::open(&r)?, r)))
    {
        Ok((fd, _)) => fd,
        Err(e) => {
            out.errors.push(Issue {
                path: plan.root.clone(),
                message: format!("cannot open the cache root: {e}"),
            });
            return out;
        }
    };
    let total = plan.items.len() as u64;
    let abort_after = fault_injection();
    let mut tally = Tally {
        clones: crate::engine::scan::extents::Clones::of(&plan.root),
        ..Tally::default()
    };
    for (done, item) in plan.items.iter().enumerate() {
        reporter.removal(done as u64, total);
        if let Err(message) = check_plain(&item.path) {
            out.errors.push(Issue {
                path: item.path.clone(),
                message,
            });
            continue;
        }
        let pointers_first = item.stage <= Stage::Data && holds_pointers(&item.path);
        match root.remove(&item.path, item.dirs > 0, pointers_first, &mut tally) {
            ItemResult::Removed { error: None } => {
                out.removed_items += 1;
                if abort_after == Some(done as u64 + 1) {
                    std::process::abort();
                }
            }
            ItemResult::Removed {
                error: Some(message),
            } => out.errors.push(Issue {
                path: item.path.clone(),
                message: format!("partly removed: {message}"),
            }),
            ItemResult::Vanished => out.vanished += 1,
            ItemResult::Refused(message) => out.errors.push(Issue {
                path: item.path.clone(),
                message,
            }),
        }
    }
    reporter.removal(total, total);
    out.removed_files = tally.files;
    out.removed_dirs = tally.dirs;
    out.uv_reported_bytes = tally.file_bytes;
    out.reclaimed_bytes = (tally.file_bytes + tally.dir_bytes).saturating_sub(tally.cloned_bytes);
    out.cloned_bytes = tally.cloned_bytes;
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

/// Items in the buckets whose files point at other entries (wheel and
/// revision pointers, links into the archive): their pointers go first.
fn holds_pointers(rel: &Path) -> bool {
    let top = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy())
        .unwrap_or_default();
    ["wheels-", "sdists-", "built-wheels-"]
        .iter()
        .any(|p| top.starts_with(p))
}

/// A plan path must be relative, made of plain components, and not the lock.
fn check_plain(rel: &Path) -> Result<(), String> {
    if rel.as_os_str().is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err("not a plain path inside the cache; refused".into());
    }
    if rel == Path::new(".lock") {
        return Err("the cache lock file is never removed".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_are_not_plain() {
        assert!(check_plain(Path::new("wheels-v8/x")).is_ok());
        assert!(check_plain(Path::new("../etc")).is_err());
        assert!(check_plain(Path::new("/etc")).is_err());
        assert!(check_plain(Path::new(".lock")).is_err());
        assert!(check_plain(Path::new("")).is_err());
        assert!(check_plain(Path::new("wheels-v8/./x")).is_ok());
        assert!(holds_pointers(Path::new("sdists-v9/pypi/x")));
        assert!(!holds_pointers(Path::new("archive-v0/x")));
    }
}
