//! Progress of long operations: cumulative totals and a reporter trait.

use std::sync::atomic::{AtomicU64, Ordering};

/// Cumulative totals of a scan so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanProgress {
    /// Files and symlinks seen.
    pub files: u64,
    /// Directories seen.
    pub dirs: u64,
    /// On-disk bytes seen (hard links not yet de-duplicated).
    pub disk_bytes: u64,
    /// Entries measured.
    pub entries_done: u64,
    /// Entries found so far (never fewer than those measured).
    pub entries_total: u64,
    /// Buckets are still being listed: the total may grow.
    pub listing: bool,
}

/// Receives progress; called from a background thread, at most ~10 times a second.
pub trait Reporter: Sync {
    /// A new phase started ("listing", "measuring", "linking").
    fn phase(&self, _name: &'static str) {}
    /// Cumulative scan totals.
    fn scan(&self, _progress: ScanProgress) {}
    /// Removal progress: items done out of the plan's total.
    fn removal(&self, _done: u64, _total: u64) {}
    /// Verification progress: cumulative totals.
    fn verify(&self, _progress: VerifyProgress) {}
    /// Whether the scan should report [`Reporter::packages`] (it then keeps running sums).
    fn wants_packages(&self) -> bool {
        false
    }
    /// The largest packages measured so far, largest first (at most [`PACKAGES_SO_FAR`]),
    /// every half second of a scan and once when every entry is measured.
    fn packages(&self, _largest: Vec<PackageSoFar>) {}
}

/// How many packages [`Reporter::packages`] is given at most.
pub const PACKAGES_SO_FAR: usize = 200;

/// A package's entries measured so far during a scan: wheels, source distributions and the
/// unpacked archives, each archive named by its `.dist-info` until the scan links it to its
/// wheel. Hard links are not de-duplicated yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSoFar {
    /// Normalized name.
    pub name: String,
    /// On-disk bytes of its entries measured so far.
    pub disk_bytes: u64,
    /// Its entries measured so far.
    pub entries: u64,
}

/// Cumulative totals of a verification so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyProgress {
    /// Files checked.
    pub files_done: u64,
    /// Files to check.
    pub files_total: u64,
    /// Bytes of the files checked (hashed now or remembered).
    pub bytes_done: u64,
    /// Bytes of all files to check, as their `RECORD`s give them.
    pub bytes_total: u64,
}

/// A reporter that ignores everything.
pub struct Silent;

impl Reporter for Silent {}

/// Lock-free counters the scan workers bump.
#[derive(Debug, Default)]
pub struct Counters {
    pub(crate) files: AtomicU64,
    pub(crate) dirs: AtomicU64,
    pub(crate) disk_bytes: AtomicU64,
    pub(crate) entries_done: AtomicU64,
    pub(crate) entries_total: AtomicU64,
    /// Buckets not listed yet.
    pub(crate) buckets_pending: AtomicU64,
}

impl Counters {
    /// Counts a measurement taken from the index as if it had been walked.
    pub(crate) fn add_reused(&self, files: u64, dirs: u64, disk_bytes: u64) {
        self.files.fetch_add(files, Ordering::Relaxed);
        self.dirs.fetch_add(dirs, Ordering::Relaxed);
        self.disk_bytes.fetch_add(disk_bytes, Ordering::Relaxed);
    }

    /// The current totals.
    pub fn snapshot(&self) -> ScanProgress {
        ScanProgress {
            files: self.files.load(Ordering::Relaxed),
            dirs: self.dirs.load(Ordering::Relaxed),
            disk_bytes: self.disk_bytes.load(Ordering::Relaxed),
            entries_done: self.entries_done.load(Ordering::Relaxed),
            // Loaded apart from `entries_done`, the total may lag behind it for an instant.
            entries_total: self
                .entries_total
                .load(Ordering::Relaxed)
                .max(self.entries_done.load(Ordering::Relaxed)),
            listing: self.buckets_pending.load(Ordering::Relaxed) > 0,
        }
    }
}
