//! The roots uvcache remembers: one JSON file in its state directory, shared by every cache
//! and every uvcache process (read, changed and replaced under an exclusive lock on a file
//! beside it, so that two processes never lose each other's roots).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{FoundBy, Root, RootKind};

/// The file's format number.
const FORMAT: u32 = 1;

/// Where the roots are remembered: `$UVCACHE_STATE_DIR/roots.json`, else `uvcache/roots.json`
/// in the platform's state directory (its cache directory where it has none).
pub fn roots_file() -> Option<PathBuf> {
    let dir = match std::env::var_os("UVCACHE_STATE_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => dirs::state_dir().or_else(dirs::cache_dir)?.join("uvcache"),
    };
    Some(dir.join("roots.json"))
}

/// One remembered root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The environment's directory.
    pub path: PathBuf,
    /// What it is.
    pub kind: RootKind,
    /// Added with `uvcache roots add` (kept until `roots remove`, even while it is missing).
    pub registered: bool,
    /// When it was last seen, in seconds since the epoch.
    pub last_seen: u64,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootsFile {
    /// The format number.
    pub format: u32,
    /// The roots, in path order.
    pub roots: Vec<Remembered>,
}

impl RootsFile {
    /// The remembered roots as [`Root`]s.
    pub fn as_roots(&self) -> Vec<Root> {
        self.roots
            .iter()
            .map(|r| Root {
                path: r.path.clone(),
                kind: r.kind,
                found_by: if r.registered {
                    FoundBy::Registered
                } else {
                    FoundBy::Remembered
                },
            })
            .collect()
    }

    /// Remembers `roots` as seen now (registered when `register`), keeping registrations.
    pub fn remember(&mut self, roots: &[Root], register: bool) {
        let now = now();
        for root in roots {
            match self.roots.iter_mut().find(|r| r.path == root.path) {
                Some(r) => {
                    r.last_seen = now;
                    r.kind = root.kind;
                    r.registered |= register;
                }
                None => self.roots.push(Remembered {
                    path: root.path.clone(),
                    kind: root.kind,
                    registered: register,
                    last_seen: now,
                }),
            }
        }
        self.roots.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Forgets the roots that no longer exist, unless registered; returns them.
    pub fn drop_vanished(&mut self) -> Vec<Remembered> {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.roots)
            .into_iter()
            .partition(|r| !r.registered && !super::discover::is_environment(&r.path));
        self.roots = kept;
        gone
    }

    /// Forgets `path`; whether it was remembered.
    pub fn forget(&mut self, path: &Path) -> bool {
        let before = self.roots.len();
        self.roots.retain(|r| r.path != path);
        self.roots.len() != before
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads the file (empty when missing; an error when unreadable or not a roots file).
pub fn load(path: &Path) -> Result<RootsFile, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(RootsFile {
                format: FORMAT,
                roots: vec![],
            });
        }
        Err(e) => return Err(format!("cannot read `{}`: {e}", path.display())),
    };
    let file: RootsFile = serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not a roots file: {e}", path.display()))?;
    if file.format != FORMAT {
        return Err(format!(
            "`{}` has format {} (this uvcache reads {FORMAT})",
            path.display(),
            file.format
        ));
    }
    Ok(file)
}

/// Reads the file, lets `change` edit it, and replaces it atomically, all under an exclusive
/// lock on `<file>.lock`; returns the file as written and what `change` returned.
pub fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut RootsFile) -> T,
) -> Result<(RootsFile, T), String> {
    let dir = path
        .parent()
        .ok_or_else(|| format!("`{}` has no directory", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let lock_path = path.with_extension("json.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open `{}`: {e}", lock_path.display()))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| format!("cannot lock `{}`: {e}", lock_path.display()))?;
    // A damaged file is replaced rather than blocking every later run.
    let mut file = load(path).unwrap_or(RootsFile {
        format: FORMAT,
        roots: vec![],
    });
    let out = change(&mut file);
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in `{}`: {e}", dir.display()))?;
    let json = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
    tmp.write_all(&json)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot replace `{}`: {}", path.display(), e.error))?;
    drop(lock);
    Ok((file, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(path: &Path) -> Root {
        Root {
            path: path.to_path_buf(),
            kind: RootKind::Venv,
            found_by: FoundBy::Search,
        }
    }

    #[test]
    fn remembers_forgets_and_survives_concurrent_writers() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("state/roots.json");
        let env = tmp.path().join("env");
        std::fs::create_dir_all(&env).unwrap();
        std::fs::write(env.join("pyvenv.cfg"), "").unwrap();
        let gone = tmp.path().join("gone");
        update(&file, |f| f.remember(&[root(&env), root(&gone)], false)).unwrap();
        update(&file, |f| {
            f.remember(&[root(&tmp.path().join("kept"))], true)
        })
        .unwrap();
        let (after, dropped) = update(&file, RootsFile::drop_vanished).unwrap();
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].path, gone);
        let paths: Vec<&Path> = after.roots.iter().map(|r| r.path.as_path()).collect();
        assert_eq!(paths, [env.as_path(), tmp.path().join("kept").as_path()]);
        assert_eq!(load(&file).unwrap(), after);
        // Eight writers at once: every root is kept.
        std::thread::scope(|s| {
            for i in 0..8 {
                let file = &file;
                let p = tmp.path().join(format!("w{i}"));
                s.spawn(move || update(file, |f| f.remember(&[root(&p)], true)).unwrap());
            }
        });
        assert_eq!(load(&file).unwrap().roots.len(), 10);
        assert!(update(&file, |f| f.forget(&env)).unwrap().1);
        std::fs::write(&file, "{not json").unwrap();
        assert!(load(&file).unwrap_err().contains("not a roots file"));
    }
}
