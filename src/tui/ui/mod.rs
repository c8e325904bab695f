//! Views: pure functions from the app's [`State`] to a frame.

pub mod bucket;
pub mod detail;
pub mod files;
pub mod format;
pub mod frame;
pub mod help;
pub mod log;
pub mod marked;
pub mod missing;
pub mod overview;
pub mod packages;
pub mod plan;
pub mod plan_items;
pub mod progress;
pub mod refresh;
pub mod roots;
pub mod theme;
pub mod trim;
pub mod why;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::app::{Modal, ScanStatus, Screen, State};

/// Rows of the log pane, border included.
const LOG_ROWS: u16 = 7;

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy)]
pub struct Areas {
    /// The tab bar (top row).
    pub tabs: Rect,
    /// The current screen.
    pub body: Rect,
    /// The log pane, when shown.
    pub log: Option<Rect>,
    /// The footer (bottom row).
    pub footer: Rect,
}

/// Splits the screen of `size` for `state`.
pub fn areas(state: &State, size: Rect) -> Areas {
    let log_rows = if state.show_log && size.height >= 16 {
        LOG_ROWS
    } else {
        0
    };
    // A long message (a lock timeout and what to do about it) wraps over up to three rows
    // rather than being cut.
    let footer_rows = state.status.as_ref().map_or(1, |s| {
        let width = usize::from(size.width.max(1));
        let text = s.text.chars().count() + frame::marks_width(state);
        u16::try_from(text.div_ceil(width).clamp(1, 3)).unwrap_or(1)
    });
    let [tabs, body, log, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(log_rows),
        Constraint::Length(footer_rows),
    ])
    .areas(size);
    Areas {
        tabs,
        body,
        log: (log_rows > 0).then_some(log),
        footer,
    }
}

/// The screen area of `state.size`.
pub fn screen(state: &State) -> Rect {
    Rect::new(0, 0, state.size.0, state.size.1)
}

/// A centred dialog inside `area` for `rows` lines of content (plus its
/// border): at most 110 columns, and at least a few rows, at most the height
/// of `area` less a row above and below.
pub fn popup(area: Rect, rows: usize) -> Rect {
    let width = area.width.saturating_sub(4).min(110);
    let max = area.height.saturating_sub(2);
    let wanted = u16::try_from(rows.saturating_add(2)).unwrap_or(u16::MAX);
    let height = wanted.clamp(max.min(7), max);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// The rows of a list of `len` worth building for a table `height` rows high (`header` rows
/// of it for the header), scrolled to `offset` with row `selected` selected: the range shown,
/// the selection kept in view as ratatui keeps it, and the selection's place in that range.
/// Building only those keeps a frame's cost the same at 40 rows or 40,000.
pub fn visible_rows(
    len: usize,
    offset: usize,
    selected: usize,
    height: u16,
    header: u16,
) -> (std::ops::Range<usize>, usize) {
    let page = usize::from(height.saturating_sub(header)).max(1);
    let selected = selected.min(len.saturating_sub(1));
    let mut start = offset.min(selected);
    if selected >= start + page {
        start = selected + 1 - page;
    }
    let start = start.min(len);
    (start..(start + page).min(len), selected - start)
}

/// `area` less a column on the right for a scroll bar when `total` lines (below `header`
/// rows) do not fit, and that column's rectangle (below the header).
pub fn room_for_bar(area: Rect, total: usize, header: u16) -> (Rect, Option<Rect>) {
    let visible = usize::from(area.height.saturating_sub(header));
    if total <= visible || area.width < 2 || area.height <= header + 1 {
        return (area, None);
    }
    let bar = Rect {
        x: area.x + area.width - 1,
        y: area.y + header,
        width: 1,
        height: area.height - header,
    };
    (
        Rect {
            width: area.width - 1,
            ..area
        },
        Some(bar),
    )
}

/// A scroll bar on the right edge of `area` when `total` lines do not fit in it; `offset`
/// is the first one shown.
pub fn scrollbar(f: &mut Frame, area: Rect, state: &State, total: usize, offset: usize) {
    use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState};
    let visible = usize::from(area.height);
    if total <= visible || area.height < 2 {
        return;
    }
    let mut s = ScrollbarState::new(total.saturating_sub(visible))
        .position(offset)
        .viewport_content_length(visible);
    f.render_stateful_widget(
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some("│"))
            .thumb_symbol("█")
            .style(state.theme.dim),
        area,
        &mut s,
    );
}

/// Which of `labels`, drawn on one centred line in `area` three columns apart, is at
/// screen cell (`x`, `y`).
pub fn centered_button_at(area: Rect, labels: &[&str], x: u16, y: u16) -> Option<usize> {
    if y != area.y || labels.is_empty() {
        return None;
    }
    let widths: Vec<u16> = labels
        .iter()
        .map(|l| u16::try_from(l.chars().count()).unwrap_or(u16::MAX))
        .collect();
    let gaps = 3 * u16::try_from(labels.len() - 1).unwrap_or(0);
    let total = widths.iter().sum::<u16>() + gaps;
    let mut left = area.x + area.width.saturating_sub(total) / 2;
    for (i, w) in widths.iter().enumerate() {
        if x >= left && x < left + w {
            return Some(i);
        }
        left += w + 3;
    }
    None
}

/// Draws the whole frame.
pub fn draw(f: &mut Frame, state: &State) {
    let a = areas(state, f.area());
    frame::tabs(f, a.tabs, state);
    match (&state.scan, state.screen) {
        (ScanStatus::Missing(path), _) => missing::draw(f, a.body, state, path),
        (_, Screen::Overview) => overview::draw(f, a.body, state),
        (_, Screen::Packages) => packages::draw(f, a.body, state),
        (_, Screen::Detail) => detail::draw(f, a.body, state),
        (_, Screen::Roots) => roots::draw(f, a.body, state),
        (_, Screen::Bucket) => bucket::draw(f, a.body, state),
    }
    if let Some(area) = a.log {
        log::draw(f, area, state);
    }
    frame::footer(f, a.footer, state);
    match &state.modal {
        Some(Modal::Help { scroll }) => help::draw(f, f.area(), state, *scroll),
        Some(Modal::Plan(d)) => plan::draw(f, f.area(), state, d),
        Some(Modal::Refresh(d)) => refresh::draw(f, f.area(), state, d),
        Some(Modal::Why(d)) => why::draw(f, f.area(), state, d),
        Some(Modal::Trim(d)) => trim::draw(f, f.area(), state, d),
        Some(Modal::Marked { selected }) => marked::draw(f, f.area(), state, *selected),
        Some(Modal::Files(v)) => files::draw(f, f.area(), state, v),
        Some(Modal::Log { scroll }) => log::draw_full(f, a, state, *scroll),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::visible_rows;

    #[test]
    fn only_the_rows_shown_are_built() {
        // 40,000 rows, 10 shown (11 with the header).
        assert_eq!(visible_rows(40_000, 0, 3, 11, 1), (0..10, 3));
        assert_eq!(visible_rows(40_000, 100, 105, 11, 1), (100..110, 5));
        // A selection below the window pulls it down, one above pulls it up.
        assert_eq!(visible_rows(40_000, 0, 25, 11, 1), (16..26, 9));
        assert_eq!(visible_rows(40_000, 50, 20, 11, 1), (20..30, 0));
        // The end of the list, a short list, an empty one.
        assert_eq!(
            visible_rows(40_000, 39_995, 39_999, 11, 1),
            (39_995..40_000, 4)
        );
        assert_eq!(visible_rows(3, 0, 2, 11, 1), (0..3, 2));
        assert_eq!(visible_rows(0, 0, 0, 11, 1), (0..0, 0));
    }
}
