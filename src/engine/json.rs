//! How engine values are written in JSON: paths as strings, times as
//! seconds since the epoch. A leaf module: it uses no other engine module.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Serializes a path as text, replacing bytes that are not UTF-8 (JSON
/// strings must be Unicode; the lossy form still names the file for a person).
pub fn ser_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// Serializes paths as strings (lossy for non-UTF-8 names).
pub fn ser_paths<S: serde::Serializer>(ps: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ps.iter().map(|p| p.to_string_lossy()))
}

/// Serializes an optional time as seconds since the epoch (or null).
pub fn ser_time<S: serde::Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t.and_then(unix_secs) {
        Some(v) => s.serialize_i64(v),
        None => s.serialize_none(),
    }
}

/// Renders a `SystemTime` as seconds since the epoch for JSON.
pub fn unix_secs(t: SystemTime) -> Option<i64> {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok(),
        Err(e) => i64::try_from(e.duration().as_secs()).ok().map(|s| -s),
    }
}

/// Serializes an optional path as a string (or null).
pub fn ser_opt_path<S: serde::Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => ser_path(p, s),
        None => s.serialize_none(),
    }
}

/// The time `ns` nanoseconds after the epoch (None when out of range).
pub fn time_of_ns(ns: i128) -> Option<SystemTime> {
    let d = std::time::Duration::from_nanos(u64::try_from(ns).ok()?);
    SystemTime::UNIX_EPOCH.checked_add(d)
}
