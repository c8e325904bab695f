//! The overview: where the cache is, which uv owns it, totals, and every
//! bucket with its state and a size bar.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::format::{age, bar, bytes, count};
use super::progress;
use crate::engine::layout::TopLevel;
use crate::engine::model::{Bucket, Snapshot};
use crate::text::{escape, escape_path};
use crate::tui::app::{ScanStatus, State};

/// The overview's regions: the header lines, the gauge, and the buckets table.
fn regions(area: Rect, state: &State) -> (Vec<Line<'static>>, Rect, Rect, Rect) {
    let lines = head_lines(state);
    let running = matches!(state.scan, ScanStatus::Running { .. });
    let [head, gauge, _, table] = Layout::vertical([
        Constraint::Length(u16::try_from(lines.len()).unwrap_or(u16::MAX)),
        Constraint::Length(if running { progress::ROWS } else { 0 }),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    (lines, head, gauge, table)
}

/// How many bucket rows there are, and how many fit on the screen.
pub fn rows_and_page(state: &State) -> (usize, usize) {
    let body = super::areas(state, super::screen(state)).body;
    let (_, _, _, table) = regions(body, state);
    let rows = state.snapshot.as_ref().map_or(0, |s| s.buckets.len());
    (rows, usize::from(table.height.saturating_sub(1)).max(1))
}

fn head_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let label = |s: &'static str| Span::styled(format!("{s:<7}"), t.header);
    let mut lines = vec![Line::from(vec![
        label("Cache"),
        Span::raw(escape_path(&state.root.path).into_owned()),
    ])];
    lines.push(Line::from(vec![
        label(""),
        Span::styled(format!("found by: {}", state.root.rule), t.dim),
    ]));
    if let Some(s) = state.snapshot.as_deref() {
        lines.extend(summary(s, state));
    }
    let width = usize::from(state.size.0);
    lines
        .into_iter()
        .map(|l| super::format::fit_line(l, width))
        .collect()
}

/// Draws the overview.
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let snap = state.snapshot.as_deref();
    let running = match &state.scan {
        ScanStatus::Running {
            phase, progress, ..
        } => Some((*phase, *progress)),
        _ => None,
    };
    let (lines, head, gauge, table) = regions(area, state);
    f.render_widget(Paragraph::new(lines), head);
    if let Some((phase, p)) = running {
        progress::draw(f, gauge, state, phase, &p);
    }
    if let Some(s) = snap {
        buckets(f, table, s, state);
    }
}

fn summary(s: &Snapshot, state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let label = |s: &'static str| Span::styled(format!("{s:<7}"), t.header);
    let packages = state.table.packages.len();
    let mut lines = vec![
        Line::from(vec![
            label("uv"),
            Span::raw(format!("{} ({})", s.uv.version, s.uv.from)),
        ]),
        Line::from(vec![
            label("Total"),
            Span::raw(format!(
                "{} logical · {} on disk · {} reclaimable {}",
                bytes(s.total.logical_bytes),
                bytes(s.total.disk_bytes),
                bytes(s.total.reclaimable_bytes),
                match s.index.reclaimable_as_of {
                    // Links from outside the cache were counted by an earlier scan.
                    Some(t) => format!("as of {} ago", age(state.now, Some(t))),
                    None => "now".to_string(),
                }
            )),
        ]),
        Line::from(vec![
            label(""),
            Span::styled(
                format!(
                    "{} · {} · {} · scanned in {}ms{}",
                    count(packages as u64, "package", "packages"),
                    count(s.entries.len() as u64, "entry", "entries"),
                    count(s.total.files, "file", "files"),
                    s.elapsed_ms,
                    if s.index.archives_reused > 0 {
                        format!(
                            " ({} of {} archives from the scan index)",
                            s.index.archives_reused,
                            s.index.archives_reused + s.index.archives_walked
                        )
                    } else {
                        String::new()
                    }
                ),
                t.dim,
            ),
        ]),
    ];
    if let Some(c) = &s.index.changes
        && let Some(what) = crate::engine::report::growth(c)
    {
        lines.push(Line::from(vec![
            label("Since"),
            Span::raw(format!(
                "the last scan {} ago: {what}",
                age(state.now, c.since)
            )),
        ]));
    }
    let stale: u64 = s
        .buckets
        .iter()
        .filter(|b| b.class != TopLevel::Current)
        .map(|b| b.sizes.disk_bytes)
        .sum();
    lines.push(Line::from(vec![
        label("Other"),
        if stale > 0 {
            Span::styled(
                format!(
                    "{} on disk in buckets uv {} does not use (p previews the prune)",
                    bytes(stale),
                    s.uv.version
                ),
                t.warn,
            )
        } else {
            Span::styled(
                format!(
                    "no other release's buckets: all belong to uv {}",
                    s.uv.version
                ),
                t.good,
            )
        },
    ]));
    if s.errors.total() > 0 {
        lines.push(Line::from(vec![
            label("Errors"),
            Span::styled(
                format!(
                    "{} problems while scanning (l shows the log)",
                    s.errors.total()
                ),
                t.bad,
            ),
        ]));
    }
    lines
}

fn buckets(f: &mut Frame, area: Rect, s: &Snapshot, state: &State) {
    let t = &state.theme;
    let list: Vec<&Bucket> = crate::tui::app::browse::bucket_order(s)
        .into_iter()
        .filter_map(|i| s.buckets.get(i))
        .collect();
    let (area, scroll_bar) = super::room_for_bar(area, list.len(), 1);
    let total = s.total.disk_bytes.max(1) as f64;
    let bar_width = usize::from(area.width.saturating_sub(16 + 8 + 7 + 3 * 9 + 6)).max(1);
    let right = |text: String| Cell::from(Line::from(text).right_aligned());
    let rows = list.iter().map(|b| {
        let (state_label, style) = match b.class {
            TopLevel::Current => ("current", t.good),
            TopLevel::Stale => ("other uv", t.warn),
            _ => ("unknown", t.bad),
        };
        Row::new([
            Cell::from(escape(&b.name).into_owned()),
            Cell::from(Span::styled(state_label, style)),
            right(b.entries.to_string()),
            right(bytes(b.sizes.logical_bytes)),
            right(bytes(b.sizes.disk_bytes)),
            right(bytes(b.sizes.reclaimable_bytes)),
            Cell::from(Span::styled(
                bar(b.sizes.disk_bytes as f64 / total, bar_width),
                t.bar,
            )),
        ])
    });
    let header = Row::new([
        Cell::from("BUCKET"),
        Cell::from("STATE"),
        right("ENTRIES".into()),
        right("LOGICAL".into()),
        right("ON DISK".into()),
        right("RECLAIM".into()),
        Cell::from("SHARE OF DISK"),
    ])
    .style(t.header);
    let widths = [
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let visible = usize::from(area.height.saturating_sub(1));
    let offset = state
        .overview
        .offset
        .min(list.len().saturating_sub(visible));
    f.render_stateful_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .style(Style::default())
            .row_highlight_style(t.selected),
        area,
        &mut ratatui::widgets::TableState::new()
            .with_offset(offset)
            .with_selected(Some(state.overview.selected)),
    );
    // Behind an overlay the screen is inert: no scroll bar peeking out at its edge.
    if let Some(b) = scroll_bar.filter(|_| state.modal.is_none()) {
        super::scrollbar(f, b, state, list.len(), offset);
    }
}
