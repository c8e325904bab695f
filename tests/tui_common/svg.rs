//! Renders a ratatui buffer as an SVG picture of a dark terminal: the cells'
//! symbols in a monospace font at their columns, with the cells' foreground
//! and background colours, bold, dim, reversed and underlined.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

/// Width of a cell in pixels: the advance of DejaVu Sans Mono at 14px (0.602em).
const CELL_W: f64 = 8.43;
/// Height of a row in pixels.
const CELL_H: f64 = 18.0;
/// Where the baseline sits within a row.
const BASELINE: f64 = 13.5;
/// Space above and below a bar within its row (bars of adjacent rows stay apart).
const BAR_INSET: f64 = 2.0;
/// Space around the terminal.
const PAD: f64 = 12.0;
/// The terminal's own background and foreground.
const DEFAULT_BG: Rgb = Rgb(0x1e, 0x21, 0x27);
const DEFAULT_FG: Rgb = Rgb(0xd7, 0xda, 0xe0);

/// The 16 ANSI colours (a One Dark–like palette).
const ANSI: [Rgb; 16] = [
    Rgb(0x28, 0x2c, 0x34),
    Rgb(0xe0, 0x6c, 0x75),
    Rgb(0x98, 0xc3, 0x79),
    Rgb(0xe5, 0xc0, 0x7b),
    Rgb(0x61, 0xaf, 0xef),
    Rgb(0xc6, 0x78, 0xdd),
    Rgb(0x56, 0xb6, 0xc2),
    Rgb(0xab, 0xb2, 0xbf),
    Rgb(0x5c, 0x63, 0x70),
    Rgb(0xef, 0x8a, 0x93),
    Rgb(0xb5, 0xe0, 0x9b),
    Rgb(0xf0, 0xd1, 0x97),
    Rgb(0x8c, 0xca, 0xf7),
    Rgb(0xde, 0x9f, 0xee),
    Rgb(0x7f, 0xd3, 0xdc),
    Rgb(0xff, 0xff, 0xff),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

impl Rgb {
    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Half way to `other` (dim text).
    fn mix(self, other: Rgb) -> Rgb {
        let m = |a: u8, b: u8| ((u16::from(a) + u16::from(b)) / 2) as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// A colour of the buffer; `None` for the terminal's default.
fn rgb(c: Color) -> Option<Rgb> {
    let ansi = |i: usize| Some(ANSI[i]);
    match c {
        Color::Reset => None,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Rgb(r, g, b) => Some(Rgb(r, g, b)),
        Color::Indexed(i) => Some(indexed(i)),
    }
}

/// xterm's 256-colour palette.
fn indexed(i: u8) -> Rgb {
    match i {
        0..=15 => ANSI[usize::from(i)],
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            let i = i - 16;
            Rgb(level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            Rgb(v, v, v)
        }
    }
}

/// How a cell looks once defaults, reverse video and dimming are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Look {
    fg: Rgb,
    bg: Rgb,
    bold: bool,
    underline: bool,
}

fn look(cell: &Cell) -> Look {
    let m = cell.modifier;
    let mut fg = rgb(cell.fg).unwrap_or(DEFAULT_FG);
    let mut bg = rgb(cell.bg).unwrap_or(DEFAULT_BG);
    if m.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    if m.contains(Modifier::DIM) {
        fg = fg.mix(bg);
    }
    Look {
        fg,
        bg,
        bold: m.contains(Modifier::BOLD),
        underline: m.contains(Modifier::UNDERLINED),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The buffer as a standalone SVG document; `title` is its accessible name.
pub fn render(buffer: &Buffer, title: &str) -> String {
    let area = buffer.area;
    let width = f64::from(area.width) * CELL_W + 2.0 * PAD;
    let height = f64::from(area.height) * CELL_H + 2.0 * PAD;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{t}">"#,
        t = escape(title)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" rx="8" fill="{}"/>"#,
        DEFAULT_BG.hex()
    );
    let _ = writeln!(
        out,
        r#"<g font-family="'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace" font-size="14px">"#
    );
    for y in 0..area.height {
        let cells: Vec<(u16, &Cell, Look)> = (0..area.width)
            .map(|x| {
                let c = &buffer[(area.x + x, area.y + y)];
                (x, c, look(c))
            })
            .collect();
        let top = PAD + f64::from(y) * CELL_H;
        for run in cells.chunk_by(|a, b| a.2 == b.2) {
            let (first, _, l) = run[0];
            if l.bg != DEFAULT_BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{CELL_H}" fill="{}"/>"#,
                    PAD + f64::from(first) * CELL_W,
                    run.len() as f64 * CELL_W,
                    l.bg.hex()
                );
            }
            text(&mut out, run, l, top + BASELINE);
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// Most symbols one text element holds: each element starts exactly at its
/// column, so a font whose advance is not quite [`CELL_W`] drifts by at most
/// this many cells' error (per-glyph `x` lists are not honoured by every renderer).
const CHUNK: usize = 8;

/// The visible symbols of a run of same-looking cells, in short pieces,
/// each placed at its column.
fn text(out: &mut String, run: &[(u16, &Cell, Look)], l: Look, baseline: f64) {
    let mut piece: Option<(u16, String, usize)> = None;
    let flush = |out: &mut String, piece: &mut Option<(u16, String, usize)>| {
        if let Some((x, text, cells)) = piece.take() {
            element(out, x, &text, cells, l, baseline);
        }
    };
    let mut strokes = String::new();
    let top = baseline - BASELINE;
    // A bar being drawn: its first column and its width in pixels.
    let mut bar: Option<(u16, f64)> = None;
    let end_bar = |out: &mut String, bar: &mut Option<(u16, f64)>| {
        if let Some((x, w)) = bar.take() {
            let _ = writeln!(
                out,
                r#"<rect x="{:.2}" y="{:.1}" width="{w:.2}" height="{:.1}" fill="{}" shape-rendering="crispEdges"/>"#,
                PAD + f64::from(x) * CELL_W,
                top + BAR_INSET,
                CELL_H - 2.0 * BAR_INSET,
                l.fg.hex()
            );
        }
    };
    for (x, cell, _) in run {
        let sym = cell.symbol();
        if let Some(share) = block_share(sym) {
            flush(out, &mut piece);
            match &mut bar {
                Some((_, w)) => *w += share * CELL_W,
                None => bar = Some((*x, share * CELL_W)),
            }
            continue;
        }
        end_bar(out, &mut bar);
        if sym.trim().is_empty() || box_line(&mut strokes, *x, sym, top) {
            flush(out, &mut piece);
            continue;
        }
        match &mut piece {
            Some((_, text, cells)) if *cells < CHUNK => {
                text.push_str(sym);
                *cells += 1;
            }
            _ => {
                flush(out, &mut piece);
                piece = Some((*x, sym.to_string(), 1));
            }
        }
    }
    flush(out, &mut piece);
    end_bar(out, &mut bar);
    if !strokes.is_empty() {
        let _ = writeln!(
            out,
            r#"<path d="{strokes}" stroke="{}" stroke-width="1.2" stroke-linecap="square" fill="none"/>"#,
            l.fg.hex()
        );
    }
}

/// The share of its cell a left block element fills (`█`, `▉` … `▏`: bars
/// and gauges, drawn as rectangles); `None` for other symbols.
fn block_share(sym: &str) -> Option<f64> {
    let eighths = match sym {
        "█" => 8.0,
        "▉" => 7.0,
        "▊" => 6.0,
        "▋" => 5.0,
        "▌" => 4.0,
        "▍" => 3.0,
        "▎" => 2.0,
        "▏" => 1.0,
        _ => return None,
    };
    Some(eighths / 8.0)
}

/// Adds a box-drawing symbol to `path` as strokes through the cell's middle,
/// so that borders join across rows whatever the font; false for other symbols.
fn box_line(path: &mut String, x: u16, sym: &str, top: f64) -> bool {
    // Which arms leave the centre: up, down, left, right.
    let arms = match sym {
        "│" => [true, true, false, false],
        "─" => [false, false, true, true],
        "┌" | "╭" => [false, true, false, true],
        "┐" | "╮" => [false, true, true, false],
        "└" | "╰" => [true, false, false, true],
        "┘" | "╯" => [true, false, true, false],
        "├" => [true, true, false, true],
        "┤" => [true, true, true, false],
        "┬" => [false, true, true, true],
        "┴" => [true, false, true, true],
        "┼" => [true, true, true, true],
        _ => return false,
    };
    let left = PAD + f64::from(x) * CELL_W;
    let (cx, cy) = (left + CELL_W / 2.0, top + CELL_H / 2.0);
    let ends = [
        (cx, top),
        (cx, top + CELL_H),
        (left, cy),
        (left + CELL_W, cy),
    ];
    for (on, (ex, ey)) in arms.iter().zip(ends) {
        if *on {
            let _ = write!(path, "M{cx:.1} {cy:.1}L{ex:.1} {ey:.1}");
        }
    }
    true
}

fn element(out: &mut String, x: u16, text: &str, cells: usize, l: Look, baseline: f64) {
    let at = PAD + f64::from(x) * CELL_W;
    let mut attrs = format!(r#"x="{at:.1}" y="{baseline:.1}" fill="{}""#, l.fg.hex());
    if cells > 1 {
        let _ = write!(
            attrs,
            r#" textLength="{:.1}" lengthAdjust="spacingAndGlyphs""#,
            cells as f64 * CELL_W
        );
    }
    if l.bold {
        attrs.push_str(r#" font-weight="bold""#);
    }
    if l.underline {
        attrs.push_str(r#" text-decoration="underline""#);
    }
    let _ = writeln!(out, "<text {attrs}>{}</text>", escape(text));
}
