//! The scan: list every bucket, attribute what is in it, measure it all in
//! parallel, then settle links and hard-link accounting into a [`Snapshot`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::buckets::{self, Learned, Member, PlanCtx, Unit};
use super::error::{Error, Result};
use super::layout::{BucketKind, TopLevel, classify_top_level, release_for};
use super::links;
use super::locate::CacheRoot;
use super::model::{
    Bucket, Detail, Entry, EntryId, EntryKind, EntryState, ScanErrors, Sizes, Snapshot, Source,
    UvRelease,
};
use super::progress::{Counters, Reporter};
use super::size::{InodeTable, fold_links};
use super::walk::{LinkedInode, Measured, WalkCtx, measure};

/// A unit, what measuring it found, and its folded hard links.
type MeasuredUnit = (Unit, Measured, Vec<(LinkedInode, u64)>);

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Worker threads; 0 picks the default (I/O-bound: more than cores pays off when cold).
    pub threads: usize,
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
            return Err(Error::Other(format!(
                "`{}` is not a directory",
                root.path.display()
            )));
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
    let done = AtomicBool::new(false);
    let (release, _) = release_for(uv.version);

    let result = std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                reporter.scan(counters.snapshot());
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let r = pool.install(|| {
            reporter.phase("scanning");
            let (buckets, root_units, bucket_ctxs) = list_root(&ctx, &dir, release);
            let measure_unit = |unit: Unit| {
                let mut m = Measured::default();
                for member in &unit.members {
                    m.absorb(measure(&ctx, &member.path, member.recurse));
                }
                counters.entries_done.fetch_add(1, Ordering::Relaxed);
                let linked = fold_links(std::mem::take(&mut m.linked));
                (unit, m, linked)
            };
            // Planning a bucket and measuring its units overlap with other buckets.
            let mut measured: Vec<MeasuredUnit> =
                root_units.into_iter().map(measure_unit).collect();
            let planned: Vec<MeasuredUnit> = bucket_ctxs
                .par_iter()
                .flat_map(|b| {
                    let units = buckets::plan(b);
                    counters
                        .entries_total
                        .fetch_add(units.len() as u64, Ordering::Relaxed);
                    units.into_par_iter().with_max_len(1).map(measure_unit)
                })
                .collect();
            measured.extend(planned);
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            Ok((buckets, measured))
        });
        done.store(true, Ordering::Relaxed);
        r
    });
    let (mut buckets, measured) = result?;
    reporter.phase("linking");
    reporter.scan(counters.snapshot());

    let mut entries = Vec::with_capacity(measured.len());
    let mut inodes = InodeTable::with_capacity(measured.iter().map(|m| m.2.len()).sum());
    let mut learned: Vec<Learned> = Vec::new();
    let mut dist_infos: HashMap<EntryId, (Vec<String>, bool)> = HashMap::new();
    for (i, (unit, m, linked)) in measured.into_iter().enumerate() {
        let mut entry = unit.entry;
        entry.id =
            EntryId::try_from(i).map_err(|_| Error::Other("more than 4 billion entries".into()))?;
        entry.sizes = Sizes {
            logical_bytes: m.logical,
            disk_bytes: m.disk,
            reclaimable_bytes: m.disk,
            files: m.files,
            dirs: m.dirs,
        };
        entry.modified = m.modified;
        inodes.add_entry(&mut entry, &linked);
        if !m.dist_infos.is_empty() || m.is_venv {
            dist_infos.insert(entry.id, (m.dist_infos, m.is_venv));
        }
        learned.extend(unit.learned);
        entries.push(entry);
    }
    let shared = inodes.finish(&mut entries);
    links::link_archives(&mut entries, &dist_infos);
    links::label_sources(&mut entries, &learned);

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

/// Lists the root and classifies each item: buckets to plan, and units for
/// the root's own items.
fn list_root<'a, 'b>(
    ctx: &'a WalkCtx<'b>,
    dir: &Path,
    release: &super::layout::Release,
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
    }
}
