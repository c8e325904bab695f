//! uv's small records in the current buckets, decoded as uv reads them: wheel pointers
//! (`.http`, `.rev`), wheel metadata (`.msgpack`), source revision pointers (`revision.http`,
//! `revision.rev`), `metadata.msgpack`, the stored HTTP policies of Simple API and flat-index
//! pages, and interpreter query results. A record that does not decode is one uv cannot read
//! either ("Failed to deserialize cache entry").

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::formats::container::split_container;
use crate::engine::formats::pointers::{
    decode_archive_pointer, decode_interpreter, decode_local_revision_pointer, decode_metadata,
    decode_path_archive_pointer, decode_revision,
};
use crate::engine::formats::policy::decode_policy;
use crate::engine::layout::{BucketKind, TopLevel};
use crate::engine::model::Snapshot;
use crate::engine::scan::buckets::read::read_policy;
use crate::engine::scan::walk::{MAX_SMALL_FILE, read_regular};

/// One record uv cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DamagedRecord {
    /// Path relative to the cache root.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// What it is (`wheel-pointer`, `wheel-metadata`, `revision-pointer`, `metadata`,
    /// `simple-page`, `flat-index-page`, `interpreter`).
    pub kind: &'static str,
    /// Why it cannot be read.
    pub message: String,
}

/// How a file is read.
#[derive(Debug, Clone, Copy)]
enum Decoder {
    /// An HTTP container around a wheel pointer.
    HttpArchive,
    /// A plain wheel pointer of a local wheel.
    RevArchive,
    /// An HTTP container around metadata.
    HttpMetadata,
    /// An HTTP container around a source revision.
    HttpRevision,
    /// A plain local revision pointer.
    LocalRevision,
    /// Plain metadata.
    Metadata,
    /// An HTTP container whose payload uv reads lazily (pages): its policy.
    Policy,
    /// An interpreter query result.
    Interpreter,
}

impl Decoder {
    fn kind(self) -> &'static str {
        match self {
            Decoder::HttpArchive | Decoder::RevArchive => "wheel-pointer",
            Decoder::HttpMetadata => "wheel-metadata",
            Decoder::HttpRevision | Decoder::LocalRevision => "revision-pointer",
            Decoder::Metadata => "metadata",
            Decoder::Policy => "page",
            Decoder::Interpreter => "interpreter",
        }
    }
}

/// Which decoder a file of a bucket of `kind` named `name` needs.
fn decoder_for(kind: BucketKind, name: &str) -> Option<Decoder> {
    match kind {
        BucketKind::Wheels => {
            if name.ends_with(".http") {
                Some(Decoder::HttpArchive)
            } else if name.ends_with(".rev") {
                Some(Decoder::RevArchive)
            } else if name.ends_with(".variant.msgpack") || name.starts_with("variants-json-") {
                Some(Decoder::Policy)
            } else if name.ends_with(".msgpack") {
                Some(Decoder::HttpMetadata)
            } else {
                None
            }
        }
        BucketKind::Sdists => match name {
            "revision.http" => Some(Decoder::HttpRevision),
            "revision.rev" => Some(Decoder::LocalRevision),
            "metadata.msgpack" => Some(Decoder::Metadata),
            _ => None,
        },
        BucketKind::Simple => name.ends_with(".rkyv").then_some(Decoder::Policy),
        BucketKind::FlatIndex => name.ends_with(".msgpack").then_some(Decoder::Policy),
        BucketKind::Interpreter => name.ends_with(".msgpack").then_some(Decoder::Interpreter),
        _ => None,
    }
}

/// Decodes one file; the reason it cannot be read.
fn decode(path: &Path, decoder: Decoder) -> Result<(), String> {
    if let Decoder::Policy = decoder {
        // Pages can be megabytes: only their policy is read, as the scan does.
        return read_policy(path).map(drop);
    }
    let bytes = read_regular(path, MAX_SMALL_FILE).map_err(|e| e.to_string())?;
    let http = |bytes: &[u8]| -> Result<Vec<u8>, String> {
        let c = split_container(bytes)?;
        decode_policy(c.policy, c.format).map_err(|e| format!("cache policy: {e}"))?;
        Ok(c.payload.to_vec())
    };
    match decoder {
        Decoder::HttpArchive => decode_archive_pointer(&http(&bytes)?).map(drop),
        Decoder::RevArchive => decode_path_archive_pointer(&bytes).map(drop),
        Decoder::HttpMetadata => decode_metadata(&http(&bytes)?).map(drop),
        Decoder::HttpRevision => decode_revision(&http(&bytes)?).map(drop),
        Decoder::LocalRevision => decode_local_revision_pointer(&bytes).map(drop),
        Decoder::Metadata => decode_metadata(&bytes).map(drop),
        Decoder::Interpreter => decode_interpreter(&bytes).map(drop),
        Decoder::Policy => Ok(()),
    }
}

/// The records of the current buckets that cannot be decoded, in path order; `wanted`
/// chooses files by their path relative to the root. Returns them and how many records were
/// read.
pub fn check_records(snap: &Snapshot, wanted: &dyn Fn(&Path) -> bool) -> (Vec<DamagedRecord>, u64) {
    let root = &snap.root.path;
    let mut files: Vec<(PathBuf, Decoder)> = Vec::new();
    for bucket in &snap.buckets {
        let Some(kind) = bucket.kind else { continue };
        let decoded = matches!(
            kind,
            BucketKind::Wheels
                | BucketKind::Sdists
                | BucketKind::Simple
                | BucketKind::FlatIndex
                | BucketKind::Interpreter
        );
        if bucket.class != TopLevel::Current || !decoded {
            continue;
        }
        collect(&root.join(&bucket.name), kind, &mut files);
    }
    files.retain(|(p, _)| wanted(p.strip_prefix(root).unwrap_or(p)));
    let checked = files.len() as u64;
    let mut out: Vec<DamagedRecord> = files
        .par_iter()
        .filter_map(|(path, decoder)| {
            let message = match decode(path, *decoder) {
                Ok(()) => return None,
                // Removed by uv since it was listed.
                Err(_) if std::fs::symlink_metadata(path).is_err() => return None,
                Err(m) => m,
            };
            Some(DamagedRecord {
                path: path.strip_prefix(root).unwrap_or(path).to_path_buf(),
                kind: decoder.kind(),
                message,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    (out, checked)
}

/// The files of a bucket of `kind` below `dir` that a decoder reads; never into unpacked
/// sources or through symbolic links.
fn collect(dir: &Path, kind: BucketKind, out: &mut Vec<(PathBuf, Decoder)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let Ok(t) = e.file_type() else { continue };
        let name = e.file_name();
        let name = name.to_string_lossy();
        if t.is_dir() {
            if !(kind == BucketKind::Sdists && name == "src") {
                collect(&e.path(), kind, out);
            }
        } else if t.is_file()
            && let Some(d) = decoder_for(kind, &name)
        {
            out.push((e.path(), d));
        }
    }
}
