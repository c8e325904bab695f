//! uv's cache lock: every uv process holds a shared lock on `<root>/.lock` for
//! its lifetime; `uv cache clean` and `prune` take it exclusively.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::{Error, Result};

/// An exclusive hold on the cache; released on drop.
#[derive(Debug)]
pub struct CacheLock {
    _file: Option<File>,
    /// Whether the lock was skipped (`--force`).
    pub forced: bool,
}

/// How waiting went, for the caller to report.
pub trait LockObserver {
    /// The lock is busy; `holders` are the processes found holding it.
    fn waiting(&self, _holders: &[Holder]) {}
}

/// A process holding a lock on the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// Its command line.
    pub command: String,
}

/// `UV_LOCK_TIMEOUT` (seconds), default 300, as uv reads it.
pub fn lock_timeout() -> Duration {
    std::env::var("UV_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(300), Duration::from_secs)
}

/// Takes the exclusive lock: tries once without waiting, then reports the
/// holders and waits up to `timeout`. `force` skips the lock entirely.
pub fn lock_exclusive(
    root: &Path,
    timeout: Duration,
    force: bool,
    observer: &dyn LockObserver,
) -> Result<CacheLock> {
    if force {
        return Ok(CacheLock {
            _file: None,
            forced: true,
        });
    }
    let path = root.join(".lock");
    let file = open_lock_file(&path)?;
    match file.try_lock() {
        Ok(()) => {
            return Ok(CacheLock {
                _file: Some(file),
                forced: false,
            });
        }
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
    }
    observer.waiting(&holders(&path));
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        match file.try_lock() {
            Ok(()) => {
                return Ok(CacheLock {
                    _file: Some(file),
                    forced: false,
                });
            }
            Err(TryLockError::WouldBlock) if start.elapsed() < timeout => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Other(format!(
                    "timeout ({}s) when waiting for the lock on `{}` at `{}`: is another uv process running? \
                     Set UV_LOCK_TIMEOUT to wait longer, or use --force to skip the lock",
                    timeout.as_secs(),
                    root.display(),
                    path.display()
                )));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
    }
}

fn open_lock_file(path: &Path) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o666);
    }
    opts.open(path)
        .map_err(|e| Error::io("open lock file", path, e))
}

/// Processes holding a lock on `path` (Linux: from `/proc/locks`).
pub fn holders(path: &Path) -> Vec<Holder> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return vec![];
        };
        let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
            return vec![];
        };
        let ino = meta.ino().to_string();
        let mut pids: Vec<u32> = locks
            .lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // "1: FLOCK  ADVISORY  READ 1234 fd:01:5678 0 EOF" (blocked waiters add "->").
                let i = fields
                    .iter()
                    .position(|f| f.matches(':').count() == 2 && f.contains(':'))?;
                let inode = fields[i].rsplit(':').next()?;
                (inode == ino)
                    .then(|| fields.get(i.checked_sub(1)?)?.parse().ok())
                    .flatten()
            })
            .collect();
        pids.sort_unstable();
        pids.dedup();
        let me = std::process::id();
        pids.into_iter()
            .filter(|p| *p != me)
            .map(|pid| {
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let command = String::from_utf8_lossy(&cmd)
                    .replace('\0', " ")
                    .trim()
                    .to_string();
                Holder { pid, command }
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
