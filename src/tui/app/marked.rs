//! The marked pane (`m`): every marked package, version and entry, with what the marks free in
//! all; unmark one, or remove them all. And bulk marking: every package shown in the packages
//! table (after the filter and the environment filter), every entry of the open bucket, or the
//! marks of those inverted; every entry of other uv releases' buckets; every dangling entry.

use std::path::PathBuf;

use super::super::action::Action;
use super::super::effects::Effect;
use super::super::msg::Level;
use super::{App, Modal, Screen};
use crate::engine::layout::TopLevel;
use crate::engine::model::{Entry, EntryState, Snapshot};
use crate::engine::remove::select::removable_alone;

/// One line of the marked pane: a package marked whole, one version, or one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkedItem {
    /// A whole package.
    Package(String),
    /// One version of a package.
    Version(String, String),
    /// One entry, by path relative to the cache root.
    Entry(PathBuf),
}

/// The marks, in the pane's order: packages whole, then versions, by name, then entries, by
/// path.
pub fn items(m: &super::Marks) -> Vec<MarkedItem> {
    m.packages
        .iter()
        .map(|p| MarkedItem::Package(p.clone()))
        .chain(
            m.versions
                .iter()
                .map(|(p, v)| MarkedItem::Version(p.clone(), v.clone())),
        )
        .chain(m.entries.iter().map(|p| MarkedItem::Entry(p.clone())))
        .collect()
}

/// Whether an entry is in a bucket of another uv release (or one no release writes).
fn other_release(snap: &Snapshot, e: &Entry) -> bool {
    e.bucket
        .and_then(|b| snap.buckets.get(usize::from(b)))
        .is_some_and(|b| b.class != TopLevel::Current)
}

impl App {
    /// Opens the marked pane.
    pub(super) fn open_marked(&mut self) -> Vec<Effect> {
        if self.state.marks.is_empty() {
            self.say(
                Level::Info,
                "nothing is marked: Space marks a package (in its detail, a version; in a \
                 bucket, an entry)"
                    .into(),
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
                    MarkedItem::Entry(path) => {
                        marks.entries.remove(path);
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

    /// Marks every package shown (whole), or on the bucket screen every entry shown that can
    /// be removed by itself.
    pub(super) fn mark_all_shown(&mut self) -> Vec<Effect> {
        if self.state.screen == Screen::Bucket {
            let paths = self.bucket_entries_shown();
            let n = paths.len();
            self.state.marks.entries.extend(paths);
            self.say(
                Level::Info,
                format!(
                    "marked {n} {} shown",
                    if n == 1 { "entry" } else { "entries" }
                ),
            );
            return self.settle_marks();
        }
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
    /// (unmarked or with some versions marked) become marked whole. On the bucket screen, the
    /// marks of the entries shown.
    pub(super) fn invert_marks_shown(&mut self) -> Vec<Effect> {
        if self.state.screen == Screen::Bucket {
            for path in self.bucket_entries_shown() {
                self.state.marks.toggle_entry(&path);
            }
            return self.settle_marks();
        }
        for name in self.shown_names() {
            self.state.marks.toggle_package(&name);
        }
        self.settle_marks()
    }

    /// Marks every entry of the buckets of other uv releases (and of directories no release
    /// writes): what `prune` removes as not this release's.
    pub(super) fn mark_other_releases(&mut self) -> Vec<Effect> {
        let paths = self.entries_where(other_release);
        self.mark_entries(paths, "of other uv releases' buckets")
    }

    /// Marks every entry of this release's buckets uv no longer uses: source revisions no
    /// pointer names, archives nothing links to, links whose archive is gone.
    pub(super) fn mark_dangling(&mut self) -> Vec<Effect> {
        let paths = self.entries_where(|snap, e| {
            !other_release(snap, e)
                && matches!(
                    e.state,
                    EntryState::Dangling | EntryState::Orphan | EntryState::Broken
                )
        });
        self.mark_entries(paths, "dangling, orphan or broken")
    }

    fn mark_entries(&mut self, paths: Vec<PathBuf>, what: &str) -> Vec<Effect> {
        let n = paths.len();
        if n == 0 {
            self.say(Level::Info, format!("no entries {what}"));
            return vec![];
        }
        self.state.marks.entries.extend(paths);
        self.say(
            Level::Info,
            format!(
                "marked {n} {} {what}",
                if n == 1 { "entry" } else { "entries" }
            ),
        );
        self.settle_marks()
    }

    /// The paths of the entries `pick` chooses that can be removed by themselves.
    fn entries_where(&self, pick: impl Fn(&Snapshot, &Entry) -> bool) -> Vec<PathBuf> {
        let Some(snap) = &self.state.snapshot else {
            return vec![];
        };
        snap.entries
            .iter()
            .filter(|e| pick(snap, e) && removable_alone(snap, e).is_ok())
            .map(|e| e.path.clone())
            .collect()
    }

    /// The entries of the open bucket that can be removed by themselves.
    fn bucket_entries_shown(&self) -> Vec<PathBuf> {
        let (Some(snap), Some(b)) = (&self.state.snapshot, &self.state.bucket) else {
            return vec![];
        };
        b.ids
            .iter()
            .filter_map(|id| snap.entries.get(*id as usize))
            .filter(|e| removable_alone(snap, e).is_ok())
            .map(|e| e.path.clone())
            .collect()
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
