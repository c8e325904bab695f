//! The scan progress gauge.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Gauge};

use super::format::bytes;
use crate::engine::progress::ScanProgress;
use crate::text::Escaped;
use crate::tui::app::State;

/// Rows the gauge takes.
pub const ROWS: u16 = 3;

/// Draws the gauge: entries measured out of those found, and the running totals.
pub fn draw(f: &mut Frame, area: Rect, state: &State, phase: &str, p: &ScanProgress) {
    // While buckets are still listed the total grows: no fraction yet, so the bar never
    // goes backwards.
    let ratio = if p.entries_total == 0 || p.listing {
        0.0
    } else {
        (p.entries_done as f64 / p.entries_total as f64).clamp(0.0, 1.0)
    };
    let label = if p.listing {
        format!(
            "{} files, {} dirs, {} ({} entries measured, still listing)",
            p.files,
            p.dirs,
            bytes(p.disk_bytes),
            p.entries_done
        )
    } else {
        format!(
            "{} files, {} dirs, {} ({}/{} entries)",
            p.files,
            p.dirs,
            bytes(p.disk_bytes),
            p.entries_done,
            p.entries_total
        )
    };
    let gauge = Gauge::default()
        .block(Block::bordered().title(format!(
            " Scanning {} ({phase}) ",
            Escaped(&state.root.path)
        )))
        .gauge_style(state.theme.gauge)
        .ratio(ratio)
        .label(label);
    f.render_widget(gauge, area);
}
