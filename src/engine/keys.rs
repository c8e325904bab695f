//! `tool.uv.cache-keys`: which inputs of a local source tree uv watches, and the cache info it
//! computes from them (format notes §6.1).
//!
//! uv rebuilds a local package, and reinstalls it, when the cache info computed now differs in
//! any way from the one stored with the build (`revision.rev` in the sdists bucket) and the
//! installation (`uv_cache.json` in the `.dist-info`). [`evaluate`] computes it the same way and
//! also says which file or value each part came from, so that a difference can be explained.

mod config;
mod git;
mod glob;
mod json;
mod stamp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use config::parse_cache_keys;
pub use git::repository_root;
pub use glob::is_glob;
pub use json::{cache_info_json, parse_uv_cache_json, ser_cache_info};
pub use stamp::{dir_stamp, file_timestamp, timestamp_of_system_time};

use super::error::{Error, Result};
use super::formats::{CacheInfo, DirStamp, Timestamp};

/// One entry of `tool.uv.cache-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CacheKey {
    /// `"path"` or `{ file = "path" }`: a file, or a glob when it contains `* ? [ {`.
    File {
        /// The path or pattern, relative to the project.
        path: String,
    },
    /// `{ dir = "path" }`: the directory's creation (or replacement), not its contents.
    Dir {
        /// The directory, relative to the project.
        path: String,
    },
    /// `{ git = ... }`: the current commit and/or the tags of the enclosing repository.
    Git {
        /// Record the commit `HEAD` names.
        commit: bool,
        /// Record every tag and the object it names.
        tags: bool,
    },
    /// `{ env = "NAME" }`: the value of an environment variable (unset counts as a value).
    Env {
        /// The variable.
        name: String,
    },
}

impl CacheKey {
    /// The key as it is written in `pyproject.toml`.
    pub fn to_toml(&self) -> String {
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""));
        match self {
            CacheKey::File { path } => format!("{{ file = {} }}", quote(path)),
            CacheKey::Dir { path } => format!("{{ dir = {} }}", quote(path)),
            CacheKey::Git { commit, tags } => {
                format!("{{ git = {{ commit = {commit}, tags = {tags} }} }}")
            }
            CacheKey::Env { name } => format!("{{ env = {} }}", quote(name)),
        }
    }

    /// A short human label: `pyproject.toml`, `src/**/*.py`, `dir src`, `git commit+tags`, `env X`.
    pub fn label(&self) -> String {
        match self {
            CacheKey::File { path } => path.clone(),
            CacheKey::Dir { path } => format!("dir {path}"),
            CacheKey::Git { commit, tags } => match (commit, tags) {
                (true, true) => "git commit+tags".into(),
                (true, false) => "git commit".into(),
                (false, true) => "git tags".into(),
                (false, false) => "git (nothing)".into(),
            },
            CacheKey::Env { name } => format!("env {name}"),
        }
    }
}

/// uv's keys when a project sets none: three files and the `src` directory.
pub fn default_keys() -> Vec<CacheKey> {
    let file = |p: &str| CacheKey::File { path: p.into() };
    vec![
        file("pyproject.toml"),
        file("setup.py"),
        file("setup.cfg"),
        CacheKey::Dir { path: "src".into() },
    ]
}

/// The keys of a project and where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheKeys {
    /// The keys, in the order written.
    pub keys: Vec<CacheKey>,
    /// True when the project sets none and uv's defaults apply.
    pub defaults: bool,
    /// Why uv (0.13+) refuses the project's key configuration; the defaults are evaluated
    /// instead, for the explanation's sake.
    pub error: Option<String>,
}

/// Reads `[tool.uv] cache-keys` from `<project>/pyproject.toml`; a missing or unreadable file
/// means the defaults.
pub fn read_cache_keys(project: &Path) -> CacheKeys {
    let defaults = |error: Option<String>| CacheKeys {
        keys: default_keys(),
        defaults: true,
        error,
    };
    let Ok(text) = std::fs::read_to_string(project.join("pyproject.toml")) else {
        return defaults(None);
    };
    match parse_cache_keys(&text) {
        Ok(Some(keys)) => CacheKeys {
            keys,
            defaults: false,
            error: None,
        },
        Ok(None) => defaults(None),
        Err(e) => defaults(Some(e)),
    }
}

/// A file that counts towards the cache info's timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileStamp {
    /// Relative to the project when inside it, else absolute.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// Its change stamp (ctime on Unix).
    pub timestamp: Timestamp,
}

/// What one key contributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum KeyValue {
    /// File keys: the files found (none when missing).
    Files {
        /// The files, in walk order.
        files: Vec<FileStamp>,
    },
    /// A directory key: its stamp, or `None` when uv skips it (not a directory, unreadable).
    Dir {
        /// The stamp recorded.
        stamp: Option<DirStamp>,
    },
    /// A Git key: each requested part, or why it is not recorded.
    Git {
        /// The commit, when requested.
        commit: Option<std::result::Result<String, String>>,
        /// The tags, when requested.
        tags: Option<std::result::Result<BTreeMap<String, String>, String>>,
    },
    /// An environment key: the value (`None`: unset).
    Env {
        /// The value.
        value: Option<String>,
    },
}

/// One key and what it contributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyResult {
    /// The key.
    pub key: CacheKey,
    /// Its contribution.
    pub value: KeyValue,
    /// What uv would warn about (a directory where a file is expected, unreadable paths).
    pub warnings: Vec<String>,
}

/// The cache info of a project computed now, key by key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The project directory.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub project: PathBuf,
    /// Its keys.
    pub keys: CacheKeys,
    /// Each key's contribution, in key order.
    pub results: Vec<KeyResult>,
    /// What uv would store.
    #[serde(serialize_with = "ser_cache_info")]
    pub cache_info: CacheInfo,
    /// The file whose stamp is the cache info's timestamp.
    pub newest: Option<FileStamp>,
    /// Why uv would fail to compute it (bad key configuration or glob); `cache_info` is then
    /// only indicative.
    pub error: Option<String>,
}

/// Computes a project directory's cache info with the process environment.
pub fn evaluate(project: &Path) -> Result<Evaluation> {
    evaluate_with(project, &|name| std::env::var(name).ok())
}

/// Computes a project directory's cache info, reading `env` keys through `env`.
pub fn evaluate_with(project: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Evaluation> {
    let meta = std::fs::metadata(project).map_err(|e| Error::io("stat", project, e))?;
    if !meta.is_dir() {
        return Err(Error::Other(format!(
            "`{}` is not a directory",
            project.display()
        )));
    }
    let keys = read_cache_keys(project);
    let mut error = keys.error.clone();
    let mut info = CacheInfo::default();
    let mut results: Vec<KeyResult> = keys
        .keys
        .iter()
        .map(|key| KeyResult {
            key: key.clone(),
            value: match key {
                CacheKey::File { .. } => KeyValue::Files { files: vec![] },
                CacheKey::Dir { .. } => KeyValue::Dir { stamp: None },
                CacheKey::Git { .. } => KeyValue::Git {
                    commit: None,
                    tags: None,
                },
                CacheKey::Env { .. } => KeyValue::Env { value: None },
            },
            warnings: vec![],
        })
        .collect();
    let mut globs = Vec::new();
    let mut newest: Option<FileStamp> = None;
    for (index, result) in results.iter_mut().enumerate() {
        match &result.key {
            CacheKey::File { path } if is_glob(path) => globs.push((path.clone(), index)),
            CacheKey::File { path } => {
                let full = project.join(path);
                if let Some(stamp) = stat_file(project, &full, false, &mut result.warnings) {
                    push_file(&mut result.value, &mut newest, stamp);
                }
            }
            CacheKey::Dir { path } => {
                let stamp = dir_stamp(&project.join(path));
                match stamp {
                    Some(s) => {
                        info.directories.insert(path.clone(), s);
                    }
                    None => result.warnings.push(format!(
                        "`{path}` is not a directory: uv leaves this key out"
                    )),
                }
                result.value = KeyValue::Dir { stamp };
            }
            CacheKey::Git { commit, tags } => {
                let commit = commit.then(|| git::head_commit(project));
                let tags = tags.then(|| git::tags(project));
                if let Some(Ok(c)) = &commit {
                    info.commit = Some(c.clone());
                }
                if let Some(Ok(t)) = &tags {
                    info.tags = Some(t.clone());
                }
                result.value = KeyValue::Git { commit, tags };
            }
            CacheKey::Env { name } => {
                let value = env(name);
                info.env.insert(name.clone(), value.clone());
                result.value = KeyValue::Env { value };
            }
        }
    }
    if !globs.is_empty() {
        match glob::walk_globs(project, &globs) {
            Ok(walk) => {
                for hit in walk.hits {
                    let Some(result) = results.get_mut(hit.key) else {
                        continue;
                    };
                    if let Some(stamp) =
                        stat_file(project, &hit.path, hit.symlink, &mut result.warnings)
                    {
                        push_file(&mut result.value, &mut newest, stamp);
                    }
                }
                if let Some(first) = globs.first().and_then(|(_, i)| results.get_mut(*i)) {
                    first.warnings.extend(walk.warnings);
                }
            }
            Err(e) => error = error.or(Some(format!("cache-keys: {e}"))),
        }
    }
    info.timestamp = newest.as_ref().map(|f| f.timestamp);
    Ok(Evaluation {
        project: project.to_path_buf(),
        keys,
        results,
        cache_info: info,
        newest,
        error,
    })
}

/// Stats a key file as uv does (following symlinks); `None` when missing or not a file.
fn stat_file(
    project: &Path,
    path: &Path,
    symlink: bool,
    warnings: &mut Vec<String>,
) -> Option<FileStamp> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !symlink => return None,
        Err(e) => {
            warnings.push(format!("cannot stat `{}`: {e}", path.display()));
            return None;
        }
    };
    if !meta.is_file() {
        if !symlink {
            warnings.push(format!(
                "`{}` is a directory, not a file: uv skips it",
                path.display()
            ));
        }
        return None;
    }
    Some(FileStamp {
        path: path.strip_prefix(project).unwrap_or(path).to_path_buf(),
        timestamp: file_timestamp(&meta),
    })
}

/// Records a file under its key and keeps the newest (the first of equals, as uv does).
fn push_file(value: &mut KeyValue, newest: &mut Option<FileStamp>, stamp: FileStamp) {
    if newest
        .as_ref()
        .is_none_or(|n| n.timestamp < stamp.timestamp)
    {
        *newest = Some(stamp.clone());
    }
    if let KeyValue::Files { files } = value {
        files.push(stamp);
    }
}

/// The cache info of a local archive file (`.whl`, `.tar.gz`, `.zip`): its own stamp.
pub fn cache_info_of_file(path: &Path) -> Result<CacheInfo> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("stat", path, e))?;
    Ok(CacheInfo {
        timestamp: Some(file_timestamp(&meta)),
        ..CacheInfo::default()
    })
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
