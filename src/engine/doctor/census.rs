//! How an environment's installed files relate to the cache: hard links to files in
//! `archive-v0`, symlinks into the cache, clones (single-link files sharing data extents, on a
//! copy-on-write filesystem), or independent copies, counted from each distribution's `RECORD`.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::engine::project::dist_infos;
use crate::engine::scan::extents::Clones;

/// Counts of installed files by how they are tied to the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FileCounts {
    /// Files listed in `RECORD` that exist.
    pub files: u64,
    /// Hard links to a file of the cache's `archive-v0`.
    pub hardlinks_into_cache: u64,
    /// Files with other hard links, none of them in the cache.
    pub hardlinks_elsewhere: u64,
    /// Symbolic links pointing into the cache.
    pub symlinks_into_cache: u64,
    /// Of those, symlinks whose target is gone (already broken).
    pub broken_symlinks: u64,
    /// Symbolic links pointing elsewhere.
    pub symlinks_elsewhere: u64,
    /// Files with a single link and data of their own: copies, or files the installer wrote
    /// itself (`RECORD`, `INSTALLER`, entry-point scripts).
    pub independent: u64,
    /// Files with a single link whose data extents another file shares (reflink clones, as uv's
    /// default link mode makes them on btrfs, XFS, APFS).
    pub clones: u64,
    /// Allocated bytes the clones share.
    pub cloned_bytes: u64,
    /// Files listed in `RECORD` that do not exist.
    pub missing: u64,
    /// Apparent bytes of the files hard-linked into the cache.
    pub hardlinked_bytes: u64,
}

impl FileCounts {
    fn add(&mut self, o: &FileCounts) {
        self.files += o.files;
        self.hardlinks_into_cache += o.hardlinks_into_cache;
        self.hardlinks_elsewhere += o.hardlinks_elsewhere;
        self.symlinks_into_cache += o.symlinks_into_cache;
        self.broken_symlinks += o.broken_symlinks;
        self.symlinks_elsewhere += o.symlinks_elsewhere;
        self.independent += o.independent;
        self.clones += o.clones;
        self.cloned_bytes += o.cloned_bytes;
        self.missing += o.missing;
        self.hardlinked_bytes += o.hardlinked_bytes;
    }
}

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistCensus {
    /// The `.dist-info` directory name.
    pub dist_info: String,
    /// Its files.
    #[serde(flatten)]
    pub counts: FileCounts,
}

/// Every distribution of an environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Census {
    /// Distributions with a `RECORD`.
    pub distributions: usize,
    /// Totals over all distributions.
    #[serde(flatten)]
    pub totals: FileCounts,
    /// Per distribution.
    pub per_distribution: Vec<DistCensus>,
}

impl Census {
    /// Distributions with files symlinked into the cache.
    pub fn symlinked(&self) -> Vec<&DistCensus> {
        self.per_distribution
            .iter()
            .filter(|d| d.counts.symlinks_into_cache > 0)
            .collect()
    }
}

/// What one installed file is.
enum Kind {
    /// A multiply-linked regular file: (dev, ino), size.
    Linked((u64, u64), u64),
    SymlinkInto {
        broken: bool,
    },
    SymlinkElsewhere,
    Single,
    /// A single-link file sharing this many allocated bytes with other files.
    Clone(u64),
    Missing,
}

/// Counts the files of every distribution in `site_packages`, comparing hard-linked ones with
/// the files under `<cache>/archive-v0`.
pub fn census(site_packages: &[PathBuf], cache: &Path) -> Census {
    let cache_canonical = cache.canonicalize().unwrap_or_else(|_| cache.to_path_buf());
    let clones = site_packages
        .first()
        .map(|sp| Clones::of(sp))
        .unwrap_or_default();
    let dists: Vec<(String, Vec<Kind>)> = dist_infos(site_packages)
        .into_iter()
        .filter_map(|info| {
            let kinds = info
                .record_paths()?
                .iter()
                .map(|rel| {
                    classify(
                        &info.site_packages.join(rel),
                        cache,
                        &cache_canonical,
                        clones,
                    )
                })
                .collect();
            Some((info.dir_name(), kinds))
        })
        .collect();
    let wanted: HashSet<(u64, u64)> = dists
        .iter()
        .flat_map(|(_, k)| k)
        .filter_map(|k| match k {
            Kind::Linked(id, _) => Some(*id),
            _ => None,
        })
        .collect();
    let in_cache = cache_inodes(&cache.join("archive-v0"), wanted);
    let mut out = Census::default();
    for (dist_info, kinds) in dists {
        let mut c = FileCounts::default();
        for k in kinds {
            if !matches!(k, Kind::Missing) {
                c.files += 1;
            }
            match k {
                Kind::Linked(id, size) if in_cache.contains(&id) => {
                    c.hardlinks_into_cache += 1;
                    c.hardlinked_bytes += size;
                }
                Kind::Linked(..) => c.hardlinks_elsewhere += 1,
                Kind::SymlinkInto { broken } => {
                    c.symlinks_into_cache += 1;
                    c.broken_symlinks += u64::from(broken);
                }
                Kind::SymlinkElsewhere => c.symlinks_elsewhere += 1,
                Kind::Single => c.independent += 1,
                Kind::Clone(shared) => {
                    c.clones += 1;
                    c.cloned_bytes += shared;
                }
                Kind::Missing => c.missing += 1,
            }
        }
        out.totals.add(&c);
        out.distributions += 1;
        out.per_distribution.push(DistCensus {
            dist_info,
            counts: c,
        });
    }
    out
}

fn classify(path: &Path, cache: &Path, cache_canonical: &Path, clones: Clones) -> Kind {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Kind::Missing;
    };
    if meta.file_type().is_symlink() {
        let Ok(target) = std::fs::read_link(path) else {
            return Kind::SymlinkElsewhere;
        };
        let resolved = lexical(&path.parent().unwrap_or(Path::new("/")).join(target));
        if resolved.starts_with(cache) || resolved.starts_with(cache_canonical) {
            return Kind::SymlinkInto {
                broken: !resolved.exists(),
            };
        }
        return Kind::SymlinkElsewhere;
    }
    match linked(&meta) {
        Some((id, size)) => Kind::Linked(id, size),
        None => match shared_of(path, &meta, clones) {
            0 => Kind::Single,
            shared => Kind::Clone(shared),
        },
    }
}

/// Allocated bytes a single-link regular file shares with other files (0 where the filesystem
/// cannot share extents, or the file's map cannot be read).
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn shared_of(path: &Path, meta: &std::fs::Metadata, clones: Clones) -> u64 {
    use std::os::fd::AsFd;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    if !meta.is_file() || !clones.may_share(meta.dev(), meta.len()) || meta.blocks() == 0 {
        return 0;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    match file {
        Ok(f) => crate::engine::scan::extents::shared_bytes_exact(f.as_fd()).unwrap_or(0),
        Err(_) => 0,
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn shared_of(_: &Path, _: &std::fs::Metadata, _: Clones) -> u64 {
    0
}

#[cfg(unix)]
fn linked(meta: &std::fs::Metadata) -> Option<((u64, u64), u64)> {
    use std::os::unix::fs::MetadataExt;
    (meta.is_file() && meta.nlink() > 1).then(|| ((meta.dev(), meta.ino()), meta.len()))
}

#[cfg(not(unix))]
fn linked(_: &std::fs::Metadata) -> Option<((u64, u64), u64)> {
    None
}

/// Resolves `.` and `..` without touching the filesystem.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Which of `wanted` (dev, inode) pairs are files under `dir`, walking (without following
/// symlinks) only until all are found.
fn cache_inodes(dir: &Path, mut wanted: HashSet<(u64, u64)>) -> HashSet<(u64, u64)> {
    let mut found = HashSet::new();
    if wanted.is_empty() {
        return found;
    }
    let Some(dev) = device(dir) else {
        return found;
    };
    wanted.retain(|(d, _)| *d == dev);
    let mut stack = vec![dir.to_path_buf()];
    let mut seen_dirs: HashSet<(u64, u64)> = HashSet::new();
    while let Some(d) = stack.pop() {
        if wanted.is_empty() {
            break;
        }
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                if let Some(id) = inode(&meta)
                    && seen_dirs.insert(id)
                {
                    stack.push(e.path());
                }
            } else if let Some(id) = inode(&meta)
                && wanted.remove(&id)
            {
                found.insert(id);
            }
        }
    }
    found
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

fn device(p: &Path) -> Option<u64> {
    inode(&std::fs::metadata(p).ok()?).map(|(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn counts_links_symlinks_and_copies() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let archive = cache.join("archive-v0/abc/pkg");
        std::fs::create_dir_all(&archive).unwrap();
        for f in ["a.py", "b.py", "c.py"] {
            std::fs::write(archive.join(f), "x = 1\n").unwrap();
        }
        let sp = tmp.path().join("env/lib/python3/site-packages");
        std::fs::create_dir_all(sp.join("pkg")).unwrap();
        std::fs::create_dir_all(sp.join("pkg-1.dist-info")).unwrap();
        std::fs::hard_link(archive.join("a.py"), sp.join("pkg/a.py")).unwrap();
        std::os::unix::fs::symlink(archive.join("b.py"), sp.join("pkg/b.py")).unwrap();
        std::fs::copy(archive.join("c.py"), sp.join("pkg/c.py")).unwrap();
        std::fs::write(
            sp.join("pkg-1.dist-info/RECORD"),
            "pkg/a.py,,\npkg/b.py,,\npkg/c.py,,\npkg/gone.py,,\npkg-1.dist-info/RECORD,,\n",
        )
        .unwrap();
        let c = census(&[sp], &cache);
        let t = c.totals;
        assert_eq!(c.distributions, 1);
        assert_eq!(
            (
                t.files,
                t.hardlinks_into_cache,
                t.symlinks_into_cache,
                t.independent,
                t.missing
            ),
            (4, 1, 1, 2, 1)
        );
        assert_eq!(c.symlinked().len(), 1);
    }
}
