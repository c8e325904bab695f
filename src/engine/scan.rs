//! The scan: list every bucket, attribute what is in it, measure it all in
//! parallel, then settle links and hard-link accounting into a [`Snapshot`].

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::buckets::{self, Learned, Member, PlanCtx, Unit};
use super::error::{Error, Result};
use super::index::{
    self, ArchiveRecord, IndexChanges, IndexFile, IndexMode, IndexReport, PackageGrowth,
};
use super::layout::{BucketKind, TopLevel, classify_top_level, release_for};
use super::links;
use super::locate::CacheRoot;
use super::memo::{DirMemo, MemoUnit, Memos, owns_only_children};
use super::model::{
    Bucket, Detail, Entry, EntryId, EntryKind, EntryState, ScanErrors, Sizes, Snapshot, Source,
    UvRelease,
};
use super::progress::{Counters, Reporter};
use super::size::{InodeTable, fold_links};
use super::walk::{Identity, LinkedInode, Measured, WalkCtx, measure, measure_recorded};

/// A unit, what measuring it found, its folded hard links, and where its
/// index record came from.
type MeasuredUnit = (Unit, Measured, Vec<(LinkedInode, u64)>, Recorded);

/// Where an archive's measurement came from.
enum Recorded {
    /// Not an archive, or not indexed.
    No,
    /// Reused from the index record with this key.
    Reused(String),
    /// Walked now; the record to store (`None`: not reusable).
    Walked(Option<Box<ArchiveRecord>>),
}

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Worker threads; 0 picks the default (I/O-bound: more than cores pays off when cold).
    pub threads: usize,
    /// Whether to reuse and update the persistent index ([`super::index`]).
    pub index: IndexMode,
    /// The index file (default: [`index::index_path`] of the root).
    pub index_file: Option<PathBuf>,
}

/// Default worker threads: stat calls block on I/O when the page cache is
/// cold, so more threads than cores keep the disk busy.
pub fn default_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 8).clamp(8, 64)
}

/// Raises the soft limit on open files to the hard limit (a walk keeps one
/// directory open per level of depth, per thread).
fn raise_open_file_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            limit.current = limit.maximum;
            let _ = setrlimit(Resource::Nofile, limit);
        }
    }
}

/// Names of the root's directories (to infer the uv release before scanning).
pub fn top_level_dirs(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Scans the cache at `root`, classifying buckets against `uv`.
pub fn scan(
    root: &CacheRoot,
    uv: UvRelease,
    opts: &ScanOptions,
    reporter: &dyn Reporter,
    cancel: &AtomicBool,
) -> Result<Snapshot> {
    let started = Instant::now();
    let dir = match std::fs::metadata(&root.path) {
        Ok(m) if m.is_dir() => root
            .path
            .canonicalize()
            .map_err(|e| Error::io("resolve", &root.path, e))?,
        Ok(_) => {
            return Err(Error::InvalidCacheDir {
                setting: root.rule.clone(),
                reason: format!("`{}` is not a directory", root.path.display()),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoCache {
                path: root.path.clone(),
            });
        }
        Err(e) => return Err(Error::io("open cache", &root.path, e)),
    };
    raise_open_file_limit();
    let counters = Counters::default();
    let errors = Mutex::new(ScanErrors::default());
    let ctx = WalkCtx {
        root: &dir,
        cancel,
        counters: &counters,
        errors: &errors,
    };
    let threads = if opts.threads == 0 {
        default_threads()
    } else {
        opts.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("uvcache-scan-{i}"))
        // The walk recurses once per directory level and keeps each level's
        // directory open: deep trees need stack and descriptors.
        .stack_size(64 << 20)
        .build()
        .map_err(|e| Error::Other(format!("cannot start scan threads: {e}")))?;
    // Dropping the sender stops the progress thread at once (no sleep to wait out).
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let (release, _) = release_for(uv.version);
    let mut report = IndexReport {
        mode: opts.index.name(),
        path: (opts.index != IndexMode::Off)
            .then(|| opts.index_file.clone().or_else(|| index::index_path(&dir)))
            .flatten(),
        ..IndexReport::default()
    };
    let mut records: FxHashMap<String, ArchiveRecord> = FxHashMap::default();
    let mut old_dirs = Vec::new();
    let mut old_written = None;
    if opts.index == IndexMode::Use
        && let Some(path) = &report.path
    {
        match index::load(path, &dir) {
            Ok(mut file) => {
                old_written = Some(file.written);
                old_dirs = std::mem::take(&mut file.dirs);
                records = file.into_map();
            }
            Err(why) => report.ignored = Some(why),
        }
    }
    let indexing = opts.index != IndexMode::Off;
    let mut memos = Memos::new(old_dirs, indexing);
    let walked_at = index::now_secs();

    let result = std::thread::scope(|s| {
        let progress = &counters;
        s.spawn(move || {
            loop {
                reporter.scan(progress.snapshot());
                match finished.recv_timeout(Duration::from_millis(100)) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
        });
        let r = pool.install(|| {
            reporter.phase("scanning");
            let (buckets, root_units, bucket_ctxs) = list_root(&ctx, &dir, release, &memos);
            let measure_unit = |mut unit: Unit| {
                if let Some(m) = unit.measured.take() {
                    counters.add_reused(&m, &[]);
                    counters.entries_done.fetch_add(1, Ordering::Relaxed);
                    return (unit, *m, Vec::new(), Recorded::No);
                }
                let archive = indexing && is_indexable(&unit);
                if archive
                    && let Some(rec) = records.get(&key_of(&unit))
                    && unchanged(rec, &unit)
                {
                    let (m, linked) = rec.measured();
                    counters.add_reused(&m, &linked);
                    counters.entries_done.fetch_add(1, Ordering::Relaxed);
                    let key = rec.key.clone();
                    return (unit, m, linked, Recorded::Reused(key));
                }
                let problems = super::walk::problems_on_this_thread();
                let mut m = Measured::default();
                for member in &unit.members {
                    if archive {
                        m.absorb(measure_recorded(&ctx, &member.path, member.recurse));
                    } else {
                        m.absorb(measure(&ctx, &member.path, member.recurse));
                    }
                }
                counters.entries_done.fetch_add(1, Ordering::Relaxed);
                let own = unit
                    .memo
                    .as_ref()
                    .is_some_and(|tag| owns_only_children(&unit, &tag.dir));
                if let Some(tag) = &mut unit.memo {
                    tag.clean &= own
                        && super::walk::problems_on_this_thread() == problems
                        && m.linked.is_empty()
                        && m.linked_out == 0
                        && !m.incomplete
                        && m.dist_infos.is_empty()
                        && !m.is_venv;
                }
                let linked = fold_links(std::mem::take(&mut m.linked));
                let recorded = if archive {
                    let rec =
                        ArchiveRecord::of_walk(key_of(&unit), &m, &linked, walked_at).map(Box::new);
                    m.singles = None;
                    Recorded::Walked(rec)
                } else {
                    Recorded::No
                };
                (unit, m, linked, recorded)
            };
            // Planning a bucket and measuring its units overlap with other buckets.
            let mut measured: Vec<MeasuredUnit> =
                root_units.into_iter().map(measure_unit).collect();
            let planned: Vec<Vec<MeasuredUnit>> = bucket_ctxs
                .par_iter()
                .map(|b| {
                    let units = buckets::plan(b);
                    counters
                        .entries_total
                        .fetch_add(units.len() as u64, Ordering::Relaxed);
                    let mut out = Vec::with_capacity(units.len());
                    if units.iter().all(|u| u.measured.is_some()) {
                        // All remembered: nothing to wait for.
                        out.extend(units.into_iter().map(measure_unit));
                    } else {
                        // One job per unit: an archive can take long.
                        units
                            .into_par_iter()
                            .with_max_len(1)
                            .map(measure_unit)
                            .collect_into_vec(&mut out);
                    }
                    out
                })
                .collect();
            measured.reserve(planned.iter().map(Vec::len).sum());
            measured.extend(planned.into_iter().flatten());
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            Ok((buckets, measured))
        });
        drop(done);
        r
    });
    let (mut buckets, mut measured) = result?;
    reporter.phase("linking");
    reporter.scan(counters.snapshot());
    let dropped = settle_reused(&mut measured, &records);

    let mut entries = Vec::with_capacity(measured.len());
    let mut inodes = InodeTable::with_capacity(measured.iter().map(|m| m.2.len()).sum());
    let mut learned: Vec<Learned> = Vec::new();
    let mut dist_infos: HashMap<EntryId, (Vec<String>, bool)> = HashMap::new();
    let mut fresh: Vec<ArchiveRecord> = Vec::new();
    let mut reused: Vec<String> = Vec::new();
    // Freshly planned directories: (identity, units, all clean).
    let mut planned_dirs: FxHashMap<std::sync::Arc<str>, (Identity, Vec<MemoUnit>, bool)> =
        FxHashMap::default();
    // Archives walked now: (key, entry).
    let mut walked_now: Vec<(String, EntryId)> = Vec::new();
    for (i, (unit, m, linked, recorded)) in measured.into_iter().enumerate() {
        let indexed = matches!(recorded, Recorded::Reused(_));
        let walked = matches!(recorded, Recorded::Walked(_));
        match recorded {
            Recorded::No => {}
            Recorded::Reused(key) => reused.push(key),
            Recorded::Walked(rec) => {
                report.archives_walked += 1;
                fresh.extend(rec.map(|r| *r));
            }
        }
        if let Some(tag) = unit.memo {
            let memo = tag
                .clean
                .then(|| MemoUnit::of(&unit.entry, &unit.learned, &m))
                .flatten();
            let group = planned_dirs
                .entry(tag.key)
                .or_insert_with(|| (tag.id, Vec::new(), true));
            match memo {
                Some(u) => group.1.push(u),
                None => group.2 = false,
            }
        }
        let mut entry = unit.entry;
        entry.id =
            EntryId::try_from(i).map_err(|_| Error::Other("more than 4 billion entries".into()))?;
        if walked {
            walked_now.push((key_of_entry(&entry), entry.id));
        }
        entry.sizes = Sizes {
            logical_bytes: m.logical,
            disk_bytes: m.disk,
            reclaimable_bytes: m.disk - m.linked_out,
            files: m.files,
            dirs: m.dirs,
        };
        entry.linked_out_bytes = m.linked_out;
        entry.modified = m.modified;
        if indexed {
            inodes.add_indexed_entry(&mut entry, &linked);
        } else {
            inodes.add_entry(&mut entry, &linked);
        }
        if !m.dist_infos.is_empty() || m.is_venv {
            dist_infos.insert(entry.id, (m.dist_infos, m.is_venv));
        }
        learned.extend(unit.learned);
        entries.push(entry);
    }
    // What the index keeps of a link count: the links outside the cache,
    // and whether other entries hold the file too.
    for rec in &mut fresh {
        let dev = rec.id.dev;
        rec.settle(|ino| inodes.links(dev, ino));
    }
    let shared = inodes.finish(&mut entries);
    report.archives_reused = reused.len() as u64;
    // Added: walked now, unknown to the index; removed: known, not seen now.
    let added: Vec<EntryId> = walked_now
        .iter()
        .filter(|(k, _)| !records.contains_key(k))
        .map(|(_, id)| *id)
        .collect();
    let changes = old_written.map(|written| {
        let seen: rustc_hash::FxHashSet<&str> = reused
            .iter()
            .map(String::as_str)
            .chain(walked_now.iter().map(|(k, _)| k.as_str()))
            .collect();
        let removed: Vec<&ArchiveRecord> = records
            .values()
            .filter(|r| !seen.contains(r.key.as_str()))
            .collect();
        IndexChanges {
            since: Some(std::time::UNIX_EPOCH + Duration::from_secs(written)),
            archives_removed: removed.len() as u64,
            removed_disk_bytes: removed
                .iter()
                .map(|r| r.disk + r.shared.iter().map(|l| l.disk).sum::<u64>())
                .sum(),
            ..IndexChanges::default()
        }
    });
    if indexing {
        let mut dirs = memos.take_hits();
        report.dirs_reused = dirs.len() as u64;
        let dirs_changed = !memos.old.is_empty() || planned_dirs.values().any(|g| g.2);
        dirs.extend(
            planned_dirs
                .into_iter()
                .filter(|(_, g)| g.2)
                .map(|(key, (id, units, _))| DirMemo {
                    key: key.to_string(),
                    id,
                    units,
                }),
        );
        dirs.sort_by(|a, b| a.key.cmp(&b.key));
        report.dirs_remembered = dirs.len() as u64;
        update_index(
            &mut report,
            &dir,
            Stored {
                records,
                reused,
                dropped: &dropped,
                fresh,
                dirs,
                dirs_changed,
            },
            opts.index,
        );
    }
    links::link_archives(&mut entries, &dist_infos);
    links::label_sources(&mut entries, &learned);
    report.changes = changes.map(|c| growth(c, &added, &entries));

    let mut snapshot = Snapshot {
        root: CacheRoot {
            path: dir,
            rule: root.rule.clone(),
        },
        uv,
        buckets: vec![],
        entries,
        total: Sizes::default(),
        errors: errors.into_inner().unwrap_or_default(),
        elapsed_ms: 0,
        index: report,
        shared,
    };
    let sizes = snapshot.sizes_by_group(buckets.len(), |id| {
        snapshot.entries[id as usize].bucket.map(usize::from)
    });
    for (b, s) in buckets.iter_mut().zip(sizes) {
        b.sizes = s;
    }
    for e in &snapshot.entries {
        if let Some(b) = e.bucket.and_then(|b| buckets.get_mut(usize::from(b))) {
            b.entries += 1;
        }
    }
    snapshot.buckets = buckets;
    snapshot.total = snapshot.sizes_of(|_| true);
    snapshot.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(snapshot)
}

/// The index key of an entry: its path relative to the root.
fn key_of_entry(entry: &Entry) -> String {
    entry.path.to_string_lossy().into_owned()
}

/// Completes `changes` with the new archives (entries `added`, once their
/// packages are known).
fn growth(mut changes: IndexChanges, added: &[EntryId], entries: &[Entry]) -> IndexChanges {
    let mut by_package: FxHashMap<&str, (u64, u64)> = FxHashMap::default();
    for e in added.iter().filter_map(|id| entries.get(*id as usize)) {
        changes.archives_added += 1;
        changes.added_disk_bytes += e.sizes.disk_bytes;
        let p = by_package
            .entry(e.package.as_deref().unwrap_or("?"))
            .or_default();
        p.0 += 1;
        p.1 += e.sizes.disk_bytes;
    }
    let mut packages: Vec<PackageGrowth> = by_package
        .into_iter()
        .map(|(name, (archives, disk_bytes))| PackageGrowth {
            name: name.to_string(),
            archives,
            disk_bytes,
        })
        .collect();
    packages.sort_by(|a, b| b.disk_bytes.cmp(&a.disk_bytes).then(a.name.cmp(&b.name)));
    packages.truncate(3);
    changes.added_packages = packages;
    changes
}

/// Whether a unit is one archive directory, measured whole.
fn is_indexable(unit: &Unit) -> bool {
    unit.entry.kind == EntryKind::Archive && matches!(unit.members.as_slice(), [m] if m.recurse)
}

/// The index key of a unit: its path relative to the root.
fn key_of(unit: &Unit) -> String {
    key_of_entry(&unit.entry)
}

/// Whether the archive directory of `unit` is still the one `rec` describes.
fn unchanged(rec: &ArchiveRecord, unit: &Unit) -> bool {
    let [member] = unit.members.as_slice() else {
        return false;
    };
    std::fs::symlink_metadata(&member.path)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .and_then(|m| Identity::of(&m))
        == Some(rec.id)
}

/// Settles reused archives against what was walked now: a file that was an
/// archive's own when indexed may since have gained a link from an entry
/// walked now (a new environment in the cache). Such files move from the
/// archive's sums to its linked files, so the inode table counts the inode
/// once; their records are rewritten. Returns the keys of those records.
fn settle_reused(
    measured: &mut [MeasuredUnit],
    records: &FxHashMap<String, ArchiveRecord>,
) -> Vec<String> {
    let mut fresh: FxHashMap<(u64, u64), LinkedInode> = FxHashMap::default();
    let mut any_reused = false;
    for (_, _, linked, recorded) in measured.iter() {
        match recorded {
            Recorded::Reused(_) => any_reused = true,
            _ => fresh.extend(linked.iter().map(|(l, _)| ((l.dev, l.ino), *l))),
        }
    }
    let mut dropped = Vec::new();
    if !any_reused || fresh.is_empty() {
        return dropped;
    }
    // Files the index already knows as shared are counted as such; only
    // others can be an archive's own file newly linked (checking them means
    // decoding every reused archive's inode lists).
    for (_, _, linked, recorded) in measured.iter() {
        if matches!(recorded, Recorded::Reused(_)) {
            for (l, _) in linked {
                fresh.remove(&(l.dev, l.ino));
            }
        }
    }
    if fresh.is_empty() {
        return dropped;
    }
    for (_, m, linked, recorded) in measured.iter_mut() {
        let Recorded::Reused(key) = recorded else {
            continue;
        };
        let Some(rec) = records.get(key.as_str()) else {
            continue;
        };
        let mut moved = false;
        let own = rec
            .inside
            .iter()
            .map(|i| (i, 0))
            .chain(rec.outside.iter().map(|i| (i, 1)));
        for (ino, outside) in own {
            let Some(l) = fresh.get(&(rec.id.dev, ino)) else {
                continue;
            };
            m.logical = m.logical.saturating_sub(l.size);
            m.disk = m.disk.saturating_sub(l.disk);
            if outside > 0 {
                m.linked_out = m.linked_out.saturating_sub(l.disk);
            }
            // The link count stat'ed now decides; `nlink` here is the hint
            // of links outside the cache when indexed.
            linked.push((
                LinkedInode {
                    nlink: outside,
                    ..*l
                },
                1,
            ));
            moved = true;
        }
        if moved {
            linked.sort_unstable_by_key(|(l, _)| (l.dev, l.ino));
            dropped.push(key.clone());
        }
    }
    dropped
}

/// What a scan leaves for the index.
struct Stored<'a> {
    /// The archive records read from the index.
    records: FxHashMap<String, ArchiveRecord>,
    /// Keys of the records reused.
    reused: Vec<String>,
    /// Keys of reused records to rewrite.
    dropped: &'a [String],
    /// Records of archives walked now.
    fresh: Vec<ArchiveRecord>,
    /// Directory memos to keep.
    dirs: Vec<DirMemo>,
    /// Whether they differ from those read.
    dirs_changed: bool,
}

/// Writes the index after a scan when anything in it changed.
fn update_index(report: &mut IndexReport, root: &Path, stored: Stored<'_>, mode: IndexMode) {
    let Stored {
        mut records,
        reused,
        dropped,
        fresh,
        dirs,
        dirs_changed,
    } = stored;
    report.reclaimable_as_of = reused
        .iter()
        .filter_map(|k| records.get(k))
        .map(|r| r.walked)
        .min()
        .map(|s| std::time::UNIX_EPOCH + Duration::from_secs(s));
    let Some(path) = report.path.clone() else {
        return;
    };
    let unchanged = mode == IndexMode::Use
        && report.ignored.is_none()
        && fresh.is_empty()
        && dropped.is_empty()
        && !dirs_changed
        && reused.len() == records.len();
    if unchanged {
        return;
    }
    let mut kept: Vec<ArchiveRecord> = reused
        .iter()
        .filter(|k| !dropped.contains(k))
        .filter_map(|k| records.remove(k))
        .collect();
    kept.extend(fresh);
    kept.sort_by(|a, b| a.key.cmp(&b.key));
    let file = IndexFile {
        root: root.to_string_lossy().into_owned(),
        written: index::now_secs(),
        records: kept,
        dirs,
    };
    match index::save(&path, &file) {
        Ok(n) => report.written_bytes = n,
        Err(e) => report.write_error = Some(e),
    }
}

/// Lists the root and classifies each item: buckets to plan, and units for
/// the root's own items.
fn list_root<'a, 'b>(
    ctx: &'a WalkCtx<'b>,
    dir: &Path,
    release: &super::layout::Release,
    memos: &'a Memos,
) -> (Vec<Bucket>, Vec<Unit>, Vec<PlanCtx<'a, 'b>>) {
    let mut buckets = Vec::new();
    let mut units = vec![root_unit(
        dir,
        EntryKind::Marker,
        dir,
        "cache root directory",
        false,
    )];
    let mut bucket_ctxs = Vec::new();
    let items = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.map_err(|err| ctx.io_error(dir, &err)).ok())
            .collect::<Vec<_>>(),
        Err(e) => {
            ctx.io_error(dir, &e);
            vec![]
        }
    };
    let mut items: Vec<_> = items
        .into_iter()
        .filter_map(|e| Some((e.file_name(), e.path(), e.file_type().ok()?)))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, file_type) in items {
        let name_str = name.to_string_lossy().into_owned();
        let is_dir = file_type.is_dir();
        let class = classify_top_level(&name_str, is_dir, release);
        match class {
            TopLevel::Current | TopLevel::Stale => {
                let parsed = BucketKind::parse_dir_name(&name_str);
                let index = u16::try_from(buckets.len()).unwrap_or(u16::MAX);
                buckets.push(Bucket {
                    name: name_str.clone(),
                    kind: parsed.map(|p| p.0),
                    version: parsed.map(|p| p.1),
                    class,
                    sizes: Sizes::default(),
                    entries: 0,
                });
                if let Some((kind, version)) = parsed {
                    bucket_ctxs.push(PlanCtx {
                        walk: ctx,
                        kind,
                        name: name_str,
                        version,
                        index,
                        dir: path,
                        memos,
                    });
                }
            }
            TopLevel::Unknown if is_dir => {
                let index = u16::try_from(buckets.len()).unwrap_or(u16::MAX);
                buckets.push(Bucket {
                    name: name_str,
                    kind: None,
                    version: None,
                    class,
                    sizes: Sizes::default(),
                    entries: 0,
                });
                let mut u = root_unit(
                    dir,
                    EntryKind::Unknown,
                    &path,
                    "a directory no uv release writes",
                    true,
                );
                u.entry.bucket = Some(index);
                units.push(u);
            }
            TopLevel::Marker => units.push(root_unit(
                dir,
                EntryKind::Marker,
                &path,
                "cache marker",
                is_dir,
            )),
            TopLevel::Temporary => {
                units.push(root_unit(
                    dir,
                    EntryKind::Temporary,
                    &path,
                    "temporary directory (an unpack in progress, or crash debris)",
                    true,
                ));
            }
            TopLevel::Unknown => units.push(root_unit(
                dir,
                EntryKind::Unknown,
                &path,
                "a file no uv release writes",
                is_dir,
            )),
        }
    }
    (buckets, units, bucket_ctxs)
}

fn root_unit(root: &Path, kind: EntryKind, path: &Path, note: &str, recurse: bool) -> Unit {
    let rel: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    Unit {
        entry: Entry {
            id: 0,
            bucket: None,
            kind,
            path: if rel.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                rel
            },
            package: None,
            version: None,
            source: Source::None,
            state: EntryState::Current,
            sizes: Sizes::default(),
            linked_out_bytes: 0,
            modified: None,
            detail: Detail {
                notes: vec![note.to_string()],
                ..Detail::default()
            },
        },
        members: vec![Member {
            path: path.to_path_buf(),
            recurse,
        }],
        learned: vec![],
        measured: None,
        memo: None,
    }
}
