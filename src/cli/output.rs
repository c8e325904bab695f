//! The Printer: the only place that writes to the terminal in CLI mode.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use super::ColorChoice;
use crate::engine::progress::{Reporter, ScanProgress};
use crate::text::escape_styled;

/// Writes results to stdout and messages to stderr, with optional colour.
///
/// Every line is written through [`crate::text::escape_styled`]: control
/// characters from file names never reach the terminal, only the styles
/// [`Printer::paint`] adds. Writing to stdout fails with the I/O error (a
/// closed pipe is recognized by [`is_broken_pipe`]); a message that cannot be
/// written to stderr is dropped and remembered ([`stderr_failed`]), so the
/// process still ends with an error status instead of a panic.
#[derive(Clone, Copy)]
pub struct Printer {
    /// Colour on stdout.
    color: bool,
    /// Colour on stderr.
    color_err: bool,
    quiet: bool,
    verbose: u8,
    progress: bool,
}

/// Set when a message could not be written to stderr.
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Whether a message could not be written to stderr (e.g. `2>/dev/full`).
pub fn stderr_failed() -> bool {
    STDERR_FAILED.load(Ordering::Relaxed)
}

/// Writes `text` to stderr and flushes it; a failure is remembered.
fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    if err
        .write_all(text.as_bytes())
        .and_then(|()| err.flush())
        .is_err()
    {
        STDERR_FAILED.store(true, Ordering::Relaxed);
    }
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

/// Whether to colour a stream: `--color always` / `never` decide for both
/// streams; `auto` colours a terminal unless `NO_COLOR` is set (non-empty)
/// or `TERM` is `dumb`.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            is_terminal && !no_color && !dumb
        }
    }
}

impl Printer {
    /// A printer for the given flags.
    pub fn new(choice: ColorChoice, quiet: bool, verbose: u8) -> Self {
        let err_terminal = std::io::stderr().is_terminal();
        Printer {
            color: use_color(choice, std::io::stdout().is_terminal()),
            color_err: use_color(choice, err_terminal),
            quiet,
            verbose,
            progress: !quiet && err_terminal,
        }
    }

    /// Verbosity level.
    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    /// Styles `text` for stdout when colour is on there.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        paint(self.color, tone, text)
    }

    /// Writes a line to stdout.
    pub fn out(&self, line: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", escape_styled(line, self.color))
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
            self.note(&format!("{}: {msg}", self.paint_err(Tone::Warn, "warning")));
        }
    }

    /// An informational note on stderr, shown with `-v`.
    pub fn info(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            self.note(msg);
        }
    }

    /// A line on stderr, whatever the verbosity.
    pub fn note(&self, line: &str) {
        write_stderr(&format!("{}\n", escape_styled(line, self.color_err)));
    }

    /// A question on stderr, without a line break, to be answered on stdin.
    pub fn prompt(&self, question: &str) -> std::io::Result<()> {
        let mut err = std::io::stderr().lock();
        write!(err, "{}", escape_styled(question, self.color_err))?;
        err.flush()
    }

    /// An error and its causes on stderr.
    pub fn error(&self, err: &anyhow::Error) {
        self.note(&format!("{}: {err}", self.paint_err(Tone::Bad, "error")));
        for cause in err.chain().skip(1) {
            self.note(&format!(
                "  {}: {cause}",
                self.paint_err(Tone::Dim, "caused by")
            ));
        }
    }

    /// Styles `text` for stderr when colour is on there.
    pub fn paint_err(&self, tone: Tone, text: &str) -> String {
        paint(self.color_err, tone, text)
    }

    /// Whether progress lines are drawn (stderr is a terminal, not `--quiet`).
    pub fn progress_enabled(&self) -> bool {
        self.progress
    }

    /// A progress reporter for scans (draws on stderr when it is a terminal).
    pub fn scan_reporter(&self) -> ScanLine {
        ScanLine {
            enabled: self.progress,
        }
    }
}

fn paint(color: bool, tone: Tone, text: &str) -> String {
    if !color {
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

/// Draws one self-overwriting progress line on stderr.
pub struct ScanLine {
    enabled: bool,
}

impl ScanLine {
    /// Clears the line.
    pub fn finish(&self) {
        if self.enabled {
            progress_line(None);
        }
    }
}

/// Overwrites the progress line on stderr with `text`, or clears it. A
/// progress line that cannot be drawn is not worth an error.
pub fn progress_line(text: Option<&str>) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{}", text.unwrap_or_default()).and_then(|()| err.flush());
}

impl Reporter for ScanLine {
    fn scan(&self, p: ScanProgress) {
        if self.enabled {
            let entries = if p.listing {
                format!("{} entries, still listing", p.entries_done)
            } else {
                format!("{}/{} entries", p.entries_done, p.entries_total)
            };
            progress_line(Some(&format!(
                "Scanning: {} files, {} dirs, {} ({entries})",
                p.files,
                p.dirs,
                bytes(p.disk_bytes),
            )));
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
