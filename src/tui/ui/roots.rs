//! The roots screen: every known environment using the cache (projects, virtual
//! environments, tools, the cache's own environments), what of the cache each one uses, when
//! uv last installed into it, and those gone since they were found.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

use super::format::{age, bytes};
use super::packages::cell;
use super::{areas, screen};
use crate::engine::roots::Usage;
use crate::text::escape_path;
use crate::tui::app::State;
use crate::tui::app::roots::order;

/// Rows above the table: the summary, then a blank line.
const HEAD_ROWS: u16 = 3;

/// The table's area within the body.
fn table_area(body: Rect) -> Rect {
    let [_, table] =
        Layout::vertical([Constraint::Length(HEAD_ROWS), Constraint::Fill(1)]).areas(body);
    table
}

/// How many root rows fit on the screen.
pub fn page_rows(state: &State) -> usize {
    let table = table_area(areas(state, screen(state)).body);
    usize::from(table.height.saturating_sub(1)).max(1)
}

/// The row (in display order) drawn at screen row `y`, if any.
pub fn row_at(state: &State, x: u16, y: u16) -> Option<usize> {
    let table = table_area(areas(state, screen(state)).body);
    let rows = state.usage.as_ref().map_or(0, |(u, _)| u.roots.len());
    let first = table.y + 1;
    if x < table.x || x >= table.x + table.width || y < first || y >= table.y + table.height {
        return None;
    }
    let index = state.roots.offset + usize::from(y - first);
    (index < rows).then_some(index)
}

/// Draws the roots screen.
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let [head, _] =
        Layout::vertical([Constraint::Length(HEAD_ROWS), Constraint::Fill(1)]).areas(area);
    let table_area = table_area(area);
    let Some((usage, _)) = &state.usage else {
        let text = if state.snapshot.is_some() {
            "Finding the environments that use this cache…"
        } else {
            "The roots are found once the scan has finished."
        };
        f.render_widget(Paragraph::new(text).style(t.dim), head);
        return;
    };
    f.render_widget(Paragraph::new(summary(usage, state)), head);
    if usage.roots.is_empty() {
        f.render_widget(
            Paragraph::new(
                "No environment is known to use this cache. `uvcache roots --discover` searches \
                 your home directory; `uvcache roots add PATH` registers one.",
            )
            .style(t.dim),
            table_area,
        );
        return;
    }
    let (table_area, bar) = super::room_for_bar(table_area, usage.roots.len(), 1);
    let header = Row::new(
        ["PATH", "KIND", "PYTHON", "PACKAGES", "USES", "INSTALLED"]
            .into_iter()
            .enumerate()
            .map(|(i, h)| cell(h.to_string(), i >= 3)),
    )
    .style(t.header);
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    let path_room = Layout::horizontal(widths)
        .spacing(1)
        .split(table_area)
        .first()
        .map_or(20, |r| usize::from(r.width));
    // The scanned root is canonical; the configured one may not be.
    let cache = state
        .snapshot
        .as_ref()
        .map_or(state.root.path.as_path(), |s| s.root.path.as_path());
    let rows = order(usage).into_iter().map(|i| {
        let r = &usage.roots[i];
        let path = shown_path(&r.root.path, cache);
        let row = Row::new([
            cell(truncate_left(&path, path_room), false),
            cell(r.root.kind.as_str().to_string(), false),
            cell(r.python.clone().unwrap_or_else(|| "-".into()), false),
            cell(
                if r.exists {
                    r.from_cache().to_string()
                } else {
                    "gone".into()
                },
                true,
            ),
            cell(bytes(r.uses_disk_bytes), true),
            cell(
                if r.installed_at.is_some() {
                    age(state.now, r.installed_at)
                } else {
                    "-".into()
                },
                true,
            ),
        ]);
        if r.exists { row } else { row.style(t.dim) }
    });
    let widget = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(t.selected);
    let mut ts = TableState::new()
        .with_offset(state.roots.offset)
        .with_selected(Some(state.roots.selected));
    f.render_stateful_widget(widget, table_area, &mut ts);
    // Behind an overlay the screen is inert: no scroll bar peeking out at its edge.
    if let Some(bar) = bar.filter(|_| state.modal.is_none()) {
        super::scrollbar(f, bar, state, usage.roots.len(), ts.offset());
    }
}

/// `19 environments use this cache: 3 project, 2 tool, 14 cached; 1 gone` and what no
/// environment uses.
fn summary(usage: &Usage, state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut gone = 0;
    for r in &usage.roots {
        if r.exists {
            *kinds.entry(r.root.kind.as_str()).or_insert(0) += 1;
        } else {
            gone += 1;
        }
    }
    let live = usage.roots.len() - gone;
    let mut first = format!(
        "{live} {} known to use this cache",
        if live == 1 {
            "environment is"
        } else {
            "environments are"
        }
    );
    if !kinds.is_empty() {
        let parts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        first.push_str(&format!(": {}", parts.join(", ")));
    }
    if gone > 0 {
        first.push_str(&format!("; {gone} gone since found"));
    }
    let mut lines = vec![Line::from(Span::styled(first, t.header))];
    if let Some(uses) = &state.table.uses {
        let unused: Vec<&crate::engine::query::Package> = state
            .table
            .packages
            .iter()
            .filter(|p| uses.get(&p.name).is_none_or(|u| u.users == 0))
            .collect();
        let disk: u64 = unused.iter().map(|p| p.sizes.disk_bytes).sum();
        let n = unused.len();
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{n} of {} {} no known environment uses ({} on disk); ",
                state.table.packages.len(),
                if state.table.packages.len() == 1 {
                    "package"
                } else {
                    "packages"
                },
                bytes(disk)
            )),
            Span::styled("U", t.key),
            Span::raw(" sorts them first"),
        ]));
    }
    lines
}

/// A root's path as shown: relative inside the cache (its kind says it is there), with `~`
/// for the home directory.
pub fn shown_path(path: &std::path::Path, cache: &std::path::Path) -> String {
    if let Ok(rel) = path.strip_prefix(cache) {
        return escape_path(rel).into_owned();
    }
    if let Some(home) = dirs::home_dir()
        && let Ok(rel) = path.strip_prefix(&home)
    {
        return format!("~/{}", escape_path(rel));
    }
    escape_path(path).into_owned()
}

/// `text` cut to `width` characters from the left, starting with `…` when cut (the end of a
/// path says the most).
pub fn truncate_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let tail: String = text.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::truncate_left;

    #[test]
    fn paths_are_cut_from_the_left() {
        assert_eq!(truncate_left("/home/me/p/.venv", 20), "/home/me/p/.venv");
        assert_eq!(truncate_left("/home/me/p/.venv", 8), "…p/.venv");
        assert_eq!(truncate_left("/x", 0), "");
    }
}
