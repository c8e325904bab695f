//! "Why was (or wasn't) this rebuilt?": compares what uv recorded for each locally built
//! package of a project's environment with what it would compute now (format notes §6.2).
//!
//! For a package installed from a local directory, `uv sync` and `uv pip install` reinstall when
//! the `uv_cache.json` in its `.dist-info` differs from the cache info computed now (or is
//! absent), or when it was built with other build settings (`uv_build.json`). They then reuse
//! the cached build in `sdists-vN/{path,editable}/<digest>/` if its `revision.rev` holds the
//! current cache info, and build again otherwise.

mod env;
mod explain;
mod lint;
mod report;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use env::{InstalledLocal, LocalKind, installed_locals};
pub use explain::{
    Change, describe_cache_info, describe_key_value, diff, snippet, suggested_keys,
    untracked_changes, utc,
};
pub use lint::{Lint, Severity, generated_component, lint_install, lint_keys};

use super::error::{Error, Result};
use super::formats::CacheInfo;
use super::keys::{self, Evaluation, FileStamp};
pub use super::project::{Environment, EnvironmentChoice, file_url_to_path, find_environment};

/// What the next `uv sync` / `uv pip install` (without reinstall or refresh flags) does with a
/// package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Keeps the installed package: nothing is built.
    UpToDate,
    /// Reinstalls it from a cached build that matches the current inputs: nothing is built.
    ReinstallFromCache,
    /// Builds it again and reinstalls it.
    Rebuild,
    /// Fails: uv cannot compute the cache info or the source is gone.
    Fails,
}

impl Verdict {
    /// Whether uv builds the package.
    pub fn builds(self) -> bool {
        self == Verdict::Rebuild
    }

    /// Whether uv reinstalls the package.
    pub fn reinstalls(self) -> bool {
        matches!(self, Verdict::Rebuild | Verdict::ReinstallFromCache)
    }
}

/// A build of the package in the cache's sdists bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CachedBuild {
    /// The `revision.rev` pointer.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub pointer: PathBuf,
    /// The current revision id.
    pub revision: String,
    /// The cache info it was built from.
    #[serde(serialize_with = "keys::ser_cache_info")]
    pub cache_info: CacheInfo,
    /// Whether it equals the cache info computed now (uv reuses it).
    pub matches_now: bool,
    /// Whether the revision holds a built wheel (not only metadata).
    pub has_wheel: bool,
}

/// The verdict for one locally installed package, and everything behind it.
#[derive(Debug, Clone, Serialize)]
pub struct PackageReport {
    /// The install.
    pub installed: InstalledLocal,
    /// The decision.
    pub verdict: Verdict,
    /// One sentence: what uv will do and why.
    pub summary: String,
    /// Key-by-key differences between the recorded and the current cache info.
    pub changes: Vec<Change>,
    /// Other reasons (build settings, missing records, errors).
    pub reasons: Vec<String>,
    /// The recorded cache info (`uv_cache.json`).
    #[serde(serialize_with = "ser_opt_info")]
    pub recorded: Option<CacheInfo>,
    /// The current evaluation (directories only).
    pub current: Option<Evaluation>,
    /// Builds of this source in the cache.
    pub cached_builds: Vec<CachedBuild>,
    /// Files changed since the install that are not keys (newest first).
    pub untracked: Vec<FileStamp>,
    /// Cache keys that would make uv notice those changes, as a `pyproject.toml` snippet.
    pub snippet: Option<String>,
    /// Findings about the keys and the install.
    pub lints: Vec<Lint>,
    /// How to force or avoid a rebuild.
    pub hints: Vec<String>,
}

fn ser_opt_info<S: serde::Serializer>(
    info: &Option<CacheInfo>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match info {
        Some(i) => keys::ser_cache_info(i, s),
        None => s.serialize_none(),
    }
}

/// Everything `uvcache why` reports for a project.
#[derive(Debug, Clone, Serialize)]
pub struct WhyReport {
    /// The project directory asked about.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub project: PathBuf,
    /// The environment inspected.
    pub environment: Environment,
    /// The cache searched for builds, if any.
    pub cache: Option<PathBuf>,
    /// One report per locally installed package (the project's own first).
    pub packages: Vec<PackageReport>,
    /// Notes about the whole project (e.g. the project itself is not installed).
    pub notes: Vec<String>,
}

/// Inputs of [`why`].
#[derive(Debug, Clone, Default)]
pub struct WhyOptions {
    /// The project directory.
    pub project: PathBuf,
    /// How to find the environment.
    pub environment: EnvironmentChoice,
    /// The cache root, to look for cached builds.
    pub cache: Option<PathBuf>,
}

/// Explains, for every package of the project's environment installed from a local path, what
/// the next uv run will do with it.
pub fn why(opts: &WhyOptions, env_var: &dyn Fn(&str) -> Option<String>) -> Result<WhyReport> {
    let project =
        std::path::absolute(&opts.project).map_err(|e| Error::io("resolve", &opts.project, e))?;
    if !project.is_dir() {
        return Err(Error::Other(format!(
            "`{}` is not a directory",
            project.display()
        )));
    }
    let environment = find_environment(&project, &opts.environment).map_err(Error::Other)?;
    let mut locals = installed_locals(&environment);
    // The project's own package first, then the others by name.
    locals.sort_by_key(|l| (!same_path(&l.source, &project), l.name.to_lowercase()));
    let mut notes = Vec::new();
    if !locals.iter().any(|l| same_path(&l.source, &project)) {
        notes.push(format!(
            "`{}` itself is not installed from its directory in `{}`",
            project.display(),
            environment.root.display()
        ));
    }
    if locals.is_empty() {
        notes.push("no package of this environment was installed from a local path".into());
    }
    let packages = locals
        .into_iter()
        .map(|l| report::report(l, opts.cache.as_deref(), env_var))
        .collect();
    Ok(WhyReport {
        project,
        environment,
        cache: opts.cache.clone(),
        packages,
        notes,
    })
}

fn same_path(a: &Path, b: &Path) -> bool {
    a == b
        || match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

#[cfg(test)]
#[path = "why_tests.rs"]
mod tests;
