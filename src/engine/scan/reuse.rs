//! What a scan reuses from the scan store ([`super::store`]) and what it
//! records there: archive measurements keyed by path and directory identity,
//! and pointer directories remembered whole ([`super::buckets::memo`]).
//!
//! One type, [`Reuse`]: [`Reuse::open`] reads the store, [`Reuse::lookup`]
//! answers for one unit, [`Reuse::record`] keeps what a walk found,
//! [`Reuse::settle`] reconciles reused archives with what was walked now, and
//! [`Reuse::finish`] writes the store back and reports how it was used.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustc_hash::{FxHashMap, FxHashSet};

use super::ScanOptions;
use super::buckets::Unit;
use super::buckets::memo::{DirMemo, MemoUnit, Memos};
use super::size::{InodeTable, LinkedSums};
use super::store::{self, ArchiveRecord, IndexFile, IndexMode};
use super::walk::{Identity, LinkedInode, Measured};
use crate::engine::model::{Entry, EntryId, EntryKind, IndexChanges, IndexReport, PackageGrowth};

/// A unit, what measuring it found, what its hard-linked files (kept in the scan's
/// [`InodeTable`]) add to it, and where its store record came from.
pub(super) type MeasuredUnit = (Unit, Measured, LinkedSums, Recorded);

/// Where an archive's measurement came from.
pub(super) enum Recorded {
    /// Not an archive, or not stored.
    No,
    /// Reused from the store record with this key.
    Reused(String),
    /// Walked now; the record to store (`None`: not reusable).
    Walked(Option<Box<ArchiveRecord>>),
}

/// The store as one scan uses it.
pub(super) struct Reuse {
    mode: IndexMode,
    report: IndexReport,
    records: FxHashMap<String, ArchiveRecord>,
    /// When the store read was written.
    old_written: Option<u64>,
    /// Directory memos read, and those hit during planning.
    pub(super) memos: Memos,
    /// When this scan's walks started (seconds since the epoch).
    walked_at: u64,
}

/// What assembling the snapshot saw that the store keeps.
#[derive(Default)]
pub(super) struct Seen {
    /// Keys of the records reused.
    reused: Vec<String>,
    /// Records of archives walked now, with their entries.
    pub(super) fresh: Vec<(ArchiveRecord, EntryId)>,
    /// Archives walked now: (key, entry).
    walked_now: Vec<(String, EntryId)>,
    /// Freshly planned directories: (identity, units, all clean).
    planned_dirs: FxHashMap<Arc<str>, (Identity, Vec<MemoUnit>, bool)>,
}

impl Seen {
    /// Notes one measured unit as it becomes `entry`.
    pub(super) fn unit(
        &mut self,
        memo: Option<super::buckets::memo::MemoTag>,
        learned: &[super::buckets::Learned],
        recorded: Recorded,
        entry: &Entry,
        m: &Measured,
    ) {
        match recorded {
            Recorded::No => {}
            Recorded::Reused(key) => self.reused.push(key),
            Recorded::Walked(rec) => {
                self.walked_now.push((key_of_entry(entry), entry.id));
                self.fresh.extend(rec.map(|r| (*r, entry.id)));
            }
        }
        if let Some(tag) = memo {
            let unit = tag.clean.then(|| MemoUnit::of(entry, learned, m)).flatten();
            let group = self
                .planned_dirs
                .entry(tag.key)
                .or_insert_with(|| (tag.id, Vec::new(), true));
            match unit {
                Some(u) => group.1.push(u),
                None => group.2 = false,
            }
        }
    }
}

/// Changes since the last scan, waiting for the packages of the new archives.
pub(super) struct PendingGrowth {
    changes: IndexChanges,
    added: Vec<EntryId>,
}

impl PendingGrowth {
    /// Completes the changes once `entries` name their packages.
    pub(super) fn complete(self, entries: &[Entry]) -> IndexChanges {
        growth(self.changes, &self.added, entries)
    }
}

impl Reuse {
    /// Reads the store of the cache at `dir` as `opts` say.
    pub(super) fn open(dir: &Path, opts: &ScanOptions) -> Reuse {
        let mut report = IndexReport {
            mode: opts.index.name(),
            path: (opts.index != IndexMode::Off)
                .then(|| opts.index_file.clone().or_else(|| store::index_path(dir)))
                .flatten(),
            ..IndexReport::default()
        };
        let mut records = FxHashMap::default();
        let mut old_dirs = Vec::new();
        let mut old_written = None;
        if opts.index == IndexMode::Use
            && let Some(path) = &report.path
        {
            match store::load(path, dir) {
                Ok(mut file) => {
                    old_written = Some(file.written);
                    old_dirs = std::mem::take(&mut file.dirs);
                    records = file.into_map();
                }
                Err(why) => {
                    report.not_a_file = matches!(why, store::ReadError::NotAFile(_));
                    report.ignored = Some(why.to_string());
                }
            }
        }
        let indexing = opts.index != IndexMode::Off;
        Reuse {
            mode: opts.index,
            report,
            records,
            old_written,
            memos: Memos::new(old_dirs, indexing),
            walked_at: store::now_secs(),
        }
    }

    /// Whether the unit's measurement is kept in the store (one archive
    /// directory, measured whole).
    pub(super) fn stores(&self, unit: &Unit) -> bool {
        self.mode != IndexMode::Off
            && unit.entry.kind == EntryKind::Archive
            && matches!(unit.members.as_slice(), [m] if m.recurse)
    }

    /// The stored measurement of `unit`, if its directory is unchanged.
    pub(super) fn lookup(&self, unit: &Unit) -> Option<MeasuredUnitParts> {
        if !self.stores(unit) {
            return None;
        }
        let rec = self.records.get(&key_of_entry(&unit.entry))?;
        if !unchanged(rec, unit) {
            return None;
        }
        let (m, linked) = rec.measured();
        Some((m, linked, rec.key.clone()))
    }

    /// What to store of a walk of `unit`.
    pub(super) fn record(
        &self,
        unit: &Unit,
        m: &Measured,
        linked: &[(LinkedInode, u64)],
    ) -> Option<Box<ArchiveRecord>> {
        ArchiveRecord::of_walk(key_of_entry(&unit.entry), m, linked, self.walked_at).map(Box::new)
    }
    /// Settles reused archives against what was walked now: a file that was an
    /// archive's own when indexed may since have gained a link from an entry
    /// walked now (a new environment in the cache). Such files move from the
    /// archive's sums to the table (`table`, sealed, records numbered by entry:
    /// the unit's place in `measured`), so the inode is counted once; their
    /// records are rewritten. Returns the keys of those records.
    pub(super) fn settle(
        &self,
        measured: &mut [MeasuredUnit],
        table: &mut InodeTable,
    ) -> Vec<String> {
        let records = &self.records;
        let mut dropped = Vec::new();
        // Nothing reused (a first or full scan): nothing to settle.
        if !measured
            .iter()
            .any(|(_, _, _, r)| matches!(r, Recorded::Reused(_)))
        {
            return dropped;
        }
        // Files only entries walked now hold: the index already knows the others as
        // shared. Only those can be an archive's own file newly linked (checking them
        // means decoding every reused archive's inode lists).
        let fresh: Vec<LinkedInode> = table
            .groups()
            .filter(|g| !g.indexed())
            .map(|g| LinkedInode {
                dev: g.dev,
                ino: g.ino,
                nlink: 0,
                size: g.size,
                disk: g.disk,
            })
            .collect();
        if fresh.is_empty() {
            return dropped;
        }
        for (i, (_, m, sums, recorded)) in measured.iter_mut().enumerate() {
            let Recorded::Reused(key) = recorded else {
                continue;
            };
            let Some(rec) = records.get(key.as_str()) else {
                continue;
            };
            let own = rec
                .inside
                .iter()
                .map(|i| (i, 0))
                .chain(rec.outside.iter().map(|i| (i, 1)));
            let mut moved = Vec::new();
            for (ino, outside) in own {
                let Ok(at) = fresh.binary_search_by_key(&(rec.id.dev, ino), |l| (l.dev, l.ino))
                else {
                    continue;
                };
                let l = fresh[at];
                m.logical = m.logical.saturating_sub(l.size);
                m.disk = m.disk.saturating_sub(l.disk);
                if outside > 0 {
                    m.linked_out = m.linked_out.saturating_sub(l.disk);
                }
                // The link count stat'ed now decides; `nlink` here is the hint
                // of links outside the cache when indexed.
                moved.push((
                    LinkedInode {
                        nlink: outside,
                        ..l
                    },
                    1,
                ));
            }
            if !moved.is_empty() {
                let entry = EntryId::try_from(i).unwrap_or(EntryId::MAX);
                let added = table.add(entry, &moved, true);
                sums.logical += added.logical;
                sums.disk += added.disk;
                dropped.push(key.clone());
            }
        }
        if !dropped.is_empty() {
            table.seal();
        }
        dropped
    }

    /// Writes the store back when anything in it changed, and reports how
    /// this scan used it; `dropped` are reused records [`Reuse::settle`]
    /// found stale. The changes since the last scan wait for the packages
    /// of the new archives ([`PendingGrowth`]).
    pub(super) fn finish(
        mut self,
        root: &Path,
        seen: Seen,
        dropped: &[String],
    ) -> (IndexReport, Option<PendingGrowth>) {
        let Seen {
            reused,
            fresh,
            walked_now,
            planned_dirs,
        } = seen;
        self.report.archives_walked = walked_now.len() as u64;
        self.report.archives_reused = reused.len() as u64;
        // Added: walked now, unknown to the store; removed: known, not seen now.
        let pending = self.old_written.map(|written| {
            let seen: FxHashSet<&str> = reused
                .iter()
                .map(String::as_str)
                .chain(walked_now.iter().map(|(k, _)| k.as_str()))
                .collect();
            let removed: Vec<&ArchiveRecord> = self
                .records
                .values()
                .filter(|r| !seen.contains(r.key.as_str()))
                .collect();
            PendingGrowth {
                changes: IndexChanges {
                    since: Some(std::time::UNIX_EPOCH + Duration::from_secs(written)),
                    archives_removed: removed.len() as u64,
                    removed_disk_bytes: removed
                        .iter()
                        .map(|r| r.disk + r.shared.iter().map(|l| l.disk).sum::<u64>())
                        .sum(),
                    ..IndexChanges::default()
                },
                added: walked_now
                    .iter()
                    .filter(|(k, _)| !self.records.contains_key(k))
                    .map(|(_, id)| *id)
                    .collect(),
            }
        });
        if self.mode != IndexMode::Off {
            let mut dirs = self.memos.take_hits();
            self.report.dirs_reused = dirs.len() as u64;
            let dirs_changed = !self.memos.old.is_empty() || planned_dirs.values().any(|g| g.2);
            dirs.extend(planned_dirs.into_iter().filter(|(_, g)| g.2).map(
                |(key, (id, units, _))| DirMemo {
                    key: key.to_string(),
                    id,
                    units,
                },
            ));
            dirs.sort_by(|a, b| a.key.cmp(&b.key));
            self.report.dirs_remembered = dirs.len() as u64;
            update_store(
                &mut self.report,
                root,
                Stored {
                    records: self.records,
                    reused,
                    dropped,
                    fresh: fresh.into_iter().map(|(r, _)| r).collect(),
                    dirs,
                    dirs_changed,
                },
                self.mode,
            );
        }
        (self.report, pending)
    }
}

/// A stored measurement: the sums, the linked files, the record's key.
pub(super) type MeasuredUnitParts = (Measured, Vec<(LinkedInode, u64)>, String);

/// What a scan leaves for the store.
struct Stored<'a> {
    /// The archive records read from the index.
    records: FxHashMap<String, ArchiveRecord>,
    /// Keys of the records reused.
    reused: Vec<String>,
    /// Keys of reused records to rewrite.
    dropped: &'a [String],
    /// Records of archives walked now.
    fresh: Vec<ArchiveRecord>,
    /// Directory memos to keep.
    dirs: Vec<DirMemo>,
    /// Whether they differ from those read.
    dirs_changed: bool,
}

/// Writes the store after a scan when anything in it changed.
fn update_store(report: &mut IndexReport, root: &Path, stored: Stored<'_>, mode: IndexMode) {
    let Stored {
        mut records,
        reused,
        dropped,
        fresh,
        dirs,
        dirs_changed,
    } = stored;
    report.reclaimable_as_of = reused
        .iter()
        .filter_map(|k| records.get(k))
        .map(|r| r.walked)
        .min()
        .map(|s| std::time::UNIX_EPOCH + Duration::from_secs(s));
    let Some(path) = report.path.clone() else {
        return;
    };
    let unchanged = mode == IndexMode::Use
        && report.ignored.is_none()
        && fresh.is_empty()
        && dropped.is_empty()
        && !dirs_changed
        && reused.len() == records.len();
    if unchanged {
        return;
    }
    let mut kept: Vec<ArchiveRecord> = reused
        .iter()
        .filter(|k| !dropped.contains(k))
        .filter_map(|k| records.remove(k))
        .collect();
    kept.extend(fresh);
    kept.sort_by(|a, b| a.key.cmp(&b.key));
    let file = IndexFile {
        root: root.to_string_lossy().into_owned(),
        written: store::now_secs(),
        records: kept,
        dirs,
    };
    match store::save(&path, &file) {
        Ok(n) => report.written_bytes = n,
        Err(e) => report.write_error = Some(e),
    }
}

/// The store key of an entry: its path relative to the root.
fn key_of_entry(entry: &Entry) -> String {
    entry.path.to_string_lossy().into_owned()
}

/// Completes `changes` with the new archives (entries `added`, once their
/// packages are known).
fn growth(mut changes: IndexChanges, added: &[EntryId], entries: &[Entry]) -> IndexChanges {
    let mut by_package: FxHashMap<&str, (u64, u64)> = FxHashMap::default();
    for e in added.iter().filter_map(|id| entries.get(*id as usize)) {
        changes.archives_added += 1;
        changes.added_disk_bytes += e.sizes.disk_bytes;
        let p = by_package
            .entry(e.package.as_deref().unwrap_or("?"))
            .or_default();
        p.0 += 1;
        p.1 += e.sizes.disk_bytes;
    }
    let mut packages: Vec<PackageGrowth> = by_package
        .into_iter()
        .map(|(name, (archives, disk_bytes))| PackageGrowth {
            name: name.to_string(),
            archives,
            disk_bytes,
        })
        .collect();
    packages.sort_by(|a, b| b.disk_bytes.cmp(&a.disk_bytes).then(a.name.cmp(&b.name)));
    packages.truncate(3);
    changes.added_packages = packages;
    changes
}

/// Whether the archive directory of `unit` is still the one `rec` describes.
fn unchanged(rec: &ArchiveRecord, unit: &Unit) -> bool {
    let [member] = unit.members.as_slice() else {
        return false;
    };
    std::fs::symlink_metadata(&member.path)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .and_then(|m| Identity::of(&m))
        == Some(rec.id)
}
