//! `uvcache doctor`: filesystems, link modes and locks between the cache and an environment,
//! and what to change.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::super::output::{Tone, bytes};
use super::super::{GlobalArgs, Printer};
use super::locate_root;
use crate::engine::doctor::{
    Advice, DoctorOptions, DoctorReport, FsFacts, LinkModeSetting, Outcome, Probe, Severity,
    diagnose,
};
use crate::text::Escaped;

/// Arguments of `uvcache doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The environment to check (a virtual environment or an interpreter inside one; default:
    /// VIRTUAL_ENV, else .venv in the current directory or a parent).
    #[arg(long, value_name = "ENV", conflicts_with = "project")]
    python: Option<PathBuf>,
    /// A uv project: check its .venv and read its settings.
    #[arg(long, value_name = "DIR")]
    project: Option<PathBuf>,
}

/// Examines the cache and the environment and prints facts and advice.
pub fn run(global: &GlobalArgs, args: &DoctorArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let root = locate_root(global, printer)?;
    let opts = DoctorOptions {
        cache: root,
        project: args.project.clone(),
        python: args.python.clone(),
        virtual_env: std::env::var_os("VIRTUAL_ENV")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        cwd: std::env::current_dir()?,
    };
    let report = diagnose(&opts, &|k| std::env::var(k).ok());
    if let Some(env) = &report.environment {
        super::roots::remember_met(&env.root);
    }
    if global.json {
        printer.json(&report)?;
    } else {
        for line in render(&report, printer) {
            printer.out(&line)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fs_line(f: &FsFacts) -> String {
    let mut s = format!(
        "  filesystem: {}",
        f.fs_type.as_deref().unwrap_or("unknown")
    );
    if let Some(src) = f
        .mount_source
        .as_ref()
        .filter(|s| f.fs_type.as_ref() != Some(*s))
    {
        s.push_str(&format!(" ({src})"));
    }
    if let Some(m) = &f.mount_point {
        s.push_str(&format!(", mounted at {}", Escaped(&m)));
    }
    if let Some(d) = &f.device {
        s.push_str(&format!(", device {d}"));
    }
    s
}

fn probe(p: &Probe, printer: &Printer) -> String {
    match p {
        Probe::Works => printer.paint(Tone::Good, "works"),
        Probe::Fails {
            error,
            cross_device,
        } => printer.paint(
            Tone::Warn,
            &if *cross_device {
                format!("fails: cross-device ({error})")
            } else {
                format!("fails: {error}")
            },
        ),
        Probe::Skipped { reason } => printer.paint(Tone::Dim, &format!("skipped: {reason}")),
    }
}

fn mode_line(label: &str, s: &LinkModeSetting, o: Option<&Outcome>) -> String {
    let mut line = format!("  {label:<10} {} (from {})", s.mode.as_str(), s.source);
    if let Some(o) = o {
        if o.effective != s.mode {
            line.push_str(&format!(" -> installs will {}", o.effective.as_str()));
        } else {
            line.push_str(" -> works");
        }
        if o.fallback_warning {
            line.push_str(", with uv's \"falling back to full copy\" warning");
        }
    }
    line
}

fn render(r: &DoctorReport, printer: &Printer) -> Vec<String> {
    let bold = |s: &str| printer.paint(Tone::Bold, s);
    let mut out = vec![format!(
        "{} {} ({}){}",
        bold("Cache"),
        Escaped(&r.cache.root.path),
        r.cache.root.rule,
        if r.cache.exists {
            ""
        } else {
            ", not created yet"
        }
    )];
    out.push(fs_line(&r.cache.filesystem));
    if !r.cache.lock_holders.is_empty() {
        for h in &r.cache.lock_holders {
            out.push(format!("  in use by pid {}: {}", h.pid, h.command));
        }
    }
    match &r.environment {
        Some(e) => {
            out.push(format!(
                "{} {} ({})",
                bold("Environment"),
                Escaped(&e.root),
                e.found_by
            ));
            if let Some(sp) = e.site_packages.first() {
                out.push(format!("  site-packages: {}", Escaped(&sp)));
            }
            out.push(fs_line(&e.filesystem));
        }
        None => out.push(format!(
            "{} none: {}",
            bold("Environment"),
            r.environment_error.as_deref().unwrap_or("not found")
        )),
    }
    if let Some(same) = r.same_filesystem {
        out.push(format!(
            "Same filesystem: {}",
            if same {
                printer.paint(Tone::Good, "yes")
            } else {
                printer.paint(Tone::Warn, "no (different devices)")
            }
        ));
    }

    out.push(String::new());
    out.push(bold("Link mode"));
    let lm = &r.link_mode;
    out.push(mode_line(
        "uv sync",
        &lm.project,
        r.outcome.project.as_ref(),
    ));
    out.push(mode_line("uv pip", &lm.pip, r.outcome.pip.as_ref()));
    if let Some(p) = &r.probes {
        out.push(format!(
            "  probes from {} to {}:",
            Escaped(&p.from),
            Escaped(&p.to)
        ));
        for (name, result) in [
            ("clone", &p.clone),
            ("hardlink", &p.hardlink),
            ("symlink", &p.symlink),
            ("copy", &p.copy),
        ] {
            out.push(format!("    {name:<9} {}", probe(result, printer)));
        }
    }

    if let Some(l) = &r.locks {
        out.push(String::new());
        out.push(bold("Locks on the cache's filesystem"));
        out.push(format!("  shared     {}", probe(&l.shared, printer)));
        out.push(format!("  exclusive  {}", probe(&l.exclusive, printer)));
        out.push(format!("  enforced   {}", probe(&l.enforced, printer)));
    }

    if let Some(c) = &r.census {
        let t = &c.totals;
        out.push(String::new());
        out.push(bold(&format!(
            "Installed files ({} distributions, {} files)",
            c.distributions, t.files
        )));
        out.push(format!(
            "  hard links into the cache  {:>6}  ({})",
            t.hardlinks_into_cache,
            bytes(t.hardlinked_bytes)
        ));
        let sym = format!("  symlinks into the cache    {:>6}", t.symlinks_into_cache);
        out.push(if t.symlinks_into_cache > 0 {
            printer.paint(Tone::Bad, &sym)
        } else {
            sym
        });
        if t.broken_symlinks > 0 {
            out.push(printer.paint(
                Tone::Bad,
                &format!("    of which broken        {:>6}", t.broken_symlinks),
            ));
        }
        if t.clones > 0 {
            out.push(format!(
                "  clones (shared extents)    {:>6}  ({} shared)",
                t.clones,
                bytes(t.cloned_bytes)
            ));
        }
        out.push(format!(
            "  copies                     {:>6}  (includes RECORD, INSTALLER and scripts uv writes itself)",
            t.independent
        ));
        if t.hardlinks_elsewhere + t.symlinks_elsewhere > 0 {
            out.push(format!(
                "  linked elsewhere           {:>6}",
                t.hardlinks_elsewhere + t.symlinks_elsewhere
            ));
        }
        if t.missing > 0 {
            out.push(format!("  listed in RECORD, missing  {:>6}", t.missing));
        }
        for d in c.symlinked() {
            out.push(printer.paint(
                Tone::Bad,
                &format!(
                    "    {}: {} files symlinked into the cache",
                    d.dist_info, d.counts.symlinks_into_cache
                ),
            ));
        }
    }

    out.push(String::new());
    if r.advice.is_empty() {
        out.push(printer.paint(Tone::Good, "No problems found."));
    } else {
        out.push(bold("Recommendations"));
        for a in &r.advice {
            out.extend(render_advice(a, printer));
        }
    }
    out
}

fn render_advice(a: &Advice, printer: &Printer) -> Vec<String> {
    let (tone, word) = match a.severity {
        Severity::Danger => (Tone::Bad, "DANGER"),
        Severity::Warning => (Tone::Warn, "warning"),
        Severity::Info => (Tone::Dim, "info"),
    };
    let mut lines = vec![format!(
        "  {} [{}]: {}",
        printer.paint(tone, word),
        a.code,
        a.message
    )];
    lines.extend(a.actions.iter().map(|act| format!("    -> {act}")));
    lines
}
