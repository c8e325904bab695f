//! The cache engine: locate, scan, attribute and measure a uv cache.
//!
//! Plain data in, plain data out: nothing here draws, parses command lines or
//! writes to the terminal.

pub mod ci;
pub mod doctor;
pub mod error;
pub mod formats;
pub mod freshness;
pub mod json;
pub mod keys;
pub mod layout;
pub mod locate;
pub mod model;
pub mod names;
pub mod progress;
pub mod project;
pub mod query;
pub mod read;
pub mod refresh;
pub mod remove;
pub mod report;
pub mod roots;
pub mod scan;
pub mod uv;
pub mod verify;
pub mod why;
