//! Roots: the environments that install from the cache, and the cache entries each one uses.
//!
//! uv records nowhere which environment a cache entry went into, and link counts say nothing
//! under the clone and copy link modes. So:
//!
//! * [`discover`] finds environments: uv's tool directory, the cache's own `environments-vN`,
//!   the current project's environment, a bounded walk of search directories, and the roots
//!   remembered or registered in uvcache's state directory ([`store`]);
//! * [`map`] ties each installed distribution to the archive it was installed from, by the
//!   content hashes its `RECORD` shares with the archive's own `RECORD`: the same answer for
//!   hard links, clones, copies and symbolic links;
//! * [`usage`] puts both together against a snapshot: which entries each root uses, and the
//!   roots using each entry.

pub mod discover;
pub mod known;
pub mod last_use;
pub mod map;
pub mod store;
pub mod usage;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use discover::{Discovered, Discovery, discover, tool_dir};
pub use known::{KnownRoots, Walk, known_roots, known_roots_read_only};
pub use last_use::{LastUse, LastUses, Signal, last_uses};
pub use map::{ArchivePrints, InstalledDist, map_environment};
pub use store::{Remembered, RootsFile, roots_file};
pub use usage::{RootUsage, Usage, usage};

/// What kind of environment a root is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RootKind {
    /// A project's environment (`.venv` next to a `pyproject.toml`).
    Project,
    /// Another virtual environment.
    Venv,
    /// A `uv tool install` environment.
    Tool,
    /// An environment inside the cache (`uv run --with`, scripts, `uvx`).
    Cached,
}

impl RootKind {
    /// The kind's name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            RootKind::Project => "project",
            RootKind::Venv => "venv",
            RootKind::Tool => "tool",
            RootKind::Cached => "cached",
        }
    }
}

/// How a root became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    /// `uvcache roots add`.
    Registered,
    /// Found by an earlier run and remembered.
    Remembered,
    /// In uv's tool directory.
    ToolDir,
    /// Inside the cache.
    Cache,
    /// The environment of the project around the current directory.
    CurrentProject,
    /// The walk of the search directories.
    Search,
}

/// One environment that may use the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Root {
    /// The environment's directory.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// What it is.
    pub kind: RootKind,
    /// How it became known.
    pub found_by: FoundBy,
}
