//! Effects: the work [`super::app::App::update`] asks for (scans, plans,
//! removals under uv's lock), run on threads that report back as
//! [`EngineMsg`]s. Nothing here runs on the UI task.

mod refresh;
mod removal;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::error::Error;
use crate::engine::freshness::newest_index_page;
use crate::engine::layout::UvVersion;
use crate::engine::locate::{CacheRoot, same_dir, uv_cache_dir};
use crate::engine::model::Snapshot;
use crate::engine::progress::{PackageSoFar, Reporter, ScanProgress};
use crate::engine::query::packages;
use crate::engine::refresh::UvCommand;
use crate::engine::scan::{ScanOptions, scan, top_level_dirs};
use crate::engine::uv::{find_uv, resolve_release};

use super::msg::{EngineMsg, Level, ScanFailure};
use super::plans::PlanSet;
use removal::{execute_plans, plans_of};

pub use refresh::{WorkDir, entry_freshness};
pub use removal::wait_for_lock;

/// Where engine threads send their reports.
pub type Sink = Arc<dyn Fn(EngineMsg) + Send + Sync>;

/// Work for a background thread.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Scan the cache (cancelling any scan still running).
    Scan(ScanRequest),
    /// Stop the running scan.
    CancelScan,
    /// Compute the plans of a removal.
    Plan {
        /// Identifies the request in the answer.
        ticket: u64,
        /// The snapshot shown (cache root, owning uv release, entries).
        snapshot: Scanned,
        /// Which removal.
        kind: PlanKind,
    },
    /// Compute the plans of the marks, for the "will free" total only.
    MarksTotal {
        /// Identifies the request in the answer.
        ticket: u64,
        /// The snapshot shown.
        snapshot: Scanned,
        /// The marks, as `d` would plan them.
        kind: PlanKind,
    },
    /// Take uv's exclusive lock (waiting up to `UV_LOCK_TIMEOUT`) and apply
    /// the plans, one after the other.
    Execute {
        /// Identifies the execution in its reports.
        ticket: u64,
        /// The confirmed plans.
        plans: Arc<PlanSet>,
    },
    /// Stop waiting for the lock of an execution (no effect once removal started).
    CancelExecution {
        /// Which execution.
        ticket: u64,
    },
    /// Stop waiting for the lock of an execution and remove without it (`--force`).
    ForceExecution {
        /// Which execution.
        ticket: u64,
    },
    /// List an entry's files, largest first.
    ListFiles {
        /// The cache root.
        root: PathBuf,
        /// The entry, relative to it.
        entry: PathBuf,
    },
    /// Put text on the terminal's clipboard (OSC 52); done by the UI task, which owns the
    /// terminal.
    Copy(String),
    /// Plan a policy for the trim dialog's preview.
    TrimPreview {
        /// The dialog.
        ticket: u64,
        /// Which of its requests.
        seq: u64,
        /// The snapshot shown.
        snapshot: Scanned,
        /// Who uses what.
        usage: Mapped,
        /// The policy.
        policy: crate::engine::remove::policy::Policy,
    },
    /// Find the known environments and what each uses, and every entry's last use.
    Usage {
        /// The snapshot shown.
        snapshot: Scanned,
    },
    /// Read the freshness of one package's entries.
    EntryFreshness {
        /// Normalized package name.
        package: String,
        /// The snapshot shown.
        snapshot: Scanned,
    },
    /// Find where a refresh of `package` would run and build the uv command.
    PrepareRefresh {
        /// Identifies the request in the answer.
        ticket: u64,
        /// Normalized package name.
        package: String,
        /// Where uvcache was started.
        workdir: WorkDir,
        /// Passed to uv as `--cache-dir` (when uvcache was told where the cache is).
        cache_dir: Option<PathBuf>,
    },
    /// Run the confirmed uv command, streaming its output, then scan again and
    /// compare the packages' entries.
    Refresh {
        /// Identifies the refresh in its reports.
        ticket: u64,
        /// The uv command line.
        command: Arc<UvCommand>,
        /// The snapshot before (the entries to compare with).
        snapshot: Scanned,
        /// The rescan after uv.
        scan: ScanRequest,
    },
    /// Compute the `why` verdicts of the project around the working directory.
    Why {
        /// Identifies the request in the answer.
        ticket: u64,
        /// Where uvcache was started.
        workdir: WorkDir,
        /// The cache root, to look for cached builds.
        cache: PathBuf,
    },
}

/// Flags an effect's thread watches.
#[derive(Debug, Default)]
pub struct Control {
    /// Stop (a scan, a wait for the lock).
    pub cancel: AtomicBool,
    /// Stop waiting for uv's lock and go on without it.
    pub force: AtomicBool,
}

/// Which removal to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanKind {
    /// `uv cache clean PACKAGE...`.
    Clean(Vec<String>),
    /// Marked packages, versions and entries: the clean of `packages` (if any), then
    /// one surgical plan per (package, version), as `uvcache clean NAME==VERSION`
    /// plans it, then one plan of the single entries (if any); applied in that order.
    Marked {
        /// Packages removed whole.
        packages: Vec<String>,
        /// Single versions: (package, version).
        versions: Vec<(String, String)>,
        /// Single entries, by path relative to the cache root.
        entries: Vec<std::path::PathBuf>,
    },
    /// `uv cache prune`.
    Prune,
    /// `uv cache prune --ci`.
    PruneCi,
}

/// The environments mapped to a snapshot, handed to a worker; its debug form is a count.
#[derive(Clone)]
pub struct Mapped(pub Arc<crate::engine::roots::Usage>);

impl fmt::Debug for Mapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mapped({} roots)", self.0.roots.len())
    }
}

/// A scanned snapshot handed to a worker; its debug form is a one-line summary.
#[derive(Clone)]
pub struct Scanned(pub Arc<Snapshot>);

impl fmt::Debug for Scanned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Scanned({}, {} entries)",
            self.0.root.path.display(),
            self.0.entries.len()
        )
    }
}

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Identifies the scan in its reports.
    pub generation: u64,
    /// The cache root.
    pub root: CacheRoot,
    /// `--uv-version`, if given.
    pub uv_version: Option<UvVersion>,
    /// Worker threads (0: the default).
    pub threads: usize,
    /// Whether to reuse the persistent index.
    pub index: crate::engine::scan::store::IndexMode,
    /// Ask `uv cache dir` whether uv agrees on the root (first scan only).
    pub cross_check: Option<CrossCheck>,
}

/// Inputs of the `uv cache dir` cross-check.
#[derive(Debug, Clone)]
pub struct CrossCheck {
    /// `--cache-dir`, if given.
    pub cache_dir: Option<PathBuf>,
    /// The working directory relative settings are taken from.
    pub cwd: PathBuf,
}

/// Runs effects on threads, keeping the cancel flags.
pub struct Runner {
    sink: Sink,
    scan_cancel: Option<Arc<Control>>,
    exec_control: HashMap<u64, Arc<Control>>,
}

impl Runner {
    /// A runner reporting to `sink`.
    pub fn new(sink: Sink) -> Runner {
        Runner {
            sink,
            scan_cancel: None,
            exec_control: HashMap::new(),
        }
    }

    /// Starts `effect` on its own thread (cancellations take effect at once).
    pub fn run(&mut self, effect: Effect) {
        // A flag only the runner still holds belongs to a finished execution.
        self.exec_control.retain(|_, c| Arc::strong_count(c) > 1);
        let control = Arc::new(Control::default());
        match &effect {
            Effect::CancelScan => {
                self.cancel_scan();
                return;
            }
            Effect::CancelExecution { ticket } => {
                if let Some(c) = self.exec_control.remove(ticket) {
                    c.cancel.store(true, Ordering::Relaxed);
                }
                return;
            }
            Effect::ForceExecution { ticket } => {
                if let Some(c) = self.exec_control.get(ticket) {
                    c.force.store(true, Ordering::Relaxed);
                }
                return;
            }
            Effect::Scan(_) => {
                self.cancel_scan();
                self.scan_cancel = Some(control.clone());
            }
            Effect::Execute { ticket, .. } => {
                self.exec_control.insert(*ticket, control.clone());
            }
            Effect::Plan { .. }
            | Effect::MarksTotal { .. }
            | Effect::EntryFreshness { .. }
            | Effect::Usage { .. }
            | Effect::TrimPreview { .. }
            | Effect::Copy(_)
            | Effect::ListFiles { .. }
            | Effect::PrepareRefresh { .. }
            | Effect::Refresh { .. }
            | Effect::Why { .. } => {}
        }
        let sink = self.sink.clone();
        let background = matches!(effect, Effect::Scan(_));
        let spawned = std::thread::Builder::new()
            .name("uvcache-effect".into())
            .spawn(move || {
                if background {
                    yield_to_the_ui();
                }
                perform(effect, &control, &*sink)
            });
        if let Err(e) = spawned {
            (self.sink)(EngineMsg::Log {
                level: Level::Error,
                text: format!("cannot start a worker thread: {e}"),
            });
        }
    }

    /// Cancels the running scan, if any (on quit and before a new scan).
    pub fn cancel_scan(&mut self) {
        if let Some(c) = self.scan_cancel.take() {
            c.cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// How much nicer than the UI the scan threads are.
#[cfg(target_os = "linux")]
const SCAN_NICE: i32 = 10;

/// Lowers the calling thread's priority below the UI's. On Linux the nice
/// value belongs to the thread and the threads it starts inherit it, so a
/// scan keeping every core busy (it starts several threads per core) still
/// leaves the UI task answering keys at once. Elsewhere the value is the
/// whole process's, and nothing is changed.
fn yield_to_the_ui() {
    #[cfg(target_os = "linux")]
    {
        // Best effort: the scan runs at the normal priority if this fails.
        let _ = rustix::process::setpriority_process(None, SCAN_NICE);
    }
}

/// Does the work of `effect` on the calling thread, reporting to `sink`.
pub fn perform(effect: Effect, control: &Control, sink: &(dyn Fn(EngineMsg) + Sync)) {
    match effect {
        Effect::Scan(req) => {
            scan_now(&req, &control.cancel, sink);
        }
        Effect::Plan {
            ticket,
            snapshot,
            kind,
        } => {
            let plans = plans_of(&snapshot.0, &kind);
            sink(EngineMsg::Planned {
                ticket,
                plans: Arc::new(plans),
            });
        }
        Effect::MarksTotal {
            ticket,
            snapshot,
            kind,
        } => {
            let set = plans_of(&snapshot.0, &kind);
            let mut totals = crate::engine::remove::plan::PlanTotals::default();
            for p in set.plans() {
                totals.files += p.totals.files;
                totals.dirs += p.totals.dirs;
                totals.logical_bytes += p.totals.logical_bytes;
                totals.disk_bytes += p.totals.disk_bytes;
                totals.reclaimable_bytes += p.totals.reclaimable_bytes;
                totals.cloned_bytes += p.totals.cloned_bytes;
                totals.uv_reported_bytes += p.totals.uv_reported_bytes;
            }
            sink(EngineMsg::MarksTotal { ticket, totals });
        }
        Effect::Execute { ticket, plans } => {
            let result = execute_plans(ticket, &plans, control, sink);
            sink(EngineMsg::Executed { ticket, result });
        }
        Effect::ListFiles { root, entry } => {
            let result = super::app::browse::list_files(&root, &entry)
                .map(|(files, more)| (Arc::new(files), more));
            sink(EngineMsg::FilesListed { entry, result });
        }
        Effect::TrimPreview {
            ticket,
            seq,
            snapshot,
            usage,
            policy,
        } => {
            let preview = trim_preview(&snapshot.0, &usage.0, &policy);
            sink(EngineMsg::TrimPreviewed {
                ticket,
                seq,
                preview: Arc::new(preview),
            });
        }
        Effect::Usage { snapshot } => {
            let snap = &snapshot.0;
            let known = crate::engine::roots::known_roots_read_only(snap);
            let usage = crate::engine::roots::usage(snap, known.roots);
            let last = crate::engine::roots::last_uses(snap, &usage);
            sink(EngineMsg::Usage {
                snapshot: snapshot.0.clone(),
                usage: Arc::new(usage),
                last: Arc::new(last),
            });
        }
        Effect::EntryFreshness { package, snapshot } => {
            let entries = entry_freshness(&snapshot.0, &package);
            sink(EngineMsg::EntryFreshness {
                package,
                entries: Arc::new(entries),
            });
        }
        Effect::PrepareRefresh {
            ticket,
            package,
            workdir,
            cache_dir,
        } => {
            let result = refresh::prepare(&package, &workdir, cache_dir.as_deref());
            sink(EngineMsg::RefreshPrepared { ticket, result });
        }
        Effect::Refresh {
            ticket,
            command,
            snapshot,
            scan,
        } => {
            let result = refresh::run(ticket, &command, &snapshot.0, &scan, sink);
            sink(EngineMsg::Refreshed { ticket, result });
        }
        Effect::Why {
            ticket,
            workdir,
            cache,
        } => {
            let result = refresh::why_report(&workdir, &cache);
            sink(EngineMsg::WhyReady { ticket, result });
        }
        Effect::CancelScan
        | Effect::CancelExecution { .. }
        | Effect::ForceExecution { .. }
        | Effect::Copy(_) => {}
    }
}

/// Plans `policy` as `uvcache prune` would now, with what stays in use.
fn trim_preview(
    snap: &Snapshot,
    usage: &crate::engine::roots::Usage,
    policy: &crate::engine::remove::policy::Policy,
) -> super::plans::TrimPreview {
    use crate::engine::remove::policy::{free_bytes, plan_policy};
    let started = std::time::Instant::now();
    let free = free_bytes(&snap.root.path);
    let plan = plan_policy(snap, usage, policy, std::time::SystemTime::now(), free);
    let in_use: Vec<u64> = usage
        .used_by
        .keys()
        .filter_map(|id| snap.entries.get(*id as usize))
        .map(|e| e.sizes.disk_bytes)
        .collect();
    super::plans::TrimPreview {
        plan,
        in_use_entries: in_use.len(),
        in_use_bytes: in_use.iter().sum(),
        environments: usage.roots.iter().filter(|r| r.exists).count(),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

struct Progress<'a> {
    generation: u64,
    sink: &'a (dyn Fn(EngineMsg) + Sync),
}

impl Reporter for Progress<'_> {
    fn phase(&self, phase: &'static str) {
        (self.sink)(EngineMsg::ScanPhase {
            generation: self.generation,
            phase,
        });
    }

    fn scan(&self, progress: ScanProgress) {
        (self.sink)(EngineMsg::ScanProgress {
            generation: self.generation,
            progress,
        });
    }

    fn wants_packages(&self) -> bool {
        true
    }

    fn packages(&self, largest: Vec<PackageSoFar>) {
        (self.sink)(EngineMsg::ScanPackages {
            generation: self.generation,
            largest,
        });
    }
}

/// Scans as `req` asks, reporting progress, the result and then the index
/// pages' freshness; returns the snapshot, if any.
fn scan_now(
    req: &ScanRequest,
    cancel: &AtomicBool,
    sink: &(dyn Fn(EngineMsg) + Sync),
) -> Option<Arc<Snapshot>> {
    let log = |level, text| sink(EngineMsg::Log { level, text });
    let uv_path = find_uv();
    if let (Some(check), Some(uv)) = (&req.cross_check, &uv_path)
        && let Some(theirs) = uv_cache_dir(uv, check.cache_dir.as_deref())
        && !same_dir(&theirs, &req.root.path, &check.cwd)
    {
        log(
            Level::Warn,
            format!(
                "`{} cache dir` says `{}`, but uvcache found `{}` ({}); using uvcache's answer",
                uv.display(),
                theirs.display(),
                req.root.path.display(),
                req.root.rule
            ),
        );
    }
    let dirs = top_level_dirs(&req.root.path);
    let uv = resolve_release(req.uv_version, uv_path.as_deref(), &dirs);
    if let Some(warning) = uv.table_warning() {
        log(Level::Warn, warning);
    }
    let opts = ScanOptions {
        threads: req.threads,
        index: req.index,
        index_file: None,
    };
    let reporter = Progress {
        generation: req.generation,
        sink,
    };
    let result = match scan(&req.root, uv, &opts, &reporter, cancel) {
        Ok(snap) => Ok(Arc::new(snap)),
        Err(Error::NoCache { path }) => Err(ScanFailure::NoCache { path }),
        Err(Error::Cancelled) => Err(ScanFailure::Cancelled),
        Err(e) => Err(ScanFailure::Other(format!(
            "cannot scan the cache at `{}` ({}): {e}",
            req.root.path.display(),
            req.root.rule
        ))),
    };
    let snap = result.as_ref().ok().cloned();
    sink(EngineMsg::Scanned {
        generation: req.generation,
        result,
    });
    if let Some(snap) = &snap {
        // After the table is shown: one small read per index page.
        let now = std::time::SystemTime::now();
        let pages: HashMap<String, _> = packages(snap, None)
            .into_iter()
            .filter_map(|p| Some((p.name.clone(), newest_index_page(snap, &p.ids, now)?)))
            .collect();
        sink(EngineMsg::PageFreshness {
            generation: req.generation,
            pages: Arc::new(pages),
        });
        // What the last `uvcache verify` found: one small read (none with --no-index,
        // where verify keeps nothing either).
        let findings = (req.index != crate::engine::scan::store::IndexMode::Off)
            .then(|| crate::engine::verify::findings::findings_path(&snap.root.path))
            .flatten()
            .and_then(|p| crate::engine::verify::findings::Findings::load(&p))
            .map(Arc::new);
        sink(EngineMsg::Findings {
            generation: req.generation,
            findings,
        });
    }
    snap
}
