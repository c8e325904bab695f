//! uv's cache lock: every uv process holds a shared lock on `<root>/.lock` for
//! its lifetime; `uv cache clean` and `prune` take it exclusively.
//!
//! One way to take it, shared by the command line and the terminal UI:
//! [`try_lock`] answers at once ([`LockError::Busy`] names who holds it), and
//! [`lock_exclusive`] waits up to a timeout, reporting the holders as they
//! change, and can be cancelled or told to go on without the lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// An exclusive hold on the cache; released on drop.
#[derive(Debug)]
pub struct CacheLock {
    _file: Option<File>,
    /// Whether the lock was skipped (`--force`).
    pub forced: bool,
    /// Unique within the process: plans made under this hold remember it.
    id: u64,
}

impl CacheLock {
    /// A hold that skips the lock (`--force`): removal proceeds while uv runs.
    pub fn forced() -> CacheLock {
        CacheLock {
            _file: None,
            forced: true,
            id: next_id(),
        }
    }

    fn held(file: File) -> CacheLock {
        CacheLock {
            _file: Some(file),
            forced: false,
            id: next_id(),
        }
    }

    /// Identifies this hold (for plans made under it).
    pub fn id(&self) -> u64 {
        self.id
    }
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A process holding a lock on the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// Its command line.
    pub command: String,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock (only from [`try_lock`]).
    #[error("the cache at `{}` is in use{}", root.display(), holder_list(holders))]
    Busy {
        /// The cache root.
        root: PathBuf,
        /// Who holds the lock, where the platform tells.
        holders: Vec<Holder>,
    },
    /// Waited the whole timeout.
    #[error(
        "timeout ({}s) when waiting for the lock on `{}`{}: is another uv process running? \
         Set UV_LOCK_TIMEOUT to wait longer, or use --force to skip the lock",
        timeout.as_secs(), root.display(), holder_list(holders)
    )]
    Timeout {
        /// The cache root.
        root: PathBuf,
        /// How long was waited.
        timeout: Duration,
        /// Who held the lock at the end.
        holders: Vec<Holder>,
    },
    /// The caller cancelled the wait.
    #[error("cancelled while waiting for uv's lock on `{}`", root.display())]
    Cancelled {
        /// The cache root.
        root: PathBuf,
    },
    /// The lock file is something uvcache must not open (a symbolic link,
    /// a directory, a FIFO...).
    #[error("`{}` is {what}; uvcache does not open it (remove it, or use --force)", path.display())]
    NotAFile {
        /// The lock file's path.
        path: PathBuf,
        /// What it is instead.
        what: &'static str,
    },
    /// Opening or locking the file failed.
    #[error("cannot {op} the lock file `{}`: {source}", path.display())]
    Io {
        /// "open", "create", "lock".
        op: &'static str,
        /// The lock file's path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn holder_list(holders: &[Holder]) -> String {
    if holders.is_empty() {
        return String::new();
    }
    let list: Vec<String> = holders
        .iter()
        .map(|h| format!("pid {} ({})", h.pid, h.command))
        .collect();
    format!(" (held by {})", list.join(", "))
}

/// How waiting goes, for the caller to report.
pub trait LockObserver {
    /// The lock is busy: called when the wait starts and again whenever the
    /// set of holders changes (a holder exits while its child keeps the lock).
    fn waiting(&self, _holders: &[Holder], _waited: Duration, _timeout: Duration) {}
}

/// Reports nothing.
pub struct Quiet;

impl LockObserver for Quiet {}

/// How to wait for the lock.
pub struct Wait<'a> {
    /// Give up after this long.
    pub timeout: Duration,
    /// Set to stop waiting ([`LockError::Cancelled`]).
    pub cancel: Option<&'a AtomicBool>,
    /// Set to stop waiting and go on without the lock (as `--force`).
    pub force: Option<&'a AtomicBool>,
}

impl Wait<'_> {
    /// Waits up to `timeout`, not cancellable.
    pub fn up_to(timeout: Duration) -> Wait<'static> {
        Wait {
            timeout,
            cancel: None,
            force: None,
        }
    }
}

/// `UV_LOCK_TIMEOUT` (seconds), default 300, as uv reads it.
pub fn lock_timeout() -> Duration {
    std::env::var("UV_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(300), Duration::from_secs)
}

/// Tries once, without waiting.
pub fn try_lock(root: &Path) -> Result<CacheLock, LockError> {
    let path = lock_path(root);
    let file = open_lock_file(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(CacheLock::held(file)),
        Err(TryLockError::WouldBlock) => Err(LockError::Busy {
            root: root.to_path_buf(),
            holders: holders(&path),
        }),
        Err(TryLockError::Error(e)) => Err(LockError::Io {
            op: "lock",
            path,
            source: e,
        }),
    }
}

/// Takes the exclusive lock: tries at once, then reports the holders and
/// waits as `wait` says. `force` skips the lock entirely.
pub fn lock_exclusive(
    root: &Path,
    wait: &Wait<'_>,
    force: bool,
    observer: &dyn LockObserver,
) -> Result<CacheLock, LockError> {
    if force {
        return Ok(CacheLock::forced());
    }
    let path = lock_path(root);
    let file = open_lock_file(&path)?;
    let start = Instant::now();
    let mut reported: Option<Vec<Holder>> = None;
    let mut last_look = start;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(CacheLock::held(file)),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return Err(LockError::Io {
                    op: "lock",
                    path,
                    source: e,
                });
            }
        }
        let waited = start.elapsed();
        if reported.is_none() || last_look.elapsed() >= Duration::from_secs(1) {
            let now = holders(&path);
            if reported.as_ref() != Some(&now) {
                observer.waiting(&now, waited, wait.timeout);
                reported = Some(now);
            }
            last_look = Instant::now();
        }
        if waited >= wait.timeout {
            return Err(LockError::Timeout {
                root: root.to_path_buf(),
                timeout: wait.timeout,
                holders: reported.unwrap_or_default(),
            });
        }
        if wait.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(LockError::Cancelled {
                root: root.to_path_buf(),
            });
        }
        if wait.force.is_some_and(|f| f.load(Ordering::Relaxed)) {
            return Ok(CacheLock::forced());
        }
        std::thread::sleep(Duration::from_millis(50).min(wait.timeout.saturating_sub(waited)));
    }
}

/// Opens `<root>/.lock` without following a symbolic link, creating it
/// readable and writable by everyone (0666, whatever the umask) as uv does,
/// so other users' uv can share the cache.
fn open_lock_file(path: &Path) -> Result<File, LockError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => {}
        Ok(m) => {
            return Err(LockError::NotAFile {
                path: path.to_path_buf(),
                what: describe(&m.file_type()),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match create_lock_file(path) {
                Ok(file) => return Ok(file),
                // Someone else created it meanwhile: open theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(LockError::Io {
                        op: "create",
                        path: path.to_path_buf(),
                        source: e,
                    });
                }
            }
        }
        Err(e) => {
            return Err(LockError::Io {
                op: "open",
                path: path.to_path_buf(),
                source: e,
            });
        }
    }
    let mut opts = OpenOptions::new();
    opts.read(true).write(true);
    no_follow(&mut opts);
    opts.open(path)
        .map_err(|e| match std::fs::symlink_metadata(path) {
            Ok(m) if !m.file_type().is_file() => LockError::NotAFile {
                path: path.to_path_buf(),
                what: describe(&m.file_type()),
            },
            _ => LockError::Io {
                op: "open",
                path: path.to_path_buf(),
                source: e,
            },
        })
}

fn create_lock_file(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create_new(true);
    no_follow(&mut opts);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o666);
        let file = opts.open(path)?;
        // The umask narrowed the mode; uv's lock file is 0666 regardless.
        file.set_permissions(std::fs::Permissions::from_mode(0o666))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        opts.open(path)
    }
}

fn no_follow(opts: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    #[cfg(not(unix))]
    let _ = opts;
}

fn describe(t: &std::fs::FileType) -> &'static str {
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Processes holding a lock on `path` (Linux: from `/proc/locks`).
pub fn holders(path: &Path) -> Vec<Holder> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return vec![];
        };
        let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
            return vec![];
        };
        let ino = meta.ino().to_string();
        let (dev_major, dev_minor) = (rustix::fs::major(meta.dev()), rustix::fs::minor(meta.dev()));
        let mut pids: Vec<u32> = locks
            .lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // "1: FLOCK  ADVISORY  READ 1234 fd:01:5678 0 EOF" (blocked waiters add "->").
                if fields.contains(&"->") {
                    return None;
                }
                let i = fields
                    .iter()
                    .position(|f| f.matches(':').count() == 2 && f.contains(':'))?;
                // MAJOR:MINOR:INODE, the device numbers in hex.
                let mut id = fields[i].split(':');
                let (major, minor, inode) = (id.next()?, id.next()?, id.next()?);
                let same_device = u32::from_str_radix(major, 16).ok() == Some(dev_major)
                    && u32::from_str_radix(minor, 16).ok() == Some(dev_minor);
                (same_device && inode == ino)
                    .then(|| fields.get(i.checked_sub(1)?)?.parse().ok())
                    .flatten()
            })
            .collect();
        pids.sort_unstable();
        pids.dedup();
        let me = std::process::id();
        pids.into_iter()
            .filter(|p| *p != me)
            .filter_map(|pid| {
                // /proc/locks names the process that took the lock; it may have
                // exited while a child it passed the descriptor to holds it.
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
                let command = String::from_utf8_lossy(&cmd)
                    .replace('\0', " ")
                    .trim()
                    .to_string();
                Some(Holder { pid, command })
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        vec![]
    }
}

/// The lock file of a cache root.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(".lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_then_free_and_timeouts_are_typed() {
        let tmp = tempfile::tempdir().unwrap();
        let first = try_lock(tmp.path()).unwrap();
        assert!(!first.forced);
        assert!(matches!(try_lock(tmp.path()), Err(LockError::Busy { .. })));
        let err =
            lock_exclusive(tmp.path(), &Wait::up_to(Duration::ZERO), false, &Quiet).unwrap_err();
        assert!(matches!(err, LockError::Timeout { .. }), "{err}");
        assert!(err.to_string().contains("UV_LOCK_TIMEOUT"));
        let forced =
            lock_exclusive(tmp.path(), &Wait::up_to(Duration::ZERO), true, &Quiet).unwrap();
        assert!(forced.forced);
        drop(first);
        let again = try_lock(tmp.path()).unwrap();
        assert_ne!(again.id(), forced.id());
    }

    #[test]
    fn cancel_and_force_end_a_wait() {
        let tmp = tempfile::tempdir().unwrap();
        let _held = try_lock(tmp.path()).unwrap();
        let yes = AtomicBool::new(true);
        let cancel = Wait {
            timeout: Duration::from_secs(60),
            cancel: Some(&yes),
            force: None,
        };
        assert!(matches!(
            lock_exclusive(tmp.path(), &cancel, false, &Quiet),
            Err(LockError::Cancelled { .. })
        ));
        let force = Wait {
            timeout: Duration::from_secs(60),
            cancel: None,
            force: Some(&yes),
        };
        assert!(
            lock_exclusive(tmp.path(), &force, false, &Quiet)
                .unwrap()
                .forced
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_lock_file_is_never_followed_and_new_ones_are_0666() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        let target = tmp.path().join("outside");
        std::os::unix::fs::symlink(&target, cache.join(".lock")).unwrap();
        let err = try_lock(&cache).unwrap_err();
        assert!(matches!(err, LockError::NotAFile { .. }), "{err}");
        assert!(!target.exists(), "the link's target was created");

        let fresh = tmp.path().join("fresh");
        std::fs::create_dir(&fresh).unwrap();
        drop(try_lock(&fresh).unwrap());
        let mode = std::fs::metadata(fresh.join(".lock"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o666);
    }
}
