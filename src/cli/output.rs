//! The Printer: the only place that writes to the terminal in CLI mode.

use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};

use super::ColorChoice;
use crate::engine::progress::{Reporter, ScanProgress};

/// Writes results to stdout and messages to stderr, with optional colour.
#[derive(Clone, Copy)]
pub struct Printer {
    color: bool,
    quiet: bool,
    verbose: u8,
    progress: bool,
}

/// Styles used in output.
#[derive(Clone, Copy)]
pub enum Tone {
    /// Headings and totals.
    Bold,
    /// Secondary text.
    Dim,
    /// Good state.
    Good,
    /// Needs attention.
    Warn,
    /// Problems.
    Bad,
}

impl Printer {
    /// A printer for the given flags.
    pub fn new(choice: ColorChoice, quiet: bool, verbose: u8) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        let progress = !quiet && std::io::stderr().is_terminal();
        Printer {
            color,
            quiet,
            verbose,
            progress,
        }
    }

    /// Verbosity level.
    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    /// Styles `text` when colour is on.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let style = match tone {
            Tone::Bold => Style::new().bold(),
            Tone::Dim => Style::new().dimmed(),
            Tone::Good => Style::new().fg_color(Some(AnsiColor::Green.into())),
            Tone::Warn => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Tone::Bad => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        };
        format!("{style}{text}{style:#}")
    }

    /// Writes a line to stdout.
    pub fn out(&self, line: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
    }

    /// Writes pretty JSON to stdout.
    pub fn json<T: serde::Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value).map_err(|e| match e.io_error_kind() {
            // Keep the I/O error itself, so a closed pipe is recognized.
            Some(kind) => anyhow::Error::from(std::io::Error::new(kind, e)),
            None => anyhow::Error::from(e),
        })?;
        writeln!(out)?;
        Ok(())
    }

    /// A warning on stderr (suppressed by `--quiet`).
    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{}: {msg}", self.paint_err(Tone::Warn, "warning"));
        }
    }

    /// An informational note on stderr, shown with `-v`.
    pub fn info(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// An error and its causes on stderr.
    pub fn error(&self, err: &anyhow::Error) {
        eprintln!("{}: {err}", self.paint_err(Tone::Bad, "error"));
        for cause in err.chain().skip(1) {
            eprintln!("  {}: {cause}", self.paint_err(Tone::Dim, "caused by"));
        }
    }

    fn paint_err(&self, tone: Tone, text: &str) -> String {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if self.color || (!no_color && std::io::stderr().is_terminal()) {
            Printer {
                color: true,
                ..*self
            }
            .paint(tone, text)
        } else {
            text.to_string()
        }
    }

    /// A progress reporter for scans (draws on stderr when it is a terminal).
    pub fn scan_reporter(&self) -> ScanLine {
        ScanLine {
            enabled: self.progress,
        }
    }
}

/// Draws one self-overwriting progress line on stderr.
pub struct ScanLine {
    enabled: bool,
}

impl ScanLine {
    /// Clears the line.
    pub fn finish(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

impl Reporter for ScanLine {
    fn scan(&self, p: ScanProgress) {
        if self.enabled {
            eprint!(
                "\r\x1b[2KScanning: {} files, {} dirs, {} ({}/{} entries)",
                p.files,
                p.dirs,
                bytes(p.disk_bytes),
                p.entries_done,
                p.entries_total
            );
        }
    }
}

/// Formats bytes with binary units like uv (`8.6MiB`, `123B`).
pub fn bytes(n: u64) -> String {
    crate::engine::report::human_bytes(n)
}

/// Whether an error is a closed stdout (e.g. piped into `head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Formats a table with right-aligned numeric columns.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    /// A table with these headers; `right` marks right-aligned columns.
    pub fn new(headers: &[&str], right: &[bool]) -> Self {
        Table {
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: vec![],
            right: right.to_vec(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table lines (header first), styling the header.
    pub fn render(&self, printer: &Printer) -> Vec<String> {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(visible_width(c));
            }
        }
        let fmt = |cells: &[String]| -> String {
            let mut line = String::new();
            for (i, c) in cells.iter().enumerate().take(n) {
                let pad = widths[i].saturating_sub(visible_width(c));
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right.get(i).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(c);
                } else {
                    line.push_str(c);
                    if i + 1 < n {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            line.trim_end().to_string()
        };
        let mut lines = vec![printer.paint(Tone::Bold, &fmt(&self.headers))];
        lines.extend(self.rows.iter().map(|r| fmt(r)));
        lines
    }
}

/// Width of text without ANSI escapes.
fn visible_width(s: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_like_uv() {
        assert_eq!(bytes(123), "123B");
        assert_eq!(bytes(9017753), "8.6MiB");
        assert_eq!(bytes(442368), "432.0KiB");
        assert_eq!(bytes(0), "0B");
    }
}
