//! Reports from the engine threads: scan progress and results, plans,
//! lock waits, removal progress and outcomes.

use std::sync::Arc;

use super::super::effects::{Effect, Scanned};
use super::super::msg::{EngineMsg, Level, ScanFailure};
use super::super::ui;
use super::{App, Focus, LogLine, PlanStage, ScanStatus};
use crate::engine::model::Snapshot;
use crate::engine::query::packages;
use crate::engine::remove::execute::Outcome;

impl App {
    pub(super) fn engine(&mut self, msg: EngineMsg) -> Vec<Effect> {
        let current = self.generation;
        match msg {
            EngineMsg::ScanPhase { generation, phase } if generation == current => {
                if let ScanStatus::Running { phase: p, .. } = &mut self.state.scan {
                    *p = phase;
                    self.dirty = true;
                }
            }
            EngineMsg::ScanProgress {
                generation,
                progress,
            } if generation == current => {
                if let ScanStatus::Running { progress: p, .. } = &mut self.state.scan {
                    *p = progress;
                    self.dirty = true;
                }
            }
            EngineMsg::ScanPackages {
                generation,
                largest,
            } if generation == current => {
                // Only a first scan shows them: a rescan keeps the previous table.
                if let ScanStatus::Running { so_far, .. } = &mut self.state.scan
                    && self.state.snapshot.is_none()
                {
                    *so_far = largest;
                    self.dirty = true;
                }
            }
            EngineMsg::Scanned { generation, result } if generation == current => {
                self.dirty = true;
                return self.scanned(result);
            }
            EngineMsg::PageFreshness { generation, pages } if generation == current => {
                self.state.table.set_pages(pages);
                self.dirty = true;
            }
            EngineMsg::Findings {
                generation,
                findings,
            } if generation == current => {
                self.state.findings = findings;
                self.dirty = true;
            }
            EngineMsg::ScanPhase { .. }
            | EngineMsg::ScanProgress { .. }
            | EngineMsg::ScanPackages { .. }
            | EngineMsg::Scanned { .. }
            | EngineMsg::PageFreshness { .. }
            | EngineMsg::Findings { .. } => {}
            EngineMsg::EntryFreshness { package, entries } => {
                if let Some(d) = &mut self.state.detail
                    && d.name == package
                {
                    d.freshness = Some(entries);
                    self.dirty = true;
                    self.clamp_scrolls();
                }
            }
            EngineMsg::RefreshPrepared { ticket, result } => self.refresh_prepared(ticket, result),
            EngineMsg::UvOutput { line, .. } => self.log(Level::Info, format!("│ {line}")),
            EngineMsg::Refreshed { result, .. } => self.refreshed(result),
            EngineMsg::WhyReady { ticket, result } => self.why_ready(ticket, result),
            EngineMsg::Log { level, text } => self.log(level, text),
            EngineMsg::Usage {
                snapshot,
                usage,
                last,
            } => {
                let current = self
                    .state
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| Arc::ptr_eq(s, &snapshot));
                if current {
                    let uses =
                        super::table::package_uses(&self.state.table.packages, &usage, &last);
                    self.state.table.set_uses(Some(Arc::new(uses)));
                    if let Some((path, _)) = &self.state.table.root_filter {
                        let names = super::roots::packages_of(&self.state, &usage, path);
                        let path = path.clone();
                        self.state
                            .table
                            .set_root_filter(Some((path, Arc::new(names))));
                    }
                    let roots = usage.roots.len();
                    let v = &mut self.state.roots;
                    v.selected = v.selected.min(roots.saturating_sub(1));
                    v.offset = v.offset.min(v.selected);
                    self.state.usage = Some((usage, last));
                    self.dirty = true;
                    // A trim dialog waiting for the environments previews now.
                    if let Some(super::Modal::Trim(d)) = &self.state.modal
                        && matches!(d.state, super::trim::TrimState::WaitingForUsage)
                    {
                        return self.preview_trim();
                    }
                }
            }
            EngineMsg::FilesListed { entry, result } => self.files_listed(entry, result),
            EngineMsg::TrimPreviewed {
                ticket,
                seq,
                preview,
            } => self.trim_previewed(ticket, seq, preview),
            EngineMsg::MarksTotal { ticket, totals } => {
                if self
                    .state
                    .marks
                    .planned(ticket, totals.reclaimable_bytes, totals.disk_bytes)
                {
                    self.dirty = true;
                }
            }
            EngineMsg::Planned { ticket, plans } => {
                if let Some(d) = self.dialog_mut(ticket) {
                    d.stage = PlanStage::Ready(plans);
                    d.focus = Focus::Cancel;
                    self.dirty = true;
                }
            }
            EngineMsg::LockWaiting { ticket, holders } => {
                let who: Vec<String> = holders
                    .iter()
                    .map(|h| format!("pid {} ({})", h.pid, h.command))
                    .collect();
                self.log(
                    Level::Warn,
                    format!(
                        "the cache is in use; waiting for uv's lock{}",
                        if who.is_empty() {
                            String::new()
                        } else {
                            format!(", held by {}", who.join(", "))
                        }
                    ),
                );
                let now = self.state.now;
                if let Some(d) = self.dialog_mut(ticket)
                    && let Some(plan) = d.plan().cloned()
                {
                    d.stage = PlanStage::WaitingForLock(plan, holders);
                    d.focus = Focus::Cancel;
                    d.waiting_since.get_or_insert(now);
                }
            }
            EngineMsg::Removing {
                ticket,
                done,
                total,
            } => {
                if let Some(d) = self.dialog_mut(ticket)
                    && let Some(plan) = d.plan().cloned()
                {
                    d.stage = PlanStage::Removing(plan, done, total);
                    self.dirty = true;
                }
            }
            EngineMsg::Executed { ticket, result } => return self.executed(ticket, result),
        }
        vec![]
    }

    fn scanned(&mut self, result: Result<Arc<Snapshot>, ScanFailure>) -> Vec<Effect> {
        match result {
            Ok(snap) => {
                // The detail's entries may have changed: read their freshness again.
                let detail = self.state.detail.as_ref().map(|d| Effect::EntryFreshness {
                    package: d.name.clone(),
                    snapshot: Scanned(snap.clone()),
                });
                self.state.table.set_packages(packages(&snap, None));
                let page = ui::packages::page_rows(&self.state);
                self.state.table.scroll_into_view(page);
                let e = &snap.errors;
                let summary = format!(
                    "scanned {} entries, {} files, {} on disk in {} ms",
                    snap.entries.len(),
                    snap.total.files,
                    ui::format::bytes(snap.total.disk_bytes),
                    snap.elapsed_ms
                );
                let problems = (e.total() > 0).then(|| {
                    format!(
                        "{} problems while scanning: {} vanished (uv running?), {} unreadable, {} undecodable",
                        e.total(),
                        e.vanished,
                        e.unreadable,
                        e.undecodable
                    )
                });
                let samples: Vec<String> = e
                    .samples
                    .iter()
                    .take(10)
                    .map(|s| format!("  {}: {}", s.path.display(), s.message))
                    .collect();
                self.state.usage = None;
                self.state.table.set_uses(None);
                let usage = Effect::Usage {
                    snapshot: Scanned(snap.clone()),
                };
                self.follow_buckets(&snap);
                self.state.snapshot = Some(snap);
                self.state.scan = ScanStatus::Done;
                let marks = self.settle_marks();
                self.log(Level::Info, summary);
                if let Some(p) = problems {
                    self.log(Level::Warn, p);
                    for s in samples {
                        self.log(Level::Warn, s);
                    }
                }
                self.clamp_scrolls();
                return detail
                    .into_iter()
                    .chain(marks)
                    .chain(std::iter::once(usage))
                    .collect();
            }
            Err(ScanFailure::NoCache { path }) => {
                self.state.snapshot = None;
                self.state.marks.clear();
                self.state.table.set_packages(Vec::new());
                self.state.scan = ScanStatus::Missing(path);
            }
            Err(ScanFailure::Cancelled) => {}
            Err(ScanFailure::Other(text)) => {
                self.state.scan = ScanStatus::Failed(text.clone());
                self.log(Level::Error, text);
            }
        }
        vec![]
    }

    fn executed(&mut self, ticket: u64, result: Result<Outcome, String>) -> Vec<Effect> {
        let from_marks = self.dialog_mut(ticket).map(|d| d.from_marks);
        if from_marks.is_some() {
            self.state.modal = None;
        }
        if from_marks == Some(true) && result.is_ok() {
            self.state.marks.clear();
        }
        self.dirty = true;
        match result {
            Ok(outcome) => {
                let mut line = format!(
                    "{}; freed {} on disk",
                    ui::format::removed_summary(
                        outcome.removed_files,
                        outcome.removed_dirs,
                        outcome.uv_reported_bytes
                    ),
                    ui::format::bytes(outcome.reclaimed_bytes)
                );
                if outcome.cloned_bytes > 0 {
                    line.push_str(&format!(
                        " ({} stays: shared with clones)",
                        ui::format::bytes(outcome.cloned_bytes)
                    ));
                }
                if outcome.vanished > 0 {
                    line.push_str(&format!(
                        "; {} already gone (removed by another process)",
                        ui::format::count(outcome.vanished, "item was", "items were")
                    ));
                }
                let level = if outcome.errors.is_empty() {
                    Level::Info
                } else {
                    Level::Error
                };
                self.log(Level::Info, line.clone());
                for e in &outcome.errors {
                    self.log(
                        Level::Error,
                        format!("could not remove {}: {}", e.path.display(), e.message),
                    );
                }
                self.state.status = Some(LogLine {
                    level,
                    text: line,
                    at: self.state.now,
                });
                self.start_scan()
            }
            Err(text) => {
                self.log(Level::Warn, text.clone());
                self.state.status = Some(LogLine {
                    level: Level::Warn,
                    text,
                    at: self.state.now,
                });
                vec![]
            }
        }
    }
}
