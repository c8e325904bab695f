//! What `clean` and `prune` share: target resolution, plan display,
//! confirmation, locking and execution.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use serde_json::json;

use super::super::output::{Tone, bytes};
use super::super::{GlobalArgs, Printer};
use super::{check_removable, locate_root};
use crate::engine::execute::execute;
use crate::engine::lock::{Holder, LockObserver, lock_exclusive, lock_timeout};
use crate::engine::plan::{Plan, Stage, Target};
use crate::engine::progress::Reporter;
use crate::engine::scan::top_level_dirs;
use crate::engine::uv::{find_uv, resolve_release};

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
            root.path.display(),
            root.rule
        ));
        return Ok(None);
    }
    let dirs = top_level_dirs(&root.path);
    let uv = resolve_release(global.uv_version, find_uv().as_deref(), &dirs);
    let root_path = root.path.canonicalize()?;
    Ok(Some(Target {
        root: root_path,
        uv_version: uv.version,
    }))
}

/// Prints a plan grouped by reason, with totals and warnings.
pub fn print_plan(plan: &Plan, printer: &Printer) -> anyhow::Result<()> {
    let mut groups: Vec<(&str, Stage, u64, u64, Vec<&std::path::Path>)> = Vec::new();
    for item in &plan.items {
        match groups.iter_mut().find(|g| g.0 == item.reason) {
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
            "{} ({} items, {} files, {})",
            printer.paint(Tone::Bold, reason),
            paths.len(),
            files,
            bytes(*disk)
        ))?;
        let shown = if verbose {
            paths.len()
        } else {
            paths.len().min(8)
        };
        for p in &paths[..shown] {
            printer.out(&format!("  {}", p.display()))?;
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
        "{} {} items: {} files, {} dirs; {} logical, {} on disk, {} reclaimable now",
        printer.paint(Tone::Bold, "Total:"),
        plan.items.len(),
        t.files,
        t.dirs,
        bytes(t.logical_bytes),
        bytes(t.disk_bytes),
        bytes(t.reclaimable_bytes)
    ))?;
    for w in &plan.warnings {
        printer.warn(w);
    }
    Ok(())
}

struct Waiting<'a>(&'a Printer);

impl LockObserver for Waiting<'_> {
    fn waiting(&self, holders: &[Holder]) {
        self.0.warn("Cache is currently in-use, waiting for other uv processes to finish (use `--force` to override)");
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
            eprint!("\r\x1b[2KRemoving: {done}/{total} items");
            if done == total {
                eprint!("\r\x1b[2K");
            }
        }
    }
}

/// Shows the plan, asks, locks, executes, reports. Exit 0 ok, 1 declined, 2 errors.
pub fn run_plan(
    global: &GlobalArgs,
    flags: &RemoveFlags,
    printer: &Printer,
    plan: Plan,
) -> anyhow::Result<ExitCode> {
    if flags.dry_run {
        if global.json {
            printer.json(&plan)?;
        } else if plan.is_empty() {
            printer.out("Nothing to remove.")?;
        } else {
            print_plan(&plan, printer)?;
            printer.out(&printer.paint(Tone::Dim, "(dry run: nothing was removed)"))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if plan.is_empty() {
        if global.json {
            printer.json(&json!({ "plan": plan, "outcome": null }))?;
        } else {
            printer.out("No cache entries found")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !flags.yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "refusing to remove without --yes when stdin is not a terminal (use --dry-run to preview)"
            );
        }
        print_plan(&plan, printer)?;
        eprint!("Remove these {} items? [y/N] ", plan.items.len());
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            printer.out("Nothing removed.")?;
            return Ok(ExitCode::from(1));
        }
    }
    let lock = lock_exclusive(&plan.root, lock_timeout(), flags.force, &Waiting(printer))?;
    let reporter = RemovalLine {
        enabled: !global.quiet && !global.json && std::io::stderr().is_terminal(),
    };
    let outcome = execute(&plan, &lock, &reporter);
    drop(lock);
    if global.json {
        printer.json(&json!({ "plan": plan, "outcome": outcome }))?;
    } else {
        printer.out(&summary(
            outcome.removed_files,
            outcome.removed_dirs,
            outcome.uv_reported_bytes,
        ))?;
        printer.out(&format!("Freed {} on disk", bytes(outcome.reclaimed_bytes)))?;
        for e in &outcome.errors {
            printer.warn(&format!(
                "could not remove {}: {}",
                e.path.display(),
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

/// uv's summary line: `Removed N files (X)`.
pub fn summary(files: u64, dirs: u64, uv_bytes: u64) -> String {
    crate::engine::report::removed_summary(files, dirs, uv_bytes)
}
