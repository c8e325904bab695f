//! Moving through a package's entries, marking packages, versions and single entries, and
//! planning the removal of what is marked.

use super::super::effects::{Effect, PlanKind, Scanned};
use super::super::msg::Level;
use super::super::ui;
use super::{App, Screen};

/// A move of the selection (a package in the table, an entry in the detail).
#[derive(Debug, Clone, Copy)]
pub(super) enum Move {
    /// By this many rows or entries.
    Entries(isize),
    /// By about this many lines (a page).
    Lines(isize),
    /// To the first one.
    Top,
    /// To the last one (in the detail, also to the end of the text).
    Bottom,
}

impl App {
    /// Moves the detail's selected entry and scrolls it into view.
    pub(super) fn move_in_detail(&mut self, how: Move) {
        let rows = ui::detail::entry_rows(&self.state);
        let page = ui::detail::page_rows(&self.state);
        let max = ui::detail::max_scroll(&self.state);
        let Some(d) = &mut self.state.detail else {
            return;
        };
        let Some(last) = rows.len().checked_sub(1) else {
            d.scroll = 0;
            return;
        };
        let current = d.selected.min(last);
        d.selected = match how {
            Move::Entries(n) => current.saturating_add_signed(n).min(last),
            Move::Lines(n) => {
                let target = rows[current].start.saturating_add_signed(n);
                if n < 0 {
                    rows.iter().rposition(|r| r.start <= target).unwrap_or(0)
                } else {
                    rows.iter().position(|r| r.start >= target).unwrap_or(last)
                }
            }
            Move::Top => 0,
            Move::Bottom => last,
        };
        let row = &rows[d.selected];
        let top = row.heading.unwrap_or(row.start);
        let end = row.start + row.len;
        let mut scroll = usize::from(d.scroll);
        if end > scroll + page {
            scroll = end.saturating_sub(page);
        }
        scroll = scroll.min(top);
        d.scroll = match how {
            Move::Top => 0,
            Move::Bottom => max,
            _ => u16::try_from(scroll).unwrap_or(max).min(max),
        };
    }

    /// Marks or unmarks the selected package (table) or the selected
    /// entry's version (detail), then moves on to the next package or version.
    pub(super) fn mark(&mut self) -> Vec<Effect> {
        match self.state.screen {
            Screen::Packages => {
                let Some(name) = self.state.table.selected_package().map(|p| p.name.clone()) else {
                    self.say(Level::Warn, "no package selected".into());
                    return vec![];
                };
                self.state.marks.toggle_package(&name);
                let page = ui::packages::page_rows(&self.state);
                self.state.table.move_by(1, page);
            }
            Screen::Detail => {
                let rows = ui::detail::entry_rows(&self.state);
                let Some(d) = &self.state.detail else {
                    return vec![];
                };
                let (name, selected) = (d.name.clone(), d.selected);
                let Some(row) = rows.get(selected) else {
                    self.say(Level::Warn, "no entry selected".into());
                    return vec![];
                };
                let Some(version) = row.version.clone() else {
                    self.say(
                        Level::Warn,
                        "these entries have no version: mark the whole package in the table".into(),
                    );
                    return vec![];
                };
                if let Err(e) = self.state.marks.toggle_version(&name, &version) {
                    self.say(Level::Warn, e);
                    return vec![];
                }
                // On to the next version, if any.
                let next = rows
                    .iter()
                    .skip(selected)
                    .position(|r| r.version.as_deref() != Some(version.as_str()));
                if let Some(n) = next {
                    self.move_in_detail(Move::Entries(isize::try_from(n).unwrap_or(0)));
                }
            }
            Screen::Bucket => {
                let Some(path) = self.markable_bucket_entry() else {
                    return vec![];
                };
                self.state.marks.toggle_entry(&path);
                let (rows, page) = ui::bucket::rows_and_page(&self.state);
                if let Some(b) = &mut self.state.bucket {
                    b.list.move_by(1, rows, page);
                }
            }
            Screen::Overview | Screen::Roots => return vec![],
        }
        self.settle_marks()
    }

    /// The path of the entry selected on the bucket screen, and whether it can be marked
    /// (removed by itself; `Err` says why not).
    pub(super) fn selected_bucket_entry(&self) -> Option<(std::path::PathBuf, Result<(), String>)> {
        let (snap, b) = (self.state.snapshot.as_ref()?, self.state.bucket.as_ref()?);
        let e = snap.entries.get(*b.ids.get(b.list.selected)? as usize)?;
        let markable = crate::engine::remove::select::removable_alone(snap, e).map_err(|why| {
            format!(
                "{} cannot be removed by itself: {why}",
                crate::text::escape_path(&e.path)
            )
        });
        Some((e.path.clone(), markable))
    }

    /// The bucket screen's selected entry, if it can be removed by itself; otherwise the
    /// status line says why not.
    fn markable_bucket_entry(&mut self) -> Option<std::path::PathBuf> {
        match self.selected_bucket_entry() {
            Some((path, Ok(()))) => Some(path),
            Some((_, Err(why))) => {
                self.say(Level::Warn, why);
                None
            }
            None => {
                self.say(Level::Warn, "no entry selected".into());
                None
            }
        }
    }

    /// Unmarks everything.
    pub(super) fn unmark_all(&mut self) {
        if !self.state.marks.is_empty() {
            self.state.marks.clear();
            self.say(Level::Info, "nothing is marked now".into());
        }
    }

    /// Recomputes what the marks would free (after a change or a scan): an estimate from the
    /// snapshot at once, then the totals of the plans `d` would show.
    pub(super) fn settle_marks(&mut self) -> Vec<Effect> {
        let Some(snap) = &self.state.snapshot else {
            self.state.marks.clear();
            return vec![];
        };
        self.state.marks.settle(snap);
        let m = &self.state.marks;
        if m.is_empty() {
            self.state.marks.pending = None;
            return vec![];
        }
        let kind = PlanKind::Marked {
            packages: m.packages.iter().cloned().collect(),
            versions: m.versions.iter().cloned().collect(),
            entries: m.entries.iter().cloned().collect(),
        };
        let snapshot = Scanned(snap.clone());
        let ticket = self.next_ticket();
        self.state.marks.pending = Some(ticket);
        vec![Effect::MarksTotal {
            ticket,
            snapshot,
            kind,
        }]
    }

    /// Previews removing the marked packages, versions and entries, or else the
    /// selected package (the one of the detail screen there), or on the bucket screen the
    /// selected entry.
    pub(super) fn clean(&mut self) -> Vec<Effect> {
        let m = &self.state.marks;
        if !m.is_empty() {
            let packages: Vec<String> = m.packages.iter().cloned().collect();
            let versions: Vec<(String, String)> = m.versions.iter().cloned().collect();
            let entries: Vec<std::path::PathBuf> = m.entries.iter().cloned().collect();
            let mut names: Vec<String> = packages.clone();
            names.extend(versions.iter().map(|(p, v)| format!("{p}=={v}")));
            names.extend(
                entries
                    .iter()
                    .map(|p| crate::text::escape_path(p).into_owned()),
            );
            let (title, kind) = if versions.is_empty() && entries.is_empty() {
                (
                    format!("Clean {}", listing(&names)),
                    PlanKind::Clean(packages),
                )
            } else {
                let plans = versions.len()
                    + usize::from(!packages.is_empty())
                    + usize::from(!entries.is_empty());
                let verb = if packages.is_empty() && versions.is_empty() {
                    "Remove"
                } else {
                    "Clean"
                };
                let title = if plans == 1 && !entries.is_empty() {
                    format!("{verb} {}", listing(&names))
                } else {
                    format!(
                        "{verb} {} · {plans} plans, applied in turn",
                        listing(&names)
                    )
                };
                (
                    title,
                    PlanKind::Marked {
                        packages,
                        versions,
                        entries,
                    },
                )
            };
            let effects = self.open_plan(title, kind);
            if let Some(d) = self.plan_dialog() {
                d.from_marks = true;
            }
            return effects;
        }
        if self.state.screen == Screen::Bucket {
            let Some(path) = self.markable_bucket_entry() else {
                return vec![];
            };
            let title = format!("Remove {}", crate::text::escape_path(&path));
            let kind = PlanKind::Marked {
                packages: vec![],
                versions: vec![],
                entries: vec![path],
            };
            return self.open_plan(title, kind);
        }
        let name = match self.state.screen {
            Screen::Detail => self.state.detail.as_ref().map(|d| d.name.clone()),
            _ => self.state.table.selected_package().map(|p| p.name.clone()),
        };
        match name {
            Some(n) => self.open_plan(format!("Clean {n}"), PlanKind::Clean(vec![n])),
            None => {
                self.say(Level::Warn, "no package selected".into());
                vec![]
            }
        }
    }
}

/// `a, b, c`, or `12 marked: a, b, c, …` when there are more than three.
fn listing(names: &[String]) -> String {
    if names.len() <= 3 {
        return names.join(", ");
    }
    format!("{} marked: {}, …", names.len(), names[..3].join(", "))
}
