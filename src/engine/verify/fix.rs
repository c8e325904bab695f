//! `verify --fix`: removing what is damaged as whole entries, the way a surgical clean does,
//! so that uv downloads, unzips or builds it again: a damaged archive with the wheel entries
//! (link, pointer, metadata and lock files) and built-wheel links of the current buckets that
//! point at it, and each record uv cannot read with the entry it belongs to. The plan is an
//! ordinary removal plan: shown first, selected again under uv's lock, removed referrers
//! first. Nothing outside the cache is touched (environments keep their files).

use std::path::{Path, PathBuf};

use super::Report;
use crate::engine::layout::{BucketKind, TopLevel};
use crate::engine::model::{Entry, EntryKind, Snapshot};
use crate::engine::remove::plan::{Operation, Plan, Reason, Recipe, Seed, SeedKind, Target, plan};
use crate::engine::scan::buckets::archive_id_of_target;

/// The removal that repairs what `report` found in `snap`.
pub fn plan_fix(snap: &Snapshot, report: &Report) -> Plan {
    let root = &snap.root.path;
    let bucket_of = |e: &Entry| {
        e.bucket
            .and_then(|i| snap.buckets.get(usize::from(i)))
            .filter(|b| b.class == TopLevel::Current)
            .and_then(|b| b.kind)
    };
    let mut seeds = Vec::new();
    for damaged in &report.damaged {
        let Some(archive) = snap.entries.get(damaged.entry as usize) else {
            continue;
        };
        let id = archive.detail.revision.clone().unwrap_or_default();
        let what = |e: &Entry, damage: &str| Reason::Damaged {
            package: e.package.clone().or_else(|| archive.package.clone()),
            version: e.version.clone().or_else(|| archive.version.clone()),
            entry: e.kind.as_str().to_string(),
            damage: damage.to_string(),
        };
        for r in &archive.detail.referrers {
            let Some(e) = snap.entries.get(*r as usize) else {
                continue;
            };
            let reason = what(e, "links to a damaged archive");
            match (bucket_of(e), e.kind) {
                (Some(BucketKind::Wheels), EntryKind::Wheel) => seeds.push(Seed {
                    path: root.join(&e.path),
                    kind: SeedKind::WheelKey,
                    reason,
                }),
                // A wheel built from source: its link goes, the built `.whl` stays and uv
                // unzips it again.
                (Some(BucketKind::Sdists), EntryKind::SdistRevision | EntryKind::SdistGit) => {
                    for link in links_to(root, &root.join(&e.path), &id, 2) {
                        seeds.push(Seed {
                            path: link,
                            kind: SeedKind::Itself,
                            reason: reason.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
        let damage = match damaged.files.len() {
            1 => format!("1 file {}", damaged.files[0].problem.as_str()),
            n => format!("{n} files not as its RECORD says"),
        };
        seeds.push(Seed {
            path: root.join(&archive.path),
            kind: SeedKind::Archive,
            reason: what(archive, &damage),
        });
    }
    for record in &report.records {
        let reason = |e: Option<&Entry>| Reason::Damaged {
            package: e.and_then(|e| e.package.clone()),
            version: e.and_then(|e| e.version.clone()),
            entry: record.kind.to_string(),
            damage: "cannot be decoded".into(),
        };
        // The entry the record belongs to: the deepest one holding it.
        let owner = snap
            .entries
            .iter()
            .filter(|e| record.path.starts_with(&e.path) || same_key(&e.path, &record.path))
            .max_by_key(|e| e.path.components().count());
        let path = root.join(&record.path);
        let seed = match owner.map(|e| (bucket_of(e), e.kind)) {
            Some((Some(BucketKind::Wheels), _)) => Some((path, SeedKind::WheelKey)),
            Some((
                Some(BucketKind::Sdists),
                EntryKind::SdistRevision | EntryKind::SdistPointer,
            )) => owner.map(|e| (root.join(&e.path), SeedKind::Shard)),
            Some((Some(BucketKind::Sdists), EntryKind::SdistGit)) => {
                owner.map(|e| (root.join(&e.path), SeedKind::Itself))
            }
            Some((
                Some(BucketKind::Simple | BucketKind::FlatIndex | BucketKind::Interpreter),
                _,
            )) => Some((path, SeedKind::Itself)),
            _ => None,
        };
        if let Some((path, kind)) = seed {
            seeds.push(Seed {
                path,
                kind,
                reason: reason(owner),
            });
        }
    }
    let operation = Operation::Repair {
        archives: report
            .damaged
            .iter()
            .map(|d| d.path.to_string_lossy().into_owned())
            .collect(),
        records: report
            .records
            .iter()
            .map(|r| r.path.to_string_lossy().into_owned())
            .collect(),
    };
    if seeds.is_empty() {
        return Plan::empty(&Target::of(snap), operation);
    }
    plan(&Target::of(snap), Recipe::Select(seeds), operation)
}

/// Whether `record` is one of the files of the wheel key `entry` (`<key>.http` beside the
/// link `<key>`).
fn same_key(entry: &Path, record: &Path) -> bool {
    entry.parent() == record.parent()
        && record
            .file_name()
            .and_then(|n| n.to_str())
            .zip(entry.file_name().and_then(|n| n.to_str()))
            .is_some_and(|(r, e)| r.strip_prefix(e).is_some_and(|s| s.starts_with('.')))
}

/// The symbolic links below `dir` (at most `depth` levels, never into `src`) that point at
/// `archive-v0/<id>`.
fn links_to(root: &Path, dir: &Path, id: &str, depth: u8) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let Ok(t) = e.file_type() else { continue };
        if t.is_symlink() {
            if std::fs::read_link(e.path())
                .ok()
                .and_then(|target| archive_id_of_target(root, dir, &target))
                .is_some_and(|a| a == id)
            {
                out.push(e.path());
            }
        } else if t.is_dir() && depth > 1 && e.file_name() != "src" {
            out.extend(links_to(root, &e.path(), id, depth - 1));
        }
    }
    out.sort();
    out
}
