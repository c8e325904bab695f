//! Measuring files and directory trees without following symlinks.
//!
//! The walk uses `std::fs::read_dir` and `DirEntry::metadata`, which on Linux
//! stats each name relative to the open directory (`statx` on the directory
//! descriptor) instead of resolving the full path again; on a warm cache the
//! path walk is most of the cost of a full stat scan. Sub-directories are
//! measured in parallel on the rayon pool the scan runs in.

use std::ffi::OsStr;
use std::io::ErrorKind;
#[cfg(target_os = "linux")]
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
#[cfg(not(target_os = "linux"))]
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::engine::model::{Issue, ScanErrors};
use crate::engine::progress::Counters;

/// A file with more than one hard link; de-duplicated across the whole scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkedInode {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Link count at the time of the stat.
    pub nlink: u64,
    /// Apparent size.
    pub size: u64,
    /// Allocated bytes.
    pub disk: u64,
}

/// What measuring a set of paths found.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Apparent bytes of singly-linked files, symlinks and directories.
    pub logical: u64,
    /// Allocated bytes of singly-linked files, symlinks and directories.
    pub disk: u64,
    /// Files and symlinks.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Allocated bytes of the directories themselves.
    pub dirs_disk: u64,
    /// Files with several hard links (sizes not in `logical`/`disk` yet).
    pub linked: Vec<LinkedInode>,
    /// Newest modification time of the measured top-level items.
    pub modified: Option<SystemTime>,
    /// `*.dist-info` directory names found at the top of a measured directory
    /// or in a `site-packages` directory.
    pub dist_infos: Vec<String>,
    /// Whether a measured directory has `pyvenv.cfg` at its top.
    pub is_venv: bool,
    /// `(device, inode)` of every singly-linked file, when asked for (see
    /// [`measure_recorded`]): what the persistent index keeps of an archive.
    pub singles: Option<Vec<(u64, u64)>>,
    /// Allocated bytes, already in `disk`, of files known to have links
    /// outside the cache (measurements taken from the index).
    pub linked_out: u64,
    /// Allocated bytes, already in `disk`, of singly-linked files whose data
    /// extents other files share (see [`super::extents`]).
    pub cloned: u64,
    /// Something below could not be read (the measurement is partial).
    pub incomplete: bool,
    /// Identity of the measured item itself, stat'ed before anything below it.
    pub top: Option<Identity>,
}

thread_local! {
    /// Problems this thread has recorded (see [`problems_on_this_thread`]).
    static PROBLEMS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many problems (unreadable, vanished, undecodable) this thread has
/// recorded so far: unchanged across a piece of work means it found none.
pub fn problems_on_this_thread() -> u64 {
    PROBLEMS.with(std::cell::Cell::get)
}

/// What identifies a directory that is never modified once in place: its
/// inode, and the modification and change times of the directory itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Status change time, nanoseconds since the epoch.
    pub ctime_ns: i128,
}

impl Identity {
    /// The identity of what `meta` describes (`None` where the platform has
    /// no inode numbers or change times).
    pub fn of(meta: &std::fs::Metadata) -> Option<Identity> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            Some(Identity {
                dev: meta.dev(),
                ino: meta.ino(),
                mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
                ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }
}

impl Measured {
    /// Adds everything `other` measured.
    pub fn absorb(&mut self, mut other: Measured) {
        self.logical += other.logical;
        self.disk += other.disk;
        self.files += other.files;
        self.dirs += other.dirs;
        self.dirs_disk += other.dirs_disk;
        self.linked.append(&mut other.linked);
        self.modified = self.modified.max(other.modified);
        self.dist_infos.append(&mut other.dist_infos);
        self.is_venv |= other.is_venv;
        self.incomplete |= other.incomplete;
        self.linked_out += other.linked_out;
        self.cloned += other.cloned;
        match (&mut self.singles, other.singles) {
            (Some(mine), Some(mut theirs)) => mine.append(&mut theirs),
            (mine @ None, Some(theirs)) => *mine = Some(theirs),
            _ => {}
        }
        self.top = self.top.or(other.top);
    }

    /// An empty measurement for part of this one (recording what this records).
    fn part(&self) -> Measured {
        Measured {
            singles: self.singles.as_ref().map(|_| Vec::new()),
            ..Measured::default()
        }
    }
}

pub use crate::engine::read::read_regular;

/// Largest pointer, metadata or lock-adjacent file read while attributing.
pub const MAX_SMALL_FILE: u64 = 16 << 20;

/// Shared state of one scan's walkers.
pub struct WalkCtx<'a> {
    /// Cache root, to report paths relative to it.
    pub root: &'a Path,
    /// Set to stop early.
    pub cancel: &'a AtomicBool,
    /// Progress counters.
    pub counters: &'a Counters,
    /// Problems met.
    pub errors: &'a Mutex<ScanErrors>,
    /// Whether files may share data extents (asked for their maps).
    pub clones: super::extents::Clones,
}

impl WalkCtx<'_> {
    /// Records an I/O problem with `path`: vanished files are counted apart.
    pub fn io_error(&self, path: &Path, err: &std::io::Error) {
        PROBLEMS.with(|p| p.set(p.get() + 1));
        let Ok(mut errors) = self.errors.lock() else {
            return;
        };
        if err.kind() == ErrorKind::NotFound {
            errors.vanished += 1;
            return;
        }
        errors.unreadable += 1;
        self.sample(&mut errors, path, err.to_string());
    }

    /// Records an undecodable file.
    pub fn decode_error(&self, path: &Path, reason: &str) {
        PROBLEMS.with(|p| p.set(p.get() + 1));
        let Ok(mut errors) = self.errors.lock() else {
            return;
        };
        errors.undecodable += 1;
        self.sample(&mut errors, path, format!("cannot decode: {reason}"));
    }

    fn sample(&self, errors: &mut ScanErrors, path: &Path, message: String) {
        if errors.samples.len() < ScanErrors::MAX_SAMPLES {
            let rel = path.strip_prefix(self.root).unwrap_or(path).to_path_buf();
            errors.samples.push(Issue { path: rel, message });
        }
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Measures `path`: the item itself, and with `recurse` everything below it.
pub fn measure(ctx: &WalkCtx<'_>, path: &Path, recurse: bool) -> Measured {
    measure_into(ctx, path, recurse, Measured::default())
}

/// [`measure`], also recording the inode of every singly-linked file
/// ([`Measured::singles`]).
pub fn measure_recorded(ctx: &WalkCtx<'_>, path: &Path, recurse: bool) -> Measured {
    let out = Measured {
        singles: Some(Vec::new()),
        ..Measured::default()
    };
    measure_into(ctx, path, recurse, out)
}

fn measure_into(ctx: &WalkCtx<'_>, path: &Path, recurse: bool, mut out: Measured) -> Measured {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            ctx.io_error(path, &e);
            out.incomplete = true;
            return out;
        }
    };
    out.modified = meta.modified().ok();
    out.top = Identity::of(&meta);
    account(&mut out, &Stat::from(&meta));
    flush_progress(ctx, &out);
    if recurse && meta.is_dir() {
        walk_dir(ctx, path, Level::Top, 0, &mut out);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    SitePackages,
    Other,
}

/// Directories this shallow fan out to the thread pool; deeper ones are walked
/// on the current thread (entries are already measured in parallel, and
/// merging results up a deep tree would copy them once per level).
const PARALLEL_DEPTH: u32 = 2;

#[cfg(not(target_os = "linux"))]
fn walk_dir(ctx: &WalkCtx<'_>, dir: &Path, level: Level, depth: u32, out: &mut Measured) {
    if ctx.cancelled() {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            ctx.io_error(dir, &e);
            out.incomplete = true;
            return;
        }
    };
    let before = (out.files, out.dirs, out.disk, out.linked.len());
    let mut subdirs: Vec<(PathBuf, Level)> = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                ctx.io_error(dir, &e);
                out.incomplete = true;
                continue;
            }
        };
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                ctx.io_error(&entry.path(), &e);
                out.incomplete = true;
                continue;
            }
        };
        let st = Stat::from(&meta);
        account(out, &st);
        #[cfg(target_os = "macos")]
        if meta.is_file() && st.nlink == 1 && st.disk > 0 && ctx.clones.may_share(st.dev, st.size) {
            out.cloned += cloned_bytes_at(&entry.path(), st.disk);
        }
        if meta.is_dir() {
            let name = entry.file_name();
            if level != Level::Other && has_suffix(&name, ".dist-info") {
                out.dist_infos.push(name.to_string_lossy().into_owned());
            }
            let child_level = if name == OsStr::new("site-packages") {
                Level::SitePackages
            } else {
                Level::Other
            };
            subdirs.push((entry.path(), child_level));
        } else if level == Level::Top && entry.file_name() == OsStr::new("pyvenv.cfg") {
            out.is_venv = true;
        }
    }
    flush_delta(ctx, out, before);
    if depth < PARALLEL_DEPTH && subdirs.len() > 1 {
        let parts: Vec<Measured> = subdirs
            .par_iter()
            .map(|(p, l)| {
                let mut m = out.part();
                walk_dir(ctx, p, *l, depth + 1, &mut m);
                m
            })
            .collect();
        for m in parts {
            out.absorb(m);
        }
    } else {
        for (p, l) in &subdirs {
            walk_dir(ctx, p, *l, depth + 1, out);
        }
    }
}

/// Linux: directories are opened relative to their parent's descriptor, read
/// with `getdents64` and every name is `statx`ed relative to the directory,
/// so no path is resolved from the root again and nothing is allocated per
/// file. Symlinks are never followed (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`).
#[cfg(target_os = "linux")]
fn walk_dir(ctx: &WalkCtx<'_>, dir: &Path, level: Level, depth: u32, out: &mut Measured) {
    use rustix::fs::{CWD, Mode, OFlags, openat};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match openat(CWD, dir, flags, Mode::empty()) {
        Ok(fd) => walk_fd(ctx, fd, dir, level, depth, out),
        Err(e) => {
            ctx.io_error(dir, &e.into());
            out.incomplete = true;
        }
    }
}

#[cfg(target_os = "linux")]
fn walk_fd(
    ctx: &WalkCtx<'_>,
    fd: rustix::fd::OwnedFd,
    dir: &Path,
    level: Level,
    depth: u32,
    out: &mut Measured,
) {
    use std::ffi::CString;

    use rustix::fd::{AsRawFd, BorrowedFd};
    use rustix::fs::{AtFlags, Dir, Mode, OFlags, StatxFlags, openat, statx};
    if ctx.cancelled() {
        return;
    }
    let mut reader = match Dir::new(fd) {
        Ok(d) => d,
        Err(e) => {
            out.incomplete = true;
            return ctx.io_error(dir, &e.into());
        }
    };
    let raw = match reader.fd() {
        Ok(f) => f.as_raw_fd(),
        Err(e) => {
            out.incomplete = true;
            return ctx.io_error(dir, &e.into());
        }
    };
    // SAFETY: `reader` owns this descriptor and outlives every use of
    // `dir_fd` below (it is dropped at the end of this function).
    let dir_fd = unsafe { BorrowedFd::borrow_raw(raw) };
    let before = (out.files, out.dirs, out.disk, out.linked.len());
    let mask = StatxFlags::TYPE
        | StatxFlags::NLINK
        | StatxFlags::INO
        | StatxFlags::SIZE
        | StatxFlags::BLOCKS;
    let mut subdirs: Vec<(CString, Level)> = Vec::new();
    while let Some(entry) = reader.read() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                ctx.io_error(dir, &e.into());
                out.incomplete = true;
                break;
            }
        };
        let name = entry.file_name();
        if matches!(name.to_bytes(), b"." | b"..") {
            continue;
        }
        let st = match statx(dir_fd, name, AtFlags::SYMLINK_NOFOLLOW, mask) {
            Ok(st) => st,
            Err(e) => {
                ctx.io_error(&dir.join(OsStr::from_bytes(name.to_bytes())), &e.into());
                out.incomplete = true;
                continue;
            }
        };
        let is_dir = u32::from(st.stx_mode) & 0o170000 == 0o040000;
        let dev = rustix::fs::makedev(st.stx_dev_major, st.stx_dev_minor);
        let disk = st.stx_blocks * 512;
        account(
            out,
            &Stat {
                is_dir,
                size: st.stx_size,
                disk,
                nlink: u64::from(st.stx_nlink),
                dev,
                ino: st.stx_ino,
            },
        );
        let is_file = u32::from(st.stx_mode) & 0o170000 == 0o100000;
        if is_file && st.stx_nlink == 1 && disk > 0 && ctx.clones.may_share(dev, st.stx_size) {
            out.cloned += cloned_bytes(dir_fd, name, disk);
        }
        let bytes = name.to_bytes();
        if is_dir {
            if level != Level::Other && bytes.ends_with(b".dist-info") {
                out.dist_infos
                    .push(String::from_utf8_lossy(bytes).into_owned());
            }
            let child_level = if bytes == b"site-packages" {
                Level::SitePackages
            } else {
                Level::Other
            };
            subdirs.push((name.to_owned(), child_level));
        } else if level == Level::Top && bytes == b"pyvenv.cfg" {
            out.is_venv = true;
        }
    }
    flush_delta(ctx, out, before);
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let visit = |name: &CString, l: Level, m: &mut Measured| {
        let path = dir.join(OsStr::from_bytes(name.to_bytes()));
        match openat(dir_fd, name.as_c_str(), flags, Mode::empty()) {
            Ok(fd) => walk_fd(ctx, fd, &path, l, depth + 1, m),
            Err(e) => {
                ctx.io_error(&path, &e.into());
                m.incomplete = true;
            }
        }
    };
    if depth < PARALLEL_DEPTH && subdirs.len() > 1 {
        let parts: Vec<Measured> = subdirs
            .par_iter()
            .map(|(n, l)| {
                let mut m = out.part();
                visit(n, *l, &mut m);
                m
            })
            .collect();
        for m in parts {
            out.absorb(m);
        }
    } else {
        for (n, l) in &subdirs {
            visit(n, *l, out);
        }
    }
}

/// Allocated bytes of the file `name` in `dir` that other files share (a file
/// that cannot be opened counts as shared: removing it is not promised to free
/// anything). Opened without following links and without updating its access
/// time where permitted.
#[cfg(unix)]
pub(crate) fn cloned_bytes(
    dir: rustix::fd::BorrowedFd<'_>,
    name: &std::ffi::CStr,
    disk: u64,
) -> u64 {
    use rustix::fd::AsFd;
    use rustix::fs::{Mode, OFlags, openat};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    #[cfg(target_os = "linux")]
    let fd = match openat(dir, name, flags | OFlags::NOATIME, Mode::empty()) {
        Err(rustix::io::Errno::PERM) => openat(dir, name, flags, Mode::empty()),
        other => other,
    };
    #[cfg(not(target_os = "linux"))]
    let fd = openat(dir, name, flags, Mode::empty());
    match fd {
        Ok(fd) => super::extents::shared_bytes(fd.as_fd(), disk),
        Err(_) => disk,
    }
}

/// [`cloned_bytes`] by path (the portable walk), without following a link.
#[cfg(target_os = "macos")]
fn cloned_bytes_at(path: &Path, disk: u64) -> u64 {
    use std::os::fd::AsFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32)
        .open(path);
    match file {
        Ok(f) => super::extents::shared_bytes(f.as_fd(), disk),
        Err(_) => disk,
    }
}

#[cfg(not(target_os = "linux"))]
fn has_suffix(name: &OsStr, suffix: &str) -> bool {
    name.as_encoded_bytes().ends_with(suffix.as_bytes())
}

/// The facts of one stat call the scan uses.
struct Stat {
    is_dir: bool,
    size: u64,
    disk: u64,
    nlink: u64,
    dev: u64,
    ino: u64,
}

impl From<&std::fs::Metadata> for Stat {
    #[cfg(unix)]
    fn from(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Stat {
            is_dir: meta.is_dir(),
            size: meta.size(),
            disk: meta.blocks() * 512,
            nlink: meta.nlink(),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }

    /// Without inode identity or block counts, apparent sizes stand in for both.
    #[cfg(not(unix))]
    fn from(meta: &std::fs::Metadata) -> Self {
        Stat {
            is_dir: meta.is_dir(),
            size: meta.len(),
            disk: meta.len(),
            nlink: 1,
            dev: 0,
            ino: 0,
        }
    }
}

fn account(out: &mut Measured, st: &Stat) {
    if st.is_dir {
        out.dirs += 1;
        out.dirs_disk += st.disk;
        out.logical += st.size;
        out.disk += st.disk;
        return;
    }
    out.files += 1;
    if st.nlink > 1 {
        out.linked.push(LinkedInode {
            dev: st.dev,
            ino: st.ino,
            nlink: st.nlink,
            size: st.size,
            disk: st.disk,
        });
    } else {
        out.logical += st.size;
        out.disk += st.disk;
        if let Some(singles) = &mut out.singles {
            singles.push((st.dev, st.ino));
        }
    }
}

/// Publishes what one directory added to `out` since `before`.
fn flush_delta(ctx: &WalkCtx<'_>, out: &Measured, before: (u64, u64, u64, usize)) {
    use std::sync::atomic::Ordering::Relaxed;
    ctx.counters.files.fetch_add(out.files - before.0, Relaxed);
    ctx.counters.dirs.fetch_add(out.dirs - before.1, Relaxed);
    let linked: u64 = out.linked[before.3..].iter().map(|l| l.disk).sum();
    ctx.counters
        .disk_bytes
        .fetch_add(out.disk - before.2 + linked, Relaxed);
}

fn flush_progress(ctx: &WalkCtx<'_>, m: &Measured) {
    use std::sync::atomic::Ordering::Relaxed;
    ctx.counters.files.fetch_add(m.files, Relaxed);
    ctx.counters.dirs.fetch_add(m.dirs, Relaxed);
    let linked: u64 = m.linked.iter().map(|l| l.disk).sum();
    ctx.counters.disk_bytes.fetch_add(m.disk + linked, Relaxed);
}
