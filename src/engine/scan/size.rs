//! Hard-link aware sizes: every inode counted once, and *reclaimable* bytes
//! only where every link of an inode lies inside the set being removed.

use crate::engine::model::{Entry, EntryId, SharedInodes, Sizes, Snapshot};
use crate::engine::scan::walk::LinkedInode;

/// One entry's links to one multiply-linked inode, as the table keeps it: 48 bytes, in one
/// flat vector sorted once all entries are in (no per-inode map entry or allocation).
#[derive(Debug, Clone, Copy)]
struct LinkRec {
    dev: u64,
    ino: u64,
    size: u64,
    disk: u64,
    /// Link count stat'ed during this scan (0: taken from the index).
    nlink: u32,
    /// Links outside the cache when the index recorded it (`u32::MAX`: not from the index).
    outside: u32,
    /// Links to it inside the entry.
    links: u32,
    entry: EntryId,
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

/// Accumulates multiply-linked inodes across all entries of a scan: a flat vector of
/// per-entry records, sorted by inode before it is read ([`InodeTable::links`],
/// [`InodeTable::finish`]), so memory stays at one small record per link an entry holds.
#[derive(Debug, Default)]
pub struct InodeTable {
    recs: Vec<LinkRec>,
    sorted: bool,
}

fn clamp32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX - 1)
}

impl InodeTable {
    /// A table with room for `n` records.
    pub fn with_capacity(n: usize) -> Self {
        InodeTable {
            recs: Vec::with_capacity(n),
            sorted: false,
        }
    }

    /// Adds the linked files one entry holds (folded by [`fold_links`]), and
    /// counts each inode once in that entry's own sizes.
    pub fn add_entry(&mut self, entry: &mut Entry, linked: &[(LinkedInode, u64)]) {
        self.add(entry, linked, false);
    }

    /// [`InodeTable::add_entry`] for links taken from the persistent index,
    /// whose `nlink` is the number of links *outside the cache* when the
    /// index recorded them: an inode is then inside the cache when it had no
    /// outside links, unless a link stat'ed during this scan says otherwise.
    pub fn add_indexed_entry(&mut self, entry: &mut Entry, linked: &[(LinkedInode, u64)]) {
        self.add(entry, linked, true);
    }

    fn add(&mut self, entry: &mut Entry, linked: &[(LinkedInode, u64)], indexed: bool) {
        self.sorted = false;
        self.recs.reserve(linked.len());
        for (l, links) in linked {
            entry.sizes.logical_bytes += l.size;
            entry.sizes.disk_bytes += l.disk;
            let (nlink, outside) = if indexed {
                (0, clamp32(l.nlink))
            } else {
                (clamp32(l.nlink), u32::MAX)
            };
            self.recs.push(LinkRec {
                dev: l.dev,
                ino: l.ino,
                size: l.size,
                disk: l.disk,
                nlink,
                outside,
                links: clamp32(*links),
                entry: entry.id,
            });
        }
    }

    /// Sorts the records by inode; [`InodeTable::links`] needs it.
    pub fn seal(&mut self) {
        if !self.sorted {
            self.recs.sort_unstable_by_key(|r| (r.dev, r.ino, r.entry));
            self.sorted = true;
        }
    }

    /// Links to `(dev, ino)` seen in the cache and its stat'ed link count (after
    /// [`InodeTable::seal`]; `None` before).
    pub fn links(&self, dev: u64, ino: u64) -> Option<(u64, u64)> {
        if !self.sorted {
            return None;
        }
        let start = self.recs.partition_point(|r| (r.dev, r.ino) < (dev, ino));
        let group = self.recs[start..]
            .iter()
            .take_while(|r| (r.dev, r.ino) == (dev, ino));
        let mut found = None;
        for r in group {
            let (seen, nlink) = found.unwrap_or((0u64, 0u64));
            found = Some((seen + u64::from(r.links), nlink.max(u64::from(r.nlink))));
        }
        found
    }

    /// Settles reclaimable and linked-out bytes per entry and returns the
    /// inodes shared between entries.
    pub fn finish(mut self, entries: &mut [Entry]) -> SharedInodes {
        self.seal();
        let mut shared = SharedInodes::default();
        for group in self.recs.chunk_by(|a, b| (a.dev, a.ino) == (b.dev, b.ino)) {
            let first = group[0];
            let seen: u64 = group.iter().map(|r| u64::from(r.links)).sum();
            let nlink = group.iter().map(|r| u64::from(r.nlink)).max().unwrap_or(0);
            let outside = group.iter().map(|r| r.outside).find(|o| *o != u32::MAX);
            let inside = match outside {
                Some(outside) if nlink == 0 => outside == 0,
                _ => seen >= nlink,
            };
            if group.len() == 1 {
                if let Some(e) = entries.get_mut(first.entry as usize) {
                    if inside {
                        e.sizes.reclaimable_bytes += first.disk;
                    } else {
                        e.linked_out_bytes += first.disk;
                    }
                }
                continue;
            }
            let ids: Vec<EntryId> = group.iter().map(|r| r.entry).collect();
            if !inside {
                for id in &ids {
                    if let Some(e) = entries.get_mut(*id as usize) {
                        e.linked_out_bytes += first.disk;
                    }
                }
            }
            shared.inodes.push((first.size, first.disk, inside, ids));
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
        for (size, disk, inside, ids) in &self.shared.inodes {
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
                if *inside && k == ids.len() as u64 {
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
