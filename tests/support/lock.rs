//! Cross-process coordination for things that are created once under `target/` and shared by all
//! test binaries (uv releases, build backends, fixture caches).

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// An exclusive advisory lock (`flock`) on a file, held until dropped.
///
/// Each call opens its own file description, so the lock also serializes threads of the same
/// process.
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    pub fn acquire(path: &Path) -> FileLock {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .unwrap_or_else(|e| panic!("cannot open lock file {}: {e}", path.display()));
        file.lock()
            .unwrap_or_else(|e| panic!("cannot lock {}: {e}", path.display()));
        FileLock {
            file,
            path: path.to_path_buf(),
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Makes sure `dest` exists and is complete, creating it at most once across processes.
///
/// `is_complete(dest)` tells whether an existing directory is usable. Otherwise `fill` populates a
/// fresh temporary sibling directory which is then renamed to `dest`, so readers never observe a
/// half-written directory. A lock file `<dest>.lock` serializes concurrent creators.
pub fn create_once(
    dest: &Path,
    is_complete: impl Fn(&Path) -> bool,
    fill: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    if is_complete(dest) {
        return Ok(());
    }
    let parent = dest.parent().expect("destination has a parent");
    let name = dest
        .file_name()
        .expect("destination has a file name")
        .to_string_lossy()
        .into_owned();
    let _lock = FileLock::acquire(&parent.join(format!(".{name}.lock")));
    if is_complete(dest) {
        return Ok(());
    }
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    remove_dir_if_exists(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    if let Err(e) = fill(&tmp) {
        remove_dir_if_exists(&tmp);
        return Err(e);
    }
    if !is_complete(&tmp) {
        remove_dir_if_exists(&tmp);
        return Err(format!(
            "{} is still incomplete after it was populated",
            dest.display()
        ));
    }
    // Leftover from an interrupted earlier attempt that did not complete.
    remove_dir_if_exists(dest);
    fs::rename(&tmp, dest)
        .map_err(|e| format!("cannot rename {} to {}: {e}", tmp.display(), dest.display()))
}

pub fn remove_dir_if_exists(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            make_writable(path);
            fs::remove_dir_all(path)
                .unwrap_or_else(|e| panic!("cannot remove {}: {e}", path.display()));
        }
        Ok(_) => fs::remove_file(path)
            .unwrap_or_else(|e| panic!("cannot remove {}: {e}", path.display())),
        Err(_) => {}
    }
}

/// Adds owner write/execute permission to every directory below `path` (Git object directories
/// and some unpacked archives are read-only) so that the tree can be deleted.
fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in walkdir::WalkDir::new(path)
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_dir()
            && let Ok(meta) = entry.metadata()
        {
            let mut perms = meta.permissions();
            let mode = perms.mode();
            if mode & 0o700 != 0o700 {
                perms.set_mode(mode | 0o700);
                let _ = fs::set_permissions(entry.path(), perms);
            }
        }
    }
}
