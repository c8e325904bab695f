//! `uvcache size`: totals and per-bucket sizes.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::super::output::{Table, Tone, bytes};
use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use crate::engine::layout::TopLevel;
use crate::engine::model::{Bucket, ScanErrors, Sizes, Snapshot, UvRelease};
use crate::text::{Escaped, escape};

/// Arguments of `uvcache size`.
#[derive(Debug, Args, Default)]
pub struct SizeArgs {
    /// Print only the on-disk total in bytes (like `uv cache size` does when piped).
    #[arg(long)]
    bytes: bool,
}

#[derive(Serialize)]
struct SizeJson<'a> {
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    root: &'a std::path::Path,
    root_rule: &'a crate::engine::locate::RootRule,
    uv: &'a UvRelease,
    total: Sizes,
    buckets: Vec<BucketJson<'a>>,
    errors: &'a ScanErrors,
    elapsed_ms: u64,
    index: &'a crate::engine::scan::store::IndexReport,
}

#[derive(Serialize)]
struct BucketJson<'a> {
    name: &'a str,
    kind: Option<&'static str>,
    version: Option<u32>,
    current: bool,
    class: TopLevel,
    entries: u64,
    #[serde(flatten)]
    sizes: Sizes,
}

/// Prints the size report.
pub fn run(global: &GlobalArgs, args: &SizeArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let snap = open_snapshot(global, printer)?;
    if args.bytes {
        printer.out(&snap.total.disk_bytes.to_string())?;
        return Ok(ExitCode::SUCCESS);
    }
    if global.json {
        printer.json(&to_json(&snap))?;
        return Ok(ExitCode::SUCCESS);
    }
    for line in render(&snap, printer) {
        printer.out(&line)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(snap: &Snapshot) -> SizeJson<'_> {
    SizeJson {
        root: &snap.root.path,
        root_rule: &snap.root.rule,
        uv: &snap.uv,
        total: snap.total,
        buckets: snap
            .buckets
            .iter()
            .map(|b| BucketJson {
                name: &b.name,
                kind: b.kind.map(|k| k.as_str()),
                version: b.version,
                current: b.class == TopLevel::Current,
                class: b.class,
                entries: b.entries,
                sizes: b.sizes,
            })
            .collect(),
        errors: &snap.errors,
        elapsed_ms: snap.elapsed_ms,
        index: &snap.index,
    }
}

fn state(b: &Bucket, printer: &Printer) -> String {
    match b.class {
        TopLevel::Current => printer.paint(Tone::Good, "current"),
        TopLevel::Stale => printer.paint(Tone::Warn, "other uv"),
        _ => printer.paint(Tone::Bad, "unknown"),
    }
}

/// The human report: header, bucket table, total.
pub fn render(snap: &Snapshot, printer: &Printer) -> Vec<String> {
    let mut lines = vec![
        format!(
            "{} {} ({})",
            printer.paint(Tone::Bold, "Cache:"),
            Escaped(&snap.root.path),
            snap.root.rule
        ),
        format!(
            "{} {} ({})",
            printer.paint(Tone::Bold, "uv:"),
            snap.uv.version,
            snap.uv.from
        ),
        String::new(),
    ];
    let mut t = Table::new(
        &[
            "BUCKET",
            "STATE",
            "ENTRIES",
            "FILES",
            "LOGICAL",
            "ON DISK",
            "RECLAIMABLE",
        ],
        &[false, false, true, true, true, true, true],
    );
    let mut buckets: Vec<&Bucket> = snap.buckets.iter().collect();
    buckets.sort_by_key(|b| std::cmp::Reverse(b.sizes.disk_bytes));
    for b in buckets {
        t.row(vec![
            escape(&b.name).into_owned(),
            state(b, printer),
            b.entries.to_string(),
            b.sizes.files.to_string(),
            bytes(b.sizes.logical_bytes),
            bytes(b.sizes.disk_bytes),
            bytes(b.sizes.reclaimable_bytes),
        ]);
    }
    let root_sizes = snap.sizes_of(|id| snap.entries[id as usize].bucket.is_none());
    t.row(vec![
        "(root files)".into(),
        String::new(),
        snap.entries
            .iter()
            .filter(|e| e.bucket.is_none())
            .count()
            .to_string(),
        root_sizes.files.to_string(),
        bytes(root_sizes.logical_bytes),
        bytes(root_sizes.disk_bytes),
        bytes(root_sizes.reclaimable_bytes),
    ]);
    t.row(vec![
        printer.paint(Tone::Bold, "TOTAL"),
        String::new(),
        snap.entries.len().to_string(),
        snap.total.files.to_string(),
        printer.paint(Tone::Bold, &bytes(snap.total.logical_bytes)),
        printer.paint(Tone::Bold, &bytes(snap.total.disk_bytes)),
        printer.paint(Tone::Bold, &bytes(snap.total.reclaimable_bytes)),
    ]);
    lines.extend(t.render(printer));
    let stale: u64 = snap
        .buckets
        .iter()
        .filter(|b| b.class != TopLevel::Current)
        .map(|b| b.sizes.disk_bytes)
        .sum();
    if let Some(as_of) = snap.index.reclaimable_as_of {
        lines.push(String::new());
        lines.push(format!(
            "Reclaimable sizes count links from outside the cache as of {} ago (the scan index); `--rescan` counts them now.",
            super::list::age(std::time::SystemTime::now(), Some(as_of))
        ));
    }
    if let Some(c) = &snap.index.changes
        && let Some(what) = crate::engine::report::growth(c)
    {
        lines.push(String::new());
        lines.push(format!(
            "Since the last scan {} ago: {what}.",
            super::list::age(std::time::SystemTime::now(), c.since)
        ));
    }
    if stale > 0 {
        lines.push(String::new());
        lines.push(format!(
            "{} on disk in buckets uv {} does not use (`uv cache prune` removes them).",
            bytes(stale),
            snap.uv.version
        ));
    }
    lines
}
