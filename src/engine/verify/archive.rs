//! One archive against its `RECORD`: what the wheel says it holds (path, hash, size), what
//! the directory holds that the wheel does not list, and checking one listed file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::hash::{Algorithm, digest_reader, open_regular, parse_hash, record_hash};
use super::memo::{FileKey, Memo};
use super::{FileProblem, Problem};
use crate::engine::project::record_line;
use crate::engine::scan::walk::{MAX_SMALL_FILE, read_regular};

/// A file the `RECORD` lists.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Its path, relative to the archive (`/`-separated).
    pub path: String,
    /// Its hash, when the `RECORD` gives one.
    pub hash: Option<(Algorithm, String)>,
    /// Its size, when the `RECORD` gives one.
    pub size: Option<u64>,
}

/// What an archive should hold, and what it holds besides.
#[derive(Debug, Default)]
pub struct ArchivePlan {
    /// The files its `RECORD` lists, with what the listing found at each path (`None`:
    /// absent).
    pub expected: Vec<(Expected, Option<Found>)>,
    /// Problems found without reading file contents: no `RECORD`, lines that cannot be
    /// checked, files it holds that the `RECORD` does not list.
    pub problems: Vec<FileProblem>,
    /// The archive vanished (uv removing it).
    pub vanished: bool,
}

/// Reads the archive's `RECORD` and lists its files.
pub fn plan(dir: &Path) -> ArchivePlan {
    let mut out = ArchivePlan::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.vanished = true;
            return out;
        }
        Err(e) => {
            out.problems.push(FileProblem::new(
                String::new(),
                Problem::Unreadable,
                Some(format!("cannot list the archive: {e}")),
            ));
            return out;
        }
    };
    let mut dist_infos: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".dist-info"))
        .collect();
    dist_infos.sort();
    let Some(dist_info) = dist_infos.first() else {
        out.problems.push(FileProblem::new(
            "*.dist-info/RECORD".into(),
            Problem::NoRecord,
            Some("the archive has no .dist-info directory".into()),
        ));
        return out;
    };
    let record = format!("{dist_info}/RECORD");
    let text = match read_regular(&dir.join(&record), MAX_SMALL_FILE) {
        Ok(bytes) => bytes,
        Err(e) => {
            let (problem, note) = match e.kind() {
                std::io::ErrorKind::NotFound => (Problem::NoRecord, None),
                std::io::ErrorKind::PermissionDenied => (Problem::Unreadable, Some(e.to_string())),
                _ => (Problem::NoRecord, Some(e.to_string())),
            };
            out.problems.push(FileProblem::new(record, problem, note));
            return out;
        }
    };
    let text = String::from_utf8_lossy(&text);
    let mut listed: BTreeSet<String> = BTreeSet::new();
    listed.insert(record.clone());
    for line in text.lines() {
        let Some((path, hash, size)) = record_line(line) else {
            if !line.trim().is_empty() {
                out.problems.push(FileProblem::new(
                    record.clone(),
                    Problem::BadRecord,
                    Some(format!("unreadable line `{}`", line.trim())),
                ));
            }
            continue;
        };
        // Installed outside the wheel's tree: nothing of it is in the archive.
        if path.starts_with('/') || path.split('/').any(|c| c == "..") {
            continue;
        }
        if !listed.insert(path.clone()) {
            continue;
        }
        let hash = match parse_hash(&hash) {
            Ok(h) => h,
            Err(why) => {
                out.problems.push(FileProblem::new(
                    path.clone(),
                    Problem::BadRecord,
                    Some(why),
                ));
                None
            }
        };
        out.expected.push((
            Expected {
                path,
                hash,
                size: size.trim().parse().ok(),
            },
            None,
        ));
    }
    let mut present: FxHashMap<String, Found> = FxHashMap::default();
    list_files(dir, "", &mut present);
    for (want, found) in &mut out.expected {
        *found = present.remove(&want.path);
    }
    let mut extra: Vec<String> = present
        .into_keys()
        .filter(|p| !listed.contains(p))
        .collect();
    extra.sort();
    for path in extra {
        out.problems
            .push(FileProblem::new(path, Problem::Extra, None));
    }
    out
}

/// What the listing found at a path: the file's identity and kind, read relative to its
/// directory while listing it (one `statx` per file, no second path lookup).
#[derive(Debug, Clone, Copy)]
pub struct Found {
    /// Its identity.
    pub key: FileKey,
    /// A regular file (not a symbolic link or anything else).
    pub regular: bool,
    /// Its hard-link count.
    pub links: u64,
}

impl Found {
    fn of(meta: &std::fs::Metadata) -> Found {
        Found {
            key: FileKey::of(meta),
            regular: meta.is_file(),
            links: links(meta),
        }
    }
}

/// Every file and symbolic link below `dir`, as `/`-separated paths after `prefix`, with its
/// metadata; never through a symbolic link; sub-directories in parallel (one archive can hold
/// most of a cache's files). An entry that cannot be examined is left out (and is then
/// missing).
fn list_files(dir: &Path, prefix: &str, out: &mut FxHashMap<String, Found>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let rel = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            subdirs.push((e.path(), rel));
        } else if let Ok(meta) = e.metadata() {
            out.insert(rel, Found::of(&meta));
        }
    }
    let found: Vec<FxHashMap<String, Found>> = subdirs
        .into_par_iter()
        .map(|(path, rel)| {
            let mut m = FxHashMap::default();
            list_files(&path, &rel, &mut m);
            m
        })
        .collect();
    for m in found {
        out.extend(m);
    }
}

/// How a file's content was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Hashed now: this many bytes.
    Hashed(u64),
    /// Its digest was remembered.
    Remembered,
    /// Not needed (no hash to compare, or its size already differs).
    NotRead,
}

/// What checking one listed file found.
#[derive(Debug)]
pub enum Checked {
    /// As the `RECORD` says.
    Intact(Read),
    /// A problem with it.
    Damaged(FileProblem, Read),
    /// It could not be read (not a finding about the cache, an error of this run).
    Error(String),
}

/// The facts of a file kept for naming the environments that share it.
#[derive(Debug, Clone, Copy)]
pub struct Inode {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
}

/// A digest for the memo: the file's identity, its SHA-256, and whether it was computed now.
pub type Remember = (FileKey, [u8; 32], bool);

/// Checks one file of the archive at `dir`, as the listing `found` it; its digest is
/// returned for the memo (one computed now only when the file did not change while it was
/// read).
pub fn check(
    dir: &Path,
    want: &Expected,
    found: Option<Found>,
    memo: &Memo,
    buf: &mut [u8],
) -> (Checked, Option<Inode>, Option<Remember>) {
    let expected = || want.hash.as_ref().map(|(a, v)| format!("{}={v}", a.name()));
    let Some(meta) = found else {
        let mut p = FileProblem::new(want.path.clone(), Problem::Missing, None);
        p.expected = expected();
        p.expected_size = want.size;
        return (Checked::Damaged(p, Read::NotRead), None, None);
    };
    let key = meta.key;
    let inode = Some(Inode {
        dev: key.dev,
        ino: key.ino,
    });
    let damaged = |found: Option<String>, note: Option<String>| {
        let mut p = FileProblem::new(want.path.clone(), Problem::Modified, note);
        p.expected = expected();
        p.found = found;
        p.expected_size = want.size;
        p.size = Some(key.size);
        p.links = Some(meta.links);
        p
    };
    if !meta.regular {
        let p = damaged(None, Some("not a regular file".into()));
        return (Checked::Damaged(p, Read::NotRead), inode, None);
    }
    if want.size.is_some_and(|s| s != key.size) {
        return (
            Checked::Damaged(damaged(None, None), Read::NotRead),
            inode,
            None,
        );
    }
    let Some((algo, value)) = &want.hash else {
        return (Checked::Intact(Read::NotRead), inode, None);
    };
    let (digest, hashed, remember) = match (algo, memo.get(&key)) {
        (Algorithm::Sha256, Some(d)) => (d.to_vec(), Read::Remembered, Some((key, *d, false))),
        _ => {
            let path: PathBuf = dir.join(&want.path);
            let read = open_regular(&path).and_then(|mut f| {
                let before = FileKey::of(&f.metadata()?);
                let (digest, n) = digest_reader(*algo, &mut f, buf)?;
                let after = FileKey::of(&f.metadata()?);
                Ok((digest, n, before == key && after == key))
            });
            match read {
                Ok((digest, n, unchanged)) => {
                    let remember = (*algo == Algorithm::Sha256 && unchanged && settled(&key))
                        .then(|| <[u8; 32]>::try_from(digest.as_slice()).ok())
                        .flatten()
                        .map(|d| (key, d, true));
                    (digest, Read::Hashed(n), remember)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let p = FileProblem::new(want.path.clone(), Problem::Missing, None);
                    return (Checked::Damaged(p, Read::NotRead), None, None);
                }
                Err(e) => return (Checked::Error(e.to_string()), inode, None),
            }
        }
    };
    let found = record_hash(*algo, &digest);
    if found.split_once('=').map(|(_, v)| v) == Some(value.as_str()) {
        (Checked::Intact(hashed), inode, remember)
    } else {
        (
            Checked::Damaged(damaged(Some(found), None), hashed),
            inode,
            remember,
        )
    }
}

/// A file changed within the last two seconds may change again within the same tick of the
/// clock without moving its times: its digest is not remembered.
fn settled(key: &FileKey) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    now.saturating_sub(key.ctime.max(key.mtime)) > 2_000_000_000
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::verify::hash::{Algorithm, digest_reader, record_hash};

    fn hash_of(bytes: &[u8]) -> String {
        let mut buf = [0u8; 64];
        let (d, _) = digest_reader(Algorithm::Sha256, &mut &bytes[..], &mut buf).unwrap();
        record_hash(Algorithm::Sha256, &d)
    }

    #[test]
    fn finds_modified_missing_and_extra_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::create_dir_all(dir.join("pkg-1.0.dist-info")).unwrap();
        std::fs::write(dir.join("pkg/__init__.py"), b"x = 1\n").unwrap();
        std::fs::write(dir.join("pkg/same_size.py"), b"aaaa").unwrap();
        std::fs::write(dir.join("pkg/extra.py"), b"").unwrap();
        let record = format!(
            "pkg/__init__.py,{},6\npkg/same_size.py,{},4\npkg/gone.py,{},1\n\
             \"pkg-1.0.dist-info/RECORD\",,\n../../bin/tool,,\n",
            hash_of(b"x = 1\n"),
            hash_of(b"bbbb"),
            hash_of(b"g"),
        );
        std::fs::write(dir.join("pkg-1.0.dist-info/RECORD"), record).unwrap();
        let p = plan(dir);
        assert!(!p.vanished);
        let paths: Vec<&str> = p.expected.iter().map(|(e, _)| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["pkg/__init__.py", "pkg/same_size.py", "pkg/gone.py"]
        );
        let extra: Vec<(&str, Problem)> = p
            .problems
            .iter()
            .map(|f| (f.path.as_str(), f.problem))
            .collect();
        assert_eq!(extra, [("pkg/extra.py", Problem::Extra)]);
        let memo = Memo::default();
        let mut buf = vec![0u8; 16];
        let results: Vec<Checked> = p
            .expected
            .iter()
            .map(|(e, f)| check(dir, e, *f, &memo, &mut buf).0)
            .collect();
        assert!(matches!(results[0], Checked::Intact(Read::Hashed(6))));
        match &results[1] {
            Checked::Damaged(f, Read::Hashed(4)) => {
                assert_eq!(f.problem, Problem::Modified);
                assert_eq!(f.found.as_deref(), Some(hash_of(b"aaaa").as_str()));
                assert_eq!(f.expected.as_deref(), Some(hash_of(b"bbbb").as_str()));
                assert_eq!(f.links, Some(1));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&results[2], Checked::Damaged(f, _) if f.problem == Problem::Missing),
            "{:?}",
            results[2]
        );
        // A remembered digest stands for reading the file, until the file changes.
        let meta = std::fs::symlink_metadata(dir.join("pkg/same_size.py")).unwrap();
        let mut memo = Memo::default();
        let mut d = [0u8; 32];
        let mut b = [0u8; 8];
        let (digest, _) = digest_reader(Algorithm::Sha256, &mut &b"bbbb"[..], &mut b).unwrap();
        d.copy_from_slice(&digest);
        memo.insert(FileKey::of(&meta), d);
        assert!(matches!(
            check(dir, &p.expected[1].0, p.expected[1].1, &memo, &mut buf).0,
            Checked::Intact(Read::Remembered)
        ));
        // No RECORD at all.
        std::fs::remove_file(dir.join("pkg-1.0.dist-info/RECORD")).unwrap();
        let p = plan(dir);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].problem, Problem::NoRecord);
        assert!(plan(&dir.join("nothing")).vanished);
    }
}
