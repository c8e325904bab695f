//! Styles of the terminal UI, from `assets/theme.default.toml` with the
//! user's `<config dir>/uvcache/theme.toml` on top; without colour
//! (NO_COLOR) only bold, dim and reverse video are used.

use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The built-in theme.
pub const DEFAULT_THEME: &str = include_str!("../../../assets/theme.default.toml");

/// Every style the views use.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The program name in the tab bar.
    pub title: Style,
    /// Inactive tabs.
    pub tab: Style,
    /// The active tab.
    pub tab_active: Style,
    /// Table headers and headings.
    pub header: Style,
    /// The selected row.
    pub selected: Style,
    /// Current buckets and entries.
    pub good: Style,
    /// Stale, dangling, orphan: removable.
    pub warn: Style,
    /// Errors, broken entries.
    pub bad: Style,
    /// Secondary text.
    pub dim: Style,
    /// Size bars.
    pub bar: Style,
    /// The scan progress gauge.
    pub gauge: Style,
    /// Key labels in the help and the footer.
    pub key: Style,
    /// Dialog borders.
    pub border: Style,
    /// A button.
    pub button: Style,
    /// The focused harmless button.
    pub button_focused: Style,
    /// The focused destructive button.
    pub danger_focused: Style,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawTheme {
    title: RawStyle,
    tab: RawStyle,
    tab_active: RawStyle,
    header: RawStyle,
    selected: RawStyle,
    good: RawStyle,
    warn: RawStyle,
    bad: RawStyle,
    dim: RawStyle,
    bar: RawStyle,
    gauge: RawStyle,
    key: RawStyle,
    border: RawStyle,
    button: RawStyle,
    button_focused: RawStyle,
    danger_focused: RawStyle,
}

impl RawStyle {
    fn style(&self, color: bool) -> Result<Style, String> {
        let parse = |c: &Option<String>| -> Result<Option<Color>, String> {
            match c {
                Some(name) if color => name
                    .parse::<Color>()
                    .map(Some)
                    .map_err(|_| format!("unknown colour `{name}`")),
                _ => Ok(None),
            }
        };
        let mut style = Style::default();
        if let Some(fg) = parse(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = parse(&self.bg)? {
            style = style.bg(bg);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.reversed, Modifier::REVERSED),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

impl Theme {
    /// Parses a theme file; `color: false` drops every colour.
    pub fn parse(text: &str, color: bool) -> Result<Theme, String> {
        let raw: RawTheme = toml::from_str(text).map_err(|e| e.to_string())?;
        Theme::of_raw(raw, color)
    }

    /// The built-in theme with the styles of the user's file (a partial theme:
    /// each style given replaces the built-in one), and any problem with that
    /// file: a style that cannot be used is left out (and named), the others apply; a file
    /// that is not TOML is ignored whole.
    pub fn load(user_file: Option<&Path>, color: bool) -> (Theme, Option<String>) {
        let built_in = Theme::built_in(color);
        let Some(path) = user_file.filter(|p| p.is_file()) else {
            return (built_in, None);
        };
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Theme::with_each_override(&text, color))
        {
            Ok((theme, problems)) if problems.is_empty() => (theme, None),
            Ok((theme, problems)) => {
                let text = format!(
                    "theme `{}`: {} left out ({}); the rest of it applies",
                    path.display(),
                    if problems.len() == 1 {
                        "1 style".to_string()
                    } else {
                        format!("{} styles", problems.len())
                    },
                    problems.join("; ")
                );
                (theme, Some(text))
            }
            Err(e) => (
                built_in,
                Some(format!(
                    "ignoring the theme `{}`: {e}; using the built-in colours",
                    path.display()
                )),
            ),
        }
    }

    /// The built-in theme with each style of `user` that can be used on top, and what is wrong
    /// with the others.
    pub fn with_each_override(user: &str, color: bool) -> Result<(Theme, Vec<String>), String> {
        let mut table: toml::Table = DEFAULT_THEME
            .parse()
            .map_err(|e: toml::de::Error| e.to_string())?;
        let user: toml::Table = user.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let of_table = |table: &toml::Table| -> Result<Theme, String> {
            let raw: RawTheme = toml::Value::Table(table.clone())
                .try_into()
                .map_err(|e: toml::de::Error| e.to_string())?;
            Theme::of_raw(raw, color)
        };
        let mut problems = Vec::new();
        for (key, value) in user {
            if !table.contains_key(&key) {
                problems.push(format!("unknown style `{key}`"));
                continue;
            }
            let mut tried = table.clone();
            tried.insert(key.clone(), value);
            match of_table(&tried) {
                Ok(_) => table = tried,
                Err(e) => problems.push(format!("`{key}`: {}", e.trim().replace('\n', " "))),
            }
        }
        Ok((of_table(&table)?, problems))
    }

    /// The built-in theme with the styles of `user` (a partial theme file) on top.
    pub fn with_overrides(user: &str, color: bool) -> Result<Theme, String> {
        let (theme, problems) = Theme::with_each_override(user, color)?;
        if problems.is_empty() {
            Ok(theme)
        } else {
            Err(problems.join("; "))
        }
    }

    /// Where the user's theme lives: `<config dir>/uvcache/theme.toml`.
    pub fn user_file() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("uvcache").join("theme.toml"))
    }

    fn of_raw(raw: RawTheme, color: bool) -> Result<Theme, String> {
        Ok(Theme {
            title: raw.title.style(color)?,
            tab: raw.tab.style(color)?,
            tab_active: raw.tab_active.style(color)?,
            header: raw.header.style(color)?,
            selected: raw.selected.style(color)?,
            good: raw.good.style(color)?,
            warn: raw.warn.style(color)?,
            bad: raw.bad.style(color)?,
            dim: raw.dim.style(color)?,
            bar: raw.bar.style(color)?,
            gauge: raw.gauge.style(color)?,
            key: raw.key.style(color)?,
            border: raw.border.style(color)?,
            button: raw.button.style(color)?,
            button_focused: raw.button_focused.style(color)?,
            danger_focused: raw.danger_focused.style(color)?,
        })
    }

    /// The built-in theme, with or without colour.
    pub fn built_in(color: bool) -> Theme {
        // The built-in file is checked by a unit test; plain styles are the fallback.
        Theme::parse(DEFAULT_THEME, color).unwrap_or_else(|_| Theme::plain())
    }

    /// Modifiers only.
    pub fn plain() -> Theme {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let dim = Style::default().add_modifier(Modifier::DIM);
        let rev = Style::default().add_modifier(Modifier::REVERSED);
        Theme {
            title: bold,
            tab: dim,
            tab_active: rev,
            header: bold,
            selected: rev,
            good: Style::default(),
            warn: Style::default(),
            bad: bold,
            dim,
            bar: Style::default(),
            gauge: Style::default(),
            key: bold,
            border: Style::default(),
            button: Style::default(),
            button_focused: rev,
            danger_focused: rev,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_theme_parses_with_and_without_colour() {
        let colored = Theme::parse(DEFAULT_THEME, true).expect("theme");
        assert_eq!(colored.good.fg, Some(Color::Green));
        let plain = Theme::parse(DEFAULT_THEME, false).expect("theme");
        assert_eq!(plain.good.fg, None);
        assert!(plain.selected.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn a_user_theme_overrides_some_styles_and_a_broken_one_is_reported() {
        let t = Theme::with_overrides("good = { fg = \"magenta\", bold = true }\n", true)
            .expect("theme");
        assert_eq!(t.good.fg, Some(Color::Magenta));
        assert!(t.good.add_modifier.contains(Modifier::BOLD));
        assert_eq!(t.warn.fg, Some(Color::Yellow), "the rest is built in");
        let plain = Theme::with_overrides("good = { fg = \"magenta\" }\n", false).expect("theme");
        assert_eq!(plain.good.fg, None, "no colour stays no colour");
        assert!(Theme::with_overrides("nope = { bold = true }\n", true).is_err());
        assert!(Theme::with_overrides("good = { fg = \"mauve\" }\n", true).is_err());
        let dir = tempfile::tempdir().expect("temp dir");
        let bad = dir.path().join("theme.toml");
        std::fs::write(&bad, "good = 3\n").expect("write");
        let (theme, problem) = Theme::load(Some(&bad), true);
        assert!(problem.is_some_and(|p| p.contains("theme.toml")));
        assert_eq!(theme, Theme::built_in(true));
        let (_, problem) = Theme::load(Some(&dir.path().join("absent.toml")), true);
        assert!(problem.is_none());
        // One bad style among good ones: only it is left out, and named.
        let mixed = dir.path().join("mixed.toml");
        std::fs::write(
            &mixed,
            "good = { fg = \"magenta\" }\nwarn = { fg = \"mauve\" }\nnope = { bold = true }\n",
        )
        .expect("write");
        let (theme, problem) = Theme::load(Some(&mixed), true);
        assert_eq!(
            theme.good.fg,
            Some(Color::Magenta),
            "the good style applies"
        );
        assert_eq!(
            theme.warn.fg,
            Some(Color::Yellow),
            "the bad one is built in"
        );
        let problem = problem.expect("reported");
        assert!(problem.contains("2 styles left out"), "{problem}");
        assert!(
            problem.contains("`warn`") && problem.contains("`nope`"),
            "{problem}"
        );
    }
}
