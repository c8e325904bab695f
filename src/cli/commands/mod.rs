//! One file, one function per subcommand; shared set-up here.

pub mod ci;
pub mod clean;
pub mod dir;
pub mod doctor;
pub mod extras;
pub mod list;
pub mod prune;
pub mod refresh;
pub mod remove;
pub mod roots;
pub mod show;
pub mod size;
#[cfg(feature = "tui")]
pub mod tui;
pub mod verify;
pub mod why;

use std::sync::atomic::AtomicBool;

use anyhow::Context;

use super::GlobalArgs;
use super::output::{Printer, bytes};
use crate::engine::error::Error;
use crate::engine::locate::{
    CacheRoot, LocateOptions, RootVerdict, locate, recognize, same_dir, uv_cache_dir,
};
use crate::engine::model::Snapshot;
use crate::engine::scan::{ScanOptions, scan, top_level_dirs};
use crate::engine::uv::{find_uv, resolve_release};
use crate::text::Escaped;

/// Locates the cache and, when uv is on PATH, warns if uv disagrees.
pub fn locate_root(global: &GlobalArgs, printer: &Printer) -> anyhow::Result<CacheRoot> {
    let opts = LocateOptions::from_process(global.cache_dir.clone())?;
    let root = locate(&opts)?;
    if let Some(uv) = find_uv()
        && let Some(theirs) = uv_cache_dir(&uv, global.cache_dir.as_deref())
        && !same_dir(&theirs, &root.path, &opts.cwd)
    {
        printer.warn(&format!(
            "`{} cache dir` says `{}`, but uvcache found `{}` ({}); using uvcache's answer",
            Escaped(&uv),
            Escaped(&theirs),
            Escaped(&root.path),
            root.rule
        ));
    }
    Ok(root)
}

/// Refuses to remove from a root that is not a directory, and from a directory
/// that holds entries but neither a `CACHEDIR.TAG` nor a uv bucket unless
/// `--allow-non-cache-dir` is given (`--dry-run` only warns). A missing or an
/// empty directory passes: there is nothing to remove.
pub fn check_removable(
    root: &CacheRoot,
    flags: &remove::RemoveFlags,
    printer: &Printer,
) -> anyhow::Result<()> {
    let verdict = recognize(&root.path)?;
    if verdict == RootVerdict::NotADirectory {
        return Err(Error::InvalidCacheDir {
            setting: root.rule.to_string(),
            reason: format!("`{}` is not a directory", root.path.display()),
        }
        .into());
    }
    let Some(refusal) = verdict.refusal(&root.path) else {
        return Ok(());
    };
    if flags.allow_non_cache_dir {
        printer.warn(&format!(
            "{refusal}; removing from it anyway (--allow-non-cache-dir)"
        ));
    } else if flags.dry_run {
        printer.warn(&format!(
            "{refusal}; without --dry-run the removal is refused unless --allow-non-cache-dir is given"
        ));
    } else {
        anyhow::bail!(
            "{refusal}. Nothing was removed. It was found by {}; point --cache-dir or \
             UV_CACHE_DIR at uv's cache, or pass --allow-non-cache-dir if this really is one",
            root.rule
        );
    }
    Ok(())
}

/// Locates and scans the cache, with progress on stderr.
pub fn open_snapshot(global: &GlobalArgs, printer: &Printer) -> anyhow::Result<Snapshot> {
    let root = locate_root(global, printer)?;
    let dirs = top_level_dirs(&root.path);
    let uv = resolve_release(global.uv_version, find_uv().as_deref(), &dirs);
    if let Some(warning) = uv.table_warning() {
        printer.warn(&warning);
    }
    let opts = ScanOptions {
        threads: global.threads.unwrap_or(0),
        index: global.index_mode(),
        index_file: None,
    };
    let cancel = AtomicBool::new(false);
    let reporter = printer.scan_reporter();
    let result = scan(&root, uv, &opts, &reporter, &cancel);
    reporter.finish();
    let snap = result.with_context(|| {
        format!(
            "cannot scan the cache (found by {}); point elsewhere with --cache-dir or UV_CACHE_DIR",
            root.rule
        )
    })?;
    let e = &snap.errors;
    if e.total() > 0 {
        printer.warn(&format!(
            "{} problems while scanning: {} vanished (uv running?), {} unreadable, {} undecodable{}",
            e.total(),
            e.vanished,
            e.unreadable,
            e.undecodable,
            if printer.verbose() > 0 { "" } else { " (-v lists them)" }
        ));
        for s in &e.samples {
            printer.info(&format!("  {}: {}", Escaped(&s.path), s.message));
        }
    }
    let ix = &snap.index;
    if ix.not_a_file
        && let Some(why) = &ix.ignored
    {
        printer.warn(&format!(
            "the scan index was not read: {why}; {}",
            match &ix.write_error {
                Some(e) => format!("a new one could not be written ({e})"),
                None => "it was replaced by a new one".to_string(),
            }
        ));
    }
    if let Some(path) = &ix.path {
        printer.info(&format!(
            "scan index {}: {} archives reused, {} walked; {} pointer directories reused, {} remembered{}{}{}",
            Escaped(&path),
            ix.archives_reused,
            ix.archives_walked,
            ix.dirs_reused,
            ix.dirs_remembered,
            ix.ignored
                .as_deref()
                .map(|w| format!("; the old index was not used: {w}"))
                .unwrap_or_default(),
            if ix.written_bytes > 0 {
                format!("; rewritten ({})", bytes(ix.written_bytes))
            } else {
                String::new()
            },
            ix.write_error
                .as_deref()
                .map(|e| format!("; not saved: {e}"))
                .unwrap_or_default(),
        ));
    }
    printer.info(&format!(
        "scanned {} entries, {} files, {} in {} ms",
        snap.entries.len(),
        snap.total.files,
        bytes(snap.total.disk_bytes),
        snap.elapsed_ms
    ));
    Ok(snap)
}
