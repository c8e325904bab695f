//! Small file-system helpers for assertions on fixture caches.

use std::fs;
use std::path::{Path, PathBuf};

/// Matches one path component against a pattern where `*` matches any run of characters
/// (including none) and `?` exactly one character.
pub fn component_matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// Paths below `root` matching a `/`-separated pattern of components (see
/// [`component_matches`]; no `**`). Symlinks are matched but never followed, except that a
/// symlink to a directory is not descended into. Sorted.
///
/// Example: `glob(cache, "wheels-v8/index/*/alpha/*.http")`.
pub fn glob(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![root.to_path_buf()];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for dir in &current {
            let is_real_dir = fs::symlink_metadata(dir)
                .map(|m| m.is_dir())
                .unwrap_or(false);
            if !is_real_dir {
                continue;
            }
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if component_matches(part, &entry.file_name().to_string_lossy()) {
                    next.push(entry.path());
                }
            }
        }
        current = next;
    }
    current.sort();
    current
}

/// Names of the entries directly in `dir`, sorted (empty if it cannot be read).
pub fn list_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// True for a 16-character lowercase hex name (uv's `cache_digest`).
pub fn is_digest16(name: &str) -> bool {
    name.len() == 16
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// If `path` is a symlink, its target resolved against the link's directory and canonicalized.
pub fn resolve_link(path: &Path) -> Option<PathBuf> {
    let target = fs::read_link(path).ok()?;
    let joined = path.parent()?.join(target);
    fs::canonicalize(joined).ok()
}
