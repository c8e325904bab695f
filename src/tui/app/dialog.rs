//! Overlays: the key help, the removal preview dialog, the refresh
//! confirmation and the `why` verdicts.

use std::sync::Arc;

use crate::engine::remove::lock::Holder;
use crate::engine::why::WhyReport;
use crate::tui::msg::RefreshPrep;
use crate::tui::plans::PlanSet;

/// What covers the screen, if anything.
#[derive(Debug, Clone)]
pub enum Modal {
    /// The key help, scrolled by `scroll` lines.
    Help {
        /// First line shown.
        scroll: u16,
    },
    /// A removal preview, then its execution.
    Plan(PlanDialog),
    /// What a refresh would run, waiting for a decision.
    Refresh(RefreshDialog),
    /// The `why` verdicts of the project around the working directory.
    Why(WhyDialog),
    /// A policy being set, with its preview.
    Trim(super::trim::TrimDialog),
    /// An entry's files.
    Files(super::browse::FilesView),
    /// The log, full screen, scrolled to `scroll` lines from its top.
    Log {
        /// First line shown.
        scroll: usize,
    },
    /// Every mark, with the total.
    Marked {
        /// The selected line.
        selected: usize,
    },
}

/// Which button has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Close without removing anything (where the focus starts).
    Cancel,
    /// Remove what the plan lists.
    Confirm,
}

/// Where a removal is.
#[derive(Debug, Clone)]
pub enum PlanStage {
    /// The plans are being computed.
    Computing,
    /// The plans are shown, waiting for a decision.
    Ready(Arc<PlanSet>),
    /// Confirmed; waiting for uv's lock, held by these processes.
    WaitingForLock(Arc<PlanSet>, Vec<Holder>),
    /// Waiting for uv's lock, and asked to go on without it: the second confirmation.
    ConfirmForce(Arc<PlanSet>, Vec<Holder>),
    /// Removing: items done out of the total.
    Removing(Arc<PlanSet>, u64, u64),
}

/// The removal preview dialog.
#[derive(Debug, Clone)]
pub struct PlanDialog {
    /// Identifies the plan and execution requests of this dialog.
    pub ticket: u64,
    /// What it is about (`Clean alpha`, `Prune`, `Prune --ci`).
    pub title: String,
    /// Where it is.
    pub stage: PlanStage,
    /// The focused button.
    pub focus: Focus,
    /// First item line shown.
    pub scroll: u16,
    /// Whether it removes the marked packages and versions (unmarked once removed).
    pub from_marks: bool,
    /// When the wait for uv's lock began (shown as the time waited so far).
    pub waiting_since: Option<std::time::SystemTime>,
}

impl PlanDialog {
    /// A dialog waiting for its plan.
    pub fn new(ticket: u64, title: String) -> PlanDialog {
        PlanDialog {
            ticket,
            title,
            stage: PlanStage::Computing,
            focus: Focus::Cancel,
            scroll: 0,
            from_marks: false,
            waiting_since: None,
        }
    }

    /// The plans, once computed.
    pub fn plan(&self) -> Option<&Arc<PlanSet>> {
        match &self.stage {
            PlanStage::Computing => None,
            PlanStage::Ready(p)
            | PlanStage::WaitingForLock(p, _)
            | PlanStage::ConfirmForce(p, _)
            | PlanStage::Removing(p, _, _) => Some(p),
        }
    }

    /// Whether the user can still decide (the plan is shown and has items).
    pub fn can_confirm(&self) -> bool {
        matches!(&self.stage, PlanStage::Ready(p) if !p.is_empty())
    }
}

/// Where a refresh dialog is.
#[derive(Debug, Clone)]
pub enum RefreshStage {
    /// Looking for the project or environment, and for uv.
    Preparing,
    /// The command is shown, waiting for a decision.
    Ready(Arc<RefreshPrep>),
    /// Nothing can run: the explanation.
    Failed(String),
}

/// The refresh confirmation: which uv command would run, and where.
#[derive(Debug, Clone)]
pub struct RefreshDialog {
    /// Identifies the preparation request.
    pub ticket: u64,
    /// The package (normalized name).
    pub package: String,
    /// Where it is.
    pub stage: RefreshStage,
    /// The focused button (starts on Cancel).
    pub focus: Focus,
}

/// The `why` verdicts, scrolled.
#[derive(Debug, Clone)]
pub struct WhyDialog {
    /// Identifies the request.
    pub ticket: u64,
    /// First line shown.
    pub scroll: u16,
    /// The report, or why there is none; `None` while it is computed.
    pub result: Option<Result<Arc<WhyReport>, String>>,
}
