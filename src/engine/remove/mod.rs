//! Removing from the cache: what to remove (plans, surgical selections),
//! uv's lock, and applying a plan under it.
//!
//! The order is uv's: take the exclusive lock, then decide. A plan shown for
//! confirmation before the lock was held is selected again under the lock,
//! and only what both selections contain is removed (see [`apply`]).

pub mod apply;
pub mod execute;
mod fsops;
pub mod lock;
pub mod plan;
pub mod policy;
pub mod rules;
pub mod select;

pub use apply::{Applied, Drift, apply};
