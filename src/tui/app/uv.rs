//! Refreshing a package through the real uv (confirm, run, compare) and the
//! `why` verdicts of the project around the working directory.

use std::sync::Arc;

use crate::engine::locate::RootRule;
use crate::engine::refresh::{CacheChanges, ChangeKind, RefreshTarget};
use crate::engine::why::WhyReport;

use super::super::action::Action;
use super::super::effects::{Effect, Scanned};
use super::super::msg::{Level, RefreshOutcome, RefreshPrep};
use super::super::ui;
use super::{App, Focus, LogLine, Modal, RefreshDialog, RefreshStage, Screen, WhyDialog};

impl App {
    /// Asks where a refresh of the selected package would run (`R`).
    pub(super) fn refresh(&mut self) -> Vec<Effect> {
        if let Some(p) = &self.state.refreshing {
            let text = format!("uv is still refreshing {p}: wait for it to finish");
            self.say(Level::Warn, text);
            return vec![];
        }
        let name = match self.state.screen {
            Screen::Detail => self.state.detail.as_ref().map(|d| d.name.clone()),
            _ => self.state.table.selected_package().map(|p| p.name.clone()),
        };
        let Some(package) = name else {
            self.say(Level::Warn, "no package selected".into());
            return vec![];
        };
        let ticket = self.next_ticket();
        self.state.modal = Some(Modal::Refresh(RefreshDialog {
            ticket,
            package: package.clone(),
            stage: RefreshStage::Preparing,
            focus: Focus::Cancel,
        }));
        // Passed on only when uvcache was told where the cache is, as the command line does.
        let cache_dir =
            matches!(self.state.root.rule, RootRule::Flag).then(|| self.state.root.path.clone());
        vec![Effect::PrepareRefresh {
            ticket,
            package,
            workdir: self.state.workdir.clone(),
            cache_dir,
        }]
    }

    pub(super) fn refresh_prepared(
        &mut self,
        ticket: u64,
        result: Result<Arc<RefreshPrep>, String>,
    ) {
        let Some(Modal::Refresh(d)) = &mut self.state.modal else {
            return;
        };
        if d.ticket != ticket {
            return;
        }
        d.stage = match result {
            Ok(prep) => RefreshStage::Ready(prep),
            Err(text) => RefreshStage::Failed(text),
        };
        d.focus = Focus::Cancel;
        self.dirty = true;
    }

    /// A key in the refresh dialog.
    pub(super) fn act_refresh(&mut self, action: Action) -> Vec<Effect> {
        let Some(Modal::Refresh(d)) = &mut self.state.modal else {
            return vec![];
        };
        match action {
            Action::Quit => return self.quit(),
            Action::Back => self.state.modal = None,
            Action::FocusNext if matches!(d.stage, RefreshStage::Ready(_)) => {
                d.focus = match d.focus {
                    Focus::Cancel => Focus::Confirm,
                    Focus::Confirm => Focus::Cancel,
                };
            }
            Action::Activate => match (&d.stage, d.focus) {
                (RefreshStage::Ready(prep), Focus::Confirm) => {
                    let prep = prep.clone();
                    let ticket = d.ticket;
                    let package = d.package.clone();
                    self.state.modal = None;
                    return self.run_refresh(ticket, package, &prep);
                }
                _ => self.state.modal = None,
            },
            _ => {}
        }
        vec![]
    }

    fn run_refresh(&mut self, ticket: u64, package: String, prep: &RefreshPrep) -> Vec<Effect> {
        let Some(snap) = &self.state.snapshot else {
            self.say(
                Level::Warn,
                "the scan has not finished yet: nothing to compare with".into(),
            );
            return vec![];
        };
        let snapshot = Scanned(snap.clone());
        self.state.show_log = true;
        self.log(
            Level::Info,
            format!("{}: {}", target_line(&prep.target), prep.command.display()),
        );
        for note in &prep.command.notes {
            self.log(Level::Warn, note.clone());
        }
        self.say(Level::Info, format!("uv is refreshing {package}…"));
        self.state.refreshing = Some(package);
        let scan = self.scan_request();
        vec![Effect::Refresh {
            ticket,
            command: Arc::new(prep.command.clone()),
            snapshot,
            scan,
        }]
    }

    pub(super) fn refreshed(&mut self, result: Result<RefreshOutcome, String>) {
        let package = self.state.refreshing.take().unwrap_or_default();
        self.dirty = true;
        let outcome = match result {
            Ok(o) => o,
            Err(text) => {
                self.log(Level::Error, text.clone());
                self.say(Level::Error, format!("refresh of {package} failed: {text}"));
                return;
            }
        };
        let (level, status) = match outcome.exit.code {
            Some(0) => (Level::Info, "uv finished successfully".to_string()),
            Some(c) => (Level::Error, format!("uv exited with status {c}")),
            None => (Level::Error, "uv was ended by a signal".to_string()),
        };
        self.log(
            level,
            format!(
                "{status} after {:.1}s; cache scanned again ({:.1}s in all)",
                outcome.uv_ms as f64 / 1000.0,
                outcome.total_ms as f64 / 1000.0
            ),
        );
        let names = outcome.packages.join(", ");
        let summary = match &outcome.changes {
            None => {
                self.log(Level::Warn, "the rescan failed: changes unknown".into());
                format!("{status}; changes unknown")
            }
            Some(changes) => {
                for line in change_lines(changes, &names) {
                    self.log(Level::Info, line);
                }
                format!(
                    "{status}; {} of {names} changed in the cache",
                    ui::format::count(changes.changes.len() as u64, "entry", "entries")
                )
            }
        };
        self.state.status = Some(LogLine {
            level,
            text: summary,
            at: self.state.now,
        });
    }

    /// Opens the `why` verdicts of the project around the working directory (`w`).
    pub(super) fn why(&mut self) -> Vec<Effect> {
        let ticket = self.next_ticket();
        self.state.modal = Some(Modal::Why(WhyDialog {
            ticket,
            scroll: 0,
            result: None,
        }));
        vec![Effect::Why {
            ticket,
            workdir: self.state.workdir.clone(),
            cache: self.state.root.path.clone(),
        }]
    }

    pub(super) fn why_ready(&mut self, ticket: u64, result: Result<Arc<WhyReport>, String>) {
        if let Some(Modal::Why(d)) = &mut self.state.modal
            && d.ticket == ticket
        {
            d.result = Some(result);
            self.dirty = true;
        }
    }

    /// A key in the `why` screen.
    pub(super) fn act_why(&mut self, action: Action) -> Vec<Effect> {
        let max = ui::why::max_scroll(&self.state);
        let page = ui::why::page_rows(&self.state);
        let Some(Modal::Why(d)) = &mut self.state.modal else {
            return vec![];
        };
        let step = |n: isize| super::input::add(d.scroll, n, max);
        d.scroll = match action {
            Action::Quit => return self.quit(),
            Action::Back | Action::Why => {
                self.state.modal = None;
                return vec![];
            }
            Action::Up => step(-1),
            Action::Down => step(1),
            Action::PageUp => step(-page),
            Action::PageDown => step(page),
            Action::Top => 0,
            Action::Bottom => max,
            _ => d.scroll,
        };
        vec![]
    }
}

/// `project /p (found from the current directory)`.
pub fn target_line(target: &RefreshTarget) -> String {
    match target {
        RefreshTarget::Project { root, found_by } => {
            format!("project {} (found from the {found_by})", root.display())
        }
        RefreshTarget::Environment { root, found_by, .. } => {
            format!("environment {} (found by {found_by})", root.display())
        }
    }
}

/// The log lines of what changed: one per changed entry, then the unchanged count.
fn change_lines(changes: &CacheChanges, names: &str) -> Vec<String> {
    let unchanged: usize = changes.unchanged.values().sum();
    if changes.changes.is_empty() {
        return vec![format!(
            "no cache entry of {names} changed ({unchanged} unchanged)"
        )];
    }
    let mut out = vec![format!("cache changes for {names}:")];
    for c in &changes.changes {
        let Some(m) = c.mark() else { continue };
        let extra = match (c.change, &c.before, &c.after) {
            (ChangeKind::Replaced, Some(b), Some(a)) if b.archives != a.archives => {
                format!("  now links archive-v0/{}", a.archives.join(", "))
            }
            _ => String::new(),
        };
        out.push(format!(
            "  {:<10} {:<15} {}{extra}",
            c.change.as_str(),
            m.kind.as_str(),
            m.path.display()
        ));
    }
    out.push(format!("  {unchanged} entries unchanged"));
    out
}
