//! The trim dialog: the policy's fields, a live preview of its plan (what goes, what it
//! frees, each budget met or not, what stays because an environment uses it), the same policy
//! as a command line, and Cancel / Review.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::format::{bytes, count, truncate};
use super::popup;
use super::why::wrap;
use crate::engine::remove::plan::Reason;
use crate::text::escape;
use crate::tui::app::State;
use crate::tui::app::trim::{TrimDialog, TrimField, TrimState};

/// Width of the field labels.
const LABEL: usize = 14;
/// Width of a text field's box.
const BOX: usize = 14;

/// The preview's lines, for `width` columns.
fn preview_lines(d: &TrimDialog, state: &State, width: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let note = |text: &str, style: Style| -> Vec<Line<'static>> {
        wrap(text, width)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, style)))
            .collect()
    };
    match &d.state {
        TrimState::Idle => note(
            "Set a rule to see what it removes. Rules add up: an entry goes when any rule \
             selects it. Whole wheels, built source revisions and archives of this uv release's \
             buckets go; nothing a known environment uses, ever.",
            t.dim,
        ),
        TrimState::WaitingForUsage => note("Finding the environments that use this cache…", t.dim),
        TrimState::NoRoots => note(
            "No environment is known to use this cache, so everything would look unused: \
             nothing is planned. `uvcache roots --discover` finds them (or `uvcache roots add \
             PATH` registers one).",
            t.warn,
        ),
        TrimState::Computing => note("Planning…", t.dim),
        TrimState::Ready(p) => {
            let plan = &p.plan.plan;
            let tot = &plan.totals;
            // Items with the same reason (a wheel's link, pointer and lock files) on one line.
            let mut groups: Vec<(String, usize, u64)> = Vec::new();
            let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
            for item in &plan.items {
                let text = item.reason.to_string();
                match groups.iter_mut().find(|g| g.0 == text) {
                    Some(g) => {
                        g.1 += 1;
                        g.2 += item.disk_bytes;
                    }
                    None => {
                        if let Reason::Policy { rule, .. } = &item.reason {
                            *by_rule.entry(rule.flag()).or_insert(0) += 1;
                        }
                        groups.push((text, 1, item.disk_bytes));
                    }
                }
            }
            // By rule and name (the plan's order follows paths, whose digests vary).
            groups.sort_by(|a, b| {
                let policy = |t: &str| !t.starts_with("--");
                policy(&a.0).cmp(&policy(&b.0)).then_with(|| a.0.cmp(&b.0))
            });
            let entries = p.plan.entries;
            let mut out = Vec::new();
            if plan.items.is_empty() {
                out.extend(note("This policy removes nothing now.", t.good));
            } else {
                out.extend(note(
                    &format!(
                        "Removes {} ({}, {}): frees {} now, {} on disk",
                        count(entries as u64, "entry", "entries"),
                        count(plan.items.len() as u64, "item", "items"),
                        count(tot.files, "file", "files"),
                        bytes(tot.reclaimable_bytes),
                        bytes(tot.disk_bytes)
                    ),
                    t.header,
                ));
                let rules: Vec<String> = by_rule.iter().map(|(r, n)| format!("{r} {n}")).collect();
                out.extend(note(&format!("By rule: {}", rules.join(", ")), t.dim));
            }
            for b in &p.plan.budgets {
                out.extend(note(&b.describe(), if b.met { t.good } else { t.bad }));
            }
            out.extend(note(
                &format!(
                    "Keeps {} ({} on disk) that {} known {} use",
                    count(p.in_use_entries as u64, "entry", "entries"),
                    bytes(p.in_use_bytes),
                    p.environments,
                    if p.environments == 1 {
                        "environment"
                    } else {
                        "environments"
                    }
                ),
                t.dim,
            ));
            if !plan.items.is_empty() {
                out.push(Line::raw(""));
            }
            let size_width = 9;
            for (text, items, disk) in groups {
                let text = escape(&text).into_owned();
                let tail = if items > 1 {
                    format!(" ({items} items)")
                } else {
                    String::new()
                };
                let room = width.saturating_sub(size_width + 3 + tail.chars().count());
                out.push(Line::from(vec![
                    Span::raw("  "),
                    Span::raw(truncate(&text, room)),
                    Span::styled(tail.clone(), t.dim),
                    Span::raw(" ".repeat(room.saturating_sub(text.chars().count().min(room)))),
                    Span::raw(format!(" {:>size_width$}", bytes(disk))),
                ]));
            }
            out
        }
    }
}

/// Lines of the fields (text fields, then the check box).
fn field_lines(d: &TrimDialog, state: &State, width: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out = Vec::new();
    for (field, label, _, example) in TrimField::TEXT {
        let focused = d.focus == field;
        let text = escape(d.text_of(field)).into_owned();
        let shown = if focused {
            format!("{text}▏")
        } else {
            text.clone()
        };
        let shown = if shown.chars().count() > BOX {
            let n = shown.chars().count();
            format!("…{}", shown.chars().skip(n - BOX + 1).collect::<String>())
        } else {
            shown
        };
        let (hint, hint_style) = match d.error_of(field) {
            Some(e) => (e, t.bad),
            None => (example.to_string(), t.dim),
        };
        let room = width.saturating_sub(LABEL + BOX + 6);
        out.push(Line::from(vec![
            Span::styled(
                format!("{label:<LABEL$} "),
                if focused { t.header } else { Style::default() },
            ),
            Span::styled(
                format!("[{shown:<BOX$}]"),
                if focused { t.selected } else { t.button },
            ),
            Span::raw("  "),
            Span::styled(truncate(&hint, room), hint_style),
        ]));
    }
    let focused = d.focus == TrimField::Unused;
    out.push(Line::from(vec![
        Span::styled(
            format!("{:<LABEL$} ", "Unused"),
            if focused { t.header } else { Style::default() },
        ),
        Span::styled(
            if d.unused { "[x]" } else { "[ ]" }.to_string(),
            if focused { t.selected } else { t.button },
        ),
        Span::styled(
            truncate(
                "  everything no known environment uses (Space)",
                width.saturating_sub(LABEL + 4),
            ),
            t.dim,
        ),
    ]));
    out
}

/// The largest useful scroll position of the preview.
pub fn max_scroll(state: &State, d: &TrimDialog, area: Rect) -> u16 {
    let (_, preview) = regions(area, state, d);
    let lines = preview_lines(d, state, usize::from(preview.width)).len();
    u16::try_from(lines.saturating_sub(usize::from(preview.height))).unwrap_or(u16::MAX)
}

/// The dialog's rectangle (as tall as its content, within `area`) and its preview region.
fn regions(area: Rect, state: &State, d: &TrimDialog) -> (Rect, Rect) {
    let width = usize::from(popup(area, 0).width.saturating_sub(2));
    let rows = 6 + 1 + preview_lines(d, state, width).len() + 3;
    // Room for a few preview lines whatever the content, so that the height does not jump.
    let outer = popup(area, rows.max(18));
    let inner = Block::bordered().inner(outer);
    let [_, _, preview, _, _, _] = layout(inner);
    (outer, preview)
}

fn layout(inner: Rect) -> [Rect; 6] {
    Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner)
}

/// Draws the dialog over `area`.
pub fn draw(f: &mut Frame, area: Rect, state: &State, d: &TrimDialog) {
    let t = &state.theme;
    let (outer, _) = regions(area, state, d);
    f.render_widget(Clear, outer);
    f.render_widget(
        Block::bordered().border_style(t.border).title(Span::styled(
            " Trim: keep the cache within a policy ",
            t.header,
        )),
        outer,
    );
    let inner = Block::bordered().inner(outer);
    let [fields, _, preview, _, command, buttons] = layout(inner);
    let width = usize::from(inner.width);
    f.render_widget(Paragraph::new(field_lines(d, state, width)), fields);
    let lines = preview_lines(d, state, usize::from(preview.width));
    let max =
        u16::try_from(lines.len().saturating_sub(usize::from(preview.height))).unwrap_or(u16::MAX);
    let total = lines.len();
    f.render_widget(
        Paragraph::new(lines).scroll((d.scroll.min(max), 0)),
        preview,
    );
    super::scrollbar(f, preview, state, total, usize::from(d.scroll.min(max)));
    f.render_widget(
        Paragraph::new(Span::styled(
            truncate(&format!("= {}", d.command_line()), width),
            t.dim,
        )),
        command,
    );
    let style = |field: TrimField, focused: Style| {
        if d.focus == field { focused } else { t.button }
    };
    let review = match &d.state {
        TrimState::Ready(p) if !p.plan.plan.items.is_empty() => {
            format!(
                "[ Review {} ]",
                count(p.plan.plan.items.len() as u64, "item", "items")
            )
        }
        _ => "[ Review ]".to_string(),
    };
    let review_style = if d.can_review() {
        style(TrimField::Review, t.danger_focused)
    } else {
        style(TrimField::Review, t.button_focused).patch(t.dim)
    };
    f.render_widget(
        Paragraph::new(
            Line::from(vec![
                Span::styled("[ Cancel ]", style(TrimField::Cancel, t.button_focused)),
                Span::raw("   "),
                Span::styled(review, review_style),
            ])
            .centered(),
        ),
        buttons,
    );
}
