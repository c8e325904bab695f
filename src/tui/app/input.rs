//! Keys to actions (through the keymap), and what each action does.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::super::action::Action;
use super::super::effects::{Effect, PlanKind, Scanned};
use super::super::keymap::Context;
use super::super::msg::Level;
use super::super::ui;
use super::marking::Move;
use super::{App, Detail, Focus, LogLine, Modal, PlanDialog, PlanStage, Screen, SortColumn};

impl App {
    /// Routes a key: an overlay's bindings, the filter's, or the screen's and the global ones.
    pub(super) fn key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        let keymap = &self.state.keymap;
        let action = match &self.state.modal {
            Some(Modal::Help { .. }) => keymap.action(&[Context::Help], key),
            Some(Modal::Plan(_)) => keymap.action(&[Context::Plan], key),
            Some(Modal::Refresh(_)) => keymap.action(&[Context::Refresh], key),
            Some(Modal::Why(_)) => keymap.action(&[Context::Why], key),
            Some(Modal::Marked { .. }) => keymap.action(&[Context::Marked], key),
            Some(Modal::Files(_)) => keymap.action(&[Context::Files], key),
            Some(Modal::Log { .. }) => keymap.action(&[Context::Log], key),
            Some(Modal::Trim(_)) => {
                let action = keymap.action(&[Context::Trim], key);
                if action.is_none() {
                    return self.type_in_trim(key);
                }
                action
            }
            None if self.state.table.editing => {
                let action = keymap.action(&[Context::Filter], key);
                if action.is_none() {
                    self.type_filter(key);
                }
                action
            }
            None => match self.state.screen {
                Screen::Overview => keymap.action(&[Context::Overview, Context::Global], key),
                Screen::Packages => keymap.action(&[Context::Packages, Context::Global], key),
                Screen::Detail => keymap.action(&[Context::Detail, Context::Global], key),
                Screen::Roots => keymap.action(&[Context::Roots, Context::Global], key),
                Screen::Bucket => keymap.action(&[Context::Bucket, Context::Global], key),
            },
        };
        match action {
            Some(a) => self.act(a),
            None => vec![],
        }
    }

    fn type_filter(&mut self, key: &KeyEvent) {
        let mut filter = self.state.table.filter.clone();
        match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                filter.push(c)
            }
            KeyCode::Backspace => {
                filter.pop();
            }
            _ => return,
        }
        self.state.table.set_filter(filter);
        self.state.table.offset = 0;
    }

    /// Does what `action` means in the current context.
    pub(super) fn act(&mut self, action: Action) -> Vec<Effect> {
        let armed = std::mem::take(&mut self.state.quit_armed);
        match &self.state.modal {
            Some(Modal::Help { .. }) => return self.act_help(action),
            Some(Modal::Plan(_)) => return self.act_plan(action),
            Some(Modal::Refresh(_)) => return self.act_refresh(action),
            Some(Modal::Why(_)) => return self.act_why(action),
            Some(Modal::Trim(_)) => return self.act_trim(action),
            Some(Modal::Marked { .. }) => return self.act_marked(action),
            Some(Modal::Files(_)) => return self.act_files(action),
            Some(Modal::Log { .. }) => return self.act_log(action),
            None => {}
        }
        let s = &mut self.state;
        match action {
            Action::Quit => return self.quit(),
            Action::Back => {
                if s.table.editing {
                    s.table.editing = false;
                    s.table.set_filter(String::new());
                } else if s.screen == Screen::Detail {
                    s.screen = Screen::Packages;
                } else if s.screen == Screen::Bucket {
                    s.screen = Screen::Overview;
                } else if s.screen == Screen::Packages && s.table.root_filter.is_some() {
                    // Back to every package, and to the roots it came from.
                    s.table.set_root_filter(None);
                    s.screen = Screen::Roots;
                } else if !s.table.filter.is_empty() {
                    s.table.set_filter(String::new());
                } else if !s.marks.is_empty() && !armed {
                    // Esc is also "go back": it does not drop marks without asking.
                    s.quit_armed = true;
                    let n = s.marks.len();
                    self.say(
                        Level::Warn,
                        format!(
                            "{n} marked: Esc again quits and drops {}, u unmarks, d removes",
                            if n == 1 { "it" } else { "them" }
                        ),
                    );
                } else {
                    return self.quit();
                }
            }
            Action::Help => s.modal = Some(Modal::Help { scroll: 0 }),
            Action::Rescan => {
                self.log(Level::Info, "scanning again, every archive".into());
                return self.start_scan_with(crate::engine::scan::store::IndexMode::Rebuild);
            }
            // Hidden, then a pane, then full screen (scrollable), then hidden again.
            Action::ToggleLog if s.show_log => {
                s.show_log = false;
                let scroll = ui::log::max_scroll(&self.state);
                self.state.modal = Some(Modal::Log { scroll });
            }
            Action::ToggleLog => s.show_log = true,
            Action::ShowOverview => s.screen = Screen::Overview,
            Action::ShowPackages => s.screen = Screen::Packages,
            Action::ShowRoots => s.screen = Screen::Roots,
            Action::NextScreen => {
                s.screen = match s.screen {
                    Screen::Overview => Screen::Packages,
                    Screen::Packages => Screen::Roots,
                    Screen::Roots if s.bucket.is_some() => Screen::Bucket,
                    Screen::Roots | Screen::Bucket if s.detail.is_some() => Screen::Detail,
                    Screen::Roots | Screen::Bucket | Screen::Detail => Screen::Overview,
                }
            }
            Action::Up => self.go(Move::Entries(-1)),
            Action::Down => self.go(Move::Entries(1)),
            Action::PageUp => self.go(Move::Lines(-self.page())),
            Action::PageDown => self.go(Move::Lines(self.page())),
            Action::Top => self.go(Move::Top),
            Action::Bottom => self.go(Move::Bottom),
            Action::Mark => return self.mark(),
            Action::UnmarkAll => self.unmark_all(),
            Action::Open if s.screen == Screen::Roots => return self.open_root(),
            Action::Open if s.screen == Screen::Overview => return self.open_bucket(),
            Action::Open if s.screen == Screen::Bucket => return self.open_files(),
            Action::Open => return self.open_detail(),
            Action::Filter => {
                s.screen = Screen::Packages;
                s.table.editing = true;
            }
            Action::FilterAccept => s.table.editing = false,
            Action::FilterClear => {
                s.table.editing = false;
                s.table.set_filter(String::new());
            }
            Action::SortName => s.table.sort_by(SortColumn::Name),
            Action::SortVersions => s.table.sort_by(SortColumn::Versions),
            Action::SortSources => s.table.sort_by(SortColumn::Sources),
            Action::SortLogical => s.table.sort_by(SortColumn::Logical),
            Action::SortDisk => s.table.sort_by(SortColumn::Disk),
            Action::SortReclaimable => s.table.sort_by(SortColumn::Reclaimable),
            Action::SortNewest => s.table.sort_by(SortColumn::Newest),
            Action::SortOldest => s.table.sort_by(SortColumn::Oldest),
            Action::SortFreshness => s.table.sort_by(SortColumn::Freshness),
            Action::SortLastUsed => s.table.sort_by(SortColumn::LastUsed),
            Action::SortUsedBy => s.table.sort_by(SortColumn::UsedBy),
            Action::Refresh => return self.refresh(),
            Action::Why => return self.why(),
            Action::Clean => return self.clean(),
            Action::Prune => return self.open_plan("Prune".into(), PlanKind::Prune),
            Action::PruneCi => return self.open_plan("Prune --ci".into(), PlanKind::PruneCi),
            Action::Trim => return self.open_trim(),
            Action::CopyPath => return self.copy_path(),
            Action::ShowMarked => return self.open_marked(),
            Action::MarkAllShown => return self.mark_all_shown(),
            Action::InvertMarks => return self.invert_marks_shown(),
            Action::MarkOtherReleases => return self.mark_other_releases(),
            Action::MarkDangling => return self.mark_dangling(),
            Action::FocusNext | Action::FocusPrev | Action::Activate => {}
        }
        let page = ui::packages::page_rows(&self.state);
        self.state.table.scroll_into_view(page);
        vec![]
    }

    /// Opens the selected package's detail and asks for its entries' freshness.
    pub(super) fn open_detail(&mut self) -> Vec<Effect> {
        let s = &mut self.state;
        let Some(name) = s.table.selected_package().map(|p| p.name.clone()) else {
            return vec![];
        };
        s.detail = Some(Detail {
            name: name.clone(),
            scroll: 0,
            selected: 0,
            freshness: None,
        });
        s.screen = Screen::Detail;
        match &s.snapshot {
            Some(snap) => vec![Effect::EntryFreshness {
                package: name,
                snapshot: Scanned(snap.clone()),
            }],
            None => vec![],
        }
    }

    /// Copies the path of what is selected to the clipboard.
    fn copy_path(&mut self) -> Vec<Effect> {
        let s = &self.state;
        let path = match s.screen {
            Screen::Detail => s.detail.as_ref().and_then(|d| {
                let snap = s.snapshot.as_ref()?;
                let entries = crate::engine::query::package_entries(snap, &d.name);
                Some(snap.root.path.join(&entries.get(d.selected)?.path))
            }),
            Screen::Roots => s.usage.as_ref().and_then(|(u, _)| {
                let i = *super::roots::order(u).get(s.roots.selected)?;
                Some(u.roots[i].root.path.clone())
            }),
            Screen::Bucket => s.bucket.as_ref().and_then(|b| {
                let snap = s.snapshot.as_ref()?;
                let e = snap.entries.get(*b.ids.get(b.list.selected)? as usize)?;
                Some(snap.root.path.join(&e.path))
            }),
            Screen::Packages | Screen::Overview => Some(s.root.path.clone()),
        };
        let Some(path) = path else {
            self.say(Level::Warn, "nothing selected to copy".into());
            return vec![];
        };
        let text = path.to_string_lossy().into_owned();
        self.say(
            Level::Info,
            format!(
                "copied {} (through the terminal: OSC 52)",
                crate::text::escape_path(&path)
            ),
        );
        vec![Effect::Copy(text)]
    }

    pub(super) fn quit(&mut self) -> Vec<Effect> {
        self.state.quit = true;
        vec![Effect::CancelScan]
    }

    pub(super) fn say(&mut self, level: Level, text: String) {
        self.state.status = Some(LogLine {
            level,
            text,
            at: self.state.now,
        });
    }

    fn page(&self) -> isize {
        let rows = match self.state.screen {
            Screen::Detail => ui::detail::page_rows(&self.state),
            _ => ui::packages::page_rows(&self.state),
        };
        isize::try_from(rows.saturating_sub(1).max(1)).unwrap_or(1)
    }

    /// Moves the selection of the packages table or of the detail.
    fn go(&mut self, how: Move) {
        match self.state.screen {
            Screen::Packages => {
                let page = ui::packages::page_rows(&self.state);
                let delta = match how {
                    Move::Entries(n) | Move::Lines(n) => n,
                    Move::Top => isize::MIN / 2,
                    Move::Bottom => isize::MAX / 2,
                };
                self.state.table.move_by(delta, page);
            }
            Screen::Detail => self.move_in_detail(how),
            Screen::Roots => {
                let page = isize::try_from(ui::roots::page_rows(&self.state)).unwrap_or(1);
                self.move_in_roots(match how {
                    Move::Entries(n) => n,
                    Move::Lines(n) => n.signum() * page.saturating_sub(1).max(1),
                    Move::Top => isize::MIN / 2,
                    Move::Bottom => isize::MAX / 2,
                });
            }
            Screen::Overview => {
                let (rows, page) = ui::overview::rows_and_page(&self.state);
                self.state.overview.move_by(delta_of(how), rows, page);
            }
            Screen::Bucket => {
                let (rows, page) = ui::bucket::rows_and_page(&self.state);
                if let Some(b) = &mut self.state.bucket {
                    b.list.move_by(delta_of(how), rows, page);
                }
            }
        }
    }

    pub(super) fn open_plan(&mut self, title: String, kind: PlanKind) -> Vec<Effect> {
        let Some(snap) = &self.state.snapshot else {
            self.say(
                Level::Warn,
                "the scan has not finished yet: nothing to plan from".into(),
            );
            return vec![];
        };
        let snapshot = Scanned(snap.clone());
        let ticket = self.next_ticket();
        self.state.modal = Some(Modal::Plan(PlanDialog::new(ticket, title)));
        vec![Effect::Plan {
            ticket,
            snapshot,
            kind,
        }]
    }

    fn act_log(&mut self, action: Action) -> Vec<Effect> {
        let max = ui::log::max_scroll(&self.state);
        let page = ui::log::page_rows(&self.state);
        let Some(Modal::Log { scroll }) = &mut self.state.modal else {
            return vec![];
        };
        *scroll = match action {
            Action::Quit => return self.quit(),
            Action::Back | Action::ToggleLog => {
                self.state.modal = None;
                return vec![];
            }
            Action::Up => scroll.saturating_sub(1),
            Action::Down => *scroll + 1,
            Action::PageUp => scroll.saturating_sub(page),
            Action::PageDown => *scroll + page,
            Action::Top => 0,
            Action::Bottom => max,
            _ => *scroll,
        }
        .min(max);
        vec![]
    }

    fn act_help(&mut self, action: Action) -> Vec<Effect> {
        let max = ui::help::max_scroll(&self.state);
        let Some(Modal::Help { scroll }) = &mut self.state.modal else {
            return vec![];
        };
        match action {
            Action::Quit => return self.quit(),
            Action::Back | Action::Help => self.state.modal = None,
            Action::Up => *scroll = add(*scroll, -1, max),
            Action::Down => *scroll = add(*scroll, 1, max),
            Action::PageUp => *scroll = add(*scroll, -10, max),
            Action::PageDown => *scroll = add(*scroll, 10, max),
            Action::Top => *scroll = 0,
            Action::Bottom => *scroll = max,
            _ => {}
        }
        vec![]
    }

    fn act_plan(&mut self, action: Action) -> Vec<Effect> {
        let max = ui::plan::max_scroll(&self.state);
        let Some(Modal::Plan(d)) = &mut self.state.modal else {
            return vec![];
        };
        match action {
            Action::Quit if matches!(d.stage, PlanStage::Removing(..)) => {
                self.say(
                    Level::Warn,
                    "a removal is running: quit once it has finished".into(),
                );
            }
            Action::Quit => return self.quit(),
            Action::Back => match &d.stage {
                PlanStage::Computing | PlanStage::Ready(_) => self.state.modal = None,
                PlanStage::WaitingForLock(..) => {
                    let ticket = d.ticket;
                    self.state.modal = None;
                    return vec![Effect::CancelExecution { ticket }];
                }
                // Not forcing after all: keep waiting.
                PlanStage::ConfirmForce(plans, holders) => {
                    d.stage = PlanStage::WaitingForLock(plans.clone(), holders.clone());
                    d.focus = Focus::Cancel;
                }
                // Removal cannot be interrupted halfway; the dialog closes when it ends.
                PlanStage::Removing(..) => {}
            },
            Action::FocusNext
                if d.can_confirm()
                    || matches!(
                        d.stage,
                        PlanStage::WaitingForLock(..) | PlanStage::ConfirmForce(..)
                    ) =>
            {
                d.focus = match d.focus {
                    Focus::Cancel => Focus::Confirm,
                    Focus::Confirm => Focus::Cancel,
                };
            }
            Action::Activate => match (&d.stage, d.focus) {
                (PlanStage::Ready(plans), Focus::Confirm) if !plans.is_empty() => {
                    let plans = plans.clone();
                    let ticket = d.ticket;
                    let total = plans.len() as u64;
                    d.stage = PlanStage::Removing(plans.clone(), 0, total);
                    return vec![Effect::Execute { ticket, plans }];
                }
                (PlanStage::Computing | PlanStage::Ready(_), _) => self.state.modal = None,
                (PlanStage::WaitingForLock(..), Focus::Cancel) => {
                    let ticket = d.ticket;
                    self.state.modal = None;
                    return vec![Effect::CancelExecution { ticket }];
                }
                // Forcing needs a second confirmation, which starts on "keep waiting".
                (PlanStage::WaitingForLock(plans, holders), Focus::Confirm) => {
                    d.stage = PlanStage::ConfirmForce(plans.clone(), holders.clone());
                    d.focus = Focus::Cancel;
                }
                (PlanStage::ConfirmForce(plans, holders), Focus::Cancel) => {
                    d.stage = PlanStage::WaitingForLock(plans.clone(), holders.clone());
                }
                (PlanStage::ConfirmForce(plans, _), Focus::Confirm) => {
                    let ticket = d.ticket;
                    let total = plans.len() as u64;
                    d.stage = PlanStage::Removing(plans.clone(), 0, total);
                    return vec![Effect::ForceExecution { ticket }];
                }
                (PlanStage::Removing(..), _) => {}
            },
            Action::Up => d.scroll = add(d.scroll, -1, max),
            Action::Down => d.scroll = add(d.scroll, 1, max),
            Action::PageUp => d.scroll = add(d.scroll, -10, max),
            Action::PageDown => d.scroll = add(d.scroll, 10, max),
            Action::Top => d.scroll = 0,
            Action::Bottom => d.scroll = max,
            _ => {}
        }
        vec![]
    }
}

/// How far a move goes in a list (ends: far enough to reach them).
fn delta_of(how: Move) -> isize {
    match how {
        Move::Entries(n) | Move::Lines(n) => n,
        Move::Top => isize::MIN / 2,
        Move::Bottom => isize::MAX / 2,
    }
}

/// `value + delta`, within `0..=max`.
pub(super) fn add(value: u16, delta: isize, max: u16) -> u16 {
    let v = i64::from(value).saturating_add(i64::try_from(delta).unwrap_or(0));
    u16::try_from(v.clamp(0, i64::from(max))).unwrap_or(max)
}
