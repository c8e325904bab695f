//! `uvcache clean [PACKAGE...]`: remove packages, or everything.

use std::process::ExitCode;

use clap::Args;

use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use super::remove::{RemoveFlags, run_plan, target};
use crate::engine::names::is_valid_name;
use crate::engine::remove::plan::{plan_clean, plan_clean_all};
use crate::engine::remove::select::{Selector, plan_select_many};

/// Arguments of `uvcache clean`.
///
/// `clean NAME...` removes what `uv cache clean NAME...` removes. `NAME==VERSION`
/// (several at once: `clean a==1.0 b==2.0`), `--source` or `--include-editable`
/// select entries surgically instead: matching wheels with their pointers,
/// source versions or shards, and archives nothing else links to; Simple API
/// pages stay.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Packages to remove (any spelling; `NAME==VERSION` for one version);
    /// none removes everything but the lock file.
    #[arg(value_name = "PACKAGE")]
    packages: Vec<String>,
    /// Only entries from this source: pypi, index, url, path, editable, git,
    /// or a URL prefix (e.g. an index URL).
    #[arg(long, value_name = "SOURCE")]
    source: Option<String>,
    /// Also remove the package's editable builds (uv's clean leaves them).
    #[arg(long)]
    include_editable: bool,
    #[command(flatten)]
    flags: RemoveFlags,
}

/// Plans and runs the clean, exactly as `uv cache clean` of the owning release.
pub fn run(global: &GlobalArgs, args: &CleanArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let specs: Vec<Selector> = args.packages.iter().map(|p| Selector::parse(p)).collect();
    if let Some(bad) = specs.iter().find(|s| !is_valid_name(&s.package)) {
        anyhow::bail!("`{}` is not a valid package name", bad.package);
    }
    let surgical =
        args.source.is_some() || args.include_editable || specs.iter().any(|s| s.version.is_some());
    if surgical {
        if specs.is_empty() {
            anyhow::bail!("--source and --include-editable need a package (NAME or NAME==VERSION)");
        }
        let plain = args.source.is_none() && !args.include_editable;
        if plain && let Some(bare) = specs.iter().find(|s| s.version.is_none()) {
            anyhow::bail!(
                "`{}` has no version while others do: `clean NAME` removes what `uv cache clean NAME` \
                 removes and `clean NAME==VERSION` one version; run them as two commands",
                bare.package
            );
        }
        let selectors: Vec<Selector> = specs
            .iter()
            .map(|spec| Selector {
                source: args.source.clone(),
                include_editable: args.include_editable,
                ..spec.clone()
            })
            .collect();
        let snap = open_snapshot(global, printer)?;
        let root = snap.root.path.clone();
        return run_plan(global, &args.flags, printer, &root, &|| {
            plan_select_many(&snap, &selectors)
        });
    }
    let Some(target) = target(global, &args.flags, printer)? else {
        return Ok(ExitCode::SUCCESS);
    };
    run_plan(global, &args.flags, printer, &target.root, &|| {
        if args.packages.is_empty() {
            plan_clean_all(&target)
        } else {
            plan_clean(&target, &args.packages)
        }
    })
}
