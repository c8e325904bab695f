//! `doctor`: facts about the cache and an environment that decide how uv installs (format
//! notes §7.1 and §8), and advice drawn from them.
//!
//! * Filesystems: device ids, mount points and types of the cache and the environment.
//! * Link mode: what uv is configured to use, and what works, by trying it: clone, hard link,
//!   symlink and copy from a file in the cache root into `site-packages`.
//! * Locks: shared and exclusive `flock` on a file in the cache.
//! * The environment's installed files: hard links into the cache, symlinks into it, copies.
//!
//! Every probe file is removed before [`diagnose`] returns.

mod advice;
mod census;
mod config;
mod fs;
mod probe;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use advice::{Advice, Severity};
pub use census::{Census, DistCensus, FileCounts, census};
pub use config::{LinkMode, LinkModeConfig, LinkModeSetting, link_mode_config};
pub use fs::{FsFacts, Mount, filesystem, magic_name, parse_mountinfo, pick_mount, same_device};
pub use probe::{LinkProbes, LockProbes, Outcome, Probe, probe_links, probe_locks};

use super::locate::CacheRoot;
use super::project::{Environment, EnvironmentChoice, find_environment, pip_environment};

/// What to examine.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// The located cache.
    pub cache: CacheRoot,
    /// `--project DIR`: its `.venv` is the environment, its settings apply.
    pub project: Option<PathBuf>,
    /// `--python ENV`: the environment (or an interpreter inside one).
    pub python: Option<PathBuf>,
    /// The `VIRTUAL_ENV` variable.
    pub virtual_env: Option<PathBuf>,
    /// The current directory.
    pub cwd: PathBuf,
}

/// The cache's side of the report.
#[derive(Debug, Clone, Serialize)]
pub struct CacheFacts {
    /// The cache root.
    #[serde(flatten)]
    pub root: CacheRoot,
    /// Whether it exists yet.
    pub exists: bool,
    /// Its filesystem.
    pub filesystem: FsFacts,
    /// Processes holding a lock on `<cache>/.lock` now (uv commands running).
    pub lock_holders: Vec<LockHolder>,
}

/// A process holding uv's cache lock.
#[derive(Debug, Clone, Serialize)]
pub struct LockHolder {
    /// Process id.
    pub pid: u32,
    /// Its command line.
    pub command: String,
}

/// The environment's side of the report.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentFacts {
    /// Its root.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub root: PathBuf,
    /// How it was found.
    pub found_by: String,
    /// Its `site-packages` directories.
    #[serde(serialize_with = "ser_paths")]
    pub site_packages: Vec<PathBuf>,
    /// The filesystem of its (first) `site-packages`.
    pub filesystem: FsFacts,
}

fn ser_paths<S: serde::Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(paths.iter().map(|p| p.to_string_lossy()))
}

/// What uv will do for each kind of command.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcomes {
    /// `uv sync` / `uv run`.
    pub project: Option<Outcome>,
    /// `uv pip install`.
    pub pip: Option<Outcome>,
}

/// Everything `doctor` found.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// The cache.
    pub cache: CacheFacts,
    /// The environment, when one was found.
    pub environment: Option<EnvironmentFacts>,
    /// Why no environment was examined.
    pub environment_error: Option<String>,
    /// Whether the cache and the environment share a device (`None`: unknown).
    pub same_filesystem: Option<bool>,
    /// The configured link modes.
    pub link_mode: LinkModeConfig,
    /// The link probes (cache root → `site-packages`).
    pub probes: Option<LinkProbes>,
    /// What installs will actually do.
    pub outcome: Outcomes,
    /// Locks on the cache's filesystem.
    pub locks: Option<LockProbes>,
    /// The environment's installed files.
    pub census: Option<Census>,
    /// Recommendations, most severe first.
    pub advice: Vec<Advice>,
}

impl DoctorReport {
    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.advice.iter().map(|a| a.severity).min()
    }
}

/// Finds the environment to examine: `--python`, else the project's `.venv` with `--project`,
/// else `VIRTUAL_ENV`, else `.venv` in the current directory or a parent.
pub fn doctor_environment(opts: &DoctorOptions) -> Result<Environment, String> {
    if opts.python.is_none()
        && let Some(project) = &opts.project
    {
        let project = if project.is_absolute() {
            project.clone()
        } else {
            opts.cwd.join(project)
        };
        return find_environment(&project, &EnvironmentChoice::default());
    }
    pip_environment(
        &opts.cwd,
        opts.python.as_deref(),
        opts.virtual_env.as_deref(),
    )
}

/// Examines the cache and the environment; `env` reads environment variables.
pub fn diagnose(opts: &DoctorOptions, env: &dyn Fn(&str) -> Option<String>) -> DoctorReport {
    let root = &opts.cache.path;
    let exists = root.is_dir();
    let cache = CacheFacts {
        root: opts.cache.clone(),
        exists,
        filesystem: filesystem(root),
        lock_holders: crate::engine::remove::lock::holders(&root.join(".lock"))
            .into_iter()
            .map(|h| LockHolder {
                pid: h.pid,
                command: h.command,
            })
            .collect(),
    };
    let (environment, environment_error) = match doctor_environment(opts) {
        Ok(e) => {
            let dir = e.site_packages.first().unwrap_or(&e.root);
            let facts = EnvironmentFacts {
                filesystem: filesystem(dir),
                root: e.root,
                found_by: e.found_by,
                site_packages: e.site_packages,
            };
            (Some(facts), None)
        }
        Err(e) => (None, Some(e)),
    };
    let settings_dir = opts.project.as_deref().unwrap_or(&opts.cwd);
    let link_mode = link_mode_config(settings_dir, env);
    let probes = environment.as_ref().filter(|_| exists).map(|e| {
        let to = e.site_packages.first().unwrap_or(&e.root);
        probe_links(root, to)
    });
    let outcome = Outcomes {
        project: probes
            .as_ref()
            .and_then(|p| p.outcome(&link_mode.project.mode)),
        pip: probes.as_ref().and_then(|p| p.outcome(&link_mode.pip.mode)),
    };
    let census = environment.as_ref().map(|e| census(&e.site_packages, root));
    let same_filesystem = environment
        .as_ref()
        .and_then(|e| same_device(&cache.filesystem, &e.filesystem));
    let mut report = DoctorReport {
        locks: exists.then(|| probe_locks(root)),
        cache,
        environment,
        environment_error,
        same_filesystem,
        link_mode,
        probes,
        outcome,
        census,
        advice: vec![],
    };
    report.advice = advice::advise(&report, suggested_cache_dir(opts, &report).as_deref());
    report
}

/// Where a cache on the environment's filesystem could go: `.uv-cache` in the project, else
/// next to the environment.
fn suggested_cache_dir(opts: &DoctorOptions, report: &DoctorReport) -> Option<PathBuf> {
    let env = report.environment.as_ref()?;
    let base = opts
        .project
        .as_ref()
        .map(|p| {
            if p.is_absolute() {
                p.clone()
            } else {
                opts.cwd.join(p)
            }
        })
        .or_else(|| env.root.parent().map(Path::to_path_buf))?;
    Some(base.join(".uv-cache"))
}
