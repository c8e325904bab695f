//! The `why` verdicts: for each package of the working directory project's
//! environment installed from a local path, what the next `uv sync` does
//! with it and why, with the cache keys behind the decision. Scrollable.

use std::path::Path;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{popup, screen};
use crate::engine::why::{
    PackageReport, Severity, Verdict, WhyReport, describe_cache_info, describe_key_value, utc,
};
use crate::text::escape;
use crate::tui::app::{Modal, State, WhyDialog};
use crate::tui::ui::theme::Theme;

/// The report as (text, style) lines before wrapping.
fn raw_lines(d: &WhyDialog, t: &Theme) -> Vec<(String, Style)> {
    let plain = Style::default();
    match &d.result {
        None => vec![(
            "Reading the project's environment and cache keys…".into(),
            t.dim,
        )],
        Some(Err(text)) => vec![(text.clone(), t.warn)],
        Some(Ok(report)) => report_lines(report, t, plain),
    }
}

/// `path` relative to the project (`.`, `.venv`, `../dep`) when it is in it or next to it.
fn shown(path: &Path, project: &Path) -> String {
    if let Ok(rel) = path.strip_prefix(project) {
        return if rel.as_os_str().is_empty() {
            ".".into()
        } else {
            rel.display().to_string()
        };
    }
    match project.parent().map(|parent| path.strip_prefix(parent)) {
        Some(Ok(rel)) => format!("../{}", rel.display()),
        _ => path.display().to_string(),
    }
}

fn report_lines(r: &WhyReport, t: &Theme, plain: Style) -> Vec<(String, Style)> {
    let mut out = vec![(
        format!(
            "{} (environment {}, found by {})",
            r.project.display(),
            shown(&r.environment.root, &r.project),
            r.environment.found_by
        ),
        t.header,
    )];
    for note in &r.notes {
        out.push((format!("note: {note}"), t.dim));
    }
    for p in &r.packages {
        out.push((String::new(), plain));
        package_lines(&mut out, p, &r.project, t, plain);
    }
    out
}

fn package_lines(
    out: &mut Vec<(String, Style)>,
    p: &PackageReport,
    project: &Path,
    t: &Theme,
    plain: Style,
) {
    let i = &p.installed;
    let kind = i.kind_label();
    let verdict = match p.verdict {
        Verdict::UpToDate => t.good,
        Verdict::ReinstallFromCache => t.warn,
        Verdict::Rebuild | Verdict::Fails => t.bad,
    };
    out.push((
        format!(
            "{} {}  ({kind} {})",
            i.name,
            i.version,
            shown(&i.source, project)
        ),
        t.title,
    ));
    out.push((format!("  {}", p.summary), verdict));
    for c in &p.changes {
        out.push((format!("    {}: {}", c.part, c.message), plain));
    }
    if let Some(eval) = &p.current {
        let origin = if eval.keys.defaults {
            " (uv's defaults)"
        } else {
            ""
        };
        out.push((format!("  cache keys{origin}:"), plain));
        for k in &eval.results {
            out.push((
                format!("    {:<24} {}", k.key.label(), describe_key_value(&k.value)),
                plain,
            ));
        }
    }
    if let Some(recorded) = &p.recorded {
        let parts = describe_cache_info(recorded);
        out.push((
            format!("  recorded at install: {}", parts.join(" · ")),
            t.dim,
        ));
    }
    for b in &p.cached_builds {
        out.push((
            format!(
                "  cached build {} ({}{})",
                b.revision,
                if b.matches_now {
                    "matches the current inputs"
                } else {
                    "built from other inputs"
                },
                if b.has_wheel { "" } else { ", no wheel" }
            ),
            plain,
        ));
    }
    if !p.untracked.is_empty() {
        out.push((
            "  changed since the install but not cache keys:".into(),
            plain,
        ));
        for f in &p.untracked {
            out.push((
                format!("    {}  {}", f.path.display(), utc(&f.timestamp)),
                plain,
            ));
        }
    }
    if let Some(snippet) = &p.snippet {
        out.push((
            "  to make uv rebuild on such changes, in its pyproject.toml:".into(),
            plain,
        ));
        out.extend(snippet.lines().map(|l| (format!("    {l}"), t.key)));
    }
    for l in &p.lints {
        let (style, word) = match l.severity {
            Severity::Error => (t.bad, "error"),
            Severity::Warning => (t.warn, "warning"),
            Severity::Info => (t.dim, "info"),
        };
        out.push((format!("  {word} [{}]: {}", l.code, l.message), style));
    }
    for h in &p.hints {
        out.push((format!("  hint: {h}"), t.dim));
    }
}

/// Cuts `text` into lines at most `width` characters wide, at spaces where
/// possible; continuation lines keep the first line's indent plus two.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let lead = text.len() - text.trim_start_matches(' ').len();
    let indent = (lead + 2).min(width / 2);
    let mut out = Vec::new();
    let mut line = " ".repeat(lead);
    let mut len = lead;
    let mut empty = true;
    for word in text[lead..].split(' ') {
        let mut chars: Vec<char> = word.chars().collect();
        if !empty && len + 1 + chars.len() > width {
            out.push(std::mem::replace(&mut line, " ".repeat(indent)));
            len = indent;
            empty = true;
        }
        if !empty {
            line.push(' ');
            len += 1;
        }
        // A word longer than a line is cut.
        while len + chars.len() > width {
            let take = width.saturating_sub(len);
            line.extend(chars.drain(..take));
            out.push(std::mem::replace(&mut line, " ".repeat(indent)));
            len = indent;
        }
        len += chars.len();
        line.extend(chars);
        empty = false;
    }
    out.push(line);
    out
}

/// The wrapped lines for a dialog whose text area is `width` wide.
fn lines(d: &WhyDialog, t: &Theme, width: u16) -> Vec<Line<'static>> {
    raw_lines(d, t)
        .into_iter()
        .flat_map(|(text, style)| {
            wrap(&escape(&text), usize::from(width))
                .into_iter()
                .map(move |l| Line::from(Span::styled(l, style)))
        })
        .collect()
}

/// The dialog's rectangle on the screen of `state` and its text area.
fn geometry(state: &State, d: &WhyDialog) -> (Rect, Rect, usize) {
    let width = Block::bordered().inner(popup(screen(state), 0)).width;
    let n = lines(d, &state.theme, width).len();
    let outer = popup(screen(state), n);
    (outer, Block::bordered().inner(outer), n)
}

/// Rows of text visible at once.
pub fn page_rows(state: &State) -> isize {
    let Some(Modal::Why(d)) = &state.modal else {
        return 1;
    };
    let (_, inner, _) = geometry(state, d);
    isize::try_from(inner.height.saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

/// The largest useful scroll position.
pub fn max_scroll(state: &State) -> u16 {
    let Some(Modal::Why(d)) = &state.modal else {
        return 0;
    };
    let (_, inner, n) = geometry(state, d);
    u16::try_from(n.saturating_sub(usize::from(inner.height))).unwrap_or(u16::MAX)
}

/// Draws the verdicts over `area`.
pub fn draw(f: &mut Frame, area: Rect, state: &State, d: &WhyDialog) {
    let t = &state.theme;
    let width = Block::bordered().inner(popup(area, 0)).width;
    let lines = lines(d, t, width);
    let outer = popup(area, lines.len());
    f.render_widget(Clear, outer);
    let block = Block::bordered().border_style(t.border).title(Span::styled(
        " Why: will the next uv sync rebuild? ",
        t.header,
    ));
    f.render_widget(
        Paragraph::new(lines).block(block).scroll((d.scroll, 0)),
        outer,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_keeps_the_indent() {
        assert_eq!(wrap("short", 20), ["short"]);
        assert_eq!(
            wrap("  one two three four", 12),
            ["  one two", "    three", "    four"]
        );
        let long = wrap("x".repeat(25).as_str(), 10);
        assert!(long.iter().all(|l| l.chars().count() <= 10), "{long:?}");
        assert_eq!(long.concat().replace(' ', "").len(), 25);
    }
}
