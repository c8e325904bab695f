//! `uvcache tui`: the interactive terminal browser (also `uvcache` with no
//! command on a terminal).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;

use super::super::{ColorChoice, GlobalArgs, Printer};
use crate::engine::locate::{LocateOptions, locate};
use crate::tui::effects::CrossCheck;

/// Arguments of `uvcache tui`.
#[derive(Debug, Args, Default)]
pub struct TuiArgs {}

/// Whether `uvcache` with no command should open the terminal UI: both
/// stdin and stdout are terminals and no JSON was asked for.
pub fn wanted(global: &GlobalArgs) -> bool {
    !global.json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Locates the cache and runs the terminal UI on it.
pub fn run(global: &GlobalArgs, _args: &TuiArgs, _printer: &Printer) -> anyhow::Result<ExitCode> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        anyhow::bail!(
            "the terminal UI needs a terminal on stdin and stdout; `uvcache size`, `list` and `show` print reports"
        );
    }
    let opts = LocateOptions::from_process(global.cache_dir.clone())?;
    let root = locate(&opts)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color,
    };
    crate::tui::run(crate::tui::Settings {
        root,
        uv_version: global.uv_version,
        threads: global.threads.unwrap_or(0),
        index: global.index_mode(),
        color,
        cross_check: Some(CrossCheck {
            cache_dir: global.cache_dir.clone(),
            cwd: opts.cwd,
        }),
    })?;
    Ok(ExitCode::SUCCESS)
}
