//! The screen shown when there is no cache where uvcache looked.

use std::path::Path;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::text::escape_path;
use crate::tui::action::Action;
use crate::tui::app::State;
use crate::tui::keymap::Context;

/// Says where the cache was looked for, by which rule, and how to point elsewhere.
pub fn draw(f: &mut Frame, area: Rect, state: &State, path: &Path) {
    let t = &state.theme;
    let mut lines = vec![
        Line::raw(""),
        Line::styled("  No uv cache here (yet).", t.header),
        Line::raw(""),
        Line::from(vec![
            Span::styled("  Looked in  ", t.dim),
            Span::raw(escape_path(path).into_owned()),
        ]),
        Line::from(vec![
            Span::styled("  Chosen by  ", t.dim),
            Span::raw(state.root.rule.to_string()),
        ]),
        Line::raw(""),
        Line::raw("  uv creates its cache the first time it downloads or builds something."),
        Line::raw("  To look at another cache:"),
        Line::raw(""),
        Line::styled("    uvcache --cache-dir DIR", t.key),
        Line::styled("    UV_CACHE_DIR=DIR uvcache", t.key),
        Line::raw(""),
        Line::raw(
            "  (`uv cache dir` prints the cache uv uses; `uvcache dir -v` explains the choice.)",
        ),
    ];
    let keys = &state.keymap;
    if let (Some(r), Some(q)) = (
        keys.label(Context::Global, Action::Rescan),
        keys.label(Context::Global, Action::Quit),
    ) {
        lines.push(Line::raw(format!("  {r} looks again, {q} quits.")));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
