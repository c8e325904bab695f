//! Typed engine errors; every variant names the path it concerns.

use std::path::PathBuf;

/// An error from the cache engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O operation on `path` failed.
    #[error("{op} `{path}`")]
    Io {
        /// What was being done ("read", "stat", "list", ...).
        op: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file of uv's could not be decoded.
    #[error("cannot decode `{path}`: {reason}")]
    Decode {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A configuration file could not be parsed.
    #[error("invalid configuration in `{path}`: {reason}")]
    Config {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// No cache exists where one was expected.
    #[error("no uv cache at `{path}`")]
    NoCache {
        /// Where we looked.
        path: PathBuf,
    },
    /// The setting that decides the cache root names no usable directory: it is
    /// empty (uv: "cannot make an empty path absolute") or names something that
    /// is not a directory.
    #[error("invalid cache directory from {setting}: {reason}")]
    InvalidCacheDir {
        /// The setting that named it (`--cache-dir`, `UV_CACHE_DIR`, `cache-dir in <file>`).
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A directory to remove from holds entries but nothing of uv's.
    #[error(
        "`{}` does not look like a uv cache: no CACHEDIR.TAG, no uv bucket (found {} other {}: {})",
        path.display(),
        entries,
        if *entries == 1 { "entry" } else { "entries" },
        list_sample(sample, *entries)
    )]
    NotACache {
        /// The directory.
        path: PathBuf,
        /// How many entries it holds (besides uv's `.lock`).
        entries: usize,
        /// The first few entry names, sorted.
        sample: Vec<String>,
    },
    /// The scan was cancelled by the caller.
    #[error("scan cancelled")]
    Cancelled,
    /// Anything else, with an explanation.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Wraps an I/O error with the operation and path.
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// A decode error for `path`.
    pub fn decode(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Decode {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// `a, b, c, …` (the ellipsis when `total` exceeds the names shown).
fn list_sample(sample: &[String], total: usize) -> String {
    let mut out = sample.join(", ");
    if total > sample.len() {
        out.push_str(", …");
    }
    out
}

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
