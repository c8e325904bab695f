//! MessagePack payloads written by uv: wheel and source pointers, cache info, metadata and
//! interpreter records.
//!
//! Everything is decoded into an [`rmpv::Value`] first and then read field by field, so that
//! every historical encoding can be accepted: positional arrays (optionally with extra trailing
//! fields written by newer releases) as well as the string-keyed maps some 0.12 releases used.
//! No decoder here panics on malformed input; each returns a short reason instead.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use rmpv::Value;
use serde::Serialize;

use super::container::split_container;
use super::policy::{CachePolicy, decode_policy};
use crate::engine::error::{Error, Result};

/// Nesting limit for the MessagePack decoder (uv's records are only a few levels deep).
const MAX_DEPTH: usize = 64;

type R<T> = std::result::Result<T, String>;

/// One hash of a downloaded artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashDigest {
    /// The algorithm as uv spells it (`Sha256`, `Sha512`, `Md5`, ...).
    pub algorithm: String,
    /// The lowercase hex digest.
    pub digest: String,
}

/// Pointer from a wheel cache entry to its unpacked archive (`archive-v0/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivePointer {
    /// The archive id (directory name under `archive-v0/`).
    pub id: String,
    /// Hashes computed while downloading.
    pub hashes: Vec<HashDigest>,
    /// The wheel filename (absent before uv 0.6.4).
    pub filename: Option<String>,
    /// The archive bucket version (absent before uv 0.6.0).
    pub archive_version: Option<u8>,
    /// The downloaded size in bytes (absent before uv 0.12 or when unknown).
    pub size: Option<u64>,
}

/// A point in time as stored by uv: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Timestamp {
    /// Whole seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second (always below 1e9 when decoded).
    pub nanos: u32,
}

impl Timestamp {
    /// Converts to a [`SystemTime`], or `None` if it is not representable on this platform.
    pub fn to_system_time(&self) -> Option<SystemTime> {
        let secs = Duration::from_secs(self.secs.unsigned_abs());
        let base = if self.secs >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(secs)?
        } else {
            SystemTime::UNIX_EPOCH.checked_sub(secs)?
        };
        base.checked_add(Duration::from_nanos(u64::from(self.nanos)))
    }
}

/// Pointer from a local wheel file's cache entry (`.rev`) to its archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathArchivePointer {
    /// The wheel file's timestamp when it was cached.
    pub timestamp: Option<Timestamp>,
    /// The archive pointer.
    pub archive: ArchivePointer,
}

/// A source-distribution revision (the `<rev>/` directory name and download facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// The revision id (directory name next to the pointer).
    pub id: String,
    /// Hashes of the source archive.
    pub hashes: Vec<HashDigest>,
    /// The downloaded size in bytes, if known.
    pub size: Option<u64>,
}

/// State of one directory listed in a local source's cache keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DirStamp {
    /// Creation/change timestamp of the directory.
    Created(Timestamp),
    /// Inode number of the directory.
    Inode(u64),
    /// The directory did not exist.
    Missing,
}

/// Freshness inputs recorded for a local source tree or file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CacheInfo {
    /// Latest timestamp of the tracked files.
    pub timestamp: Option<Timestamp>,
    /// Git commit of the source tree, if tracked.
    pub commit: Option<String>,
    /// Git tags (tag → commit), if tracked.
    pub tags: Option<BTreeMap<String, String>>,
    /// Tracked environment variables and their values.
    pub env: BTreeMap<String, Option<String>>,
    /// Tracked directories and their stamps.
    pub directories: BTreeMap<String, DirStamp>,
}

/// Pointer from a local source's cache shard (`revision.rev`) to its current revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalRevisionPointer {
    /// The freshness inputs the revision was built from.
    pub cache_info: CacheInfo,
    /// The current revision.
    pub revision: Revision,
}

/// Core package metadata as cached by uv.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolutionMetadata {
    /// The normalized package name.
    pub name: String,
    /// The version.
    pub version: String,
    /// PEP 508 requirement strings.
    pub requires_dist: Vec<String>,
    /// The `Requires-Python` specifiers.
    pub requires_python: Option<String>,
    /// Extras the package provides.
    pub provides_extra: Vec<String>,
    /// Whether some fields are dynamic (metadata not final).
    pub dynamic: bool,
}

/// The parts of a cached interpreter query an explorer needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterpreterInfo {
    /// Timestamp of the interpreter executable when queried.
    pub timestamp: Option<Timestamp>,
    /// `sys.executable` of the interpreter.
    pub sys_executable: Option<String>,
    /// `sys.prefix` of the interpreter.
    pub sys_prefix: Option<String>,
}

/// Decodes the wheel pointer stored as the payload of a wheel `.http` entry.
pub fn decode_archive_pointer(payload: &[u8]) -> std::result::Result<ArchivePointer, String> {
    archive_pointer(&read_msgpack(payload)?)
}

/// Decodes a wheel `.rev` file (whole file) for a wheel taken from a local path.
pub fn decode_path_archive_pointer(
    bytes: &[u8],
) -> std::result::Result<PathArchivePointer, String> {
    let value = read_msgpack(bytes)?;
    let fields = Fields::of(&value, "path archive pointer")?;
    let timestamp = optional(fields.get(0, "timestamp"), timestamp).map_err(ctx("timestamp"))?;
    let archive = archive_pointer(fields.require(1, "archive")?).map_err(ctx("archive"))?;
    Ok(PathArchivePointer { timestamp, archive })
}

/// Decodes the source revision stored as the payload of a `revision.http` entry.
pub fn decode_revision(payload: &[u8]) -> std::result::Result<Revision, String> {
    revision(&read_msgpack(payload)?)
}

/// Decodes a `revision.rev` file (whole file) of a local source.
pub fn decode_local_revision_pointer(
    bytes: &[u8],
) -> std::result::Result<LocalRevisionPointer, String> {
    let value = read_msgpack(bytes)?;
    let fields = Fields::of(&value, "local revision pointer")?;
    let cache_info = cache_info(fields.require(0, "cache_info")?).map_err(ctx("cache_info"))?;
    let revision = revision(fields.require(1, "revision")?).map_err(ctx("revision"))?;
    Ok(LocalRevisionPointer {
        cache_info,
        revision,
    })
}

/// Decodes package metadata: a whole `metadata.msgpack` file or a wheel `.msgpack` payload.
pub fn decode_metadata(bytes: &[u8]) -> std::result::Result<ResolutionMetadata, String> {
    let value = read_msgpack(bytes)?;
    let fields = Fields::of(&value, "metadata")?;
    Ok(ResolutionMetadata {
        name: string(fields.require(0, "name")?).map_err(ctx("name"))?,
        version: string(fields.require(1, "version")?).map_err(ctx("version"))?,
        requires_dist: optional(fields.get(2, "requires_dist"), string_list)
            .map_err(ctx("requires_dist"))?
            .unwrap_or_default(),
        requires_python: optional(fields.get(3, "requires_python"), string)
            .map_err(ctx("requires_python"))?,
        provides_extra: optional(fields.get(4, "provides_extra"), string_list)
            .map_err(ctx("provides_extra"))?
            .unwrap_or_default(),
        dynamic: optional(fields.get(5, "dynamic"), boolean)
            .map_err(ctx("dynamic"))?
            .unwrap_or(false),
    })
}

/// Decodes an `interpreter-vN/**.msgpack` file (whole file: `[timestamp, info]`).
///
/// The interpreter record's layout changes between releases, so the two paths are located
/// heuristically:
///
/// 1. Find an array holding the marker-environment map (a map with a `sys_platform` or
///    `implementation_name` key) at index `m`. In every layout seen so far the record continues
///    with scheme, virtualenv scheme, a bool, then `sys_prefix` at `m + 4`, `base_exec_prefix`,
///    `base_prefix`, `sys_base_executable` and `sys_executable` at `m + 8` (0.13.9: `info[1][0]`,
///    `info[1][4]`, `info[1][8]`; 0.12.24: `info[1]`, `info[5]`, `info[9]`).
/// 2. Otherwise, `sys_executable` is the last string (depth-first) that looks like a Python
///    executable (`…/bin/python*` or `…python.exe`). The last one is used because the base
///    interpreter's executable comes before the environment's own; `sys_prefix` stays unknown.
pub fn decode_interpreter(bytes: &[u8]) -> std::result::Result<InterpreterInfo, String> {
    let value = read_msgpack(bytes)?;
    let fields = Fields::of(&value, "interpreter entry")?;
    let timestamp = optional(fields.get(0, "timestamp"), timestamp).map_err(ctx("timestamp"))?;
    let info = fields.require(1, "info")?;
    let (sys_executable, sys_prefix) = match find_by_markers(info, 0) {
        Some((exe, prefix)) => (Some(exe), prefix),
        None => (last_python_executable(info, 0), None),
    };
    Ok(InterpreterInfo {
        timestamp,
        sys_executable,
        sys_prefix,
    })
}

/// Reads an HTTP cache container file and returns its decoded policy and a copy of its payload.
pub fn read_http_file(path: &Path) -> Result<(CachePolicy, Vec<u8>)> {
    let bytes = crate::engine::read::read_regular(path, 64 << 20)
        .map_err(|e| Error::io("read", path, e))?;
    let container = split_container(&bytes).map_err(|reason| Error::decode(path, reason))?;
    let policy = decode_policy(container.policy, container.format)
        .map_err(|reason| Error::decode(path, format!("cache policy: {reason}")))?;
    Ok((policy, container.payload.to_vec()))
}

// ---------------------------------------------------------------------------------------------
// Generic helpers.

/// Decodes exactly one MessagePack value spanning all of `bytes`.
fn read_msgpack(bytes: &[u8]) -> R<Value> {
    if bytes.is_empty() {
        return Err("empty input".to_string());
    }
    let mut rest = bytes;
    let value = rmpv::decode::read_value_with_max_depth(&mut rest, MAX_DEPTH)
        .map_err(|e| format!("invalid MessagePack: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes of trailing data after the MessagePack value (an HTTP container?)",
            rest.len()
        ));
    }
    Ok(value)
}

/// Prefixes an error with the field it concerns.
fn ctx(field: &'static str) -> impl Fn(String) -> String {
    move |e| format!("{field}: {e}")
}

/// A struct encoded either positionally (array) or with string keys (map).
enum Fields<'a> {
    Array(&'a [Value]),
    Map(&'a [(Value, Value)]),
}

impl<'a> Fields<'a> {
    fn of(value: &'a Value, what: &str) -> R<Self> {
        match value {
            Value::Array(items) => Ok(Fields::Array(items)),
            Value::Map(entries) => Ok(Fields::Map(entries)),
            other => Err(format!(
                "{what}: expected an array or map, found {}",
                kind(other)
            )),
        }
    }

    /// The field at `index` (array) or named `key` (map), if present.
    fn get(&self, index: usize, key: &str) -> Option<&'a Value> {
        match self {
            Fields::Array(items) => items.get(index),
            Fields::Map(entries) => map_get(entries, key),
        }
    }

    fn require(&self, index: usize, key: &str) -> R<&'a Value> {
        self.get(index, key)
            .ok_or_else(|| format!("missing field `{key}`"))
    }
}

fn map_get<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Boolean(_) => "bool",
        Value::Integer(_) => "integer",
        Value::F32(_) | Value::F64(_) => "float",
        Value::String(_) => "string",
        Value::Binary(_) => "binary",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        Value::Ext(..) => "extension",
    }
}

/// Applies `f` to a present, non-nil value; missing and nil both give `None`.
fn optional<T>(value: Option<&Value>, f: impl Fn(&Value) -> R<T>) -> R<Option<T>> {
    match value {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => f(v).map(Some),
    }
}

fn string(value: &Value) -> R<String> {
    match value {
        Value::String(s) => s
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "string is not UTF-8".to_string()),
        other => Err(format!("expected a string, found {}", kind(other))),
    }
}

fn string_list(value: &Value) -> R<Vec<String>> {
    match value {
        Value::Array(items) => items.iter().map(string).collect(),
        other => Err(format!(
            "expected an array of strings, found {}",
            kind(other)
        )),
    }
}

fn boolean(value: &Value) -> R<bool> {
    value
        .as_bool()
        .ok_or_else(|| format!("expected a bool, found {}", kind(value)))
}

fn unsigned(value: &Value) -> R<u64> {
    value
        .as_u64()
        .ok_or_else(|| format!("expected an unsigned integer, found {}", kind(value)))
}

fn string_map<T>(value: &Value, f: impl Fn(&Value) -> R<T>) -> R<BTreeMap<String, T>> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| {
                let key = string(k).map_err(|e| format!("map key: {e}"))?;
                let val = f(v).map_err(|e| format!("`{key}`: {e}"))?;
                Ok((key, val))
            })
            .collect(),
        other => Err(format!("expected a map, found {}", kind(other))),
    }
}

// ---------------------------------------------------------------------------------------------
// Record decoders.

/// `[secs, nanos]` (or a `{secs_since_epoch, nanos_since_epoch}` map).
fn timestamp(value: &Value) -> R<Timestamp> {
    let (secs, nanos) = match value {
        Value::Array(items) => (items.first(), items.get(1)),
        Value::Map(entries) => (
            map_get(entries, "secs_since_epoch"),
            map_get(entries, "nanos_since_epoch"),
        ),
        other => return Err(format!("expected a timestamp, found {}", kind(other))),
    };
    let secs = secs
        .and_then(Value::as_i64)
        .ok_or_else(|| "timestamp seconds missing or not an integer".to_string())?;
    let nanos = nanos
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n < 1_000_000_000)
        .ok_or_else(|| "timestamp nanoseconds missing or out of range".to_string())?;
    Ok(Timestamp { secs, nanos })
}

/// `["Sha256", "<hex>"]` (0.12), `{"Sha256": "<hex>"}` (0.13) or `{algorithm, digest}`.
fn hash_digest(value: &Value) -> R<HashDigest> {
    let (algorithm, digest) = match value {
        Value::Array(items) => match items.as_slice() {
            [algorithm, digest, ..] => (algorithm, digest),
            _ => return Err("hash digest array has fewer than two elements".to_string()),
        },
        Value::Map(entries) => {
            match (
                map_get(entries, "algorithm"),
                map_get(entries, "digest"),
                entries.as_slice(),
            ) {
                (Some(a), Some(d), _) => (a, d),
                (_, _, [(a, d)]) => (a, d),
                _ => return Err(format!("hash digest map with {} entries", entries.len())),
            }
        }
        other => return Err(format!("expected a hash digest, found {}", kind(other))),
    };
    Ok(HashDigest {
        algorithm: string(algorithm).map_err(ctx("algorithm"))?,
        digest: string(digest).map_err(ctx("digest"))?,
    })
}

fn hash_digests(value: &Value) -> R<Vec<HashDigest>> {
    match value {
        Value::Array(items) => items.iter().map(hash_digest).collect(),
        other => Err(format!("expected a list of hashes, found {}", kind(other))),
    }
}

fn archive_version(value: &Value) -> R<u8> {
    let n = unsigned(value)?;
    u8::try_from(n).map_err(|_| format!("archive version {n} out of range"))
}

/// The wheel pointer in any of its historical encodings (format notes §5.5).
fn archive_pointer(value: &Value) -> R<ArchivePointer> {
    let fields = Fields::of(value, "archive pointer")?;
    let id = string(fields.require(0, "id")?).map_err(ctx("id"))?;
    let hashes = hash_digests(fields.require(1, "hashes")?).map_err(ctx("hashes"))?;
    // uv 0.6.0–0.6.3 wrote `[id, hashes, version]`: an integer where later releases put the
    // filename.
    if let Fields::Array(items) = &fields
        && let Some(third @ Value::Integer(_)) = items.get(2)
    {
        return Ok(ArchivePointer {
            id,
            hashes,
            filename: None,
            archive_version: Some(archive_version(third).map_err(ctx("version"))?),
            size: None,
        });
    }
    // The keyed encoding (0.12.2+) always names the wheel; without it the map is most likely a
    // source revision (`{id, hashes, size}`), not a wheel pointer.
    if matches!(fields, Fields::Map(_)) && fields.get(2, "filename").is_none() {
        return Err("missing field `filename`".to_string());
    }
    Ok(ArchivePointer {
        id,
        hashes,
        filename: optional(fields.get(2, "filename"), string).map_err(ctx("filename"))?,
        archive_version: optional(fields.get(3, "version"), archive_version)
            .map_err(ctx("version"))?,
        size: optional(fields.get(4, "size"), unsigned).map_err(ctx("size"))?,
    })
}

/// A source revision: `[id, hashes, size?]` or `{id, hashes, size}`.
fn revision(value: &Value) -> R<Revision> {
    let fields = Fields::of(value, "revision")?;
    Ok(Revision {
        id: string(fields.require(0, "id")?).map_err(ctx("id"))?,
        hashes: optional(fields.get(1, "hashes"), hash_digests)
            .map_err(ctx("hashes"))?
            .unwrap_or_default(),
        size: optional(fields.get(2, "size"), unsigned).map_err(ctx("size"))?,
    })
}

fn dir_stamp(value: &Value) -> R<DirStamp> {
    match value {
        Value::Nil => Ok(DirStamp::Missing),
        Value::Integer(_) => Ok(DirStamp::Inode(unsigned(value)?)),
        other => timestamp(other).map(DirStamp::Created),
    }
}

/// `[timestamp, commit, tags, env, directories]`; missing trailing fields are left empty.
fn cache_info(value: &Value) -> R<CacheInfo> {
    let fields = Fields::of(value, "cache info")?;
    Ok(CacheInfo {
        timestamp: optional(fields.get(0, "timestamp"), timestamp).map_err(ctx("timestamp"))?,
        commit: optional(fields.get(1, "commit"), string).map_err(ctx("commit"))?,
        tags: optional(fields.get(2, "tags"), |v| string_map(v, string)).map_err(ctx("tags"))?,
        env: optional(fields.get(3, "env"), |v| {
            string_map(v, |x| optional(Some(x), string))
        })
        .map_err(ctx("env"))?
        .unwrap_or_default(),
        directories: optional(fields.get(4, "directories"), |v| string_map(v, dir_stamp))
            .map_err(ctx("directories"))?
            .unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------------
// Interpreter heuristics.

fn is_marker_map(value: &Value) -> bool {
    matches!(value, Value::Map(entries)
        if map_get(entries, "sys_platform").is_some()
            || map_get(entries, "implementation_name").is_some())
}

/// Step 1 of the heuristic in [`decode_interpreter`]: (sys_executable, sys_prefix).
fn find_by_markers(value: &Value, depth: usize) -> Option<(String, Option<String>)> {
    let Value::Array(items) = value else {
        return None;
    };
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(m) = items.iter().position(is_marker_map) {
        let exe = items.get(m + 8).and_then(Value::as_str);
        if let Some(exe) = exe.filter(|s| !s.is_empty()) {
            let prefix = items.get(m + 4).and_then(Value::as_str).map(str::to_string);
            return Some((exe.to_string(), prefix));
        }
    }
    items
        .iter()
        .find_map(|item| find_by_markers(item, depth + 1))
}

fn looks_like_python_executable(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if lower.ends_with("python.exe") {
        return true;
    }
    match lower.rfind("/bin/python") {
        Some(i) => lower
            .get(i + "/bin/".len()..)
            .is_some_and(|name| !name.contains('/')),
        None => false,
    }
}

/// Step 2 of the heuristic in [`decode_interpreter`].
fn last_python_executable(value: &Value, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match value {
        Value::String(s) => s
            .as_str()
            .filter(|s| looks_like_python_executable(s))
            .map(str::to_string),
        Value::Array(items) => items
            .iter()
            .rev()
            .find_map(|v| last_python_executable(v, depth + 1)),
        Value::Map(entries) => entries
            .iter()
            .rev()
            .find_map(|(_, v)| last_python_executable(v, depth + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, value).expect("encoding into a Vec cannot fail");
        out
    }

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    fn arr(items: Vec<Value>) -> Value {
        Value::Array(items)
    }

    fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (s(k), v)).collect())
    }

    #[test]
    fn archive_pointer_all_encodings() {
        let h12 = arr(vec![arr(vec![s("Sha256"), s("ab")])]);
        let h13 = arr(vec![map(vec![("Sha256", s("ab"))])]);
        let digest = vec![HashDigest {
            algorithm: "Sha256".into(),
            digest: "ab".into(),
        }];

        let old = decode_archive_pointer(&encode(&arr(vec![s("id1"), h12.clone()]))).expect("ok");
        assert_eq!(old.filename, None);
        assert_eq!(old.hashes, digest);

        let v06 =
            decode_archive_pointer(&encode(&arr(vec![s("id1"), h12.clone(), Value::from(0)])))
                .expect("ok");
        assert_eq!(v06.archive_version, Some(0));
        assert_eq!(v06.filename, None);

        let v011 = arr(vec![
            s("id1"),
            h12.clone(),
            s("a-1-py3-none-any.whl"),
            Value::from(0),
        ]);
        let v011 = decode_archive_pointer(&encode(&v011)).expect("ok");
        assert_eq!(v011.filename.as_deref(), Some("a-1-py3-none-any.whl"));
        assert_eq!(v011.size, None);

        let m = map(vec![
            ("id", s("id1")),
            ("hashes", h12),
            ("filename", s("a-1-py3-none-any.whl")),
            ("version", Value::from(0)),
            ("size", Value::from(42)),
        ]);
        let m = decode_archive_pointer(&encode(&m)).expect("ok");
        assert_eq!(m.size, Some(42));
        assert_eq!(m.hashes, digest);

        // A keyed source revision is not a wheel pointer.
        let rev = map(vec![
            ("id", s("id1")),
            ("hashes", arr(vec![])),
            ("size", Value::from(1)),
        ]);
        assert!(decode_archive_pointer(&encode(&rev)).is_err());
        assert_eq!(
            decode_revision(&encode(&rev)).expect("revision").size,
            Some(1)
        );

        let v13 = arr(vec![
            s("id1"),
            h13,
            s("a-1-py3-none-any.whl"),
            Value::from(0),
            Value::Nil,
            s("future field"),
        ]);
        let v13 = decode_archive_pointer(&encode(&v13)).expect("ok");
        assert_eq!(v13.hashes, digest);
        assert_eq!(v13.size, None);
        assert_eq!(v13.archive_version, Some(0));
    }

    #[test]
    fn malformed_inputs_fail() {
        let bad: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xc1],
            vec![0x92],
            vec![0xdd, 0xff, 0xff, 0xff, 0xff],
            vec![0xdb, 0xff, 0xff, 0xff, 0xff],
            encode(&s("just a string")),
            encode(&arr(vec![])),
            encode(&arr(vec![Value::from(1), arr(vec![])])),
            encode(&arr(vec![s("id"), arr(vec![Value::from(3)])])),
            encode(&arr(vec![s("id"), arr(vec![]), s("f"), Value::from(300)])),
        ];
        for b in &bad {
            assert!(decode_archive_pointer(b).is_err(), "{b:?}");
            assert!(decode_path_archive_pointer(b).is_err(), "{b:?}");
            assert!(decode_revision(b).is_err(), "{b:?}");
            assert!(decode_local_revision_pointer(b).is_err(), "{b:?}");
            assert!(decode_metadata(b).is_err(), "{b:?}");
            assert!(decode_interpreter(b).is_err(), "{b:?}");
        }
        // Trailing data is refused.
        let mut b = encode(&arr(vec![s("id"), arr(vec![])]));
        b.push(0xc0);
        assert!(decode_revision(&b).is_err());
        // Deep nesting is refused without overflowing the stack.
        let deep = vec![0x91u8; 100_000];
        assert!(decode_metadata(&deep).is_err());
    }

    #[test]
    fn timestamps() {
        assert!(timestamp(&arr(vec![Value::from(1), Value::from(1_000_000_000)])).is_err());
        assert!(timestamp(&arr(vec![Value::from(1)])).is_err());
        let t = timestamp(&arr(vec![Value::from(1_700_000_000), Value::from(5)])).expect("ok");
        let st = t.to_system_time().expect("representable");
        assert_eq!(
            st.duration_since(SystemTime::UNIX_EPOCH)
                .expect("after epoch"),
            Duration::new(1_700_000_000, 5)
        );
        let extreme = Timestamp {
            secs: i64::MAX,
            nanos: 999_999_999,
        };
        let _ = extreme.to_system_time();
        let extreme = Timestamp {
            secs: i64::MIN,
            nanos: u32::MAX,
        };
        let _ = extreme.to_system_time();
    }

    #[test]
    fn local_revision_pointer_short_cache_info() {
        let v = arr(vec![
            arr(vec![arr(vec![Value::from(10), Value::from(20)])]),
            arr(vec![s("rev1"), arr(vec![])]),
        ]);
        let p = decode_local_revision_pointer(&encode(&v)).expect("ok");
        assert_eq!(
            p.cache_info.timestamp,
            Some(Timestamp {
                secs: 10,
                nanos: 20
            })
        );
        assert!(p.cache_info.env.is_empty() && p.cache_info.directories.is_empty());
        assert_eq!(p.revision.id, "rev1");

        let v = arr(vec![
            arr(vec![
                Value::Nil,
                s("0123456789012345678901234567890123456789"),
                map(vec![("v1", s("abc"))]),
                map(vec![("CI", Value::Nil), ("X", s("1"))]),
                map(vec![
                    ("a", Value::from(77)),
                    ("b", Value::Nil),
                    ("c", arr(vec![Value::from(1), Value::from(2)])),
                ]),
            ]),
            map(vec![
                ("id", s("rev2")),
                ("hashes", arr(vec![])),
                ("size", Value::from(9)),
            ]),
        ]);
        let p = decode_local_revision_pointer(&encode(&v)).expect("ok");
        assert_eq!(
            p.cache_info.directories.get("a"),
            Some(&DirStamp::Inode(77))
        );
        assert_eq!(p.cache_info.directories.get("b"), Some(&DirStamp::Missing));
        assert_eq!(
            p.cache_info.directories.get("c"),
            Some(&DirStamp::Created(Timestamp { secs: 1, nanos: 2 }))
        );
        assert_eq!(p.cache_info.env.get("CI"), Some(&None));
        assert_eq!(p.revision.size, Some(9));
    }

    #[test]
    fn interpreter_fallback_picks_last_executable() {
        let info = arr(vec![
            s("/usr/bin/python3.12"),
            arr(vec![
                s("/home/u/venv/bin/python"),
                s("/home/u/venv/lib/python3.12"),
            ]),
        ]);
        let v = arr(vec![arr(vec![Value::from(1), Value::from(0)]), info]);
        let i = decode_interpreter(&encode(&v)).expect("ok");
        assert_eq!(i.sys_executable.as_deref(), Some("/home/u/venv/bin/python"));
        assert_eq!(i.sys_prefix, None);
        assert!(looks_like_python_executable("C:\\Py\\python.exe"));
        assert!(!looks_like_python_executable("/usr/bin/python3/lib"));
    }
}
