//! uvcache: explore and manage uv's package cache.
//!
//! [`engine`] is the library: it locates, scans and attributes a cache and has
//! no terminal dependencies. [`cli`] is the command-line front end and
//! `tui` (feature `tui`, on by default) the interactive terminal browser.
//! [`text`] shows untrusted names and paths safely on a terminal, for both.

pub mod cli;
pub mod engine;
pub mod text;
#[cfg(feature = "tui")]
pub mod tui;
