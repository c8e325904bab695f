//! Comparing a package's cache entries between two scans: what a refresh added, removed,
//! replaced, superseded, or renewed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::engine::freshness::{EntryFreshness, of_entry};
use crate::engine::model::{EntryKind, EntryState, Snapshot};

/// What identifies one entry's state, for comparing two scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryMark {
    /// Path relative to the cache root.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// What the entry is.
    pub kind: EntryKind,
    /// The package version, when known.
    pub version: Option<String>,
    /// In use or left behind.
    pub state: EntryState,
    /// Latest modification time of its top-level items (seconds since the epoch).
    #[serde(serialize_with = "crate::engine::json::ser_time")]
    pub modified: Option<SystemTime>,
    /// When its HTTP response was received, or its local-build pointer written (Unix seconds);
    /// only for entries in use (a left-behind revision's shard pointer names another one).
    pub response_time: Option<u64>,
    /// Whether `response_time` is a local build pointer's write time (else an HTTP response's).
    pub local_build: bool,
    /// Archive ids it links to.
    pub archives: Vec<String>,
    /// Allocated bytes.
    pub disk_bytes: u64,
}

/// Every entry of each package, by normalized package name.
pub type PackageMarks = BTreeMap<String, Vec<EntryMark>>;

/// The entries of `packages` (normalized names) in a snapshot, with their freshness inputs.
pub fn package_marks(snap: &Snapshot, packages: &[String]) -> PackageMarks {
    let now = SystemTime::now();
    let mut out: PackageMarks = packages.iter().map(|p| (p.clone(), vec![])).collect();
    for e in &snap.entries {
        let Some(marks) = e.package.as_ref().and_then(|p| out.get_mut(p)) else {
            continue;
        };
        let freshness = match e.state {
            EntryState::Current => of_entry(&snap.root.path, e, now),
            _ => None,
        };
        let (response_time, local_build) = match freshness {
            Some(EntryFreshness::Http { freshness, .. }) => (Some(freshness.response_time), false),
            Some(EntryFreshness::LocalBuild { written, .. }) => (written, true),
            None => (None, false),
        };
        marks.push(EntryMark {
            path: e.path.clone(),
            kind: e.kind,
            version: e.version.clone(),
            state: e.state,
            modified: e.modified,
            response_time,
            local_build,
            archives: e.detail.archives.clone(),
            disk_bytes: e.sizes.disk_bytes,
        });
    }
    for marks in out.values_mut() {
        marks.sort_by(|a, b| a.path.cmp(&b.path));
    }
    out
}

/// How one entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// New in the cache.
    Added,
    /// Gone from the cache.
    Removed,
    /// Written again with other content (another archive, a rebuilt revision, a new pointer).
    Replaced,
    /// Its HTTP response was revalidated or fetched again: fresh from now on.
    Renewed,
    /// No longer in use (a revision or archive a new one superseded).
    Superseded,
}

impl ChangeKind {
    /// The word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Replaced => "replaced",
            ChangeKind::Renewed => "renewed",
            ChangeKind::Superseded => "superseded",
        }
    }
}

/// One changed entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Normalized package name.
    pub package: String,
    /// What happened.
    pub change: ChangeKind,
    /// The entry before (absent for added entries).
    pub before: Option<EntryMark>,
    /// The entry after (absent for removed entries).
    pub after: Option<EntryMark>,
}

impl Change {
    /// The entry's current mark, else its former one.
    pub fn mark(&self) -> Option<&EntryMark> {
        self.after.as_ref().or(self.before.as_ref())
    }
}

/// What changed in the cache for the refreshed packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CacheChanges {
    /// Changed entries, by package, then kind of change, then path.
    pub changes: Vec<Change>,
    /// Entries of the packages that did not change, by package.
    pub unchanged: BTreeMap<String, usize>,
}

/// Compares the entries of the same packages in two scans: by path, then by modification time,
/// HTTP response time (or local-build pointer time), linked archives and state.
pub fn compare(before: &PackageMarks, after: &PackageMarks) -> CacheChanges {
    let mut out = CacheChanges::default();
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names {
        let old: BTreeMap<&Path, &EntryMark> = before
            .get(name)
            .into_iter()
            .flatten()
            .map(|m| (m.path.as_path(), m))
            .collect();
        let new: BTreeMap<&Path, &EntryMark> = after
            .get(name)
            .into_iter()
            .flatten()
            .map(|m| (m.path.as_path(), m))
            .collect();
        let mut unchanged = 0;
        let paths: BTreeSet<&Path> = old.keys().chain(new.keys()).copied().collect();
        for path in paths {
            let kind = match (old.get(path), new.get(path)) {
                (None, Some(_)) => Some(ChangeKind::Added),
                (Some(_), None) => Some(ChangeKind::Removed),
                (Some(a), Some(b)) => changed(a, b),
                (None, None) => None,
            };
            match kind {
                Some(change) => out.changes.push(Change {
                    package: name.clone(),
                    change,
                    before: old.get(path).map(|m| (*m).clone()),
                    after: new.get(path).map(|m| (*m).clone()),
                }),
                None => unchanged += 1,
            }
        }
        out.unchanged.insert(name.clone(), unchanged);
    }
    out.changes.sort_by(|a, b| {
        (&a.package, a.change, a.mark().map(|m| &m.path)).cmp(&(
            &b.package,
            b.change,
            b.mark().map(|m| &m.path),
        ))
    });
    out
}

fn changed(a: &EntryMark, b: &EntryMark) -> Option<ChangeKind> {
    if a.state == EntryState::Current && b.state != EntryState::Current {
        return Some(ChangeKind::Superseded);
    }
    if a.archives != b.archives {
        return Some(ChangeKind::Replaced);
    }
    if a.response_time
        .zip(b.response_time)
        .is_some_and(|(x, y)| y > x)
    {
        // A local build's pointer written again names the revision just built.
        return Some(if b.local_build {
            ChangeKind::Replaced
        } else {
            ChangeKind::Renewed
        });
    }
    if a.modified != b.modified || a.state != b.state {
        return Some(ChangeKind::Replaced);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(path: &str, modified: u64, response: Option<u64>) -> EntryMark {
        EntryMark {
            path: path.into(),
            kind: EntryKind::SimplePage,
            version: None,
            state: EntryState::Current,
            modified: Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(modified)),
            response_time: response,
            local_build: false,
            archives: vec![],
            disk_bytes: 4096,
        }
    }

    #[test]
    fn compares_by_path_time_and_response() {
        let before: PackageMarks = [(
            "a".to_string(),
            vec![
                mark("p", 1, Some(1)),
                mark("q", 1, None),
                mark("r", 1, None),
            ],
        )]
        .into();
        let after: PackageMarks = [(
            "a".to_string(),
            vec![
                mark("p", 2, Some(2)),
                mark("r", 1, None),
                mark("s", 2, None),
            ],
        )]
        .into();
        let c = compare(&before, &after);
        let got: Vec<(ChangeKind, String)> = c
            .changes
            .iter()
            .map(|c| (c.change, c.mark().unwrap().path.display().to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (ChangeKind::Added, "s".to_string()),
                (ChangeKind::Removed, "q".to_string()),
                (ChangeKind::Renewed, "p".to_string()),
            ]
        );
        assert_eq!(c.unchanged["a"], 1);
    }
}
