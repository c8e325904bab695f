//! The help overlay, generated from the keymap: per context, the keys of
//! each action with its description.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{popup, screen};
use crate::tui::app::State;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::ui::theme::Theme;

/// Widest key column.
const KEY_WIDTH: usize = 16;

/// The help's lines: a heading per context, then `keys  description`.
fn lines(keymap: &Keymap, t: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for c in Context::ALL {
        // Keys with the same action and description share a line, in file order.
        let mut rows: Vec<(Vec<&str>, &str)> = Vec::new();
        for b in keymap.bindings(c) {
            match rows.iter_mut().find(|r| r.1 == b.description) {
                Some(r) => r.0.push(&b.label),
                None => rows.push((vec![&b.label], &b.description)),
            }
        }
        if rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(c.title().to_string(), t.header));
        for (keys, description) in rows {
            let keys = keys.join(", ");
            let pad = KEY_WIDTH.saturating_sub(keys.chars().count());
            out.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(keys, t.key),
                Span::raw(" ".repeat(pad + 1)),
                Span::raw(description.to_string()),
            ]));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Customise", t.header));
    for (file, what) in [
        ("keymap.toml", "keys, in the format of the built-in keymap"),
        ("theme.toml", "colours: styles replacing the built-in ones"),
        ("", "(in <config dir>/uvcache/, e.g. ~/.config/uvcache/)"),
    ] {
        let pad = KEY_WIDTH.saturating_sub(file.chars().count());
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(file, t.key),
            Span::raw(" ".repeat(pad + 1)),
            Span::raw(what),
        ]));
    }
    out
}

/// The largest useful scroll position.
pub fn max_scroll(state: &State) -> u16 {
    let n = lines(&state.keymap, &state.theme).len();
    let inner = Block::bordered().inner(popup(screen(state), n));
    u16::try_from(n.saturating_sub(usize::from(inner.height))).unwrap_or(u16::MAX)
}

/// Draws the help over `area`, scrolled by `scroll` lines.
pub fn draw(f: &mut Frame, area: Rect, state: &State, scroll: u16) {
    let t = &state.theme;
    let lines = lines(&state.keymap, t);
    let outer = popup(area, lines.len());
    f.render_widget(Clear, outer);
    let block = Block::bordered()
        .border_style(t.border)
        .title(Span::styled(" Keys ", t.header));
    let total = lines.len();
    f.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        outer,
    );
    super::scrollbar(
        f,
        Block::bordered().inner(outer),
        state,
        total,
        usize::from(scroll),
    );
}
