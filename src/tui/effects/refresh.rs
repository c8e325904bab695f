//! The uv side of the effects: where a refresh runs and its command, running
//! it with its output streamed, the rescan and comparison after it, the
//! `why` verdicts, and the freshness of a package's entries.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};

use crate::engine::freshness::{EntryFreshness, of_entry};
use crate::engine::model::Snapshot;
use crate::engine::query::package_entries;
use crate::engine::refresh::{
    OutputSink, Stream, TargetChoice, UvCommand, compare, find_target, is_project, locate_uv,
    package_marks, refresh_command, run_uv,
};
use crate::engine::why::{EnvironmentChoice, WhyOptions, WhyReport, why};

use super::super::msg::{EngineMsg, RefreshOutcome, RefreshPrep};
use super::{ScanRequest, scan_now};

/// Where uvcache was started: what a refresh and `why` look for a project or
/// an environment from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkDir {
    /// The working directory.
    pub cwd: PathBuf,
    /// The `VIRTUAL_ENV` variable, when set.
    pub virtual_env: Option<PathBuf>,
}

impl WorkDir {
    /// The process's working directory and `VIRTUAL_ENV`.
    pub fn of_process() -> WorkDir {
        WorkDir {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            virtual_env: std::env::var_os("VIRTUAL_ENV")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// The freshness of every entry of `package` that has freshness inputs, by entry id.
pub fn entry_freshness(snap: &Snapshot, package: &str) -> HashMap<u32, EntryFreshness> {
    let now = SystemTime::now();
    package_entries(snap, package)
        .into_iter()
        .filter_map(|e| Some((e.id, of_entry(&snap.root.path, e, now)?)))
        .collect()
}

/// The target and uv command of a refresh of `package`, as `uvcache refresh` finds them.
pub(super) fn prepare(
    package: &str,
    workdir: &WorkDir,
    cache_dir: Option<&Path>,
) -> Result<Arc<RefreshPrep>, String> {
    let target = find_target(&TargetChoice {
        project: None,
        python: None,
        virtual_env: workdir.virtual_env.clone(),
        cwd: workdir.cwd.clone(),
    })
    .map_err(|e| {
        format!(
            "{e}. Start uvcache inside a uv project, or with a virtual environment active, \
             to refresh packages."
        )
    })?;
    let uv = locate_uv().map_err(|e| e.to_string())?;
    let command = refresh_command(&uv, &target, &[package.to_string()], cache_dir)
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(RefreshPrep { target, command }))
}

/// Sends each of uv's lines on as it comes.
struct Lines<'a> {
    ticket: u64,
    sink: &'a (dyn Fn(EngineMsg) + Sync),
}

impl OutputSink for Lines<'_> {
    fn line(&self, _stream: Stream, line: &str) {
        (self.sink)(EngineMsg::UvOutput {
            ticket: self.ticket,
            line: line.to_string(),
        });
    }
}

/// Runs uv, then scans again (reported as the scan `scan.generation`) and
/// compares the refreshed packages' entries before and after.
pub(super) fn run(
    ticket: u64,
    command: &UvCommand,
    before: &Snapshot,
    scan: &ScanRequest,
    sink: &(dyn Fn(EngineMsg) + Sync),
) -> Result<RefreshOutcome, String> {
    let marks_before = package_marks(before, &command.packages);
    let started = Instant::now();
    let exit = run_uv(command, &Lines { ticket, sink }).map_err(|e| {
        let mut text = e.to_string();
        if let Some(source) = std::error::Error::source(&e) {
            text.push_str(&format!(": {source}"));
        }
        text
    })?;
    let uv_ms = started.elapsed().as_millis();
    let after = scan_now(scan, &AtomicBool::new(false), sink);
    let changes =
        after.map(|snap| compare(&marks_before, &package_marks(&snap, &command.packages)));
    Ok(RefreshOutcome {
        packages: command.packages.clone(),
        exit,
        changes,
        uv_ms,
        total_ms: started.elapsed().as_millis(),
    })
}

/// The `why` report of the uv project around the working directory, or a
/// friendly explanation when there is none.
pub(super) fn why_report(workdir: &WorkDir, cache: &Path) -> Result<Arc<WhyReport>, String> {
    let Some(project) = workdir.cwd.ancestors().find(|d| is_project(d)) else {
        return Err(format!(
            "`{}` is not inside a uv project (no pyproject.toml with a [project] table, no \
             uv.lock in it or its parents). Start uvcache in a project to see whether the next \
             `uv sync` rebuilds its local packages, and why.",
            workdir.cwd.display()
        ));
    };
    let opts = WhyOptions {
        project: project.to_path_buf(),
        environment: EnvironmentChoice {
            python: None,
            virtual_env: workdir.virtual_env.clone(),
        },
        cache: Some(cache.to_path_buf()).filter(|p| p.is_dir()),
    };
    why(&opts, &|name| std::env::var(name).ok())
        .map(Arc::new)
        .map_err(|e| format!("cannot explain `{}`: {e}", project.display()))
}
