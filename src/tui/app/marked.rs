//! The marked pane (`m`): every marked package and version, with what the marks free in all;
//! unmark one, or remove them all. And bulk marking in the packages table: every package shown
//! (after the filter and the environment filter), or the marks of those inverted.

use super::super::action::Action;
use super::super::effects::Effect;
use super::super::msg::Level;
use super::{App, Modal};

/// One line of the marked pane: a package marked whole, or one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkedItem {
    /// A whole package.
    Package(String),
    /// One version of a package.
    Version(String, String),
}

/// The marks, in the pane's order: packages whole, then versions, by name.
pub fn items(m: &super::Marks) -> Vec<MarkedItem> {
    m.packages
        .iter()
        .map(|p| MarkedItem::Package(p.clone()))
        .chain(
            m.versions
                .iter()
                .map(|(p, v)| MarkedItem::Version(p.clone(), v.clone())),
        )
        .collect()
}

impl App {
    /// Opens the marked pane.
    pub(super) fn open_marked(&mut self) -> Vec<Effect> {
        if self.state.marks.is_empty() {
            self.say(
                Level::Info,
                "nothing is marked: Space marks a package (or, in its detail, a version)".into(),
            );
            return vec![];
        }
        self.state.modal = Some(Modal::Marked { selected: 0 });
        vec![]
    }

    /// What an action does in the marked pane.
    pub(super) fn act_marked(&mut self, action: Action) -> Vec<Effect> {
        let items = items(&self.state.marks);
        let Some(Modal::Marked { selected }) = &mut self.state.modal else {
            return vec![];
        };
        let last = items.len().saturating_sub(1);
        match action {
            Action::Quit => return self.quit(),
            Action::Back | Action::ShowMarked => self.state.modal = None,
            Action::Up => *selected = selected.saturating_sub(1),
            Action::Down => *selected = (*selected + 1).min(last),
            Action::PageUp => *selected = selected.saturating_sub(10),
            Action::PageDown => *selected = (*selected + 10).min(last),
            Action::Top => *selected = 0,
            Action::Bottom => *selected = last,
            Action::Mark => {
                let Some(item) = items.get(*selected) else {
                    return vec![];
                };
                let marks = &mut self.state.marks;
                match item {
                    MarkedItem::Package(p) => {
                        marks.packages.remove(p);
                    }
                    MarkedItem::Version(p, v) => {
                        marks.versions.remove(&(p.clone(), v.clone()));
                    }
                }
                *selected = (*selected).min(items.len().saturating_sub(2));
                if self.state.marks.is_empty() {
                    self.state.modal = None;
                }
                return self.settle_marks();
            }
            Action::UnmarkAll => {
                self.state.modal = None;
                self.unmark_all();
                return self.settle_marks();
            }
            Action::Clean => {
                self.state.modal = None;
                return self.clean();
            }
            _ => {}
        }
        vec![]
    }

    /// Marks every package shown (whole).
    pub(super) fn mark_all_shown(&mut self) -> Vec<Effect> {
        let names = self.shown_names();
        for name in &names {
            if !self.state.marks.packages.contains(name) {
                self.state.marks.toggle_package(name);
            }
        }
        let n = names.len();
        self.say(
            Level::Info,
            format!(
                "marked {n} {} shown",
                if n == 1 { "package" } else { "packages" }
            ),
        );
        self.settle_marks()
    }

    /// Inverts the marks of the packages shown: marked whole become unmarked, the others
    /// (unmarked or with some versions marked) become marked whole.
    pub(super) fn invert_marks_shown(&mut self) -> Vec<Effect> {
        for name in self.shown_names() {
            self.state.marks.toggle_package(&name);
        }
        self.settle_marks()
    }

    fn shown_names(&self) -> Vec<String> {
        let t = &self.state.table;
        t.rows
            .iter()
            .filter_map(|i| t.packages.get(*i))
            .map(|p| p.name.clone())
            .collect()
    }
}
