//! `uvcache prune [--ci]`: remove what nothing uses.

use std::process::ExitCode;

use clap::Args;

use super::super::{GlobalArgs, Printer};
use super::remove::{RemoveFlags, run_plan, target};
use crate::engine::remove::plan::plan_prune;

/// Arguments of `uvcache prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Also drop pre-built wheels and unpacked sources, keeping wheels built
    /// from source (what a CI cache should keep).
    #[arg(long)]
    ci: bool,
    #[command(flatten)]
    flags: RemoveFlags,
}

/// Plans and runs the prune, exactly as `uv cache prune` of the owning release.
pub fn run(global: &GlobalArgs, args: &PruneArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let Some(target) = target(global, &args.flags, printer)? else {
        return Ok(ExitCode::SUCCESS);
    };
    run_plan(global, &args.flags, printer, &target.root, &|| {
        plan_prune(&target, args.ci)
    })
}
