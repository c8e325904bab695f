//! The snapshot of a scanned cache: buckets, entries and their sizes.

use std::path::PathBuf;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::json::{ser_opt_path, ser_path, ser_time};
use super::layout::{BucketKind, TopLevel, UvVersion};
use super::locate::CacheRoot;

/// Byte and item counts of a set of files.
///
/// * `logical_bytes`: apparent size (`st_size`), hard links counted once.
/// * `disk_bytes`: allocated blocks × 512, hard links counted once, as
///   `du -s -B1` and `uv cache size` count.
/// * `reclaimable_bytes`: the on-disk bytes removing this set would free now:
///   files still hard-linked from outside the set (for example from virtual
///   environments) are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sizes {
    /// Apparent bytes, hard links counted once.
    pub logical_bytes: u64,
    /// Allocated bytes on disk, hard links counted once.
    pub disk_bytes: u64,
    /// On-disk bytes that removing this would free now.
    pub reclaimable_bytes: u64,
    /// Regular files and symlinks (uv counts both as files).
    pub files: u64,
    /// Directories.
    pub dirs: u64,
}

impl Sizes {
    /// Adds `other` to `self`.
    pub fn add(&mut self, other: &Sizes) {
        self.logical_bytes += other.logical_bytes;
        self.disk_bytes += other.disk_bytes;
        self.reclaimable_bytes += other.reclaimable_bytes;
        self.files += other.files;
        self.dirs += other.dirs;
    }
}

/// Index of an entry in [`Snapshot::entries`].
pub type EntryId = u32;

/// Where a cached artifact came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// The PyPI index (uv's `pypi` shard).
    Pypi,
    /// Another index, or a `--find-links` location, keyed by a digest of its URL.
    Index {
        /// The digest directory name.
        digest: String,
        /// The URL, when it could be recovered from a stored HTTP policy.
        url: Option<String>,
    },
    /// A direct URL (remote), or a local archive file (`file://`).
    Url {
        /// The digest directory name.
        digest: String,
        /// The URL, when it could be recovered.
        url: Option<String>,
    },
    /// A local source tree or archive built non-editable.
    Path {
        /// The digest directory name.
        digest: String,
    },
    /// A local source tree installed editable.
    Editable {
        /// The digest directory name.
        digest: String,
    },
    /// A Git repository.
    Git {
        /// The digest directory name.
        digest: String,
        /// The repository URL, when recovered.
        url: Option<String>,
        /// The commit (or its prefix, as the directory name gives it).
        commit: Option<String>,
    },
    /// Not from a package source (environments, interpreters, ...).
    None,
}

impl Source {
    /// A short label: `pypi`, `index`, `url`, `path`, `editable`, `git`.
    pub fn label(&self) -> &'static str {
        match self {
            Source::Pypi => "pypi",
            Source::Index { .. } => "index",
            Source::Url { .. } => "url",
            Source::Path { .. } => "path",
            Source::Editable { .. } => "editable",
            Source::Git { .. } => "git",
            Source::None => "-",
        }
    }

    /// The most useful human description (URL when known, else the digest).
    pub fn describe(&self) -> String {
        match self {
            Source::Pypi => "pypi".into(),
            Source::Index { digest, url } => format!("index {}", url.as_deref().unwrap_or(digest)),
            Source::Url { digest, url } => format!("url {}", url.as_deref().unwrap_or(digest)),
            Source::Path { digest } => format!("path {digest}"),
            Source::Editable { digest } => format!("editable {digest}"),
            Source::Git {
                digest,
                url,
                commit,
            } => {
                let mut s = format!("git {}", url.as_deref().unwrap_or(digest));
                if let Some(c) = commit {
                    s.push('@');
                    s.push_str(c);
                }
                s
            }
            Source::None => "-".into(),
        }
    }
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// A wheel in the wheels bucket: its link, pointer and lock files.
    Wheel,
    /// Wheel metadata fetched without the wheel (a `.msgpack` without a pointer).
    WheelMetadata,
    /// A source revision directory (unpacked sdist, built wheels, metadata).
    SdistRevision,
    /// The pointer and lock files of a source shard (`revision.http|rev`, `.lock`).
    SdistPointer,
    /// A Git source shard (`sdists/git/<digest>/<commit>`).
    SdistGit,
    /// A Simple API page.
    SimplePage,
    /// A remote `--find-links` page.
    FlatIndexPage,
    /// An unpacked wheel in `archive-v0`.
    Archive,
    /// An unpacked environment in `archive-v0` (a cached tool environment).
    ArchiveEnvironment,
    /// A bare Git database.
    GitDatabase,
    /// A Git checkout (worktree) and its ready marker.
    GitCheckout,
    /// A Git lock file.
    GitLock,
    /// An interpreter query result.
    Interpreter,
    /// A cached tool or `--with` environment (link into `archive-v0`).
    ToolEnvironment,
    /// A PEP 723 script environment.
    ScriptEnvironment,
    /// A centralized project environment.
    ProjectEnvironment,
    /// A temporary build environment.
    BuildEnvironment,
    /// Python downloads metadata.
    PythonDownloads,
    /// A downloaded tool binary.
    Binary,
    /// OSV vulnerability records.
    Osv,
    /// A shard of content-addressed file objects.
    FileObjects,
    /// uv's infrastructure: root markers, bucket markers and locks.
    Marker,
    /// A top-level temporary directory.
    Temporary,
    /// Something uvcache does not recognize (kept, reported).
    Unknown,
}

impl EntryKind {
    /// The kind's name in output and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Wheel => "wheel",
            EntryKind::WheelMetadata => "wheel-metadata",
            EntryKind::SdistRevision => "sdist-revision",
            EntryKind::SdistPointer => "sdist-pointer",
            EntryKind::SdistGit => "sdist-git",
            EntryKind::SimplePage => "simple-page",
            EntryKind::FlatIndexPage => "flat-index-page",
            EntryKind::Archive => "archive",
            EntryKind::ArchiveEnvironment => "archive-environment",
            EntryKind::GitDatabase => "git-database",
            EntryKind::GitCheckout => "git-checkout",
            EntryKind::GitLock => "git-lock",
            EntryKind::Interpreter => "interpreter",
            EntryKind::ToolEnvironment => "tool-environment",
            EntryKind::ScriptEnvironment => "script-environment",
            EntryKind::ProjectEnvironment => "project-environment",
            EntryKind::BuildEnvironment => "build-environment",
            EntryKind::PythonDownloads => "python-downloads",
            EntryKind::Binary => "binary",
            EntryKind::Osv => "osv",
            EntryKind::FileObjects => "file-objects",
            EntryKind::Marker => "marker",
            EntryKind::Temporary => "temporary",
            EntryKind::Unknown => "unknown",
        }
    }
}

/// Whether an entry is in use by uv or left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryState {
    /// In use: current revision, referenced archive, live pointer.
    Current,
    /// A source revision not named by its pointer (`uv cache prune` removes it).
    Dangling,
    /// An archive no link or pointer references (`uv cache prune` removes it).
    Orphan,
    /// A pointer whose archive is gone (uv downloads again).
    Broken,
}

/// One attributed unit of the cache.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Position in [`Snapshot::entries`].
    pub id: EntryId,
    /// Index of its bucket in [`Snapshot::buckets`] (`None` for root-level items).
    #[serde(rename = "bucket_index")]
    pub bucket: Option<u16>,
    /// What it is.
    pub kind: EntryKind,
    /// Path relative to the cache root (the entry's main item).
    #[serde(serialize_with = "ser_path")]
    pub path: PathBuf,
    /// Normalized package name, when the entry belongs to one.
    pub package: Option<String>,
    /// Package version, when known.
    pub version: Option<String>,
    /// Where it came from.
    pub source: Source,
    /// In use or left behind.
    pub state: EntryState,
    /// Sizes of everything the entry owns (its files, not a linked archive).
    pub sizes: Sizes,
    /// Bytes of files also hard-linked outside the cache (not freed by a removal).
    pub linked_out_bytes: u64,
    /// Bytes of single-link files whose data extents other files share (clones
    /// on a copy-on-write filesystem): not freed by a removal either.
    pub cloned_bytes: u64,
    /// Latest modification time among the entry's own top-level items
    /// (seconds since the epoch in JSON).
    #[serde(serialize_with = "ser_time")]
    pub modified: Option<SystemTime>,
    /// Kind-specific facts.
    pub detail: Detail,
}

/// Facts that only some kinds of entry have.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Detail {
    /// Wheel filename (wheels, built wheels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Wheel tags (`py3-none-any`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// Built by uv from source (true) or downloaded/copied (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub built: Option<bool>,
    /// Archive ids this entry links to (`archive-v0/<id>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub archives: Vec<String>,
    /// For archives: entries that reference it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub referrers: Vec<EntryId>,
    /// Revision id (sdists) or commit (git).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// URL recovered from a stored HTTP policy or a pointer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// For environments: the distributions installed in it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<String>,
    /// Free-form notes (why unknown, decode problems, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One top-level bucket directory.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// Directory name (`wheels-v8`).
    pub name: String,
    /// Bucket kind, when the name is one uv uses.
    pub kind: Option<BucketKind>,
    /// Version number from the name.
    pub version: Option<u32>,
    /// Classification against the owning uv release.
    pub class: TopLevel,
    /// Sizes of the whole bucket (hard links counted once within it).
    pub sizes: Sizes,
    /// Entries in it.
    pub entries: u64,
}

/// Which uv release the snapshot was classified against, and why.
#[derive(Debug, Clone, Serialize)]
pub struct UvRelease {
    /// The version.
    pub version: UvVersion,
    /// How it was found: `flag`, `uv on PATH`, `inferred from buckets`.
    pub from: String,
    /// Whether the version is newer than uvcache's bucket table.
    pub newer_than_table: bool,
    /// Whether the version is older than uvcache's bucket table.
    pub older_than_table: bool,
}

impl UvRelease {
    /// What to tell the user when the version lies outside the bucket table.
    pub fn table_warning(&self) -> Option<String> {
        let table = crate::engine::layout::releases();
        if self.newer_than_table {
            Some(format!(
                "uv {} is newer than uvcache's bucket table; assuming it uses the newest known \
                 bucket names",
                self.version
            ))
        } else if self.older_than_table {
            Some(format!(
                "uv {} is older than uvcache's bucket table (which starts at uv {}); assuming it \
                 uses the oldest known bucket names",
                self.version,
                table.first().map_or(self.version, |r| r.first)
            ))
        } else {
            None
        }
    }
}

/// A per-entry problem met during the scan.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    /// Path relative to the root.
    #[serde(serialize_with = "ser_path")]
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Problems counted during a scan; the scan keeps going.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanErrors {
    /// Files or directories that vanished while being read (uv running).
    pub vanished: u64,
    /// Items that could not be read (permissions, I/O errors).
    pub unreadable: u64,
    /// Files of uv's that could not be decoded.
    pub undecodable: u64,
    /// The first problems, with paths (at most [`ScanErrors::MAX_SAMPLES`]).
    pub samples: Vec<Issue>,
}

impl ScanErrors {
    /// How many problems are kept with their paths.
    pub const MAX_SAMPLES: usize = 100;

    /// Total count of problems.
    pub fn total(&self) -> u64 {
        self.vanished + self.unreadable + self.undecodable
    }
}

/// Hard-linked inodes shared by several entries of the cache: 24 bytes per inode and
/// 4 per entry holding it, in two flat vectors.
#[derive(Debug, Clone, Default)]
pub struct SharedInodes {
    /// (logical bytes, disk bytes, all links inside the cache, end of its entries in `ids`).
    inodes: Vec<(u64, u64, bool, u32)>,
    /// The entries holding each inode, one run after the other.
    ids: Vec<EntryId>,
}

impl SharedInodes {
    /// Adds an inode of `size` logical and `disk` allocated bytes, whose links all lie inside
    /// the cache or not (`inside`), held by entries `ids`.
    pub fn push(
        &mut self,
        size: u64,
        disk: u64,
        inside: bool,
        ids: impl IntoIterator<Item = EntryId>,
    ) {
        self.ids.extend(ids);
        let end = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.inodes.push((size, disk, inside, end));
    }

    /// Each inode: (logical bytes, disk bytes, all links inside the cache, entries holding it).
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64, bool, &[EntryId])> + '_ {
        let mut start = 0usize;
        self.inodes.iter().map(move |&(size, disk, inside, end)| {
            let end = (end as usize).min(self.ids.len());
            let ids = self.ids.get(start..end).unwrap_or_default();
            start = end;
            (size, disk, inside, ids)
        })
    }

    /// How many inodes.
    pub fn len(&self) -> usize {
        self.inodes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.inodes.is_empty()
    }
}

/// Everything a scan learned.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The cache root.
    pub root: CacheRoot,
    /// The uv release the buckets were classified against.
    pub uv: UvRelease,
    /// Top-level directories that are buckets (current, stale or unknown).
    pub buckets: Vec<Bucket>,
    /// Every attributed entry.
    pub entries: Vec<Entry>,
    /// Whole-cache totals (equal to `du -s -B1` for `disk_bytes`).
    pub total: Sizes,
    /// Problems met.
    pub errors: ScanErrors,
    /// How long the scan took.
    pub elapsed_ms: u64,
    /// How the scan used the persistent index.
    pub index: IndexReport,
    /// Inodes shared between entries (for reclaimable sizes of sets).
    #[serde(skip)]
    pub shared: SharedInodes,
}

/// How a scan used the index.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexReport {
    /// `off`, `use` or `rebuild`.
    pub mode: &'static str,
    /// The index file.
    #[serde(serialize_with = "ser_opt_path")]
    pub path: Option<PathBuf>,
    /// Why an existing index was not used (missing, corrupt, other format...).
    pub ignored: Option<String>,
    /// Whether what was in the index's place was not a regular file (a
    /// FIFO, a device, a symbolic link...): never read, worth a warning.
    #[serde(skip)]
    pub not_a_file: bool,
    /// Archives whose last measurement was reused.
    pub archives_reused: u64,
    /// Archives walked.
    pub archives_walked: u64,
    /// Pointer directories whose last planning and measurement was reused.
    pub dirs_reused: u64,
    /// Pointer directories remembered for the next scan.
    pub dirs_remembered: u64,
    /// Reclaimable sizes depend on link counts read at this time or later
    /// (`None`: read during this scan).
    #[serde(serialize_with = "ser_time")]
    pub reclaimable_as_of: Option<SystemTime>,
    /// What changed among the archives since the index was written (`None`:
    /// no usable index was read).
    pub changes: Option<IndexChanges>,
    /// Bytes written to the index (0: not written, nothing changed).
    pub written_bytes: u64,
    /// Why writing the index failed.
    pub write_error: Option<String>,
}

/// Archives that appeared or went since the last scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexChanges {
    /// When the index read was written (the last scan).
    #[serde(serialize_with = "ser_time")]
    pub since: Option<SystemTime>,
    /// Archives new since then (or not indexed then).
    pub archives_added: u64,
    /// Their bytes on disk.
    pub added_disk_bytes: u64,
    /// Archives gone since then.
    pub archives_removed: u64,
    /// Their bytes on disk when last walked.
    pub removed_disk_bytes: u64,
    /// The packages of the new archives, most bytes first (at most 3).
    pub added_packages: Vec<PackageGrowth>,
}

/// One package's share of the new archives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageGrowth {
    /// Package name (`?` when no entry names it).
    pub name: String,
    /// New archives of it.
    pub archives: u64,
    /// Their bytes on disk.
    pub disk_bytes: u64,
}
