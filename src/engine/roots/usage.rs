//! Roots against a snapshot: the entries each root uses, and the roots using each entry.

use std::path::Path;
use std::time::SystemTime;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::map::{ArchivePrints, InstalledDist, map_environment};
use super::{Root, RootKind};
use crate::engine::model::{EntryId, EntryKind, Snapshot};
use crate::engine::project::PyvenvCfg;

/// One root and what it uses.
#[derive(Debug, Clone, Serialize)]
pub struct RootUsage {
    /// The root.
    #[serde(flatten)]
    pub root: Root,
    /// Whether the environment still exists.
    pub exists: bool,
    /// Its Python version (`pyvenv.cfg`).
    pub python: Option<String>,
    /// The uv that created it (`pyvenv.cfg`), when uv did.
    pub made_by_uv: Option<String>,
    /// Every installed distribution, with the archives it came from.
    pub distributions: Vec<InstalledDist>,
    /// When uv last installed into it (the newest `.dist-info`).
    #[serde(serialize_with = "crate::engine::json::ser_time")]
    pub installed_at: Option<SystemTime>,
    /// Cache entries it uses.
    #[serde(skip)]
    pub entries: Vec<EntryId>,
    /// On-disk bytes of those entries (each counted once).
    pub uses_disk_bytes: u64,
}

impl RootUsage {
    /// Installed distributions that came from this cache.
    pub fn from_cache(&self) -> usize {
        self.distributions
            .iter()
            .filter(|d| !d.archives.is_empty())
            .count()
    }
}

/// Every root's usage, and the reverse map.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// The roots, in the order given.
    pub roots: Vec<RootUsage>,
    /// For each used entry, the indexes of the roots using it.
    pub used_by: FxHashMap<EntryId, Vec<usize>>,
    /// Archives identified by their `RECORD`.
    pub archives_identified: usize,
    /// For each used entry, when a root last had a distribution installed from it.
    pub installed: FxHashMap<EntryId, std::time::SystemTime>,
    /// Local sources (paths and editables) the roots installed, by the digest of their
    /// `file://` URL: the name of their shard in the `sdists` bucket, which records no path.
    pub local_sources: FxHashMap<String, std::path::PathBuf>,
}

impl Usage {
    /// The local source a `path/` or `editable/` shard named `digest` was built from, when a
    /// known root installed it.
    pub fn local_source(&self, digest: &str) -> Option<&Path> {
        self.local_sources.get(digest).map(|p| p.as_path())
    }

    /// Where an entry with `source` was built from, for a local (path or editable) source a
    /// known root installed.
    pub fn local_source_of(&self, source: &crate::engine::model::Source) -> Option<&Path> {
        use crate::engine::model::Source;
        match source {
            Source::Path { digest } | Source::Editable { digest } => self.local_source(digest),
            _ => None,
        }
    }
}

/// Notes the local source of `dist`, if it was installed from a `file://` URL.
fn note_local_source(out: &mut FxHashMap<String, std::path::PathBuf>, dist: &InstalledDist) {
    use crate::engine::names::{cache_digest, canonical_url};
    let Some(direct) =
        crate::engine::project::DirectUrl::read(&dist.dist_info.join("direct_url.json"))
    else {
        return;
    };
    let Some(path) = direct.local_path() else {
        return;
    };
    // uv keys the shard by the URL as given; the URL rebuilt from the path covers the
    // percent-encoding differences (as `why` does).
    for url in [
        direct.url.clone(),
        format!("file://{}", path.to_string_lossy()),
    ] {
        out.entry(cache_digest(&canonical_url(&url)))
            .or_insert_with(|| path.clone());
    }
}

impl Usage {
    /// The paths of the roots using `entry`.
    pub fn users_of(&self, entry: EntryId) -> Vec<&Path> {
        self.used_by.get(&entry).map_or_else(Vec::new, |ix| {
            ix.iter()
                .map(|i| self.roots[*i].root.path.as_path())
                .collect()
        })
    }
}

/// Maps every root's distributions to the snapshot's entries.
pub fn usage(snap: &Snapshot, roots: Vec<Root>) -> Usage {
    let prints = ArchivePrints::build(&snap.root.path);
    // Archive id -> the entries that are it or point at it.
    let mut by_archive: FxHashMap<&str, Vec<EntryId>> = FxHashMap::default();
    let mut by_path: FxHashMap<&Path, EntryId> = FxHashMap::default();
    for e in &snap.entries {
        by_path.insert(e.path.as_path(), e.id);
        if e.kind == EntryKind::Archive
            && let Some(id) = e
                .path
                .strip_prefix("archive-v0")
                .ok()
                .and_then(|p| p.to_str())
        {
            by_archive.entry(id).or_default().push(e.id);
        }
        for id in &e.detail.archives {
            by_archive.entry(id.as_str()).or_default().push(e.id);
        }
    }
    let mut out = Usage {
        archives_identified: prints.archives,
        ..Usage::default()
    };
    for root in roots {
        let exists = super::discover::is_environment(&root.path);
        let cfg = PyvenvCfg::read(&root.path);
        let distributions = if exists {
            map_environment(&root.path, &prints)
        } else {
            vec![]
        };
        for d in &distributions {
            note_local_source(&mut out.local_sources, d);
            let Some(at) = d.installed_at else { continue };
            let ids = d
                .archives
                .iter()
                .flat_map(|id| by_archive.get(id.as_str()).into_iter().flatten());
            for id in ids {
                let slot = out.installed.entry(*id).or_insert(at);
                *slot = (*slot).max(at);
            }
        }
        let mut entries: Vec<EntryId> = distributions
            .iter()
            .flat_map(|d| &d.archives)
            .flat_map(|id| by_archive.get(id.as_str()).into_iter().flatten().copied())
            .collect();
        // An environment inside the cache uses itself.
        if root.kind == RootKind::Cached
            && let Ok(rel) = root.path.strip_prefix(&snap.root.path)
            && let Some(id) = by_path.get(rel)
        {
            entries.push(*id);
        }
        entries.sort_unstable();
        entries.dedup();
        let uses_disk_bytes = entries
            .iter()
            .filter_map(|id| snap.entries.get(*id as usize))
            .map(|e| e.sizes.disk_bytes)
            .sum();
        let installed_at = distributions.iter().filter_map(|d| d.installed_at).max();
        let index = out.roots.len();
        for id in &entries {
            out.used_by.entry(*id).or_default().push(index);
        }
        out.roots.push(RootUsage {
            root,
            exists,
            python: cfg.as_ref().and_then(|c| c.version.clone()),
            made_by_uv: cfg.and_then(|c| c.uv),
            distributions,
            installed_at,
            entries,
            uses_disk_bytes,
        });
    }
    out
}
