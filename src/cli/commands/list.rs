//! `uvcache list`: one row per package.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::super::output::{Table, Tone, bytes};
use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use crate::engine::layout::BucketKind;
use crate::engine::query::{SortKey, packages, sort_packages};

/// Arguments of `uvcache list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only entries in buckets of this kind (wheels, sdists, simple, archive, ...).
    #[arg(long, value_name = "KIND")]
    bucket: Option<BucketKind>,
    /// Order: size (largest first), name, versions (most first), age (least recently written first).
    #[arg(long, value_enum, default_value_t = Sort::Size)]
    sort: Sort,
    /// Show at most N packages.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Sort {
    Size,
    Name,
    Versions,
    Age,
}

/// Prints the package table.
pub fn run(global: &GlobalArgs, args: &ListArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let snap = open_snapshot(global, printer)?;
    let mut pkgs = packages(&snap, args.bucket);
    sort_packages(
        &mut pkgs,
        match args.sort {
            Sort::Size => SortKey::Size,
            Sort::Name => SortKey::Name,
            Sort::Versions => SortKey::Versions,
            Sort::Age => SortKey::Age,
        },
    );
    let total = pkgs.len();
    pkgs.truncate(args.limit.unwrap_or(usize::MAX));
    if global.json {
        printer
            .json(&json!({ "root": snap.root.path.to_string_lossy(), "total_packages": total, "packages": pkgs }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(
        &[
            "PACKAGE",
            "VERSIONS",
            "SOURCES",
            "LOGICAL",
            "ON DISK",
            "RECLAIMABLE",
            "NEWEST",
            "OLDEST",
        ],
        &[false, false, false, true, true, true, true, true],
    );
    let now = SystemTime::now();
    for p in &pkgs {
        let versions = match p.versions.len() {
            0 => "-".to_string(),
            1..=3 => p.versions.join(", "),
            n => format!("{}, … ({n})", p.versions[..2].join(", ")),
        };
        t.row(vec![
            p.name.clone(),
            versions,
            p.sources.join(","),
            bytes(p.sizes.logical_bytes),
            bytes(p.sizes.disk_bytes),
            bytes(p.sizes.reclaimable_bytes),
            age(now, p.newest),
            age(now, p.oldest),
        ]);
    }
    for line in t.render(printer) {
        printer.out(&line)?;
    }
    if pkgs.len() < total {
        printer.out(&printer.paint(
            Tone::Dim,
            &format!("… {} more (use --limit)", total - pkgs.len()),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// "3d ago"-style age.
pub fn age(now: SystemTime, t: Option<SystemTime>) -> String {
    let Some(t) = t else { return "-".into() };
    let secs = now.duration_since(t).map_or(0, |d| d.as_secs());
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s if s < 5_184_000 => format!("{}d", s / 86_400),
        s => format!("{}mo", s / 2_592_000),
    }
}
