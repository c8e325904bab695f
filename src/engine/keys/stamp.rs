//! File and directory stamps as uv records them in cache info.

use std::fs::Metadata;
use std::path::Path;

use crate::engine::formats::{DirStamp, Timestamp};

/// A file's change stamp: the status-change time (`ctime`, seconds and nanoseconds) on Unix, the
/// modification time elsewhere. `chmod`, `touch` and renames all move `ctime`.
pub fn file_timestamp(meta: &Metadata) -> Timestamp {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Timestamp {
            secs: meta.ctime(),
            nanos: u32::try_from(meta.ctime_nsec()).unwrap_or(0),
        }
    }
    #[cfg(not(unix))]
    {
        meta.modified()
            .ok()
            .map(timestamp_of_system_time)
            .unwrap_or(Timestamp { secs: 0, nanos: 0 })
    }
}

/// Converts a `SystemTime` into a stored timestamp.
pub fn timestamp_of_system_time(t: std::time::SystemTime) -> Timestamp {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => Timestamp {
            secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nanos: d.subsec_nanos(),
        },
        Err(e) => {
            let d = e.duration();
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            if d.subsec_nanos() == 0 {
                Timestamp {
                    secs: -secs,
                    nanos: 0,
                }
            } else {
                Timestamp {
                    secs: -secs - 1,
                    nanos: 1_000_000_000 - d.subsec_nanos(),
                }
            }
        }
    }
}

/// A directory key's stamp: its creation time where the platform and file system record one,
/// else (on Unix) its inode number; `Missing` when it does not exist. `None` when the path is not
/// a directory or cannot be inspected (uv then leaves the key out).
pub fn dir_stamp(path: &Path) -> Option<DirStamp> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(DirStamp::Missing),
        Err(_) => return None,
    };
    if !meta.is_dir() {
        return None;
    }
    if let Some(created) = created(path, &meta) {
        return Some(DirStamp::Created(created));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(DirStamp::Inode(meta.ino()))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The birth time (Linux: `statx` with `STATX_BTIME`, if the file system reports it).
#[cfg(target_os = "linux")]
fn created(path: &Path, _meta: &Metadata) -> Option<Timestamp> {
    use rustix::fs::{AtFlags, CWD, StatxFlags, statx};
    let st = statx(
        CWD,
        path,
        AtFlags::empty(),
        StatxFlags::BASIC_STATS | StatxFlags::BTIME,
    )
    .ok()?;
    if st.stx_mask & StatxFlags::BTIME.bits() == 0 || st.stx_btime.tv_nsec >= 1_000_000_000 {
        return None;
    }
    Some(Timestamp {
        secs: st.stx_btime.tv_sec,
        nanos: st.stx_btime.tv_nsec,
    })
}

/// The birth time as the standard library reports it.
#[cfg(not(target_os = "linux"))]
fn created(_path: &Path, meta: &Metadata) -> Option<Timestamp> {
    meta.created().ok().map(timestamp_of_system_time)
}
