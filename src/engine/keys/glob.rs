//! Glob cache keys, evaluated the way uv evaluates them.
//!
//! uv groups all glob keys of a project by their longest literal prefix ("base"), walks each
//! base once, and matches the remaining patterns with gitignore rules relative to that base. The
//! rules matter for what a key covers:
//!
//! * a pattern without a `/` (after the base is split off) matches at any depth: `src/*.py` is
//!   split into base `src` and pattern `*.py`, so it covers `src/pkg/core.py` too;
//! * within one group, patterns keep their own prefix (`*.py` and `src/*.py` together form one
//!   group at the project root, where `src/*.py` only matches directly inside `src`);
//! * the single pattern `*` is anchored (direct children only);
//! * `!pattern` excludes, a trailing `/` restricts to directories, the last matching rule wins;
//! * `{a,b}` alternation, `[...]`/`[!...]`/`[^...]` classes and `\` escapes are accepted.
//!
//! Directories are never followed through symlinks; symlinked files count with their target's
//! timestamp. Matching uses the `glob` crate, after translating the syntax.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use glob::{MatchOptions, Pattern};

use syntax::{expand_braces, translate};

mod syntax;

/// How patterns match paths: case-sensitive, `*` never crosses `/`, dot files included.
const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// A symlink or regular file that a glob key matched (the caller stats it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobHit {
    /// The absolute path (base joined with the relative path).
    pub path: PathBuf,
    /// Index of the key (in the caller's list) whose pattern decided the match.
    pub key: usize,
    /// Whether the walker saw a symlink (its target is statted).
    pub symlink: bool,
}

/// The outcome of walking all glob keys of a project.
#[derive(Debug, Default)]
pub struct GlobWalk {
    /// Every matched file; a file reached from several groups appears several times.
    pub hits: Vec<GlobHit>,
    /// Directories or entries that could not be read (uv warns and goes on).
    pub warnings: Vec<String>,
}

/// Whether a cache-key path is treated as a glob.
pub fn is_glob(key: &str) -> bool {
    key.contains(['*', '?', '[', '{'])
}

fn is_glob_like(part: Component<'_>) -> bool {
    matches!(part, Component::Normal(_))
        && part
            .as_os_str()
            .to_str()
            .is_some_and(|s| s.contains(['*', '{', '}', '?', '[', ']']))
}

/// Splits a glob into its longest literal base and the rest.
pub fn split_glob(pattern: &str) -> (PathBuf, PathBuf) {
    let mut base = PathBuf::new();
    let mut rest = PathBuf::new();
    let mut globbing = false;
    let mut last: Option<Component<'_>> = None;
    for part in Path::new(pattern).components() {
        if let Some(prev) = last
            && prev != Component::CurDir
        {
            if globbing {
                rest.push(prev);
            } else {
                base.push(prev);
            }
        }
        globbing = globbing || is_glob_like(part);
        last = Some(part);
    }
    // The last component stays in the pattern unless the whole path is literal and ends in a
    // root, `.` or `..`.
    if let Some(prev) = last {
        if globbing || matches!(prev, Component::Normal(_)) {
            rest.push(prev);
        } else {
            base.push(prev);
        }
    }
    (base, rest)
}

/// A path trie keyed by base components; values are (pattern, key index).
#[derive(Default)]
struct Trie<'a> {
    children: BTreeMap<Component<'a>, Trie<'a>>,
    patterns: Vec<(&'a Path, usize)>,
}

impl<'a> Trie<'a> {
    fn insert(&mut self, mut components: std::path::Components<'a>, pattern: &'a Path, key: usize) {
        match components.next() {
            Some(part) => self
                .children
                .entry(part)
                .or_default()
                .insert(components, pattern, key),
            None => self.patterns.push((pattern, key)),
        }
    }

    /// Patterns at and below this node, prefixed with their path from the group's base.
    fn collect_patterns(
        &self,
        pattern_prefix: &Path,
        group_prefix: &Path,
        patterns: &mut Vec<(PathBuf, usize)>,
        groups: &mut Vec<Group>,
    ) {
        for (pattern, key) in &self.patterns {
            patterns.push((pattern_prefix.join(pattern), *key));
        }
        for (part, child) in &self.children {
            if let Component::Normal(_) = part {
                child.collect_patterns(
                    &pattern_prefix.join(part),
                    &group_prefix.join(part),
                    patterns,
                    groups,
                );
            } else {
                child.collect_groups(group_prefix.join(part), groups);
            }
        }
    }

    fn collect_groups(&self, prefix: PathBuf, groups: &mut Vec<Group>) {
        if self.patterns.is_empty() {
            for (part, child) in &self.children {
                child.collect_groups(prefix.join(part), groups);
            }
        } else {
            let mut patterns = Vec::new();
            self.collect_patterns(Path::new(""), &prefix, &mut patterns, groups);
            groups.push(Group {
                base: prefix,
                patterns,
            });
        }
    }
}

/// Globs walked together from one base directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The base, relative to the project (or absolute).
    pub base: PathBuf,
    /// Patterns relative to the base, with the index of the key each came from.
    pub patterns: Vec<(PathBuf, usize)>,
}

/// Groups globs so that each base directory is walked once (uv's longest-common-prefix rule).
pub fn cluster_globs(globs: &[(String, usize)]) -> Vec<Group> {
    let split: Vec<(PathBuf, PathBuf, usize)> = globs
        .iter()
        .map(|(g, key)| {
            let (base, pattern) = split_glob(g);
            (base, pattern, *key)
        })
        .collect();
    let mut trie = Trie::default();
    for (base, pattern, key) in &split {
        trie.insert(base.components(), pattern, *key);
    }
    let mut groups = Vec::new();
    trie.collect_groups(PathBuf::new(), &mut groups);
    groups
}

/// One compiled gitignore-style line.
#[derive(Debug)]
struct Rule {
    /// `!pattern`: an exclusion.
    negated: bool,
    /// A trailing `/`: matches directories only.
    only_dir: bool,
    /// The alternatives of `{a,b}` expansion, all equivalent.
    alternatives: Vec<Pattern>,
    /// The key the rule came from.
    key: usize,
}

/// Compiled patterns of one group.
#[derive(Debug)]
pub struct Matcher {
    rules: Vec<Rule>,
}

/// What the rules say about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Matched by a pattern (from the given key).
    Include(usize),
    /// Matched by an exclusion, or (for files) by nothing while inclusions exist.
    Exclude,
    /// No rule applies (directories are then walked into).
    Neutral,
}

impl Matcher {
    /// Compiles a group's patterns; an error names the offending pattern.
    pub fn new(patterns: &[(PathBuf, usize)]) -> Result<Matcher, String> {
        let mut rules = Vec::new();
        for (pattern, key) in patterns {
            let text = pattern.to_string_lossy();
            // The walker treats the single pattern `*` as anchored to the base.
            let text = if text == "*" { "/*".into() } else { text };
            if let Some(rule) = compile_line(&text, *key)? {
                rules.push(rule);
            }
        }
        Ok(Matcher { rules })
    }

    /// The verdict for `rel` (relative to the group's base).
    pub fn verdict(&self, rel: &Path, is_dir: bool) -> Verdict {
        let found = self.rules.iter().rev().find(|r| {
            (!r.only_dir || is_dir)
                && r.alternatives
                    .iter()
                    .any(|p| p.matches_path_with(rel, OPTIONS))
        });
        match found {
            Some(rule) if rule.negated => Verdict::Exclude,
            Some(rule) => Verdict::Include(rule.key),
            None if !is_dir && self.rules.iter().any(|r| !r.negated) => Verdict::Exclude,
            None => Verdict::Neutral,
        }
    }
}

/// Applies gitignore's line rules and translates the result into `glob` patterns.
fn compile_line(line: &str, key: usize) -> Result<Option<Rule>, String> {
    if line.starts_with('#') {
        return Ok(None);
    }
    let mut line = if line.ends_with("\\ ") {
        line
    } else {
        line.trim_end()
    };
    if line.is_empty() {
        return Ok(None);
    }
    let original = line;
    let (mut negated, mut anchored, mut only_dir) = (false, false, false);
    if line.starts_with("\\!") || line.starts_with("\\#") {
        line = &line[1..];
        anchored = line.starts_with('/');
    } else {
        if let Some(rest) = line.strip_prefix('!') {
            negated = true;
            line = rest;
        }
        if let Some(rest) = line.strip_prefix('/') {
            anchored = true;
            line = rest;
        }
    }
    if let Some(rest) = line.strip_suffix('/') {
        only_dir = true;
        line = rest.strip_suffix('\\').unwrap_or(rest);
    }
    let mut actual = line.to_string();
    if !(anchored || line.contains('/') || actual.starts_with("**/") || actual == "**") {
        actual = format!("**/{actual}");
    }
    if actual.ends_with("/**") {
        actual.push_str("/*");
    }
    let alternatives = expand_braces(&actual)
        .map_err(|e| format!("invalid glob `{original}`: {e}"))?
        .iter()
        .map(|alt| {
            Pattern::new(&translate(alt)).map_err(|e| format!("invalid glob `{original}`: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Rule {
        negated,
        only_dir,
        alternatives,
        key,
    }))
}

/// Walks every group of `globs` (key text, key index) under `project` and returns the matched
/// files and symlinks. A pattern that does not compile is an error, as it is for uv.
pub fn walk_globs(project: &Path, globs: &[(String, usize)]) -> Result<GlobWalk, String> {
    let mut out = GlobWalk::default();
    for group in cluster_globs(globs) {
        let matcher = Matcher::new(&group.patterns)?;
        walk_group(&project.join(&group.base), &matcher, &mut out);
    }
    Ok(out)
}

/// Depth-first walk of one base, never following directory symlinks below the base.
fn walk_group(base: &Path, matcher: &Matcher, out: &mut GlobWalk) {
    let mut stack = vec![PathBuf::new()];
    while let Some(rel_dir) = stack.pop() {
        let dir = base.join(&rel_dir);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                out.warnings
                    .push(format!("cannot list `{}`: {e}", dir.display()));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    out.warnings
                        .push(format!("cannot list `{}`: {e}", dir.display()));
                    continue;
                }
            };
            let Ok(file_type) = entry.file_type() else {
                out.warnings
                    .push(format!("cannot stat `{}`", entry.path().display()));
                continue;
            };
            let rel = rel_dir.join(entry.file_name());
            let is_dir = file_type.is_dir();
            match matcher.verdict(&rel, is_dir) {
                Verdict::Include(key) if file_type.is_file() || file_type.is_symlink() => {
                    out.hits.push(GlobHit {
                        path: entry.path(),
                        key,
                        symlink: file_type.is_symlink(),
                    });
                }
                Verdict::Exclude if is_dir => continue,
                _ => {}
            }
            if is_dir {
                stack.push(rel);
            }
        }
    }
}

#[cfg(test)]
#[path = "glob_tests.rs"]
mod tests;
