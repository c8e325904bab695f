//! `uvcache why [PATH]`: will the next uv run rebuild the project's local packages, and why.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::super::output::Tone;
use super::super::{GlobalArgs, Printer};
use crate::engine::keys::cache_info_json;
use crate::engine::locate::{LocateOptions, locate};
use crate::engine::why::{
    EnvironmentChoice, PackageReport, Severity, Verdict, WhyOptions, utc, why,
};
use crate::text::{Escaped, escape};

/// Arguments of `uvcache why`.
#[derive(Debug, Args)]
pub struct WhyArgs {
    /// The project directory (default: the current directory).
    path: Option<PathBuf>,
    /// The environment to inspect: a virtual environment or an interpreter inside one
    /// (default: the nearest `.venv`, else `VIRTUAL_ENV`).
    #[arg(long, value_name = "ENV")]
    python: Option<PathBuf>,
}

/// Explains, for each package of the environment installed from a local path, whether the next
/// `uv sync` / `uv pip install` rebuilds it.
pub fn run(global: &GlobalArgs, args: &WhyArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let project = match &args.path {
        Some(p) => p.clone(),
        None => std::env::current_dir()?,
    };
    let cache = LocateOptions::from_process(global.cache_dir.clone())
        .and_then(|o| locate(&o))
        .ok()
        .map(|root| root.path)
        .filter(|p| p.is_dir());
    let opts = WhyOptions {
        project,
        environment: EnvironmentChoice {
            python: args.python.clone(),
            virtual_env: std::env::var_os("VIRTUAL_ENV")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        },
        cache,
    };
    let report = why(&opts, &|name| std::env::var(name).ok())?;
    super::roots::remember_met(&report.environment.root);
    if global.json {
        printer.json(&report)?;
    } else {
        printer.out(&format!(
            "{} (environment {}, found by {})",
            Escaped(&report.project),
            Escaped(&report.environment.root),
            report.environment.found_by
        ))?;
        for note in &report.notes {
            printer.out(&printer.paint(Tone::Dim, &format!("note: {note}")))?;
        }
        for p in &report.packages {
            printer.out("")?;
            for line in render(p, printer) {
                printer.out(&line)?;
            }
        }
    }
    Ok(if report.packages.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn render(p: &PackageReport, printer: &Printer) -> Vec<String> {
    let i = &p.installed;
    let kind = i.kind_label();
    let tone = match p.verdict {
        Verdict::UpToDate => Tone::Good,
        Verdict::ReinstallFromCache => Tone::Warn,
        Verdict::Rebuild | Verdict::Fails => Tone::Bad,
    };
    let mut lines = vec![
        format!(
            "{} {}  ({kind} {})",
            printer.paint(Tone::Bold, &escape(&i.name)),
            i.version,
            Escaped(&i.source)
        ),
        format!("  {}", printer.paint(tone, &p.summary)),
    ];
    for c in &p.changes {
        lines.push(format!("    {}: {}", c.part, c.message));
    }
    if let Some(eval) = &p.current {
        let origin = if eval.keys.defaults {
            " (uv's defaults)"
        } else {
            ""
        };
        lines.push(format!("  keys{origin}:"));
        for r in &eval.results {
            lines.push(format!(
                "    {:<28} {}",
                r.key.label(),
                crate::engine::why::describe_key_value(&r.value)
            ));
        }
    }
    if let Some(recorded) = &p.recorded {
        lines.push(printer.paint(
            Tone::Dim,
            &format!("  recorded (uv_cache.json): {}", cache_info_json(recorded)),
        ));
    }
    for b in &p.cached_builds {
        lines.push(format!(
            "  cached build: {} -> revision {} ({}{})",
            Escaped(&b.pointer),
            b.revision,
            if b.matches_now {
                "matches the current inputs"
            } else {
                "built from other inputs"
            },
            if b.has_wheel { "" } else { ", no wheel" }
        ));
    }
    if !p.untracked.is_empty() {
        lines.push("  changed since the install but not cache keys:".into());
        for f in &p.untracked {
            lines.push(format!("    {}  {}", Escaped(&f.path), utc(&f.timestamp)));
        }
    }
    if let Some(snippet) = &p.snippet {
        lines.push("  to make uv rebuild on such changes, in its pyproject.toml:".into());
        lines.extend(snippet.lines().map(|l| format!("    {l}")));
    }
    for l in &p.lints {
        let (tone, word) = match l.severity {
            Severity::Error => (Tone::Bad, "error"),
            Severity::Warning => (Tone::Warn, "warning"),
            Severity::Info => (Tone::Dim, "info"),
        };
        lines.push(format!(
            "  {} [{}]: {}",
            printer.paint(tone, word),
            l.code,
            l.message
        ));
    }
    for h in &p.hints {
        lines.push(printer.paint(Tone::Dim, &format!("  hint: {h}")));
    }
    lines
}
