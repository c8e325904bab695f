//! Which known environments share a file with an archive: the same device and inode at the
//! path the file is installed to (uv's hard-link mode links every file of a wheel into
//! `site-packages`, so an edit there is an edit of the cache's copy).

use std::path::PathBuf;

use crate::engine::project::site_packages;
use crate::engine::roots::Root;
use crate::engine::roots::map::installed_path;

/// The `site-packages` directories of each root, listed once.
pub struct Environments {
    envs: Vec<(PathBuf, Vec<PathBuf>)>,
}

impl Environments {
    /// The environments of `roots` that exist.
    pub fn of(roots: &[Root]) -> Environments {
        Environments {
            envs: roots
                .iter()
                .map(|r| (r.path.clone(), site_packages(&r.path)))
                .filter(|(_, sp)| !sp.is_empty())
                .collect(),
        }
    }

    /// The roots whose installed copy of the archive file `record_path` is the inode
    /// `(dev, ino)`.
    pub fn sharing(&self, record_path: &str, dev: u64, ino: u64) -> Vec<PathBuf> {
        let Some(installed) = installed_path(record_path.to_string(), true) else {
            return vec![];
        };
        self.envs
            .iter()
            .filter(|(_, sps)| {
                sps.iter().any(|sp| {
                    std::fs::symlink_metadata(sp.join(&installed))
                        .is_ok_and(|m| same_inode(&m, dev, ino))
                })
            })
            .map(|(root, _)| root.clone())
            .collect()
    }
}

#[cfg(unix)]
fn same_inode(meta: &std::fs::Metadata, dev: u64, ino: u64) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.dev() == dev && meta.ino() == ino
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: u64, _: u64) -> bool {
    false
}
