//! The known roots of a cache: those found now (uv's tool directory, the cache's own
//! environments, the current project, an optional discovery walk), and those remembered from
//! earlier runs; what is found is remembered, what vanished is forgotten and returned.

use std::path::PathBuf;
use std::time::Duration;

use super::store::{self, Remembered};
use super::{Discovery, FoundBy, Root, discover, roots_file, tool_dir};
use crate::engine::model::Snapshot;

/// Where to walk for environments beyond the usual places.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Directories to walk (none: no walk).
    pub dirs: Vec<PathBuf>,
    /// Levels below each.
    pub max_depth: usize,
    /// Time budget.
    pub budget: Duration,
}

/// The known roots and how finding them went.
#[derive(Debug, Clone, Default)]
pub struct KnownRoots {
    /// Every root, each once.
    pub roots: Vec<Root>,
    /// Remembered roots that no longer exist.
    pub gone: Vec<Remembered>,
    /// Directories the discovery walk read.
    pub searched_dirs: u64,
    /// Whether the walk stopped at its time budget.
    pub timed_out: bool,
    /// Why the roots could not be remembered, if they could not.
    pub store_error: Option<String>,
}

/// Finds the roots of `snap`'s cache, remembers what was found, forgets what is gone;
/// `progress` hears how many directories the walk has read.
pub fn known_roots(snap: &Snapshot, walk: &Walk, progress: &dyn Fn(u64)) -> KnownRoots {
    find(snap, walk, progress, true)
}

/// [`known_roots`] without writing the remembered roots (for views that only look).
pub fn known_roots_read_only(snap: &Snapshot) -> KnownRoots {
    find(snap, &Walk::default(), &|_| {}, false)
}

fn find(snap: &Snapshot, walk: &Walk, progress: &dyn Fn(u64), remember: bool) -> KnownRoots {
    let discovery = Discovery {
        cache_root: snap.root.path.clone(),
        tool_dir: tool_dir(&|k| std::env::var(k).ok()),
        cwd: std::env::current_dir().ok(),
        search: walk.dirs.clone(),
        max_depth: walk.max_depth,
        budget: walk.budget,
    };
    let found = discover(&discovery, progress);
    // Environments inside the cache come and go with uv's own prune: not remembered.
    let lasting: Vec<Root> = found
        .roots
        .iter()
        .filter(|r| r.found_by != FoundBy::Cache)
        .cloned()
        .collect();
    let mut roots = found.roots.clone();
    let mut gone = vec![];
    let mut store_error = None;
    let file = roots_file()
        .ok_or_else(|| "no state directory to remember roots in (set UVCACHE_STATE_DIR)".into());
    let stored = file.and_then(|file| {
        if remember {
            store::update(&file, |f| {
                let gone = f.drop_vanished();
                f.remember(&lasting, false);
                gone
            })
        } else {
            let mut f = store::load(&file)?;
            let gone = f.drop_vanished();
            Ok((f, gone))
        }
    });
    match stored {
        Ok((file, dropped)) => {
            roots.extend(file.as_roots());
            gone = dropped;
        }
        Err(e) => store_error = Some(e),
    }
    super::discover::dedup(&mut roots);
    KnownRoots {
        roots,
        gone,
        searched_dirs: found.searched_dirs,
        timed_out: found.timed_out,
        store_error,
    }
}
