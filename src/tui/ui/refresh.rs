//! The refresh confirmation: exactly which uv command would run and where,
//! with Cancel (focused first) and Run buttons; or why nothing can run.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::popup;
use super::why::wrap;
use crate::text::escape;
use crate::tui::app::target_line;
use crate::tui::app::{Focus, RefreshDialog, RefreshStage, State};

/// The dialog's text as (text, style) lines before wrapping.
fn raw_lines(d: &RefreshDialog, state: &State) -> Vec<(String, Style)> {
    let t = &state.theme;
    let plain = Style::default();
    match &d.stage {
        RefreshStage::Preparing => vec![(
            "Looking for the project or environment, and for uv…".into(),
            t.dim,
        )],
        RefreshStage::Failed(text) => vec![
            (format!("Cannot refresh {}:", d.package), t.header),
            (text.clone(), t.bad),
        ],
        RefreshStage::Ready(prep) => {
            let mut out = vec![
                (
                    format!(
                        "uv will fetch {} again (revalidating cached responses, rebuilding a local \
                         source) and reinstall it into the {}. It runs:",
                        d.package,
                        target_line(&prep.target)
                    ),
                    plain,
                ),
                (String::new(), plain),
                (format!("  {}", prep.command.display()), t.key),
                (String::new(), plain),
            ];
            for note in &prep.command.notes {
                out.push((format!("! {note}"), t.warn));
            }
            out.push((
                "Its output goes to the log; then the cache is scanned again and what changed \
                 for the package is listed there."
                    .into(),
                t.dim,
            ));
            out
        }
    }
}

/// Draws the dialog over `area`.
pub fn draw(f: &mut Frame, area: Rect, state: &State, d: &RefreshDialog) {
    let t = &state.theme;
    let width = usize::from(Block::bordered().inner(popup(area, 0)).width);
    let lines: Vec<Line> = raw_lines(d, state)
        .into_iter()
        .flat_map(|(text, style)| {
            wrap(&escape(&text), width)
                .into_iter()
                .map(move |l| Line::from(Span::styled(l, style)))
        })
        .collect();
    let outer = popup(area, lines.len() + 2);
    f.render_widget(Clear, outer);
    f.render_widget(
        Block::bordered()
            .border_style(t.border)
            .title(Span::styled(format!(" Refresh {} ", d.package), t.header)),
        outer,
    );
    let [text, _, buttons] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(Block::bordered().inner(outer));
    f.render_widget(Paragraph::new(lines), text);
    let ready = matches!(d.stage, RefreshStage::Ready(_));
    let focused = |f: Focus, style: Style| {
        if ready && d.focus == f {
            style
        } else {
            t.button
        }
    };
    let mut spans = vec![Span::styled(
        if ready { "[ Cancel ]" } else { "[ Close ]" },
        focused(Focus::Cancel, t.button_focused),
    )];
    if ready {
        spans.push(Span::raw("   "));
        spans.push(Span::styled(
            "[ Run uv ]",
            focused(Focus::Confirm, t.danger_focused),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans).centered()), buttons);
}
