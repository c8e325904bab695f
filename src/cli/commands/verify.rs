//! `uvcache verify [PKG...]`: archives against their `RECORD`, records against uv's
//! decoders; `--fix` removes what is damaged.

use std::cell::RefCell;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::super::output::{Tone, bytes, progress_line};
use super::super::{GlobalArgs, Printer};
use super::remove::{RemoveFlags, run_plan_into};
use super::roots::{SearchArgs, known_roots, report_known};
use super::{check_removable, locate_root, open_snapshot};
use crate::engine::names::is_valid_name;
use crate::engine::progress::{Reporter, VerifyProgress};
use crate::engine::scan::store::{IndexMode, now_secs};
use crate::engine::verify::findings::{Findings, findings_path};
use crate::engine::verify::fix::plan_fix;
use crate::engine::verify::{FileProblem, Options, Problem, Report, verify};
use crate::text::Escaped;

/// Arguments of `uvcache verify`.
#[derive(Debug, Args)]
#[command(after_long_help = VERIFY_HELP)]
pub struct VerifyArgs {
    /// Only these packages' archives and records (any spelling); none: everything.
    #[arg(value_name = "PACKAGE")]
    packages: Vec<String>,
    /// Remove the damaged archives (with the wheel entries linking to them) and the records
    /// uv cannot read, as `clean NAME==VERSION` removes entries: plan first, under uv's lock.
    #[arg(long)]
    fix: bool,
    /// Where to look for the environments sharing a modified file (see `uvcache roots`).
    #[command(flatten)]
    search: SearchArgs,
    #[command(flatten)]
    flags: RemoveFlags,
}

const VERIFY_HELP: &str = "\
Every archive (an unpacked wheel in archive-v0) is checked against its own .dist-info/RECORD:
each listed file's sha256 and size, files missing, files present but not listed. A modified
file with more than one hard link is looked up in the known environments (`uvcache roots`):
the one whose installed file is the same inode is where the edit came from.

Records: wheel pointers, metadata, source revision pointers, page policies and interpreter
records of the current buckets that uv's format cannot be decoded from.

Digests are remembered by inode, size and times beside the scan index, so the next run hashes
only what changed (--rescan hashes everything, --no-index remembers nothing).

--fix removes the damaged entries (never anything in an environment) so that uv downloads,
unzips or builds them again; the plan is shown first and confirmed unless --yes.

Exit codes: 0 intact (or repaired by --fix), 1 damage found, 2 errors (files that could not be
read, a failed removal).";

struct VerifyLine {
    enabled: bool,
}

impl Reporter for VerifyLine {
    fn verify(&self, p: VerifyProgress) {
        if self.enabled && p.files_total > 0 {
            progress_line(Some(&format!(
                "Verifying: {}/{} files, {}/{}",
                p.files_done,
                p.files_total,
                bytes(p.bytes_done),
                bytes(p.bytes_total)
            )));
        }
    }
}

/// Verifies, prints, and with `--fix` removes.
pub fn run(global: &GlobalArgs, args: &VerifyArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    if let Some(bad) = args.packages.iter().find(|p| !is_valid_name(p)) {
        anyhow::bail!("`{bad}` is not a valid package name");
    }
    if args.fix {
        let root = locate_root(global, printer)?;
        check_removable(&root, &args.flags, printer)?;
    }
    let snap = open_snapshot(global, printer)?;
    let known = known_roots(&snap, &args.search, printer);
    if !global.json {
        report_known(&known, printer);
    }
    let opts = Options {
        packages: args.packages.clone(),
        threads: global.threads.unwrap_or(0),
        memo: global.index_mode(),
        memo_file: None,
    };
    let line = VerifyLine {
        enabled: printer.progress_enabled(),
    };
    let report = verify(&snap, &known.roots, &opts, &line);
    if line.enabled {
        progress_line(None);
    }
    let report = report?;
    let errors = !report.errors.is_empty();
    let damage = report.has_damage();
    if !global.json {
        print_report(&report, printer)?;
        if let Some(e) = &report.checked.memo_error {
            printer.warn(&format!("digests not remembered: {e}"));
        }
        if let Some(why) = &report.checked.memo_ignored {
            printer.info(&format!("remembered digests not used: {why}"));
        }
    }
    let mut code = if errors {
        ExitCode::from(2)
    } else if damage {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    let fixed: RefCell<Option<serde_json::Value>> = RefCell::default();
    if args.fix && damage {
        let root = snap.root.path.clone();
        let applied = run_plan_into(
            global,
            &args.flags,
            printer,
            &root,
            &|| plan_fix(&snap, &report),
            &|v| {
                *fixed.borrow_mut() = Some(v);
                Ok(())
            },
        );
        let applied = match applied {
            Ok(c) => c,
            Err(e) if global.json => {
                printer.json(&json!({
                    "damaged": report.damaged,
                    "records": report.records,
                    "errors": report.errors,
                    "checked": report.checked,
                    "fix": null,
                }))?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        // Repaired: nothing damaged is left (a dry run or a refusal leaves it).
        if !errors && !args.flags.dry_run && applied == ExitCode::SUCCESS {
            code = ExitCode::SUCCESS;
            if global.index_mode() != IndexMode::Off
                && let Some(path) = findings_path(&snap.root.path)
            {
                let repaired = Findings {
                    verified_at: now_secs(),
                    damaged: vec![],
                };
                if let Err(e) = repaired.save(&path) {
                    printer.warn(&format!("the findings were not updated: {e}"));
                }
            }
        } else if applied == ExitCode::from(2) {
            code = ExitCode::from(2);
        }
    } else if args.fix && !global.json {
        printer.out("Nothing to fix.")?;
    }
    if global.json {
        printer.json(&json!({
            "damaged": report.damaged,
            "records": report.records,
            "errors": report.errors,
            "checked": report.checked,
            "fix": fixed.into_inner(),
        }))?;
    }
    Ok(code)
}

fn print_report(report: &Report, printer: &Printer) -> anyhow::Result<()> {
    for a in &report.damaged {
        printer.out(&format!(
            "{} {}  {}",
            printer.paint(
                Tone::Bold,
                &Escaped(a.package.as_deref().unwrap_or("(unknown package)")).to_string()
            ),
            Escaped(a.version.as_deref().unwrap_or("?")),
            printer.paint(Tone::Dim, &Escaped(&a.path).to_string())
        ))?;
        for f in &a.files {
            printer.out(&file_line(f, printer))?;
        }
    }
    if !report.records.is_empty() {
        if !report.damaged.is_empty() {
            printer.out("")?;
        }
        printer.out(&printer.paint(Tone::Bold, "Records uv cannot read"))?;
        for r in &report.records {
            printer.out(&format!(
                "  {}  {}: {}",
                printer.paint(Tone::Bad, r.kind),
                Escaped(&r.path),
                Escaped(&r.message)
            ))?;
        }
    }
    for e in &report.errors {
        printer.warn(&format!("cannot read {}: {}", Escaped(&e.path), e.message));
    }
    let c = &report.checked;
    if report.has_damage() {
        printer.out("")?;
    }
    printer.out(&format!(
        "Checked {} archives ({} files, {}: {} hashed, {} remembered) and {} records in {:.1}s: {}.",
        c.archives,
        c.files,
        bytes(c.bytes),
        c.hashed_files,
        c.remembered_files,
        c.records,
        c.elapsed_ms as f64 / 1000.0,
        verdict(report, printer)
    ))?;
    if report.has_damage() {
        printer.out(&printer.paint(
            Tone::Dim,
            "`uvcache verify --fix` removes the damaged entries so that uv downloads or builds them again.",
        ))?;
    }
    Ok(())
}

fn verdict(report: &Report, printer: &Printer) -> String {
    if !report.has_damage() {
        return printer.paint(Tone::Good, "intact");
    }
    let mut parts = Vec::new();
    match report.damaged.len() {
        0 => {}
        1 => parts.push("1 archive damaged".to_string()),
        n => parts.push(format!("{n} archives damaged")),
    }
    match report.records.len() {
        0 => {}
        1 => parts.push("1 record uv cannot read".to_string()),
        n => parts.push(format!("{n} records uv cannot read")),
    }
    printer.paint(Tone::Bad, &parts.join(", "))
}

fn file_line(f: &FileProblem, printer: &Printer) -> String {
    let tone = match f.problem {
        Problem::Extra => Tone::Warn,
        _ => Tone::Bad,
    };
    let mut line = format!(
        "  {:<10} {}",
        printer.paint(tone, f.problem.as_str()),
        Escaped(&f.path)
    );
    if let Some(note) = &f.note {
        line.push_str(&format!(" ({})", Escaped(note)));
    }
    if f.problem == Problem::Modified {
        if !f.shared_with.is_empty() {
            let envs: Vec<String> = f
                .shared_with
                .iter()
                .map(|p| Escaped(p).to_string())
                .collect();
            line.push_str(&format!("  shared with {}", envs.join(", ")));
        } else if let Some(n) = f.links.filter(|n| *n > 1) {
            line.push_str(&format!(
                "  hard-linked {} times, by no known environment (`uvcache roots --discover` finds more)",
                n - 1
            ));
        }
        if printer.verbose() > 0 {
            if let (Some(e), Some(s)) = (f.expected_size, f.size)
                && e != s
            {
                line.push_str(&format!("; size {s}, RECORD says {e}"));
            }
            if let (Some(e), Some(found)) = (&f.expected, &f.found) {
                line.push_str(&format!("; {found}, RECORD says {e}"));
            }
        }
    }
    line
}
