//! Key-by-key differences between a recorded and a current cache info, files that changed
//! without being keys, and the `cache-keys` that would cover them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::lint::generated_component;
use crate::engine::formats::{CacheInfo, DirStamp, Timestamp};
use crate::engine::keys::{CacheKey, Evaluation, FileStamp, KeyValue, file_timestamp};

/// One part of the cache info that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The part: `timestamp`, `commit`, `tags`, `env NAME`, `dir NAME`.
    pub part: String,
    /// What changed, in words.
    pub message: String,
    /// The change in one short sentence that names the part.
    pub headline: String,
}

/// Formats a timestamp as `YYYY-MM-DD HH:MM:SS.mmm UTC`.
pub fn utc(t: &Timestamp) -> String {
    let days = t.secs.div_euclid(86_400);
    let rem = t.secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        t.nanos / 1_000_000
    )
}

fn dir_words(stamp: Option<&DirStamp>) -> String {
    match stamp {
        None => "not tracked".into(),
        Some(DirStamp::Missing) => "absent".into(),
        Some(DirStamp::Created(t)) => format!("created at {}", utc(t)),
        Some(DirStamp::Inode(i)) => format!("inode {i}"),
    }
}

fn value_words(v: Option<&Option<String>>) -> String {
    match v {
        None => "not tracked".into(),
        Some(None) => "unset".into(),
        Some(Some(s)) => format!("{s:?}"),
    }
}

/// Every difference between what uv recorded and what it would compute now.
pub fn diff(recorded: &CacheInfo, eval: &Evaluation) -> Vec<Change> {
    let now = &eval.cache_info;
    let mut out = Vec::new();
    let mut push = |part: String, message: String, headline: Option<String>| {
        out.push(Change {
            headline: headline.unwrap_or_else(|| message.clone()),
            part,
            message,
        })
    };
    if recorded.timestamp != now.timestamp {
        let (headline, message) = timestamp_change(recorded.timestamp, eval);
        push("timestamp".into(), message, Some(headline));
    }
    if recorded.commit != now.commit {
        let message = match (&recorded.commit, &now.commit) {
            (Some(a), Some(b)) => format!("the commit moved from {} to {}", short(a), short(b)),
            (None, Some(b)) => format!("the commit {} is now recorded (none before)", short(b)),
            (Some(a), None) => format!("the commit {} is no longer recorded", short(a)),
            (None, None) => String::new(),
        };
        push("commit".into(), message, None);
    }
    if recorded.tags != now.tags {
        let before = recorded.tags.clone().unwrap_or_default();
        let after = now.tags.clone().unwrap_or_default();
        let mut words = Vec::new();
        for (tag, id) in &after {
            match before.get(tag) {
                None => words.push(format!("tag {tag} added ({})", short(id))),
                Some(old) if old != id => words.push(format!(
                    "tag {tag} moved from {} to {}",
                    short(old),
                    short(id)
                )),
                _ => {}
            }
        }
        for tag in before.keys().filter(|t| !after.contains_key(*t)) {
            words.push(format!("tag {tag} removed"));
        }
        if words.is_empty() {
            words.push(if now.tags.is_some() {
                "tags are now recorded".into()
            } else {
                "tags are no longer recorded".into()
            });
        }
        push("tags".into(), words.join(", "), None);
    }
    let names: BTreeSet<&String> = recorded.env.keys().chain(now.env.keys()).collect();
    for name in names {
        let (a, b) = (recorded.env.get(name), now.env.get(name));
        if a != b {
            let message = format!("{} before, {} now", value_words(a), value_words(b));
            let headline = format!("environment variable {name}: {message}");
            push(format!("env {name}"), message, Some(headline));
        }
    }
    let dirs: BTreeSet<&String> = recorded
        .directories
        .keys()
        .chain(now.directories.keys())
        .collect();
    for name in dirs {
        let (a, b) = (recorded.directories.get(name), now.directories.get(name));
        if a != b {
            let what = match (a, b) {
                (Some(DirStamp::Missing), Some(_)) => "was created".to_string(),
                (Some(_), Some(DirStamp::Missing)) => "was removed".to_string(),
                (Some(_), Some(_)) => "was removed and created again".to_string(),
                _ => "changed".to_string(),
            };
            let message = format!("{what} ({} before, {} now)", dir_words(a), dir_words(b));
            let headline = format!("directory {name} {what}");
            push(format!("dir {name}"), message, Some(headline));
        }
    }
    out
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn timestamp_change(recorded: Option<Timestamp>, eval: &Evaluation) -> (String, String) {
    let files: Vec<&FileStamp> = eval
        .results
        .iter()
        .flat_map(|r| match &r.value {
            KeyValue::Files { files } => files.iter().collect(),
            _ => vec![],
        })
        .collect();
    match (recorded, &eval.newest) {
        (Some(before), Some(newest)) if newest.timestamp > before => {
            let mut newer: Vec<&FileStamp> =
                files.into_iter().filter(|f| f.timestamp > before).collect();
            newer.sort_by_key(|f| std::cmp::Reverse(f.timestamp));
            newer.dedup_by(|a, b| a.path == b.path);
            let names: Vec<String> = newer
                .iter()
                .take(5)
                .map(|f| format!("{} changed at {}", f.path.display(), utc(&f.timestamp)))
                .collect();
            let more = newer.len().saturating_sub(5);
            let message = format!(
                "{}{} (recorded key stamp {})",
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                utc(&before)
            );
            let headline = names.first().cloned().unwrap_or_else(|| message.clone());
            (headline, message)
        }
        other => {
            let message = timestamp_other(other);
            (message.clone(), message)
        }
    }
}

/// The timestamp changes other than "a key file is newer".
fn timestamp_other(states: (Option<Timestamp>, &Option<FileStamp>)) -> String {
    match states {
        (Some(before), Some(newest)) => format!(
            "the newest key file at the last build (stamp {}) is gone or no longer a key; the \
             newest now is {} ({})",
            utc(&before),
            newest.path.display(),
            utc(&newest.timestamp)
        ),
        (Some(before), None) => format!(
            "no key file exists any more (recorded key stamp {})",
            utc(&before)
        ),
        (None, Some(newest)) => format!(
            "a key file appeared: {} ({})",
            newest.path.display(),
            utc(&newest.timestamp)
        ),
        (None, None) => "no key files".into(),
    }
}

/// Directories never worth listing as "changed source".
fn skip_dir(name: &str, path: &Path) -> bool {
    generated_component(Path::new(name)).is_some()
        || name.starts_with('.')
        || path.join("pyvenv.cfg").is_file()
}

/// Files under the project changed after `since` that no key covers (newest first, at most
/// `limit`). Generated and hidden directories are not walked.
pub fn untracked_changes(eval: &Evaluation, since: Timestamp, limit: usize) -> Vec<FileStamp> {
    let keyed: BTreeSet<PathBuf> = eval
        .results
        .iter()
        .flat_map(|r| match &r.value {
            KeyValue::Files { files } => files.iter().map(|f| f.path.clone()).collect(),
            _ => vec![],
        })
        .collect();
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::new()];
    let mut budget = 50_000usize;
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(eval.project.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = rel.join(&name);
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if !skip_dir(&name, &entry.path()) {
                    stack.push(path);
                }
            } else if ft.is_file()
                && !keyed.contains(&path)
                && let Ok(meta) = entry.metadata()
            {
                let timestamp = file_timestamp(&meta);
                if timestamp > since {
                    found.push(FileStamp { path, timestamp });
                }
            }
        }
    }
    found.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then(a.path.cmp(&b.path)));
    found.truncate(limit);
    found
}

/// File keys that would cover `files`: one `dir/**/*.ext` glob per top directory and extension,
/// the file itself at the top level.
pub fn suggested_keys(files: &[FileStamp]) -> Vec<CacheKey> {
    let mut patterns = BTreeSet::new();
    for f in files {
        let mut parts = f.path.components();
        let first = parts
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let nested = parts.next().is_some();
        let ext = f.path.extension().map(|e| e.to_string_lossy().into_owned());
        let pattern = match (first, nested, ext) {
            (Some(dir), true, Some(ext)) => format!("{dir}/**/*.{ext}"),
            (Some(dir), true, None) => format!("{dir}/**"),
            _ => f.path.to_string_lossy().into_owned(),
        };
        patterns.insert(pattern);
    }
    patterns
        .into_iter()
        .map(|path| CacheKey::File { path })
        .collect()
}

/// The `[tool.uv]` snippet with the current keys plus `extra`.
pub fn snippet(current: &[CacheKey], extra: &[CacheKey]) -> String {
    let mut keys: Vec<&CacheKey> = current.iter().collect();
    for k in extra {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let items: Vec<String> = keys
        .iter()
        .map(|k| format!("    {},", k.to_toml()))
        .collect();
    format!("[tool.uv]\ncache-keys = [\n{}\n]", items.join("\n"))
}

/// What one cache key contributed, in a few words (`changed 2024-05-01 …`, `commit 0123abcd4567`).
pub fn describe_key_value(v: &KeyValue) -> String {
    match v {
        KeyValue::Files { files } if files.is_empty() => "no file".into(),
        KeyValue::Files { files } => match files.iter().max_by_key(|f| f.timestamp) {
            Some(f) if files.len() == 1 => format!("changed {}", utc(&f.timestamp)),
            Some(f) => format!(
                "{} files, newest {} {}",
                files.len(),
                f.path.display(),
                utc(&f.timestamp)
            ),
            None => String::new(),
        },
        KeyValue::Dir { stamp: None } => "skipped (not a directory)".into(),
        KeyValue::Dir { stamp: Some(s) } => describe_dir_stamp(s),
        KeyValue::Git { commit, tags } => {
            let mut parts = Vec::new();
            let mut errors: Vec<&str> = Vec::new();
            match commit {
                Some(Ok(c)) => parts.push(format!("commit {}", c.get(..12).unwrap_or(c))),
                Some(Err(e)) => errors.push(e),
                None => {}
            }
            match tags {
                Some(Ok(t)) => parts.push(format!("{} tags", t.len())),
                Some(Err(e)) => errors.push(e),
                None => {}
            }
            errors.dedup();
            parts.extend(errors.iter().map(|e| format!("not recorded: {e}")));
            parts.join(", ")
        }
        KeyValue::Env { value: Some(v) } => format!("= {v:?}"),
        KeyValue::Env { value: None } => "unset".into(),
    }
}

fn describe_dir_stamp(s: &DirStamp) -> String {
    match s {
        DirStamp::Created(t) => format!("created {}", utc(t)),
        DirStamp::Inode(n) => format!("inode {n}"),
        DirStamp::Missing => "absent".into(),
    }
}

/// The parts of a recorded cache info, one short line each (`timestamp …`, `commit …`,
/// `tag v1 …`, `env NAME = "…"`, `dir NAME …`); empty when nothing was recorded.
pub fn describe_cache_info(info: &CacheInfo) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &info.timestamp {
        out.push(format!("timestamp {}", utc(t)));
    }
    if let Some(c) = &info.commit {
        out.push(format!("commit {}", c.get(..12).unwrap_or(c)));
    }
    if let Some(tags) = &info.tags {
        let names: Vec<&str> = tags.keys().map(String::as_str).collect();
        out.push(if names.is_empty() {
            "tags: none".to_string()
        } else {
            format!("tags {}", names.join(", "))
        });
    }
    for (name, value) in &info.env {
        out.push(match value {
            Some(v) => format!("env {name} = {v:?}"),
            None => format!("env {name} unset"),
        });
    }
    for (name, stamp) in &info.directories {
        out.push(format!("dir {name} {}", describe_dir_stamp(stamp)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc() {
        assert_eq!(
            utc(&Timestamp { secs: 0, nanos: 0 }),
            "1970-01-01 00:00:00.000 UTC"
        );
        assert_eq!(
            utc(&Timestamp {
                secs: 1_795_305_197,
                nanos: 806_698_340
            }),
            "2026-11-21 23:53:17.806 UTC"
        );
        assert_eq!(
            utc(&Timestamp {
                secs: 951_782_400,
                nanos: 0
            }),
            "2000-02-29 00:00:00.000 UTC"
        );
        assert_eq!(
            utc(&Timestamp { secs: -1, nanos: 0 }),
            "1969-12-31 23:59:59.000 UTC"
        );
    }

    #[test]
    fn suggests_one_glob_per_directory_and_extension() {
        let t = Timestamp { secs: 1, nanos: 0 };
        let f = |p: &str| FileStamp {
            path: PathBuf::from(p),
            timestamp: t,
        };
        let keys = suggested_keys(&[
            f("src/pkg/core.py"),
            f("src/pkg/util.py"),
            f("README.md"),
            f("data/blob"),
        ]);
        let paths: Vec<String> = keys.iter().map(|k| k.label()).collect();
        assert_eq!(paths, vec!["README.md", "data/**", "src/**/*.py"]);
        let s = snippet(
            &[CacheKey::File {
                path: "pyproject.toml".into(),
            }],
            &keys,
        );
        assert!(s.starts_with("[tool.uv]\ncache-keys = [\n    { file = \"pyproject.toml\" },"));
    }
}
