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

/// Draws the overview.
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
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
    let snap = state.snapshot.as_deref();
    if let Some(s) = snap {
        lines.extend(summary(s, state));
    }
    let running = match &state.scan {
        ScanStatus::Running { phase, progress } => Some((*phase, *progress)),
        _ => None,
    };
    let [head, gauge, _, table] = Layout::vertical([
        Constraint::Length(u16::try_from(lines.len()).unwrap_or(u16::MAX)),
        Constraint::Length(if running.is_some() { progress::ROWS } else { 0 }),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
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
        label("Stale"),
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
                format!("none: every bucket belongs to uv {}", s.uv.version),
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
    let mut list: Vec<&Bucket> = s.buckets.iter().collect();
    list.sort_by(|a, b| {
        b.sizes
            .disk_bytes
            .cmp(&a.sizes.disk_bytes)
            .then(a.name.cmp(&b.name))
    });
    let total = s.total.disk_bytes.max(1) as f64;
    let bar_width = usize::from(area.width.saturating_sub(16 + 8 + 7 + 3 * 9 + 6)).max(1);
    let right = |text: String| Cell::from(Line::from(text).right_aligned());
    let rows = list.iter().map(|b| {
        let (state_label, style) = match b.class {
            TopLevel::Current => ("current", t.good),
            TopLevel::Stale => ("stale", t.warn),
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
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .style(Style::default()),
        area,
    );
}
