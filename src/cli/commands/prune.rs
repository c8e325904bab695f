//! `uvcache prune [--ci | --unused]`: remove what nothing uses.

use std::process::ExitCode;

use clap::Args;

use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use super::remove::{RemoveFlags, run_plan, target};
use super::roots::{SearchArgs, known_roots, report_known};
use crate::engine::remove::plan::plan_prune;
use crate::engine::remove::select::plan_unused;
use crate::engine::roots::usage;

/// Arguments of `uvcache prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Also drop pre-built wheels and unpacked sources, keeping wheels built
    /// from source (what a CI cache should keep).
    #[arg(long)]
    ci: bool,
    /// Instead of uv's prune: remove the wheels, built source revisions and
    /// archives that no known environment was installed from (see `uvcache
    /// roots`; --discover and --search find more first). Refused when no
    /// environment is known.
    #[arg(long, conflicts_with = "ci")]
    unused: bool,
    #[command(flatten)]
    search: SearchArgs,
    #[command(flatten)]
    flags: RemoveFlags,
}

/// Plans and runs the prune, exactly as `uv cache prune` of the owning release
/// (or, with `--unused`, what no known root uses).
pub fn run(global: &GlobalArgs, args: &PruneArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let Some(target) = target(global, &args.flags, printer)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if !args.unused {
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
        .map(|r| {
            format!(
                "{} ({})",
                crate::text::Escaped(&r.root.path),
                r.root.kind.as_str()
            )
        })
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
    run_plan(global, &args.flags, printer, &target.root, &|| {
        plan_unused(&snap, &usage)
    })
}
