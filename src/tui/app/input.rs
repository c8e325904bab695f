//! Keys to actions (through the keymap), and what each action does.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::super::action::Action;
use super::super::effects::{Effect, PlanKind};
use super::super::keymap::Context;
use super::super::msg::Level;
use super::super::ui;
use super::{App, Detail, Focus, LogLine, Modal, PlanDialog, PlanStage, Screen, SortColumn};
use crate::engine::plan::Target;

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
            None if self.state.table.editing => {
                let action = keymap.action(&[Context::Filter], key);
                if action.is_none() {
                    self.type_filter(key);
                }
                action
            }
            None => match self.state.screen {
                Screen::Overview => keymap.action(&[Context::Global], key),
                Screen::Packages => keymap.action(&[Context::Packages, Context::Global], key),
                Screen::Detail => keymap.action(&[Context::Detail, Context::Global], key),
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
        match &self.state.modal {
            Some(Modal::Help { .. }) => return self.act_help(action),
            Some(Modal::Plan(_)) => return self.act_plan(action),
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
                } else if !s.table.filter.is_empty() {
                    s.table.set_filter(String::new());
                } else {
                    return self.quit();
                }
            }
            Action::Help => s.modal = Some(Modal::Help { scroll: 0 }),
            Action::Rescan => {
                self.log(Level::Info, "scanning again".into());
                return self.start_scan();
            }
            Action::ToggleLog => s.show_log = !s.show_log,
            Action::ShowOverview => s.screen = Screen::Overview,
            Action::ShowPackages => s.screen = Screen::Packages,
            Action::NextScreen => {
                s.screen = match s.screen {
                    Screen::Overview => Screen::Packages,
                    Screen::Packages if s.detail.is_some() => Screen::Detail,
                    Screen::Packages | Screen::Detail => Screen::Overview,
                }
            }
            Action::Up => self.scroll(-1),
            Action::Down => self.scroll(1),
            Action::PageUp => self.scroll(-self.page()),
            Action::PageDown => self.scroll(self.page()),
            Action::Top => self.scroll(isize::MIN / 2),
            Action::Bottom => self.scroll(isize::MAX / 2),
            Action::Open => {
                if let Some(p) = s.table.selected_package() {
                    s.detail = Some(Detail {
                        name: p.name.clone(),
                        scroll: 0,
                    });
                    s.screen = Screen::Detail;
                }
            }
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
            Action::Clean => {
                let name = match s.screen {
                    Screen::Detail => s.detail.as_ref().map(|d| d.name.clone()),
                    _ => s.table.selected_package().map(|p| p.name.clone()),
                };
                return match name {
                    Some(n) => self.open_plan(format!("Clean {n}"), PlanKind::Clean(vec![n])),
                    None => {
                        self.say(Level::Warn, "no package selected".into());
                        vec![]
                    }
                };
            }
            Action::Prune => return self.open_plan("Prune".into(), PlanKind::Prune),
            Action::PruneCi => return self.open_plan("Prune --ci".into(), PlanKind::PruneCi),
            Action::FocusNext | Action::Activate => {}
        }
        let page = ui::packages::page_rows(&self.state);
        self.state.table.scroll_into_view(page);
        vec![]
    }

    fn quit(&mut self) -> Vec<Effect> {
        self.state.quit = true;
        vec![Effect::CancelScan]
    }

    fn say(&mut self, level: Level, text: String) {
        self.state.status = Some(LogLine { level, text });
    }

    fn page(&self) -> isize {
        let rows = match self.state.screen {
            Screen::Detail => ui::detail::page_rows(&self.state),
            _ => ui::packages::page_rows(&self.state),
        };
        isize::try_from(rows.saturating_sub(1).max(1)).unwrap_or(1)
    }

    fn scroll(&mut self, delta: isize) {
        match self.state.screen {
            Screen::Packages => {
                let page = ui::packages::page_rows(&self.state);
                self.state.table.move_by(delta, page);
            }
            Screen::Detail => {
                let max = ui::detail::max_scroll(&self.state);
                if let Some(d) = &mut self.state.detail {
                    d.scroll = add(d.scroll, delta, max);
                }
            }
            Screen::Overview => {}
        }
    }

    fn open_plan(&mut self, title: String, kind: PlanKind) -> Vec<Effect> {
        let Some(snap) = &self.state.snapshot else {
            self.say(
                Level::Warn,
                "the scan has not finished yet: nothing to plan from".into(),
            );
            return vec![];
        };
        let target = Target::of(snap);
        let ticket = self.next_ticket();
        self.state.modal = Some(Modal::Plan(PlanDialog::new(ticket, title)));
        vec![Effect::Plan {
            ticket,
            target,
            kind,
        }]
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
                // Removal cannot be interrupted halfway; the dialog closes when it ends.
                PlanStage::Removing(..) => {}
            },
            Action::FocusNext if d.can_confirm() => {
                d.focus = match d.focus {
                    Focus::Cancel => Focus::Confirm,
                    Focus::Confirm => Focus::Cancel,
                };
            }
            Action::Activate => match (&d.stage, d.focus) {
                (PlanStage::Ready(plan), Focus::Confirm) if !plan.is_empty() => {
                    let plan = plan.clone();
                    let ticket = d.ticket;
                    let total = plan.items.len() as u64;
                    d.stage = PlanStage::Removing(plan.clone(), 0, total);
                    return vec![Effect::Execute { ticket, plan }];
                }
                (PlanStage::Computing | PlanStage::Ready(_), _) => self.state.modal = None,
                _ => {}
            },
            Action::Up => d.scroll = add(d.scroll, -1, max),
            Action::Down => d.scroll = add(d.scroll, 1, max),
            Action::PageUp => d.scroll = add(d.scroll, -10, max),
            Action::PageDown => d.scroll = add(d.scroll, 10, max),
            _ => {}
        }
        vec![]
    }
}

/// `value + delta`, within `0..=max`.
fn add(value: u16, delta: isize, max: u16) -> u16 {
    let v = i64::from(value).saturating_add(i64::try_from(delta).unwrap_or(0));
    u16::try_from(v.clamp(0, i64::from(max))).unwrap_or(max)
}
