//! The log pane: scan summaries, removals, warnings and errors with paths.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::text::escape;
use crate::tui::app::State;
use crate::tui::msg::Level;

/// Draws the newest log lines that fit.
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Span::styled(" Log ", t.header));
    let rows = usize::from(block.inner(area).height);
    let start = state.log.len().saturating_sub(rows);
    let lines: Vec<Line> = state.log[start..]
        .iter()
        .map(|l| {
            let (tag, style) = match l.level {
                Level::Info => ("", Style::default()),
                Level::Warn => ("warning: ", t.warn),
                Level::Error => ("error: ", t.bad),
            };
            Line::from(vec![
                Span::styled(tag, style),
                Span::raw(escape(&l.text).into_owned()),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}
