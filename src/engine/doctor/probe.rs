//! Trying what uv will do: clone, hard-link, symlink and copy a file from the cache into the
//! environment, and take shared and exclusive locks in the cache. Every probe file is removed
//! again, whatever happens.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Serialize;

use super::config::LinkMode;

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Probe {
    /// It worked.
    Works,
    /// It failed.
    Fails {
        /// The error.
        error: String,
        /// The error was "cross-device link" (`EXDEV`).
        cross_device: bool,
    },
    /// Not tried.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Probe {
    /// Whether it worked.
    pub fn works(&self) -> bool {
        *self == Probe::Works
    }

    fn of(result: std::io::Result<()>) -> Probe {
        match result {
            Ok(()) => Probe::Works,
            Err(e) => Probe::Fails {
                cross_device: e.kind() == ErrorKind::CrossesDevices,
                error: e.to_string(),
            },
        }
    }

    fn skipped(reason: impl Into<String>) -> Probe {
        Probe::Skipped {
            reason: reason.into(),
        }
    }
}

/// Link probes from a file in the cache to the environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkProbes {
    /// Directory the source file was created in (the cache root).
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub from: PathBuf,
    /// Directory the links were made in (the environment's `site-packages`).
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub to: PathBuf,
    /// A copy-on-write clone (`clone` / `reflink`).
    pub clone: Probe,
    /// A hard link.
    pub hardlink: Probe,
    /// A symbolic link.
    pub symlink: Probe,
    /// A plain copy.
    pub copy: Probe,
}

/// What uv will end up doing with a configured link mode, given the probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The mode installs will actually use.
    pub effective: LinkMode,
    /// Whether uv prints its "Failed to hardlink/symlink files; falling back to full copy"
    /// warning on every install that links files.
    pub fallback_warning: bool,
}

impl LinkProbes {
    /// uv's fallback chain (clone → hardlink → copy; hardlink → copy; symlink → copy) applied
    /// to `mode`. `None` when the probes were skipped or the mode is invalid.
    pub fn outcome(&self, mode: &LinkMode) -> Option<Outcome> {
        // Nothing can be written there: the probes say nothing about linking.
        if !self.copy.works() {
            return None;
        }
        let fallback = |works: bool, mode: LinkMode| Outcome {
            effective: if works { mode } else { LinkMode::Copy },
            fallback_warning: !works,
        };
        Some(match mode {
            LinkMode::Clone if self.clone.works() => fallback(true, LinkMode::Clone),
            LinkMode::Clone | LinkMode::Hardlink => {
                fallback(self.hardlink.works(), LinkMode::Hardlink)
            }
            LinkMode::Symlink => fallback(self.symlink.works(), LinkMode::Symlink),
            LinkMode::Copy => fallback(true, LinkMode::Copy),
            LinkMode::Invalid(_) => return None,
        })
    }
}

/// Removes the listed paths on drop (probe files never outlive the probe).
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A name no other process uses: the pid and a counter.
fn probe_name(what: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        ".uvcache-doctor-{}-{}-{what}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates a small file that does not exist yet.
fn create_probe(dir: &Path, what: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(probe_name(what));
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    // One filesystem block of data: clones work on whole blocks.
    f.write_all(&[b'u'; 4096])?;
    f.sync_all()?;
    Ok(path)
}

/// Probes clone, hard link, symlink and copy from a temporary file in `cache_dir` to new
/// files in `env_dir`, removing everything it creates.
pub fn probe_links(cache_dir: &Path, env_dir: &Path) -> LinkProbes {
    let mut probes = LinkProbes {
        from: cache_dir.to_path_buf(),
        to: env_dir.to_path_buf(),
        clone: Probe::skipped("not tried"),
        hardlink: Probe::skipped("not tried"),
        symlink: Probe::skipped("not tried"),
        copy: Probe::skipped("not tried"),
    };
    let mut cleanup = Cleanup(Vec::new());
    let source = match create_probe(cache_dir, "source") {
        Ok(p) => p,
        Err(e) => {
            let why = format!("cannot create a file in {}: {e}", cache_dir.display());
            for p in [
                &mut probes.clone,
                &mut probes.hardlink,
                &mut probes.symlink,
                &mut probes.copy,
            ] {
                *p = Probe::skipped(why.clone());
            }
            return probes;
        }
    };
    cleanup.0.push(source.clone());
    let mut target = |what: &str| {
        let p = env_dir.join(probe_name(what));
        cleanup.0.push(p.clone());
        p
    };
    let (t_clone, t_hard, t_sym, t_copy) = (
        target("clone"),
        target("hardlink"),
        target("symlink"),
        target("copy"),
    );
    probes.clone = Probe::of(reflink_copy::reflink(&source, &t_clone));
    probes.hardlink = Probe::of(std::fs::hard_link(&source, &t_hard));
    probes.symlink = Probe::of(symlink(&source, &t_sym));
    probes.copy = Probe::of(std::fs::copy(&source, &t_copy).map(|_| ()));
    drop(cleanup);
    probes
}

#[cfg(unix)]
fn symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(from, to)
}

#[cfg(windows)]
fn symlink(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(from, to)
}

/// Whether `flock`-style locks work on the cache's filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockProbes {
    /// A shared lock (every uv command holds one on `<cache>/.lock`).
    pub shared: Probe,
    /// An exclusive lock (`uv cache clean` / `prune`).
    pub exclusive: Probe,
    /// An exclusive lock held through one handle blocks another: locks are enforced, not
    /// silently granted.
    pub enforced: Probe,
}

/// Takes shared and exclusive locks on a temporary file in `cache_dir`, then checks that an
/// exclusive lock keeps a second handle out; removes the file.
pub fn probe_locks(cache_dir: &Path) -> LockProbes {
    let path = match create_probe(cache_dir, "lock") {
        Ok(p) => p,
        Err(e) => {
            let why = format!("cannot create a file in {}: {e}", cache_dir.display());
            return LockProbes {
                shared: Probe::skipped(why.clone()),
                exclusive: Probe::skipped(why.clone()),
                enforced: Probe::skipped(why),
            };
        }
    };
    let _cleanup = Cleanup(vec![path.clone()]);
    let open = || OpenOptions::new().read(true).write(true).open(&path);
    let (a, b) = match (open(), open()) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            let why = format!("cannot open {}: {e}", path.display());
            return LockProbes {
                shared: Probe::skipped(why.clone()),
                exclusive: Probe::skipped(why.clone()),
                enforced: Probe::skipped(why),
            };
        }
    };
    let shared = Probe::of(try_lock(&a, true).and_then(|()| try_lock(&b, true)));
    let _ = a.unlock();
    let _ = b.unlock();
    let exclusive = Probe::of(try_lock(&a, false));
    let enforced = if exclusive.works() {
        match b.try_lock() {
            Err(TryLockError::WouldBlock) => Probe::Works,
            Ok(()) => Probe::Fails {
                error: "a second exclusive lock was granted while the first was held".into(),
                cross_device: false,
            },
            Err(TryLockError::Error(e)) => Probe::of(Err(e)),
        }
    } else {
        Probe::skipped("the exclusive lock failed")
    };
    let _ = a.unlock();
    let _ = b.unlock();
    LockProbes {
        shared,
        exclusive,
        enforced,
    }
}

fn try_lock(f: &File, shared: bool) -> std::io::Result<()> {
    let r = if shared {
        f.try_lock_shared()
    } else {
        f.try_lock()
    };
    r.map_err(|e| match e {
        TryLockError::WouldBlock => {
            std::io::Error::new(ErrorKind::WouldBlock, "held by another process")
        }
        TryLockError::Error(e) => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_on_one_filesystem_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let (cache, env) = (tmp.path().join("cache"), tmp.path().join("env"));
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::create_dir_all(&env).unwrap();
        let p = probe_links(&cache, &env);
        assert!(
            p.hardlink.works() && p.symlink.works() && p.copy.works(),
            "{p:?}"
        );
        let o = p.outcome(&LinkMode::Hardlink).unwrap();
        assert_eq!(
            (o.effective, o.fallback_warning),
            (LinkMode::Hardlink, false)
        );
        let l = probe_locks(&cache);
        assert!(
            l.shared.works() && l.exclusive.works() && l.enforced.works(),
            "{l:?}"
        );
        for dir in [&cache, &env] {
            assert_eq!(
                std::fs::read_dir(dir).unwrap().count(),
                0,
                "probe files left"
            );
        }
    }

    #[test]
    fn falls_back_like_uv() {
        let fails = Probe::Fails {
            error: "x".into(),
            cross_device: true,
        };
        let p = LinkProbes {
            from: PathBuf::new(),
            to: PathBuf::new(),
            clone: fails.clone(),
            hardlink: fails,
            symlink: Probe::Works,
            copy: Probe::Works,
        };
        let o = p.outcome(&LinkMode::Clone).unwrap();
        assert_eq!((o.effective, o.fallback_warning), (LinkMode::Copy, true));
        let o = p.outcome(&LinkMode::Symlink).unwrap();
        assert_eq!(
            (o.effective, o.fallback_warning),
            (LinkMode::Symlink, false)
        );
        assert!(!p.outcome(&LinkMode::Copy).unwrap().fallback_warning);
        assert_eq!(p.outcome(&LinkMode::Invalid("x".into())), None);
    }
}
