//! The keymap: which key means which [`Action`] in which context, read from
//! `assets/keymap.default.toml` (compiled in) and an optional user file. The
//! help overlay and the footer hints are generated from it.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

/// The built-in keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.default.toml");

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Every screen, unless a dialog or the filter is open.
    Global,
    /// The overview.
    Overview,
    /// The packages table.
    Packages,
    /// A package's detail.
    Detail,
    /// The roots screen.
    Roots,
    /// A bucket's entries.
    Bucket,
    /// An entry's files.
    Files,
    /// The log, full screen.
    Log,
    /// While typing a filter.
    Filter,
    /// The removal preview dialog.
    Plan,
    /// The refresh confirmation.
    Refresh,
    /// The `why` verdicts.
    Why,
    /// The trim dialog.
    Trim,
    /// The marked pane.
    Marked,
    /// The help overlay.
    Help,
}

impl Context {
    /// Every context, in the order the help overlay lists them.
    pub const ALL: [Context; 15] = [
        Context::Global,
        Context::Overview,
        Context::Packages,
        Context::Detail,
        Context::Roots,
        Context::Bucket,
        Context::Files,
        Context::Log,
        Context::Filter,
        Context::Plan,
        Context::Refresh,
        Context::Why,
        Context::Trim,
        Context::Marked,
        Context::Help,
    ];

    /// The context's name in a keymap file (`[[packages]]`).
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Overview => "overview",
            Context::Packages => "packages",
            Context::Detail => "detail",
            Context::Roots => "roots",
            Context::Bucket => "bucket",
            Context::Files => "files",
            Context::Log => "log",
            Context::Filter => "filter",
            Context::Plan => "plan",
            Context::Refresh => "refresh",
            Context::Why => "why",
            Context::Trim => "trim",
            Context::Marked => "marked",
            Context::Help => "help",
        }
    }

    /// The heading of the context in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Overview => "Overview",
            Context::Packages => "Packages table",
            Context::Detail => "Package detail",
            Context::Roots => "Roots (environments using the cache)",
            Context::Bucket => "A bucket's entries",
            Context::Files => "An entry's files",
            Context::Log => "The log, full screen",
            Context::Filter => "While typing a filter",
            Context::Plan => "Removal preview",
            Context::Refresh => "Refresh confirmation",
            Context::Why => "Why (rebuild verdicts)",
            Context::Trim => "Trim (a policy with its preview; other keys type into the field)",
            Context::Marked => "Marked (every mark and what removing them frees)",
            Context::Help => "This help",
        }
    }
}

/// A key with the modifiers that matter (ctrl, alt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl and alt only; shift is part of the character.
    pub mods: KeyModifiers,
}

impl Key {
    /// The key of a terminal event.
    pub fn of(event: &KeyEvent) -> Key {
        Key {
            code: event.code,
            mods: event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT),
        }
    }

    /// The key as a terminal event (for feeding keys without a terminal).
    pub fn event(self) -> KeyEvent {
        let shift = matches!(self.code, KeyCode::Char(c) if c.is_uppercase())
            || self.code == KeyCode::BackTab;
        let mods = if shift {
            self.mods | KeyModifiers::SHIFT
        } else {
            self.mods
        };
        KeyEvent::new(self.code, mods)
    }
}

/// Parses a key name: a character, or a named key, with `ctrl-` / `alt-` prefixes.
pub fn parse_key(text: &str) -> Result<Key, String> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = text;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
            mods |= KeyModifiers::CONTROL;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
            mods |= KeyModifiers::ALT;
            rest = r;
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "esc" | "escape" => KeyCode::Esc,
            "enter" | "return" => KeyCode::Enter,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') => f[1..]
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=12).contains(n))
                .map(KeyCode::F)
                .ok_or_else(|| format!("unknown key `{text}`"))?,
            _ => return Err(format!("unknown key `{text}`")),
        },
    };
    Ok(Key { code, mods })
}

/// Parses a key sequence: characters stand for themselves, `<name>` for a
/// named key (`/alpha<enter>d<tab><enter>`); `<lt>` is a literal `<`.
pub fn key_events(sequence: &str) -> Result<Vec<KeyEvent>, String> {
    let mut out = Vec::new();
    let mut rest = sequence;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && end > 1
        {
            let name = &rest[1..end];
            let key = if name == "lt" {
                Key {
                    code: KeyCode::Char('<'),
                    mods: KeyModifiers::NONE,
                }
            } else {
                parse_key(name)?
            };
            out.push(key.event());
            rest = &rest[end + 1..];
            continue;
        }
        out.push(
            Key {
                code: KeyCode::Char(c),
                mods: KeyModifiers::NONE,
            }
            .event(),
        );
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

/// One binding.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The key.
    pub key: Key,
    /// The key as written in the keymap (shown in the help).
    pub label: String,
    /// What it does.
    pub action: Action,
    /// The help text.
    pub description: String,
    /// The short footer label, if any.
    pub hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    key: String,
    action: Action,
    description: String,
    hint: Option<String>,
}

/// All bindings, in file order.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        // The built-in file is checked by a unit test.
        Keymap::parse(DEFAULT_KEYMAP).unwrap_or(Keymap { bindings: vec![] })
    }
}

impl Keymap {
    /// Parses a keymap file's text.
    pub fn parse(text: &str) -> Result<Keymap, String> {
        let (map, problems) = Keymap::parse_lenient(text)?;
        if problems.is_empty() {
            Ok(map)
        } else {
            Err(problems.join("; "))
        }
    }

    /// Parses a user's keymap binding by binding: the bindings that are fine, and what is
    /// wrong with each of the others (which are left out). Only a file that is not TOML at
    /// all is refused whole.
    pub fn parse_lenient(text: &str) -> Result<(Keymap, Vec<String>), String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut bindings = Vec::new();
        let mut problems = Vec::new();
        for (name, list) in table {
            let Some(context) = Context::ALL.into_iter().find(|c| c.name() == name) else {
                problems.push(format!("unknown context `[[{name}]]`"));
                continue;
            };
            let Some(list) = list.as_array() else {
                problems.push(format!("`{name}` is not a list of `[[{name}]]` bindings"));
                continue;
            };
            for (n, value) in list.iter().enumerate() {
                let parsed = RawBinding::deserialize(value.clone())
                    .map_err(|e| e.to_string())
                    .and_then(|b| Ok((parse_key(&b.key)?, b)));
                match parsed {
                    Ok((key, b)) => bindings.push(Binding {
                        context,
                        key,
                        label: b.key,
                        action: b.action,
                        description: b.description,
                        hint: b.hint,
                    }),
                    Err(e) => problems.push(format!(
                        "[[{name}]] binding {}: {}",
                        n + 1,
                        e.trim().replace('\n', " ")
                    )),
                }
            }
        }
        Ok((Keymap { bindings }, problems))
    }

    /// The built-in keymap with the user's file applied on top, and any problem with that
    /// file: a binding that cannot be used is left out (and named), the others apply.
    pub fn load(user_file: Option<&Path>) -> (Keymap, Option<String>) {
        let mut map = Keymap::default();
        let Some(path) = user_file.filter(|p| p.is_file()) else {
            return (map, None);
        };
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Keymap::parse_lenient(&text))
        {
            Ok((user, problems)) => {
                map.apply(user);
                let problem = (!problems.is_empty()).then(|| {
                    format!(
                        "keymap `{}`: {} left out ({}); the rest of it applies",
                        path.display(),
                        if problems.len() == 1 {
                            "1 binding".to_string()
                        } else {
                            format!("{} bindings", problems.len())
                        },
                        problems.join("; ")
                    )
                });
                (map, problem)
            }
            Err(e) => (
                map,
                Some(format!(
                    "ignoring the keymap `{}`: {e}; using the built-in keys",
                    path.display()
                )),
            ),
        }
    }

    /// Where the user's keymap lives: `<config dir>/uvcache/keymap.toml`.
    pub fn user_file() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("uvcache").join("keymap.toml"))
    }

    /// Applies `user` over `self`: a binding replaces the one for the same
    /// key and context, and is added otherwise.
    pub fn apply(&mut self, user: Keymap) {
        for b in user.bindings {
            match self
                .bindings
                .iter_mut()
                .find(|d| d.context == b.context && d.key == b.key)
            {
                Some(d) => *d = b,
                None => self.bindings.push(b),
            }
        }
    }

    /// The action of `event`, looking in `contexts` in order.
    pub fn action(&self, contexts: &[Context], event: &KeyEvent) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::of(event);
        contexts.iter().find_map(|c| {
            self.bindings
                .iter()
                .find(|b| b.context == *c && b.key == key)
                .map(|b| b.action)
        })
    }

    /// The bindings of one context, in file order.
    pub fn bindings(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.context == context)
    }

    /// The first key bound to `action` in `context` (for texts that name a key).
    pub fn label(&self, context: Context, action: Action) -> Option<&str> {
        self.bindings(context)
            .find(|b| b.action == action)
            .map(|b| b.label.as_str())
    }

    /// Footer hints (key label, hint) of the given contexts.
    pub fn hints(&self, contexts: &[Context]) -> Vec<(&str, &str)> {
        contexts
            .iter()
            .flat_map(|c| self.bindings(*c))
            .filter_map(|b| Some((b.label.as_str(), b.hint.as_deref()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_keymap_parses_and_has_no_duplicate_keys() {
        let map = Keymap::parse(DEFAULT_KEYMAP).expect("built-in keymap");
        for c in Context::ALL {
            let keys: Vec<Key> = map.bindings(c).map(|b| b.key).collect();
            let mut unique = keys.clone();
            unique.sort_by_key(|k| format!("{k:?}"));
            unique.dedup();
            assert_eq!(keys.len(), unique.len(), "duplicate key in {c:?}");
        }
        let q = key_events("q").expect("keys");
        assert_eq!(map.action(&[Context::Global], &q[0]), Some(Action::Quit));
        // The help overlay shows key and description on one line at 80 columns.
        for c in Context::ALL {
            for b in map.bindings(c) {
                assert!(b.description.chars().count() <= 55, "{}", b.description);
            }
        }
    }

    #[test]
    fn key_sequences_parse() {
        let keys = key_events("/a<enter><ctrl-c>G<lt>").expect("keys");
        assert_eq!(keys.len(), 6);
        assert_eq!(keys[2].code, KeyCode::Enter);
        assert_eq!(Key::of(&keys[3]).mods, KeyModifiers::CONTROL);
        assert_eq!(keys[4].code, KeyCode::Char('G'));
        assert_eq!(keys[5].code, KeyCode::Char('<'));
        assert!(key_events("<nope>").is_err());
    }

    #[test]
    fn user_bindings_replace_the_same_key() {
        let mut map = Keymap::default();
        let user = Keymap::parse(
            "[[global]]\nkey = \"q\"\naction = \"help\"\ndescription = \"help instead\"\n",
        )
        .expect("user keymap");
        map.apply(user);
        let q = key_events("q").expect("keys");
        assert_eq!(map.action(&[Context::Global], &q[0]), Some(Action::Help));
        assert!(
            Keymap::parse("[[global]]\nkey = \"q\"\naction = \"nope\"\ndescription = \"\"\n")
                .is_err()
        );
    }

    #[test]
    fn a_user_file_overrides_and_a_broken_one_is_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let good = dir.path().join("good.toml");
        std::fs::write(
            &good,
            "[[packages]]\nkey = \"x\"\naction = \"clean\"\ndescription = \"clean\"\n",
        )
        .expect("write");
        let (map, problem) = Keymap::load(Some(&good));
        assert!(problem.is_none());
        let x = key_events("x").expect("keys");
        assert_eq!(map.action(&[Context::Packages], &x[0]), Some(Action::Clean));
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[[packages]]\nkey = \"nope-key\"\n").expect("write");
        let (map, problem) = Keymap::load(Some(&bad));
        assert!(problem.is_some_and(|p| p.contains("bad.toml")));
        assert_eq!(map.label(Context::Global, Action::Quit), Some("q"));
        // One bad binding among good ones: only it is left out, and named.
        let mixed = dir.path().join("mixed.toml");
        std::fs::write(
            &mixed,
            "[[packages]]\nkey = \"x\"\naction = \"clean\"\ndescription = \"clean\"\n\n\
             [[packages]]\nkey = \"y\"\naction = \"fly\"\ndescription = \"?\"\n\n\
             [[nowhere]]\nkey = \"z\"\naction = \"quit\"\ndescription = \"?\"\n",
        )
        .expect("write");
        let (map, problem) = Keymap::load(Some(&mixed));
        assert_eq!(map.action(&[Context::Packages], &x[0]), Some(Action::Clean));
        let problem = problem.expect("reported");
        assert!(problem.contains("2 bindings left out"), "{problem}");
        assert!(problem.contains("[[packages]] binding 2"), "{problem}");
        assert!(problem.contains("fly"), "{problem}");
        assert!(
            problem.contains("unknown context `[[nowhere]]`"),
            "{problem}"
        );
        // Not TOML at all: the whole file is refused.
        let junk = dir.path().join("junk.toml");
        std::fs::write(&junk, "[[packages]\n").expect("write");
        let (_, problem) = Keymap::load(Some(&junk));
        assert!(problem.is_some_and(|p| p.starts_with("ignoring the keymap")));
        let (_, problem) = Keymap::load(Some(&dir.path().join("absent.toml")));
        assert!(problem.is_none(), "no file, no problem");
    }
}
