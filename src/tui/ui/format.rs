//! Text formatting shared by the views: sizes, ages, bars, truncation.

use std::time::SystemTime;

use crate::engine::freshness::{FreshnessState, unix_seconds};

/// Bytes with binary units, as uv prints them (`8.6MiB`, `123B`).
pub fn bytes(n: u64) -> String {
    crate::engine::report::human_bytes(n)
}

pub use crate::engine::report::{age, span as short};

/// How uv judges an index page at `now`, in a few characters (`fresh 9m`,
/// `stale 3d`, `immutable`, `revalidate`, `not stored`, `-`).
pub fn page_freshness(state: Option<&FreshnessState>, now: SystemTime) -> String {
    let now = unix_seconds(now);
    match state {
        None => "-".into(),
        Some(FreshnessState::Fresh { until }) => {
            format!("fresh {}", short(until.saturating_sub(now)))
        }
        Some(FreshnessState::Stale { since }) => {
            format!("stale {}", short(now.saturating_sub(*since)))
        }
        Some(FreshnessState::Immutable { .. }) => "immutable".into(),
        Some(FreshnessState::MustRevalidate { .. }) => "revalidate".into(),
        Some(FreshnessState::NotStorable { .. }) => "not stored".into(),
    }
}

/// uv's summary of a removal: `Removed N files (X)`.
pub fn removed_summary(files: u64, dirs: u64, uv_bytes: u64) -> String {
    crate::engine::report::removed_summary(files, dirs, uv_bytes)
}

/// A horizontal bar of `width` cells filled to `fraction`, in eighths of a cell.
pub fn bar(fraction: f64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // Rounded to eighths of a cell; the value is small and non-negative.
    let eighths = (fraction * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(PARTS[eighths % 8]);
    }
    if s.is_empty() && fraction > 0.0 && width > 0 {
        s.push('▏');
    }
    s
}

/// `line` cut to `width` columns, ending in `…` when cut.
pub fn fit_line(line: ratatui::text::Line<'static>, width: usize) -> ratatui::text::Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut room = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        let n = span.content.chars().count();
        if n <= room {
            room -= n;
            spans.push(span);
            continue;
        }
        let cut: String = span.content.chars().take(room).collect();
        spans.push(ratatui::text::Span::styled(format!("{cut}…"), span.style));
        return ratatui::text::Line::from(spans);
    }
    ratatui::text::Line::from(spans)
}

/// `text` cut to `width` characters, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

/// `n` and a noun, plural when needed (`1 item`, `3 items`).
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    match n.into() {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_truncation() {
        assert_eq!(bar(0.5, 4), "██");
        assert_eq!(bar(1.0, 2), "██");
        assert_eq!(bar(0.0001, 10), "▏");
        assert_eq!(bar(0.0, 10), "");
        assert_eq!(bar(f64::NAN, 10), "");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(count(1u32, "item", "items"), "1 item");
        assert_eq!(count(2u32, "item", "items"), "2 items");
    }
}
