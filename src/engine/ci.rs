//! `ci`: the numbers behind uv's advice for caching in CI, on the actual cache, and ready-made
//! cache configuration for GitHub Actions and GitLab CI.
//!
//! `uv cache prune --ci` (format notes §7.4) drops pre-built wheels, which are cheap to
//! download again, and keeps the wheels uv built from source, which are expensive to build
//! again. [`ci_report`] says what that means for one cache: what goes (per package, largest
//! first), what stays, what is already dangling, and how large the cache a CI job saves is
//! before and after, measured exactly (every inode counted once, as `du` counts).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::model::{EntryId, EntryKind, EntryState, ScanErrors, Snapshot};
use super::progress::Counters;
use super::query::compare_versions;
use crate::engine::remove::plan::Plan;
use crate::engine::scan::walk::{Measured, WalkCtx, measure};

mod snippets;

pub use snippets::{PruneAdvice, SnippetOptions, Snippets, ci_snippets, prune_advice};

/// The size of a whole cache, every inode counted once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheSize {
    /// Allocated bytes (what `du -s -B1` reports).
    pub disk_bytes: u64,
    /// Apparent bytes (about what an archive of the cache holds).
    pub logical_bytes: u64,
    /// Files and symlinks.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
}

/// Bytes of one package in a part of the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageBytes {
    /// Normalized name.
    pub name: String,
    /// Versions involved, newest first.
    pub versions: Vec<String>,
    /// Entries involved.
    pub entries: usize,
    /// Allocated bytes.
    pub disk_bytes: u64,
}

/// A part of the cache, with a per-package breakdown (largest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Part {
    /// Entries involved.
    pub entries: usize,
    /// Allocated bytes.
    pub disk_bytes: u64,
    /// Per package, largest first.
    pub packages: Vec<PackageBytes>,
}

/// Entries uv no longer uses, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dangling {
    /// Source revisions no pointer names.
    pub revisions: Part,
    /// Archives nothing links to.
    pub archives: Part,
    /// Pointers whose archive is gone.
    pub broken_pointers: Part,
}

/// Totals of one plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    /// Paths removed.
    pub items: usize,
    /// Files removed.
    pub files: u64,
    /// On-disk bytes of what is removed (hard links counted once).
    pub disk_bytes: u64,
    /// On-disk bytes freed on the disk (files still linked from environments stay).
    pub reclaimable_bytes: u64,
}

impl PlanSummary {
    fn of(plan: &Plan) -> Self {
        PlanSummary {
            items: plan.items.len(),
            files: plan.totals.files,
            disk_bytes: plan.totals.disk_bytes,
            reclaimable_bytes: plan.totals.reclaimable_bytes,
        }
    }
}

/// What `prune --ci` means for one cache.
#[derive(Debug, Clone, Serialize)]
pub struct CiReport {
    /// The cache root.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub root: PathBuf,
    /// The uv release whose rules apply.
    pub uv_version: String,
    /// The cache now: what a CI job would save without pruning.
    pub before: CacheSize,
    /// The cache after `prune --ci`: what the job saves with it.
    pub after: CacheSize,
    /// `prune` alone.
    pub prune: PlanSummary,
    /// `prune --ci`.
    pub prune_ci: PlanSummary,
    /// Pre-built wheels `--ci` drops (downloaded again when needed): wheel entries and the
    /// archives only they use.
    pub dropped_wheels: Part,
    /// Rebuildable parts `--ci` drops: unpacked sources, and the unzipped copies of built wheels
    /// (their `.whl` stays and is unzipped again).
    pub dropped_rebuildable: Part,
    /// Wheels uv built from source, which `--ci` keeps (building them again is the expensive
    /// part of a CI job).
    pub kept_built: Part,
    /// Entries uv no longer uses (plain `prune` removes them too).
    pub dangling: Dangling,
}

/// Relative paths removed by a plan.
fn removed_set(plan: &Plan) -> BTreeSet<PathBuf> {
    plan.items.iter().map(|i| i.path.clone()).collect()
}

/// Whether `path` or one of its ancestors is removed.
fn covered(removed: &BTreeSet<PathBuf>, path: &Path) -> bool {
    path.ancestors().any(|a| removed.contains(a))
}

/// Whether something strictly below `path` is removed.
fn removed_below(removed: &BTreeSet<PathBuf>, path: &Path) -> bool {
    removed
        .range::<Path, _>((Bound::Excluded(path), Bound::Unbounded))
        .next()
        .is_some_and(|p| p.starts_with(path))
}

/// Builds the report from a scan and the plans of `prune` (`plain`) and `prune --ci` (`ci`).
pub fn ci_report(snap: &Snapshot, plain: &Plan, ci: &Plan) -> CiReport {
    let ci_removed = removed_set(ci);
    let plain_removed = removed_set(plain);
    let by_id = |id: EntryId| snap.entries.get(id as usize);

    // Source revisions (and Git source shards) keep their built wheels under --ci, losing
    // only parts: attribute each removed part to its entry.
    let owners: HashMap<&Path, EntryId> = snap
        .entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::SdistRevision | EntryKind::SdistGit))
        .map(|e| (e.path.as_path(), e.id))
        .collect();
    let mut partial: FxHashMap<EntryId, u64> = FxHashMap::default();
    for item in &ci.items {
        if let Some(owner) = item
            .path
            .ancestors()
            .skip(1)
            .find_map(|a| owners.get(a).copied())
        {
            *partial.entry(owner).or_default() += item.disk_bytes;
        }
    }

    let mut wheels: Vec<(EntryId, u64)> = Vec::new();
    let mut rebuildable: Vec<(EntryId, u64)> = Vec::new();
    let mut kept: Vec<(EntryId, u64)> = Vec::new();
    let mut dangling: [Vec<(EntryId, u64)>; 3] = Default::default();
    for e in &snap.entries {
        match e.state {
            EntryState::Dangling => dangling[0].push((e.id, e.sizes.disk_bytes)),
            EntryState::Orphan => dangling[1].push((e.id, e.sizes.disk_bytes)),
            EntryState::Broken => dangling[2].push((e.id, e.sizes.disk_bytes)),
            EntryState::Current => {}
        }
        let by_ci = covered(&ci_removed, &e.path);
        if by_ci && !covered(&plain_removed, &e.path) {
            let prebuilt = match e.kind {
                EntryKind::Wheel | EntryKind::WheelMetadata => true,
                EntryKind::Archive => e.detail.referrers.iter().any(|r| {
                    by_id(*r).is_some_and(|r| {
                        matches!(r.kind, EntryKind::Wheel | EntryKind::WheelMetadata)
                    })
                }),
                _ => false,
            };
            if prebuilt {
                wheels.push((e.id, e.sizes.disk_bytes));
            } else if e.package.is_some() {
                rebuildable.push((e.id, e.sizes.disk_bytes));
            }
        }
        if let Some(gone) = partial.get(&e.id) {
            rebuildable.push((e.id, *gone));
        }
        if !by_ci
            && e.package.is_some()
            && e.state == EntryState::Current
            && matches!(e.kind, EntryKind::SdistRevision | EntryKind::SdistGit)
        {
            let left = e
                .sizes
                .disk_bytes
                .saturating_sub(partial.get(&e.id).copied().unwrap_or(0));
            kept.push((e.id, left));
        }
    }
    let part = |list: &[(EntryId, u64)]| part_of(snap, list);
    CiReport {
        root: snap.root.path.clone(),
        uv_version: snap.uv.version.to_string(),
        before: CacheSize {
            disk_bytes: snap.total.disk_bytes,
            logical_bytes: snap.total.logical_bytes,
            files: snap.total.files,
            dirs: snap.total.dirs,
        },
        after: remaining_size(&snap.root.path, &ci_removed),
        prune: PlanSummary::of(plain),
        prune_ci: PlanSummary::of(ci),
        dropped_wheels: part(&wheels),
        dropped_rebuildable: part(&rebuildable),
        kept_built: part(&kept),
        dangling: Dangling {
            revisions: part(&dangling[0]),
            archives: part(&dangling[1]),
            broken_pointers: part(&dangling[2]),
        },
    }
}

/// Sums entries (with the bytes that count for each) per package, largest package first.
fn part_of(snap: &Snapshot, list: &[(EntryId, u64)]) -> Part {
    let mut per: BTreeMap<&str, (BTreeSet<&str>, usize, u64)> = BTreeMap::new();
    let mut out = Part::default();
    for (id, bytes) in list {
        out.entries += 1;
        out.disk_bytes += bytes;
        let Some(e) = snap.entries.get(*id as usize) else {
            continue;
        };
        let name = e.package.as_deref().unwrap_or("(no package)");
        let slot = per.entry(name).or_default();
        slot.0.extend(e.version.as_deref());
        slot.1 += 1;
        slot.2 += bytes;
    }
    out.packages = per
        .into_iter()
        .map(|(name, (versions, entries, disk_bytes))| {
            let mut versions: Vec<String> = versions.into_iter().map(str::to_string).collect();
            versions.sort_by(|a, b| compare_versions(b, a));
            PackageBytes {
                name: name.to_string(),
                versions,
                entries,
                disk_bytes,
            }
        })
        .collect();
    out.packages
        .sort_by(|a, b| b.disk_bytes.cmp(&a.disk_bytes).then(a.name.cmp(&b.name)));
    out
}

/// The size of what stays of the cache at `root` once the `removed` paths (relative) are gone:
/// every remaining inode counted once, directories included, as `du -s -B1` would count it
/// afterwards.
pub fn remaining_size(root: &Path, removed: &BTreeSet<PathBuf>) -> CacheSize {
    let cancel = AtomicBool::new(false);
    let counters = Counters::default();
    let errors = Mutex::new(ScanErrors::default());
    let ctx = WalkCtx {
        root,
        cancel: &cancel,
        counters: &counters,
        errors: &errors,
        clones: crate::engine::scan::extents::Clones::Impossible,
    };
    let mut acc = Measured::default();
    keep(&ctx, root, Path::new(""), removed, &mut acc);
    let mut size = CacheSize {
        disk_bytes: acc.disk,
        logical_bytes: acc.logical,
        files: acc.files,
        dirs: acc.dirs,
    };
    let mut inodes: FxHashMap<(u64, u64), ()> = FxHashMap::default();
    for l in acc.linked {
        if inodes.insert((l.dev, l.ino), ()).is_none() {
            size.disk_bytes += l.disk;
            size.logical_bytes += l.size;
        }
    }
    size
}

/// Measures the directory `dir` (relative `rel`, not removed itself) minus removed paths.
fn keep(
    ctx: &WalkCtx<'_>,
    dir: &Path,
    rel: &Path,
    removed: &BTreeSet<PathBuf>,
    acc: &mut Measured,
) {
    if !removed_below(removed, rel) {
        acc.absorb(measure(ctx, dir, true));
        return;
    }
    acc.absorb(measure(ctx, dir, false));
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let child_rel = rel.join(e.file_name());
        if removed.contains(&child_rel) {
            continue;
        }
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            keep(ctx, &path, &child_rel, removed, acc);
        } else {
            acc.absorb(measure(ctx, &path, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_paths_below() {
        let set: BTreeSet<PathBuf> = ["a/b", "a/b-x/c", "d"].iter().map(PathBuf::from).collect();
        assert!(removed_below(&set, Path::new("a")));
        assert!(removed_below(&set, Path::new("")));
        assert!(!removed_below(&set, Path::new("a/b")));
        assert!(removed_below(&set, Path::new("a/b-x")));
        assert!(!removed_below(&set, Path::new("c")));
        assert!(covered(&set, Path::new("a/b/z")));
        assert!(!covered(&set, Path::new("a/bz")));
    }
}
