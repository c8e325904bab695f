//! The log: scan summaries, removals, warnings and errors with paths. As a pane under the
//! screen (the newest lines that fit), or full screen, wrapped and scrollable, each line with
//! its time (UTC).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Areas;
use crate::text::escape;
use crate::tui::app::{LogLine, State};
use crate::tui::msg::Level;

fn tag(l: &LogLine, state: &State) -> (&'static str, Style) {
    let t = &state.theme;
    match l.level {
        Level::Info => ("", Style::default()),
        Level::Warn => ("warning: ", t.warn),
        Level::Error => ("error: ", t.bad),
    }
}

/// Draws the newest log lines that fit.
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Span::styled(" Log (l again: full screen) ", t.header));
    let rows = usize::from(block.inner(area).height);
    let start = state.log.len().saturating_sub(rows);
    let lines: Vec<Line> = state.log[start..]
        .iter()
        .map(|l| {
            let (tag, style) = tag(l, state);
            Line::from(vec![
                Span::styled(tag, style),
                Span::raw(escape(&l.text).into_owned()),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// `HH:MM:SS` (UTC) of a log line.
fn clock(l: &LogLine) -> String {
    let stamp = humantime::format_rfc3339_seconds(l.at).to_string();
    stamp.get(11..19).unwrap_or("").to_string()
}

/// The full-screen log's lines, wrapped to `width`.
fn full_lines(state: &State, width: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out = Vec::new();
    if state.log_dropped > 0 {
        out.push(Line::styled(
            format!(
                "({} older lines are only in the log file)",
                state.log_dropped
            ),
            t.dim,
        ));
    }
    for l in &state.log {
        let (tag, style) = tag(l, state);
        let text = format!("{tag}{}", escape(&l.text));
        let indent = 9;
        for (i, part) in super::why::wrap(&text, width.saturating_sub(indent).max(10))
            .into_iter()
            .enumerate()
        {
            let time = if i == 0 { clock(l) } else { String::new() };
            out.push(Line::from(vec![
                Span::styled(format!("{time:<8} "), t.dim),
                Span::styled(part, style),
            ]));
        }
    }
    out
}

/// The region of the full-screen log: everything between the tabs and the footer.
fn full_area(state: &State) -> Rect {
    let a = super::areas(state, super::screen(state));
    let bottom = a.footer.y;
    Rect {
        height: bottom.saturating_sub(a.body.y),
        ..a.body
    }
}

/// Text rows of the full-screen log.
pub fn page_rows(state: &State) -> usize {
    usize::from(full_area(state).height.saturating_sub(1)).max(1)
}

/// The largest useful scroll position of the full-screen log.
pub fn max_scroll(state: &State) -> usize {
    let area = full_area(state);
    let lines = full_lines(state, usize::from(area.width.saturating_sub(1))).len();
    lines.saturating_sub(page_rows(state))
}

/// Draws the log full screen, scrolled to `scroll`.
pub fn draw_full(f: &mut Frame, _areas: Areas, state: &State, scroll: usize) {
    let t = &state.theme;
    let area = full_area(state);
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Span::styled(" Log (times in UTC) ", t.header));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = full_lines(state, usize::from(inner.width.saturating_sub(1)));
    let total = lines.len();
    let (text, bar) = super::room_for_bar(inner, total, 0);
    let scroll = scroll.min(total.saturating_sub(usize::from(text.height)));
    f.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        text,
    );
    if let Some(bar) = bar {
        super::scrollbar(f, bar, state, total, scroll);
    }
}
