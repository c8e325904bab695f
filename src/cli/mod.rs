//! Command-line front end: parse, resolve settings, dispatch, exit code.

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use output::Printer;

use crate::engine::layout::UvVersion;

const SIZES_HELP: &str = "\
Sizes:
  logical      apparent bytes (file lengths), hard links counted once
  on disk      allocated bytes, hard links counted once (what `du -s -B1` and
               `uv cache size` report)
  reclaimable  on-disk bytes that removing the thing would free now: files
               still hard-linked from elsewhere (e.g. virtual environments
               installed with uv's default link mode) are not counted";

/// Explore and manage uv's package cache.
///
/// With no command, opens the interactive browser on a terminal and prints
/// `size` otherwise.
#[derive(Debug, Parser)]
#[command(name = "uvcache", version, about, long_about = None, after_long_help = SIZES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    global: GlobalArgs,
}

/// Flags every command accepts, before or after the command name.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Path to the cache (default: found as uv finds it).
    #[arg(long, global = true, env = "UVCACHE_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Classify buckets as this uv release would (default: `uv --version` of
    /// the uv on PATH, else inferred from the buckets present).
    #[arg(long, global = true, value_name = "X.Y.Z", value_parser = uv_version_flag)]
    uv_version: Option<UvVersion>,
    /// Print machine-readable JSON on stdout (schema in the README).
    #[arg(long, global = true)]
    json: bool,
    /// Use colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print less (no progress, no warnings).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Print more (how the cache was found, scan statistics).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Scan threads (default: 8 per core, at least 8, at most 64: a cold cache waits on the disk).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// Measure every archive again instead of reusing the index of the last
    /// scan (reclaimable sizes then reflect today's hard-link counts); the
    /// index is rewritten.
    #[arg(long, global = true, conflicts_with = "no_index")]
    rescan: bool,
    /// Neither read nor write the scan index (`$XDG_STATE_HOME/uvcache/index`;
    /// `UVCACHE_INDEX_DIR` moves it).
    #[arg(long, global = true, env = "UVCACHE_NO_INDEX", value_parser = clap::builder::BoolishValueParser::new())]
    no_index: bool,
}

/// Parses `--uv-version`, refusing a release older than the bucket table: no
/// such uv release exists, and no bucket names are known for it.
fn uv_version_flag(s: &str) -> Result<UvVersion, String> {
    let version: UvVersion = s.parse()?;
    let oldest = crate::engine::layout::oldest_release();
    if version < oldest {
        return Err(format!(
            "uv {version} is older than every release uvcache knows the bucket names of (the oldest is {oldest})"
        ));
    }
    Ok(version)
}

impl GlobalArgs {
    /// How scans use the persistent index.
    pub fn index_mode(&self) -> crate::engine::scan::store::IndexMode {
        use crate::engine::scan::store::IndexMode;
        if self.no_index {
            IndexMode::Off
        } else if self.rescan {
            IndexMode::Rebuild
        } else {
            IndexMode::Use
        }
    }
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the cache directory (with -v, the rule that chose it).
    Dir(commands::dir::DirArgs),
    /// Total and per-bucket sizes: logical, on disk, reclaimable.
    #[command(after_long_help = SIZES_HELP)]
    Size(commands::size::SizeArgs),
    /// One row per cached package: versions, sources, sizes, entry times.
    #[command(after_long_help = SIZES_HELP)]
    List(commands::list::ListArgs),
    /// Every cache entry of one package, in every bucket.
    #[command(after_long_help = SIZES_HELP)]
    Show(commands::show::ShowArgs),
    /// Remove packages from the cache (all of it without a package), as
    /// `uv cache clean` does, under uv's lock; --dry-run shows the plan.
    Clean(commands::clean::CleanArgs),
    /// Remove what nothing uses (dangling revisions, other uv versions'
    /// buckets, cached environments, unreferenced archives), as `uv cache prune`.
    Prune(commands::prune::PruneArgs),
    /// Will the next `uv sync` / `uv pip install` rebuild the project's local
    /// packages? Compares uv's recorded cache info with the current one, key by key.
    Why(commands::why::WhyArgs),
    /// Have uv fetch, rebuild and reinstall packages (`uv sync` in a project, else
    /// `uv pip install`), then show what changed in the cache.
    Refresh(commands::refresh::RefreshArgs),
    /// Check the cache and an environment: same filesystem? which link mode works? do locks
    /// work? how are installed files tied to the cache? With advice.
    Doctor(commands::doctor::DoctorArgs),
    /// What `prune --ci` keeps and drops here, the cache size a CI job saves before and after,
    /// and cache configuration for GitHub Actions and GitLab CI.
    Ci(commands::ci::CiArgs),
    /// The environments that install from this cache (tools, projects, venvs, cached
    /// environments) and what each one uses; `roots add|remove` registers and forgets.
    Roots(commands::roots::RootsArgs),
    /// Check every archive against its RECORD (hashes, sizes, missing and extra files) and
    /// uv's records against their format; name the environments sharing a modified file;
    /// --fix removes what is damaged.
    Verify(commands::verify::VerifyArgs),
    /// Print a shell completion script: `uvcache completions bash > ~/.local/share/bash-completion/completions/uvcache`
    /// (zsh: into a directory on `$fpath` as `_uvcache`; fish: `~/.config/fish/completions/uvcache.fish`).
    Completions(commands::extras::CompletionsArgs),
    /// Print the manual page (`uvcache man | man -l -`), or write every page with --dir.
    Man(commands::extras::ManArgs),
    /// Browse the cache interactively: overview, packages, entries, and
    /// previews of clean / prune (the default on a terminal).
    #[cfg(feature = "tui")]
    Tui(commands::tui::TuiArgs),
}

/// Runs the command line and returns the process exit code
/// (0 ok, 1 nothing matched, 2 error, including output that could not be
/// written).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let printer = Printer::new(cli.global.color, cli.global.quiet, cli.global.verbose);
    let result = match cli.command {
        Some(Command::Dir(args)) => commands::dir::run(&cli.global, &args, &printer),
        Some(Command::Size(args)) => commands::size::run(&cli.global, &args, &printer),
        Some(Command::List(args)) => commands::list::run(&cli.global, &args, &printer),
        Some(Command::Show(args)) => commands::show::run(&cli.global, &args, &printer),
        Some(Command::Clean(args)) => commands::clean::run(&cli.global, &args, &printer),
        Some(Command::Prune(args)) => commands::prune::run(&cli.global, &args, &printer),
        Some(Command::Why(args)) => commands::why::run(&cli.global, &args, &printer),
        Some(Command::Refresh(args)) => commands::refresh::run(&cli.global, &args, &printer),
        Some(Command::Doctor(args)) => commands::doctor::run(&cli.global, &args, &printer),
        Some(Command::Ci(args)) => commands::ci::run(&cli.global, &args, &printer),
        Some(Command::Roots(args)) => commands::roots::run(&cli.global, &args, &printer),
        Some(Command::Verify(args)) => commands::verify::run(&cli.global, &args, &printer),
        Some(Command::Completions(args)) => commands::extras::completions(&args),
        Some(Command::Man(args)) => commands::extras::man(&args),
        #[cfg(feature = "tui")]
        Some(Command::Tui(args)) => commands::tui::run(&cli.global, &args, &printer),
        #[cfg(feature = "tui")]
        None if commands::tui::wanted(&cli.global) => {
            commands::tui::run(&cli.global, &commands::tui::TuiArgs::default(), &printer)
        }
        None => commands::size::run(&cli.global, &commands::size::SizeArgs::default(), &printer),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            printer.error(&err);
            ExitCode::from(2)
        }
    };
    // A warning or error that could not be written (`2>/dev/full`) still
    // makes the run fail, as a failed write to stdout does.
    if output::stderr_failed() {
        return ExitCode::from(2);
    }
    code
}
