//! `uvcache show PACKAGE`: every entry of one package.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::Args;
use serde::Serialize;

use super::super::output::{Tone, bytes};
use super::super::{GlobalArgs, Printer};
use super::list::{age, age_secs};
use super::open_snapshot;
use super::roots::{SearchArgs, known_roots, report_known};
use crate::engine::freshness::{EntryFreshness, FreshnessState, of_entry, unix_seconds};
use crate::engine::model::{Entry, EntryKind, EntryState, Sizes, Snapshot};
use crate::engine::names::{is_valid_name, normalize};
use crate::engine::query::package_entries;
use crate::engine::roots::{LastUse, LastUses, Signal, Usage, last_uses, usage};
use crate::text::{Escaped, escape};
use std::path::{Path, PathBuf};

/// Arguments of `uvcache show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Package name (any spelling: `Pkg_B` and `pkg-b` are the same).
    package: String,
    /// Where to look for the environments using each entry (see `uvcache roots`).
    #[command(flatten)]
    search: SearchArgs,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    bucket: Option<&'a str>,
    archive_paths: Vec<String>,
    freshness: Option<EntryFreshness>,
    /// The known roots (environments) that use the entry.
    #[serde(serialize_with = "crate::engine::json::ser_paths")]
    used_by: Vec<PathBuf>,
    /// When it was last used, and by which signal.
    last_used: Option<LastUse>,
    /// For a local build, its source, when a known root installed it.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::engine::json::ser_opt_path"
    )]
    local_source: Option<PathBuf>,
    #[serde(flatten)]
    entry: &'a Entry,
}

/// Prints the package's entries.
pub fn run(global: &GlobalArgs, args: &ShowArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    if !is_valid_name(&args.package) {
        anyhow::bail!("`{}` is not a valid package name", args.package);
    }
    let name = normalize(&args.package);
    let snap = open_snapshot(global, printer)?;
    let entries = package_entries(&snap, &name);
    let ids: std::collections::HashSet<u32> = entries.iter().map(|e| e.id).collect();
    let sizes = snap.sizes_of(|id| ids.contains(&id));
    let usage = if entries.is_empty() {
        Usage::default()
    } else {
        let known = known_roots(&snap, &args.search, printer);
        if !global.json {
            report_known(&known, printer);
        }
        usage(&snap, known.roots)
    };
    let uses = last_uses(&snap, &usage);
    if global.json {
        let list: Vec<EntryJson<'_>> = entries
            .iter()
            .map(|e| entry_json(&snap, e, &usage, &uses))
            .collect();
        printer.json(&serde_json::json!({ "package": name, "sizes": sizes, "entries": list }))?;
    } else if entries.is_empty() {
        printer.out(&format!(
            "No cache entries for `{name}` in {}",
            Escaped(&snap.root.path)
        ))?;
    } else {
        for line in render(&snap, &name, &entries, &sizes, (&usage, &uses), printer) {
            printer.out(&line)?;
        }
    }
    Ok(if entries.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn bucket_name<'a>(snap: &'a Snapshot, e: &Entry) -> Option<&'a str> {
    e.bucket
        .and_then(|b| snap.buckets.get(b as usize))
        .map(|b| b.name.as_str())
}

fn entry_json<'a>(
    snap: &'a Snapshot,
    e: &'a Entry,
    usage: &Usage,
    uses: &LastUses,
) -> EntryJson<'a> {
    EntryJson {
        last_used: uses.of(e.id),
        local_source: usage.local_source_of(&e.source).map(Path::to_path_buf),
        used_by: usage
            .users_of(e.id)
            .into_iter()
            .map(Path::to_path_buf)
            .collect(),
        bucket: bucket_name(snap, e),
        archive_paths: e
            .detail
            .archives
            .iter()
            .map(|a| format!("archive-v0/{a}"))
            .collect(),
        freshness: of_entry(&snap.root.path, e, SystemTime::now()),
        entry: e,
    }
}

fn render(
    snap: &Snapshot,
    name: &str,
    entries: &[&Entry],
    sizes: &Sizes,
    (usage, uses): (&Usage, &LastUses),
    printer: &Printer,
) -> Vec<String> {
    let now = SystemTime::now();
    let mut lines = vec![format!(
        "{}  {} entries, {} logical, {} on disk, {} reclaimable",
        printer.paint(Tone::Bold, &escape(name)),
        entries.len(),
        bytes(sizes.logical_bytes),
        bytes(sizes.disk_bytes),
        bytes(sizes.reclaimable_bytes)
    )];
    let mut last_version = None;
    for e in entries {
        if last_version != Some(&e.version) {
            lines.push(String::new());
            lines.push(printer.paint(
                Tone::Bold,
                &format!(
                        "version {}",
                        Escaped(
                            e.version
                                .as_deref()
                                .unwrap_or("(any: index pages, unversioned entries)")
                        )
                    ),
            ));
            last_version = Some(&e.version);
        }
        let state = match e.state {
            EntryState::Current => printer.paint(Tone::Good, "current"),
            EntryState::Dangling => printer.paint(Tone::Warn, "dangling"),
            EntryState::Orphan => printer.paint(Tone::Warn, "orphan"),
            EntryState::Broken => printer.paint(Tone::Bad, "broken"),
        };
        let origin = match e.detail.built {
            Some(true) => "built from source",
            Some(false) => "downloaded",
            None => "",
        };
        lines.push(format!(
            "  {:<15} {} {}  {}  {}",
            e.kind.as_str(),
            state,
            printer.paint(Tone::Dim, origin),
            Escaped(e.source.describe()),
            bytes(e.sizes.disk_bytes)
        ));
        lines.push(format!("    path: {}", Escaped(&e.path)));
        if let Some(src) = usage.local_source_of(&e.source) {
            lines.push(format!("    source: {}", Escaped(src)));
        }
        if let Some(b) = bucket_name(snap, e) {
            let last = match uses.of(e.id) {
                Some(u) if u.signal != Signal::Written => {
                    format!(
                        "   last used: {} ago ({})",
                        age(now, Some(u.at)),
                        u.signal.label()
                    )
                }
                _ => String::new(),
            };
            lines.push(format!(
                "    bucket: {b}   written: {} ago{last}",
                age(now, e.modified)
            ));
        }
        if let Some(f) = of_entry(&snap.root.path, e, now) {
            lines.push(format!("    {}", describe_freshness(&f, now)));
        }
        if let Some(t) = &e.detail.tags {
            lines.push(format!("    tags: {}", Escaped(t)));
        }
        if let Some(f) = &e.detail.filename {
            lines.push(format!("    file: {}", Escaped(f)));
        }
        for a in &e.detail.archives {
            lines.push(format!("    links to: archive-v0/{}", Escaped(a)));
        }
        let users = usage.users_of(e.id);
        if !users.is_empty() {
            let users: Vec<String> = users.iter().map(|p| Escaped(p).to_string()).collect();
            lines.push(format!("    used by: {}", users.join(", ")));
        } else if matches!(e.kind, EntryKind::Archive | EntryKind::Wheel) {
            lines.push(printer.paint(Tone::Dim, "    used by: no known root (`uvcache roots`)"));
        }
        if !e.detail.referrers.is_empty() {
            let refs: Vec<String> = e
                .detail
                .referrers
                .iter()
                .filter_map(|r| snap.entries.get(*r as usize))
                .map(|r| Escaped(&r.path).to_string())
                .collect();
            lines.push(format!("    referenced by: {}", refs.join(", ")));
        }
        if let Some(r) = &e.detail.revision {
            let label = match e.kind {
                EntryKind::Archive | EntryKind::ArchiveEnvironment => "archive id",
                EntryKind::SdistGit | EntryKind::GitCheckout => "commit",
                _ => "revision",
            };
            lines.push(format!("    {label}: {}", Escaped(r)));
        }
        if !e.detail.contents.is_empty() {
            lines.push(format!(
                "    holds: {}",
                Escaped(e.detail.contents.join(", "))
            ));
        }
        if e.linked_out_bytes > 0 {
            lines.push(format!(
                "    {} still hard-linked from outside the cache",
                bytes(e.linked_out_bytes)
            ));
        }
        if e.cloned_bytes > 0 {
            lines.push(format!(
                "    {} shared with clones (its data stays on disk while they do)",
                bytes(e.cloned_bytes)
            ));
        }
        for n in &e.detail.notes {
            lines.push(printer.paint(Tone::Dim, &format!("    note: {}", Escaped(n))));
        }
    }
    lines
}

/// One line on how uv judges the entry now.
pub fn describe_freshness(f: &EntryFreshness, now: SystemTime) -> String {
    let now = unix_seconds(now);
    match f {
        EntryFreshness::Http { freshness, .. } => match freshness.state {
            FreshnessState::Fresh { until } => format!(
                "freshness: fresh for {} more (lifetime {}s, fetched {} ago)",
                age_secs(until.saturating_sub(now)),
                freshness.lifetime,
                age_secs(freshness.age)
            ),
            FreshnessState::Immutable { .. } => {
                "freshness: immutable (not revalidated)".to_string()
            }
            FreshnessState::Stale { since } => format!(
                "freshness: stale for {} (uv revalidates it on next use{})",
                age_secs(now.saturating_sub(since)),
                if freshness.has_validator {
                    ", cheaply: it has a validator"
                } else {
                    ""
                }
            ),
            FreshnessState::MustRevalidate { .. } => {
                "freshness: revalidated on every use".to_string()
            }
            FreshnessState::NotStorable { .. } => {
                "freshness: not reusable (fetched again on next use)".to_string()
            }
        },
        EntryFreshness::LocalBuild {
            revision, written, ..
        } => format!(
            "local build: revision {revision}, written {} ago; rebuilt when the source's cache keys change (see `uvcache why`)",
            written.map_or("?".to_string(), |w| age_secs(now.saturating_sub(w)))
        ),
    }
}
