//! `uvcache ci`: what `prune --ci` keeps and drops on this cache, and cache configuration for
//! GitHub Actions and GitLab CI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::super::output::{Table, Tone, bytes};
use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use crate::engine::ci::{CiReport, Part, SnippetOptions, ci_report, ci_snippets, prune_advice};
use crate::engine::doctor::{filesystem, same_device};
use crate::engine::project::pip_environment;
use crate::engine::remove::plan::{Target, plan_prune};
use crate::text::{Escaped, escape};

/// Arguments of `uvcache ci`.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// Packages listed per table (largest first; the JSON lists all).
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
}

/// Prints the numbers and the snippets.
pub fn run(global: &GlobalArgs, args: &CiArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let snap = open_snapshot(global, printer)?;
    let target = Target::of(&snap);
    let report = ci_report(
        &snap,
        &plan_prune(&target, false),
        &plan_prune(&target, true),
    );
    let cwd = std::env::current_dir()?;
    // Where the environment is (or will be): its site-packages, else the project directory.
    let virtual_env = std::env::var_os("VIRTUAL_ENV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let env_dir = pip_environment(&cwd, None, virtual_env.as_deref())
        .ok()
        .and_then(|e| e.site_packages.into_iter().next())
        .unwrap_or_else(|| cwd.clone());
    let (cache_fs, env_fs) = (filesystem(&snap.root.path), filesystem(&env_dir));
    let cross_device = same_device(&cache_fs, &env_fs) == Some(false);
    let advice = prune_advice(
        report.before.disk_bytes,
        report.after.disk_bytes,
        report.kept_built.disk_bytes,
    );
    let snippets = ci_snippets(&SnippetOptions::for_dir(&cwd, cross_device), &advice);
    if global.json {
        printer.json(&serde_json::json!({
            "report": report,
            "filesystems": { "cache": cache_fs, "environment": env_fs, "different": cross_device },
            "snippets": snippets,
            "setup_uv_advice": advice,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    for line in render(&report, args.top, printer) {
        printer.out(&line)?;
    }
    printer.out("")?;
    if cross_device {
        printer.out(&format!(
            "The cache ({}) and the environment ({}) are on different filesystems here: the \
             snippets set UV_LINK_MODE=copy.",
            cache_fs.fs_type.as_deref().unwrap_or("?"),
            env_fs.fs_type.as_deref().unwrap_or("?")
        ))?;
        printer.out("")?;
    }
    printer.out(&printer.paint(
        Tone::Bold,
        "GitHub Actions with astral-sh/setup-uv v9 (it sets UV_CACHE_DIR and saves the cache):",
    ))?;
    printer.out(&format!(
        "  prune-cache: {} ({})",
        advice.prune_cache, advice.reason
    ))?;
    for l in snippets.setup_uv.lines() {
        printer.out(&format!("  {l}"))?;
    }
    printer.out("")?;
    printer.out(&printer.paint(
        Tone::Bold,
        "GitHub Actions with actions/cache (a job's env and steps):",
    ))?;
    for l in snippets.github_actions.lines() {
        printer.out(&format!("  {l}"))?;
    }
    printer.out("")?;
    printer.out(&printer.paint(Tone::Bold, "GitLab CI (.gitlab-ci.yml):"))?;
    for l in snippets.gitlab_ci.lines() {
        printer.out(&format!("  {l}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0%".into()
    } else {
        format!("{:.0}%", part as f64 * 100.0 / whole as f64)
    }
}

fn render(r: &CiReport, top: usize, printer: &Printer) -> Vec<String> {
    let bold = |s: &str| printer.paint(Tone::Bold, s);
    let mut out = vec![
        format!(
            "{} {} (uv {})",
            bold("Cache"),
            Escaped(&r.root),
            r.uv_version
        ),
        String::new(),
        bold("What a CI job saves"),
        format!(
            "  as it is now            {:>9} on disk, {:>9} of file data, {} files",
            bytes(r.before.disk_bytes),
            bytes(r.before.logical_bytes),
            r.before.files
        ),
        format!(
            "  after `prune --ci`      {:>9} on disk, {:>9} of file data, {} files ({} of now)",
            bytes(r.after.disk_bytes),
            bytes(r.after.logical_bytes),
            r.after.files,
            percent(r.after.disk_bytes, r.before.disk_bytes)
        ),
        printer.paint(
            Tone::Dim,
            &format!(
                "  (`prune` alone removes {} in {}: dangling entries, cached environments, \
                 other uv versions' buckets)",
                bytes(r.prune.disk_bytes),
                if r.prune.items == 1 {
                    "1 item".to_string()
                } else {
                    format!("{} items", r.prune.items)
                }
            ),
        ),
    ];
    out.push(String::new());
    out.extend(part_table(
        &format!(
            "Dropped by --ci: pre-built wheels, {} in {} entries (downloaded again when needed)",
            bytes(r.dropped_wheels.disk_bytes),
            r.dropped_wheels.entries
        ),
        &r.dropped_wheels,
        top,
        printer,
    ));
    out.push(String::new());
    out.push(bold(&format!(
        "Dropped by --ci: unpacked sources and unzipped built wheels, {} in {} entries (the kept \
         wheels are unzipped again, nothing is rebuilt)",
        bytes(r.dropped_rebuildable.disk_bytes),
        r.dropped_rebuildable.entries
    )));
    out.push(String::new());
    out.extend(part_table(
        &format!(
            "Kept: wheels built from source, {} in {} entries (building them is what a CI cache saves)",
            bytes(r.kept_built.disk_bytes),
            r.kept_built.entries
        ),
        &r.kept_built,
        top,
        printer,
    ));
    out.push(String::new());
    let d = &r.dangling;
    out.push(bold("Dangling (any prune removes them)"));
    for (label, p) in [
        ("source revisions no pointer names", &d.revisions),
        ("archives nothing links to", &d.archives),
        ("pointers whose archive is gone", &d.broken_pointers),
    ] {
        out.push(format!(
            "  {label:<34} {:>4}  {:>9}",
            p.entries,
            bytes(p.disk_bytes)
        ));
    }
    out
}

fn part_table(title: &str, part: &Part, top: usize, printer: &Printer) -> Vec<String> {
    let mut out = vec![printer.paint(Tone::Bold, title)];
    if part.packages.is_empty() {
        out.push("  (none)".into());
        return out;
    }
    let mut t = Table::new(
        &["PACKAGE", "VERSIONS", "ENTRIES", "ON DISK"],
        &[false, false, true, true],
    );
    for p in part.packages.iter().take(top) {
        t.row(vec![
            escape(&p.name).into_owned(),
            p.versions.join(", "),
            p.entries.to_string(),
            bytes(p.disk_bytes),
        ]);
    }
    out.extend(t.render(printer).into_iter().map(|l| format!("  {l}")));
    if part.packages.len() > top {
        out.push(printer.paint(
            Tone::Dim,
            &format!(
                "  … {} more {} (--top N, or --json)",
                part.packages.len() - top,
                if part.packages.len() - top == 1 {
                    "package"
                } else {
                    "packages"
                }
            ),
        ));
    }
    out
}
