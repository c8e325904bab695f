//! The removal preview: what a clean or prune would remove (one or more
//! engine plans), grouped by reason, with totals in the three sizes,
//! warnings, and Cancel / Remove buttons (the focus starts on Cancel).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Wrap};

use super::format::{bytes, count};
use super::plan_items::item_lines;
use super::{popup, screen};
use crate::text::escape;
use crate::tui::app::{Focus, Modal, PlanDialog, PlanStage, State};

/// The regions inside the dialog.
struct Parts {
    items: Rect,
    totals: Rect,
    warnings: Rect,
    status: Rect,
    buttons: Rect,
}

/// The dialog's rectangle in `area` (sized to its content) and its regions.
fn parts(area: Rect, d: &PlanDialog, state: &State) -> (Rect, Parts) {
    let width = popup(area, 0).width.saturating_sub(2);
    let text_width = usize::from(width.max(1));
    let warning_rows: usize = d
        .plan()
        .map(|p| {
            p.warnings()
                .iter()
                .map(|w| (w.chars().count() + 2).div_ceil(text_width))
                .sum()
        })
        .unwrap_or(0);
    let status_rows: usize = match d.stage {
        PlanStage::WaitingForLock(..) | PlanStage::ConfirmForce(..) => 3,
        PlanStage::Removing(..) => 2,
        _ => 0,
    };
    let total_rows: usize = if d.plan().is_some_and(|p| !p.is_empty()) {
        3
    } else {
        0
    };
    let item_rows = d
        .plan()
        .map_or(1, |p| item_lines(p, width, state).len().max(1));
    let outer = popup(
        area,
        item_rows + total_rows + warning_rows + status_rows + 2,
    );
    let rows = |n: usize| Constraint::Length(u16::try_from(n).unwrap_or(u16::MAX));
    let [items, totals, warnings, status, _, buttons] = Layout::vertical([
        Constraint::Fill(1),
        rows(total_rows),
        rows(warning_rows),
        rows(status_rows),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(Block::bordered().inner(outer));
    (
        outer,
        Parts {
            items,
            totals,
            warnings,
            status,
            buttons,
        },
    )
}

/// The largest useful scroll position of the open dialog's items.
pub fn max_scroll(state: &State) -> u16 {
    let Some(Modal::Plan(d)) = &state.modal else {
        return 0;
    };
    let Some(plan) = d.plan() else { return 0 };
    let (_, p) = parts(screen(state), d, state);
    let lines = item_lines(plan, p.items.width, state).len();
    u16::try_from(lines.saturating_sub(usize::from(p.items.height))).unwrap_or(u16::MAX)
}

/// Draws the dialog over `area`.
pub fn draw(f: &mut Frame, area: Rect, state: &State, d: &PlanDialog) {
    let t = &state.theme;
    let (outer, p) = parts(area, d, state);
    f.render_widget(Clear, outer);
    f.render_widget(
        Block::bordered()
            .border_style(t.border)
            .title(Span::styled(format!(" {} ", d.title), t.header)),
        outer,
    );
    let Some(plan) = d.plan() else {
        f.render_widget(
            Paragraph::new("Planning: reading the cache…").style(t.dim),
            p.items,
        );
        buttons(f, p.buttons, state, d, false);
        return;
    };
    if plan.is_empty() {
        f.render_widget(
            Paragraph::new(format!(
                "Nothing to remove: uv {} would find nothing to do here.",
                plan.uv_version()
            )),
            p.items,
        );
        buttons(f, p.buttons, state, d, false);
        return;
    }
    let total = item_lines(plan, p.items.width, state).len();
    let (items, bar) = super::room_for_bar(p.items, total, 0);
    f.render_widget(
        Paragraph::new(item_lines(plan, items.width, state)).scroll((d.scroll, 0)),
        items,
    );
    if let Some(bar) = bar {
        super::scrollbar(f, bar, state, total, usize::from(d.scroll));
    }
    let tot = plan.totals();
    let label = match plan.plans().len() {
        1 => "Total  ".to_string(),
        n => format!("Total of {n} plans  "),
    };
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(""),
            Line::from(vec![
                Span::styled(label, t.header),
                Span::raw(format!(
                    "{} · {} · {}",
                    count(plan.len() as u64, "item", "items"),
                    count(tot.files, "file", "files"),
                    count(tot.dirs, "directory", "directories")
                )),
            ]),
            Line::raw(format!(
                "       {} logical · {} on disk · {} reclaimable now",
                bytes(tot.logical_bytes),
                bytes(tot.disk_bytes),
                bytes(tot.reclaimable_bytes)
            )),
        ]),
        p.totals,
    );
    let warnings: Vec<Line> = plan
        .warnings()
        .iter()
        .map(|w| Line::styled(format!("! {}", escape(w)), t.warn))
        .collect();
    f.render_widget(
        Paragraph::new(warnings).wrap(Wrap { trim: false }),
        p.warnings,
    );
    match &d.stage {
        PlanStage::WaitingForLock(_, holders) | PlanStage::ConfirmForce(_, holders) => {
            let who: Vec<String> = holders
                .iter()
                .map(|h| format!("pid {} ({})", h.pid, h.command))
                .collect();
            let held = if who.is_empty() {
                String::new()
            } else {
                format!(", held by {}", who.join(", "))
            };
            let text = if matches!(d.stage, PlanStage::ConfirmForce(..)) {
                format!(
                    "Remove without uv's lock{held}? Files a running uv is reading or \
                     installing from may vanish under it (this is --force)."
                )
            } else {
                let waited = d
                    .waiting_since
                    .and_then(|t| state.now.duration_since(t).ok())
                    .map_or(0, |w| w.as_secs());
                let timeout = crate::engine::remove::lock::lock_timeout().as_secs();
                format!(
                    "Waiting for uv's lock on the cache (its .lock file){held}: {waited}s of \
                     {timeout}s (UV_LOCK_TIMEOUT). Cancel, or force the removal."
                )
            };
            f.render_widget(
                Paragraph::new(text)
                    .style(t.warn)
                    .wrap(Wrap { trim: false }),
                p.status,
            );
        }
        PlanStage::Removing(_, done, total) => {
            let ratio = if *total == 0 {
                1.0
            } else {
                (*done as f64 / *total as f64).clamp(0.0, 1.0)
            };
            f.render_widget(
                Gauge::default()
                    .gauge_style(t.gauge)
                    .ratio(ratio)
                    .label(format!("Removing: {done}/{total} items")),
                Rect {
                    height: 1,
                    ..p.status
                },
            );
        }
        _ => {}
    }
    buttons(f, p.buttons, state, d, true);
}

/// The buttons shown, left to right, with the focus each stands for.
fn button_labels(d: &PlanDialog) -> Vec<(String, Focus)> {
    let removable = d.plan().is_some_and(|p| !p.is_empty());
    match d.stage {
        PlanStage::WaitingForLock(..) => vec![
            ("[ Cancel ]".into(), Focus::Cancel),
            ("[ Force… ]".into(), Focus::Confirm),
        ],
        PlanStage::ConfirmForce(..) => vec![
            ("[ Keep waiting ]".into(), Focus::Cancel),
            ("[ Remove without the lock ]".into(), Focus::Confirm),
        ],
        _ if removable => {
            let n = d.plan().map_or(0, |p| p.len());
            vec![
                ("[ Cancel ]".into(), Focus::Cancel),
                (
                    format!("[ Remove {} ]", count(n as u64, "item", "items")),
                    Focus::Confirm,
                ),
            ]
        }
        _ => vec![("[ Close ]".into(), Focus::Cancel)],
    }
}

/// The button of the open removal dialog at screen cell (`x`, `y`), if any.
pub fn button_at(state: &State, x: u16, y: u16) -> Option<Focus> {
    let Some(Modal::Plan(d)) = &state.modal else {
        return None;
    };
    let (_, p) = parts(screen(state), d, state);
    let labels = button_labels(d);
    let names: Vec<&str> = labels.iter().map(|(l, _)| l.as_str()).collect();
    let hit = super::centered_button_at(p.buttons, &names, x, y)?;
    labels.get(hit).map(|(_, f)| *f)
}

fn buttons(f: &mut Frame, area: Rect, state: &State, d: &PlanDialog, removable: bool) {
    let t = &state.theme;
    let labels = match d.stage {
        PlanStage::WaitingForLock(..) => Some(("[ Cancel ]", "[ Force… ]")),
        PlanStage::ConfirmForce(..) => Some(("[ Keep waiting ]", "[ Remove without the lock ]")),
        _ => None,
    };
    if let Some((cancel, force)) = labels {
        let style = |focus: Focus, on| if d.focus == focus { on } else { t.button };
        let line = Line::from(vec![
            Span::styled(cancel, style(Focus::Cancel, t.button_focused)),
            Span::raw("   "),
            Span::styled(force, style(Focus::Confirm, t.danger_focused)),
        ]);
        f.render_widget(Paragraph::new(line.centered()), area);
        return;
    }
    let deciding = matches!(d.stage, PlanStage::Ready(_));
    let cancel_label = if removable { "[ Cancel ]" } else { "[ Close ]" };
    let cancel_style = if deciding && d.focus == Focus::Cancel {
        t.button_focused
    } else {
        t.button
    };
    let mut spans = vec![Span::styled(cancel_label, cancel_style)];
    if removable {
        let n = d.plan().map_or(0, |p| p.len());
        let confirm_style = if deciding && d.focus == Focus::Confirm {
            t.danger_focused
        } else {
            t.button
        };
        spans.push(Span::raw("   "));
        spans.push(Span::styled(
            format!("[ Remove {} ]", count(n as u64, "item", "items")),
            confirm_style,
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans).centered()), area);
}
