//! Reading uv's small files during planning: decode problems are counted and
//! the file is treated as unknown data, never fatal.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::PlanCtx;
use crate::engine::formats::container::{ContainerFormat, split_container, split_v13_tail};
use crate::engine::formats::pointers::{
    ArchivePointer, LocalRevisionPointer, PathArchivePointer, ResolutionMetadata, Revision,
    decode_archive_pointer, decode_local_revision_pointer, decode_metadata,
    decode_path_archive_pointer, decode_revision,
};
use crate::engine::formats::policy::{CachePolicy, decode_policy};

impl PlanCtx<'_, '_> {
    fn decoded<T>(&self, path: &Path, r: Result<T, String>) -> Option<T> {
        r.map_err(|reason| self.walk.decode_error(path, &reason))
            .ok()
    }

    /// A wheel `.http` pointer and the URL it was downloaded from.
    pub fn http_archive_pointer(&self, path: &Path) -> Option<(ArchivePointer, Option<String>)> {
        let bytes = self.read(path)?;
        let c = self.decoded(path, split_container(&bytes))?;
        let uri = decode_policy(c.policy, c.format).ok().map(|p| p.uri);
        let pointer = self.decoded(path, decode_archive_pointer(c.payload))?;
        Some((pointer, uri))
    }

    /// A wheel `.rev` pointer (local wheel file).
    pub fn rev_archive_pointer(&self, path: &Path) -> Option<PathArchivePointer> {
        let bytes = self.read(path)?;
        self.decoded(path, decode_path_archive_pointer(&bytes))
    }

    /// A wheel `.msgpack` (metadata behind an HTTP container).
    pub fn http_metadata(&self, path: &Path) -> Option<ResolutionMetadata> {
        let bytes = self.read(path)?;
        let c = self.decoded(path, split_container(&bytes))?;
        self.decoded(path, decode_metadata(c.payload))
    }

    /// A plain `metadata.msgpack`.
    pub fn metadata(&self, path: &Path) -> Option<ResolutionMetadata> {
        let bytes = self.read(path)?;
        self.decoded(path, decode_metadata(&bytes))
    }

    /// An sdists `revision.http` and the URL it was fetched from.
    pub fn http_revision(&self, path: &Path) -> Option<(Revision, Option<String>)> {
        let bytes = self.read(path)?;
        let c = self.decoded(path, split_container(&bytes))?;
        let uri = decode_policy(c.policy, c.format).ok().map(|p| p.uri);
        let rev = self.decoded(path, decode_revision(c.payload))?;
        Some((rev, uri))
    }

    /// An sdists `revision.rev`.
    pub fn local_revision(&self, path: &Path) -> Option<LocalRevisionPointer> {
        let bytes = self.read(path)?;
        self.decoded(path, decode_local_revision_pointer(&bytes))
    }

    /// The stored HTTP policy of a container file, reading only its tail (the
    /// payload of a Simple API page can be megabytes).
    pub fn policy_of(&self, path: &Path) -> Option<CachePolicy> {
        match read_policy_tail(path) {
            Ok((policy, format)) => self.decoded(path, decode_policy(&policy, format)),
            Err(TailError::Io(e)) => {
                self.walk.io_error(path, &e);
                None
            }
            Err(TailError::Format(reason)) => {
                self.walk.decode_error(path, &reason);
                None
            }
        }
    }
}

/// The stored HTTP policy of a container file, reading only its tail.
pub fn read_policy(path: &Path) -> Result<CachePolicy, String> {
    match read_policy_tail(path) {
        Ok((policy, format)) => decode_policy(&policy, format),
        Err(TailError::Io(e)) => Err(e.to_string()),
        Err(TailError::Format(reason)) => Err(reason),
    }
}

enum TailError {
    Io(std::io::Error),
    Format(String),
}

impl From<std::io::Error> for TailError {
    fn from(e: std::io::Error) -> Self {
        TailError::Io(e)
    }
}

/// Reads the policy region at the end of an HTTP container without reading its
/// payload, for both container formats.
fn read_policy_tail(path: &Path) -> Result<(Vec<u8>, ContainerFormat), TailError> {
    let mut file: File = crate::engine::read::open_regular(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            TailError::Format(e.to_string())
        } else {
            TailError::Io(e)
        }
    })?;
    let meta = file.metadata()?;
    let size = meta.len();
    if size < 8 {
        return Err(TailError::Format(format!(
            "{size} bytes is too short for a cache entry"
        )));
    }
    file.seek(SeekFrom::Start(size - 8))?;
    let mut last = [0u8; 8];
    file.read_exact(&mut last)?;
    let n = u64::from_le_bytes(last);
    // 0.13: `n` is the payload length; the tail after it is small.
    if size >= 12 && n <= size - 12 && size - n <= 1 << 20 {
        let mut tail = vec![0u8; usize::try_from(size - n).unwrap_or(0)];
        file.seek(SeekFrom::Start(n))?;
        file.read_exact(&mut tail)?;
        match split_v13_tail(&tail, n) {
            Ok(Some(t)) => return Ok((t.policy.to_vec(), ContainerFormat::V13)),
            Ok(None) => {}
            Err(reason) => return Err(TailError::Format(reason)),
        }
    }
    // 0.12: `n` is the policy length, right before the last 8 bytes.
    if n <= size - 8 && n <= 1 << 20 {
        let mut policy = vec![0u8; usize::try_from(n).unwrap_or(0)];
        file.seek(SeekFrom::Start(size - 8 - n))?;
        file.read_exact(&mut policy)?;
        return Ok((policy, ContainerFormat::V12));
    }
    Err(TailError::Format(
        "trailing length does not fit the file".into(),
    ))
}
