//! Pattern syntax: `{a,b}` alternation is expanded, and the rest is translated into the `glob`
//! crate's syntax (escapes, negated classes, `**` inside a component).

/// Bound on the patterns one glob may expand to (alternation multiplies).
const MAX_ALTERNATIVES: usize = 4096;

/// Expands `{a,b}` alternation (one level, as the reference matcher allows), leaving escapes and
/// character classes alone.
pub fn expand_braces(glob: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = glob.chars().collect();
    let mut prefixes = vec![String::new()];
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let end = (i + 2).min(chars.len());
                for p in &mut prefixes {
                    p.extend(&chars[i..end]);
                }
                i = end;
            }
            '[' => {
                let end = class_end(&chars, i).ok_or("unclosed character class")?;
                for p in &mut prefixes {
                    p.extend(&chars[i..=end]);
                }
                i = end + 1;
            }
            '{' => {
                let (options, end) = alternation(&chars, i)?;
                if prefixes.len().saturating_mul(options.len()) > MAX_ALTERNATIVES {
                    return Err(format!("more than {MAX_ALTERNATIVES} alternatives"));
                }
                prefixes = prefixes
                    .iter()
                    .flat_map(|p| options.iter().map(move |o| format!("{p}{o}")))
                    .collect();
                i = end + 1;
            }
            c => {
                for p in &mut prefixes {
                    p.push(c);
                }
                i += 1;
            }
        }
    }
    Ok(prefixes)
}

/// Index of the `]` closing the class opened at `start` (a `]` right after `[`, `[!` or `[^` is
/// a member, not the end).
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if matches!(chars.get(i), Some('!' | '^')) {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        if chars[i] == ']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The comma-separated options of the group opened at `start`, and the index of its `}`.
fn alternation(chars: &[char], start: usize) -> Result<(Vec<String>, usize), String> {
    let mut options = vec![String::new()];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '}' => return Ok((options, i)),
            '{' => return Err("nested alternate groups are not allowed".into()),
            ',' => options.push(String::new()),
            '\\' => {
                let end = (i + 2).min(chars.len());
                if let Some(last) = options.last_mut() {
                    last.extend(&chars[i..end]);
                }
                i = end;
                continue;
            }
            '[' => {
                let end = class_end(chars, i).ok_or("unclosed character class")?;
                if let Some(last) = options.last_mut() {
                    last.extend(&chars[i..=end]);
                }
                i = end + 1;
                continue;
            }
            c => {
                if let Some(last) = options.last_mut() {
                    last.push(c);
                }
            }
        }
        i += 1;
    }
    Err("unclosed alternate group".into())
}

/// Translates one alternative into the `glob` crate's syntax: escapes become one-character
/// classes, `[^` becomes `[!`, and a `**` that is not a whole path component becomes `*`.
pub fn translate(glob: &str) -> String {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                match chars.get(i + 1) {
                    Some(c @ ('*' | '?' | '[' | ']')) => out.push_str(&format!("[{c}]")),
                    Some(c) => out.push(*c),
                    None => out.push_str("[\\]"),
                }
                i += 2;
            }
            '[' => {
                let end = class_end(&chars, i).unwrap_or(chars.len() - 1);
                out.push('[');
                let mut j = i + 1;
                if chars.get(j) == Some(&'^') {
                    out.push('!');
                    j += 1;
                }
                out.extend(&chars[j..=end]);
                i = end + 1;
            }
            '*' if chars.get(i + 1) == Some(&'*') => {
                let mut end = i;
                while chars.get(end) == Some(&'*') {
                    end += 1;
                }
                let starts = i == 0 || chars[i - 1] == '/';
                let ends = end == chars.len() || chars[end] == '/';
                out.push_str(if starts && ends && end - i == 2 {
                    "**"
                } else {
                    "*"
                });
                i = end;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}
