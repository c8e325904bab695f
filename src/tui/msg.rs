//! What the app reacts to: terminal input, time, and results from the engine
//! threads.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use crossterm::event::KeyEvent;

use crate::engine::execute::Outcome;
use crate::engine::lock::Holder;
use crate::engine::model::Snapshot;
use crate::engine::progress::ScanProgress;

use super::plans::PlanSet;

/// A message for [`super::app::App::update`].
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
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
    /// A line for the log.
    Log {
        /// Severity.
        level: Level,
        /// The text.
        text: String,
    },
}
