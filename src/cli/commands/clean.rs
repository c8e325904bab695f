//! `uvcache clean [PACKAGE...]`: remove packages, or everything.

use std::process::ExitCode;

use clap::Args;

use super::super::{GlobalArgs, Printer};
use super::remove::{RemoveFlags, run_plan, target};
use crate::engine::names::is_valid_name;
use crate::engine::plan::{plan_clean, plan_clean_all};

/// Arguments of `uvcache clean`.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Packages to remove (any spelling); none removes everything but the lock.
    packages: Vec<String>,
    #[command(flatten)]
    flags: RemoveFlags,
}

/// Plans and runs the clean, exactly as `uv cache clean` of the owning release.
pub fn run(global: &GlobalArgs, args: &CleanArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    if let Some(bad) = args.packages.iter().find(|p| !is_valid_name(p)) {
        anyhow::bail!("`{bad}` is not a valid package name");
    }
    let Some(target) = target(global, printer)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let plan = if args.packages.is_empty() {
        plan_clean_all(&target)
    } else {
        plan_clean(&target, &args.packages)
    };
    run_plan(global, &args.flags, printer, plan)
}
