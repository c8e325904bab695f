//! Policies: keep the cache within a budget (unused entries, age, versions kept per package,
//! total size, free space), as plans like any other removal, never touching an entry a known
//! root (environment) uses.
//!
//! What a policy may remove are whole entries of this release's buckets: a wheel (its link,
//! pointer and lock files), a source revision with built wheels (with its version or shard when
//! it is the current one), and an archive nothing refers to; an archive that a removed entry
//! linked goes with its last referrer. Each plan item names the rule that selected it.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::time::SystemTime;

use serde::Serialize;

use super::plan::{Operation, Plan, Reason, Recipe, Seed, SeedKind, Target, plan};
pub use super::rules::{Policy, Rule, parse_age, parse_size};
use crate::engine::layout::{BucketKind, TopLevel};
use crate::engine::model::{Entry, EntryId, EntryKind, EntryState, Snapshot};
use crate::engine::roots::{LastUse, LastUses, Usage, last_uses};

/// How a size budget came out, as predicted from the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// The rule (`--max-size` or `--min-free`).
    pub rule: Rule,
    /// The limit asked for, in bytes.
    pub limit: u64,
    /// The measure now (cache size, or free bytes).
    pub before: u64,
    /// The measure after the plan, as predicted.
    pub after: u64,
    /// Whether the limit is met.
    pub met: bool,
    /// On-disk bytes of entries kept because a root uses them.
    pub in_use_bytes: u64,
}

impl Budget {
    /// The budget's outcome in a sentence (`--max-size 20.0GiB: the cache goes from … to …`).
    pub fn describe(&self) -> String {
        let b = self;
        let bytes = crate::engine::report::human_bytes;
        match b.rule {
            Rule::MaxSize if b.met => format!(
                "--max-size {}: the cache goes from {} to {} on disk",
                bytes(b.limit),
                bytes(b.before),
                bytes(b.after)
            ),
            Rule::MaxSize => format!(
                "--max-size {} cannot be met: {} would stay ({} of it used by known environments)",
                bytes(b.limit),
                bytes(b.after),
                bytes(b.in_use_bytes)
            ),
            _ if b.met => format!(
                "--min-free {}: the filesystem goes from {} to {} free",
                bytes(b.limit),
                bytes(b.before),
                bytes(b.after)
            ),
            _ => format!(
                "--min-free {} cannot be met: {} would be free ({} of the cache is used by known \
                 environments)",
                bytes(b.limit),
                bytes(b.after),
                bytes(b.in_use_bytes)
            ),
        }
    }
}

/// Bytes free for an unprivileged user on the filesystem holding `path` (0 when unknown).
pub fn free_bytes(path: &std::path::Path) -> u64 {
    rustix::fs::statvfs(path).map_or(0, |s| s.f_bavail.saturating_mul(s.f_frsize))
}

/// A policy's plan, with how its budgets come out.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyPlan {
    /// The removal.
    pub plan: Plan,
    /// `--max-size` / `--min-free`, when set.
    pub budgets: Vec<Budget>,
    /// Entries the rules selected (each may be several plan items).
    pub entries: usize,
}

/// An entry a policy may remove.
#[derive(Debug, Clone)]
struct Candidate {
    id: EntryId,
    seed: SeedKind,
    last_use: Option<LastUse>,
    built: bool,
    /// On-disk bytes (as `uv cache size` counts them) its removal takes out of the cache.
    disk: u64,
    /// Bytes its removal frees on the filesystem.
    reclaimable: u64,
}

/// Plans `policy` for `snap`, with `usage` telling what roots use; `free_bytes` is the space
/// free on the cache's filesystem now (for `--min-free`).
pub fn plan_policy(
    snap: &Snapshot,
    usage: &Usage,
    policy: &Policy,
    now: SystemTime,
    free_bytes: u64,
) -> PolicyPlan {
    let target = Target::of(snap);
    let uses = last_uses(snap, usage);
    let candidates = candidates(snap, usage, &uses, &policy.keep);
    let mut chosen: BTreeMap<EntryId, Rule> = BTreeMap::new();
    if policy.unused {
        for c in &candidates {
            chosen.entry(c.id).or_insert(Rule::Unused);
        }
    }
    if let Some(max_age) = policy.max_age {
        let cutoff = now.checked_sub(max_age).unwrap_or(SystemTime::UNIX_EPOCH);
        for c in &candidates {
            if c.last_use.is_none_or(|u| u.at < cutoff) {
                chosen.entry(c.id).or_insert(Rule::MaxAge);
            }
        }
    }
    if let Some(n) = policy.keep_versions {
        for id in beyond_newest(snap, usage, n) {
            if candidates.iter().any(|c| c.id == id) {
                chosen.entry(id).or_insert(Rule::KeepVersions);
            }
        }
    }
    // Budgets: least recently used first, downloads (cheap to get back) before builds.
    let mut order: Vec<&Candidate> = candidates.iter().collect();
    order.sort_by(|a, b| {
        a.built
            .cmp(&b.built)
            .then(a.last_use.map(|u| u.at).cmp(&b.last_use.map(|u| u.at)))
            .then(b.disk.cmp(&a.disk))
    });
    let in_use_bytes: u64 = usage
        .used_by
        .keys()
        .filter_map(|id| snap.entries.get(*id as usize))
        .map(|e| e.sizes.disk_bytes)
        .sum();
    let mut budgets = Vec::new();
    let size_now = snap.total.disk_bytes;
    if let Some(limit) = policy.max_size {
        let removed = |chosen: &BTreeMap<EntryId, Rule>| -> u64 {
            candidates
                .iter()
                .filter(|c| chosen.contains_key(&c.id))
                .map(|c| c.disk)
                .sum()
        };
        let mut after = size_now.saturating_sub(removed(&chosen));
        for c in &order {
            if after <= limit {
                break;
            }
            if chosen.contains_key(&c.id) {
                continue;
            }
            chosen.insert(c.id, Rule::MaxSize);
            after = after.saturating_sub(c.disk);
        }
        budgets.push(Budget {
            rule: Rule::MaxSize,
            limit,
            before: size_now,
            after,
            met: after <= limit,
            in_use_bytes,
        });
    }
    if let Some(limit) = policy.min_free {
        let freed = |chosen: &BTreeMap<EntryId, Rule>| -> u64 {
            candidates
                .iter()
                .filter(|c| chosen.contains_key(&c.id))
                .map(|c| c.reclaimable)
                .sum()
        };
        let mut after = free_bytes + freed(&chosen);
        for c in &order {
            if after >= limit {
                break;
            }
            if chosen.contains_key(&c.id) {
                continue;
            }
            chosen.insert(c.id, Rule::MinFree);
            after += c.reclaimable;
        }
        budgets.push(Budget {
            rule: Rule::MinFree,
            limit,
            before: free_bytes,
            after,
            met: after >= limit,
            in_use_bytes,
        });
    }
    let seeds: Vec<Seed> = candidates
        .iter()
        .filter_map(|c| {
            let rule = *chosen.get(&c.id)?;
            let e = snap.entries.get(c.id as usize)?;
            Some(Seed {
                path: snap.root.path.join(&e.path),
                kind: c.seed,
                reason: Reason::Policy {
                    rule,
                    package: e.package.clone(),
                    entry: e.kind.as_str().to_string(),
                    version: e.version.clone(),
                    last_use: c.last_use.map(|u| {
                        format!(
                            "{} ago ({})",
                            crate::engine::report::age(now, Some(u.at)),
                            u.signal.label()
                        )
                    }),
                },
            })
        })
        .collect();
    let entries = seeds.len();
    let mut roots = BTreeMap::new();
    for r in usage.roots.iter().filter(|r| r.exists) {
        *roots.entry(r.root.kind.as_str().to_string()).or_insert(0) += 1;
    }
    let plan = plan(
        &target,
        Recipe::Select(seeds),
        Operation::Policy {
            policy: policy.clone(),
            roots,
        },
    );
    // The plan measured what really goes: correct the predictions with it.
    for b in &mut budgets {
        b.after = match b.rule {
            Rule::MaxSize => size_now.saturating_sub(plan.totals.disk_bytes),
            _ => free_bytes + plan.totals.reclaimable_bytes,
        };
        b.met = match b.rule {
            Rule::MaxSize => b.after <= b.limit,
            _ => b.after >= b.limit,
        };
    }
    PolicyPlan {
        plan,
        budgets,
        entries,
    }
}

/// The entries a policy may remove: whole entries of this release's buckets that no root
/// uses and that are not of a kept package.
fn candidates(snap: &Snapshot, usage: &Usage, uses: &LastUses, keep: &[String]) -> Vec<Candidate> {
    let by_archive: HashMap<&str, &Entry> = snap
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Archive)
        .filter_map(|e| Some((e.detail.revision.as_deref()?, e)))
        .collect();
    let mut out = Vec::new();
    for e in &snap.entries {
        let bucket = e.bucket.and_then(|i| snap.buckets.get(usize::from(i)));
        if !bucket.is_some_and(|b| b.class == TopLevel::Current)
            || usage.used_by.contains_key(&e.id)
            || e.package.as_ref().is_some_and(|p| keep.contains(p))
        {
            continue;
        }
        let seed = match (bucket.and_then(|b| b.kind), e.kind) {
            (Some(BucketKind::Wheels), EntryKind::Wheel) => SeedKind::WheelKey,
            // A source revision with built wheels: a dangling one alone; the current one with
            // its version (or shard), unless something else in there is used.
            (Some(BucketKind::Sdists), EntryKind::SdistRevision)
                if !e.detail.archives.is_empty() =>
            {
                if e.state == EntryState::Dangling {
                    SeedKind::Itself
                } else if e
                    .path
                    .parent()
                    .is_some_and(|shard| shard_in_use(snap, usage, shard))
                {
                    continue;
                } else {
                    SeedKind::Shard
                }
            }
            // Checked again on the disk under the lock: a link uv added since the scan
            // keeps it.
            (Some(BucketKind::Archive), EntryKind::Archive) if e.detail.referrers.is_empty() => {
                SeedKind::UnusedArchive
            }
            _ => continue,
        };
        // Archives this entry alone refers to go with it.
        let released: Vec<&Entry> = e
            .detail
            .archives
            .iter()
            .filter_map(|a| by_archive.get(a.as_str()).copied())
            .filter(|a| a.detail.referrers.iter().all(|r| *r == e.id))
            .collect();
        let last_use = uses.newest(released.iter().map(|a| a.id).chain([e.id]));
        out.push(Candidate {
            id: e.id,
            seed,
            last_use,
            built: e.detail.built == Some(true) || matches!(e.kind, EntryKind::SdistRevision),
            disk: e.sizes.disk_bytes + released.iter().map(|a| a.sizes.disk_bytes).sum::<u64>(),
            reclaimable: e.sizes.reclaimable_bytes
                + released
                    .iter()
                    .map(|a| a.sizes.reclaimable_bytes)
                    .sum::<u64>(),
        });
    }
    out
}

/// Whether a root uses any entry inside `shard`.
fn shard_in_use(snap: &Snapshot, usage: &Usage, shard: &std::path::Path) -> bool {
    usage
        .used_by
        .keys()
        .filter_map(|id| snap.entries.get(*id as usize))
        .any(|e| e.path.starts_with(shard))
}

/// Entries of versions beyond the newest `n` of their package and source (by PEP 440
/// order), except versions a root uses.
fn beyond_newest(snap: &Snapshot, usage: &Usage, n: usize) -> Vec<EntryId> {
    let mut groups: BTreeMap<(String, String), Vec<&Entry>> = BTreeMap::new();
    for e in &snap.entries {
        let bucket = e.bucket.and_then(|i| snap.buckets.get(usize::from(i)));
        let versioned = matches!(e.kind, EntryKind::Wheel | EntryKind::SdistRevision);
        if let (true, Some(p), Some(_), true) = (
            versioned,
            &e.package,
            &e.version,
            bucket.is_some_and(|b| b.class == TopLevel::Current),
        ) {
            groups
                .entry((p.clone(), e.source.describe()))
                .or_default()
                .push(e);
        }
    }
    let mut out = Vec::new();
    for entries in groups.values() {
        let mut versions: Vec<&str> = entries
            .iter()
            .filter_map(|e| e.version.as_deref())
            .collect();
        versions.sort_by(|a, b| version_order(b, a));
        versions.dedup();
        let used: Vec<&str> = entries
            .iter()
            .filter(|e| usage.used_by.contains_key(&e.id))
            .filter_map(|e| e.version.as_deref())
            .collect();
        let kept: Vec<&str> = versions.iter().take(n).copied().collect();
        for e in entries {
            let v = e.version.as_deref().unwrap_or_default();
            if !kept.contains(&v) && !used.contains(&v) {
                out.push(e.id);
            }
        }
    }
    out
}

/// PEP 440 order where both parse, else the display order.
fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (
        pep440_rs::Version::from_str(a),
        pep440_rs::Version::from_str(b),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => crate::engine::query::compare_versions(a, b),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn sizes_and_ages_parse() {
        assert_eq!(parse_size("20GiB"), Ok(20 << 30));
        assert_eq!(parse_size("20G"), Ok(20 << 30));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert_eq!(parse_age("90d"), Ok(Duration::from_secs(90 * 86400)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86400)));
        assert!(parse_age("soon").is_err());
    }

    #[test]
    fn versions_follow_pep_440() {
        let mut v = vec!["1.0.0rc1", "1.0.0", "1.0.0.post1", "0.9", "1.0.0a2"];
        v.sort_by(|a, b| version_order(a, b));
        assert_eq!(v, ["0.9", "1.0.0a2", "1.0.0rc1", "1.0.0", "1.0.0.post1"]);
    }
}
