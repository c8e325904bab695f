//! `uvcache prune [--ci]`: remove what nothing uses, as uv does; with a policy
//! (`--unused`, `--max-age`, `--keep-versions`, `--max-size`, `--min-free`), what no known
//! environment uses, chosen by the policy's rules.

use std::cell::RefCell;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Args;

use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use super::remove::{RemoveFlags, run_plan, target};
use super::roots::{SearchArgs, known_roots, report_known};
use crate::engine::names::normalize;
use crate::engine::remove::plan::plan_prune;
use crate::engine::remove::policy::{
    Budget, Policy, free_bytes, parse_age, parse_size, plan_policy,
};
use crate::engine::roots::usage;

/// Arguments of `uvcache prune`.
#[derive(Debug, Args)]
#[command(after_long_help = POLICY_HELP)]
pub struct PruneArgs {
    /// Also drop pre-built wheels and unpacked sources, keeping wheels built
    /// from source (what a CI cache should keep).
    #[arg(long, conflicts_with_all = ["unused", "max_age", "keep_versions", "max_size", "min_free"])]
    ci: bool,
    /// Policy: remove the wheels, built source revisions and archives that no
    /// known environment was installed from (see `uvcache roots`).
    #[arg(long, help_heading = "Policy (instead of uv's prune)")]
    unused: bool,
    /// Policy: remove entries no known environment uses that were last used
    /// (installed from, read or written by uv) longer ago than this: `90d`, `12h`, `2w`.
    #[arg(long, value_name = "AGE", value_parser = parse_age, help_heading = "Policy (instead of uv's prune)")]
    max_age: Option<Duration>,
    /// Policy: per package and source, keep the newest N versions (and every
    /// version an environment uses); remove the others.
    #[arg(
        long,
        value_name = "N",
        help_heading = "Policy (instead of uv's prune)"
    )]
    keep_versions: Option<usize>,
    /// Policy: remove least recently used entries (downloads before builds)
    /// until the cache's size on disk, as `uv cache size` counts it, is at
    /// most SIZE: `20GiB`, `500MB`.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Policy (instead of uv's prune)")]
    max_size: Option<u64>,
    /// Policy: remove least recently used entries until the cache's
    /// filesystem has SIZE free, counting only what removal really frees.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Policy (instead of uv's prune)")]
    min_free: Option<u64>,
    /// Policy: never remove this package (repeatable).
    #[arg(
        long,
        value_name = "PKG",
        help_heading = "Policy (instead of uv's prune)"
    )]
    keep: Vec<String>,
    #[command(flatten)]
    search: SearchArgs,
    #[command(flatten)]
    flags: RemoveFlags,
}

const POLICY_HELP: &str = "\
Without a policy flag, prune removes exactly what `uv cache prune [--ci]` of the release that
owns the cache removes.

With one or more policy flags it removes, instead, entries of this release's buckets that no
known environment uses (`uvcache roots` lists them; --discover and --search find more): whole
wheels, built source revisions and archives, each selected by a rule (an entry goes when any
rule selects it; --keep protects packages from all of them). It refuses when no environment is
known, since everything would look unused.

Exit codes: 0 done (or nothing to do), 1 declined at the prompt, 2 error, 3 a --max-size or
--min-free budget cannot be met without removing what environments use (the plan still runs).

Examples:
  uvcache prune --unused --dry-run
  uvcache prune --max-age 90d --keep-versions 2 --yes
  uvcache prune --max-size 20GiB --yes --json      (a cron job or CI step)";

/// Plans and runs the prune: uv's, or the policy's.
pub fn run(global: &GlobalArgs, args: &PruneArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let Some(target) = target(global, &args.flags, printer)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let policy = Policy {
        unused: args.unused,
        max_age: args.max_age,
        keep_versions: args.keep_versions,
        max_size: args.max_size,
        min_free: args.min_free,
        keep: args.keep.iter().map(|k| normalize(k)).collect(),
    };
    if !policy.is_set() {
        if !args.keep.is_empty() {
            anyhow::bail!(
                "--keep only applies to a policy (--unused, --max-age, --keep-versions, --max-size, --min-free)"
            );
        }
        return run_plan(global, &args.flags, printer, &target.root, &|| {
            plan_prune(&target, args.ci)
        });
    }
    let snap = open_snapshot(global, printer)?;
    let known = known_roots(&snap, &args.search, printer);
    report_known(&known, printer);
    let usage = usage(&snap, known.roots);
    let live: Vec<String> = usage
        .roots
        .iter()
        .filter(|r| r.exists)
        .map(|r| format!("{} ({})", r.root.path.display(), r.root.kind.as_str()))
        .collect();
    if live.is_empty() {
        anyhow::bail!(
            "no environment using this cache is known, so everything would count as unused; \
             find them first with `uvcache roots --discover` (or --search DIR), or register \
             them with `uvcache roots add PATH`. Nothing was removed."
        );
    }
    printer.note(&format!(
        "Keeping everything used by {} {}: {}",
        live.len(),
        if live.len() == 1 {
            "environment"
        } else {
            "environments"
        },
        live.join(", ")
    ));
    let budgets: RefCell<Vec<Budget>> = RefCell::default();
    let code = run_plan(global, &args.flags, printer, &target.root, &|| {
        let free = free_bytes(&target.root);
        let p = plan_policy(&snap, &usage, &policy, SystemTime::now(), free);
        *budgets.borrow_mut() = p.budgets;
        p.plan
    })?;
    let mut unmet = false;
    for b in budgets.borrow().iter() {
        let line = b.describe();
        if b.met {
            printer.note(&line);
        } else {
            unmet = true;
            printer.warn(&line);
        }
    }
    Ok(if unmet && code == ExitCode::SUCCESS {
        ExitCode::from(3)
    } else {
        code
    })
}
