//! The frame around every screen: the tab bar and the footer.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::bytes;
use crate::text::escape;
use crate::tui::app::{Modal, ScanStatus, Screen, State};
use crate::tui::keymap::Context;
use crate::tui::msg::Level;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The program's name at the left of the tab bar.
const NAME: &str = " uvcache ";

/// The tabs, left to right: label and screen.
fn tab_list(state: &State) -> Vec<(String, Screen)> {
    let mut tabs = vec![
        ("1 Overview".to_string(), Screen::Overview),
        ("2 Packages".to_string(), Screen::Packages),
        ("3 Roots".to_string(), Screen::Roots),
    ];
    if let Some(b) = &state.bucket {
        tabs.push((escape(&b.name).into_owned(), Screen::Bucket));
    }
    if let Some(d) = &state.detail {
        tabs.push((escape(&d.name).into_owned(), Screen::Detail));
    }
    tabs
}

/// The screen whose tab is at column `x` of the tab bar (the top row).
pub fn tab_at(state: &State, x: u16, y: u16) -> Option<Screen> {
    if y != 0 {
        return None;
    }
    let mut left = NAME.chars().count() + 1;
    let x = usize::from(x);
    for (label, screen) in tab_list(state) {
        let width = label.chars().count() + 2;
        if x >= left && x < left + width {
            return Some(screen);
        }
        left += width + 1;
    }
    None
}

/// The tab bar: program name, screens, scan status on the right.
pub fn tabs(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let mut spans = vec![Span::styled(NAME, t.title), Span::raw(" ")];
    for (label, screen) in tab_list(state) {
        let style = if state.screen == screen {
            t.tab_active
        } else {
            t.tab
        };
        spans.push(Span::styled(format!(" {label} "), style));
        spans.push(Span::raw(" "));
    }
    let status = status_text(state);
    let [left, right] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(u16::try_from(status.chars().count() + 1).unwrap_or(u16::MAX)),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(Line::from(spans)), left);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(status, t.dim)).right_aligned()),
        right,
    );
}

fn status_text(state: &State) -> String {
    if let Some(p) = &state.refreshing {
        let spin = SPINNER[usize::try_from(state.ticks % 10).unwrap_or(0)];
        return format!("{spin} uv refreshing {p}");
    }
    match &state.scan {
        ScanStatus::Running { progress, .. } => {
            let spin = SPINNER[usize::try_from(state.ticks % 10).unwrap_or(0)];
            format!(
                "{spin} scanning {}/{} entries",
                progress.entries_done, progress.entries_total
            )
        }
        ScanStatus::Done => match &state.snapshot {
            Some(s) => format!(
                "{} entries · {} on disk",
                s.entries.len(),
                bytes(s.total.disk_bytes)
            ),
            None => String::new(),
        },
        ScanStatus::Missing(_) => "no cache".into(),
        ScanStatus::Failed(_) => "scan failed".into(),
    }
}

/// The footer: what the marked items would free (when any are marked),
/// then the filter being typed, a message, or key hints.
pub fn footer(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let missing = matches!(state.scan, ScanStatus::Missing(_));
    let contexts: &[Context] = match (&state.modal, state.screen) {
        (Some(Modal::Help { .. }), _) => &[Context::Help],
        (None, _) if missing => &[Context::Global],
        (Some(Modal::Plan(_)), _) => &[Context::Plan],
        (Some(Modal::Refresh(_)), _) => &[Context::Refresh],
        (Some(Modal::Why(_)), _) => &[Context::Why],
        (Some(Modal::Trim(_)), _) => &[Context::Trim],
        (Some(Modal::Marked { .. }), _) => &[Context::Marked],
        (Some(Modal::Files(_)), _) => &[Context::Files],
        (Some(Modal::Log { .. }), _) => &[Context::Log],
        (None, Screen::Bucket) => &[Context::Bucket, Context::Global],
        (None, _) if state.table.editing => &[Context::Filter],
        (None, Screen::Packages) => &[Context::Packages, Context::Global],
        (None, Screen::Detail) => &[Context::Detail, Context::Global],
        (None, Screen::Roots) => &[Context::Roots, Context::Global],
        (None, Screen::Overview) => &[Context::Overview, Context::Global],
    };
    let mut spans = marks_summary(state);
    let matches = format!(
        " {} of {}",
        state.table.rows.len(),
        match &state.table.root_filter {
            Some((_, names)) => names.len(),
            None => state.table.packages.len(),
        }
    );
    if state.table.editing && state.modal.is_none() {
        spans.push(Span::styled("Filter: ", t.header));
        spans.push(Span::raw(format!("{}▏", escape(&state.table.filter))));
        spans.push(Span::styled(matches, t.dim));
        spans.push(Span::raw("  "));
    } else if let Some(msg) = &state.status {
        let style = match msg.level {
            Level::Info => Style::default(),
            Level::Warn => t.warn,
            Level::Error => t.bad,
        };
        spans.push(Span::styled(escape(&msg.text).into_owned(), style));
        f.render_widget(
            Paragraph::new(Line::from(spans)).wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    } else if !state.table.filter.is_empty()
        && state.screen == Screen::Packages
        && state.modal.is_none()
    {
        spans.push(Span::styled(
            format!(
                "filter /{} ({}) ",
                escape(&state.table.filter),
                matches.trim()
            ),
            t.dim,
        ));
    }
    // Whole hints only: one that does not fit is left out, not cut (`?` lists every key).
    let mut used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    for (key, hint) in state.keymap.hints(contexts) {
        let text = format!(" {hint}  ");
        let width = key.chars().count() + text.chars().count();
        if used + width > usize::from(area.width) + 2 {
            break;
        }
        used += width;
        spans.push(Span::styled(key.to_string(), t.key));
        spans.push(Span::raw(text));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The width of the marks summary on the footer.
pub fn marks_width(state: &State) -> usize {
    marks_summary(state)
        .iter()
        .map(|s| s.content.chars().count())
        .sum()
}

/// `● 2 marked · will free 3.1MiB`, when anything is marked.
fn marks_summary(state: &State) -> Vec<Span<'static>> {
    let m = &state.marks;
    if m.is_empty() {
        return vec![];
    }
    let t = &state.theme;
    vec![
        Span::styled(format!("● {} marked", m.len()), t.warn),
        Span::raw(if m.pending.is_some() {
            " · will free ~"
        } else {
            " · will free "
        }),
        Span::styled(bytes(m.sizes.reclaimable_bytes), t.header),
        Span::raw("  "),
    ]
}
