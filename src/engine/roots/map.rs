//! Which archive an installed distribution came from, whatever the link mode.
//!
//! An archive (`archive-v0/<id>`) is an unpacked wheel with the wheel's own `RECORD`; uv
//! installs from it and writes a new `RECORD` into the environment that keeps the wheel's
//! path and hash for every file it installed. The set of `(path, hash)` pairs both share,
//! the wheel's `WHEEL` and `METADATA` included, identifies the wheel: it is the same for hard
//! links, clones, copies and symbolic links, and differs between two builds or two platform
//! tags of one version. Files the installer writes (`INSTALLER`, `REQUESTED`,
//! `direct_url.json`, uv's own records, entry-point scripts) and files installed outside
//! `site-packages` (`.data/scripts`, `.data/data`, headers) are left out on both sides.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::engine::project::{dist_infos, record_fields, site_packages};
use crate::engine::scan::walk::{MAX_SMALL_FILE, read_regular};

/// Files of a `.dist-info` that installers write or rewrite.
const INSTALLER_FILES: &[&str] = &[
    "RECORD",
    "INSTALLER",
    "REQUESTED",
    "direct_url.json",
    "uv_cache.json",
    "uv_build.json",
];

/// The identity of a wheel's content: a digest of its sorted `(path, hash)` pairs.
pub type Print = u64;

/// The print of a `RECORD`, read as an archive's (`in_archive`: paths relative to the wheel,
/// `.data/purelib|platlib` mapped to where they are installed) or as an environment's (paths
/// relative to `site-packages`). `None` when nothing in it has a hash.
pub fn print_of_record(text: &str, in_archive: bool) -> Option<Print> {
    let mut pairs: Vec<(String, String)> = text
        .lines()
        .filter_map(record_fields)
        .filter(|(_, hash)| !hash.is_empty())
        .filter_map(|(path, hash)| Some((installed_path(path, in_archive)?, hash)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    pairs.sort();
    pairs.dedup();
    let mut text = String::new();
    for (path, hash) in &pairs {
        text.push_str(path);
        text.push('\0');
        text.push_str(hash);
        text.push('\n');
    }
    Some(seahash::hash(text.as_bytes()))
}

/// Where a `RECORD` path lands in `site-packages`, or `None` when it is left out.
pub fn installed_path(path: String, in_archive: bool) -> Option<String> {
    if path.starts_with('/') || path.starts_with("../") || path.starts_with("..\\") {
        return None;
    }
    let mut parts = path.splitn(2, '/');
    let first = parts.next()?;
    let rest = parts.next();
    if first.ends_with(".dist-info") {
        let file = rest?;
        return (!INSTALLER_FILES.contains(&file)).then_some(path);
    }
    if first.ends_with(".data") {
        if !in_archive {
            return Some(path);
        }
        let (scheme, inner) = rest?.split_once('/')?;
        return matches!(scheme, "purelib" | "platlib").then(|| inner.to_string());
    }
    Some(path)
}

/// The prints of every archive in a cache.
#[derive(Debug, Default)]
pub struct ArchivePrints {
    by_print: FxHashMap<Print, Vec<String>>,
    /// Archives with a readable `RECORD`.
    pub archives: usize,
    /// Archives without one (environments, unreadable, partial).
    pub without_record: usize,
}

impl ArchivePrints {
    /// Reads the `RECORD` of every `archive-v0/<id>/*.dist-info` under `cache_root`.
    pub fn build(cache_root: &Path) -> ArchivePrints {
        let Ok(entries) = std::fs::read_dir(cache_root.join("archive-v0")) else {
            return ArchivePrints::default();
        };
        let dirs: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
            .collect();
        let prints: Vec<(String, Option<Print>)> = dirs
            .into_par_iter()
            .map(|(id, dir)| {
                let print = dist_info_dirs(&dir).into_iter().find_map(|d| {
                    let bytes = read_regular(&d.join("RECORD"), MAX_SMALL_FILE).ok()?;
                    print_of_record(&String::from_utf8_lossy(&bytes), true)
                });
                (id, print)
            })
            .collect();
        let mut out = ArchivePrints::default();
        for (id, print) in prints {
            match print {
                Some(p) => {
                    out.archives += 1;
                    out.by_print.entry(p).or_default().push(id);
                }
                None => out.without_record += 1,
            }
        }
        for ids in out.by_print.values_mut() {
            ids.sort();
        }
        out
    }

    /// The archives with this print (several when one wheel was unpacked more than once).
    pub fn archives_of(&self, print: Print) -> &[String] {
        self.by_print.get(&print).map_or(&[], Vec::as_slice)
    }
}

/// The `.dist-info` directories directly inside `dir`.
fn dist_info_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dist-info"))
        .collect()
}

/// One distribution installed in a root, and the archives it was installed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledDist {
    /// The project name, as its metadata spells it.
    pub name: String,
    /// The installed version.
    pub version: String,
    /// The `.dist-info` directory.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub dist_info: PathBuf,
    /// The installer named in `INSTALLER`.
    pub installer: Option<String>,
    /// Archive ids whose content it is (empty: not from this cache, or editable).
    pub archives: Vec<String>,
    /// When its `.dist-info` was written: about when it was installed.
    #[serde(serialize_with = "crate::engine::json::ser_time")]
    pub installed_at: Option<std::time::SystemTime>,
}

/// Every distribution installed in the environment at `root`, with its archives.
pub fn map_environment(root: &Path, prints: &ArchivePrints) -> Vec<InstalledDist> {
    dist_infos(&site_packages(root))
        .into_iter()
        .map(|info| {
            let (name, version) = info.name_and_version();
            let archives = read_regular(&info.record_file(), MAX_SMALL_FILE)
                .ok()
                .and_then(|b| print_of_record(&String::from_utf8_lossy(&b), false))
                .map(|p| prints.archives_of(p).to_vec())
                .unwrap_or_default();
            let installed_at = std::fs::symlink_metadata(&info.path)
                .and_then(|m| m.modified())
                .ok();
            InstalledDist {
                name,
                version,
                installer: info.installer(),
                dist_info: info.path,
                archives,
                installed_at,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHEEL_RECORD: &str = "\
pkg/__init__.py,sha256=AAA,10
pkg-1.0.data/purelib/extra.py,sha256=BBB,5
pkg-1.0.data/scripts/tool,sha256=CCC,7
pkg-1.0.dist-info/WHEEL,sha256=DDD,81
pkg-1.0.dist-info/METADATA,sha256=EEE,100
pkg-1.0.dist-info/RECORD,,
";

    const INSTALLED_RECORD: &str = "\
../../../bin/tool,sha256=XXX,9
extra.py,sha256=BBB,5
pkg-1.0.dist-info/INSTALLER,sha256=III,2
pkg-1.0.dist-info/METADATA,sha256=EEE,100
pkg-1.0.dist-info/RECORD,,
pkg-1.0.dist-info/REQUESTED,sha256=RRR,0
pkg-1.0.dist-info/WHEEL,sha256=DDD,81
pkg/__init__.py,sha256=AAA,10
pkg/__pycache__/__init__.cpython-311.pyc,,
";

    #[test]
    fn an_installed_record_has_the_print_of_its_wheel() {
        let wheel = print_of_record(WHEEL_RECORD, true).unwrap();
        assert_eq!(print_of_record(INSTALLED_RECORD, false), Some(wheel));
        // Another build: one hash differs.
        let other = INSTALLED_RECORD.replace("sha256=AAA", "sha256=AAB");
        assert_ne!(print_of_record(&other, false), Some(wheel));
        // Another platform tag: WHEEL differs.
        let tagged = WHEEL_RECORD.replace("sha256=DDD", "sha256=DDE");
        assert_ne!(print_of_record(&tagged, true), Some(wheel));
        assert_eq!(print_of_record("a.py,,\n", false), None);
    }
}
