//! Pure queries over a snapshot: packages, filters, sorting.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::SystemTime;

use serde::Serialize;

use super::layout::BucketKind;
use super::model::{Entry, EntryId, Sizes, Snapshot};

/// Every entry of one package name, summed.
#[derive(Debug, Clone, Serialize)]
pub struct Package {
    /// Normalized name.
    pub name: String,
    /// Versions cached, newest first.
    pub versions: Vec<String>,
    /// Source labels (`pypi`, `index`, `url`, `path`, `editable`, `git`).
    pub sources: Vec<String>,
    /// Sizes (hard links counted once; reclaimable if every entry went).
    #[serde(flatten)]
    pub sizes: Sizes,
    /// Number of entries.
    pub entries: usize,
    /// Newest entry modification time (seconds since the epoch).
    #[serde(serialize_with = "crate::engine::json::ser_time")]
    pub newest: Option<SystemTime>,
    /// Oldest entry modification time (seconds since the epoch).
    #[serde(serialize_with = "crate::engine::json::ser_time")]
    pub oldest: Option<SystemTime>,
    /// Entry ids.
    #[serde(skip)]
    pub ids: Vec<EntryId>,
    /// Reclaimable bytes of its entries in this uv release's buckets: what `clean PACKAGE`
    /// frees (entries in other releases' buckets are left to `prune`, as uv leaves them).
    #[serde(skip)]
    pub clean_reclaimable_bytes: u64,
    /// On-disk bytes of its entries in other uv releases' buckets (hard links once per entry).
    #[serde(skip)]
    pub other_release_disk_bytes: u64,
}

/// Groups entries by package, optionally only those in buckets of `kind`.
pub fn packages(snap: &Snapshot, kind: Option<BucketKind>) -> Vec<Package> {
    let in_kind = |e: &Entry| match kind {
        None => true,
        Some(k) => {
            e.bucket
                .and_then(|b| snap.buckets.get(b as usize))
                .and_then(|b| b.kind)
                == Some(k)
        }
    };
    let mut groups: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in snap.entries.iter().filter(|e| in_kind(e)) {
        if let Some(p) = &e.package {
            groups.entry(p.as_str()).or_default().push(e);
        }
    }
    let in_current_bucket = |e: &Entry| {
        e.bucket
            .and_then(|b| snap.buckets.get(usize::from(b)))
            .is_some_and(|b| b.class == crate::engine::layout::TopLevel::Current)
    };
    // What `uv cache clean NAME` removes (uv-cache-format §7.3): wheels, source builds and
    // Simple pages of this release's buckets, except editable builds and Git wheels; an
    // archive only when it has referrers and all of them go.
    let cleaned = |e: &Entry| {
        let kind = e
            .bucket
            .and_then(|b| snap.buckets.get(usize::from(b)))
            .and_then(|b| b.kind);
        let second = e.path.components().nth(1).map(|c| c.as_os_str());
        in_current_bucket(e)
            && match kind {
                Some(BucketKind::Wheels) => second != Some("git".as_ref()),
                Some(BucketKind::Sdists) => second != Some("editable".as_ref()),
                Some(BucketKind::Simple) => true,
                _ => false,
            }
    };
    let current = |e: &Entry| match e.kind {
        crate::engine::model::EntryKind::Archive => {
            in_current_bucket(e)
                && !e.detail.referrers.is_empty()
                && e.detail
                    .referrers
                    .iter()
                    .all(|r| snap.entries.get(*r as usize).is_some_and(&cleaned))
        }
        _ => cleaned(e),
    };
    let mut owner: HashMap<EntryId, usize> = HashMap::new();
    let mut in_current: std::collections::HashSet<EntryId> = std::collections::HashSet::new();
    let mut out: Vec<Package> = groups
        .into_iter()
        .enumerate()
        .map(|(i, (name, entries))| {
            let mut sizes = Sizes::default();
            let mut versions = BTreeSet::new();
            let mut sources = BTreeSet::new();
            let mut clean_reclaimable_bytes = 0;
            let mut other_release_disk_bytes = 0;
            for e in &entries {
                owner.insert(e.id, i);
                sizes.add(&e.sizes);
                if current(e) {
                    in_current.insert(e.id);
                    clean_reclaimable_bytes += e.sizes.reclaimable_bytes;
                } else if !in_current_bucket(e) {
                    other_release_disk_bytes += e.sizes.disk_bytes;
                }
                versions.extend(e.version.clone());
                sources.insert(e.source.label());
            }
            sources.remove("-");
            let mut versions: Vec<String> = versions.into_iter().collect();
            versions.sort_by(|a, b| compare_versions(b, a));
            Package {
                name: name.to_string(),
                versions,
                sources: sources.into_iter().map(str::to_string).collect(),
                sizes,
                entries: entries.len(),
                newest: entries.iter().filter_map(|e| e.modified).max(),
                oldest: entries.iter().filter_map(|e| e.modified).min(),
                ids: entries.iter().map(|e| e.id).collect(),
                clean_reclaimable_bytes,
                other_release_disk_bytes,
            }
        })
        .collect();
    // Inodes shared between entries: count once per package; reclaimable
    // only when every holder belongs to the same package.
    for (size, disk, inside, ids) in snap.shared.iter() {
        let mut per: HashMap<usize, u64> = HashMap::new();
        for id in ids {
            if let Some(p) = owner.get(id) {
                *per.entry(*p).or_default() += 1;
            }
        }
        for (p, k) in &per {
            let pkg = &mut out[*p];
            pkg.sizes.logical_bytes -= size * (k - 1);
            pkg.sizes.disk_bytes -= disk * (k - 1);
            if inside && *k == ids.len() as u64 {
                pkg.sizes.reclaimable_bytes += disk;
                if ids.iter().all(|id| in_current.contains(id)) {
                    pkg.clean_reclaimable_bytes += disk;
                }
            }
        }
    }
    out
}

/// How to order packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Largest on disk first.
    Size,
    /// Alphabetical.
    Name,
    /// Most versions first.
    Versions,
    /// Oldest newest-entry first (least recently touched).
    Age,
}

/// Sorts packages in place.
pub fn sort_packages(pkgs: &mut [Package], key: SortKey) {
    match key {
        SortKey::Size => pkgs.sort_by(|a, b| {
            b.sizes
                .disk_bytes
                .cmp(&a.sizes.disk_bytes)
                .then(a.name.cmp(&b.name))
        }),
        SortKey::Name => pkgs.sort_by(|a, b| a.name.cmp(&b.name)),
        SortKey::Versions => pkgs.sort_by(|a, b| {
            b.versions
                .len()
                .cmp(&a.versions.len())
                .then(a.name.cmp(&b.name))
        }),
        SortKey::Age => pkgs.sort_by(|a, b| a.newest.cmp(&b.newest).then(a.name.cmp(&b.name))),
    }
}

/// Entries of one package (name normalized by the caller), in a stable order:
/// version (newest first), then bucket, then path.
pub fn package_entries<'a>(snap: &'a Snapshot, name: &str) -> Vec<&'a Entry> {
    let mut entries: Vec<&Entry> = snap
        .entries
        .iter()
        .filter(|e| e.package.as_deref() == Some(name))
        .collect();
    entries.sort_by(|a, b| {
        compare_versions(
            b.version.as_deref().unwrap_or(""),
            a.version.as_deref().unwrap_or(""),
        )
        .then(a.bucket.cmp(&b.bucket))
        .then(a.path.cmp(&b.path))
    });
    entries
}

/// Orders version strings by their numeric release segments, then textually;
/// close enough to PEP 440 for display order.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let key = |v: &str| -> Vec<u64> {
        v.split(|c: char| !c.is_ascii_digit())
            .take(6)
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically() {
        let mut v = vec!["1.10.0", "1.9.2", "2.0", "1.26.4"];
        v.sort_by(|a, b| compare_versions(b, a));
        assert_eq!(v, ["2.0", "1.26.4", "1.10.0", "1.9.2"]);
    }
}
