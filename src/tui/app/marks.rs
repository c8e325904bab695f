//! What the user marked for removal: whole packages (in the packages table),
//! single versions of a package (in its detail) and single entries of any kind
//! (in a bucket screen), with what removing all of it would free.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::engine::model::{EntryKind, Sizes, Snapshot};

/// How much of a package is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    /// Nothing.
    No,
    /// Some of its versions.
    Versions,
    /// The whole package.
    Whole,
}

/// The marked packages and versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// Packages marked whole (normalized names).
    pub packages: BTreeSet<String>,
    /// Single versions marked: (package, version), never of a package marked whole.
    pub versions: BTreeSet<(String, String)>,
    /// Single entries marked in a bucket screen, by path relative to the cache root (entry ids
    /// change from one scan to the next; paths do not).
    pub entries: BTreeSet<PathBuf>,
    /// Each marked entry's kind and bytes on disk, as of the last [`Marks::settle`] (so the
    /// marked pane needs no search through every entry).
    pub entry_facts: BTreeMap<PathBuf, (EntryKind, u64)>,
    /// Sizes of the union of every marked entry of the owning release's buckets (hard links
    /// counted once; reclaimable only where every link is marked): an estimate, replaced by
    /// the plans' totals once they are computed.
    pub sizes: Sizes,
    /// The request for the plans' totals of the current marks, while it runs.
    pub pending: Option<u64>,
}

impl Marks {
    /// Whether nothing is marked.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.versions.is_empty() && self.entries.is_empty()
    }

    /// How many marks there are (packages, versions and entries).
    pub fn len(&self) -> usize {
        self.packages.len() + self.versions.len() + self.entries.len()
    }

    /// Whether the entry at `path` (relative to the cache root) is marked by itself.
    pub fn has_entry(&self, path: &Path) -> bool {
        self.entries.contains(path)
    }

    /// Marks or unmarks one entry; returns whether it is marked now.
    pub fn toggle_entry(&mut self, path: &Path) -> bool {
        if self.entries.remove(path) {
            return false;
        }
        self.entries.insert(path.to_path_buf());
        true
    }

    /// How much of `package` is marked.
    pub fn of_package(&self, package: &str) -> Marked {
        if self.packages.contains(package) {
            Marked::Whole
        } else if self.versions.iter().any(|(p, _)| p == package) {
            Marked::Versions
        } else {
            Marked::No
        }
    }

    /// Whether `version` of `package` is marked (alone or with the whole package).
    pub fn has_version(&self, package: &str, version: &str) -> bool {
        self.packages.contains(package)
            || self
                .versions
                .contains(&(package.to_string(), version.to_string()))
    }

    /// Marks or unmarks a whole package (marking replaces its version
    /// marks); returns whether it is marked now.
    pub fn toggle_package(&mut self, package: &str) -> bool {
        if self.packages.remove(package) {
            return false;
        }
        self.versions.retain(|(p, _)| p != package);
        self.packages.insert(package.to_string());
        true
    }

    /// Marks or unmarks one version; a package marked whole cannot have a
    /// version unmarked alone (`Err`). Returns whether it is marked now.
    pub fn toggle_version(&mut self, package: &str, version: &str) -> Result<bool, String> {
        if self.packages.contains(package) {
            return Err(format!(
                "all of {package} is marked: unmark it in the packages table first"
            ));
        }
        let key = (package.to_string(), version.to_string());
        if self.versions.remove(&key) {
            return Ok(false);
        }
        self.versions.insert(key);
        Ok(true)
    }

    /// Unmarks everything.
    pub fn clear(&mut self) {
        self.packages.clear();
        self.versions.clear();
        self.entries.clear();
        self.entry_facts.clear();
        self.sizes = Sizes::default();
        self.pending = None;
    }

    /// Takes the plans' totals of request `ticket`, if it is the latest.
    pub fn planned(&mut self, ticket: u64, reclaimable: u64, disk: u64) -> bool {
        if self.pending != Some(ticket) {
            return false;
        }
        self.pending = None;
        self.sizes.reclaimable_bytes = reclaimable;
        self.sizes.disk_bytes = disk;
        true
    }

    /// Drops marks of what `snap` no longer holds and recomputes the sizes.
    pub fn settle(&mut self, snap: &Snapshot) {
        let mut names = BTreeSet::new();
        let mut versions = BTreeSet::new();
        self.entry_facts.clear();
        for e in &snap.entries {
            if self.entries.contains(&e.path) {
                self.entry_facts
                    .insert(e.path.clone(), (e.kind, e.sizes.disk_bytes));
            }
            if let Some(p) = &e.package {
                names.insert(p.as_str());
                if let Some(v) = &e.version {
                    versions.insert((p.as_str(), v.as_str()));
                }
            }
        }
        self.packages.retain(|p| names.contains(p.as_str()));
        self.versions
            .retain(|(p, v)| versions.contains(&(p.as_str(), v.as_str())));
        let facts = &self.entry_facts;
        self.entries.retain(|p| facts.contains_key(p));
        // For packages and versions `d` removes what `clean` removes: entries of the owning
        // release's buckets only (the buckets of other releases go with `prune`), so only those
        // count; an entry marked by itself goes wherever it is.
        let current = |e: &crate::engine::model::Entry| {
            e.bucket
                .and_then(|b| snap.buckets.get(usize::from(b)))
                .is_some_and(|b| b.class == crate::engine::layout::TopLevel::Current)
        };
        let member: Vec<bool> = snap
            .entries
            .iter()
            .map(|e| match (&e.package, &e.version) {
                _ if self.entries.contains(&e.path) => true,
                _ if !current(e) => false,
                (Some(p), _) if self.packages.contains(p) => true,
                (Some(p), Some(v)) => self.versions.iter().any(|(mp, mv)| mp == p && mv == v),
                _ => false,
            })
            .collect();
        self.sizes = snap.sizes_of(|id| member.get(id as usize).copied().unwrap_or(false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_versions_toggle() {
        let mut m = Marks::default();
        assert!(m.toggle_version("a", "1").expect("free"));
        assert!(m.toggle_version("a", "2").expect("free"));
        assert_eq!(m.of_package("a"), Marked::Versions);
        assert!(!m.toggle_version("a", "2").expect("free"));
        assert!(m.toggle_package("a"), "whole now");
        assert_eq!(
            m.versions.len(),
            0,
            "the whole package replaces its versions"
        );
        assert!(m.has_version("a", "7"));
        assert!(m.toggle_version("a", "1").is_err());
        assert!(!m.toggle_package("a"));
        assert!(m.is_empty());
        assert_eq!(m.of_package("a"), Marked::No);
    }

    #[test]
    fn entries_toggle_by_path() {
        let mut m = Marks::default();
        let p = Path::new("interpreter-v4/a/b.msgpack");
        assert!(m.toggle_entry(p));
        assert!(m.has_entry(p) && !m.is_empty() && m.len() == 1);
        assert!(!m.toggle_entry(p));
        assert!(m.is_empty());
        m.toggle_entry(p);
        m.clear();
        assert!(!m.has_entry(p));
    }
}
