//! Removal plans: exactly what `clean`, `clean PACKAGE...`, `prune` and
//! `prune --ci` remove, with a reason per item and totals. The dry run *is* the
//! plan; execution applies it unchanged.
//!
//! The selection follows the uv release that owns the cache (its bucket
//! names), walking the buckets the way that release's `uv cache` does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::engine::formats::container::split_container;
use crate::engine::formats::pointers::{
    decode_local_revision_pointer, decode_metadata, decode_revision,
};
use crate::engine::layout::UvVersion;
use crate::engine::layout::{BucketKind, ROOT_MARKERS, Release, release_for};
use crate::engine::model::ScanErrors;
use crate::engine::names::normalize;
use crate::engine::progress::Counters;
use crate::engine::scan::buckets::archive_id_of_target;
use crate::engine::scan::walk::{WalkCtx, measure};

/// What a plan does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "operation", rename_all = "kebab-case")]
pub enum Operation {
    /// `clean` with no package: everything but the root and `.lock`.
    CleanAll,
    /// `clean PACKAGE...`.
    Clean {
        /// Normalized package names.
        packages: Vec<String>,
    },
    /// A surgical clean uv cannot do: some versions or sources of packages.
    Select {
        /// What was asked for, one selector per package spec.
        selectors: Vec<SelectorSpec>,
    },
    /// Single entries of a scan, each removed whole (from the terminal UI's bucket screen).
    Entries {
        /// The entries' paths relative to the cache root, escaped for display.
        entries: Vec<String>,
    },
    /// `prune`, or `prune --ci`.
    Prune {
        /// With uv's CI rules.
        ci: bool,
    },
    /// `verify --fix`: damaged archives with the entries linking to them, and records uv
    /// cannot read.
    Repair {
        /// The damaged archives (`archive-v0/<id>`).
        archives: Vec<String>,
        /// The records that cannot be decoded.
        records: Vec<String>,
    },
    /// `prune` with a policy (`--unused`, `--max-age`, `--keep-versions`, `--max-size`,
    /// `--min-free`): entries no known root uses, chosen by the policy's rules.
    Policy {
        /// The rules.
        policy: super::rules::Policy,
        /// The roots considered, by kind (`project`, `venv`, `tool`, `cached`) and count.
        roots: BTreeMap<String, usize>,
    },
}

/// One selector of a surgical clean, as the plan reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectorSpec {
    /// Normalized package name.
    pub package: String,
    /// Only this version.
    pub version: Option<String>,
    /// Only this source (`pypi`, `index`, `url`, `path`, `editable`, `git`, or a URL).
    pub source: Option<String>,
    /// Editable builds are included.
    pub include_editable: bool,
}

/// When an item is removed: referrers before the data they point to, so a
/// process killed at any instant leaves a cache uv still uses correctly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Links, pointers, revision pointers, whole source shards, pages, environments.
    Referrers,
    /// Source revisions and other data nothing points at any more.
    Data,
    /// Unpacked archives whose last referrer is gone.
    Archives,
    /// Content-addressed file objects no archive uses.
    Objects,
}

/// Why an item goes: a kebab-case `kind` (with its package, where it has one)
/// in JSON, uv's words in text ([`std::fmt::Display`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// `clean` with no package: everything but the root and `.lock`.
    CleanAll,
    /// `clean NAME`: one part of the package.
    Package {
        /// The normalized package name.
        package: String,
        /// Which part of it.
        part: Part,
    },
    /// `clean NAME`: the flat-index bucket, whose pages uv cannot attribute.
    FlatIndexBucket,
    /// An archive whose last referrer the plan removes.
    ReleasedArchive,
    /// `prune`: a source revision its pointer no longer names.
    DanglingRevision,
    /// `prune`: a top-level item that is not a bucket of this uv release.
    ForeignBucket,
    /// `prune`: a cached environment.
    CachedEnvironment,
    /// `prune`: a build environment (uv 0.13).
    BuildEnvironment,
    /// `prune --ci`: pre-built wheels, downloaded again when needed.
    CiPrebuiltWheels,
    /// `prune --ci`: unpacked sources and links, rebuilt when needed.
    CiRebuildable,
    /// `prune`: an archive nothing links to.
    UnusedArchive,
    /// A content-addressed file object no archive uses.
    UnusedFileObject,
    /// A file-object shard left empty.
    EmptyFileObjectShard,
    /// A policy: an entry no known root uses, selected by one of the policy's rules.
    Policy {
        /// The rule.
        rule: super::rules::Rule,
        /// Its package, where it has one.
        package: Option<String>,
        /// The entry's kind (`wheel`, `sdist-revision`, `archive`).
        entry: String,
        /// Its version, where it has one.
        version: Option<String>,
        /// How long ago it was last used (written or fetched by uv).
        last_use: Option<String>,
    },
    /// `verify --fix`: an entry that is damaged, or links to a damaged archive.
    Damaged {
        /// Its package, when known.
        package: Option<String>,
        /// Its version, when known.
        version: Option<String>,
        /// The entry's kind (`archive`, `wheel`, `sdist-revision`, `record`, ...).
        entry: String,
        /// What is wrong with it.
        damage: String,
    },
    /// A surgical clean: one entry of the package.
    Selected {
        /// The package as given.
        package: String,
        /// The entry's kind (`wheel`, `sdist-revision`, ...).
        entry: String,
        /// Its version, where it has one.
        version: Option<String>,
    },
    /// A single entry asked for by path (the terminal UI's bucket screen).
    Entry {
        /// The entry's kind (`wheel`, `archive`, `interpreter`, ...).
        entry: String,
        /// Its package, where it has one.
        package: Option<String>,
        /// Its version, where it has one.
        version: Option<String>,
    },
}

/// The parts of a package `clean NAME` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    /// Its wheels (links, pointers, metadata).
    Wheels,
    /// Its registry source distributions.
    SourceDistributions,
    /// A direct-URL source shard.
    UrlSource,
    /// A local-path source shard.
    PathSource,
    /// A Git source checkout's builds.
    GitSource,
    /// Its Simple API page.
    SimplePage,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::CleanAll => f.write_str("clean: everything in the cache"),
            Reason::Package { package, part } => {
                let what = match part {
                    Part::Wheels => "wheels",
                    Part::SourceDistributions => "source distributions",
                    Part::UrlSource => "url source",
                    Part::PathSource => "path source",
                    Part::GitSource => "git source",
                    Part::SimplePage => "Simple API page",
                };
                write!(f, "clean {package}: {what}")
            }
            Reason::FlatIndexBucket => f.write_str(
                "clean: the flat-index bucket (pages are not attributable to a package)",
            ),
            Reason::ReleasedArchive => f.write_str("archive: its last referrer is removed"),
            Reason::DanglingRevision => f.write_str("prune: dangling source revision"),
            Reason::ForeignBucket => f.write_str("prune: not a bucket of this uv release"),
            Reason::CachedEnvironment => f.write_str("prune: cached environment"),
            Reason::BuildEnvironment => f.write_str("prune: build environment"),
            Reason::CiPrebuiltWheels => {
                f.write_str("prune --ci: pre-built wheels (re-downloadable)")
            }
            Reason::CiRebuildable => {
                f.write_str("prune --ci: unpacked source and links (rebuildable)")
            }
            Reason::UnusedArchive => f.write_str("prune: archive nothing links to"),
            Reason::UnusedFileObject => f.write_str("file object no archive uses"),
            Reason::EmptyFileObjectShard => f.write_str("empty file-object shard"),
            Reason::Policy {
                rule,
                package,
                entry,
                version,
                last_use,
            } => {
                write!(f, "{}: {entry}", rule.flag())?;
                if let Some(p) = package {
                    write!(f, " {p}")?;
                }
                if let Some(v) = version {
                    write!(f, " {v}")?;
                }
                match last_use {
                    Some(when) => write!(f, " (no known root uses it; last used {when})"),
                    None => f.write_str(" (no known root uses it)"),
                }
            }
            Reason::Damaged {
                package,
                version,
                entry,
                damage,
            } => {
                write!(f, "verify --fix: {entry}")?;
                if let Some(p) = package {
                    write!(f, " {p}")?;
                }
                if let Some(v) = version {
                    write!(f, " {v}")?;
                }
                write!(f, " ({damage})")
            }
            Reason::Selected {
                package,
                entry,
                version,
            } => match version {
                Some(v) => write!(f, "clean {package}: {entry} {v}"),
                None => write!(f, "clean {package}: {entry}"),
            },
            Reason::Entry {
                entry,
                package,
                version,
            } => {
                write!(f, "selected entry: {entry}")?;
                if let Some(p) = package {
                    write!(f, " {p}")?;
                }
                if let Some(v) = version {
                    write!(f, " {v}")?;
                }
                Ok(())
            }
        }
    }
}

/// One path to remove (a file, a link, or a whole directory tree).
#[derive(Debug, Clone, Serialize)]
pub struct PlanItem {
    /// Path relative to the cache root.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// Why it goes.
    pub reason: Reason,
    /// When it goes.
    pub stage: Stage,
    /// What it holds.
    pub files: u64,
    /// Directories it holds (itself included).
    pub dirs: u64,
    /// Apparent bytes (hard links once).
    pub logical_bytes: u64,
    /// On-disk bytes (hard links once).
    pub disk_bytes: u64,
}

/// Totals of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanTotals {
    /// Files and symlinks removed.
    pub files: u64,
    /// Directories removed.
    pub dirs: u64,
    /// Apparent bytes.
    pub logical_bytes: u64,
    /// On-disk bytes, hard links counted once.
    pub disk_bytes: u64,
    /// On-disk bytes freed: inodes with no link left anywhere afterwards,
    /// less data extents shared with clones.
    pub reclaimable_bytes: u64,
    /// On-disk bytes of removed single-link files whose data other files share
    /// (clones on a copy-on-write filesystem): they stay on disk.
    pub cloned_bytes: u64,
    /// What uv 0.13 reports: allocated bytes of removed files with a single link.
    pub uv_reported_bytes: u64,
}

/// A removal plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The cache root (canonical).
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub root: PathBuf,
    /// The operation.
    #[serde(flatten)]
    pub operation: Operation,
    /// The uv release whose layout the plan follows.
    pub uv_version: String,
    /// Paths to remove, in removal order.
    pub items: Vec<PlanItem>,
    /// Totals.
    pub totals: PlanTotals,
    /// Things the user should know before confirming.
    pub warnings: Vec<String>,
    /// How to select the same items again (under the lock).
    #[serde(skip)]
    pub(crate) recipe: Recipe,
    /// The lock hold the plan was made under, if any.
    #[serde(skip)]
    pub(crate) locked_by: Option<u64>,
    /// The release the plan follows.
    #[serde(skip)]
    pub(crate) version: UvVersion,
}

/// What a plan selects, kept so that it can be selected again from the disk
/// once uv's lock is held.
#[derive(Debug, Clone, Default)]
pub(crate) enum Recipe {
    /// Nothing (an empty plan).
    #[default]
    Nothing,
    /// `clean` with no package.
    CleanAll,
    /// `clean PACKAGE...`.
    Clean(Vec<String>),
    /// `prune [--ci]`.
    Prune {
        /// With uv's CI rules.
        ci: bool,
    },
    /// A surgical selection: the entries found by the scan.
    Select(Vec<Seed>),
}

/// What a plan is computed against: the cache root and the owning uv release.
#[derive(Debug, Clone)]
pub struct Target {
    /// The cache root.
    pub root: PathBuf,
    /// The uv release whose layout and semantics apply.
    pub uv_version: UvVersion,
}

impl Target {
    /// The target of a scanned snapshot.
    pub fn of(snap: &crate::engine::model::Snapshot) -> Self {
        Target {
            root: snap.root.path.clone(),
            uv_version: snap.uv.version,
        }
    }
}

impl Plan {
    /// Whether there is nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A plan that removes nothing.
    pub fn empty(target: &Target, operation: Operation) -> Plan {
        Plan {
            root: target.root.clone(),
            operation,
            uv_version: target.uv_version.to_string(),
            items: vec![],
            totals: PlanTotals::default(),
            warnings: vec![],
            recipe: Recipe::Nothing,
            locked_by: None,
            version: target.uv_version,
        }
    }

    /// Records that the plan was made while `lock` was held: applying it
    /// under the same hold needs no second selection.
    pub fn made_under(mut self, lock: &super::lock::CacheLock) -> Plan {
        if !lock.forced {
            self.locked_by = Some(lock.id());
        }
        self
    }

    /// The plan's target.
    pub fn target(&self) -> Target {
        Target {
            root: self.root.clone(),
            uv_version: self.version,
        }
    }
}

/// The items a recipe selects now, before they are measured.
#[derive(Debug)]
pub(crate) struct Selection {
    pub(crate) items: BTreeMap<PathBuf, (Reason, Stage)>,
    /// Directories the selection needed to read and could not (relative to
    /// the root): archives are never released while links may hide there.
    pub(crate) unreadable: BTreeSet<PathBuf>,
}

impl Selection {
    /// The items not inside another item, in path order.
    pub(crate) fn outermost(self) -> Vec<(PathBuf, Reason, Stage)> {
        let mut kept: Vec<(PathBuf, Reason, Stage)> = Vec::new();
        for (path, (reason, stage)) in self.items {
            // BTreeMap order puts a parent right before its children.
            if kept.last().is_some_and(|(p, _, _)| path.starts_with(p)) {
                continue;
            }
            kept.push((path, reason, stage));
        }
        kept
    }
}

/// Selects the items of `recipe` from the disk as it is now.
pub(crate) fn select(target: &Target, recipe: &Recipe) -> Selection {
    let (release, _) = release_for(target.uv_version);
    let mut b = Builder::new(&target.root, release);
    match recipe {
        Recipe::Nothing => {}
        Recipe::CleanAll => select_clean_all(&mut b),
        Recipe::Clean(names) => select_clean(&mut b, names),
        Recipe::Prune { ci } => select_prune(&mut b, target.uv_version, *ci),
        Recipe::Select(seeds) => select_seeds(&mut b, seeds),
    }
    Selection {
        items: b.items,
        unreadable: b.unreadable.into_inner(),
    }
}

pub(crate) struct Builder<'a> {
    root: &'a Path,
    release: &'a Release,
    items: BTreeMap<PathBuf, (Reason, Stage)>,
    unreadable: std::cell::RefCell<BTreeSet<PathBuf>>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(root: &'a Path, release: &'a Release) -> Self {
        Builder {
            root,
            release,
            items: BTreeMap::new(),
            unreadable: Default::default(),
        }
    }

    pub(crate) fn bucket(&self, kind: BucketKind) -> Option<PathBuf> {
        let name = self.release.buckets.get(&kind)?;
        let p = self.root.join(name);
        p.is_dir().then_some(p)
    }

    pub(crate) fn add(&mut self, path: &Path, reason: Reason, stage: Stage) {
        let rel = path.strip_prefix(self.root).unwrap_or(path).to_path_buf();
        self.items.entry(rel).or_insert((reason, stage));
    }
}

/// Lists a directory's entries (name, path, is a real directory), sorted;
/// nothing where it cannot be read.
fn list(dir: &Path) -> Vec<(String, PathBuf, bool)> {
    list_or_error(dir).unwrap_or_default()
}

/// Lists a directory's entries, sorted; a directory that vanished is empty,
/// one that cannot be read is an error.
fn list_or_error(dir: &Path) -> std::io::Result<Vec<(String, PathBuf, bool)>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    let mut v: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| {
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path(),
                is_dir,
            )
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Collects archive ids referenced by symlinks (or Windows link files) in the
/// wheels and sdists buckets, skipping unpacked sources, as uv's prune does.
/// Directories that cannot be read are recorded in the builder: whatever
/// they link to is unknown (uv stops with an error there).
fn archive_refs(b: &Builder<'_>, removed: &BTreeSet<PathBuf>) -> FxHashMap<String, Vec<PathBuf>> {
    let mut refs: FxHashMap<String, Vec<PathBuf>> = FxHashMap::default();
    let mut stack: Vec<PathBuf> = [BucketKind::Wheels, BucketKind::Sdists]
        .iter()
        .filter_map(|k| b.bucket(*k))
        .collect();
    while let Some(dir) = stack.pop() {
        let entries = match list_or_error(&dir) {
            Ok(entries) => entries,
            Err(_) => {
                let rel = dir.strip_prefix(b.root).unwrap_or(&dir).to_path_buf();
                b.unreadable.borrow_mut().insert(rel);
                continue;
            }
        };
        for (name, path, is_dir) in entries {
            let rel = path.strip_prefix(b.root).unwrap_or(&path).to_path_buf();
            if removed.iter().any(|r| rel.starts_with(r)) {
                continue;
            }
            if is_dir {
                if name != "src" {
                    stack.push(path);
                }
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let id = if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .ok()
                    .and_then(|t| archive_id_of_target(b.root, &dir, &t))
            } else if cfg!(windows) && !is_data_file(&name) {
                std::fs::read(&path)
                    .ok()
                    .and_then(|bytes| crate::engine::scan::buckets::archive_id_of_link_file(&bytes))
            } else {
                None
            };
            if let Some(id) = id {
                refs.entry(id).or_default().push(rel);
            }
        }
    }
    refs
}

fn is_data_file(name: &str) -> bool {
    name == ".gitignore"
        || [".lock", ".whl", ".http", ".rev", ".msgpack"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// The current revision id named by a shard's `revision.http` or `revision.rev`.
fn current_revision(dir: &Path) -> Option<Option<String>> {
    let http = dir.join("revision.http");
    let rev = dir.join("revision.rev");
    if let Ok(bytes) =
        crate::engine::scan::walk::read_regular(&http, crate::engine::scan::walk::MAX_SMALL_FILE)
    {
        let id = split_container(&bytes)
            .ok()
            .and_then(|c| decode_revision(c.payload).ok())
            .map(|r| r.id);
        return Some(id);
    }
    if let Ok(bytes) =
        crate::engine::scan::walk::read_regular(&rev, crate::engine::scan::walk::MAX_SMALL_FILE)
    {
        return Some(
            decode_local_revision_pointer(&bytes)
                .ok()
                .map(|r| r.revision.id),
        );
    }
    None
}

/// The normalized package name in a directory's `metadata.msgpack`, also
/// looking one level deeper into build-settings shards.
fn metadata_names(dir: &Path, depth: u8) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(bytes) = crate::engine::scan::walk::read_regular(
        &dir.join("metadata.msgpack"),
        crate::engine::scan::walk::MAX_SMALL_FILE,
    ) && let Ok(m) = decode_metadata(&bytes)
    {
        names.push(normalize(&m.name));
    }
    if depth == 0 {
        for (name, path, is_dir) in list(dir) {
            if is_dir && name != "src" {
                names.extend(metadata_names(&path, 1));
            }
        }
    }
    names
}

/// `clean` with no package.
pub fn plan_clean_all(target: &Target) -> Plan {
    plan(target, Recipe::CleanAll, Operation::CleanAll)
}

/// `clean PACKAGE...` with uv's semantics for the owning release.
pub fn plan_clean(target: &Target, packages: &[String]) -> Plan {
    let names: BTreeSet<String> = packages.iter().map(|p| normalize(p)).collect();
    let names: Vec<String> = names.into_iter().collect();
    plan(
        target,
        Recipe::Clean(names.clone()),
        Operation::Clean { packages: names },
    )
}

/// `prune` and `prune --ci` with uv's semantics for the owning release.
pub fn plan_prune(target: &Target, ci: bool) -> Plan {
    plan(target, Recipe::Prune { ci }, Operation::Prune { ci })
}

/// Selects and measures.
pub(crate) fn plan(target: &Target, recipe: Recipe, operation: Operation) -> Plan {
    let selection = select(target, &recipe);
    measure_plan(target, selection, operation, recipe)
}

fn select_clean_all(b: &mut Builder<'_>) {
    let root = b.root;
    let archive = b
        .release
        .buckets
        .get(&BucketKind::Archive)
        .cloned()
        .unwrap_or_default();
    for (name, path, _) in list(root) {
        if name == ".lock" {
            continue;
        }
        let stage = if name == archive {
            Stage::Archives
        } else {
            Stage::Referrers
        };
        b.add(&path, Reason::CleanAll, stage);
    }
}

fn select_clean(b: &mut Builder<'_>, names: &[String]) {
    for name in names {
        let why = |part: Part| Reason::Package {
            package: name.clone(),
            part,
        };
        if let Some(wheels) = b.bucket(BucketKind::Wheels) {
            for p in std::iter::once(wheels.join("pypi").join(name))
                .chain(
                    shards(&wheels.join("index"))
                        .into_iter()
                        .map(|s| s.join(name)),
                )
                .chain(
                    shards(&wheels.join("url"))
                        .into_iter()
                        .map(|s| s.join(name)),
                )
            {
                if p.symlink_metadata().is_ok() {
                    b.add(&p, why(Part::Wheels), Stage::Referrers);
                }
            }
        }
        if let Some(sdists) = b.bucket(BucketKind::Sdists) {
            for p in std::iter::once(sdists.join("pypi").join(name)).chain(
                shards(&sdists.join("index"))
                    .into_iter()
                    .map(|s| s.join(name)),
            ) {
                if p.symlink_metadata().is_ok() {
                    b.add(&p, why(Part::SourceDistributions), Stage::Referrers);
                }
            }
            for (kind, part) in [("url", Part::UrlSource), ("path", Part::PathSource)] {
                for shard in shards(&sdists.join(kind)) {
                    let matches = list(&shard)
                        .into_iter()
                        .filter(|(_, _, is_dir)| *is_dir)
                        .any(|(_, rev, _)| metadata_names(&rev, 0).contains(name));
                    if matches {
                        b.add(&shard, why(part), Stage::Referrers);
                    }
                }
            }
            for repo in shards(&sdists.join("git")) {
                for commit in shards(&repo) {
                    if metadata_names(&commit, 1).contains(name) {
                        b.add(&commit, why(Part::GitSource), Stage::Referrers);
                    }
                }
            }
        }
        if let Some(simple) = b.bucket(BucketKind::Simple) {
            let file = format!("{name}.rkyv");
            for p in std::iter::once(simple.join("pypi").join(&file)).chain(
                shards(&simple.join("index"))
                    .into_iter()
                    .map(|s| s.join(&file)),
            ) {
                if p.symlink_metadata().is_ok() {
                    b.add(&p, why(Part::SimplePage), Stage::Referrers);
                }
            }
        }
    }
    // uv cannot attribute flat-index pages to packages and drops them all.
    if let Some(flat) = b.bucket(BucketKind::FlatIndex) {
        b.add(&flat, Reason::FlatIndexBucket, Stage::Referrers);
    }
    drop_released_archives(b);
    file_objects(b);
}

/// Adds archives whose every referencing link is removed by the plan so far;
/// already-dangling archives stay (only prune removes those).
pub(crate) fn drop_released_archives(b: &mut Builder<'_>) {
    let before = archive_refs(b, &BTreeSet::new());
    let removed: BTreeSet<PathBuf> = b.items.keys().cloned().collect();
    let after = archive_refs(b, &removed);
    if !b.unreadable.borrow().is_empty() {
        return;
    }
    if let Some(archive) = b.bucket(BucketKind::Archive) {
        let mut ids: Vec<&String> = before
            .keys()
            .filter(|id| !after.contains_key(*id))
            .collect();
        ids.sort();
        for id in ids {
            let p = archive.join(id);
            if p.is_dir() {
                b.add(&p, Reason::ReleasedArchive, Stage::Archives);
            }
        }
    }
}

fn shards(dir: &Path) -> Vec<PathBuf> {
    list(dir)
        .into_iter()
        .filter(|(_, _, d)| *d)
        .map(|(_, p, _)| p)
        .collect()
}

/// Walks the sdists bucket below `dir` (never into unpacked `src`): `visit`
/// gets each directory's listing and returns `None` to descend into every
/// sub-directory, or `Some(dirs)` to descend only into those.
fn walk_shards(
    dir: &Path,
    mut visit: impl FnMut(&Path, &[(String, PathBuf, bool)]) -> Option<Vec<PathBuf>>,
) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = list(&dir);
        match visit(&dir, &entries) {
            Some(next) => stack.extend(next),
            None => stack.extend(
                entries
                    .into_iter()
                    .filter(|(n, _, d)| *d && n != "src")
                    .map(|(_, p, _)| p),
            ),
        }
    }
}

fn select_prune(b: &mut Builder<'_>, version: UvVersion, ci: bool) {
    let root = b.root;
    let release = b.release;
    // 1. Dangling source revisions.
    if let Some(sdists) = b.bucket(BucketKind::Sdists) {
        walk_shards(&sdists, |dir, entries| {
            // A shard with a pointer: its siblings are revisions, no deeper walk.
            // An undecodable pointer deletes nothing, as in uv.
            let Some(current) = current_revision(dir)? else {
                return Some(vec![]);
            };
            for (name, path, is_dir) in entries {
                if *is_dir && *name != current {
                    b.add(path, Reason::DanglingRevision, Stage::Data);
                }
            }
            Some(vec![])
        });
    }
    // 2. Top-level items this release does not use.
    for (name, path, is_dir) in list(root) {
        if ROOT_MARKERS.contains(&name.as_str()) {
            continue;
        }
        if !(is_dir && release.owns(&name)) {
            let stage = if name.starts_with("archive-") {
                Stage::Archives
            } else {
                Stage::Referrers
            };
            b.add(&path, Reason::ForeignBucket, stage);
        }
    }
    // 3 and 4. Cached environments and build environments.
    if let Some(envs) = b.bucket(BucketKind::Environments) {
        for (_, p, _) in list(&envs) {
            b.add(&p, Reason::CachedEnvironment, Stage::Referrers);
        }
    }
    if version >= UvVersion(0, 13, 0)
        && let Some(builds) = b.bucket(BucketKind::Builds)
    {
        for (_, p, _) in list(&builds) {
            b.add(&p, Reason::BuildEnvironment, Stage::Referrers);
        }
    }
    // 5. CI: pre-built wheels go; built wheels and their metadata stay.
    if ci {
        if let Some(wheels) = b.bucket(BucketKind::Wheels) {
            for (_, p, is_dir) in list(&wheels) {
                if is_dir {
                    b.add(&p, Reason::CiPrebuiltWheels, Stage::Referrers);
                }
            }
        }
        if let Some(sdists) = b.bucket(BucketKind::Sdists) {
            walk_shards(&sdists, |_, entries| {
                if !entries
                    .iter()
                    .any(|(n, _, d)| n == "metadata.msgpack" && !d)
                {
                    return None;
                }
                let mut nested = Vec::new();
                for (name, path, is_dir) in entries {
                    let keep = name == "metadata.msgpack" || name.ends_with(".whl");
                    let nested_shard =
                        *is_dir && name != "src" && path.join("metadata.msgpack").is_file();
                    if nested_shard {
                        nested.push(path.clone());
                    } else if !keep {
                        b.add(path, Reason::CiRebuildable, Stage::Referrers);
                    }
                }
                Some(nested)
            });
        }
    }
    // 6. Archives no remaining link points at.
    let removed: BTreeSet<PathBuf> = b.items.keys().cloned().collect();
    let refs = archive_refs(b, &removed);
    if let Some(archive) = b
        .bucket(BucketKind::Archive)
        .filter(|_| b.unreadable.borrow().is_empty())
    {
        for (name, p, _) in list(&archive) {
            if !refs.contains_key(&name) {
                b.add(&p, Reason::UnusedArchive, Stage::Archives);
            }
        }
    }
    file_objects(b);
}

/// 0.13: `files-v0` objects with a single link are garbage.
pub(crate) fn file_objects(b: &mut Builder<'_>) {
    let Some(files) = b.bucket(BucketKind::Files) else {
        return;
    };
    for shard in shards(&files) {
        let objects = list(&shard);
        let mut all = !objects.is_empty();
        for (_, p, is_dir) in &objects {
            let single = !is_dir && std::fs::symlink_metadata(p).is_ok_and(|m| nlink(&m) == 1);
            if single {
                b.add(p, Reason::UnusedFileObject, Stage::Objects);
            } else {
                all = false;
            }
        }
        if all {
            b.add(&shard, Reason::EmptyFileObjectShard, Stage::Objects);
        }
    }
}

#[cfg(unix)]
fn nlink(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(m)
}

#[cfg(not(unix))]
fn nlink(_: &std::fs::Metadata) -> u64 {
    1
}

/// Drops items inside other items, orders them, measures them.
pub(crate) fn measure_plan(
    snap: &Target,
    selection: Selection,
    operation: Operation,
    recipe: Recipe,
) -> Plan {
    let selection_unreadable: Vec<PathBuf> = selection.unreadable.iter().cloned().collect();
    let mut kept = selection.outermost();
    kept.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
    let root = snap.root.clone();
    let cancel = AtomicBool::new(false);
    let counters = Counters::default();
    let errors = Mutex::new(ScanErrors::default());
    let ctx = WalkCtx {
        root: &root,
        cancel: &cancel,
        counters: &counters,
        errors: &errors,
        clones: crate::engine::scan::extents::Clones::of(&root),
    };
    let mut totals = PlanTotals::default();
    let mut inodes: FxHashMap<(u64, u64), (u64, u64, u64, u64)> = FxHashMap::default();
    let items: Vec<PlanItem> = kept
        .into_iter()
        .map(|(path, reason, stage)| {
            let m = measure(&ctx, &root.join(&path), true);
            let mut item = PlanItem {
                path,
                reason,
                stage,
                files: m.files,
                dirs: m.dirs,
                logical_bytes: m.logical,
                disk_bytes: m.disk,
            };
            totals.files += m.files;
            totals.dirs += m.dirs;
            totals.uv_reported_bytes += m.disk - m.dirs_disk;
            totals.reclaimable_bytes += m.disk.saturating_sub(m.cloned);
            totals.cloned_bytes += m.cloned;
            for l in &m.linked {
                let e = inodes
                    .entry((l.dev, l.ino))
                    .or_insert((l.nlink, 0, l.size, l.disk));
                if e.1 == 0 {
                    item.logical_bytes += l.size;
                    item.disk_bytes += l.disk;
                }
                e.1 += 1;
            }
            totals.logical_bytes += item.logical_bytes;
            totals.disk_bytes += item.disk_bytes;
            item
        })
        .collect();
    for (nlink, seen, _, disk) in inodes.values() {
        if seen >= nlink {
            totals.reclaimable_bytes += disk;
            // uv counts a file whose link count is 1 when it removes it: the
            // last link of an inode the plan removes entirely.
            totals.uv_reported_bytes += disk;
        }
    }
    let mut warnings = stale_bucket_warnings(&items, snap.uv_version);
    if totals.cloned_bytes > 0 {
        warnings.push(format!(
            "{} of it stays on disk: its data is shared with clones (environments uv linked by \
             cloning on {}), and is freed only when those go too",
            crate::engine::report::human_bytes(totals.cloned_bytes),
            ctx.clones.filesystem().unwrap_or("this filesystem"),
        ));
    }
    if let Some(first) = selection_unreadable.first() {
        warnings.push(format!(
            "{} could not be read ({}{}): links to archives inside cannot be seen, so no archive \
             is removed as unused (uv stops with an error here); make it readable and run again",
            match selection_unreadable.len() {
                1 => "1 directory".to_string(),
                n => format!("{n} directories"),
            },
            crate::text::Escaped(first),
            if selection_unreadable.len() > 1 {
                ", ..."
            } else {
                ""
            },
        ));
    }
    if matches!(recipe, Recipe::CleanAll) && snap.uv_version < UvVersion(0, 13, 0) {
        warnings.push(format!(
            "uv {} removes the cache root and its `.lock` too; uvcache keeps both (uv processes \
             starting now wait on that lock)",
            snap.uv_version
        ));
    }
    if items.iter().any(|i| i.stage == Stage::Archives)
        && std::env::var("UV_LINK_MODE").is_ok_and(|m| m.trim() == "symlink")
    {
        warnings.push(
            "UV_LINK_MODE=symlink: environments installed in that mode point into archive-v0; \
             removing archives breaks them (reinstall them afterwards)"
                .to_string(),
        );
    }
    let holders = super::lock::holders(&super::lock::lock_path(&root));
    if !holders.is_empty() {
        let list: Vec<String> = holders
            .iter()
            .map(|h| format!("pid {} ({})", h.pid, h.command))
            .collect();
        warnings.push(format!(
            "uv processes are using the cache now; removal waits for them: {}",
            list.join(", ")
        ));
    }
    let held: u64 = inodes
        .values()
        .filter(|(n, s, _, _)| s < n)
        .map(|v| v.3)
        .sum();
    if held > 0 {
        warnings.push(format!(
            "{} of these bytes stay on disk: the files are still hard-linked from outside the removed set (e.g. virtual environments)",
            human(held)
        ));
    }
    Plan {
        root,
        operation,
        uv_version: snap.uv_version.to_string(),
        items,
        totals,
        warnings,
        recipe,
        locked_by: None,
        version: snap.uv_version,
    }
}

/// Removing another release's buckets makes that release download and build
/// again if it is still in use. (The owning release's own buckets go as the
/// operation means them to: no warning.)
fn stale_bucket_warnings(items: &[PlanItem], owner: UvVersion) -> Vec<String> {
    let own = crate::engine::layout::releases()
        .iter()
        .find(|r| r.first <= owner && owner <= r.last);
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item.path.to_str().filter(|n| !n.contains('/')) else {
            continue;
        };
        if own.is_some_and(|r| r.owns(name)) {
            continue;
        }
        let owners: Vec<&Release> = crate::engine::layout::releases()
            .iter()
            .filter(|r| r.owns(name))
            .collect();
        if let (Some(first), Some(last)) = (owners.first(), owners.last()) {
            let (from, to) = (first.first, last.last);
            out.push(if from == to {
                format!(
                    "{name} belongs to uv {from}; a uv of that version still in use will download \
                     and build again"
                )
            } else {
                format!(
                    "{name} belongs to uv {from}–{to}; a uv of those versions still in use will \
                     download and build again"
                )
            });
        }
    }
    out
}

fn human(n: u64) -> String {
    crate::engine::report::human_bytes(n)
}

/// One entry a surgical clean found in the scan, and how its paths are
/// derived from the disk (again, under the lock).
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    /// The entry's absolute path.
    pub(crate) path: PathBuf,
    /// Which paths go with it.
    pub(crate) kind: SeedKind,
    /// Why it goes.
    pub(crate) reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeedKind {
    /// A wheel key: its link with its pointer, metadata and lock files (also a cached tool
    /// environment's link with its lock file).
    WheelKey,
    /// A source version or shard: the entry's parent directory, whole.
    Shard,
    /// The entry's own path (a git checkout).
    Itself,
    /// An archive directory, removed with the archives.
    Archive,
    /// An archive directory, removed with the archives only when no link left by the
    /// selection uses it (looked at on the disk, again under the lock).
    UnusedArchive,
}

/// Adds the paths of each seed still on disk, then the archives and file
/// objects they leave unused.
pub(crate) fn select_seeds(b: &mut Builder<'_>, seeds: &[Seed]) {
    for seed in seeds {
        match seed.kind {
            SeedKind::WheelKey => {
                for p in wheel_key_files(&seed.path) {
                    b.add(&p, seed.reason.clone(), Stage::Referrers);
                }
            }
            // A source version (registry) or a shard (url, path, editable) goes whole.
            SeedKind::Shard => {
                if let Some(shard) = seed.path.parent().filter(|s| s.symlink_metadata().is_ok()) {
                    b.add(shard, seed.reason.clone(), Stage::Referrers);
                }
            }
            SeedKind::Itself => {
                if seed.path.symlink_metadata().is_ok() {
                    b.add(&seed.path, seed.reason.clone(), Stage::Referrers)
                }
            }
            SeedKind::Archive => {
                if seed.path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
                    b.add(&seed.path, seed.reason.clone(), Stage::Archives)
                }
            }
            // Decided below, once every referrer the seeds remove is known.
            SeedKind::UnusedArchive => {}
        }
    }
    let unused: Vec<&Seed> = seeds
        .iter()
        .filter(|s| s.kind == SeedKind::UnusedArchive)
        .collect();
    if !unused.is_empty() {
        let removed: BTreeSet<PathBuf> = b.items.keys().cloned().collect();
        let refs = archive_refs(b, &removed);
        let archive = b.bucket(BucketKind::Archive);
        // Where links could not be read, no archive is known to be unused.
        if b.unreadable.borrow().is_empty()
            && let Some(archive) = archive
        {
            for seed in unused {
                let in_bucket = seed.path.parent() == Some(archive.as_path());
                let id = seed.path.file_name().and_then(|n| n.to_str());
                if let (true, Some(id)) = (in_bucket, id)
                    && !refs.contains_key(id)
                    && seed.path.symlink_metadata().is_ok_and(|m| m.is_dir())
                {
                    b.add(&seed.path, seed.reason.clone(), Stage::Archives);
                }
            }
        }
    }
    drop_released_archives(b);
    file_objects(b);
}

/// A wheel key's link and its `.http`, `.rev`, `.msgpack`, `.lock` files.
fn wheel_key_files(main: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (main.parent(), main.file_name().and_then(|n| n.to_str())) else {
        return vec![];
    };
    let key = [".variant.msgpack", ".http", ".rev", ".msgpack", ".lock"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name);
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    rd.filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n == key
                || n.strip_prefix(key).is_some_and(|rest| {
                    [".variant.msgpack", ".http", ".rev", ".msgpack", ".lock"].contains(&rest)
                })
        })
        .map(|e| e.path())
        .collect()
}
