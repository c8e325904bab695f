//! The marked pane: every marked package (●), version (◐) and entry (●, with its kind) with
//! its size on disk, and what removing all of them frees: the totals of the very plans `d`
//! shows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::format::{bytes, count, truncate};
use super::popup;
use crate::text::{escape, escape_path};
use crate::tui::app::{MarkedItem, State};

/// The on-disk bytes of what `item` marks: the package's (hard links once), or the sum of
/// its version's entries; only the package's own entries are looked at (the pane stays quick
/// on a cache of millions of entries).
fn disk_of(state: &State, item: &MarkedItem) -> u64 {
    let (name, version) = match item {
        MarkedItem::Package(p) => (p, None),
        MarkedItem::Version(p, v) => (p, Some(v)),
        MarkedItem::Entry(path) => {
            return state.marks.entry_facts.get(path).map_or(0, |f| f.1);
        }
    };
    let packages = &state.table.packages;
    let Ok(i) = packages.binary_search_by(|p| p.name.as_str().cmp(name)) else {
        return 0;
    };
    let p = &packages[i];
    let (Some(v), Some(snap)) = (version, &state.snapshot) else {
        return p.sizes.disk_bytes;
    };
    p.ids
        .iter()
        .filter_map(|id| snap.entries.get(*id as usize))
        .filter(|e| e.version.as_deref() == Some(v.as_str()))
        .map(|e| e.sizes.disk_bytes)
        .sum()
}

/// Draws the pane over `area`, `selected` highlighted.
pub fn draw(f: &mut Frame, area: Rect, state: &State, selected: usize) {
    let t = &state.theme;
    let list = crate::tui::app::marked::items(&state.marks);
    let outer = popup(area, list.len() + 3);
    f.render_widget(Clear, outer);
    let title = format!(" Marked: {} ", count(list.len() as u64, "mark", "marks"));
    f.render_widget(
        Block::bordered()
            .border_style(t.border)
            .title(Span::styled(title, t.header)),
        outer,
    );
    let inner = Block::bordered().inner(outer);
    let [rows, _, total] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let (rows, bar) = super::room_for_bar(rows, list.len(), 0);
    let width = usize::from(rows.width);
    let page = usize::from(rows.height).max(1);
    let offset = selected.saturating_sub(page - 1);
    let lines: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(offset)
        .take(page)
        .map(|(i, item)| {
            let (mark, name, what) = match item {
                MarkedItem::Package(p) => ("●", escape(p).into_owned(), "every version"),
                MarkedItem::Version(p, v) => {
                    ("◐", format!("{}=={}", escape(p), escape(v)), "one version")
                }
                MarkedItem::Entry(path) => (
                    "●",
                    escape_path(path).into_owned(),
                    state
                        .marks
                        .entry_facts
                        .get(path)
                        .map_or("entry", |f| f.0.as_str()),
                ),
            };
            let what = truncate(what, 13);
            let size = bytes(disk_of(state, item));
            let room = width.saturating_sub(2 + 14 + 10);
            let text = format!(
                "{mark} {:<room$} {what:<13} {size:>9}",
                truncate(&name, room)
            );
            let style = if i == selected {
                t.selected
            } else {
                ratatui::style::Style::default()
            };
            Line::styled(text, style)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), rows);
    if let Some(bar) = bar {
        super::scrollbar(f, bar, state, list.len(), offset);
    }
    let m = &state.marks;
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(if m.pending.is_some() {
                "Removing them all frees ~"
            } else {
                "Removing them all frees "
            }),
            Span::styled(bytes(m.sizes.reclaimable_bytes), t.header),
            Span::styled(format!(" ({} on disk)", bytes(m.sizes.disk_bytes)), t.dim),
        ])),
        total,
    );
}
