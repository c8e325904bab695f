//! Showing untrusted text on a terminal.
//!
//! File names, paths and messages that quote them come from the disk, and a
//! name may hold anything but `/` and NUL: a newline that starts a fake line
//! in a removal plan, an escape sequence that clears the screen or recolours
//! what follows. Everything that is drawn on a terminal, by the command line
//! and by the terminal UI, goes through [`escape`] (or [`Escaped`]), which
//! writes such characters the way `ls -b` and Rust's `escape_debug` do:
//!
//! | character                         | shown as         |
//! |-----------------------------------|------------------|
//! | tab, newline, carriage return     | `\t` `\n` `\r`   |
//! | escape (U+001B)                   | `\e`             |
//! | other C0 controls, DEL            | `\x01` … `\x7f`  |
//! | C1 controls (U+0080–U+009F)       | `\u{9b}`         |
//! | bidirectional overrides/isolates  | `\u{202e}`       |
//! | a byte that is not UTF-8 (paths)  | `\xff`           |
//!
//! Everything else, backslashes included, is shown as it is. JSON output does
//! not use this: serde writes control characters as `\u001b` already.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::{self, Display};
use std::path::Path;

/// Whether `c` must not reach a terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL, C1
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\t' => out.write_str("\\t"),
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\x1b' => out.write_str("\\e"),
        c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    }
}

fn write_str_escaped(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    let mut rest = s;
    while let Some(at) = rest.find(is_unsafe) {
        out.write_str(&rest[..at])?;
        let c = rest[at..].chars().next().expect("a char at a found index");
        push_escaped(out, c)?;
        rest = &rest[at + c.len_utf8()..];
    }
    out.write_str(rest)
}

fn write_bytes_escaped(out: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        write_str_escaped(out, chunk.valid())?;
        for b in chunk.invalid() {
            write!(out, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

/// `s` with the characters a terminal would act on escaped (borrowed when
/// there are none).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let _ = write_str_escaped(&mut out, s);
    Cow::Owned(out)
}

/// A path or name shown safely: like [`escape`], and bytes that are not
/// UTF-8 as `\xNN`.
pub fn escape_os(s: &OsStr) -> Cow<'_, str> {
    match s.to_str() {
        Some(s) => escape(s),
        None => {
            let mut out = String::new();
            let _ = write_bytes_escaped(&mut out, s.as_encoded_bytes());
            Cow::Owned(out)
        }
    }
}

/// A path shown safely (see [`escape_os`]).
pub fn escape_path(p: &Path) -> Cow<'_, str> {
    escape_os(p.as_os_str())
}

/// Displays a string, path or name with [`escape`] applied:
/// `format!("{}", Escaped(path))` instead of `path.display()`.
#[derive(Clone, Copy)]
pub struct Escaped<T>(pub T);

impl<T: AsRef<OsStr>> Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_ref();
        match s.to_str() {
            Some(s) => write_str_escaped(f, s),
            None => write_bytes_escaped(f, s.as_encoded_bytes()),
        }
    }
}

/// Escapes a line that may carry SGR styling (`ESC [ digits;… m`, as
/// `anstyle` writes it): with `keep_sgr`, those sequences are kept and every
/// other unsafe character escaped; without, everything is escaped. The
/// last line of defence of the command line's printer, for text whose parts
/// were not escaped where they were formatted.
pub fn escape_styled(line: &str, keep_sgr: bool) -> Cow<'_, str> {
    if !line.contains(is_unsafe) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while let Some(at) = rest.find(is_unsafe) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if keep_sgr && let Some(len) = sgr_len(rest) {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        let c = rest.chars().next().expect("a char at a found index");
        let _ = push_escaped(&mut out, c);
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The length of the SGR sequence `s` starts with, if it starts with one.
fn sgr_len(s: &str) -> Option<usize> {
    let params = s.strip_prefix("\x1b[")?;
    let n = params
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (params.as_bytes().get(n) == Some(&b'm')).then_some(2 + n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("numpy-2.0 ü ✓ \\"), Cow::Borrowed(_)));
        assert_eq!(Escaped("a b").to_string(), "a b");
    }

    #[test]
    fn controls_are_escaped_like_ls() {
        assert_eq!(escape("top\nTotal: 0 items"), "top\\nTotal: 0 items");
        assert_eq!(escape("\x1b[2J\x1b[31mred"), "\\e[2J\\e[31mred");
        assert_eq!(escape("a\tb\rc\x07d\x7fe\0"), "a\\tb\\rc\\x07d\\x7fe\\x00");
        assert_eq!(escape("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
    }

    #[test]
    fn invalid_utf8_shows_its_bytes() {
        let name = OsStr::from_bytes(b"bad\xff\x9b[2J\n");
        assert_eq!(escape_os(name), "bad\\xff\\x9b[2J\\n");
        assert_eq!(
            Escaped(Path::new(OsStr::from_bytes(b"/c/\x1b]0;x\x07/\xfe"))).to_string(),
            "/c/\\e]0;x\\x07/\\xfe"
        );
    }

    #[test]
    fn styled_lines_keep_only_sgr() {
        let line = "\x1b[1mTotal:\x1b[0m x\x1b[2J\ny";
        assert_eq!(
            escape_styled(line, true),
            "\x1b[1mTotal:\x1b[0m x\\e[2J\\ny"
        );
        assert_eq!(escape_styled(line, false), "\\e[1mTotal:\\e[0m x\\e[2J\\ny");
        assert_eq!(escape_styled("\x1b[", true), "\\e[");
    }
}
