//! `uvcache list`: one row per package.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::super::output::{Table, Tone, bytes};
use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use super::roots::{SearchArgs, known_roots};
use crate::engine::freshness::{FreshnessState, newest_index_page, unix_seconds};
use crate::engine::layout::BucketKind;
use crate::engine::query::{SortKey, packages, sort_packages};
use crate::engine::roots::{LastUse, last_uses, usage};
use crate::text::escape;
use std::path::Path;

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
    let now = SystemTime::now();
    let index_pages: Vec<Option<FreshnessState>> = pkgs
        .iter()
        .map(|p| newest_index_page(&snap, &p.ids, now))
        .collect();
    // The known roots (no discovery walk: `uvcache roots --discover` finds more).
    let known = known_roots(&snap, &SearchArgs::default(), printer);
    let usage = usage(&snap, known.roots);
    let uses = last_uses(&snap, &usage);
    let last: Vec<Option<LastUse>> = pkgs
        .iter()
        .map(|p| uses.newest(p.ids.iter().copied()))
        .collect();
    let users: Vec<Vec<&Path>> = pkgs
        .iter()
        .map(|p| {
            let mut u: Vec<&Path> = p.ids.iter().flat_map(|id| usage.users_of(*id)).collect();
            u.sort();
            u.dedup();
            u
        })
        .collect();
    if global.json {
        let rows: Vec<serde_json::Value> = pkgs
            .iter()
            .zip(&index_pages)
            .zip(&users)
            .zip(&last)
            .map(|(((p, f), u), l)| {
                let mut v = serde_json::to_value(p).unwrap_or_default();
                v["last_used"] = serde_json::to_value(l).unwrap_or_default();
                v["index_page"] = serde_json::to_value(f).unwrap_or_default();
                v["used_by"] = json!(u.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>());
                v
            })
            .collect();
        printer.json(&json!({ "root": snap.root.path.to_string_lossy(), "total_packages": total, "packages": rows }))?;
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
            "LAST USED",
            "INDEX PAGE",
            "USED BY",
        ],
        &[
            false, false, false, true, true, true, true, true, false, false, true,
        ],
    );
    for (((p, page), u), l) in pkgs.iter().zip(&index_pages).zip(&users).zip(&last) {
        let versions = match p.versions.len() {
            0 => "-".to_string(),
            1..=3 => p.versions.join(", "),
            n => format!("{}, … ({n})", p.versions[..2].join(", ")),
        };
        t.row(vec![
            escape(&p.name).into_owned(),
            escape(&versions).into_owned(),
            p.sources.join(","),
            bytes(p.sizes.logical_bytes),
            bytes(p.sizes.disk_bytes),
            bytes(p.sizes.reclaimable_bytes),
            age(now, p.newest),
            age(now, p.oldest),
            l.map_or_else(
                || "-".to_string(),
                |l| format!("{} {}", age(now, Some(l.at)), l.signal.label()),
            ),
            page_label(page.as_ref(), now),
            u.len().to_string(),
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

pub use crate::engine::report::{age, span as age_secs};

fn page_label(state: Option<&FreshnessState>, now: SystemTime) -> String {
    let now = unix_seconds(now);
    match state {
        None => "-".to_string(),
        Some(FreshnessState::Fresh { until }) => {
            format!("fresh {}", age_secs(until.saturating_sub(now)))
        }
        Some(FreshnessState::Stale { since }) => {
            format!("stale {}", age_secs(now.saturating_sub(*since)))
        }
        Some(s) => s.label().to_string(),
    }
}
