//! Directory memos: what the last scan planned and measured from one small
//! directory of pointers (a wheels package directory, a Simple API shard),
//! reused while the directory is unchanged.
//!
//! uv writes every file of these directories by creating it under a
//! temporary name and renaming it into place, and removes files by name: each
//! change of a file is a change of the directory's entries, which moves the
//! directory's modification and change times. A directory whose device,
//! inode, modification and change times are the same as when it was planned
//! therefore still holds the same files, and the units planned from it (with
//! their sizes) can be reused without listing it, reading its pointers or
//! stat'ing its files.
//!
//! A directory is only remembered when nothing about it needs the rest of the
//! scan: every unit owns only files directly in it, none has a hard link or
//! could not be read, and its times are at least [`SETTLE_NS`] older than the
//! scan (a change within the same clock tick as the one before it would leave
//! the times as they were).

use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{Learned, Unit};
use crate::engine::model::{Detail, Entry, EntryKind, EntryState, Sizes, Source};
use crate::engine::scan::walk::{Identity, Measured};

/// How much older than the scan a directory's times must be to be remembered.
pub const SETTLE_NS: i128 = 2_000_000_000;

/// What the index keeps of one directory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DirMemo {
    /// Path relative to the cache root.
    pub key: String,
    /// The directory's identity when it was listed.
    pub id: Identity,
    /// The units planned from it, with their measurements.
    pub units: Vec<MemoUnit>,
}

/// One planned and measured unit of a remembered directory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemoUnit {
    /// Entry kind.
    pub kind: EntryKind,
    /// Path of the entry's main item, relative to the cache root.
    pub path: String,
    /// Package name.
    pub package: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Source.
    pub source: MemoSource,
    /// State as planned.
    pub state: EntryState,
    /// Planned facts.
    pub detail: MemoDetail,
    /// URL facts learned while planning.
    pub learned: Vec<Learned>,
    /// Apparent bytes.
    pub logical: u64,
    /// Allocated bytes.
    pub disk: u64,
    /// Files and symlinks.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Latest modification time, nanoseconds since the epoch.
    pub modified_ns: Option<i128>,
}

/// [`Source`] as the index stores it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum MemoSource {
    Pypi,
    Index(String, Option<String>),
    Url(String, Option<String>),
    Path(String),
    Editable(String),
    Git(String, Option<String>, Option<String>),
    None,
}

/// [`Detail`] as the index stores it (planning never sets referrers).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemoDetail {
    pub filename: Option<String>,
    pub tags: Option<String>,
    pub built: Option<bool>,
    pub archives: Vec<String>,
    pub revision: Option<String>,
    pub url: Option<String>,
    pub contents: Vec<String>,
    pub notes: Vec<String>,
}

impl From<&Source> for MemoSource {
    fn from(s: &Source) -> Self {
        match s.clone() {
            Source::Pypi => MemoSource::Pypi,
            Source::Index { digest, url } => MemoSource::Index(digest, url),
            Source::Url { digest, url } => MemoSource::Url(digest, url),
            Source::Path { digest } => MemoSource::Path(digest),
            Source::Editable { digest } => MemoSource::Editable(digest),
            Source::Git {
                digest,
                url,
                commit,
            } => MemoSource::Git(digest, url, commit),
            Source::None => MemoSource::None,
        }
    }
}

impl From<&MemoSource> for Source {
    fn from(s: &MemoSource) -> Self {
        match s.clone() {
            MemoSource::Pypi => Source::Pypi,
            MemoSource::Index(digest, url) => Source::Index { digest, url },
            MemoSource::Url(digest, url) => Source::Url { digest, url },
            MemoSource::Path(digest) => Source::Path { digest },
            MemoSource::Editable(digest) => Source::Editable { digest },
            MemoSource::Git(digest, url, commit) => Source::Git {
                digest,
                url,
                commit,
            },
            MemoSource::None => Source::None,
        }
    }
}

impl MemoUnit {
    /// The memo of a planned entry and its measurement (`None`: its path is
    /// not UTF-8).
    pub fn of(entry: &Entry, learned: &[Learned], m: &Measured) -> Option<MemoUnit> {
        let d = &entry.detail;
        Some(MemoUnit {
            kind: entry.kind,
            path: entry.path.to_str()?.to_string(),
            package: entry.package.clone(),
            version: entry.version.clone(),
            source: (&entry.source).into(),
            state: entry.state,
            detail: MemoDetail {
                filename: d.filename.clone(),
                tags: d.tags.clone(),
                built: d.built,
                archives: d.archives.clone(),
                revision: d.revision.clone(),
                url: d.url.clone(),
                contents: d.contents.clone(),
                notes: d.notes.clone(),
            },
            learned: learned.to_vec(),
            logical: m.logical,
            disk: m.disk,
            files: m.files,
            dirs: m.dirs,
            modified_ns: m.modified.and_then(ns_of_time),
        })
    }

    /// The unit again, already measured, in the bucket at `bucket`.
    pub fn unit(&self, bucket: u16) -> Unit {
        let d = &self.detail;
        Unit {
            entry: Entry {
                id: 0,
                bucket: Some(bucket),
                kind: self.kind,
                path: self.path.clone().into(),
                package: self.package.clone(),
                version: self.version.clone(),
                source: (&self.source).into(),
                state: self.state,
                sizes: Sizes::default(),
                linked_out_bytes: 0,
                cloned_bytes: 0,
                modified: None,
                detail: Detail {
                    filename: d.filename.clone(),
                    tags: d.tags.clone(),
                    built: d.built,
                    archives: d.archives.clone(),
                    referrers: vec![],
                    revision: d.revision.clone(),
                    url: d.url.clone(),
                    contents: d.contents.clone(),
                    notes: d.notes.clone(),
                },
            },
            members: vec![],
            learned: self.learned.clone(),
            measured: Some(Box::new(Measured {
                logical: self.logical,
                disk: self.disk,
                files: self.files,
                dirs: self.dirs,
                modified: self.modified_ns.and_then(crate::engine::json::time_of_ns),
                ..Measured::default()
            })),
            memo: None,
        }
    }
}

fn ns_of_time(t: SystemTime) -> Option<i128> {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    i128::try_from(d.as_nanos()).ok()
}

/// Which directory a freshly planned unit came from, and whether it may be
/// remembered.
#[derive(Debug, Clone)]
pub struct MemoTag {
    /// The directory's key (path relative to the root).
    pub key: std::sync::Arc<str>,
    /// The directory.
    pub dir: std::sync::Arc<Path>,
    /// The directory's identity, taken before it was listed.
    pub id: Identity,
    /// No problem so far: planning read everything, the times are settled.
    pub clean: bool,
}

/// The memos of one scan: those read from the index, and which were reused.
#[derive(Debug, Default)]
pub struct Memos {
    /// Remembered directories by key (empty: reuse nothing).
    pub old: FxHashMap<String, DirMemo>,
    /// Whether to tag planned units for remembering.
    pub record: bool,
    /// Times after this (nanoseconds since the epoch) are too recent to trust.
    pub cutoff_ns: i128,
    /// Keys of the directories reused.
    pub hits: Mutex<Vec<String>>,
}

impl Memos {
    /// Memos for a scan starting now.
    pub fn new(old: Vec<DirMemo>, record: bool) -> Memos {
        let now = ns_of_time(SystemTime::now()).unwrap_or(0);
        Memos {
            old: old.into_iter().map(|d| (d.key.clone(), d)).collect(),
            record,
            cutoff_ns: now - SETTLE_NS,
            hits: Mutex::new(Vec::new()),
        }
    }

    /// The memo of the directory at `key` if its identity is still `id`.
    pub fn reuse(&self, key: &str, id: &Identity) -> Option<&DirMemo> {
        let memo = self.old.get(key).filter(|m| m.id == *id)?;
        if let Ok(mut hits) = self.hits.lock() {
            hits.push(key.to_string());
        }
        Some(memo)
    }

    /// Whether a directory with identity `id` has settled times.
    pub fn settled(&self, id: &Identity) -> bool {
        id.mtime_ns <= self.cutoff_ns && id.ctime_ns <= self.cutoff_ns
    }

    /// The memos reused, taken out.
    pub fn take_hits(&mut self) -> Vec<DirMemo> {
        let hits = std::mem::take(self.hits.get_mut().unwrap_or_else(|e| e.into_inner()));
        hits.iter().filter_map(|k| self.old.remove(k)).collect()
    }
}

/// Whether a unit planned from the directory `dir` owns only files directly
/// in it.
pub fn owns_only_children(unit: &Unit, dir: &Path) -> bool {
    !unit.members.is_empty()
        && unit
            .members
            .iter()
            .all(|m| !m.recurse && m.path.parent() == Some(dir))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::scan::buckets::Member;

    fn identity(mtime_ns: i128, ctime_ns: i128) -> Identity {
        Identity {
            dev: 1,
            ino: 2,
            mtime_ns,
            ctime_ns,
        }
    }

    fn entry(source: Source) -> Entry {
        Entry {
            id: 0,
            bucket: Some(3),
            kind: EntryKind::Wheel,
            path: "wheels-v8/pypi/six/six-1.16.0-py2.py3-none-any".into(),
            package: Some("six".into()),
            version: Some("1.16.0".into()),
            source,
            state: EntryState::Current,
            sizes: Sizes::default(),
            linked_out_bytes: 0,
            cloned_bytes: 0,
            modified: None,
            detail: Detail {
                filename: Some("six-1.16.0-py2.py3-none-any.whl".into()),
                tags: Some("py2.py3-none-any".into()),
                built: Some(false),
                archives: vec!["Sb-wLgsD1J4P-Tg5".into()],
                referrers: vec![],
                revision: Some("r".into()),
                url: Some("https://example.org/six.whl".into()),
                contents: vec!["c".into()],
                notes: vec!["n".into()],
            },
        }
    }

    fn sources() -> Vec<Source> {
        let d = || "0123456789abcdef".to_string();
        let u = || Some("https://example.org/simple".to_string());
        vec![
            Source::Pypi,
            Source::Index {
                digest: d(),
                url: u(),
            },
            Source::Url {
                digest: d(),
                url: None,
            },
            Source::Path { digest: d() },
            Source::Editable { digest: d() },
            Source::Git {
                digest: d(),
                url: u(),
                commit: Some("abc".into()),
            },
            Source::None,
        ]
    }

    /// A directory memo with one unit per kind of source.
    pub(crate) fn sample_dir() -> DirMemo {
        let m = Measured {
            logical: 100,
            disk: 4096,
            files: 2,
            modified: Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(1_500)),
            ..Measured::default()
        };
        let learned = [Learned::Index {
            digest: "0123456789abcdef".into(),
            url: "https://example.org/simple".into(),
        }];
        DirMemo {
            key: "wheels-v8/pypi/six".into(),
            id: identity(10, 20),
            units: sources()
                .into_iter()
                .filter_map(|s| MemoUnit::of(&entry(s), &learned, &m))
                .collect(),
        }
    }

    #[test]
    fn a_remembered_unit_comes_back_as_planned_and_measured() {
        for source in sources() {
            let planned = entry(source);
            let m = Measured {
                logical: 7,
                disk: 8192,
                files: 3,
                dirs: 1,
                modified: Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(99)),
                ..Measured::default()
            };
            let memo = MemoUnit::of(&planned, &[], &m).expect("utf-8 path");
            let unit = memo.unit(5);
            let back = unit.entry;
            assert_eq!(back.bucket, Some(5), "the bucket index of this scan");
            assert_eq!(back.source, planned.source);
            assert_eq!(
                (
                    back.kind,
                    &back.path,
                    &back.package,
                    &back.version,
                    back.state
                ),
                (
                    planned.kind,
                    &planned.path,
                    &planned.package,
                    &planned.version,
                    planned.state
                )
            );
            assert_eq!(
                serde_json::to_value(&back.detail).expect("json"),
                serde_json::to_value(&planned.detail).expect("json")
            );
            let again = unit.measured.expect("measured");
            assert_eq!(
                (
                    again.logical,
                    again.disk,
                    again.files,
                    again.dirs,
                    again.modified
                ),
                (7, 8192, 3, 1, m.modified)
            );
            assert!(unit.members.is_empty() && unit.memo.is_none());
        }
    }

    #[test]
    fn only_settled_unchanged_directories_are_reused() {
        let mut memos = Memos::new(vec![sample_dir()], true);
        assert!(memos.settled(&identity(10, 20)));
        let now = memos.cutoff_ns + SETTLE_NS;
        assert!(
            !memos.settled(&identity(10, now - 1)),
            "changed a moment ago"
        );
        assert!(!memos.settled(&identity(now, 20)));
        assert!(
            memos
                .reuse("wheels-v8/pypi/six", &identity(10, 21))
                .is_none()
        );
        assert!(
            memos
                .reuse("wheels-v8/pypi/other", &identity(10, 20))
                .is_none()
        );
        assert!(
            memos
                .reuse("wheels-v8/pypi/six", &identity(10, 20))
                .is_some()
        );
        let hits = memos.take_hits();
        assert_eq!(hits.len(), 1);
        assert!(memos.old.is_empty(), "what was reused is taken out");
    }

    #[test]
    fn only_units_of_direct_children_can_be_remembered() {
        let dir = Path::new("/c/wheels-v8/pypi/six");
        let mut unit = sample_dir().units[0].unit(0);
        assert!(!owns_only_children(&unit, dir), "owns nothing");
        unit.members.push(Member {
            path: dir.join("six.http"),
            recurse: false,
        });
        assert!(owns_only_children(&unit, dir));
        unit.members.push(Member {
            path: dir.join("sub"),
            recurse: true,
        });
        assert!(!owns_only_children(&unit, dir), "a tree below");
        unit.members.pop();
        unit.members.push(Member {
            path: "/c/wheels-v8/pypi/other/x".into(),
            recurse: false,
        });
        assert!(!owns_only_children(&unit, dir), "a file elsewhere");
    }
}
