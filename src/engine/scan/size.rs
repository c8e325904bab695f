//! Hard-link aware sizes: every inode counted once, and *reclaimable* bytes
//! only where every link of an inode lies inside the set being removed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::engine::model::{Entry, EntryId, SharedInodes, Sizes, Snapshot};
use crate::engine::scan::walk::LinkedInode;

/// Flag in [`LinkRec::links`]: the record comes from the persistent index.
const INDEXED: u32 = 1 << 31;

/// One entry's links to one multiply-linked inode, as the table keeps it: 40 bytes, in one
/// flat vector sorted once all entries are in (no per-inode map entry or allocation).
#[derive(Debug, Clone, Copy)]
struct LinkRec {
    ino: u64,
    size: u64,
    disk: u64,
    /// Index of the device in [`InodeTable::devs`].
    dev: u32,
    /// Stat'ed during this scan: the link count. From the index: the links outside the
    /// cache when the index recorded it.
    count: u32,
    /// Links to it inside the entry, with [`INDEXED`] set when taken from the index.
    links: u32,
    /// The entry (a unit's serial until [`InodeTable::renumber`]).
    entry: EntryId,
}

const _: () = assert!(std::mem::size_of::<LinkRec>() == 40);

impl LinkRec {
    fn links(&self) -> u64 {
        u64::from(self.links & !INDEXED)
    }

    fn indexed(&self) -> bool {
        self.links & INDEXED != 0
    }

    /// The stat'ed link count (0 when taken from the index).
    fn nlink(&self) -> u64 {
        if self.indexed() {
            0
        } else {
            u64::from(self.count)
        }
    }
}

/// Sorts an entry's linked files and folds links to the same inode into one
/// record with a link count (done on the worker threads).
pub fn fold_links(mut linked: Vec<LinkedInode>) -> Vec<(LinkedInode, u64)> {
    linked.sort_unstable();
    let mut out: Vec<(LinkedInode, u64)> = Vec::with_capacity(linked.len());
    for l in linked {
        match out.last_mut() {
            Some((last, n)) if (last.dev, last.ino) == (l.dev, l.ino) => *n += 1,
            _ => out.push((l, 1)),
        }
    }
    out
}

fn clamp32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX - 1)
}

/// What one unit added to the table: its serial (the `entry` of its records until
/// [`InodeTable::renumber`]) and the sizes of its linked files, each inode once.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkedSums {
    /// The unit's serial.
    pub serial: u32,
    /// Apparent bytes of its multiply-linked files.
    pub logical: u64,
    /// Allocated bytes of the same.
    pub disk: u64,
}

/// Where the measuring threads put the linked files of the units they measure, as they go:
/// a unit's links are then kept once, in the table, and not also until every unit is in.
#[derive(Debug, Default)]
pub struct LinkSink {
    table: Mutex<InodeTable>,
    next: AtomicU32,
}

impl LinkSink {
    /// Adds one unit's folded linked files (`indexed`: taken from the persistent index, see
    /// [`InodeTable::add`]) under a new serial.
    pub fn add(&self, linked: &[(LinkedInode, u64)], indexed: bool) -> LinkedSums {
        let serial = self.next.fetch_add(1, Ordering::Relaxed);
        if linked.is_empty() {
            return LinkedSums {
                serial,
                ..LinkedSums::default()
            };
        }
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        table.add(serial, linked, indexed)
    }

    /// The table, once every unit is in.
    pub fn into_table(self) -> InodeTable {
        self.table.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// Accumulates multiply-linked inodes across all entries of a scan: a flat vector of
/// per-entry records, sorted by inode before it is read ([`InodeTable::groups`],
/// [`InodeTable::finish`]), so memory stays at one small record per link an entry holds.
#[derive(Debug, Default)]
pub struct InodeTable {
    recs: Vec<LinkRec>,
    /// Device ids, in the order first seen.
    devs: Vec<u64>,
    sorted: bool,
}

/// The records of one inode (see [`InodeTable::groups`]).
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Apparent size.
    pub size: u64,
    /// Allocated bytes.
    pub disk: u64,
    recs: &'a [LinkRec],
}

impl Group<'_> {
    /// Links to it seen in the cache.
    pub fn seen(&self) -> u64 {
        self.recs.iter().map(LinkRec::links).sum()
    }

    /// Its link count as stat'ed during this scan (0: only known from the index).
    pub fn nlink(&self) -> u64 {
        self.recs.iter().map(LinkRec::nlink).max().unwrap_or(0)
    }

    /// Whether an entry taken from the index holds it.
    pub fn indexed(&self) -> bool {
        self.recs.iter().any(LinkRec::indexed)
    }

    /// Whether every link to it lies inside the cache: the stat'ed link count says so,
    /// or, when only the index knows it, the index recorded no link outside.
    pub fn inside(&self) -> bool {
        let nlink = self.nlink();
        let outside = self.recs.iter().find(|r| r.indexed()).map(|r| r.count);
        match outside {
            Some(outside) if nlink == 0 => outside == 0,
            _ => self.seen() >= nlink,
        }
    }

    /// The entries holding it, with their links to it.
    pub fn members(&self) -> impl Iterator<Item = (EntryId, u64)> + '_ {
        self.recs.iter().map(|r| (r.entry, r.links()))
    }
}

impl InodeTable {
    fn dev_index(&mut self, dev: u64) -> u32 {
        // Nearly always one device, rarely a few: a scan from the end is enough.
        match self.devs.iter().rposition(|d| *d == dev) {
            Some(i) => clamp32(i as u64),
            None => {
                self.devs.push(dev);
                clamp32(self.devs.len() as u64 - 1)
            }
        }
    }

    /// Adds the linked files one unit holds (folded by [`fold_links`]) under `entry`, and
    /// returns their sizes, each inode once. With `indexed`, the links come from the
    /// persistent index, whose `nlink` is the number of links *outside the cache* when the
    /// index recorded them: an inode is then inside the cache when it had no outside links,
    /// unless a link stat'ed during this scan says otherwise.
    pub fn add(
        &mut self,
        entry: EntryId,
        linked: &[(LinkedInode, u64)],
        indexed: bool,
    ) -> LinkedSums {
        self.sorted = false;
        self.recs.reserve(linked.len());
        let mut sums = LinkedSums {
            serial: entry,
            ..LinkedSums::default()
        };
        for (l, links) in linked {
            sums.logical += l.size;
            sums.disk += l.disk;
            let dev = self.dev_index(l.dev);
            let flag = if indexed { INDEXED } else { 0 };
            self.recs.push(LinkRec {
                ino: l.ino,
                size: l.size,
                disk: l.disk,
                dev,
                count: clamp32(l.nlink),
                links: clamp32(*links).min(INDEXED - 1) | flag,
                entry,
            });
        }
        sums
    }

    /// Replaces each record's unit serial by its entry: `entry_of[serial]`.
    pub fn renumber(&mut self, entry_of: &[EntryId]) {
        for r in &mut self.recs {
            if let Some(e) = entry_of.get(r.entry as usize) {
                r.entry = *e;
            }
        }
        self.sorted = false;
    }

    /// Sorts the records by inode; [`InodeTable::groups`] needs it.
    pub fn seal(&mut self) {
        if !self.sorted {
            self.recs.sort_unstable_by_key(|r| (r.dev, r.ino, r.entry));
            self.sorted = true;
        }
    }

    /// The records grouped by inode, in ascending (device, inode) order (after
    /// [`InodeTable::seal`]; nothing before).
    pub fn groups(&self) -> impl Iterator<Item = Group<'_>> + '_ {
        let recs: &[LinkRec] = if self.sorted { &self.recs } else { &[] };
        recs.chunk_by(|a, b| (a.dev, a.ino) == (b.dev, b.ino))
            .map(|recs| {
                let first = recs[0];
                Group {
                    dev: self
                        .devs
                        .get(first.dev as usize)
                        .copied()
                        .unwrap_or_default(),
                    ino: first.ino,
                    size: first.size,
                    disk: first.disk,
                    recs,
                }
            })
    }

    /// Settles reclaimable and linked-out bytes per entry and returns the
    /// inodes shared between entries.
    pub fn finish(mut self, entries: &mut [Entry]) -> SharedInodes {
        self.seal();
        let mut shared = SharedInodes::default();
        for group in self.groups() {
            let inside = group.inside();
            if group.recs.len() == 1 {
                if let Some(e) = entries.get_mut(group.recs[0].entry as usize) {
                    if inside {
                        e.sizes.reclaimable_bytes += group.disk;
                    } else {
                        e.linked_out_bytes += group.disk;
                    }
                }
                continue;
            }
            if !inside {
                for (id, _) in group.members() {
                    if let Some(e) = entries.get_mut(id as usize) {
                        e.linked_out_bytes += group.disk;
                    }
                }
            }
            let ids = group.members().map(|(id, _)| id);
            shared.push(group.size, group.disk, inside, ids);
        }
        shared
    }
}

impl Snapshot {
    /// Sizes of a set of entries, hard links counted once, reclaimable bytes
    /// only where every link lies inside the set.
    pub fn sizes_of(&self, member: impl Fn(EntryId) -> bool) -> Sizes {
        let mut sizes = self.sizes_by_group(1, |id| member(id).then_some(0));
        sizes.pop().unwrap_or_default()
    }

    /// Sizes of `groups` disjoint sets of entries at once; `group_of` names
    /// each entry's set (or none).
    pub fn sizes_by_group(
        &self,
        groups: usize,
        group_of: impl Fn(EntryId) -> Option<usize>,
    ) -> Vec<Sizes> {
        let mut out = vec![Sizes::default(); groups];
        for e in &self.entries {
            if let Some(s) = group_of(e.id).and_then(|g| out.get_mut(g)) {
                s.add(&e.sizes);
            }
        }
        let mut per: Vec<(usize, u64)> = Vec::new();
        for (size, disk, inside, ids) in self.shared.iter() {
            per.clear();
            for id in ids {
                if let Some(g) = group_of(*id) {
                    match per.iter_mut().find(|(pg, _)| *pg == g) {
                        Some((_, k)) => *k += 1,
                        None => per.push((g, 1)),
                    }
                }
            }
            for &(g, k) in &per {
                let Some(s) = out.get_mut(g) else { continue };
                s.logical_bytes -= size * (k - 1);
                s.disk_bytes -= disk * (k - 1);
                if inside && k == ids.len() as u64 {
                    s.reclaimable_bytes += disk;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(ino: u64, nlink: u64) -> LinkedInode {
        LinkedInode {
            dev: 1,
            ino,
            nlink,
            size: 10,
            disk: 4096,
        }
    }

    #[test]
    fn folds_links_to_one_inode() {
        let folded = fold_links(vec![l(2, 3), l(1, 2), l(2, 3)]);
        assert_eq!(
            folded.iter().map(|(x, n)| (x.ino, *n)).collect::<Vec<_>>(),
            [(1, 1), (2, 2)]
        );
    }
}
