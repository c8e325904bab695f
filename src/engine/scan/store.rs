//! The persistent scan index: what the last scan measured of each archive, so
//! the next open re-reads only what may have changed.
//!
//! uv writes `archive-v0/<id>` once, into a temporary directory that it then
//! renames into place, and afterwards only links to it or removes it. An
//! archive whose top directory still has the same device, inode, modification
//! time and change time therefore still holds the same files, and its
//! measurement can be reused. Directories of small pointer files (a wheels
//! package directory, a Simple API shard) are remembered with what was
//! planned and measured from them while their own times do not change (see
//! [`super::buckets::memo`]); everything else (bucket listings, source revisions,
//! environments) is scanned again on every open: it is small, and it is what
//! changes.
//!
//! What reuse cannot know is the *current* link count of an archive's files:
//! creating or deleting a virtual environment outside the cache changes it
//! without touching the archive directory. Logical and on-disk sizes do not
//! depend on it; reclaimable sizes do, so a snapshot that reused records says
//! since when its reclaimable figures date ([`IndexReport::reclaimable_as_of`]),
//! and a full scan (`--rescan`, `r` in the terminal UI) measures them anew.
//! Removal plans always measure what they remove afresh.
//!
//! The file: a magic line, a format number, the CRC-32 and length of the
//! body, then the body in postcard. It lives in uvcache's state directory
//! (`$XDG_STATE_HOME/uvcache/index` on Linux), one file per cache root, and is
//! replaced atomically (written to a temporary file, then renamed), so several
//! uvcache processes may read and write it at once: each sees a whole index.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::buckets::memo::DirMemo;
use super::walk::{Identity, LinkedInode, Measured};
use crate::engine::json::time_of_ns;
pub use crate::engine::model::{IndexChanges, IndexReport, PackageGrowth};

/// Whether and how a scan uses the index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IndexMode {
    /// Neither read nor write it.
    #[default]
    Off,
    /// Reuse what it still describes, then bring it up to date.
    Use,
    /// Measure everything, then write it anew.
    Rebuild,
}

/// First bytes of an index file.
const MAGIC: &[u8; 14] = b"uvcache-index\n";
/// Format number; a file with another number is ignored and rewritten.
pub const FORMAT: u32 = 4;
/// Magic, format, CRC-32, body length.
const HEADER_LEN: usize = MAGIC.len() + 4 + 4 + 8;

/// What the last walk of one archive directory found.
///
/// Most files of an archive are its own: no other entry of the cache links
/// to them. Those are kept as bare inode numbers (their sizes are in the
/// sums), split by whether they had links outside the cache; only files
/// shared with other entries, or linked more than once inside the archive,
/// are kept whole.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ArchiveRecord {
    /// Path relative to the cache root (`archive-v0/<id>`).
    pub key: String,
    /// The archive directory's identity when it was walked.
    pub id: Identity,
    /// When it was walked (seconds since the epoch): the date of its link counts.
    pub walked: u64,
    /// Apparent bytes of its directories, symlinks and own files.
    pub logical: u64,
    /// Allocated bytes of the same.
    pub disk: u64,
    /// Allocated bytes (in `disk`) of own files with links outside the cache.
    pub linked_out: u64,
    /// Allocated bytes (in `disk`) of own single-link files whose data extents
    /// other files shared when walked (clones).
    pub cloned: u64,
    /// Files and symlinks.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Allocated bytes of the directories.
    pub dirs_disk: u64,
    /// `*.dist-info` names at its top.
    pub dist_infos: Vec<String>,
    /// Whether it is a virtual environment.
    pub is_venv: bool,
    /// Inodes (on `id.dev`) of own files with no link outside the cache.
    pub inside: InodeList,
    /// Inodes of own files with links outside the cache.
    pub outside: InodeList,
    /// Files other entries hold too, or linked more than once in the archive,
    /// by ascending inode (stored as a difference from the previous one).
    pub shared: Vec<LinkedRecord>,
}

/// One multiply-linked file of an archive, kept whole.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkedRecord {
    /// Inode number.
    pub ino: u64,
    /// Links outside the cache when walked (the link count less the links
    /// the scan found in the cache); link counts change with environments
    /// outside the cache, these are what the index cannot see.
    pub outside: u64,
    /// Apparent size.
    pub size: u64,
    /// Allocated bytes.
    pub disk: u64,
    /// Links to it inside the archive.
    pub links: u64,
}

/// The own files a fresh record gains while its linked files are settled
/// ([`ArchiveRecord::settle_link`]).
#[derive(Debug, Default)]
pub struct Settling {
    inside: Appender,
    outside: Appender,
}

/// An [`InodeList`] built by appending inodes, encoded as they come (a few bytes
/// each) when they come in ascending order, as a sealed table gives them.
#[derive(Debug, Default)]
struct Appender {
    list: Vec<u8>,
    last: u64,
    /// Those that came out of order.
    unordered: Vec<u64>,
}

impl Appender {
    fn push(&mut self, ino: u64) {
        if ino < self.last || (ino == self.last && !self.list.is_empty()) {
            self.unordered.push(ino);
            return;
        }
        encode_delta(&mut self.list, ino - self.last);
        self.last = ino;
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty() && self.unordered.is_empty()
    }

    /// `list` with the inodes appended.
    fn merge_into(self, list: &mut InodeList) {
        if self.is_empty() {
            return;
        }
        if list.is_empty() && self.unordered.is_empty() {
            *list = InodeList(self.list);
            return;
        }
        let built = InodeList(self.list);
        let all = list.iter().chain(built.iter()).chain(self.unordered);
        *list = InodeList::of(all.collect());
    }
}

impl ArchiveRecord {
    /// The record of a fresh walk, or `None` when the walk cannot be reused
    /// (incomplete, no identity, files on another device). Its `linked`
    /// files are added by [`ArchiveRecord::settle_link`] once the scan has
    /// counted every link in the cache (until then `shared` is empty).
    pub fn of_walk(
        key: String,
        m: &Measured,
        linked: &[(LinkedInode, u64)],
        walked: u64,
    ) -> Option<ArchiveRecord> {
        let id = m.top?;
        if m.incomplete {
            return None;
        }
        let singles = m.singles.as_ref()?;
        if singles.iter().any(|(dev, _)| *dev != id.dev)
            || linked.iter().any(|(l, _)| l.dev != id.dev)
        {
            return None;
        }
        let inside = InodeList::of(singles.iter().map(|(_, ino)| *ino).collect());
        Some(ArchiveRecord {
            key,
            id,
            walked,
            logical: m.logical,
            disk: m.disk,
            linked_out: 0,
            cloned: m.cloned,
            files: m.files,
            dirs: m.dirs,
            dirs_disk: m.dirs_disk,
            dist_infos: m.dist_infos.clone(),
            is_venv: m.is_venv,
            inside,
            outside: InodeList::default(),
            shared: Vec::new(),
        })
    }

    /// Settles one linked file of a fresh record, in ascending inode order:
    /// `l.links` links to it in this archive (`l.outside` is ignored), `seen`
    /// links in the whole cache, `nlink` its stat'ed link count. A file this
    /// archive alone holds, linked once, joins its own files (with links
    /// outside the cache or not); the others are kept whole.
    pub fn settle_link(&mut self, s: &mut Settling, mut l: LinkedRecord, seen: u64, nlink: u64) {
        l.outside = nlink.saturating_sub(seen);
        if seen > l.links || l.links > 1 {
            self.shared.push(l);
            return;
        }
        self.logical += l.size;
        self.disk += l.disk;
        if l.outside > 0 {
            self.linked_out += l.disk;
            s.outside.push(l.ino);
        } else {
            s.inside.push(l.ino);
        }
    }

    /// Ends [`ArchiveRecord::settle_link`]: the files that joined its own.
    pub fn end_settle(&mut self, s: Settling) {
        s.inside.merge_into(&mut self.inside);
        s.outside.merge_into(&mut self.outside);
    }

    /// What a walk would measure now, and its shared files, whose `nlink`
    /// is the number of links outside the cache (see
    /// [`crate::engine::scan::size::InodeTable::add_indexed_entry`]).
    pub fn measured(&self) -> (Measured, Vec<(LinkedInode, u64)>) {
        let m = Measured {
            logical: self.logical,
            disk: self.disk,
            files: self.files,
            dirs: self.dirs,
            dirs_disk: self.dirs_disk,
            linked: Vec::new(),
            modified: time_of_ns(self.id.mtime_ns),
            dist_infos: self.dist_infos.clone(),
            is_venv: self.is_venv,
            singles: None,
            linked_out: self.linked_out,
            cloned: self.cloned,
            incomplete: false,
            top: Some(self.id),
        };
        let linked = self
            .shared
            .iter()
            .map(|l| {
                (
                    LinkedInode {
                        dev: self.id.dev,
                        ino: l.ino,
                        nlink: l.outside,
                        size: l.size,
                        disk: l.disk,
                    },
                    l.links,
                )
            })
            .collect();
        (m, linked)
    }

    fn encode(&mut self) {
        delta_encode(self.shared.iter_mut().map(|l| &mut l.ino));
    }

    fn decode(&mut self) -> bool {
        delta_decode(self.shared.iter_mut().map(|l| &mut l.ino))
    }
}

/// A set of inode numbers, stored as the LEB128 varints of the differences
/// between them in ascending order: a few bytes per file, and nothing to
/// decode until a scan needs to look into it (when an entry walked now may
/// link to an indexed archive's own files: `Reuse::settle`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct InodeList(#[serde(with = "serde_bytes")] Vec<u8>);

impl InodeList {
    /// The list of `inodes` (any order, no duplicates expected).
    pub fn of(mut inodes: Vec<u64>) -> InodeList {
        inodes.sort_unstable();
        let mut bytes = Vec::with_capacity(inodes.len() * 2);
        let mut prev = 0u64;
        for ino in inodes {
            encode_delta(&mut bytes, ino - prev);
            prev = ino;
        }
        InodeList(bytes)
    }

    /// The inodes in ascending order (a malformed tail ends the list).
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let mut at = 0usize;
        let mut prev = 0u64;
        std::iter::from_fn(move || {
            let mut d = 0u64;
            let mut shift = 0u32;
            loop {
                let b = *self.0.get(at)?;
                at += 1;
                d |= u64::from(b & 0x7f).checked_shl(shift)?;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
                if shift >= 64 {
                    return None;
                }
            }
            prev = prev.checked_add(d)?;
            Some(prev)
        })
    }

    /// The inodes, decoded.
    pub fn to_vec(&self) -> Vec<u64> {
        self.iter().collect()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Appends `d` as a LEB128 varint.
fn encode_delta(bytes: &mut Vec<u8>, mut d: u64) {
    loop {
        let low = (d & 0x7f) as u8;
        d >>= 7;
        if d == 0 {
            bytes.push(low);
            return;
        }
        bytes.push(low | 0x80);
    }
}

fn delta_encode<'a>(values: impl Iterator<Item = &'a mut u64>) {
    let mut prev = 0u64;
    for v in values {
        let cur = *v;
        *v = cur.wrapping_sub(prev);
        prev = cur;
    }
}

/// Undoes [`delta_encode`]; false when the numbers are not ascending.
fn delta_decode<'a>(values: impl Iterator<Item = &'a mut u64>) -> bool {
    let mut prev = 0u64;
    for v in values {
        let Some(cur) = prev.checked_add(*v) else {
            return false;
        };
        *v = cur;
        prev = cur;
    }
    true
}

/// The index of one cache root, as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexFile {
    /// The cache root it describes (canonical path).
    pub root: String,
    /// When it was written (seconds since the epoch).
    pub written: u64,
    /// One record per reusable archive.
    pub records: Vec<ArchiveRecord>,
    /// Remembered pointer directories (see [`super::buckets::memo`]).
    pub dirs: Vec<DirMemo>,
}

impl IndexFile {
    /// The records by key.
    pub fn into_map(self) -> FxHashMap<String, ArchiveRecord> {
        self.records
            .into_iter()
            .map(|r| (r.key.clone(), r))
            .collect()
    }
}

/// Where the index of `root` lives: `$UVCACHE_INDEX_DIR`, else uvcache's
/// state directory (cache directory where the platform has none).
pub fn index_path(root: &Path) -> Option<PathBuf> {
    let dir = match std::env::var_os("UVCACHE_INDEX_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => dirs::state_dir()
            .or_else(dirs::cache_dir)?
            .join("uvcache")
            .join("index"),
    };
    let name = crate::engine::names::cache_digest(&root.to_string_lossy());
    Some(dir.join(format!("{name}.idx")))
}

/// Serializes an index into the file format.
pub fn to_bytes(index: &IndexFile) -> Result<Vec<u8>, String> {
    let mut index = index.clone();
    for r in &mut index.records {
        r.encode();
    }
    let body = postcard::to_stdvec(&index).map_err(|e| format!("cannot encode the index: {e}"))?;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Checks the header at the start of `bytes` (at least [`HEADER_LEN`] long):
/// the body's CRC-32 and declared length.
fn parse_header(bytes: &[u8]) -> Result<(u32, u64), String> {
    if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a uvcache index".into());
    }
    let word = |at: usize| -> [u8; 4] {
        let mut w = [0u8; 4];
        w.copy_from_slice(&bytes[at..at + 4]);
        w
    };
    let format = u32::from_le_bytes(word(MAGIC.len()));
    if format != FORMAT {
        return Err(format!(
            "written in index format {format} (this uvcache reads format {FORMAT})"
        ));
    }
    let crc = u32::from_le_bytes(word(MAGIC.len() + 4));
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[MAGIC.len() + 8..HEADER_LEN]);
    Ok((crc, u64::from_le_bytes(len)))
}

/// Parses an index file; the error says why it cannot be used.
pub fn from_bytes(bytes: &[u8]) -> Result<IndexFile, String> {
    let (crc, len) = parse_header(bytes)?;
    let body = &bytes[HEADER_LEN..];
    if body.len() as u64 != len {
        return Err(format!(
            "truncated or overlong ({} body bytes, header says {len})",
            body.len()
        ));
    }
    if crc32fast::hash(body) != crc {
        return Err("corrupt (checksum mismatch)".into());
    }
    let mut index: IndexFile = postcard::from_bytes(body).map_err(|e| format!("corrupt ({e})"))?;
    for r in &mut index.records {
        if !r.decode() {
            return Err("corrupt (inode numbers out of order)".into());
        }
    }
    Ok(index)
}

/// Largest index body read (a cache of a million archives is far below).
pub const MAX_BODY: u64 = 1 << 30;

/// Why an index file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// There is none.
    Missing,
    /// Something other than a regular file is in its place (a FIFO, a
    /// device, a directory, a symbolic link): never read, and replaced
    /// when the index is written.
    NotAFile(String),
    /// It cannot be read, or is not a usable index.
    Unusable(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("no index yet"),
            ReadError::NotAFile(why) | ReadError::Unusable(why) => f.write_str(why),
        }
    }
}

/// Opens `path` for reading if it is a regular file: without following a
/// symbolic link and without waiting for a FIFO's writer (`O_NOFOLLOW`,
/// `O_NONBLOCK`), then checked with `fstat`. Returns the file and its length.
fn open_regular(path: &Path) -> Result<(std::fs::File, u64), ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let shown = path.display();
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::Missing,
            _ if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
                ReadError::NotAFile(format!("`{shown}` is a symbolic link"))
            }
            _ => ReadError::Unusable(format!("cannot read `{shown}`: {e}")),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Unusable(format!("cannot read `{shown}`: {e}")))?;
    if !meta.is_file() {
        let what = match meta.file_type() {
            t if t.is_dir() => "a directory",
            t if std::os::unix::fs::FileTypeExt::is_fifo(&t) => "a FIFO",
            t if std::os::unix::fs::FileTypeExt::is_socket(&t) => "a socket",
            _ => "a device",
        };
        return Err(ReadError::NotAFile(format!(
            "`{shown}` is {what}, not a regular file"
        )));
    }
    Ok((file, meta.len()))
}

/// Reads an index file: its header first, then only as much of the body as
/// the header declares, when that agrees with the file's length and is at
/// most [`MAX_BODY`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let (file, size) = open_regular(path)?;
    let unreadable =
        |e: std::io::Error| ReadError::Unusable(format!("cannot read `{}`: {e}", path.display()));
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    let mut file = file.take(HEADER_LEN as u64);
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    let (_, len) = parse_header(&bytes).map_err(ReadError::Unusable)?;
    let body = size.saturating_sub(HEADER_LEN as u64);
    if body != len {
        return Err(ReadError::Unusable(format!(
            "truncated or overlong ({body} body bytes, header says {len})"
        )));
    }
    if len > MAX_BODY {
        return Err(ReadError::Unusable(format!(
            "too large ({len} body bytes, at most {MAX_BODY} are read)"
        )));
    }
    let mut file = file.into_inner().take(len);
    bytes.reserve_exact(len as usize);
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    Ok(bytes)
}

/// Reads the index of `root` at `path` (see [`read_file`]); the error says
/// why it cannot be used.
pub fn load(path: &Path, root: &Path) -> Result<IndexFile, ReadError> {
    let bytes = read_file(path)?;
    let index = from_bytes(&bytes).map_err(ReadError::Unusable)?;
    if index.root != root.to_string_lossy() {
        return Err(ReadError::Unusable(format!(
            "describes another cache (`{}`)",
            index.root
        )));
    }
    Ok(index)
}

/// Writes `index` to `path` atomically: a temporary file in the same
/// directory, flushed, then renamed over the old index.
pub fn save(path: &Path, index: &IndexFile) -> Result<u64, String> {
    let bytes = to_bytes(index)?;
    let dir = path
        .parent()
        .ok_or_else(|| format!("`{}` has no parent directory", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let name = path
        .file_name()
        .map_or("index".into(), |n| n.to_string_lossy());
    // A temporary file next to the store, renamed over it once synced: a
    // reader sees the old store or the new one, never a part.
    let written = (|| -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    })();
    if let Err(e) = written {
        return Err(format!("cannot write `{}`: {e}", path.display()));
    }
    remove_orphans(dir, path);
    Ok(bytes.len() as u64)
}

/// Removes, from the index directory, the indexes of caches that no longer
/// exist and temporary files more than an hour old (left by a crash). Only
/// files named as uvcache names them, and only index files whose own header
/// names the missing root, are touched.
fn remove_orphans(dir: &Path, keep: &Path) {
    let Ok(items) = std::fs::read_dir(dir) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for item in items.flatten() {
        let path = item.path();
        if path == keep {
            continue;
        }
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(meta) = item.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        if let Some(stem) = name.strip_suffix(".idx") {
            if crate::engine::names::is_digest(stem)
                && let Some(root) = read_head(&path).and_then(|b| root_of(&b))
                && !Path::new(&root).exists()
            {
                let _ = std::fs::remove_file(&path);
            }
        } else if name.starts_with('.')
            && name.ends_with(".tmp")
            && name.contains(".idx.")
            && meta
                .modified()
                .is_ok_and(|m| m.elapsed().is_ok_and(|age| age > hour))
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The start of an index file, enough for [`root_of`]: its header and the
/// first 8 KiB of its body (a path and its length).
fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let (file, _) = open_regular(path).ok()?;
    let mut bytes = Vec::new();
    file.take(HEADER_LEN as u64 + 8192)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// The cache root an index file describes (read from its header and the
/// first field of the body).
fn root_of(bytes: &[u8]) -> Option<String> {
    if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let body = &bytes[HEADER_LEN..];
    postcard::take_from_bytes::<String>(body)
        .ok()
        .map(|(root, _)| root)
}

impl IndexMode {
    /// The mode's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            IndexMode::Off => "off",
            IndexMode::Use => "use",
            IndexMode::Rebuild => "rebuild",
        }
    }
}

/// Seconds since the epoch, now.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inode_lists_round_trip_and_stop_at_damage() {
        let inodes = vec![u64::MAX, 0, 1, 127, 128, 16_383, 16_384, 1 << 40];
        let list = InodeList::of(inodes.clone());
        let mut sorted = inodes;
        sorted.sort_unstable();
        assert_eq!(list.to_vec(), sorted);
        assert!(InodeList::default().is_empty());
        assert_eq!(InodeList::default().to_vec(), Vec::<u64>::new());
        // A continuation byte with nothing after it ends the list there.
        let cut = InodeList(vec![5, 0x85]);
        assert_eq!(cut.to_vec(), [5]);
        // More than 64 bits of continuation ends it too.
        let long = InodeList(vec![0xff; 11]);
        assert_eq!(long.to_vec(), Vec::<u64>::new());
    }

    fn record(key: &str) -> ArchiveRecord {
        ArchiveRecord {
            key: key.into(),
            id: Identity {
                dev: 7,
                ino: 42,
                mtime_ns: 1_700_000_000_123_456_789,
                ctime_ns: 1_700_000_000_223_456_789,
            },
            walked: 1_700_000_100,
            logical: 1000,
            disk: 8192,
            linked_out: 4096,
            cloned: 0,
            files: 3,
            dirs: 2,
            dirs_disk: 8192,
            dist_infos: vec!["six-1.16.0.dist-info".into()],
            is_venv: false,
            inside: InodeList::of(vec![90_000, 100, 105]),
            outside: InodeList::of(vec![7, 8]),
            shared: vec![
                LinkedRecord {
                    ino: 50,
                    outside: 1,
                    size: 10,
                    disk: 4096,
                    links: 1,
                },
                LinkedRecord {
                    ino: 51,
                    outside: 0,
                    size: 20,
                    disk: 4096,
                    links: 2,
                },
            ],
        }
    }

    #[test]
    fn settling_keeps_only_shared_files_whole() {
        let mut r = record("archive-v0/a");
        r.inside = InodeList::of(vec![1]);
        r.outside = InodeList::default();
        r.linked_out = 0;
        // 60 is the archive's alone with an outside link, 61 also in another
        // entry, 62 linked twice in here.
        r.shared = Vec::new();
        let (logical, disk) = (r.logical, r.disk);
        let mut s = Settling::default();
        // (inode, links here, links seen in the cache, stat'ed link count).
        for (ino, links, seen, nlink) in [(60, 1, 1, 2), (61, 1, 2, 2), (62, 2, 2, 2)] {
            let l = LinkedRecord {
                ino,
                outside: 0,
                size: 100,
                disk: 4096,
                links,
            };
            r.settle_link(&mut s, l, seen, nlink);
        }
        r.end_settle(s);
        assert_eq!(r.inside.to_vec(), [1]);
        assert_eq!(r.outside.to_vec(), [60]);
        assert_eq!(r.linked_out, 4096);
        assert_eq!((r.logical, r.disk), (logical + 100, disk + 4096));
        let kept: Vec<(u64, u64)> = r.shared.iter().map(|l| (l.ino, l.outside)).collect();
        assert_eq!(kept, [(61, 0), (62, 0)]);
    }

    #[test]
    fn appended_inodes_merge_in_order() {
        let mut list = InodeList::of(vec![5, 1000]);
        let mut a = Appender::default();
        for ino in [3, 7, 300_000, 2, 8] {
            a.push(ino);
        }
        a.merge_into(&mut list);
        assert_eq!(list.to_vec(), [2, 3, 5, 7, 8, 1000, 300_000]);
        let mut empty = InodeList::default();
        let mut a = Appender::default();
        for ino in [0, 9, 10] {
            a.push(ino);
        }
        a.merge_into(&mut empty);
        assert_eq!(empty.to_vec(), [0, 9, 10]);
        assert_eq!(empty, InodeList::of(vec![10, 0, 9]));
    }

    fn index() -> IndexFile {
        IndexFile {
            root: "/c".into(),
            written: 1_700_000_200,
            records: vec![record("archive-v0/a"), record("archive-v0/b")],
            dirs: vec![crate::engine::scan::buckets::memo::tests::sample_dir()],
        }
    }

    #[test]
    fn round_trips() {
        let bytes = to_bytes(&index()).expect("encodes");
        assert_eq!(from_bytes(&bytes).expect("decodes"), index());
    }

    #[test]
    fn rejects_damage() {
        let bytes = to_bytes(&index()).expect("encodes");
        let truncated = &bytes[..bytes.len() - 3];
        assert!(from_bytes(truncated).unwrap_err().contains("truncated"));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        assert!(from_bytes(&flipped).unwrap_err().contains("corrupt"));
        let mut other = bytes.clone();
        other[MAGIC.len()] = 9;
        assert!(from_bytes(&other).unwrap_err().contains("format 9"));
        assert!(
            from_bytes(b"{\"json\": true}")
                .unwrap_err()
                .to_string()
                .contains("not a uvcache index")
        );
        assert!(from_bytes(&[]).is_err());
    }

    #[test]
    fn save_replaces_atomically_and_load_checks_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("x.idx");
        save(&path, &index()).expect("saves");
        let mut second = index();
        second.records.pop();
        save(&path, &second).expect("saves again");
        assert_eq!(load(&path, Path::new("/c")).expect("loads"), second);
        assert!(
            load(&path, Path::new("/d"))
                .unwrap_err()
                .to_string()
                .contains("another cache")
        );
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("lists")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("x.idx")]);
        assert!(
            load(&dir.path().join("none.idx"), Path::new("/c"))
                .unwrap_err()
                .to_string()
                .contains("no index")
        );
    }

    #[test]
    fn saving_removes_indexes_of_caches_that_are_gone_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live_root = dir.path().join("live-cache");
        std::fs::create_dir(&live_root).expect("mkdir");
        let gone = dir.path().join("0123456789abcdef.idx");
        save(&gone, &index()).expect("saves");
        let live = dir.path().join("fedcba9876543210.idx");
        let mut live_index = index();
        live_index.root = live_root.to_string_lossy().into_owned();
        save(&live, &live_index).expect("saves");
        let foreign = dir.path().join("notes.txt");
        std::fs::write(&foreign, "mine").expect("write");
        let odd = dir.path().join("not-a-digest.idx");
        std::fs::write(&odd, to_bytes(&index()).expect("encodes")).expect("write");
        // `/c`, the root of `index()`, does not exist: its index goes.
        let own = dir.path().join("00000000000000aa.idx");
        save(&own, &index()).expect("saves");
        assert!(!gone.exists(), "the index of a missing cache is removed");
        assert!(own.exists(), "the index just written stays");
        assert!(live.exists() && foreign.exists() && odd.exists());
    }

    #[test]
    fn only_regular_files_are_read_and_only_as_much_as_declared() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("good.idx");
        save(&good, &index()).expect("saves");
        assert_eq!(
            read_file(&good).expect("reads"),
            to_bytes(&index()).expect("encodes")
        );
        // Never followed: a link to a good index, or to a device that never ends.
        for (name, target) in [
            ("link.idx", good.as_path()),
            ("zero.idx", Path::new("/dev/zero")),
        ] {
            let link = dir.path().join(name);
            std::os::unix::fs::symlink(target, &link).expect("symlink");
            let err = read_file(&link).unwrap_err();
            assert!(matches!(err, ReadError::NotAFile(_)), "{name}: {err:?}");
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        // A FIFO without a writer: opening it must not wait for one.
        let fifo = dir.path().join("fifo.idx");
        let c_fifo = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o600) }, 0, "mkfifo");
        let err = read_file(&fifo).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
        let err = read_file(dir.path()).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
        // A large file of something else: rejected by its first bytes (sparse: no disk used).
        let big = dir.path().join("big.idx");
        let f = std::fs::File::create(&big).expect("create");
        f.set_len(1 << 30).expect("set_len");
        assert_eq!(
            read_file(&big).unwrap_err(),
            ReadError::Unusable("not a uvcache index".into())
        );
        // A header that claims more than the file holds, or more than is ever read.
        let mut header = to_bytes(&index()).expect("encodes")[..HEADER_LEN].to_vec();
        header[MAGIC.len() + 8..].copy_from_slice(&(MAX_BODY + 1).to_le_bytes());
        let claims = dir.path().join("claims.idx");
        std::fs::write(&claims, &header).expect("write");
        let err = read_file(&claims).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&claims)
            .expect("open");
        f.set_len(HEADER_LEN as u64 + MAX_BODY + 1)
            .expect("set_len");
        let err = read_file(&claims).unwrap_err().to_string();
        assert!(err.contains("too large"), "{err}");
    }
}
