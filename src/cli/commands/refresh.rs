//! `uvcache refresh PACKAGE...`: have uv fetch, rebuild and reinstall packages, then show what
//! changed in the cache.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::SystemTime;

use clap::Args;
use serde::Serialize;

use super::super::output::{Tone, bytes};
use super::super::{ColorChoice, GlobalArgs, Printer};
use super::open_snapshot;
use crate::engine::error::Error as EngineError;
use crate::engine::freshness::unix_seconds;
use crate::engine::model::Snapshot;
use crate::engine::refresh::{
    CacheChanges, Change, ChangeKind, OutputSink, PackageMarks, RefreshTarget, Stream,
    TargetChoice, compare, find_target, locate_uv, package_marks, refresh_command, run_uv,
};
use crate::text::Escaped;

/// Arguments of `uvcache refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Packages to fetch again (revalidating cached responses, rebuilding local sources) and
    /// reinstall.
    #[arg(required = true, value_name = "PACKAGE")]
    packages: Vec<String>,
    /// The uv project to `uv sync` (default: the project around the current directory).
    #[arg(long, value_name = "DIR", conflicts_with = "python")]
    project: Option<PathBuf>,
    /// The environment to reinstall into with `uv pip install` (a virtual environment or an
    /// interpreter inside one; default: VIRTUAL_ENV, else .venv).
    #[arg(long, value_name = "ENV")]
    python: Option<PathBuf>,
    /// Print the uv command, and run nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Prints uv's lines as they come (text mode), or keeps them for the JSON document.
struct Sink<'a> {
    printer: &'a Printer,
    json: bool,
    lines: Mutex<Vec<OutputLine>>,
}

#[derive(Serialize)]
struct OutputLine {
    stream: Stream,
    line: String,
}

impl OutputSink for Sink<'_> {
    fn line(&self, stream: Stream, line: &str) {
        if self.json {
            if let Ok(mut l) = self.lines.lock() {
                l.push(OutputLine {
                    stream,
                    line: line.to_string(),
                });
            }
        } else {
            // A closed stdout must not stop uv: its output is then dropped.
            let _ = self
                .printer
                .out(&format!("{} {line}", self.printer.paint(Tone::Dim, "│")));
        }
    }
}

/// Runs uv for the packages and reports the cache changes; the exit code is uv's.
pub fn run(global: &GlobalArgs, args: &RefreshArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let target = find_target(&TargetChoice {
        project: args.project.clone(),
        python: args.python.clone(),
        virtual_env: std::env::var_os("VIRTUAL_ENV")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        cwd,
    })?;
    let uv = match locate_uv() {
        Ok(uv) => uv,
        Err(e) if args.dry_run => {
            printer.warn(&e.to_string());
            PathBuf::from("uv")
        }
        Err(e) => return Err(e.into()),
    };
    let cmd = refresh_command(&uv, &target, &args.packages, global.cache_dir.as_deref())?;
    for note in &cmd.notes {
        printer.warn(note);
    }
    if args.dry_run {
        if global.json {
            printer.json(&serde_json::json!({
                "target": target,
                "command": cmd,
                "display": cmd.display(),
            }))?;
        } else {
            printer.out(&cmd.display())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let before = scan_marks(global, printer, &cmd.packages)?;
    match &target {
        RefreshTarget::Project { root, .. } => super::roots::remember_met(&root.join(".venv")),
        RefreshTarget::Environment { root, .. } => super::roots::remember_met(root),
    }
    if !global.json {
        printer.out(&describe_target(&target, printer))?;
        printer.out(&format!(
            "{} {}",
            printer.paint(Tone::Bold, "Running:"),
            cmd.display()
        ))?;
    }
    let sink = Sink {
        printer,
        json: global.json,
        lines: Mutex::new(Vec::new()),
    };
    let exit = run_uv(&cmd, &sink)?;
    // The rescan repeats nothing the first scan already warned about.
    let quiet = Printer::new(ColorChoice::Never, true, 0);
    let after = scan_marks(global, &quiet, &cmd.packages)?;
    let changes = compare(&before, &after);
    if global.json {
        let output = sink.lines.into_inner().unwrap_or_default();
        printer.json(&serde_json::json!({
            "target": target,
            "command": cmd,
            "display": cmd.display(),
            "exit": exit,
            "output": output,
            "changes": changes,
        }))?;
    } else {
        let status = match exit.code {
            Some(0) => printer.paint(Tone::Good, "uv finished successfully"),
            Some(c) => printer.paint(Tone::Bad, &format!("uv exited with status {c}")),
            None => printer.paint(Tone::Bad, "uv was ended by a signal"),
        };
        printer.out(&status)?;
        printer.out("")?;
        for line in render_changes(&changes, &cmd.packages, printer) {
            printer.out(&line)?;
        }
    }
    Ok(match exit.code {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).ok().filter(|c| *c != 0).unwrap_or(2)),
        None => ExitCode::from(2),
    })
}

/// The packages' entries in a fresh scan (none when there is no cache yet).
fn scan_marks(
    global: &GlobalArgs,
    printer: &Printer,
    packages: &[String],
) -> anyhow::Result<PackageMarks> {
    let snap: Option<Snapshot> = match open_snapshot(global, printer) {
        Ok(s) => Some(s),
        Err(e)
            if matches!(
                e.downcast_ref::<EngineError>(),
                Some(EngineError::NoCache { .. })
            ) =>
        {
            None
        }
        Err(e) => return Err(e),
    };
    Ok(snap.map_or_else(
        || packages.iter().map(|p| (p.clone(), vec![])).collect(),
        |s| package_marks(&s, packages),
    ))
}

fn describe_target(target: &RefreshTarget, printer: &Printer) -> String {
    let (what, root, found_by) = match target {
        RefreshTarget::Project { root, found_by } => ("project", root, found_by),
        RefreshTarget::Environment { root, found_by, .. } => ("environment", root, found_by),
    };
    format!(
        "{} {what} {} ({found_by})",
        printer.paint(Tone::Bold, "Target:"),
        Escaped(&root)
    )
}

fn render_changes(changes: &CacheChanges, packages: &[String], printer: &Printer) -> Vec<String> {
    let now = unix_seconds(SystemTime::now());
    let unchanged: usize = changes.unchanged.values().sum();
    if changes.changes.is_empty() {
        return vec![format!(
            "No cache entry of {} changed ({unchanged} unchanged)",
            packages.join(", ")
        )];
    }
    let mut lines = vec![printer.paint(
        Tone::Bold,
        &format!("Cache changes for {}:", packages.join(", ")),
    )];
    let name_width = packages.iter().map(String::len).max().unwrap_or(0);
    for c in &changes.changes {
        let Some(m) = c.mark() else { continue };
        let tone = match c.change {
            ChangeKind::Added | ChangeKind::Renewed => Tone::Good,
            ChangeKind::Replaced => Tone::Warn,
            ChangeKind::Removed | ChangeKind::Superseded => Tone::Dim,
        };
        lines.push(format!(
            "  {:<name_width$}  {}  {:<15} {}  {}",
            c.package,
            printer.paint(tone, &format!("{:<10}", c.change.as_str())),
            m.kind.as_str(),
            Escaped(&m.path),
            detail(c, now)
        ));
    }
    lines.push(printer.paint(
        Tone::Dim,
        &format!("  {unchanged} entries of these packages unchanged"),
    ));
    lines
}

fn detail(c: &Change, now: u64) -> String {
    let ago = |t: u64| super::list::age_secs(now.saturating_sub(t));
    match (c.change, &c.before, &c.after) {
        (ChangeKind::Replaced, Some(b), Some(a)) if b.archives != a.archives => format!(
            "now links archive-v0/{} (was {})",
            a.archives.join(", "),
            b.archives.join(", ")
        ),
        (ChangeKind::Renewed | ChangeKind::Replaced, Some(b), Some(a))
            if b.response_time != a.response_time =>
        {
            match (b.response_time, a.response_time) {
                (Some(x), Some(y)) => format!(
                    "{} {} ago (was {} ago)",
                    if a.local_build { "written" } else { "fetched" },
                    ago(y),
                    ago(x)
                ),
                _ => String::new(),
            }
        }
        (ChangeKind::Added, _, Some(a)) => {
            let v = a
                .version
                .as_deref()
                .map(|v| format!("{v}, "))
                .unwrap_or_default();
            format!("{v}{}", bytes(a.disk_bytes))
        }
        (ChangeKind::Superseded, _, Some(a)) => format!("now {:?}", a.state).to_lowercase(),
        _ => String::new(),
    }
}
