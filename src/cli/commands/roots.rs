//! `uvcache roots`: the environments that install from the cache, and what each one uses.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Args, Subcommand};
use serde_json::json;

use super::super::output::{Table, Tone, bytes, progress_line};
use super::super::{GlobalArgs, Printer};
use super::open_snapshot;
use crate::engine::model::{EntryKind, Snapshot};
use crate::engine::report::age;
use crate::engine::roots::store;
use crate::engine::roots::{FoundBy, KnownRoots, Root, Usage, Walk, roots_file, usage};
use crate::text::Escaped;

/// Arguments of `uvcache roots`.
#[derive(Debug, Args)]
#[command(after_long_help = ROOTS_HELP)]
pub struct RootsArgs {
    #[command(subcommand)]
    action: Option<RootsAction>,
    #[command(flatten)]
    pub search: SearchArgs,
}

/// Where to look for environments besides the remembered ones.
#[derive(Debug, Args, Default, Clone)]
pub struct SearchArgs {
    /// Also walk the home directory (or the --search directories) for virtual environments;
    /// what is found is remembered for later runs.
    #[arg(long)]
    pub discover: bool,
    /// A directory to walk for environments instead of the home directory (repeatable;
    /// implies --discover).
    #[arg(long, value_name = "DIR")]
    pub search: Vec<PathBuf>,
    /// How many directory levels below each search directory to look.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub max_depth: usize,
    /// Stop walking after this many seconds (what was found so far is used).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub budget: u64,
}

#[derive(Debug, Subcommand)]
enum RootsAction {
    /// Register an environment (or a project directory, for its `.venv`) as a root, kept
    /// until `roots remove`.
    Add {
        /// The environment or project directory.
        path: PathBuf,
    },
    /// Forget a root.
    Remove {
        /// The environment's directory.
        path: PathBuf,
    },
}

const ROOTS_HELP: &str = "\
Roots are the environments whose packages come from this cache: uv's tool environments
(UV_TOOL_DIR, else the platform data directory), the environments inside the cache, the
environment of the project around the current directory, the ones found by --discover, and
the ones registered with `uvcache roots add`. They are remembered in uvcache's state
directory; one that no longer exists is reported and forgotten.

Each installed distribution is tied to the archive it came from by the file hashes its RECORD
shares with the archive's RECORD, so the answer is the same for every link mode (hard link,
clone, copy, symlink). `show PKG` names the roots using each version.";

/// Runs `roots`, `roots add`, `roots remove`.
pub fn run(global: &GlobalArgs, args: &RootsArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    match &args.action {
        Some(RootsAction::Add { path }) => add(path, printer),
        Some(RootsAction::Remove { path }) => remove(path, printer),
        None => list(global, &args.search, printer),
    }
}

fn state_file() -> anyhow::Result<PathBuf> {
    roots_file().ok_or_else(|| {
        anyhow::anyhow!("no state directory to remember roots in (set UVCACHE_STATE_DIR)")
    })
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(std::path::absolute(path)?)
}

fn add(path: &Path, printer: &Printer) -> anyhow::Result<ExitCode> {
    let path = absolute(path)?;
    let env = if crate::engine::roots::discover::is_environment(&path) {
        path
    } else if crate::engine::roots::discover::is_environment(&path.join(".venv")) {
        path.join(".venv")
    } else {
        anyhow::bail!(
            "`{}` is not a Python environment (no pyvenv.cfg), nor a project with a .venv",
            Escaped(&path)
        );
    };
    let kind = crate::engine::roots::discover::kind_of(&env);
    let root = Root {
        path: env.clone(),
        kind,
        found_by: FoundBy::Registered,
    };
    store::update(&state_file()?, |f| f.remember(&[root], true)).map_err(anyhow::Error::msg)?;
    printer.out(&format!("Registered {} ({})", Escaped(&env), kind.as_str()))?;
    Ok(ExitCode::SUCCESS)
}

/// Remembers an environment `doctor`, `why` or `refresh` met (a project's `.venv`, a virtual
/// environment) as a root, so that later `prune --unused` and `list` know it. Quiet: a state
/// directory that cannot be written only loses the memory.
pub fn remember_met(env: &Path) {
    if !crate::engine::roots::discover::is_environment(env) {
        return;
    }
    let Some(file) = roots_file() else { return };
    let root = Root {
        path: env.to_path_buf(),
        kind: crate::engine::roots::discover::kind_of(env),
        found_by: FoundBy::Remembered,
    };
    let _ = store::update(&file, |f| f.remember(&[root], false));
}

fn remove(path: &Path, printer: &Printer) -> anyhow::Result<ExitCode> {
    let path = absolute(path)?;
    let (_, forgot) = store::update(&state_file()?, |f| {
        f.forget(&path) || f.forget(&path.join(".venv"))
    })
    .map_err(anyhow::Error::msg)?;
    if forgot {
        printer.out(&format!("Forgot {}", Escaped(&path)))?;
        Ok(ExitCode::SUCCESS)
    } else {
        printer.out(&format!("{} is not a known root", Escaped(&path)))?;
        Ok(ExitCode::from(1))
    }
}

/// Finds the roots for `snap`'s cache (see [`crate::engine::roots::known_roots`]), with
/// progress on the terminal and a warning when they cannot be remembered.
pub fn known_roots(snap: &Snapshot, search: &SearchArgs, printer: &Printer) -> KnownRoots {
    let dirs: Vec<PathBuf> = if !search.search.is_empty() {
        search
            .search
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect()
    } else if search.discover {
        dirs::home_dir().into_iter().collect()
    } else {
        vec![]
    };
    let walk = Walk {
        dirs,
        max_depth: search.max_depth,
        budget: Duration::from_secs(search.budget),
    };
    let progress = printer.progress_enabled();
    let known = crate::engine::roots::known_roots(snap, &walk, &|n| {
        if progress {
            progress_line(Some(&format!("Looking for environments: {n} directories")));
        }
    });
    if progress {
        progress_line(None);
    }
    if let Some(e) = &known.store_error {
        printer.warn(&format!("roots are not remembered: {e}"));
    }
    known
}

/// Says what is gone and whether the walk was cut short.
pub fn report_known(known: &KnownRoots, printer: &Printer) {
    if !known.gone.is_empty() {
        printer.warn(&format!(
            "{} gone since last time: their packages may now be unused ({})",
            match known.gone.len() {
                1 => "1 environment".to_string(),
                n => format!("{n} environments"),
            },
            known
                .gone
                .iter()
                .map(|g| Escaped(&g.path).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if known.timed_out {
        printer.warn(&format!(
            "the search stopped at its time budget after {} directories (raise --budget, or \
             narrow it with --search DIR)",
            known.searched_dirs
        ));
    }
}

/// Archives no root uses: their count and on-disk bytes.
pub fn unused_archives(snap: &Snapshot, usage: &Usage) -> (u64, u64) {
    snap.entries
        .iter()
        .filter(|e| e.kind == EntryKind::Archive && !usage.used_by.contains_key(&e.id))
        .fold((0, 0), |(n, b), e| (n + 1, b + e.sizes.disk_bytes))
}

fn list(global: &GlobalArgs, search: &SearchArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let snap = open_snapshot(global, printer)?;
    let known = known_roots(&snap, search, printer);
    let usage = usage(&snap, known.roots.clone());
    let (unused, unused_bytes) = unused_archives(&snap, &usage);
    if global.json {
        printer.json(&json!({
            "roots": usage.roots,
            "gone": known.gone,
            "searched_dirs": known.searched_dirs,
            "timed_out": known.timed_out,
            "unused_archives": { "count": unused, "disk_bytes": unused_bytes },
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    report_known(&known, printer);
    if usage.roots.is_empty() {
        printer.out("No roots known. `uvcache roots --discover` looks for environments under the home directory.")?;
    } else {
        let now = SystemTime::now();
        let mut table = Table::new(
            &[
                "ROOT",
                "KIND",
                "PYTHON",
                "PACKAGES",
                "FROM CACHE",
                "USES",
                "LAST INSTALL",
            ],
            &[false, false, false, true, true, true, false],
        );
        for r in &usage.roots {
            table.row(vec![
                Escaped(&r.root.path).to_string(),
                r.root.kind.as_str().to_string(),
                r.python.clone().unwrap_or_else(|| "-".into()),
                r.distributions.len().to_string(),
                r.from_cache().to_string(),
                bytes(r.uses_disk_bytes),
                if r.exists {
                    age(now, r.installed_at)
                } else {
                    "gone".into()
                },
            ]);
        }
        for line in table.render(printer) {
            printer.out(&line)?;
        }
    }
    printer.out("")?;
    printer.out(&printer.paint(
        Tone::Dim,
        &format!(
            "{} archives ({}) are used by no known root.",
            unused,
            bytes(unused_bytes)
        ),
    ))?;
    Ok(ExitCode::SUCCESS)
}
