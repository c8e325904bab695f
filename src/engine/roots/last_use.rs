//! When each cache entry was last used, from the best signal there is, and which one.
//!
//! * **installed**: a known root (environment) has a distribution installed from the entry;
//!   its `.dist-info` was written then.
//! * **read**: uv read the entry's pointer or metadata file after writing it (its access time
//!   is later than its modification time). uv reads a wheel's `.http`/`.msgpack`/`.rev`
//!   pointer each time it installs from it, a revision's `revision.http`/`.rev` on each build
//!   lookup, a Simple page on each resolution. With Linux's default `relatime` an access time
//!   moves at most once a day; with `noatime` never (then this signal is simply absent).
//!   uvcache's own reads do not move it (files are opened with `O_NOATIME` where the
//!   owner or root runs it). `du` and `uv cache size` do not read files, so they do not move it
//!   either.
//! * **written**: the entry's newest modification time (when uv wrote it).
//!
//! An archive's last use is the newest of its own and its referrers' (reading a wheel's
//! pointer is using the archive it names). The newest signal wins.

use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::Usage;
use crate::engine::model::{EntryId, EntryKind, Snapshot};

/// Which signal a last use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    /// Written by uv (modification time).
    Written,
    /// Read by uv (access time of a pointer or metadata file).
    Read,
    /// Installed into a known root.
    Installed,
}

impl Signal {
    /// The word shown after the time.
    pub fn label(self) -> &'static str {
        match self {
            Signal::Written => "written",
            Signal::Read => "read",
            Signal::Installed => "installed",
        }
    }
}

/// A last use and its signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LastUse {
    /// When (seconds since the epoch in JSON).
    #[serde(serialize_with = "ser_at")]
    pub at: SystemTime,
    /// From which signal.
    pub signal: Signal,
}

fn ser_at<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    crate::engine::json::ser_time(&Some(*t), s)
}

impl LastUse {
    fn newer(a: Option<LastUse>, b: Option<LastUse>) -> Option<LastUse> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if (y.at, y.signal) > (x.at, x.signal) {
                y
            } else {
                x
            }),
            (x, None) => x,
            (None, y) => y,
        }
    }
}

/// The last use of every entry of a snapshot.
#[derive(Debug, Clone, Default)]
pub struct LastUses {
    by_entry: Vec<Option<LastUse>>,
}

impl LastUses {
    /// The last use of `id`.
    pub fn of(&self, id: EntryId) -> Option<LastUse> {
        self.by_entry.get(id as usize).copied().flatten()
    }

    /// The newest last use among `ids`.
    pub fn newest(&self, ids: impl IntoIterator<Item = EntryId>) -> Option<LastUse> {
        ids.into_iter()
            .fold(None, |acc, id| LastUse::newer(acc, self.of(id)))
    }
}

/// How much later than the modification time an access must be to count as a read (a file
/// uv writes and reads back at once is not "used" yet).
const READ_AFTER_WRITE: Duration = Duration::from_secs(2);

/// The last use of every entry of `snap`, with what `usage` knows of installs.
pub fn last_uses(snap: &Snapshot, usage: &Usage) -> LastUses {
    let root = &snap.root.path;
    let mut by_entry: Vec<Option<LastUse>> = snap
        .entries
        .iter()
        .map(|e| {
            let written = e.modified.map(|at| LastUse {
                at,
                signal: Signal::Written,
            });
            let read = read_signal(root, &e.path, e.kind).map(|at| LastUse {
                at,
                signal: Signal::Read,
            });
            let installed = usage.installed.get(&e.id).map(|at| LastUse {
                at: *at,
                signal: Signal::Installed,
            });
            LastUse::newer(LastUse::newer(written, read), installed)
        })
        .collect();
    // Archives: their referrers' uses are theirs.
    for e in &snap.entries {
        if matches!(e.kind, EntryKind::Archive) {
            let from_referrers = e.detail.referrers.iter().fold(None, |acc, r| {
                LastUse::newer(acc, by_entry.get(*r as usize).copied().flatten())
            });
            if let Some(slot) = by_entry.get_mut(e.id as usize) {
                *slot = LastUse::newer(*slot, from_referrers);
            }
        }
    }
    LastUses { by_entry }
}

/// The newest access time, later than its modification time, of the files uv reads when it
/// uses an entry of `kind` at `rel`.
fn read_signal(root: &Path, rel: &Path, kind: EntryKind) -> Option<SystemTime> {
    let path = root.join(rel);
    let files: Vec<std::path::PathBuf> = match kind {
        EntryKind::Wheel => [".http", ".msgpack", ".rev"]
            .iter()
            .map(|ext| {
                let mut p = path.clone().into_os_string();
                p.push(ext);
                p.into()
            })
            .collect(),
        EntryKind::SdistRevision => {
            let parent = path.parent()?;
            vec![parent.join("revision.http"), parent.join("revision.rev")]
        }
        EntryKind::SdistPointer
        | EntryKind::WheelMetadata
        | EntryKind::SimplePage
        | EntryKind::FlatIndexPage => vec![path],
        _ => return None,
    };
    files.iter().filter_map(|f| read_after_write(f)).max()
}

/// The access time of a regular file when it is later than its modification time.
fn read_after_write(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let (accessed, modified) = (meta.accessed().ok()?, meta.modified().ok()?);
    (accessed > modified + READ_AFTER_WRITE).then_some(accessed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_signal_wins_and_ties_prefer_the_stronger() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let w = Some(LastUse {
            at: t,
            signal: Signal::Written,
        });
        let i = Some(LastUse {
            at: t,
            signal: Signal::Installed,
        });
        let r = Some(LastUse {
            at: t + Duration::from_secs(1),
            signal: Signal::Read,
        });
        assert_eq!(LastUse::newer(w, i), i);
        assert_eq!(LastUse::newer(i, r), r);
        assert_eq!(LastUse::newer(None, w), w);
    }

    #[test]
    fn an_access_right_after_writing_is_not_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.http");
        std::fs::write(&f, b"x").unwrap();
        assert_eq!(read_after_write(&f), None);
        let file = std::fs::File::options().write(true).open(&f).unwrap();
        let long_ago = SystemTime::now() - Duration::from_secs(86400 * 10);
        file.set_modified(long_ago).unwrap();
        let later = read_after_write(&f);
        assert!(later.is_some_and(|t| t > long_ago + Duration::from_secs(86400)));
    }
}
