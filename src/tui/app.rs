//! The app: all state of the terminal UI, changed only by [`App::update`],
//! which does no I/O and returns the [`Effect`]s to run.

pub mod browse;
mod dialog;
mod engine;
mod input;
pub mod marked;
mod marking;
mod marks;
mod mouse;
pub mod roots;
mod table;
pub mod trim;
mod uv;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

pub use dialog::{Focus, Modal, PlanDialog, PlanStage, RefreshDialog, RefreshStage, WhyDialog};
pub use marked::MarkedItem;
pub use marks::{Marked, Marks};
pub use roots::RootsView;
pub use table::{PackageTable, PackageUse, SortColumn};
pub use uv::target_line;

use crate::engine::freshness::EntryFreshness;
use crate::engine::layout::UvVersion;
use crate::engine::locate::CacheRoot;
use crate::engine::model::Snapshot;
use crate::engine::progress::{PackageSoFar, ScanProgress};

use super::effects::{CrossCheck, Effect, ScanRequest, WorkDir};
use super::keymap::Keymap;
use super::msg::{Level, Msg};
use super::ui::theme::Theme;
use crate::engine::scan::store::IndexMode;

/// How many log lines are kept.
const LOG_LINES: usize = 500;

/// Everything the app is started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The cache root and the rule that chose it.
    pub root: CacheRoot,
    /// `--uv-version`, if given.
    pub uv_version: Option<UvVersion>,
    /// Scan threads (0: the default).
    pub threads: usize,
    /// How scans use the persistent index (`r` always measures everything,
    /// unless the index is off).
    pub index: IndexMode,
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// The `uv cache dir` cross-check for the first scan, if wanted.
    pub cross_check: Option<CrossCheck>,
    /// Where uvcache was started (refresh and `why` look for a project from there).
    pub workdir: WorkDir,
}

/// The screens under the overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Cache root, uv release, totals, buckets.
    Overview,
    /// The packages table.
    Packages,
    /// One package's entries.
    Detail,
    /// The environments using the cache.
    Roots,
    /// One bucket's entries.
    Bucket,
}

/// Where the scan is.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanStatus {
    /// Running (the previous snapshot, if any, is still shown).
    Running {
        /// The current phase.
        phase: &'static str,
        /// Cumulative totals.
        progress: ScanProgress,
        /// The largest packages measured so far, largest first (shown until a first scan
        /// ends).
        so_far: Vec<PackageSoFar>,
    },
    /// Finished; the snapshot is current.
    Done,
    /// Nothing at the cache root.
    Missing(std::path::PathBuf),
    /// Failed, with the explanation.
    Failed(String),
}

/// One line of the log pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Severity.
    pub level: Level,
    /// The text.
    pub text: String,
    /// When it was written.
    pub at: SystemTime,
}

/// The package shown by the detail screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    /// Normalized package name.
    pub name: String,
    /// First line shown.
    pub scroll: u16,
    /// The selected entry (index in display order).
    pub selected: usize,
    /// Freshness of its entries by entry id, once read.
    pub freshness: Option<Arc<HashMap<u32, EntryFreshness>>>,
}

/// The app's state, readable by views and tests; changed only by [`App::update`].
#[derive(Debug, Clone)]
pub struct State {
    /// The cache root and the rule that chose it.
    pub root: CacheRoot,
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The screen under the overlays.
    pub screen: Screen,
    /// Where the scan is.
    pub scan: ScanStatus,
    /// The latest complete snapshot.
    pub snapshot: Option<Arc<Snapshot>>,
    /// The packages table.
    pub table: PackageTable,
    /// The package of the detail screen.
    pub detail: Option<Detail>,
    /// The roots screen's selection.
    pub roots: RootsView,
    /// The overview's bucket selection.
    pub overview: browse::ListView,
    /// The bucket screen, once a bucket was opened.
    pub bucket: Option<browse::BucketView>,
    /// The overlay, if any.
    pub modal: Option<Modal>,
    /// Packages and versions marked for removal.
    pub marks: Marks,
    /// Whether the log pane is shown.
    pub show_log: bool,
    /// The log, oldest first.
    pub log: Vec<LogLine>,
    /// Log lines dropped from the front of `log` so far.
    pub log_dropped: usize,
    /// The footer's message, until the next key.
    pub status: Option<LogLine>,
    /// Wall-clock time of the latest tick (ages are relative to it).
    pub now: SystemTime,
    /// Ticks so far (animates the spinner).
    pub ticks: u64,
    /// The package uv is refreshing, while it runs.
    pub refreshing: Option<String>,
    /// Where uvcache was started.
    pub workdir: WorkDir,
    /// What the last `uvcache verify` found.
    pub findings: Option<Arc<crate::engine::verify::findings::Findings>>,
    /// Who uses what and each entry's last use, for the snapshot shown (once found).
    pub usage: Option<(
        Arc<crate::engine::roots::Usage>,
        Arc<crate::engine::roots::LastUses>,
    )>,
    /// Whether the app is done.
    pub quit: bool,
    /// Esc was pressed once at the top with marks: a second Esc quits.
    pub quit_armed: bool,
}

impl State {
    /// What the last `uvcache verify` found wrong with the entry at `path`.
    pub fn damage(
        &self,
        path: &std::path::Path,
    ) -> Option<&crate::engine::verify::findings::Finding> {
        self.findings.as_ref()?.about(path)
    }

    /// Whether the last `uvcache verify` found any of the entries `ids` damaged.
    pub fn any_damaged(&self, ids: &[crate::engine::model::EntryId]) -> bool {
        let (Some(f), Some(snap)) = (&self.findings, &self.snapshot) else {
            return false;
        };
        !f.damaged.is_empty()
            && ids
                .iter()
                .filter_map(|id| snap.entries.get(*id as usize))
                .any(|e| f.about(&e.path).is_some())
    }
}

/// The app: state plus what it needs to ask for work.
#[derive(Debug)]
pub struct App {
    state: State,
    uv_version: Option<UvVersion>,
    threads: usize,
    index: IndexMode,
    cross_check: Option<CrossCheck>,
    generation: u64,
    ticket: u64,
    dirty: bool,
}

impl App {
    /// A new app of the given size, and its first effects (the scan).
    pub fn new(config: Config, size: (u16, u16), now: SystemTime) -> (App, Vec<Effect>) {
        let mut app = App {
            state: State {
                root: config.root,
                keymap: config.keymap,
                theme: config.theme,
                size,
                screen: Screen::Packages,
                scan: ScanStatus::Done,
                snapshot: None,
                table: PackageTable::default(),
                detail: None,
                roots: RootsView::default(),
                overview: browse::ListView::default(),
                bucket: None,
                modal: None,
                marks: Marks::default(),
                show_log: false,
                log: Vec::new(),
                log_dropped: 0,
                status: None,
                now,
                ticks: 0,
                refreshing: None,
                workdir: config.workdir,
                findings: None,
                usage: None,
                quit: false,
                quit_armed: false,
            },
            uv_version: config.uv_version,
            threads: config.threads,
            index: config.index,
            cross_check: config.cross_check,
            generation: 0,
            ticket: 0,
            dirty: true,
        };
        let effects = app.start_scan();
        (app, effects)
    }

    /// Logs `text` and shows it on the status line too: for what the user must see at once
    /// (a keymap or theme file that could not be used), not only in the log pane.
    pub fn notice(&mut self, level: Level, text: String) {
        self.log(level, text.clone());
        self.state.status = Some(LogLine {
            level,
            text,
            at: self.state.now,
        });
        self.dirty = true;
    }

    /// The state, for views and tests.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Whether something changed since the last call (then a redraw is due).
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Reacts to a message; returns the work to start.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => {
                self.dirty = true;
                self.state.status = None;
                self.key(&key)
            }
            Msg::Resize { width, height } => {
                self.dirty = true;
                self.state.size = (width, height);
                self.clamp_scrolls();
                vec![]
            }
            Msg::Tick(now) => {
                self.state.now = now;
                self.state.ticks += 1;
                let waiting = matches!(
                    &self.state.modal,
                    Some(Modal::Plan(d)) if matches!(d.stage, PlanStage::WaitingForLock(..))
                );
                self.dirty |= matches!(self.state.scan, ScanStatus::Running { .. })
                    || self.state.refreshing.is_some()
                    || waiting;
                vec![]
            }
            Msg::Mouse(event) => self.mouse(&event),
            Msg::Engine(m) => self.engine(m),
        }
    }

    /// Appends a line to the log (errors open the log pane).
    pub(super) fn log(&mut self, level: Level, text: String) {
        self.dirty = true;
        if level == Level::Error {
            self.state.show_log = true;
        }
        self.state.log.push(LogLine {
            level,
            text,
            at: SystemTime::now(),
        });
        if self.state.log.len() > LOG_LINES {
            let extra = self.state.log.len() - LOG_LINES;
            self.state.log.drain(..extra);
            self.state.log_dropped += extra;
        }
    }

    pub(super) fn start_scan(&mut self) -> Vec<Effect> {
        self.start_scan_with(self.index)
    }

    /// Starts a scan; [`IndexMode::Rebuild`] measures every archive again.
    pub(super) fn start_scan_with(&mut self, index: IndexMode) -> Vec<Effect> {
        self.state.scan = ScanStatus::Running {
            phase: "starting",
            progress: ScanProgress::default(),
            so_far: Vec::new(),
        };
        vec![Effect::Scan(self.scan_request_with(index))]
    }

    /// A request for a new scan, which replaces any running one.
    pub(super) fn scan_request(&mut self) -> ScanRequest {
        self.scan_request_with(self.index)
    }

    fn scan_request_with(&mut self, index: IndexMode) -> ScanRequest {
        let index = if self.index == IndexMode::Off {
            IndexMode::Off
        } else {
            index
        };
        self.generation += 1;
        ScanRequest {
            generation: self.generation,
            root: self.state.root.clone(),
            uv_version: self.uv_version,
            threads: self.threads,
            index,
            cross_check: self.cross_check.take(),
        }
    }

    fn next_ticket(&mut self) -> u64 {
        self.ticket += 1;
        self.ticket
    }

    /// The open removal dialog, if any.
    pub(super) fn plan_dialog(&mut self) -> Option<&mut PlanDialog> {
        match &mut self.state.modal {
            Some(Modal::Plan(d)) => Some(d),
            _ => None,
        }
    }

    pub(super) fn dialog_mut(&mut self, ticket: u64) -> Option<&mut PlanDialog> {
        match &mut self.state.modal {
            Some(Modal::Plan(d)) if d.ticket == ticket => Some(d),
            _ => None,
        }
    }

    /// Keeps every scroll position within its content after a size or data change.
    pub(super) fn clamp_scrolls(&mut self) {
        let page = super::ui::packages::page_rows(&self.state);
        self.state.table.scroll_into_view(page);
        let max = super::ui::detail::max_scroll(&self.state);
        let entries = super::ui::detail::entry_rows(&self.state).len();
        if let Some(d) = &mut self.state.detail {
            d.scroll = d.scroll.min(max);
            d.selected = d.selected.min(entries.saturating_sub(1));
        }
    }
}
