//! What the app reacts to: terminal input, time, and results from the engine
//! threads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::engine::freshness::{EntryFreshness, FreshnessState};
use crate::engine::model::Snapshot;
use crate::engine::progress::{PackageSoFar, ScanProgress};
use crate::engine::refresh::{CacheChanges, RefreshTarget, UvCommand, UvExit};
use crate::engine::remove::execute::Outcome;
use crate::engine::remove::lock::Holder;
use crate::engine::why::WhyReport;

use super::plans::PlanSet;

/// A message for [`super::app::App::update`].
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse was clicked or its wheel turned.
    Mouse(MouseEvent),
    /// The terminal has a new size.
    Resize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// Time passed (about four times a second); the wall-clock time now.
    Tick(SystemTime),
    /// An engine thread reported.
    Engine(EngineMsg),
}

/// Why a scan produced no snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanFailure {
    /// Nothing exists at the cache root.
    NoCache {
        /// Where the cache was looked for.
        path: PathBuf,
    },
    /// The scan was cancelled (a newer one replaced it).
    Cancelled,
    /// Anything else, with its explanation.
    Other(String),
}

/// How serious a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something happened.
    Info,
    /// Something the user should know.
    Warn,
    /// Something failed.
    Error,
}

/// A report from an engine thread.
#[derive(Debug, Clone)]
pub enum EngineMsg {
    /// A scan moved on to a new phase.
    ScanPhase {
        /// Which scan.
        generation: u64,
        /// The phase's name.
        phase: &'static str,
    },
    /// Cumulative scan totals.
    ScanProgress {
        /// Which scan.
        generation: u64,
        /// Totals so far.
        progress: ScanProgress,
    },
    /// The largest packages a scan measured so far.
    ScanPackages {
        /// Which scan.
        generation: u64,
        /// Largest first.
        largest: Vec<PackageSoFar>,
    },
    /// A scan ended.
    Scanned {
        /// Which scan.
        generation: u64,
        /// The snapshot, or why there is none.
        result: Result<Arc<Snapshot>, ScanFailure>,
    },
    /// The plans of a removal are ready.
    Planned {
        /// Which request.
        ticket: u64,
        /// The plans.
        plans: Arc<PlanSet>,
    },
    /// An entry's files were listed.
    FilesListed {
        /// The entry, relative to the cache root.
        entry: std::path::PathBuf,
        /// Its files, largest first, and how many were left out; or why they could not be
        /// listed.
        result: Result<(Arc<Vec<super::app::browse::FileRow>>, usize), String>,
    },
    /// A trim dialog's preview is ready.
    TrimPreviewed {
        /// The dialog.
        ticket: u64,
        /// Which of its requests.
        seq: u64,
        /// The plan and what stays in use.
        preview: Arc<super::plans::TrimPreview>,
    },
    /// What the plans of the marks free, for the running total.
    MarksTotal {
        /// Which request.
        ticket: u64,
        /// The plans' totals, added up.
        totals: crate::engine::remove::plan::PlanTotals,
    },
    /// uv's lock is held by other processes; waiting.
    LockWaiting {
        /// Which execution.
        ticket: u64,
        /// The processes holding it.
        holders: Vec<Holder>,
    },
    /// Removal progress.
    Removing {
        /// Which execution.
        ticket: u64,
        /// Items done.
        done: u64,
        /// Items in the plan.
        total: u64,
    },
    /// A removal ended (or never started: lock timeout, cancelled).
    Executed {
        /// Which execution.
        ticket: u64,
        /// What was removed, or why nothing was.
        result: Result<Outcome, String>,
    },
    /// How uv judges each package's newest index page, after a scan.
    PageFreshness {
        /// Which scan.
        generation: u64,
        /// By normalized package name; packages without a page are absent.
        pages: Arc<HashMap<String, FreshnessState>>,
    },
    /// What the last `uvcache verify` found (read after each scan).
    Findings {
        /// Which scan.
        generation: u64,
        /// The findings, if a verification ever ran.
        findings: Option<Arc<crate::engine::verify::findings::Findings>>,
    },
    /// The known environments, what they use and every entry's last use, for `snapshot`.
    Usage {
        /// The snapshot they were computed for.
        snapshot: Arc<crate::engine::model::Snapshot>,
        /// Who uses what.
        usage: Arc<crate::engine::roots::Usage>,
        /// Last use by entry.
        last: Arc<crate::engine::roots::LastUses>,
    },
    /// The freshness of one package's entries (for its detail).
    EntryFreshness {
        /// Normalized package name.
        package: String,
        /// By entry id; entries without freshness inputs are absent.
        entries: Arc<HashMap<u32, EntryFreshness>>,
    },
    /// Where a refresh would run, and the uv command (or why there is none).
    RefreshPrepared {
        /// Which request.
        ticket: u64,
        /// The target and the command, or what is missing.
        result: Result<Arc<RefreshPrep>, String>,
    },
    /// One line of uv's output.
    UvOutput {
        /// Which refresh.
        ticket: u64,
        /// The line.
        line: String,
    },
    /// A refresh ended: uv ran (or could not), the cache was scanned again.
    Refreshed {
        /// Which refresh.
        ticket: u64,
        /// How uv ended and what changed in the cache, or why it did not run.
        result: Result<RefreshOutcome, String>,
    },
    /// The `why` verdicts of the project around the working directory.
    WhyReady {
        /// Which request.
        ticket: u64,
        /// The report, or a friendly explanation of why there is none.
        result: Result<Arc<WhyReport>, String>,
    },
    /// A line for the log.
    Log {
        /// Severity.
        level: Level,
        /// The text.
        text: String,
    },
}

/// A refresh ready to be confirmed: where uv would run, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshPrep {
    /// The project or environment.
    pub target: RefreshTarget,
    /// The uv command line.
    pub command: UvCommand,
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshOutcome {
    /// The packages refreshed (normalized names).
    pub packages: Vec<String>,
    /// How uv ended.
    pub exit: UvExit,
    /// What changed in the cache for those packages (`None`: the rescan failed).
    pub changes: Option<CacheChanges>,
    /// Milliseconds uv ran.
    pub uv_ms: u128,
    /// Milliseconds from starting uv to the end of the rescan.
    pub total_ms: u128,
}
