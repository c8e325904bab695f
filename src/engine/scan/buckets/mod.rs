//! Attribution: how each bucket's layout maps to entries.
//!
//! A planner lists a bucket's structure (a few levels of directories and the
//! small pointer files uv writes), decides what each item is, and returns
//! [`Unit`]s: an entry template plus the paths it owns. The scan then measures
//! every unit in parallel. Planners never follow symlinks: they only read
//! link targets as text.

mod archive;
mod environments;
mod git;
pub mod memo;
mod misc;
pub mod read;
mod sdists;
mod simple;
mod wheels;

use std::ffi::OsString;
use std::fs::FileType;
use std::path::{Component, Path, PathBuf};

use super::walk::{Identity, Measured, WalkCtx};
use crate::engine::layout::BucketKind;
use crate::engine::model::{Detail, Entry, EntryKind, EntryState, Sizes, Source};
use memo::{MemoTag, Memos};
use serde::{Deserialize, Serialize};

/// A path an entry owns.
#[derive(Debug, Clone)]
pub struct Member {
    /// Absolute path.
    pub path: PathBuf,
    /// Measure everything below it too.
    pub recurse: bool,
}

/// An entry to be measured.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The entry, sizes still zero.
    pub entry: Entry,
    /// What it owns.
    pub members: Vec<Member>,
    /// URL facts learned while planning, for labelling digests elsewhere.
    pub learned: Vec<Learned>,
    /// Its measurement, when it comes from a directory memo.
    pub measured: Option<Box<Measured>>,
    /// The directory it was planned from, when that may be remembered.
    pub memo: Option<MemoTag>,
}

/// A fact about a digest directory learned from a stored URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Learned {
    /// `digest` is the index at `url` (verified by hashing).
    Index { digest: String, url: String },
    /// The Git repository with `digest` is at `url`.
    GitRepo {
        digest: String,
        url: String,
        heads: Vec<String>,
    },
}

/// Planning context: the walk context plus the bucket being planned.
pub struct PlanCtx<'a, 'b> {
    /// Shared scan state.
    pub walk: &'a WalkCtx<'b>,
    /// The bucket's kind.
    pub kind: BucketKind,
    /// The bucket's directory name.
    pub name: String,
    /// The bucket's version number.
    pub version: u32,
    /// The bucket's index in the snapshot.
    pub index: u16,
    /// Absolute path of the bucket directory.
    pub dir: PathBuf,
    /// Directory memos of this scan.
    pub memos: &'a Memos,
}

/// One directory item.
pub struct Item {
    /// File name.
    pub name: OsString,
    /// Absolute path.
    pub path: PathBuf,
    /// Its type (not following symlinks).
    pub file_type: FileType,
}

impl Item {
    /// The name as UTF-8, when it is.
    pub fn name_str(&self) -> Option<&str> {
        self.name.to_str()
    }

    /// The name, lossily converted for display.
    pub fn name_lossy(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }
}

impl<'a, 'b> PlanCtx<'a, 'b> {
    /// Lists a directory, sorted by name; problems are counted.
    pub fn list(&self, dir: &Path) -> Vec<Item> {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.walk.io_error(dir, &e);
                return vec![];
            }
        };
        let mut items = Vec::new();
        for entry in rd {
            match entry.and_then(|e| Ok((e.file_name(), e.path(), e.file_type()?))) {
                Ok((name, path, file_type)) => items.push(Item {
                    name,
                    path,
                    file_type,
                }),
                Err(e) => self.walk.io_error(dir, &e),
            }
        }
        items.sort_by(|a, b| a.name.cmp(&b.name));
        items
    }

    /// Reads a small file; problems are counted.
    pub fn read(&self, path: &Path) -> Option<Vec<u8>> {
        match super::walk::read_regular(path, super::walk::MAX_SMALL_FILE) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                self.walk.decode_error(path, &e.to_string());
                None
            }
            Err(e) => {
                self.walk.io_error(path, &e);
                None
            }
        }
    }

    /// A new unit of this bucket.
    pub fn unit(&self, kind: EntryKind, main: &Path, source: Source) -> Unit {
        let rel = main
            .strip_prefix(self.walk.root)
            .unwrap_or(main)
            .to_path_buf();
        Unit {
            entry: Entry {
                id: 0,
                bucket: Some(self.index),
                kind,
                path: rel,
                package: None,
                version: None,
                source,
                state: EntryState::Current,
                sizes: Sizes::default(),
                linked_out_bytes: 0,
                cloned_bytes: 0,
                modified: None,
                detail: Detail::default(),
            },
            members: vec![],
            learned: vec![],
            measured: None,
            memo: None,
        }
    }

    /// Plans the units of the directory `dir` with `plan`, or takes them
    /// from the directory's memo when it is unchanged since (see
    /// [`memo`]). `plan` must only make units of `dir`.
    pub fn memo_dir(&self, dir: &Path, units: &mut Vec<Unit>, plan: impl FnOnce(&mut Vec<Unit>)) {
        let memos = self.memos;
        let key = dir
            .strip_prefix(self.walk.root)
            .ok()
            .and_then(Path::to_str)
            .filter(|k| !k.is_empty());
        let id = std::fs::symlink_metadata(dir)
            .ok()
            .filter(std::fs::Metadata::is_dir)
            .and_then(|m| Identity::of(&m));
        let (Some(key), Some(id)) = (key, id) else {
            plan(units);
            return;
        };
        if let Some(memo) = memos.reuse(key, &id) {
            units.extend(memo.units.iter().map(|u| u.unit(self.index)));
            return;
        }
        if !memos.record {
            plan(units);
            return;
        }
        let problems = super::walk::problems_on_this_thread();
        let start = units.len();
        plan(units);
        let tag = MemoTag {
            key: key.into(),
            dir: dir.into(),
            id,
            clean: memos.settled(&id) && super::walk::problems_on_this_thread() == problems,
        };
        for u in &mut units[start..] {
            u.memo = Some(tag.clone());
        }
    }

    /// A unit for something this bucket should not contain.
    pub fn unknown(&self, item: &Item, why: &str) -> Unit {
        let mut u = self.unit(EntryKind::Unknown, &item.path, Source::None);
        u.entry.detail.notes.push(why.to_string());
        u.members.push(Member {
            path: item.path.clone(),
            recurse: true,
        });
        u
    }

    /// The archive id a link in this cache points at: a symlink whose target
    /// resolves (lexically, never followed) to `<root>/archive-v0/<id>`, or a
    /// Windows-style link file containing `archive-v0/<id>`.
    pub fn archive_of_link(&self, item: &Item) -> Option<String> {
        if item.file_type.is_symlink() {
            let target = std::fs::read_link(&item.path).ok()?;
            let parent = item.path.parent()?;
            return archive_id_of_target(self.walk.root, parent, &target);
        }
        if item.file_type.is_file() {
            let bytes = super::walk::read_regular(&item.path, 64).ok()?;
            return archive_id_of_link_file(&bytes);
        }
        None
    }
}

/// The archive id a symlink target names, if it lies directly in
/// `<root>/archive-v0`, decided as uv decides it: by the canonical path.
///
/// Relative targets (what current uv releases write) are resolved lexically,
/// which is exact and costs no system call. An absolute target that does not
/// lie lexically under `root` may still reach it through a symbolic link on
/// the way (older releases wrote absolute links, and the cache may have been
/// reached through a symlinked directory then and through its real path now):
/// only then are both sides canonicalized. Nothing is opened or followed
/// beyond path resolution.
pub fn archive_id_of_target(root: &Path, link_dir: &Path, target: &Path) -> Option<String> {
    let resolved = lexical(&if target.is_absolute() {
        target.to_path_buf()
    } else {
        link_dir.join(target)
    });
    if let Some(id) = archive_id_in(root, &resolved) {
        return Some(id);
    }
    if !target.is_absolute() {
        return None;
    }
    let real_root = root.canonicalize().ok()?;
    let real_target = resolved.canonicalize().ok()?;
    archive_id_in(&real_root, &real_target)
}

/// `path` with `.` and `..` resolved textually.
fn lexical(path: &Path) -> PathBuf {
    let mut resolved = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => resolved.push(other),
        }
    }
    resolved
}

/// The id of `path` if it is exactly `<root>/archive-v0/<id>`.
fn archive_id_in(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = rel.components();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Component::Normal(a)), Some(Component::Normal(id)), None) if a == "archive-v0" => {
            id.to_str().map(str::to_string)
        }
        _ => None,
    }
}

/// Parses a Windows-style link file (`archive-v0/<id>`, no newline).
pub fn archive_id_of_link_file(bytes: &[u8]) -> Option<String> {
    if bytes.len() > 64 {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let (bucket, id) = text.split_once('/')?;
    let version: u8 = bucket.strip_prefix("archive-v")?.parse().ok()?;
    (version == 0 && !id.is_empty() && !id.contains(['/', '\\'])).then(|| id.to_string())
}

/// Plans the units of one bucket.
pub fn plan(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = match ctx.kind {
        BucketKind::Wheels => wheels::plan(ctx),
        BucketKind::Sdists => sdists::plan(ctx),
        BucketKind::Simple => simple::plan_simple(ctx),
        BucketKind::FlatIndex => simple::plan_flat(ctx),
        BucketKind::Archive => archive::plan(ctx),
        BucketKind::Git => git::plan(ctx),
        BucketKind::Environments => environments::plan(ctx),
        BucketKind::Builds => misc::plan_builds(ctx),
        BucketKind::Interpreter => misc::plan_interpreter(ctx),
        BucketKind::Python => misc::plan_python(ctx),
        BucketKind::Binaries => misc::plan_binaries(ctx),
        BucketKind::Osv => misc::plan_osv(ctx),
        BucketKind::Files => misc::plan_files(ctx),
    };
    // The bucket directory itself.
    let mut dir = ctx.unit(EntryKind::Marker, &ctx.dir, Source::None);
    dir.entry.detail.notes.push("bucket directory".into());
    dir.members.push(Member {
        path: ctx.dir.clone(),
        recurse: false,
    });
    units.push(dir);
    units
}

/// Collects structural directories (shards, package directories) of a bucket
/// into one marker unit, so their own blocks are attributed too.
pub struct Structure {
    unit: Unit,
}

impl Structure {
    /// An empty collector for the bucket of `ctx`.
    pub fn new(ctx: &PlanCtx<'_, '_>) -> Self {
        let mut unit = ctx.unit(EntryKind::Marker, &ctx.dir, Source::None);
        unit.entry
            .detail
            .notes
            .push("shard and package directories".into());
        Structure { unit }
    }

    /// Adds a directory (measured without its contents).
    pub fn add(&mut self, path: &Path) {
        self.unit.members.push(Member {
            path: path.to_path_buf(),
            recurse: false,
        });
    }

    /// Removes a directory added before (it turned out to be an entry).
    pub fn forget(&mut self, path: &Path) {
        self.unit.members.retain(|m| m.path != path);
    }

    /// The unit, if any directory was added.
    pub fn finish(self) -> Option<Unit> {
        (!self.unit.members.is_empty()).then_some(self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_archive_links_lexically() {
        let root = Path::new("/c");
        let dir = Path::new("/c/wheels-v8/pypi/six");
        assert_eq!(
            archive_id_of_target(root, dir, Path::new("../../../archive-v0/Sb-wLgsD1J4P-Tg5")),
            Some("Sb-wLgsD1J4P-Tg5".into())
        );
        assert_eq!(
            archive_id_of_target(root, dir, Path::new("/c/archive-v0/x")),
            Some("x".into())
        );
        assert_eq!(
            archive_id_of_target(root, dir, Path::new("../../../../etc/passwd")),
            None
        );
        assert_eq!(
            archive_id_of_target(root, dir, Path::new("../../../archive-v0/a/b")),
            None
        );
        assert_eq!(
            archive_id_of_target(root, dir, Path::new("../../../archive-v0/../x")),
            None
        );
    }

    #[test]
    fn resolves_absolute_links_through_a_symlinked_root() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir_all(real.join("archive-v0/x")).unwrap();
        std::fs::create_dir_all(real.join("wheels-v5/pypi/six")).unwrap();
        let via = tmp.path().join("via");
        std::os::unix::fs::symlink(&real, &via).unwrap();
        let real = real.canonicalize().unwrap();
        let dir = real.join("wheels-v5/pypi/six");
        // Written through the link, read through the real path, and back.
        assert_eq!(
            archive_id_of_target(&real, &dir, &via.join("archive-v0/x")),
            Some("x".into())
        );
        assert_eq!(
            archive_id_of_target(
                &via,
                &via.join("wheels-v5/pypi/six"),
                &real.join("archive-v0/x")
            ),
            Some("x".into())
        );
        // A target that does not exist names nothing (uv cannot canonicalize it).
        assert_eq!(
            archive_id_of_target(&real, &dir, &via.join("archive-v0/gone")),
            None
        );
        // Outside the cache, even when it exists.
        assert_eq!(archive_id_of_target(&real, &dir, tmp.path()), None);
    }

    #[test]
    fn parses_link_files() {
        assert_eq!(
            archive_id_of_link_file(b"archive-v0/Si9C2r9V1Kb2_11D"),
            Some("Si9C2r9V1Kb2_11D".into())
        );
        assert_eq!(archive_id_of_link_file(b"archive-v1/x"), None);
        assert_eq!(archive_id_of_link_file(b"archive-v0/"), None);
        assert_eq!(archive_id_of_link_file(b"archive-v0/../../x"), None);
        assert_eq!(archive_id_of_link_file(b"\xff\xfe"), None);
    }
}
