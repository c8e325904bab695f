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

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
