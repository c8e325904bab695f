//! Small file-system helpers for assertions on fixture caches.

use std::fs;
use std::path::{Path, PathBuf};

/// Paths below `root` matching a `/`-separated glob pattern (the `glob` crate's
/// syntax: `*`, `?`, `[...]` within a component), sorted. Symlinks are matched
/// but never descended into: a link to a directory ends a match there.
///
/// Example: `glob(cache, "wheels-v8/index/*/alpha/*.http")`.
pub fn glob(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![root.to_path_buf()];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let Ok(pattern) = glob::Pattern::new(part) else {
            return vec![];
        };
        let mut next = Vec::new();
        for dir in &current {
            if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if pattern.matches(&entry.file_name().to_string_lossy()) {
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
