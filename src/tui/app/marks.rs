//! What the user marked for removal: whole packages (in the packages table)
//! and single versions of a package (in its detail), with what removing all
//! of it would free.

use std::collections::BTreeSet;

use crate::engine::model::{Sizes, Snapshot};

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
        self.packages.is_empty() && self.versions.is_empty()
    }

    /// How many marks there are (packages plus versions).
    pub fn len(&self) -> usize {
        self.packages.len() + self.versions.len()
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
        for e in &snap.entries {
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
        // `d` removes what `clean` removes: entries of the owning release's buckets only (the
        // buckets of other releases go with `prune`), so only those count.
        let current = |e: &crate::engine::model::Entry| {
            e.bucket
                .and_then(|b| snap.buckets.get(usize::from(b)))
                .is_some_and(|b| b.class == crate::engine::layout::TopLevel::Current)
        };
        let member: Vec<bool> = snap
            .entries
            .iter()
            .map(|e| match (&e.package, &e.version) {
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
}
