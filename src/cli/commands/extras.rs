//! `uvcache completions SHELL` and `uvcache man`: shell completions and the manual page,
//! generated from the command-line definition itself, so they never fall behind it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::super::Cli;

/// Arguments of `uvcache completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell, elvish.
    #[arg(value_enum)]
    shell: Shell,
}

/// Arguments of `uvcache man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `uvcache.1` and one page per command (`uvcache-clean.1`, ...) into this
    /// directory instead of printing `uvcache.1`.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "uvcache", &mut out);
    std::io::stdout().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the manual page, or writes every page into a directory.
pub fn man(args: &ManArgs) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    match &args.dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            std::io::stdout().write_all(&out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            clap_mangen::generate_to(cmd, dir)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
