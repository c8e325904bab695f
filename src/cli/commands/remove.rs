//! What `clean` and `prune` share: target resolution, plan display,
//! confirmation, locking and execution.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use super::super::output::{Tone, bytes, progress_line};
use super::super::{GlobalArgs, Printer};
use super::{check_removable, locate_root};
use crate::engine::progress::Reporter;
use crate::engine::remove::lock::{
    CacheLock, Holder, LockObserver, Wait, lock_exclusive, lock_timeout,
};
use crate::engine::remove::plan::{Plan, Reason, Stage, Target};
use crate::engine::remove::{Drift, apply};
use crate::engine::scan::top_level_dirs;
use crate::engine::uv::{find_uv, resolve_release};
use crate::text::Escaped;

/// Flags of every removing command.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct RemoveFlags {
    /// Show what would be removed, and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Do not take uv's cache lock (proceed while uv processes run).
    #[arg(long)]
    pub force: bool,
    /// Remove even from a directory that does not look like a uv cache (no
    /// CACHEDIR.TAG, no uv bucket): everything in it but `.lock` goes.
    #[arg(long)]
    pub allow_non_cache_dir: bool,
}

/// The cache root and owning release, without a full scan; refuses a root that
/// is not a directory or (see [`check_removable`]) not a uv cache.
pub fn target(
    global: &GlobalArgs,
    flags: &RemoveFlags,
    printer: &Printer,
) -> anyhow::Result<Option<Target>> {
    let root = locate_root(global, printer)?;
    check_removable(&root, flags, printer)?;
    if !root.path.is_dir() {
        printer.warn(&format!(
            "No cache found at: {} ({})",
            Escaped(&root.path),
            root.rule
        ));
        return Ok(None);
    }
    let dirs = top_level_dirs(&root.path);
    let uv = resolve_release(global.uv_version, find_uv().as_deref(), &dirs);
    if let Some(warning) = uv.table_warning() {
        printer.warn(&warning);
    }
    let root_path = root.path.canonicalize()?;
    Ok(Some(Target {
        root: root_path,
        uv_version: uv.version,
    }))
}

/// Prints a plan grouped by reason, with totals and warnings.
pub fn print_plan(plan: &Plan, printer: &Printer) -> anyhow::Result<()> {
    let mut groups: Vec<(&Reason, Stage, u64, u64, Vec<&std::path::Path>)> = Vec::new();
    for item in &plan.items {
        match groups.iter_mut().find(|g| *g.0 == item.reason) {
            Some(g) => {
                g.2 += item.files;
                g.3 += item.disk_bytes;
                g.4.push(&item.path);
            }
            None => groups.push((
                &item.reason,
                item.stage,
                item.files,
                item.disk_bytes,
                vec![&item.path],
            )),
        }
    }
    let verbose = printer.verbose() > 0;
    for (reason, _, files, disk, paths) in &groups {
        printer.out(&format!(
            "{} ({}, {}, {})",
            printer.paint(Tone::Bold, &reason.to_string()),
            count(paths.len(), "item"),
            count(*files as usize, "file"),
            bytes(*disk)
        ))?;
        let shown = if verbose {
            paths.len()
        } else {
            paths.len().min(8)
        };
        for p in &paths[..shown] {
            printer.out(&format!("  {}", Escaped(p)))?;
        }
        if shown < paths.len() {
            printer.out(&printer.paint(
                Tone::Dim,
                &format!("  … {} more (-v lists all)", paths.len() - shown),
            ))?;
        }
    }
    let t = &plan.totals;
    printer.out(&format!(
        "{} {}: {}, {}; {} logical, {} on disk, {} reclaimable now",
        printer.paint(Tone::Bold, "Total:"),
        count(plan.items.len(), "item"),
        count(t.files as usize, "file"),
        count(t.dirs as usize, "dir"),
        bytes(t.logical_bytes),
        bytes(t.disk_bytes),
        bytes(t.reclaimable_bytes)
    ))?;
    for w in &plan.warnings {
        printer.warn(w);
    }
    Ok(())
}

struct Waiting<'a>(&'a Printer, std::cell::Cell<bool>);

impl LockObserver for Waiting<'_> {
    fn waiting(&self, holders: &[Holder], waited: Duration, timeout: Duration) {
        if !self.1.replace(true) {
            self.0.warn(&format!(
                "Cache is currently in-use, waiting for other uv processes to finish \
                 (up to {}s, UV_LOCK_TIMEOUT; use `--force` to override)",
                timeout.as_secs()
            ));
        } else {
            self.0.warn(&format!(
                "still waiting after {}s; the lock is now held by:",
                waited.as_secs()
            ));
        }
        for h in holders {
            self.0
                .warn(&format!("  held by pid {}: {}", h.pid, h.command));
        }
    }
}

struct RemovalLine {
    enabled: bool,
}

impl Reporter for RemovalLine {
    fn removal(&self, done: u64, total: u64) {
        if self.enabled && total > 0 {
            if done == total {
                progress_line(None);
            } else {
                progress_line(Some(&format!("Removing: {done}/{total} items")));
            }
        }
    }
}

/// Plans, shows, asks, locks, removes, reports, in uv's order: with `--yes`
/// the lock is taken before anything is selected; after a confirmation the
/// plan is selected again under the lock and only what both selections
/// contain is removed. Exit 0 ok, 1 declined, 2 errors.
pub fn run_plan(
    global: &GlobalArgs,
    flags: &RemoveFlags,
    printer: &Printer,
    root: &Path,
    make_plan: &dyn Fn() -> Plan,
) -> anyhow::Result<ExitCode> {
    run_plan_into(global, flags, printer, root, make_plan, &|v| {
        printer.json(&v)
    })
}

/// [`run_plan`], handing its `--json` document to `emit` (for a command that prints one
/// document of its own around it).
pub fn run_plan_into(
    global: &GlobalArgs,
    flags: &RemoveFlags,
    printer: &Printer,
    root: &Path,
    make_plan: &dyn Fn() -> Plan,
    emit: &dyn Fn(serde_json::Value) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    if flags.dry_run {
        let plan = make_plan();
        if global.json {
            emit(serde_json::to_value(&plan)?)?;
        } else if plan.is_empty() {
            printer.out("Nothing to remove.")?;
        } else {
            print_plan(&plan, printer)?;
            printer.out(&printer.paint(Tone::Dim, "(dry run: nothing was removed)"))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (plan, lock) = if flags.yes {
        let lock = take_lock(root, flags, printer)?;
        (make_plan().made_under(&lock), Some(lock))
    } else {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "refusing to remove without --yes when stdin is not a terminal (use --dry-run to preview)"
            );
        }
        (make_plan(), None)
    };
    if plan.is_empty() {
        if global.json {
            emit(json!({ "plan": plan, "outcome": null }))?;
        } else {
            printer.out("No cache entries found")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let lock = match lock {
        Some(lock) => lock,
        None => {
            print_plan(&plan, printer)?;
            printer.prompt(&format!(
                "Remove these {}? [y/N] ",
                count(plan.items.len(), "item")
            ))?;
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                printer.out("Nothing removed.")?;
                return Ok(ExitCode::from(1));
            }
            take_lock(root, flags, printer)?
        }
    };
    let reporter = RemovalLine {
        enabled: !global.quiet && !global.json && std::io::stderr().is_terminal(),
    };
    let applied = apply(&plan, &lock, &reporter);
    drop(lock);
    let outcome = &applied.outcome;
    if global.json {
        emit(json!({
            "plan": applied.plan,
            "outcome": outcome,
            "drift": applied.drift,
        }))?;
    } else {
        if flags.yes {
            // The plan was not shown: its warnings still are.
            for w in &applied.plan.warnings {
                printer.warn(w);
            }
        }
        report_drift(&applied.drift, printer);
        printer.out(&summary(
            outcome.removed_files,
            outcome.removed_dirs,
            outcome.uv_reported_bytes,
        ))?;
        if outcome.cloned_bytes > 0 {
            printer.out(&format!(
                "Freed {} on disk ({} stays: shared with clones)",
                bytes(outcome.reclaimed_bytes),
                bytes(outcome.cloned_bytes)
            ))?;
        } else {
            printer.out(&format!("Freed {} on disk", bytes(outcome.reclaimed_bytes)))?;
        }
        if outcome.vanished > 0 {
            printer.warn(&format!(
                "{} already gone when its turn came (removed by another process)",
                count(outcome.vanished as usize, "item was").replace("items was", "items were")
            ));
        }
        for e in &outcome.errors {
            printer.warn(&format!(
                "could not remove {}: {}",
                Escaped(&e.path),
                e.message
            ));
        }
    }
    Ok(if outcome.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Takes uv's lock as the flags say; a timeout is an error naming the holders.
fn take_lock(root: &Path, flags: &RemoveFlags, printer: &Printer) -> anyhow::Result<CacheLock> {
    Ok(lock_exclusive(
        root,
        &Wait::up_to(lock_timeout()),
        flags.force,
        &Waiting(printer, Default::default()),
    )?)
}

fn report_drift(drift: &Drift, printer: &Printer) {
    if !drift.no_longer_selected.is_empty() {
        printer.warn(&format!(
            "the cache changed while waiting for uv's lock: {} no longer selected, left alone",
            count(drift.no_longer_selected.len(), "confirmed item")
        ));
        for p in &drift.no_longer_selected {
            printer.warn(&format!("  {}", Escaped(p)));
        }
    }
    if !drift.not_confirmed.is_empty() {
        printer.warn(&format!(
            "{} selected under the lock but not confirmed, left alone (run the command again to remove)",
            count(drift.not_confirmed.len(), "item")
        ));
    }
}

/// `1 item`, `2 items`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// uv's summary line: `Removed N files (X)`.
pub fn summary(files: u64, dirs: u64, uv_bytes: u64) -> String {
    crate::engine::report::removed_summary(files, dirs, uv_bytes)
}
