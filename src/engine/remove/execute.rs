//! Applying a removal plan: stage by stage in plan order (referrers before the
//! data they point to), each path re-checked right before it goes, symlinks
//! removed as links and never followed, failures collected and the rest
//! carried on.
//!
//! The stages are strictly ordered: every item of one stage is done before
//! any item of the next starts. Within a stage the items, and inside a
//! directory item its sub-directories, are removed in parallel on a small
//! pool of threads (unlinking waits on the file system more than on the
//! CPU): `min(16, max(4, 4 x cores))` threads by default, or as many as the
//! environment variable `UVCACHE_REMOVE_THREADS` says; `1` removes item by
//! item on the calling thread, in plan order, as the sequential removal
//! does. Counts are summed from per-thread tallies and are exact (see
//! `fsops` for files with several links), errors are reported in plan order,
//! and the progress reported only grows.

use std::path::{Component, Path};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use serde::Serialize;

use super::fsops::{ItemResult, Root, Tally};
use super::lock::CacheLock;
use super::plan::{Plan, PlanItem, Stage};
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

/// Removes everything in `plan`, stage after stage (see the module's
/// documentation), relative to a descriptor of the cache root (see `fsops`):
/// what is counted is what was really removed.
/// The caller holds the cache lock (or chose `--force`), which `_lock`
/// witnesses; [`super::apply`] is the way in that re-selects under the lock.
pub fn execute(plan: &Plan, _lock: &CacheLock, reporter: &dyn Reporter) -> Outcome {
    let mut out = Outcome::default();
    let threads = threads();
    let pool = if threads > 1 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("uvcache-remove-{i}"))
            // Room for the deepest tree a walk descends (`MAX_DEPTH` levels).
            .stack_size(32 << 20)
            .build()
            .ok()
    } else {
        None
    };
    let root = match plan
        .root
        .canonicalize()
        .and_then(|r| Ok((Root::open(&r)?, r)))
    {
        Ok((fd, _)) => fd.parallel(pool.is_some()),
        Err(e) => {
            out.errors.push(Issue {
                path: plan.root.clone(),
                message: format!("cannot open the cache root: {e}"),
            });
            return out;
        }
    };
    let total = plan.items.len() as u64;
    let run = Run {
        root: &root,
        template: Tally {
            clones: crate::engine::scan::extents::Clones::of(&plan.root),
            ..Tally::default()
        },
        abort_after: fault_injection(),
        removed: AtomicU64::new(0),
        done: Mutex::new(0),
        total,
        reporter,
    };
    reporter.removal(0, total);
    let mut results: Vec<(ItemOutcome, Tally)> = Vec::with_capacity(plan.items.len());
    // One stage after the other: all of a stage's items are done before the next's start.
    for stage in plan.items.chunk_by(|a, b| a.stage == b.stage) {
        match &pool {
            Some(pool) => {
                let mut done = Vec::with_capacity(stage.len());
                pool.install(|| {
                    stage
                        .par_iter()
                        .map(|item| run.item(item))
                        .collect_into_vec(&mut done)
                });
                results.append(&mut done);
            }
            None => results.extend(stage.iter().map(|item| run.item(item))),
        }
    }
    reporter.removal(total, total);

    // `results` is in plan order, and so are the errors.
    let mut tally = run.template;
    for ((result, t), item) in results.into_iter().zip(&plan.items) {
        tally.add(&t);
        match result {
            ItemOutcome::Removed => out.removed_items += 1,
            ItemOutcome::Vanished => out.vanished += 1,
            ItemOutcome::Failed(message) => out.errors.push(Issue {
                path: item.path.clone(),
                message,
            }),
        }
    }
    out.removed_files = tally.files;
    out.removed_dirs = tally.dirs;
    out.uv_reported_bytes = tally.file_bytes;
    out.reclaimed_bytes = (tally.file_bytes + tally.dir_bytes).saturating_sub(tally.cloned_bytes);
    out.cloned_bytes = tally.cloned_bytes;
    out
}

/// How one item went, for the outcome.
enum ItemOutcome {
    Removed,
    Vanished,
    Failed(String),
}

/// What the items of one execution share, from whichever thread removes them.
struct Run<'a> {
    root: &'a Root,
    /// The settings every item's tally starts from.
    template: Tally,
    abort_after: Option<u64>,
    /// Items removed whole so far (for the fault injection).
    removed: AtomicU64,
    /// Items done so far, reported under the lock so that reports only grow.
    done: Mutex<u64>,
    total: u64,
    reporter: &'a dyn Reporter,
}

impl Run<'_> {
    fn item(&self, item: &PlanItem) -> (ItemOutcome, Tally) {
        let mut tally = self.template;
        let result = self.remove(item, &mut tally);
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *done += 1;
        if *done < self.total {
            self.reporter.removal(*done, self.total);
        }
        (result, tally)
    }

    fn remove(&self, item: &PlanItem, tally: &mut Tally) -> ItemOutcome {
        if let Err(message) = check_plain(&item.path) {
            return ItemOutcome::Failed(message);
        }
        let pointers_first = item.stage <= Stage::Data && holds_pointers(&item.path);
        match self
            .root
            .remove(&item.path, item.dirs > 0, pointers_first, tally)
        {
            ItemResult::Removed { error: None } => {
                let removed = self.removed.fetch_add(1, Ordering::SeqCst) + 1;
                if self.abort_after == Some(removed) {
                    std::process::abort();
                }
                ItemOutcome::Removed
            }
            ItemResult::Removed {
                error: Some(message),
            } => ItemOutcome::Failed(format!("partly removed: {message}")),
            ItemResult::Vanished => ItemOutcome::Vanished,
            ItemResult::Refused(message) => ItemOutcome::Failed(message),
        }
    }
}

/// Threads removing at once: `UVCACHE_REMOVE_THREADS` when set to a positive
/// number (at most 256), else four per core, at least 4 and at most 16 (on a
/// 2-core machine with a virtual disk, removing 0.5 M files took 90 s on one
/// thread, 37 s on 4 and 24 s on 8: the threads wait on the file system).
fn threads() -> usize {
    if let Some(n) = std::env::var("UVCACHE_REMOVE_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return n.min(256);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores * 4).clamp(4, 16)
}

/// Crash tests set `UVCACHE_FAULT_ABORT_AFTER=N` to kill the process (abort,
/// no clean-up) right after the N-th item is removed whole (counted across
/// the threads: whichever item makes it N).
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
