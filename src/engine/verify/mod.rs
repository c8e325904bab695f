//! Verifying the cache: unpacked wheels (`archive-v0/<id>`) against the hashes and sizes of
//! their own `.dist-info/RECORD`, and uv's small records against uv's decoders.
//!
//! Under uv's hard-link mode an environment's `site-packages` shares every file with the
//! archive it was installed from, so editing an installed file edits the cache, and every
//! later install gets the edited file. A modified file with more than one link is matched,
//! by device and inode, against the known roots' installed files, to name the environment
//! the edit came through.
//!
//! * [`archive`]: one archive's `RECORD`, its extra files, checking one file;
//! * [`hash`]: digests as `RECORD` spells them;
//! * [`memo`]: digests remembered by file identity, so a second run hashes only what changed;
//! * [`records`]: pointer, metadata and page records uv cannot decode;
//! * [`shared`]: the environments sharing an inode with an archive;
//! * [`fix`]: the removal plan for what is damaged;
//! * [`findings`]: what the last run found, for the terminal UI.

pub mod archive;
pub mod findings;
pub mod fix;
pub mod hash;
pub mod memo;
pub mod records;
pub mod shared;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use self::archive::{ArchivePlan, Checked};
use self::memo::{FileKey, Memo};
pub use self::records::DamagedRecord;
use crate::engine::error::{Error, Result};
use crate::engine::model::{EntryId, EntryKind, Issue, Snapshot};
use crate::engine::names::normalize;
use crate::engine::progress::{Reporter, VerifyProgress};
use crate::engine::roots::Root;
use crate::engine::scan::store::IndexMode;

/// What is wrong with one file of an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// Its content or size is not what the `RECORD` says.
    Modified,
    /// Listed in the `RECORD`, absent.
    Missing,
    /// Present, not listed in the `RECORD`.
    Extra,
    /// The archive has no `.dist-info/RECORD` to check it against.
    NoRecord,
    /// A `RECORD` line that cannot be checked (unparsable, unknown hash algorithm).
    BadRecord,
    /// Could not be read (reported as an error of the run, not as damage).
    Unreadable,
}

impl Problem {
    /// The problem's name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Modified => "modified",
            Problem::Missing => "missing",
            Problem::Extra => "extra",
            Problem::NoRecord => "no-record",
            Problem::BadRecord => "bad-record",
            Problem::Unreadable => "unreadable",
        }
    }
}

/// One file of an archive that is not as its `RECORD` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    /// Its path inside the archive (as the `RECORD` spells it).
    pub path: String,
    /// What is wrong.
    pub problem: Problem,
    /// The hash the `RECORD` gives (`sha256=...`).
    pub expected: Option<String>,
    /// The hash of the file now (when it was read).
    pub found: Option<String>,
    /// The size the `RECORD` gives.
    pub expected_size: Option<u64>,
    /// The file's size now.
    pub size: Option<u64>,
    /// Its hard-link count.
    pub links: Option<u64>,
    /// Known environments whose installed file is this very file (same device and inode).
    #[serde(serialize_with = "crate::engine::json::ser_paths")]
    pub shared_with: Vec<PathBuf>,
    /// More about it.
    pub note: Option<String>,
}

impl FileProblem {
    /// A problem with nothing measured yet.
    pub fn new(path: String, problem: Problem, note: Option<String>) -> FileProblem {
        FileProblem {
            path,
            problem,
            expected: None,
            found: None,
            expected_size: None,
            size: None,
            links: None,
            shared_with: vec![],
            note,
        }
    }
}

/// An archive that does not match its `RECORD`.
#[derive(Debug, Clone, Serialize)]
pub struct DamagedArchive {
    /// Its package, when known.
    pub package: Option<String>,
    /// Its version, when known.
    pub version: Option<String>,
    /// Its path relative to the cache root (`archive-v0/<id>`).
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// The entries that link to it (relative paths).
    #[serde(serialize_with = "crate::engine::json::ser_paths")]
    pub referrers: Vec<PathBuf>,
    /// What is wrong, file by file, in path order.
    pub files: Vec<FileProblem>,
    /// Its entry in the snapshot.
    #[serde(skip)]
    pub entry: EntryId,
}

/// What was checked, and how.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Archives checked.
    pub archives: u64,
    /// Files their `RECORD`s list.
    pub files: u64,
    /// Bytes of those files.
    pub bytes: u64,
    /// Files hashed in this run.
    pub hashed_files: u64,
    /// Bytes hashed in this run.
    pub hashed_bytes: u64,
    /// Files whose remembered digest was used.
    pub remembered_files: u64,
    /// Records decoded.
    pub records: u64,
    /// Archives that vanished while checked (uv removing them).
    pub vanished: u64,
    /// How long it took.
    pub elapsed_ms: u64,
    /// The file of remembered digests.
    #[serde(serialize_with = "crate::engine::json::ser_opt_path")]
    pub memo: Option<PathBuf>,
    /// Why the remembered digests were not used.
    pub memo_ignored: Option<String>,
    /// Why they could not be saved.
    pub memo_error: Option<String>,
}

/// Everything a verification found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Archives that do not match their `RECORD`, in path order.
    pub damaged: Vec<DamagedArchive>,
    /// Records uv cannot read.
    pub records: Vec<DamagedRecord>,
    /// Files that could not be read (errors of the run, not findings).
    pub errors: Vec<Issue>,
    /// What was checked.
    pub checked: Totals,
}

impl Report {
    /// Whether anything is damaged.
    pub fn has_damage(&self) -> bool {
        !self.damaged.is_empty() || !self.records.is_empty()
    }
}

/// How to verify.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only the archives and records of these packages (any spelling; none: all).
    pub packages: Vec<String>,
    /// Hashing threads (0: one per core).
    pub threads: usize,
    /// Whether remembered digests are read (`Use`) and written (`Use`, `Rebuild`).
    pub memo: IndexMode,
    /// The memo file (default: [`memo::memo_path`] of the root).
    pub memo_file: Option<PathBuf>,
}

/// Verifies the archives and records of `snap`; `roots` are the known environments, for
/// naming the ones that share a modified file.
pub fn verify(
    snap: &Snapshot,
    roots: &[Root],
    opts: &Options,
    reporter: &dyn Reporter,
) -> Result<Report> {
    let started = Instant::now();
    let root = &snap.root.path;
    let packages: Vec<String> = opts.packages.iter().map(|p| normalize(p)).collect();
    let chosen = |p: &Option<String>| {
        packages.is_empty() || p.as_ref().is_some_and(|p| packages.contains(p))
    };
    let archives: Vec<&crate::engine::model::Entry> = snap
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Archive && chosen(&e.package))
        .collect();
    let mut report = Report::default();
    let memo_file = opts.memo_file.clone().or_else(|| memo::memo_path(root));
    let mut memo = Memo::default();
    if opts.memo != IndexMode::Off {
        report.checked.memo = memo_file.clone();
    }
    if opts.memo == IndexMode::Use
        && let Some(path) = &memo_file
    {
        match Memo::load(path) {
            Ok(m) => memo = m,
            Err(why) => report.checked.memo_ignored = Some(why),
        }
    }
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        opts.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("uvcache-verify-{i}"))
        .build()
        .map_err(|e| Error::Other(format!("cannot start verify threads: {e}")))?;

    let progress = Progress::default();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let progress = &progress;
    let outcome = std::thread::scope(|s| {
        s.spawn(move || {
            loop {
                reporter.verify(progress.snapshot());
                match finished.recv_timeout(Duration::from_millis(100)) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
        });
        let r = pool.install(|| {
            reporter.phase("verifying");
            check_archives(root, &archives, &memo, progress)
        });
        drop(done);
        r
    });
    reporter.verify(progress.snapshot());

    // Records, restricted to the packages asked for by their path's components.
    reporter.phase("records");
    let wanted = |p: &Path| {
        packages.is_empty()
            || p.components().any(|c| {
                let c = c.as_os_str().to_string_lossy();
                let stem = c.strip_suffix(".rkyv").unwrap_or(&c);
                packages.iter().any(|p| p == stem)
            })
    };
    let (records, checked_records) = pool.install(|| records::check_records(snap, &wanted));
    report.records = records;
    report.checked.records = checked_records;

    let envs = shared::Environments::of(roots);
    let mut digests: Vec<archive::Remember> = Vec::new();
    for (entry, plan, results) in outcome {
        report.checked.archives += 1;
        if plan.vanished {
            report.checked.vanished += 1;
            continue;
        }
        let mut files: Vec<FileProblem> = Vec::new();
        for p in plan.problems {
            if p.problem == Problem::Unreadable {
                report.errors.push(Issue {
                    path: entry.path.join(&p.path),
                    message: p.note.unwrap_or_default(),
                });
            } else {
                files.push(p);
            }
        }
        for ((want, _), (checked, inode, remember)) in plan.expected.iter().zip(results) {
            report.checked.files += 1;
            report.checked.bytes += want.size.unwrap_or(0);
            if let Some(d) = remember {
                digests.push(d);
            }
            let read = match &checked {
                Checked::Intact(r) | Checked::Damaged(_, r) => *r,
                Checked::Error(_) => archive::Read::NotRead,
            };
            match read {
                archive::Read::Hashed(n) => {
                    report.checked.hashed_files += 1;
                    report.checked.hashed_bytes += n;
                }
                archive::Read::Remembered => report.checked.remembered_files += 1,
                archive::Read::NotRead => {}
            }
            match checked {
                Checked::Intact(_) => {}
                Checked::Damaged(mut p, _) => {
                    if p.problem == Problem::Modified
                        && p.links.is_some_and(|n| n > 1)
                        && let Some(i) = inode
                    {
                        p.shared_with = envs.sharing(&p.path, i.dev, i.ino);
                    }
                    files.push(p);
                }
                Checked::Error(message) => report.errors.push(Issue {
                    path: entry.path.join(&want.path),
                    message,
                }),
            }
        }
        if files.is_empty() {
            continue;
        }
        // Files gone because the whole archive went (uv's prune or clean while this ran) are
        // not damage.
        let gone = files
            .iter()
            .any(|f| matches!(f.problem, Problem::Missing | Problem::NoRecord))
            && std::fs::symlink_metadata(root.join(&entry.path))
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
        if gone {
            report.checked.vanished += 1;
            continue;
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        report.damaged.push(DamagedArchive {
            package: entry.package.clone(),
            version: entry.version.clone(),
            path: entry.path.clone(),
            referrers: entry
                .detail
                .referrers
                .iter()
                .filter_map(|r| snap.entries.get(*r as usize))
                .map(|r| r.path.clone())
                .collect(),
            files,
            entry: entry.id,
        });
    }
    report
        .damaged
        .sort_by(|a, b| (&a.package, &a.version, &a.path).cmp(&(&b.package, &b.version, &b.path)));

    if opts.memo != IndexMode::Off
        && let Some(path) = &memo_file
    {
        let fresh = digests.iter().any(|(_, _, new)| *new);
        let before = memo.len();
        if packages.is_empty() {
            // Forget the files that are gone: keep what this run saw.
            let seen: rustc_hash::FxHashSet<FileKey> = digests.iter().map(|(k, _, _)| *k).collect();
            memo.retain(|k| seen.contains(k));
        }
        let shrunk = memo.len() != before;
        for (k, d, new) in digests {
            if new {
                memo.insert(k, d);
            }
        }
        if (fresh || shrunk || report.checked.memo_ignored.is_some())
            && let Err(e) = memo.save(path)
        {
            report.checked.memo_error = Some(e);
        }
    }
    report.checked.elapsed_ms = started.elapsed().as_millis() as u64;
    if opts.memo != IndexMode::Off
        && let Some(path) = opts
            .memo_file
            .as_ref()
            .map(|m| m.with_extension("findings"))
            .or_else(|| findings::findings_path(root))
    {
        let now = crate::engine::scan::store::now_secs();
        let mut found = findings::Findings::of(&report, now);
        if !packages.is_empty() {
            // Only these packages were checked: what was found about the others stays.
            let checked: Vec<&Path> = archives.iter().map(|e| e.path.as_path()).collect();
            if let Some(old) = findings::Findings::load(&path) {
                let rechecked = |f: &findings::Finding| match &f.package {
                    Some(p) => packages.contains(p),
                    None => wanted(&f.path),
                } || checked.contains(&f.path.as_path());
                found
                    .damaged
                    .extend(old.damaged.into_iter().filter(|f| !rechecked(f)));
            }
        }
        if let Err(e) = found.save(&path) {
            report.checked.memo_error.get_or_insert(e);
        }
    }
    Ok(report)
}

type FileResult = (Checked, Option<archive::Inode>, Option<archive::Remember>);

/// Plans every archive, then checks all their files in one parallel pass (a large archive's
/// files spread over every thread).
fn check_archives<'a>(
    root: &Path,
    archives: &[&'a crate::engine::model::Entry],
    memo: &Memo,
    progress: &Progress,
) -> Vec<(
    &'a crate::engine::model::Entry,
    ArchivePlan,
    Vec<FileResult>,
)> {
    let plans: Vec<ArchivePlan> = archives
        .par_iter()
        .map(|e| {
            let plan = archive::plan(&root.join(&e.path));
            progress
                .files_total
                .fetch_add(plan.expected.len() as u64, Ordering::Relaxed);
            progress.bytes_total.fetch_add(
                plan.expected.iter().filter_map(|(x, _)| x.size).sum(),
                Ordering::Relaxed,
            );
            plan
        })
        .collect();
    let jobs: Vec<(usize, usize)> = plans
        .iter()
        .enumerate()
        .flat_map(|(a, p)| (0..p.expected.len()).map(move |f| (a, f)))
        .collect();
    let results: Vec<FileResult> = jobs
        .par_iter()
        .map_init(
            || vec![0u8; 256 << 10],
            |buf, (a, f)| {
                let (want, found) = &plans[*a].expected[*f];
                let dir = root.join(&archives[*a].path);
                let r = archive::check(&dir, want, *found, memo, buf);
                progress.files_done.fetch_add(1, Ordering::Relaxed);
                progress
                    .bytes_done
                    .fetch_add(want.size.unwrap_or(0), Ordering::Relaxed);
                r
            },
        )
        .collect();
    let mut results = results.into_iter();
    archives
        .iter()
        .zip(plans)
        .map(|(e, plan)| {
            let mine: Vec<FileResult> = results.by_ref().take(plan.expected.len()).collect();
            (*e, plan, mine)
        })
        .collect()
}

#[derive(Default)]
struct Progress {
    files_done: AtomicU64,
    files_total: AtomicU64,
    bytes_done: AtomicU64,
    bytes_total: AtomicU64,
}

impl Progress {
    fn snapshot(&self) -> VerifyProgress {
        VerifyProgress {
            files_done: self.files_done.load(Ordering::Relaxed),
            files_total: self.files_total.load(Ordering::Relaxed),
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
        }
    }
}
