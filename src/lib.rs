//! uvcache: explore and manage uv's package cache.
//!
//! [`engine`] is the library: it locates, scans and attributes a cache and has
//! no terminal dependencies. [`cli`] is the command-line front end.

pub mod cli;
pub mod engine;
