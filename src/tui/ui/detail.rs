//! A package's detail: its entries grouped by version, each with kind,
//! state, source, sizes, path and linked archive.

use crate::engine::layout::TopLevel;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{age, bytes, count, short, truncate};
use super::theme::Theme;
use super::{areas, screen};
use crate::engine::freshness::{EntryFreshness, FreshnessState, unix_seconds};
use crate::engine::model::{Entry, EntryState, Snapshot};
use crate::engine::query::package_entries;
use crate::engine::why::describe_cache_info;
use crate::text::{escape, escape_path};
use crate::tui::app::{Marked, State};

/// Fixed rows above the scrolled entries (summary, column header).
const HEAD_ROWS: u16 = 2;

/// Rows of entries visible at once.
pub fn page_rows(state: &State) -> usize {
    usize::from(
        areas(state, screen(state))
            .body
            .height
            .saturating_sub(HEAD_ROWS),
    )
    .max(1)
}

/// The largest useful scroll position.
pub fn max_scroll(state: &State) -> u16 {
    let lines = body(state).lines.len();
    u16::try_from(lines.saturating_sub(page_rows(state))).unwrap_or(u16::MAX)
}

/// Where one entry is in the scrolled body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    /// Its first line.
    pub start: usize,
    /// Its number of lines.
    pub len: usize,
    /// The line of its version's heading, when it is the first entry under it.
    pub heading: Option<usize>,
    /// Its version.
    pub version: Option<String>,
}

/// The entries of the detail on the screen of `state`, in display order.
pub fn entry_rows(state: &State) -> Vec<EntryRow> {
    body(state).entries
}

/// The entry (index in display order) drawn at screen row `y`, if any.
pub fn entry_at(state: &State, _x: u16, y: u16) -> Option<usize> {
    let d = state.detail.as_ref()?;
    let body = areas(state, screen(state)).body;
    let top = body.y + HEAD_ROWS;
    if y < top || y >= body.y + body.height {
        return None;
    }
    let line = usize::from(d.scroll) + usize::from(y - top);
    entry_rows(state)
        .iter()
        .position(|r| line >= r.start && line < r.start + r.len)
}

/// The scrolled part of the detail on the screen of `state`.
fn body(state: &State) -> Body {
    body_lines(state, areas(state, screen(state)).body.width)
}

/// Draws the detail of `state.detail`.
pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let Some(d) = &state.detail else { return };
    let t = &state.theme;
    let [head, header, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    let summary = match state.table.packages.iter().find(|p| p.name == d.name) {
        Some(p) => {
            let entries = count(p.entries as u64, "entry", "entries");
            let (disk, clean) = (bytes(p.sizes.disk_bytes), bytes(p.clean_reclaimable_bytes));
            if p.other_release_disk_bytes > 0 {
                // What `d` leaves to `p`, instead of the logical size (the line has one row).
                format!(
                    "  {entries} · {disk} on disk · {clean} freed by clean · {} in other uv \
                     releases' buckets (prune)",
                    bytes(p.other_release_disk_bytes)
                )
            } else {
                format!(
                    "  {entries} · {} logical · {disk} on disk · {clean} freed by clean",
                    bytes(p.sizes.logical_bytes)
                )
            }
        }
        None => "  no entries in the cache".into(),
    };
    let mut title = vec![
        Span::styled(escape(&d.name).into_owned(), t.title),
        Span::raw(summary),
    ];
    if state.marks.of_package(&d.name) == Marked::Whole {
        title.push(Span::styled("  ● marked", t.warn));
    }
    f.render_widget(Paragraph::new(Line::from(title)), head);
    let w = Widths::of(area.width);
    f.render_widget(
        Paragraph::new(Line::styled(
            w.row("KIND", "STATE", "SOURCE", ["LOGICAL", "ON DISK", "RECLAIM"]),
            t.header,
        )),
        header,
    );
    let total = body_lines(state, area.width).lines.len();
    let (body, bar) = super::room_for_bar(body, total, 0);
    let Body { mut lines, entries } = body_lines(state, body.width);
    if let Some(line) = entries.get(d.selected).and_then(|r| lines.get_mut(r.start)) {
        line.style = t.selected;
    }
    f.render_widget(Paragraph::new(lines).scroll((d.scroll, 0)), body);
    // Behind an overlay the screen is inert: no scroll bar peeking out at its edge.
    if let Some(bar) = bar.filter(|_| state.modal.is_none()) {
        super::scrollbar(f, bar, state, total, usize::from(d.scroll));
    }
}

/// Column widths for a screen `width` wide.
struct Widths {
    source: usize,
    path: usize,
}

impl Widths {
    fn of(width: u16) -> Widths {
        let width = usize::from(width);
        Widths {
            source: width.saturating_sub(2 + 15 + 1 + 8 + 1 + 1 + 27).max(8),
            path: width.saturating_sub(4).max(8),
        }
    }

    fn row(&self, kind: &str, state: &str, source: &str, sizes: [&str; 3]) -> String {
        let (head, state, tail) = self.parts(kind, state, source, sizes);
        format!("{head}{state}{tail}")
    }

    /// The row in three parts: up to the state column, the state column, the rest.
    fn parts(
        &self,
        kind: &str,
        state: &str,
        source: &str,
        sizes: [&str; 3],
    ) -> (String, String, String) {
        (
            format!("  {:<15} ", truncate(kind, 15)),
            format!("{state:<8}"),
            format!(
                " {:<sw$} {:>8} {:>8} {:>8}",
                truncate(source, self.source),
                sizes[0],
                sizes[1],
                sizes[2],
                sw = self.source
            ),
        )
    }
}

/// The scrolled lines and where each entry is in them.
struct Body {
    lines: Vec<Line<'static>>,
    entries: Vec<EntryRow>,
}

fn body_lines(state: &State, width: u16) -> Body {
    let mut body = Body {
        lines: Vec::new(),
        entries: Vec::new(),
    };
    let (Some(d), Some(snap)) = (&state.detail, &state.snapshot) else {
        return body;
    };
    let entries = package_entries(snap, &d.name);
    if entries.is_empty() {
        body.lines.push(Line::styled(
            format!("No cache entries for `{}`.", d.name),
            state.theme.dim,
        ));
        return body;
    }
    let w = Widths::of(width);
    let lines = &mut body.lines;
    let mut last: Option<&Option<String>> = None;
    for e in entries {
        let mut heading = None;
        if last != Some(&e.version) {
            if last.is_some() {
                lines.push(Line::raw(""));
            }
            heading = Some(lines.len());
            lines.push(version_heading(state, &d.name, e.version.as_deref()));
            last = Some(&e.version);
        }
        let start = lines.len();
        entry_lines(lines, e, snap, state, &w);
        body.entries.push(EntryRow {
            start,
            len: lines.len() - start,
            heading,
            version: e.version.clone(),
        });
    }
    body
}

/// `version 2.0.0`, with a mark when it is marked.
fn version_heading(state: &State, package: &str, version: Option<&str>) -> Line<'static> {
    let t = &state.theme;
    let Some(v) = version else {
        return Line::styled("no version (index pages, metadata)", t.header);
    };
    let mut spans = vec![Span::styled(format!("version {v}"), t.header)];
    if state.marks.has_version(package, v) {
        spans.push(Span::styled("  ● marked", t.warn));
    }
    Line::from(spans)
}

fn entry_lines(out: &mut Vec<Line<'static>>, e: &Entry, snap: &Snapshot, s: &State, w: &Widths) {
    let t: &Theme = &s.theme;
    let bucket = e.bucket.and_then(|b| snap.buckets.get(usize::from(b)));
    let other_release = bucket.is_some_and(|b| b.class == TopLevel::Stale);
    // An entry in another uv release's bucket is that release's, whatever its state there.
    let (label, style) = if other_release && e.state == EntryState::Current {
        ("other uv", t.warn)
    } else {
        state_style(e.state, t)
    };
    let (head, state_col, tail) = w.parts(
        e.kind.as_str(),
        label,
        &escape(&e.source.describe()),
        [
            &bytes(e.sizes.logical_bytes),
            &bytes(e.sizes.disk_bytes),
            &bytes(e.sizes.reclaimable_bytes),
        ],
    );
    out.push(Line::from(vec![
        Span::raw(head),
        Span::styled(state_col, style),
        Span::raw(tail),
    ]));
    out.push(Line::styled(
        format!("    {}", truncate(&escape_path(&e.path), w.path)),
        Style::default(),
    ));
    // The cache names a local source by a digest of its URL only; a known environment that
    // installed it says where it is.
    if let Some((usage, _)) = &s.usage
        && let Some(path) = usage.local_source_of(&e.source)
    {
        out.push(Line::styled(
            format!(
                "    {}",
                truncate(&format!("from {}", escape_path(path)), w.path)
            ),
            t.dim,
        ));
    }
    if let (Some(f), Some(all)) = (s.damage(&e.path), &s.findings) {
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(all.verified_at);
        let text = format!(
            "damaged: {} (uvcache verify, {} ago; verify --fix removes it)",
            escape(&f.summary),
            age(s.now, Some(when))
        );
        out.push(Line::styled(
            format!("    {}", truncate(&text, w.path)),
            t.bad,
        ));
    }
    // What it is, then when and how it is linked: the varying parts (ages,
    // sizes) come last, on a line of their own.
    let mut what = Vec::new();
    match e.detail.built {
        Some(true) => what.push("built from source".to_string()),
        Some(false) => what.push("downloaded".to_string()),
        None => {}
    }
    if let Some(tags) = &e.detail.tags {
        what.push(escape(tags).into_owned());
    }
    let mut when = Vec::new();
    if let Some(b) = bucket {
        if other_release {
            what.push(format!(
                "{}: another uv release's bucket (p prunes it, d leaves it)",
                b.name
            ));
        } else {
            what.push(b.name.clone());
        }
        when.push(format!("written {} ago", age(s.now, e.modified)));
    }
    if !e.detail.referrers.is_empty() {
        when.push(count(
            e.detail.referrers.len() as u64,
            "referrer",
            "referrers",
        ));
    }
    if e.linked_out_bytes > 0 {
        when.push(format!(
            "{} hard-linked outside the cache",
            bytes(e.linked_out_bytes)
        ));
    }
    if e.cloned_bytes > 0 {
        when.push(format!("{} shared with clones", bytes(e.cloned_bytes)));
    }
    let usage = s.usage.as_ref();
    if let Some(u) = usage.and_then(|(_, last)| last.of(e.id))
        && u.signal != crate::engine::roots::Signal::Written
    {
        when.push(format!(
            "last used {} ago ({})",
            age(s.now, Some(u.at)),
            u.signal.label()
        ));
    }
    for facts in [what, when] {
        if !facts.is_empty() {
            out.push(Line::styled(
                format!("    {}", truncate(&escape(&facts.join(" · ")), w.path)),
                t.dim,
            ));
        }
    }
    for a in &e.detail.archives {
        out.push(Line::styled(format!("    → archive-v0/{a}"), t.dim));
    }
    if let Some((u, _)) = usage {
        let users = u.users_of(e.id);
        if !users.is_empty() {
            // Inside the cache: relative to it; elsewhere: the home directory as `~`.
            let home = dirs::home_dir();
            let names: Vec<String> = users
                .iter()
                .map(|p| match p.strip_prefix(&snap.root.path) {
                    Ok(rel) if rel.starts_with("archive-v0") => {
                        "a cached tool environment (uvx)".to_string()
                    }
                    Ok(_) => "a cached environment (uv run)".to_string(),
                    Err(_) => match home.as_deref().and_then(|h| p.strip_prefix(h).ok()) {
                        Some(rel) => format!("~/{}", escape_path(rel)),
                        None => escape_path(p).into_owned(),
                    },
                })
                .collect();
            out.push(Line::styled(
                format!("    used by {}", truncate(&names.join(", "), w.path)),
                t.good,
            ));
        }
    }
    let freshness = s
        .detail
        .as_ref()
        .and_then(|d| d.freshness.as_ref())
        .and_then(|f| f.get(&e.id))
        .filter(|_| e.state == EntryState::Current);
    if let Some(f) = freshness {
        freshness_lines(out, f, s, w);
    }
}

/// How uv judges the entry now; for a local build, the cache keys it was built from.
fn freshness_lines(out: &mut Vec<Line<'static>>, f: &EntryFreshness, s: &State, w: &Widths) {
    let t = &s.theme;
    let now = unix_seconds(s.now);
    let (text, style) = match f {
        EntryFreshness::Http { freshness, .. } => match freshness.state {
            FreshnessState::Fresh { until } => (
                format!(
                    "fresh for {} more (fetched {} ago): used without asking the index",
                    short(until.saturating_sub(now)),
                    short(now.saturating_sub(freshness.response_time))
                ),
                t.good,
            ),
            FreshnessState::Immutable { .. } => {
                ("immutable: used without asking the index".into(), t.good)
            }
            FreshnessState::Stale { since } => (
                format!(
                    "stale for {}: revalidated on next use{}",
                    short(now.saturating_sub(since)),
                    if freshness.has_validator {
                        " (cheaply)"
                    } else {
                        ""
                    }
                ),
                t.warn,
            ),
            FreshnessState::MustRevalidate { .. } => ("revalidated on every use".into(), t.warn),
            FreshnessState::NotStorable { .. } => {
                ("not reusable: fetched again on next use".into(), t.warn)
            }
        },
        EntryFreshness::LocalBuild {
            revision,
            written,
            cache_info,
            ..
        } => {
            let written = written.map_or("?".into(), |x| short(now.saturating_sub(x)));
            out.push(Line::styled(
                format!(
                    "    {}",
                    truncate(
                        &format!("local build {revision}, written {written} ago; rebuilt when these change:"),
                        w.path
                    )
                ),
                t.dim,
            ));
            let keys = describe_cache_info(cache_info);
            if keys.is_empty() {
                out.push(Line::styled("      (no cache keys recorded)", t.dim));
            }
            for k in keys {
                out.push(Line::styled(
                    format!("      {}", truncate(&escape(&k), w.path.saturating_sub(2))),
                    t.dim,
                ));
            }
            return;
        }
    };
    out.push(Line::styled(
        format!("    {}", truncate(&escape(&text), w.path)),
        style,
    ));
}

fn state_style(state: EntryState, t: &Theme) -> (&'static str, Style) {
    match state {
        EntryState::Current => ("current", t.good),
        EntryState::Dangling => ("dangling", t.warn),
        EntryState::Orphan => ("orphan", t.warn),
        EntryState::Broken => ("broken", t.bad),
    }
}
