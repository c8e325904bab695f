//! The trim dialog: a policy (age, versions kept, size budget, free space, unused, packages
//! kept) set field by field, with a live preview of what it removes, what that frees and what
//! stays because an environment uses it; "Review" opens the usual removal preview of the very
//! plan shown, which applies it under uv's lock.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::Action;
use super::super::effects::{Effect, Mapped, Scanned};
use super::super::msg::Level;
use super::super::plans::{PlanSet, TrimPreview};
use super::{App, Focus, Modal, PlanDialog, PlanStage};
use crate::engine::names::normalize;
use crate::engine::remove::policy::{Policy, parse_age, parse_size};

/// The dialog's fields and buttons, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimField {
    /// `--max-age`.
    MaxAge,
    /// `--keep-versions`.
    KeepVersions,
    /// `--max-size`.
    MaxSize,
    /// `--min-free`.
    MinFree,
    /// `--keep` (names separated by commas or spaces).
    Keep,
    /// `--unused` (a check box).
    Unused,
    /// Close without removing anything.
    Cancel,
    /// Open the removal preview of the plan shown.
    Review,
}

impl TrimField {
    /// Every field, in focus order.
    pub const ALL: [TrimField; 8] = [
        TrimField::MaxAge,
        TrimField::KeepVersions,
        TrimField::MaxSize,
        TrimField::MinFree,
        TrimField::Keep,
        TrimField::Unused,
        TrimField::Cancel,
        TrimField::Review,
    ];

    /// The text fields: label, the flag it stands for, and an example.
    pub const TEXT: [(TrimField, &'static str, &'static str, &'static str); 5] = [
        (
            TrimField::MaxAge,
            "Not used for",
            "--max-age",
            "e.g. 90d, 12w: entries last used longer ago",
        ),
        (
            TrimField::KeepVersions,
            "Versions kept",
            "--keep-versions",
            "e.g. 2: the newest per package and source",
        ),
        (
            TrimField::MaxSize,
            "Cache at most",
            "--max-size",
            "e.g. 20GiB: least recently used go first",
        ),
        (
            TrimField::MinFree,
            "Disk free",
            "--min-free",
            "e.g. 50GiB: until the filesystem has that free",
        ),
        (
            TrimField::Keep,
            "Never remove",
            "--keep",
            "package names, separated by commas",
        ),
    ];

    fn index(self) -> usize {
        TrimField::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }

    fn is_text(self) -> bool {
        TrimField::TEXT.iter().any(|(f, ..)| *f == self)
    }
}

/// Where the preview is.
#[derive(Debug, Clone)]
pub enum TrimState {
    /// No rule is set (or one does not parse): nothing to preview.
    Idle,
    /// The environments are still being mapped to the cache; the preview follows.
    WaitingForUsage,
    /// No environment is known to use the cache: everything would look unused, so nothing is
    /// planned (as `uvcache prune` refuses).
    NoRoots,
    /// Being computed.
    Computing,
    /// Computed.
    Ready(Arc<TrimPreview>),
}

/// The trim dialog.
#[derive(Debug, Clone)]
pub struct TrimDialog {
    /// Identifies the dialog's preview requests.
    pub ticket: u64,
    /// The latest preview asked for (older answers are dropped).
    pub seq: u64,
    /// The text of each text field, in [`TrimField::TEXT`] order.
    pub text: [String; 5],
    /// `--unused`.
    pub unused: bool,
    /// The focused field or button.
    pub focus: TrimField,
    /// Where the preview is.
    pub state: TrimState,
    /// First preview line shown.
    pub scroll: u16,
}

impl TrimDialog {
    /// An empty dialog, the focus on the first field.
    pub fn new(ticket: u64) -> TrimDialog {
        TrimDialog {
            ticket,
            seq: 0,
            text: Default::default(),
            unused: false,
            focus: TrimField::MaxAge,
            state: TrimState::Idle,
            scroll: 0,
        }
    }

    /// The text of `field` (empty for the check box and buttons).
    pub fn text_of(&self, field: TrimField) -> &str {
        TrimField::TEXT
            .iter()
            .position(|(f, ..)| *f == field)
            .and_then(|i| self.text.get(i))
            .map_or("", String::as_str)
    }

    fn text_mut(&mut self, field: TrimField) -> Option<&mut String> {
        let i = TrimField::TEXT.iter().position(|(f, ..)| *f == field)?;
        self.text.get_mut(i)
    }

    /// Why `field`'s text is not a valid value, if it is not.
    pub fn error_of(&self, field: TrimField) -> Option<String> {
        let text = self.text_of(field).trim();
        if text.is_empty() {
            return None;
        }
        match field {
            TrimField::MaxAge => parse_age(text).err(),
            TrimField::KeepVersions => match text.parse::<usize>() {
                Ok(0) => Some("keep at least 1 version".into()),
                Ok(_) => None,
                Err(_) => Some(format!("`{text}` is not a number of versions")),
            },
            TrimField::MaxSize | TrimField::MinFree => parse_size(text).err(),
            _ => None,
        }
    }

    /// The policy the fields describe, if every field is valid.
    pub fn policy(&self) -> Option<Policy> {
        if TrimField::ALL.iter().any(|f| self.error_of(*f).is_some()) {
            return None;
        }
        let text = |f| Some(self.text_of(f).trim()).filter(|t| !t.is_empty());
        Some(Policy {
            unused: self.unused,
            max_age: text(TrimField::MaxAge).and_then(|t| parse_age(t).ok()),
            keep_versions: text(TrimField::KeepVersions).and_then(|t| t.parse().ok()),
            max_size: text(TrimField::MaxSize).and_then(|t| parse_size(t).ok()),
            min_free: text(TrimField::MinFree).and_then(|t| parse_size(t).ok()),
            keep: self
                .text_of(TrimField::Keep)
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(normalize)
                .collect(),
        })
    }

    /// The same policy as a command line (`uvcache prune --max-age 90d --unused`).
    pub fn command_line(&self) -> String {
        let mut out = String::from("uvcache prune");
        for (field, _, flag, _) in TrimField::TEXT {
            let text = self.text_of(field).trim();
            if field == TrimField::Keep {
                for name in text.split([',', ' ']).filter(|s| !s.is_empty()) {
                    out.push_str(&format!(" --keep {name}"));
                }
            } else if !text.is_empty() {
                out.push_str(&format!(" {flag} {text}"));
            }
        }
        if self.unused {
            out.push_str(" --unused");
        }
        out
    }

    /// Whether the focused button can open the removal preview.
    pub fn can_review(&self) -> bool {
        matches!(&self.state, TrimState::Ready(p) if !p.plan.plan.items.is_empty())
    }
}

impl App {
    /// Opens the trim dialog (`x`).
    pub(super) fn open_trim(&mut self) -> Vec<Effect> {
        if self.state.snapshot.is_none() {
            self.say(
                Level::Warn,
                "the scan has not finished yet: nothing to plan from".into(),
            );
            return vec![];
        }
        let ticket = self.next_ticket();
        self.state.modal = Some(Modal::Trim(TrimDialog::new(ticket)));
        vec![]
    }

    /// A key the trim context does not bind: typed into the focused text field, or Space on
    /// the check box.
    pub(super) fn type_in_trim(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let Some(Modal::Trim(d)) = &mut self.state.modal else {
            return vec![];
        };
        let focus = d.focus;
        match key.code {
            KeyCode::Char(' ') if focus == TrimField::Unused => d.unused = !d.unused,
            KeyCode::Char(c)
                if focus.is_text()
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                if let Some(t) = d.text_mut(focus) {
                    t.push(c);
                }
            }
            KeyCode::Backspace if focus.is_text() => {
                if let Some(t) = d.text_mut(focus) {
                    t.pop();
                }
            }
            _ => return vec![],
        }
        self.preview_trim()
    }

    /// What an action does in the trim dialog.
    pub(super) fn act_trim(&mut self, action: Action) -> Vec<Effect> {
        let max = match &self.state.modal {
            Some(Modal::Trim(d)) => super::super::ui::trim::max_scroll(
                &self.state,
                d,
                super::super::ui::screen(&self.state),
            ),
            _ => 0,
        };
        let Some(Modal::Trim(d)) = &mut self.state.modal else {
            return vec![];
        };
        let step = |focus: TrimField, by: isize| {
            let n = TrimField::ALL.len() as isize;
            let i = (focus.index() as isize + by).rem_euclid(n);
            TrimField::ALL[usize::try_from(i).unwrap_or(0)]
        };
        match action {
            Action::Quit => return self.quit(),
            Action::Back => self.state.modal = None,
            Action::FocusNext | Action::Down => d.focus = step(d.focus, 1),
            Action::FocusPrev | Action::Up => d.focus = step(d.focus, -1),
            Action::PageDown => d.scroll = d.scroll.saturating_add(5).min(max),
            Action::PageUp => d.scroll = d.scroll.saturating_sub(5),
            Action::Activate => match d.focus {
                TrimField::Cancel => self.state.modal = None,
                TrimField::Review => return self.review_trim(),
                TrimField::Unused => {
                    d.unused = !d.unused;
                    return self.preview_trim();
                }
                _ => d.focus = step(d.focus, 1),
            },
            _ => {}
        }
        vec![]
    }

    /// Asks for a preview of the dialog's policy, if it is complete and the environments are
    /// known.
    pub(super) fn preview_trim(&mut self) -> Vec<Effect> {
        let snapshot = self.state.snapshot.clone();
        let usage = self.state.usage.as_ref().map(|(u, _)| u.clone());
        let Some(Modal::Trim(d)) = &mut self.state.modal else {
            return vec![];
        };
        d.scroll = 0;
        let Some(policy) = d.policy().filter(Policy::is_set) else {
            d.state = TrimState::Idle;
            return vec![];
        };
        let (Some(snapshot), Some(usage)) = (snapshot, usage) else {
            d.state = TrimState::WaitingForUsage;
            return vec![];
        };
        if !usage.roots.iter().any(|r| r.exists) {
            d.state = TrimState::NoRoots;
            return vec![];
        }
        d.seq += 1;
        d.state = TrimState::Computing;
        vec![Effect::TrimPreview {
            ticket: d.ticket,
            seq: d.seq,
            snapshot: Scanned(snapshot),
            usage: Mapped(usage),
            policy,
        }]
    }

    /// A preview arrived: shown if it is the latest one asked for.
    pub(super) fn trim_previewed(&mut self, ticket: u64, seq: u64, preview: Arc<TrimPreview>) {
        if let Some(Modal::Trim(d)) = &mut self.state.modal
            && d.ticket == ticket
            && d.seq == seq
        {
            d.state = TrimState::Ready(preview);
            self.dirty = true;
        }
    }

    /// Opens the removal preview of the plan shown (the focus on Cancel, as always).
    fn review_trim(&mut self) -> Vec<Effect> {
        let Some(Modal::Trim(d)) = &self.state.modal else {
            return vec![];
        };
        let TrimState::Ready(preview) = &d.state else {
            self.say(Level::Warn, "nothing to review yet".into());
            return vec![];
        };
        if preview.plan.plan.items.is_empty() {
            self.say(Level::Info, "this policy removes nothing".into());
            return vec![];
        }
        let title = d.command_line().replacen("uvcache prune", "Trim:", 1);
        let plans = Arc::new(PlanSet::single(preview.plan.plan.clone()));
        let ticket = self.next_ticket();
        let mut dialog = PlanDialog::new(ticket, title);
        dialog.stage = PlanStage::Ready(plans);
        dialog.focus = Focus::Cancel;
        self.state.modal = Some(Modal::Plan(dialog));
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_make_the_policy_and_its_command_line() {
        let mut d = TrimDialog::new(1);
        assert_eq!(d.policy(), Some(Policy::default()));
        assert!(!d.policy().is_some_and(|p| p.is_set()));
        d.text = [
            "90d".into(),
            "2".into(),
            "20GiB".into(),
            String::new(),
            "Torch, numpy".into(),
        ];
        d.unused = true;
        let p = d.policy().expect("valid");
        assert_eq!(p.max_age, Some(std::time::Duration::from_secs(90 * 86400)));
        assert_eq!(p.keep_versions, Some(2));
        assert_eq!(p.max_size, Some(20 << 30));
        assert_eq!(p.min_free, None);
        assert_eq!(p.keep, ["torch", "numpy"]);
        assert!(p.unused);
        assert_eq!(
            d.command_line(),
            "uvcache prune --max-age 90d --keep-versions 2 --max-size 20GiB --keep Torch \
             --keep numpy --unused"
        );
        d.text[1] = "0".into();
        assert!(d.error_of(TrimField::KeepVersions).is_some());
        assert_eq!(d.policy(), None, "an invalid field plans nothing");
        d.text[1] = "two".into();
        assert!(d.error_of(TrimField::KeepVersions).is_some());
    }
}
