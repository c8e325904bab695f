//! The packages table: one row per package, sortable and filterable, with
//! a mark column (● the whole package, ◐ some of its versions).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::format::{age, bytes, page_freshness, truncate};
use super::{areas, progress, screen};
use crate::engine::progress::PackageSoFar;
use crate::engine::query::Package;
use crate::text::escape;
use crate::tui::app::{Marked, ScanStatus, SortColumn, State};

/// A column: header, sort column, right-aligned, width, and the narrowest table showing it.
struct Column {
    name: &'static str,
    sort: SortColumn,
    right: bool,
    width: Constraint,
    min: u16,
}

const fn column(
    name: &'static str,
    sort: SortColumn,
    right: bool,
    width: Constraint,
    min: u16,
) -> Column {
    Column {
        name,
        sort,
        right,
        width,
        min,
    }
}

/// Shown at every width.
const ALWAYS: u16 = 0;

const COLUMNS: [Column; 11] = [
    column("NAME", SortColumn::Name, false, Constraint::Fill(2), ALWAYS),
    column(
        "VERSIONS",
        SortColumn::Versions,
        false,
        Constraint::Fill(1),
        ALWAYS,
    ),
    column(
        "SOURCES",
        SortColumn::Sources,
        false,
        Constraint::Fill(1),
        WIDE,
    ),
    column(
        "LOGICAL",
        SortColumn::Logical,
        true,
        Constraint::Length(9),
        WIDE,
    ),
    column(
        "ON DISK",
        SortColumn::Disk,
        true,
        Constraint::Length(9),
        ALWAYS,
    ),
    column(
        "RECLAIM",
        SortColumn::Reclaimable,
        true,
        Constraint::Length(9),
        ALWAYS,
    ),
    column(
        "NEWEST",
        SortColumn::Newest,
        true,
        Constraint::Length(7),
        ALWAYS,
    ),
    column(
        "OLDEST",
        SortColumn::Oldest,
        true,
        Constraint::Length(7),
        ALWAYS,
    ),
    column(
        "LAST USED",
        SortColumn::LastUsed,
        true,
        Constraint::Length(12),
        WIDER,
    ),
    column(
        "INDEX PAGE",
        SortColumn::Freshness,
        false,
        Constraint::Length(11),
        ALWAYS,
    ),
    column(
        "USED BY",
        SortColumn::UsedBy,
        true,
        Constraint::Length(8),
        WIDER,
    ),
];

/// Below this width the sources and logical size columns are left out.
const WIDE: u16 = 110;

/// Below this width the last use and the environments using a package are left out.
const WIDER: u16 = 150;

/// The columns shown in a table `width` wide: on narrow screens, the wide-only columns are
/// left out, except the one the table is sorted by (so that the order has a visible reason).
fn shown(width: u16, sort: SortColumn) -> impl Iterator<Item = &'static Column> {
    COLUMNS
        .iter()
        .filter(move |c| width >= c.min || c.sort == sort)
}

/// The table's area and, while scanning, the gauge's (below the line naming the environment
/// whose packages are shown, if any).
fn split(area: Rect, state: &State) -> (Option<Rect>, Rect) {
    let area = match state.table.root_filter {
        Some(_) => {
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas::<2>(area)[1]
        }
        None => area,
    };
    if matches!(state.scan, ScanStatus::Running { .. }) {
        let [gauge, table] =
            Layout::vertical([Constraint::Length(progress::ROWS), Constraint::Fill(1)]).areas(area);
        (Some(gauge), table)
    } else {
        (None, area)
    }
}

/// How many package rows fit on the screen.
pub fn page_rows(state: &State) -> usize {
    let body = areas(state, screen(state)).body;
    let (_, table) = split(body, state);
    usize::from(table.height.saturating_sub(1)).max(1)
}

/// Draws the table (and the gauge while scanning).
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    if let Some((path, _)) = &state.table.root_filter {
        let t = &state.theme;
        let n = state.table.rows.len();
        let tail = format!(
            "  ({n} {}; Esc: all)",
            if n == 1 { "package" } else { "packages" }
        );
        let room = usize::from(area.width).saturating_sub(8 + tail.chars().count());
        let cache = state
            .snapshot
            .as_ref()
            .map_or(state.root.path.as_path(), |s| s.root.path.as_path());
        let path = super::roots::shown_path(path, cache);
        let line = Line::from(vec![
            Span::styled("Used by ", t.header),
            Span::raw(super::roots::truncate_left(&path, room)),
            Span::styled(tail, t.dim),
        ]);
        f.render_widget(Paragraph::new(line), Rect { height: 1, ..area });
    }
    let (gauge, area) = split(area, state);
    if let (
        Some(g),
        ScanStatus::Running {
            phase, progress, ..
        },
    ) = (gauge, &state.scan)
    {
        progress::draw(f, g, state, phase, progress);
    }
    let t = &state.theme;
    let table = &state.table;
    if let ScanStatus::Running { so_far, .. } = &state.scan
        && state.snapshot.is_none()
        && !so_far.is_empty()
    {
        draw_so_far(f, area, state, so_far);
        return;
    }
    if table.rows.is_empty() && state.snapshot.is_some() {
        let text = if table.filter.is_empty() {
            "No packages in this cache.".to_string()
        } else {
            format!("No package name contains `{}`.", table.filter)
        };
        f.render_widget(Paragraph::new(text).style(t.dim), area);
        return;
    }
    let (area, bar) = super::room_for_bar(area, table.rows.len(), 1);
    let arrow = if table.reversed { "▲" } else { "▼" };
    let header = Row::new(std::iter::once(cell(String::new(), false)).chain(
        shown(area.width, table.sort).map(|c| {
            let label = if c.sort == table.sort {
                format!("{}{arrow}", c.name)
            } else {
                c.name.to_string()
            };
            cell(label, c.right)
        }),
    ))
    .style(t.header);
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(1))
        .chain(shown(area.width, table.sort).map(|c| c.width))
        .collect();
    // The width each column gets, so that text cut to fit says so (`…`).
    let room: Vec<usize> = Layout::horizontal(widths.clone())
        .spacing(1)
        .split(area)
        .iter()
        .skip(1)
        .map(|r| usize::from(r.width))
        .collect();
    let (shown_rows, selected) = super::visible_rows(
        table.rows.len(),
        table.offset,
        table.selected,
        area.height,
        1,
    );
    let rows = table.rows[shown_rows.clone()]
        .iter()
        .filter_map(|i| table.packages.get(*i))
        .map(|p| row(p, state, area.width, &room));
    let widget = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(t.selected);
    let mut ts = TableState::new().with_selected(Some(selected));
    f.render_stateful_widget(widget, area, &mut ts);
    // Behind an overlay the screen is inert: no scroll bar peeking out at its edge.
    if let Some(bar) = bar.filter(|_| state.modal.is_none()) {
        super::scrollbar(f, bar, state, table.rows.len(), shown_rows.start);
    }
}

/// During a first scan: the largest packages measured so far, with a line saying the table
/// opens when the scan ends.
fn draw_so_far(f: &mut Frame, area: Rect, state: &State, so_far: &[PackageSoFar]) {
    let t = &state.theme;
    let [note, area] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let text = "Largest so far (hard links counted later); \
                the table opens when the scan ends.";
    f.render_widget(
        Paragraph::new(truncate(text, usize::from(note.width))).style(t.dim),
        note,
    );
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(8),
    ];
    let name_room = Layout::horizontal(widths)
        .spacing(1)
        .split(area)
        .first()
        .map_or(usize::MAX, |r| usize::from(r.width));
    let header = Row::new([
        cell("NAME".into(), false),
        cell("ON DISK".into(), true),
        cell("ENTRIES".into(), true),
    ])
    .style(t.header);
    let rows = so_far.iter().map(|p| {
        Row::new([
            cell(truncate(&escape(&p.name), name_room), false),
            cell(bytes(p.disk_bytes), true),
            cell(p.entries.to_string(), true),
        ])
    });
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn row<'a>(p: &'a Package, state: &State, width: u16, room: &[usize]) -> Row<'a> {
    let mark = match state.marks.of_package(&p.name) {
        Marked::No => Cell::from(""),
        Marked::Versions => Cell::from(Span::styled("◐", state.theme.warn)),
        Marked::Whole => Cell::from(Span::styled("●", state.theme.warn)),
    };
    let cells = shown(width, state.table.sort).enumerate().map(|(i, c)| {
        let room = room.get(i).copied().unwrap_or(usize::MAX);
        let text = match c.sort {
            SortColumn::Name if state.any_damaged(&p.ids) => {
                format!("{} (damaged)", escape(&p.name))
            }
            SortColumn::Name => escape(&p.name).into_owned(),
            SortColumn::Versions => fit_list(&p.versions, room),
            SortColumn::Sources => p.sources.join(","),
            SortColumn::Logical => bytes(p.sizes.logical_bytes),
            SortColumn::Disk => bytes(p.sizes.disk_bytes),
            SortColumn::Reclaimable => bytes(p.clean_reclaimable_bytes),
            SortColumn::Newest => age(state.now, p.newest),
            SortColumn::Oldest => age(state.now, p.oldest),
            SortColumn::Freshness => page_freshness(state.table.page(&p.name), state.now),
            SortColumn::LastUsed => match state.table.usage_of(&p.name) {
                None => "…".into(),
                Some(u) => u.last.map_or_else(
                    || "-".into(),
                    |l| format!("{} {}", age(state.now, Some(l.at)), l.signal.label()),
                ),
            },
            SortColumn::UsedBy => match state.table.usage_of(&p.name) {
                None => "…".into(),
                Some(u) if u.users == 0 => "unused".into(),
                Some(u) => u.users.to_string(),
            },
        };
        let text = truncate(&text, room);
        if c.sort == SortColumn::Name && !state.table.filter.is_empty() {
            return Cell::from(highlight(&text, &state.table.filter, state.theme.key));
        }
        cell(text, c.right)
    });
    Row::new(std::iter::once(mark).chain(cells))
}

/// The column whose header is at screen cell (`x`, `y`), if any.
pub fn header_at(state: &State, x: u16, y: u16) -> Option<SortColumn> {
    let body = areas(state, screen(state)).body;
    let (_, table) = split(body, state);
    if y != table.y {
        return None;
    }
    let columns: Vec<&Column> = shown(table.width, state.table.sort).collect();
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(1))
        .chain(columns.iter().map(|c| c.width))
        .collect();
    let rects = Layout::horizontal(widths).spacing(1).split(table);
    rects
        .iter()
        .skip(1)
        .zip(columns)
        .find(|(r, _)| x >= r.x && x < r.x + r.width)
        .map(|(_, c)| c.sort)
}

/// The visible row (index into the table's rows) drawn at screen row `y`, if any.
pub fn row_at(state: &State, x: u16, y: u16) -> Option<usize> {
    let body = areas(state, screen(state)).body;
    let (_, table) = split(body, state);
    let inside = x >= table.x && x < table.x + table.width;
    // The first row is the header.
    let first = table.y + 1;
    if !inside || y < first || y >= table.y + table.height {
        return None;
    }
    let index = state.table.offset + usize::from(y - first);
    (index < state.table.rows.len()).then_some(index)
}

/// As many of `items` as fit in `room` columns, then `… (N)` with the count of all of them:
/// `3.10.0, 3.9.2, … (138)`, as `uvcache list` shows versions.
fn fit_list(items: &[String], room: usize) -> String {
    let all = escape(&items.join(", ")).into_owned();
    if all.chars().count() <= room || items.is_empty() {
        return all;
    }
    let tail = format!("… ({})", items.len());
    let mut out = String::new();
    for item in items {
        let item = escape(item);
        let next = if out.is_empty() {
            format!("{item}, ")
        } else {
            format!("{out}{item}, ")
        };
        if next.chars().count() + tail.chars().count() > room {
            break;
        }
        out = next;
    }
    if !out.is_empty() {
        return format!("{out}{tail}");
    }
    // Not even one version with the count: the first one and an ellipsis, if that fits.
    let first = format!("{} …", escape(&items[0]));
    if first.chars().count() <= room {
        first
    } else {
        truncate(&all, room)
    }
}

/// `text` with the first case-insensitive match of `needle` in `style` (the filter's match).
fn highlight(text: &str, needle: &str, style: ratatui::style::Style) -> Line<'static> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().flat_map(|c| c.to_lowercase()).collect();
    let needle: Vec<char> = needle.chars().flat_map(|c| c.to_lowercase()).collect();
    // Lower-casing may change the length of exotic characters: then no highlight.
    let at = (lower.len() == chars.len() && !needle.is_empty())
        .then(|| {
            lower
                .windows(needle.len())
                .position(|w| w == needle.as_slice())
        })
        .flatten();
    match at {
        Some(i) => {
            let part = |r: std::ops::Range<usize>| chars[r].iter().collect::<String>();
            Line::from(vec![
                Span::raw(part(0..i)),
                Span::styled(part(i..i + needle.len()), style),
                Span::raw(part(i + needle.len()..chars.len())),
            ])
        }
        None => Line::from(text.to_string()),
    }
}

/// A table cell, right-aligned for numbers.
pub(super) fn cell<'a>(text: String, right: bool) -> Cell<'a> {
    let line = Line::from(text);
    Cell::from(if right { line.right_aligned() } else { line })
}

#[cfg(test)]
mod tests {
    use super::{fit_list, highlight};

    #[test]
    fn the_filter_match_is_highlighted() {
        let style = ratatui::style::Style::default().bold();
        let line = highlight("Google-Auth", "AUTH", style);
        let parts: Vec<(&str, bool)> = line
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style == style))
            .collect();
        assert_eq!(parts, [("Google-", false), ("Auth", true), ("", false)]);
        assert_eq!(highlight("numpy", "x", style).spans.len(), 1);
    }

    #[test]
    fn version_lists_say_when_they_are_cut() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let many = v(&["3.10.0", "3.9.2", "3.9.1", "3.8.0"]);
        assert_eq!(fit_list(&many, 40), "3.10.0, 3.9.2, 3.9.1, 3.8.0");
        assert_eq!(fit_list(&many, 22), "3.10.0, 3.9.2, … (4)");
        assert_eq!(fit_list(&many, 14), "3.10.0, … (4)");
        assert_eq!(fit_list(&many, 9), "3.10.0 …");
        assert_eq!(fit_list(&many, 5), "3.10…");
        assert_eq!(fit_list(&v(&["2.0.0", "1.0.0"]), 10), "2.0.0 …");
        assert_eq!(fit_list(&[], 3), "");
    }
}
