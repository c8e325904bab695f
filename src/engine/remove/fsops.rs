//! Removing one plan item relative to a descriptor of the cache root, never
//! by path: every directory on the way is opened with `O_NOFOLLOW`, so a
//! symbolic link swapped in for a bucket (even while uvcache waits for the
//! lock) makes the item refused instead of followed out of the cache.
//!
//! Inside a directory item, the files that point elsewhere (revision and wheel
//! pointers, links into `archive-v0`) go first, at every depth, and the data
//! after them: a process killed half way never leaves a pointer to something
//! already deleted.
//!
//! With [`Root::parallel`] the sub-directories of a directory are removed on
//! the current rayon pool, each opened relative to its parent's descriptor:
//! the pointer pass over the whole item ends before the data pass starts, and
//! a directory goes only after all of its children. Each task counts into a
//! [`Tally`] of its own, summed when the task joins its parent. A file with
//! more than one link is unlinked under a lock striped by inode, its link
//! count read again under it, so that two links of one inode removed at once
//! still count its bytes exactly once, when its last link goes.

use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

/// What was really removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tally {
    /// Files and symbolic links unlinked.
    pub files: u64,
    /// Directories removed.
    pub dirs: u64,
    /// Allocated bytes of files whose last link went (what uv reports).
    pub file_bytes: u64,
    /// Allocated bytes of removed directories.
    pub dir_bytes: u64,
    /// Allocated bytes (in `file_bytes`) of removed files whose data extents
    /// other files share: they stay on disk.
    pub cloned_bytes: u64,
    /// Whether removed files are asked for their extents first.
    pub clones: crate::engine::scan::extents::Clones,
}

impl Tally {
    /// An empty tally with the same settings.
    pub(super) fn fresh(&self) -> Tally {
        Tally {
            clones: self.clones,
            ..Tally::default()
        }
    }

    /// Adds another tally's counts (its settings are this one's).
    pub(super) fn add(&mut self, other: &Tally) {
        self.files += other.files;
        self.dirs += other.dirs;
        self.file_bytes += other.file_bytes;
        self.dir_bytes += other.dir_bytes;
        self.cloned_bytes += other.cloned_bytes;
    }
}

/// How one item went.
#[derive(Debug)]
pub(super) enum ItemResult {
    /// Removed (or partly: `error` says what stopped it).
    Removed { error: Option<String> },
    /// Already gone.
    Vanished,
    /// Not touched, with the reason.
    Refused(String),
}

/// The cache root, opened once.
pub(super) struct Root {
    fd: OwnedFd,
    dev: u64,
    parallel: bool,
}

impl Root {
    /// Opens the (canonical) root directory.
    pub(super) fn open(path: &Path) -> std::io::Result<Root> {
        let fd = rustix::fs::open(path, dir_flags(), Mode::empty())?;
        let dev = rustix::fs::fstat(&fd)?.st_dev as u64;
        Ok(Root {
            fd,
            dev,
            parallel: false,
        })
    }

    /// Removes the sub-directories of a directory item in parallel on the
    /// current rayon pool (see the module's documentation).
    pub(super) fn parallel(self, parallel: bool) -> Root {
        Root { parallel, ..self }
    }

    /// Removes `rel` (a plain relative path checked by the caller) if it is
    /// still what the plan saw: a directory when `expect_dir`, else not one.
    pub(super) fn remove(
        &self,
        rel: &Path,
        expect_dir: bool,
        pointers_first: bool,
        tally: &mut Tally,
    ) -> ItemResult {
        let mut parts: Vec<&OsStr> = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(p) => parts.push(p),
                _ => return ItemResult::Refused("not a plain path inside the cache".into()),
            }
        }
        let Some((last, dirs)) = parts.split_last() else {
            return ItemResult::Refused("an empty path".into());
        };
        let mut held: Option<OwnedFd> = None;
        for (i, part) in dirs.iter().enumerate() {
            let parent = held.as_ref().map_or(self.fd.as_fd(), |f| f.as_fd());
            match open_dir(parent, part) {
                Ok(fd) => held = Some(fd),
                Err(Errno::NOENT) => return ItemResult::Vanished,
                Err(Errno::LOOP | Errno::NOTDIR) => {
                    let at: std::path::PathBuf = dirs[..=i].iter().collect();
                    return ItemResult::Refused(format!(
                        "`{}` is no longer a directory (a symbolic link or a file); refused",
                        at.display()
                    ));
                }
                Err(e) => return ItemResult::Refused(format!("cannot open its directory: {e}")),
            }
        }
        let parent = held.as_ref().map_or(self.fd.as_fd(), |f| f.as_fd());
        let name = match CString::new(last.as_bytes()) {
            Ok(n) => n,
            Err(_) => return ItemResult::Refused("a name with a NUL byte".into()),
        };
        let st = match rustix::fs::statat(parent, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::NOENT) => return ItemResult::Vanished,
            Err(e) => return ItemResult::Refused(format!("cannot stat it: {e}")),
        };
        let is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
        if is_dir != expect_dir {
            return ItemResult::Refused(
                "changed since the plan was made (file vs directory); left alone".into(),
            );
        }
        if !is_dir {
            return match unlink_file(parent, &name, &st, self.parallel, tally) {
                Ok(()) => ItemResult::Removed { error: None },
                Err(Errno::NOENT) => ItemResult::Vanished,
                Err(e) => ItemResult::Removed {
                    error: Some(e.to_string()),
                },
            };
        }
        let dir = match open_dir_writable(parent, &name, &st) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return ItemResult::Vanished,
            Err(Errno::LOOP | Errno::NOTDIR) => {
                return ItemResult::Refused(
                    "replaced by a symbolic link or a file while being removed; refused".into(),
                );
            }
            Err(e) => return ItemResult::Refused(format!("cannot open it: {e}")),
        };
        let mut walk = Walk::new(Cfg {
            root_dev: self.dev,
            parallel: self.parallel,
            tally: tally.fresh(),
        });
        if pointers_first {
            walk.pointers(dir.as_fd(), 0);
        }
        walk.tree(dir.as_fd(), 0);
        drop(dir);
        if walk.error.is_none() {
            match remove_dir(parent, &name, &st, &mut walk.tally) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => walk.error = Some(format!("{}: {e}", last.to_string_lossy())),
            }
        }
        tally.add(&walk.tally);
        ItemResult::Removed { error: walk.error }
    }
}

/// Depth beyond which a tree is not descended (uv's caches are shallow; a
/// deeper tree is left in place and reported).
const MAX_DEPTH: usize = 4096;

/// Directories deeper than this are removed on the thread that reached them
/// (uv's trees are a few levels deep; parallelism above is plenty).
const PARALLEL_DEPTH: usize = 32;

/// What every task of one item's walk shares.
#[derive(Clone, Copy)]
struct Cfg {
    root_dev: u64,
    parallel: bool,
    /// The settings of the tallies (empty counts).
    tally: Tally,
}

struct Walk {
    cfg: Cfg,
    tally: Tally,
    /// The first failure (the rest of the tree is still attempted).
    error: Option<String>,
}

impl Walk {
    fn new(cfg: Cfg) -> Walk {
        Walk {
            cfg,
            tally: cfg.tally.fresh(),
            error: None,
        }
    }

    fn fail(&mut self, name: &CStr, e: impl std::fmt::Display) {
        if self.error.is_none() {
            self.error = Some(format!("{}: {e}", name.to_string_lossy()));
        }
    }

    /// Runs `f` on each of `children` (sub-directories of a directory at
    /// `depth`): on the rayon pool when parallel, each with a walk of its own
    /// whose counts and first error join this one's in `children`' order.
    fn each<T: Send>(&mut self, depth: usize, children: Vec<T>, f: impl Fn(&mut Walk, T) + Sync) {
        if self.cfg.parallel && depth < PARALLEL_DEPTH && children.len() > 1 {
            let cfg = self.cfg;
            let done: Vec<Walk> = children
                .into_par_iter()
                .map(|child| {
                    let mut w = Walk::new(cfg);
                    f(&mut w, child);
                    w
                })
                .collect();
            for w in done {
                self.tally.add(&w.tally);
                if self.error.is_none() {
                    self.error = w.error;
                }
            }
        } else {
            for child in children {
                f(self, child);
            }
        }
    }

    /// Unlinks pointer files and symbolic links anywhere below `dir`, not
    /// descending into unpacked sources (`src`), which hold none of uv's.
    fn pointers(&mut self, dir: BorrowedFd<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut subdirs = Vec::new();
        for (name, ty) in entries(dir) {
            let bytes = name.to_bytes();
            match ty {
                FileType::Directory if bytes != b"src" => subdirs.push(name),
                FileType::Symlink => self.unlink(dir, &name),
                FileType::RegularFile if bytes.ends_with(b".http") || bytes.ends_with(b".rev") => {
                    self.unlink(dir, &name)
                }
                _ => {}
            }
        }
        self.each(depth, subdirs, |w, name| {
            if let Ok(sub) = open_dir(dir, OsStr::from_bytes(name.to_bytes())) {
                w.pointers(sub.as_fd(), depth + 1);
            }
        });
    }

    /// Removes everything below `dir` (not `dir` itself): its files, then its
    /// sub-directories (in parallel when the walk is), each after its children.
    fn tree(&mut self, dir: BorrowedFd<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            self.error
                .get_or_insert_with(|| "tree too deep; left in place".into());
            return;
        }
        let mut subdirs = Vec::new();
        for (name, ty) in entries(dir) {
            if ty != FileType::Directory {
                self.unlink(dir, &name);
                continue;
            }
            let st = match rustix::fs::statat(dir, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(Errno::NOENT) => continue,
                Err(e) => {
                    self.fail(&name, e);
                    continue;
                }
            };
            if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
                self.unlink(dir, &name);
                continue;
            }
            if st.st_dev as u64 != self.cfg.root_dev {
                self.fail(&name, "another file system is mounted here; left in place");
                continue;
            }
            subdirs.push((name, st));
        }
        self.each(depth, subdirs, |w, (name, st)| {
            match open_dir_writable(dir, &name, &st) {
                Ok(sub) => w.tree(sub.as_fd(), depth + 1),
                Err(Errno::NOENT) => return,
                Err(e) => return w.fail(&name, e),
            }
            match remove_dir(dir, &name, &st, &mut w.tally) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => w.fail(&name, e),
            }
        });
    }

    fn unlink(&mut self, dir: BorrowedFd<'_>, name: &CStr) {
        let st = match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::NOENT) => return,
            Err(e) => return self.fail(name, e),
        };
        if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
            return; // a directory swapped in: the tree pass handles it
        }
        match unlink_file(dir, name, &st, self.cfg.parallel, &mut self.tally) {
            Ok(()) | Err(Errno::NOENT) => {}
            Err(e) => self.fail(name, e),
        }
    }
}

/// The entries of `dir` (without `.` and `..`), with their types as the
/// directory tells them (asked of the inode where it does not).
fn entries(dir: BorrowedFd<'_>) -> Vec<(CString, FileType)> {
    let Ok(mut d) = Dir::read_from(dir) else {
        return vec![];
    };
    let mut out = Vec::new();
    while let Some(Ok(e)) = d.read() {
        let name = e.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        let ty = match e.file_type() {
            FileType::Unknown => rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
                .map_or(FileType::Unknown, |st| FileType::from_raw_mode(st.st_mode)),
            t => t,
        };
        out.push((name.to_owned(), ty));
    }
    out
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

fn open_dir(parent: BorrowedFd<'_>, name: &OsStr) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(parent, name, dir_flags(), Mode::empty())
}

/// Opens a directory about to be emptied; one without read or search
/// permission is given them first, as uv does.
fn open_dir_writable(parent: BorrowedFd<'_>, name: &CStr, st: &Stat) -> Result<OwnedFd, Errno> {
    match rustix::fs::openat(parent, name, dir_flags(), Mode::empty()) {
        Err(Errno::ACCESS) => {
            let mode = Mode::from_raw_mode(st.st_mode) | Mode::RWXU;
            rustix::fs::chmodat(parent, name, mode, AtFlags::empty())?;
            let fd = rustix::fs::openat(parent, name, dir_flags(), Mode::empty())?;
            // Another process may have swapped the entry between the chmod and the open.
            if rustix::fs::fstat(&fd)?.st_ino != st.st_ino {
                return Err(Errno::AGAIN);
            }
            Ok(fd)
        }
        other => other,
    }
}

/// Unlinks a non-directory and counts it; a directory whose write permission
/// was taken away gets it back for the retry.
///
/// Its bytes count when its last link goes. In a parallel removal another
/// thread may be unlinking another link of the same inode: a file seen with
/// several links is then stated again and unlinked under the inode's stripe
/// lock, so that exactly one of them sees itself as the last link.
fn unlink_file(
    dir: BorrowedFd<'_>,
    name: &CStr,
    st: &Stat,
    parallel: bool,
    tally: &mut Tally,
) -> Result<(), Errno> {
    if parallel && st.st_nlink > 1 {
        static STRIPES: [Mutex<()>; 64] = [const { Mutex::new(()) }; 64];
        #[allow(clippy::unnecessary_cast)]
        let stripe = &STRIPES[(st.st_ino as u64 % 64) as usize];
        // Nothing panics while the lock is held; a poisoned one is still a lock.
        let _held = stripe.lock().unwrap_or_else(|e| e.into_inner());
        let now = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
        return unlink_counted(dir, name, &now, tally);
    }
    unlink_counted(dir, name, st, tally)
}

/// [`unlink_file`], with `st` taken as current.
fn unlink_counted(
    dir: BorrowedFd<'_>,
    name: &CStr,
    st: &Stat,
    tally: &mut Tally,
) -> Result<(), Errno> {
    let disk = st.st_blocks as u64 * 512;
    let last_link = st.st_nlink <= 1;
    let regular = FileType::from_raw_mode(st.st_mode) == FileType::RegularFile;
    let size = st.st_size as u64;
    #[allow(clippy::unnecessary_cast)]
    let dev = st.st_dev as u64;
    let cloned = if last_link && disk > 0 && regular && tally.clones.may_share(dev, size) {
        crate::engine::scan::walk::cloned_bytes(dir, name, disk)
    } else {
        0
    };

    #[cfg(test)]
    tests::widen_race(st);
    retry_writable(dir, || rustix::fs::unlinkat(dir, name, AtFlags::empty()))?;
    tally.files += 1;
    if last_link {
        tally.file_bytes += disk;
        tally.cloned_bytes += cloned;
    }
    fault_point();
    Ok(())
}

fn remove_dir(dir: BorrowedFd<'_>, name: &CStr, st: &Stat, tally: &mut Tally) -> Result<(), Errno> {
    retry_writable(dir, || rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR))?;
    tally.dirs += 1;
    tally.dir_bytes += st.st_blocks as u64 * 512;
    fault_point();
    Ok(())
}

fn retry_writable(dir: BorrowedFd<'_>, op: impl Fn() -> Result<(), Errno>) -> Result<(), Errno> {
    match op() {
        Err(Errno::ACCESS | Errno::PERM) => {
            let st = rustix::fs::fstat(dir)?;
            rustix::fs::fchmod(dir, Mode::from_raw_mode(st.st_mode) | Mode::RWXU)?;
            op()
        }
        other => other,
    }
}

/// Crash tests set `UVCACHE_FAULT_ABORT_AFTER_UNLINKS=N` to kill the process
/// (abort, no clean-up) right after its N-th unlink, inside an item.
fn fault_point() {
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static DONE: AtomicU64 = AtomicU64::new(0);
    let limit = LIMIT.get_or_init(|| {
        std::env::var("UVCACHE_FAULT_ABORT_AFTER_UNLINKS")
            .ok()?
            .parse()
            .ok()
    });
    if let Some(limit) = limit
        && DONE.fetch_add(1, Ordering::Relaxed) + 1 == *limit
    {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// Set by the test of hard links in parallel: every file with several links waits
    /// between its stat and its unlink, so that another thread stats its other link
    /// meanwhile (without the stripe lock, the test then loses the inode's bytes).
    static WIDEN: AtomicBool = AtomicBool::new(false);

    pub(super) fn widen_race(st: &Stat) {
        if st.st_nlink > 1 && WIDEN.load(Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_micros(500));
        }
    }

    #[test]
    fn removes_pointers_first_and_refuses_symlinked_parents() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("cache");
        let shard = root.join("sdists-v9/pypi/pkg/1.0");
        std::fs::create_dir_all(shard.join("rev/src/deep")).unwrap();
        std::fs::write(shard.join("revision.http"), b"p").unwrap();
        std::fs::write(shard.join("rev/metadata.msgpack"), b"m").unwrap();
        std::fs::write(shard.join("rev/src/deep/x.py"), b"x").unwrap();
        std::os::unix::fs::symlink("../../archive-v0/abc", shard.join("rev/w.whl")).unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(outside.join("pypi/victim")).unwrap();
        std::fs::write(outside.join("pypi/victim/keep"), b"k").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("sdists-v8")).unwrap();

        let r = Root::open(&root).unwrap();
        let mut t = Tally::default();
        match r.remove(Path::new("sdists-v8/pypi/victim"), true, true, &mut t) {
            ItemResult::Refused(_) => {}
            other => panic!("followed a link out of the cache: {other:?}"),
        }
        assert!(outside.join("pypi/victim/keep").exists());
        match r.remove(Path::new("sdists-v9/pypi/pkg"), true, true, &mut t) {
            ItemResult::Removed { error: None } => {}
            other => panic!("{other:?}"),
        }
        assert!(!root.join("sdists-v9/pypi/pkg").exists());
        assert_eq!(t.files, 4);
        assert_eq!(t.dirs, 5);
        assert!(matches!(
            r.remove(Path::new("sdists-v9/pypi/pkg"), true, true, &mut t),
            ItemResult::Vanished
        ));
        assert!(matches!(
            r.remove(Path::new("sdists-v9"), false, true, &mut t),
            ItemResult::Refused(_)
        ));
    }

    /// A tree whose files are hard-linked to each other across directories
    /// (and one to a file outside): `(files, dirs, bytes of inodes all of
    /// whose links are inside)`.
    fn linked_tree(root: &Path) -> (u64, u64, u64) {
        use std::os::unix::fs::MetadataExt;
        let bucket = root.join("archive-v0");
        let (mut files, mut dirs, mut bytes) = (0, 1, 0);
        for d in 0..40 {
            let dir = bucket.join(format!("a{d}")).join("pkg");
            std::fs::create_dir_all(&dir).unwrap();
            dirs += 2;
            for f in 0..25 {
                let p = dir.join(format!("m{f}.py"));
                std::fs::write(&p, vec![b'x'; 5000 + f]).unwrap();
                files += 1;
                bytes += std::fs::metadata(&p).unwrap().blocks() * 512;
            }
            if d > 0 {
                // Linked with the previous directory's files: two links, both inside.
                for f in 0..10 {
                    let prev = bucket.join(format!("a{}/pkg/m{f}.py", d - 1));
                    std::fs::hard_link(&prev, dir.join(format!("l{f}.py"))).unwrap();
                    files += 1;
                }
            }
        }
        // One link outside: that inode's bytes stay.
        let kept = bucket.join("a0/pkg/m20.py");
        bytes -= std::fs::metadata(&kept).unwrap().blocks() * 512;
        std::fs::hard_link(&kept, root.parent().unwrap().join("outside-link")).unwrap();
        (files, dirs, bytes)
    }

    #[test]
    fn parallel_removal_counts_hard_links_once() {
        // Removing the stripe lock from `unlink_file` makes this test fail (checked).
        WIDEN.store(true, Ordering::Relaxed);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for round in 0..4 {
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path().join("cache");
            std::fs::create_dir_all(&root).unwrap();
            let (files, dirs, bytes) = linked_tree(&root);
            let parallel = round % 4 != 0;
            let r = Root::open(&root).unwrap().parallel(parallel);
            let mut t = Tally::default();
            let result = pool.install(|| r.remove(Path::new("archive-v0"), true, false, &mut t));
            assert!(
                matches!(result, ItemResult::Removed { error: None }),
                "{result:?}"
            );
            assert!(!root.join("archive-v0").exists());
            assert!(tmp.path().join("outside-link").exists());
            assert_eq!((t.files, t.dirs), (files, dirs), "parallel: {parallel}");
            assert_eq!(t.file_bytes, bytes, "parallel: {parallel}");
        }
    }
}
