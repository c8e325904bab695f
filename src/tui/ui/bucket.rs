//! A bucket's entries, whatever they are (wheels, source builds, archives nothing refers to,
//! interpreters, cached environments, the entries of another uv release's bucket): path, kind,
//! package and version when known, state, and sizes, marked entries with ●. Enter lists an
//! entry's files.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::format::{bytes, count, truncate};
use super::{areas, screen};
use crate::engine::layout::TopLevel;
use crate::text::{escape, escape_path};
use crate::tui::app::State;

/// Rows above the table: the bucket's summary, then a blank line.
const HEAD_ROWS: u16 = 2;

fn table_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(HEAD_ROWS), Constraint::Fill(1)]).areas::<2>(body)[1]
}

/// How many entries the open bucket has, and how many rows fit on the screen.
pub fn rows_and_page(state: &State) -> (usize, usize) {
    let rows = match (&state.snapshot, &state.bucket) {
        (Some(_), Some(b)) => b.ids.len(),
        _ => 0,
    };
    let table = table_area(areas(state, screen(state)).body);
    (rows, usize::from(table.height.saturating_sub(1)).max(1))
}

/// Draws the open bucket.
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let (Some(snap), Some(view)) = (&state.snapshot, &state.bucket) else {
        return;
    };
    let Some(bucket) = snap.buckets.get(view.bucket) else {
        return;
    };
    let ids = &view.ids;
    let whose = match bucket.class {
        TopLevel::Current => format!("uv {}'s bucket", snap.uv.version),
        _ => "another uv release's bucket: p (prune) removes it whole, d leaves it".into(),
    };
    let head = Line::from(vec![
        Span::styled(escape(&bucket.name).into_owned(), t.title),
        Span::raw(format!(
            "  {} · {} on disk · {} reclaimable · ",
            count(ids.len() as u64, "entry", "entries"),
            bytes(bucket.sizes.disk_bytes),
            bytes(bucket.sizes.reclaimable_bytes),
        )),
        Span::styled(
            whose,
            if bucket.class == TopLevel::Current {
                t.dim
            } else {
                t.warn
            },
        ),
    ]);
    f.render_widget(
        Paragraph::new(super::format::fit_line(head, usize::from(area.width))),
        Rect { height: 1, ..area },
    );
    let table = table_area(area);
    if ids.is_empty() {
        f.render_widget(
            Paragraph::new("No entries: the bucket holds only its own files (locks, indexes).")
                .style(t.dim),
            table,
        );
        return;
    }
    let (table, bar) = super::room_for_bar(table, ids.len(), 1);
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(3),
        Constraint::Length(14),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    let room: Vec<usize> = Layout::horizontal(widths)
        .spacing(1)
        .split(table)
        .iter()
        .map(|r| usize::from(r.width))
        .collect();
    let fit = |i: usize, text: String| truncate(&text, room.get(i).copied().unwrap_or(20));
    let right = |text: String| Cell::from(Line::from(text).right_aligned());
    let (shown_rows, selected) = super::visible_rows(
        ids.len(),
        view.list.offset,
        view.list.selected,
        table.height,
        1,
    );
    let rows = ids[shown_rows.clone()]
        .iter()
        .filter_map(|id| snap.entries.get(*id as usize))
        .map(|e| {
            let rel = e
                .path
                .strip_prefix(&bucket.name)
                .ok()
                .filter(|r| !r.as_os_str().is_empty())
                .unwrap_or(&e.path)
                .to_path_buf();
            // An entry of another release's bucket is that release's, whatever its state.
            let state_label = if bucket.class == TopLevel::Current {
                format!("{:?}", e.state).to_lowercase()
            } else {
                "other uv".to_string()
            };
            let package = match (&e.package, &e.version) {
                (Some(p), Some(v)) => format!("{} {}", escape(p), escape(v)),
                (Some(p), None) => escape(p).into_owned(),
                _ => "-".into(),
            };
            let mark = if state.marks.has_entry(&e.path) {
                Cell::from(Span::styled("●", t.warn))
            } else {
                Cell::from("")
            };
            Row::new([
                mark,
                Cell::from(fit(1, escape_path(&rel).into_owned())),
                Cell::from(fit(2, e.kind.as_str().to_string())),
                Cell::from(fit(3, package)),
                Cell::from(fit(4, state_label)),
                right(bytes(e.sizes.disk_bytes)),
                right(bytes(e.sizes.reclaimable_bytes)),
            ])
        });
    let header = Row::new([
        Cell::from(""),
        Cell::from("PATH"),
        Cell::from("KIND"),
        Cell::from("PACKAGE"),
        Cell::from("STATE"),
        right("ON DISK".into()),
        right("RECLAIM".into()),
    ])
    .style(t.header);
    let mut ts = TableState::new().with_selected(Some(selected));
    f.render_stateful_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .row_highlight_style(t.selected),
        table,
        &mut ts,
    );
    // Behind an overlay the screen is inert: no scroll bar peeking out at its edge.
    if let Some(bar) = bar.filter(|_| state.modal.is_none()) {
        super::scrollbar(f, bar, state, ids.len(), shown_rows.start);
    }
}
