//! Styles of the terminal UI, from `assets/theme.default.toml`; without
//! colour (NO_COLOR) only bold, dim and reverse video are used.

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
}
