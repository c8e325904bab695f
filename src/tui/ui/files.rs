//! An entry's files, largest first: allocated size, hard links (more than one: the data is
//! shared with an environment or another entry), symbolic links shown as such.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::format::{bytes, truncate};
use super::{popup, screen};
use crate::text::escape_path;
use crate::tui::app::State;
use crate::tui::app::browse::FilesView;

/// How many file lines fit in the overlay.
pub fn page_rows(state: &State) -> usize {
    let outer = popup(screen(state), usize::from(state.size.1));
    usize::from(Block::bordered().inner(outer).height.saturating_sub(1)).max(1)
}

/// Draws the overlay over `area`.
pub fn draw(f: &mut Frame, area: Rect, state: &State, v: &FilesView) {
    let t = &state.theme;
    let rows = match &v.files {
        Some(Ok(files)) => files.len() + 1,
        _ => 2,
    };
    let outer = popup(area, rows);
    f.render_widget(Clear, outer);
    f.render_widget(
        Block::bordered().border_style(t.border).title(Span::styled(
            format!(" {} ", escape_path(&v.entry)),
            t.header,
        )),
        outer,
    );
    let inner = Block::bordered().inner(outer);
    let lines: Vec<Line> = match &v.files {
        None => vec![Line::styled("Listing…", t.dim)],
        Some(Err(e)) => vec![Line::styled(format!("Cannot list it: {e}"), t.bad)],
        Some(Ok(files)) => {
            let total: u64 = files.iter().map(|f| f.disk_bytes).sum();
            let mut out = vec![Line::styled(
                format!(
                    "{} files{} · {} allocated (hard links counted per link)",
                    files.len() + v.more,
                    if v.more > 0 {
                        format!(", the largest {} shown", files.len())
                    } else {
                        String::new()
                    },
                    bytes(total)
                ),
                t.dim,
            )];
            let (list, _) = super::room_for_bar(inner, files.len(), 1);
            let room = usize::from(list.width).saturating_sub(9 + 10 + 2);
            out.extend(files.iter().skip(v.scroll).map(|file| {
                let name = if file.path.is_empty() {
                    "(the entry itself)".to_string()
                } else if file.symlink {
                    format!("{} (symbolic link)", file.path)
                } else {
                    file.path.clone()
                };
                let links = if file.links > 1 {
                    format!("{} links", file.links)
                } else {
                    String::new()
                };
                Line::raw(format!(
                    "{:<room$} {:>9} {:>10}",
                    truncate(&name, room),
                    bytes(file.disk_bytes),
                    links
                ))
            }));
            out
        }
    };
    let (text, bar) = match &v.files {
        Some(Ok(files)) => super::room_for_bar(inner, files.len(), 1),
        _ => (inner, None),
    };
    f.render_widget(Paragraph::new(lines), text);
    if let (Some(bar), Some(Ok(files))) = (bar, &v.files) {
        super::scrollbar(f, bar, state, files.len(), v.scroll);
    }
}
