//! The packages table: one row per package, sortable and filterable, with
//! a mark column (● the whole package, ◐ some of its versions).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::format::{age, bytes};
use super::{areas, progress, screen};
use crate::engine::query::Package;
use crate::tui::app::{Marked, ScanStatus, SortColumn, State};

const COLUMNS: [(&str, SortColumn, bool); 7] = [
    ("NAME", SortColumn::Name, false),
    ("VERSIONS", SortColumn::Versions, false),
    ("SOURCES", SortColumn::Sources, false),
    ("LOGICAL", SortColumn::Logical, true),
    ("ON DISK", SortColumn::Disk, true),
    ("RECLAIM", SortColumn::Reclaimable, true),
    ("NEWEST", SortColumn::Newest, true),
];

/// The table's area and, while scanning, the gauge's.
fn split(area: Rect, state: &State) -> (Option<Rect>, Rect) {
    if matches!(state.scan, ScanStatus::Running { .. }) {
        let [gauge, table] =
            Layout::vertical([Constraint::Length(progress::ROWS), Constraint::Fill(1)]).areas(area);
        (Some(gauge), table)
    } else {
        (None, area)
    }
}

/// How many package rows fit on the screen.
pub fn page_rows(state: &State) -> usize {
    let body = areas(state, screen(state)).body;
    let (_, table) = split(body, state);
    usize::from(table.height.saturating_sub(1)).max(1)
}

/// Draws the table (and the gauge while scanning).
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let (gauge, area) = split(area, state);
    if let (Some(g), ScanStatus::Running { phase, progress }) = (gauge, &state.scan) {
        progress::draw(f, g, state, phase, progress);
    }
    let t = &state.theme;
    let table = &state.table;
    if table.rows.is_empty() && state.snapshot.is_some() {
        let text = if table.filter.is_empty() {
            "No packages in this cache.".to_string()
        } else {
            format!("No package name contains `{}`.", table.filter)
        };
        f.render_widget(Paragraph::new(text).style(t.dim), area);
        return;
    }
    let arrow = if table.reversed { "▲" } else { "▼" };
    let header = Row::new(
        std::iter::once(cell(String::new(), false)).chain(COLUMNS.iter().map(
            |(name, col, right)| {
                let label = if *col == table.sort {
                    format!("{name}{arrow}")
                } else {
                    (*name).to_string()
                };
                cell(label, *right)
            },
        )),
    )
    .style(t.header);
    let rows = table
        .rows
        .iter()
        .filter_map(|i| table.packages.get(*i))
        .map(|p| row(p, state));
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(2),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(7),
    ];
    let widget = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(t.selected);
    let mut ts = TableState::new()
        .with_offset(table.offset)
        .with_selected(Some(table.selected));
    f.render_stateful_widget(widget, area, &mut ts);
}

fn row<'a>(p: &'a Package, state: &State) -> Row<'a> {
    let mark = match state.marks.of_package(&p.name) {
        Marked::No => Cell::from(""),
        Marked::Versions => Cell::from(Span::styled("◐", state.theme.warn)),
        Marked::Whole => Cell::from(Span::styled("●", state.theme.warn)),
    };
    Row::new([
        mark,
        cell(p.name.clone(), false),
        cell(p.versions.join(", "), false),
        cell(p.sources.join(","), false),
        cell(bytes(p.sizes.logical_bytes), true),
        cell(bytes(p.sizes.disk_bytes), true),
        cell(bytes(p.sizes.reclaimable_bytes), true),
        cell(age(state.now, p.newest), true),
    ])
}

fn cell<'a>(text: String, right: bool) -> Cell<'a> {
    let line = Line::from(text);
    Cell::from(if right { line.right_aligned() } else { line })
}
