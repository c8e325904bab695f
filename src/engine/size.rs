//! Hard-link aware sizes: every inode counted once, and *reclaimable* bytes
//! only where every link of an inode lies inside the set being removed.

use rustc_hash::FxHashMap;

use super::model::{Entry, EntryId, SharedInodes, Sizes, Snapshot};
use super::walk::LinkedInode;

#[derive(Debug)]
struct InodeAcc {
    nlink: u64,
    seen: u64,
    size: u64,
    disk: u64,
    entries: Vec<EntryId>,
}

/// Accumulates multiply-linked inodes across all entries of a scan.
#[derive(Debug, Default)]
pub struct InodeTable {
    inodes: FxHashMap<(u64, u64), InodeAcc>,
}

impl InodeTable {
    /// Adds the linked files one entry holds, and counts each inode once in
    /// that entry's own sizes.
    pub fn add_entry(&mut self, entry: &mut Entry, mut linked: Vec<LinkedInode>) {
        linked.sort_unstable();
        let mut i = 0;
        while i < linked.len() {
            let first = linked[i];
            let mut links = 0;
            while i < linked.len() && (linked[i].dev, linked[i].ino) == (first.dev, first.ino) {
                links += 1;
                i += 1;
            }
            entry.sizes.logical_bytes += first.size;
            entry.sizes.disk_bytes += first.disk;
            let acc = self
                .inodes
                .entry((first.dev, first.ino))
                .or_insert(InodeAcc {
                    nlink: first.nlink,
                    seen: 0,
                    size: first.size,
                    disk: first.disk,
                    entries: Vec::with_capacity(1),
                });
            acc.seen += links;
            acc.nlink = acc.nlink.max(first.nlink);
            acc.entries.push(entry.id);
        }
    }

    /// Settles reclaimable and linked-out bytes per entry and returns the
    /// whole-cache correction for inodes shared between entries.
    pub fn finish(self, entries: &mut [Entry]) -> SharedInodes {
        let mut shared = SharedInodes::default();
        for acc in self.inodes.into_values() {
            let inside = acc.seen >= acc.nlink;
            if let [only] = acc.entries[..] {
                if let Some(e) = entries.get_mut(only as usize) {
                    if inside {
                        e.sizes.reclaimable_bytes += acc.disk;
                    } else {
                        e.linked_out_bytes += acc.disk;
                    }
                }
            } else {
                if !inside {
                    for id in &acc.entries {
                        if let Some(e) = entries.get_mut(*id as usize) {
                            e.linked_out_bytes += acc.disk;
                        }
                    }
                }
                shared
                    .inodes
                    .push((acc.size, acc.disk, inside, acc.entries));
            }
        }
        shared
    }
}

impl Snapshot {
    /// Sizes of a set of entries, hard links counted once, reclaimable bytes
    /// only where every link lies inside the set.
    pub fn sizes_of(&self, member: impl Fn(EntryId) -> bool) -> Sizes {
        let mut sizes = Sizes::default();
        for e in self.entries.iter().filter(|e| member(e.id)) {
            sizes.add(&e.sizes);
        }
        for (size, disk, inside, ids) in &self.shared.inodes {
            let k = ids.iter().filter(|id| member(**id)).count() as u64;
            if k > 1 {
                sizes.logical_bytes -= size * (k - 1);
                sizes.disk_bytes -= disk * (k - 1);
            }
            if *inside && k == ids.len() as u64 {
                sizes.reclaimable_bytes += disk;
            }
        }
        sizes
    }
}
