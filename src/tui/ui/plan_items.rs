//! The item list of the removal preview: per plan (headed when there are
//! several), items grouped by reason with their counts, then their paths
//! and sizes on disk.

use ratatui::text::{Line, Span};

use super::format::{bytes, count, truncate};
use crate::engine::remove::plan::{Operation, Plan, Reason};
use crate::text::{escape, escape_path};
use crate::tui::app::State;
use crate::tui::plans::PlanSet;

/// The lines of every plan's items, `width` columns wide.
pub fn item_lines(plans: &PlanSet, width: u16, state: &State) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let n = plans.plans().len();
    let mut lines = Vec::new();
    for (i, plan) in plans.plans().iter().enumerate() {
        if n > 1 {
            let heading = format!("Plan {} of {n}: {}", i + 1, describe(&plan.operation));
            lines.push(Line::styled(truncate(&heading, width), state.theme.title));
        }
        plan_lines(&mut lines, plan, width, state);
    }
    lines
}

/// What a plan does, as the command line would be asked for it.
fn describe(op: &Operation) -> String {
    match op {
        Operation::CleanAll => "clean everything".into(),
        Operation::Clean { packages } => format!("clean {}", packages.join(" ")),
        Operation::Select { selectors } => {
            let specs: Vec<String> = selectors
                .iter()
                .map(|s| match &s.version {
                    Some(v) => format!("{}=={v}", s.package),
                    None => format!("{} (some entries)", s.package),
                })
                .collect();
            format!("clean {}", specs.join(" "))
        }
        Operation::Entries { entries } => match entries.len() {
            1 => format!("remove the marked entry {}", entries[0]),
            n => format!("remove {n} marked entries"),
        },
        Operation::Repair { .. } => "verify --fix".into(),
        Operation::Prune { ci: false } => "prune".into(),
        Operation::Prune { ci: true } => "prune --ci".into(),
        Operation::Policy { policy, .. } => {
            let mut flags = vec!["prune".to_string()];
            if policy.unused {
                flags.push("--unused".into());
            }
            if policy.max_age.is_some() {
                flags.push("--max-age".into());
            }
            if let Some(n) = policy.keep_versions {
                flags.push(format!("--keep-versions {n}"));
            }
            if policy.max_size.is_some() {
                flags.push("--max-size".into());
            }
            if policy.min_free.is_some() {
                flags.push("--min-free".into());
            }
            flags.join(" ")
        }
    }
}

/// Group headings (reason, items, files) and their paths with bytes on disk.
fn plan_lines(lines: &mut Vec<Line<'static>>, plan: &Plan, width: usize, state: &State) {
    let t = &state.theme;
    let mut groups: Vec<(&Reason, Vec<usize>)> = Vec::new();
    for (i, item) in plan.items.iter().enumerate() {
        match groups.iter_mut().find(|g| *g.0 == item.reason) {
            Some(g) => g.1.push(i),
            None => groups.push((&item.reason, vec![i])),
        }
    }
    for (reason, members) in groups {
        let files: u64 = members.iter().map(|i| plan.items[*i].files).sum();
        // Sizes are on the item lines: the heading's length then never
        // depends on them, nor does where the reason is cut.
        let counts = format!(
            "  {} · {}",
            count(members.len() as u64, "item", "items"),
            count(files, "file", "files"),
        );
        let room = width.saturating_sub(counts.chars().count()).max(8);
        lines.push(Line::from(vec![
            Span::styled(truncate(&escape(&reason.to_string()), room), t.header),
            Span::styled(counts, t.dim),
        ]));
        for i in members {
            let item = &plan.items[i];
            let size = bytes(item.disk_bytes);
            let path_width = width.saturating_sub(2 + 1 + 9).max(8);
            lines.push(Line::raw(format!(
                "  {:<pw$} {:>9}",
                truncate(&escape_path(&item.path), path_width),
                size,
                pw = path_width
            )));
        }
    }
}
