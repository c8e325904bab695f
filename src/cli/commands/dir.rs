//! `uvcache dir`: where the cache is and why.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::super::{GlobalArgs, Printer};
use super::locate_root;
use crate::text::Escaped;

/// Arguments of `uvcache dir`.
#[derive(Debug, Args, Default)]
pub struct DirArgs {}

/// Prints the cache root; with `-v` the rule that chose it.
pub fn run(global: &GlobalArgs, _args: &DirArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let root = locate_root(global, printer)?;
    if global.json {
        let file = match &root.rule {
            crate::engine::locate::RootRule::Config { file } => Some(file),
            _ => None,
        };
        let rule = serde_json::to_value(&root.rule)?;
        printer.json(&json!({
            "root": root.path.to_string_lossy(),
            "rule": rule.get("rule"),
            "file": file.map(|f| f.to_string_lossy()),
            "exists": root.path.is_dir(),
        }))?;
    } else {
        printer.out(&Escaped(&root.path).to_string())?;
        if printer.verbose() > 0 {
            let exists = if root.path.is_dir() {
                ""
            } else {
                " (does not exist yet)"
            };
            printer.note(&format!("found by: {}{exists}", root.rule));
        }
    }
    Ok(ExitCode::SUCCESS)
}
