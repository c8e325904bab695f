//! Hard-link aware sizes: every inode counted once, and *reclaimable* bytes
//! only where every link of an inode lies inside the set being removed.

use rustc_hash::FxHashMap;

use crate::engine::model::{Entry, EntryId, SharedInodes, Sizes, Snapshot};
use crate::engine::scan::walk::LinkedInode;

#[derive(Debug)]
struct InodeAcc {
    /// Largest link count stat'ed during this scan (0: none stat'ed).
    nlink: u64,
    /// Links outside the cache when the index recorded it (`None`: not from the index).
    outside: Option<u64>,
    seen: u64,
    size: u64,
    disk: u64,
    first: EntryId,
    /// Further entries holding a link (rare: script environments, file objects).
    others: Vec<EntryId>,
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

/// Accumulates multiply-linked inodes across all entries of a scan.
#[derive(Debug, Default)]
pub struct InodeTable {
    inodes: FxHashMap<(u64, u64), InodeAcc>,
}

impl InodeTable {
    /// A table with room for `n` inodes.
    pub fn with_capacity(n: usize) -> Self {
        InodeTable {
            inodes: FxHashMap::with_capacity_and_hasher(n, Default::default()),
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

    /// Links to `(dev, ino)` seen in the cache so far and its stat'ed link count.
    pub fn links(&self, dev: u64, ino: u64) -> Option<(u64, u64)> {
        self.inodes.get(&(dev, ino)).map(|a| (a.seen, a.nlink))
    }

    fn add(&mut self, entry: &mut Entry, linked: &[(LinkedInode, u64)], indexed: bool) {
        for (l, links) in linked {
            entry.sizes.logical_bytes += l.size;
            entry.sizes.disk_bytes += l.disk;
            let (nlink, outside) = if indexed {
                (0, Some(l.nlink))
            } else {
                (l.nlink, None)
            };
            match self.inodes.entry((l.dev, l.ino)) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(InodeAcc {
                        nlink,
                        outside,
                        seen: *links,
                        size: l.size,
                        disk: l.disk,
                        first: entry.id,
                        others: Vec::new(),
                    });
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    let acc = o.get_mut();
                    acc.seen += links;
                    acc.nlink = acc.nlink.max(nlink);
                    acc.outside = acc.outside.or(outside);
                    acc.others.push(entry.id);
                }
            }
        }
    }

    /// Settles reclaimable and linked-out bytes per entry and returns the
    /// inodes shared between entries.
    pub fn finish(self, entries: &mut [Entry]) -> SharedInodes {
        let mut shared = SharedInodes::default();
        for acc in self.inodes.into_values() {
            let inside = match acc.outside {
                Some(outside) if acc.nlink == 0 => outside == 0,
                _ => acc.seen >= acc.nlink,
            };
            if acc.others.is_empty() {
                if let Some(e) = entries.get_mut(acc.first as usize) {
                    if inside {
                        e.sizes.reclaimable_bytes += acc.disk;
                    } else {
                        e.linked_out_bytes += acc.disk;
                    }
                }
                continue;
            }
            let mut ids = acc.others;
            ids.push(acc.first);
            if !inside {
                for id in &ids {
                    if let Some(e) = entries.get_mut(*id as usize) {
                        e.linked_out_bytes += acc.disk;
                    }
                }
            }
            shared.inodes.push((acc.size, acc.disk, inside, ids));
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
