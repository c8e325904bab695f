//! The mouse: a click selects a package row (a click on the selected row
//! opens it) or a detail entry; the wheel scrolls whatever keys would.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::super::action::Action;
use super::super::effects::Effect;
use super::super::ui;
use super::{App, Screen};

/// Lines the wheel moves per notch.
const WHEEL_LINES: usize = 3;

impl App {
    pub(super) fn mouse(&mut self, event: &MouseEvent) -> Vec<Effect> {
        match event.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                self.dirty = true;
                let action = if event.kind == MouseEventKind::ScrollDown {
                    Action::Down
                } else {
                    Action::Up
                };
                let mut effects = Vec::new();
                for _ in 0..WHEEL_LINES {
                    effects.extend(self.act(action));
                }
                effects
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if self.state.modal.is_some() {
                    return self.click_dialog(event.column, event.row);
                }
                if let Some(screen) = ui::frame::tab_at(&self.state, event.column, event.row) {
                    self.dirty = true;
                    return self.act(match screen {
                        Screen::Overview => Action::ShowOverview,
                        Screen::Packages => Action::ShowPackages,
                        Screen::Roots => Action::ShowRoots,
                        Screen::Detail | Screen::Bucket => {
                            self.state.screen = screen;
                            return vec![];
                        }
                    });
                }
                self.click(event.column, event.row)
            }
            _ => vec![],
        }
    }

    /// A click on a dialog's button presses it.
    fn click_dialog(&mut self, column: u16, row: u16) -> Vec<Effect> {
        let Some(focus) = ui::plan::button_at(&self.state, column, row) else {
            return vec![];
        };
        if let Some(d) = self.plan_dialog() {
            d.focus = focus;
        }
        self.dirty = true;
        self.act(Action::Activate)
    }

    fn click(&mut self, column: u16, row: u16) -> Vec<Effect> {
        match self.state.screen {
            Screen::Packages => {
                if let Some(sort) = ui::packages::header_at(&self.state, column, row) {
                    self.dirty = true;
                    self.state.table.sort_by(sort);
                    return vec![];
                }
                let Some(index) = ui::packages::row_at(&self.state, column, row) else {
                    return vec![];
                };
                self.dirty = true;
                self.state.status = None;
                if index == self.state.table.selected {
                    return self.open_detail();
                }
                self.state.table.selected = index;
                let page = ui::packages::page_rows(&self.state);
                self.state.table.scroll_into_view(page);
            }
            Screen::Detail => {
                if let Some(index) = ui::detail::entry_at(&self.state, column, row)
                    && let Some(d) = &mut self.state.detail
                {
                    d.selected = index;
                    self.dirty = true;
                }
            }
            Screen::Roots => {
                let Some(index) = ui::roots::row_at(&self.state, column, row) else {
                    return vec![];
                };
                self.dirty = true;
                self.state.status = None;
                if index == self.state.roots.selected {
                    return self.open_root();
                }
                self.state.roots.selected = index;
            }
            Screen::Overview | Screen::Bucket => {}
        }
        vec![]
    }
}
