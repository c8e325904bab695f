//! The scan: list every bucket, attribute what is in it, measure it all in
//! parallel, then settle links and hard-link accounting into a [`Snapshot`].
//!
//! In stages, each a function: [`open_root`], [`Reuse::open`] (what earlier
//! scans stored), [`plan_and_measure`] (buckets planned into units and units
//! measured, in parallel, their hard-linked files put in one table as they go),
//! [`assemble`] (entries, hard links counted once from that table),
//! [`Reuse::finish`] (the store written back), then the snapshot's totals.
//!
//! - [`walk`]: measuring a path (sizes, links, what a tree holds);
//! - [`buckets`]: each bucket's layout, planned into units (entries);
//! - [`store`]: the scan store on disk; [`reuse`] what one scan takes from it;
//! - [`size`]: hard links counted once; [`links`]: archives tied to their referrers.

pub mod buckets;
pub mod extents;
mod links;
mod reuse;
mod root;
mod size;
pub mod store;
pub mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use self::buckets::memo::owns_only_children;
use self::buckets::{Learned, Unit};
use self::reuse::{MeasuredUnit, Recorded, Reuse, Seen};
use self::size::{InodeTable, LinkSink, fold_links};
use self::store::IndexMode;
use self::store::Settling;
use self::walk::{Measured, WalkCtx, measure, measure_recorded};
use super::error::{Error, Result};
use super::layout::release_for;
use super::locate::{CacheRoot, RootRule};
use super::model::EntryKind;
use super::model::{Bucket, EntryId, ScanErrors, SharedInodes, Sizes, Snapshot, UvRelease};
use super::progress::{Counters, PACKAGES_SO_FAR, PackageSoFar, Reporter};

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Worker threads; 0 picks the default (I/O-bound: more than cores pays off when cold).
    pub threads: usize,
    /// Whether to reuse and update the persistent index ([`store`]).
    pub index: IndexMode,
    /// The index file (default: [`store::index_path`] of the root).
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
    let dir = open_root(&root.path, &root.rule)?;
    raise_open_file_limit();
    let reuse = Reuse::open(&dir, opts);
    let counters = Counters::default();
    let errors = Mutex::new(ScanErrors::default());
    let ctx = WalkCtx {
        root: &dir,
        cancel,
        counters: &counters,
        errors: &errors,
        clones: extents::Clones::of(&dir),
    };
    let sink = LinkSink::default();
    let (mut buckets, measured) = plan_and_measure(&ctx, &uv, opts, &reuse, &sink, reporter)?;
    reporter.phase("linking");
    reporter.scan(counters.snapshot());
    let mut assembled = assemble(measured, sink.into_table(), &reuse)?;
    let (mut report, pending) = reuse.finish(&dir, assembled.seen, &assembled.dropped);
    links::link_archives(&mut assembled.entries, &assembled.dist_infos);
    links::label_sources(&mut assembled.entries, &assembled.learned);
    report.changes = pending.map(|p| p.complete(&assembled.entries));

    let mut snapshot = Snapshot {
        root: CacheRoot {
            path: dir,
            rule: root.rule.clone(),
        },
        uv,
        buckets: vec![],
        entries: assembled.entries,
        total: Sizes::default(),
        errors: errors.into_inner().unwrap_or_default(),
        elapsed_ms: 0,
        index: report,
        shared: assembled.shared,
    };
    total_buckets(&mut snapshot, &mut buckets);
    snapshot.buckets = buckets;
    snapshot.total = snapshot.sizes_of(|_| true);
    snapshot.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(snapshot)
}

/// The canonical cache root, if it is a directory.
fn open_root(path: &Path, rule: &RootRule) -> Result<PathBuf> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => path
            .canonicalize()
            .map_err(|e| Error::io("resolve", path, e)),
        Ok(_) => Err(Error::InvalidCacheDir {
            setting: rule.to_string(),
            reason: format!("`{}` is not a directory", path.display()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NoCache {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(Error::io("open cache", path, e)),
    }
}

/// Lists the root, plans each bucket into units and measures every unit (or
/// takes its measurement from the store), on a pool of `opts.threads`, with
/// progress reported every 100 ms.
fn plan_and_measure(
    ctx: &WalkCtx<'_>,
    uv: &UvRelease,
    opts: &ScanOptions,
    reuse: &Reuse,
    sink: &LinkSink,
    reporter: &dyn Reporter,
) -> Result<(Vec<Bucket>, Vec<MeasuredUnit>)> {
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
    let (release, _) = release_for(uv.version);
    let counters = ctx.counters;
    let tally = reporter.wants_packages().then(Tally::default);
    let tally = tally.as_ref();
    // Dropping the sender stops the progress thread at once (no sleep to wait out).
    let (done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            for tick in 0u64.. {
                reporter.scan(counters.snapshot());
                if let Some(t) = tally.filter(|_| tick % 5 == 4) {
                    reporter.packages(t.largest());
                }
                match finished.recv_timeout(Duration::from_millis(100)) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
        });
        let r = pool.install(|| {
            reporter.phase("scanning");
            let (buckets, root_units, bucket_ctxs) =
                root::list_root(ctx, ctx.root, release, &reuse.memos);
            let measure_unit = |unit: Unit| {
                let measured = measure_unit(ctx, reuse, sink, unit);
                if let Some(t) = tally {
                    t.add(&measured);
                }
                measured
            };
            counters
                .entries_total
                .fetch_add(root_units.len() as u64, Ordering::Relaxed);
            counters
                .buckets_pending
                .store(bucket_ctxs.len() as u64, Ordering::Relaxed);
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
                    counters.buckets_pending.fetch_sub(1, Ordering::Relaxed);
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
            if ctx.cancelled() {
                return Err(Error::Cancelled);
            }
            if let Some(t) = tally {
                reporter.packages(t.largest());
            }
            Ok((buckets, measured))
        });
        drop(done);
        r
    })
}

/// Running sums per package while units are measured, for [`Reporter::packages`].
#[derive(Default)]
struct Tally(Mutex<rustc_hash::FxHashMap<String, (u64, u64)>>);

impl Tally {
    /// Adds a measured unit to its package's sums: wheels and source distributions by
    /// their entries' names, archives by their one `.dist-info` (environments are not a
    /// package's).
    fn add(&self, (unit, m, sums, _): &MeasuredUnit) {
        let name = match (&unit.entry.package, unit.entry.kind, &m.dist_infos[..]) {
            (Some(name), _, _) => name.clone(),
            (None, EntryKind::Archive, [only]) if !m.is_venv => links::package_of_dist_info(only),
            _ => return,
        };
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let e = map.entry(name).or_default();
        e.0 += m.disk + sums.disk;
        e.1 += 1;
    }

    /// The largest packages so far.
    fn largest(&self) -> Vec<PackageSoFar> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<(&String, &(u64, u64))> = map.iter().collect();
        let by_size = |a: &(&String, &(u64, u64)), b: &(&String, &(u64, u64))| {
            b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0))
        };
        if all.len() > PACKAGES_SO_FAR {
            all.select_nth_unstable_by(PACKAGES_SO_FAR, by_size);
            all.truncate(PACKAGES_SO_FAR);
        }
        all.sort_unstable_by(by_size);
        all.into_iter()
            .map(|(name, &(disk_bytes, entries))| PackageSoFar {
                name: name.clone(),
                disk_bytes,
                entries,
            })
            .collect()
    }
}

/// Measures one unit: from a directory memo, from the store, or by walking it.
/// Its hard-linked files go to `sink`.
fn measure_unit(ctx: &WalkCtx<'_>, reuse: &Reuse, sink: &LinkSink, mut unit: Unit) -> MeasuredUnit {
    let counters = ctx.counters;
    if let Some(m) = unit.measured.take() {
        counters.add_reused(m.files, m.dirs, m.disk);
        counters.entries_done.fetch_add(1, Ordering::Relaxed);
        return (unit, *m, sink.add(&[], false), Recorded::No);
    }
    if let Some((m, linked, key)) = reuse.lookup(&unit) {
        let linked_disk: u64 = linked.iter().map(|(l, n)| l.disk * n).sum();
        counters.add_reused(m.files, m.dirs, m.disk + linked_disk);
        counters.entries_done.fetch_add(1, Ordering::Relaxed);
        return (unit, m, sink.add(&linked, true), Recorded::Reused(key));
    }
    let stored = reuse.stores(&unit);
    let problems = walk::problems_on_this_thread();
    let mut m = Measured::default();
    for member in &unit.members {
        if stored {
            m.absorb(measure_recorded(ctx, &member.path, member.recurse));
        } else {
            m.absorb(measure(ctx, &member.path, member.recurse));
        }
    }
    counters.entries_done.fetch_add(1, Ordering::Relaxed);
    let own = unit
        .memo
        .as_ref()
        .is_some_and(|tag| owns_only_children(&unit, &tag.dir));
    if let Some(tag) = &mut unit.memo {
        tag.clean &= own
            && walk::problems_on_this_thread() == problems
            && m.linked.is_empty()
            && m.linked_out == 0
            && m.cloned == 0
            && !m.incomplete
            && m.dist_infos.is_empty()
            && !m.is_venv;
    }
    let linked = fold_links(std::mem::take(&mut m.linked));
    let recorded = if stored {
        let rec = reuse.record(&unit, &m, &linked);
        m.singles = None;
        Recorded::Walked(rec)
    } else {
        Recorded::No
    };
    let sums = sink.add(&linked, false);
    (unit, m, sums, recorded)
}

/// The entries of a scan, with what linking and the store need.
struct Assembled {
    entries: Vec<super::model::Entry>,
    shared: SharedInodes,
    learned: Vec<Learned>,
    dist_infos: HashMap<EntryId, (Vec<String>, bool)>,
    seen: Seen,
    /// Keys of reused store records found stale ([`Reuse::settle`]).
    dropped: Vec<String>,
}

/// Turns measured units into entries with their sizes, counting every
/// hard-linked inode of `table` (the units' linked files) once across the whole cache.
fn assemble(
    mut measured: Vec<MeasuredUnit>,
    mut table: InodeTable,
    reuse: &Reuse,
) -> Result<Assembled> {
    // Entry ids are places in `measured`; the table knows units by serial until now.
    let mut entry_of = vec![EntryId::MAX; measured.len()];
    for (i, (_, _, sums, _)) in measured.iter().enumerate() {
        let id =
            EntryId::try_from(i).map_err(|_| Error::Other("more than 4 billion entries".into()))?;
        if let Some(slot) = entry_of.get_mut(sums.serial as usize) {
            *slot = id;
        }
    }
    table.renumber(&entry_of);
    drop(entry_of);
    table.seal();
    let dropped = reuse.settle(&mut measured, &mut table);

    let mut entries = Vec::with_capacity(measured.len());
    let mut learned: Vec<Learned> = Vec::new();
    let mut dist_infos: HashMap<EntryId, (Vec<String>, bool)> = HashMap::new();
    let mut seen = Seen::default();
    for (i, (unit, m, sums, recorded)) in measured.into_iter().enumerate() {
        let mut entry = unit.entry;
        entry.id = EntryId::try_from(i).unwrap_or(EntryId::MAX);
        seen.unit(unit.memo, &unit.learned, recorded, &entry, &m);
        entry.sizes = Sizes {
            logical_bytes: m.logical + sums.logical,
            disk_bytes: m.disk + sums.disk,
            reclaimable_bytes: m.disk.saturating_sub(m.linked_out + m.cloned),
            files: m.files,
            dirs: m.dirs,
        };
        entry.linked_out_bytes = m.linked_out;
        entry.cloned_bytes = m.cloned;
        entry.modified = m.modified;
        if !m.dist_infos.is_empty() || m.is_venv {
            dist_infos.insert(entry.id, (m.dist_infos, m.is_venv));
        }
        learned.extend(unit.learned);
        entries.push(entry);
    }
    settle_fresh(&mut seen, &table, entries.len());
    let shared = table.finish(&mut entries);
    Ok(Assembled {
        entries,
        shared,
        learned,
        dist_infos,
        seen,
        dropped,
    })
}

/// What the store keeps of the linked files of archives walked now: the links
/// outside the cache, and whether other entries hold the file too (one pass over
/// the sealed table, whose records name entries).
fn settle_fresh(seen: &mut Seen, table: &InodeTable, entries: usize) {
    if seen.fresh.is_empty() {
        return;
    }
    // Each entry's record, if it has one (one look-up per linked file: no hashing).
    let mut record_of = vec![usize::MAX; entries];
    for (k, (_, entry)) in seen.fresh.iter().enumerate() {
        if let Some(slot) = record_of.get_mut(*entry as usize) {
            *slot = k;
        }
    }
    let mut settling: Vec<Settling> = seen.fresh.iter().map(|_| Settling::default()).collect();
    for group in table.groups() {
        let (all, nlink) = (group.seen(), group.nlink());
        for (entry, links) in group.members() {
            // `usize::MAX` (no record) finds nothing below.
            let Some(&k) = record_of.get(entry as usize) else {
                continue;
            };
            let (Some((rec, _)), Some(s)) = (seen.fresh.get_mut(k), settling.get_mut(k)) else {
                continue;
            };
            let l = store::LinkedRecord {
                ino: group.ino,
                outside: 0,
                size: group.size,
                disk: group.disk,
                links,
            };
            rec.settle_link(s, l, all, nlink);
        }
    }
    for ((rec, _), s) in seen.fresh.iter_mut().zip(settling) {
        rec.end_settle(s);
    }
}

/// Each bucket's sizes (hard links once) and entry count.
fn total_buckets(snapshot: &mut Snapshot, buckets: &mut [Bucket]) {
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
}
