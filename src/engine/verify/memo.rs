//! Digests remembered between runs, by file identity: `(device, inode, size, modification
//! time, change time)`. Any write to a file moves its change time (and so does a new hard
//! link or a `chmod`), so a file whose identity is unchanged holds the bytes it held when it
//! was hashed. Kept in one small file beside the scan index (`<digest>.verify`); a file that
//! cannot be read, or fails its checksum, is ignored and everything is hashed again.
//!
//! Format: `UVCVFY01`, `u64` count, `count` records of `dev, ino, size: u64, mtime, ctime:
//! i64 (nanoseconds), sha256: [u8; 32]`, then a CRC-32 of everything before it; little-endian.

use std::io::Write;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::engine::scan::walk::read_regular;

const MAGIC: &[u8; 8] = b"UVCVFY01";
const RECORD_LEN: usize = 8 * 5 + 32;
/// The largest memo file read (about 3.7 million files).
const MAX_LEN: u64 = 256 << 20;

/// The identity of a file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileKey {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Length.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: i64,
    /// Change time, nanoseconds since the epoch.
    pub ctime: i64,
}

impl FileKey {
    /// The key of a file's metadata.
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> FileKey {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        FileKey {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.len(),
            mtime: ns(meta.mtime(), meta.mtime_nsec()),
            ctime: ns(meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The key of a file's metadata (no inode numbers here: never matches a remembered one).
    #[cfg(not(unix))]
    pub fn of(meta: &std::fs::Metadata) -> FileKey {
        FileKey {
            dev: 0,
            ino: 0,
            size: meta.len(),
            mtime: 0,
            ctime: 0,
        }
    }
}

/// Remembered SHA-256 digests.
#[derive(Debug, Default)]
pub struct Memo {
    map: FxHashMap<FileKey, [u8; 32]>,
}

impl Memo {
    /// The digest remembered for `key`.
    pub fn get(&self, key: &FileKey) -> Option<&[u8; 32]> {
        self.map.get(key)
    }

    /// Remembers a digest.
    pub fn insert(&mut self, key: FileKey, digest: [u8; 32]) {
        self.map.insert(key, digest);
    }

    /// How many digests it holds.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Keeps only the digests `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&FileKey) -> bool) {
        self.map.retain(|k, _| keep(k));
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.map.len() * RECORD_LEN + 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.map.len() as u64).to_le_bytes());
        let mut entries: Vec<(&FileKey, &[u8; 32])> = self.map.iter().collect();
        entries.sort_by_key(|(k, _)| (k.dev, k.ino));
        for (k, d) in entries {
            out.extend_from_slice(&k.dev.to_le_bytes());
            out.extend_from_slice(&k.ino.to_le_bytes());
            out.extend_from_slice(&k.size.to_le_bytes());
            out.extend_from_slice(&k.mtime.to_le_bytes());
            out.extend_from_slice(&k.ctime.to_le_bytes());
            out.extend_from_slice(d);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Parses a memo file; the error says why it cannot be used.
    pub fn from_bytes(bytes: &[u8]) -> Result<Memo, String> {
        let body_len = bytes
            .len()
            .checked_sub(4)
            .filter(|n| *n >= 16)
            .ok_or("too short")?;
        let (body, crc) = bytes.split_at(body_len);
        if &body[..8] != MAGIC {
            return Err("not a verify memo (or another format)".into());
        }
        let crc = u32::from_le_bytes(crc.try_into().map_err(|_| "too short")?);
        if crc32fast::hash(body) != crc {
            return Err("checksum mismatch".into());
        }
        let count = u64::from_le_bytes(body[8..16].try_into().map_err(|_| "too short")?);
        let records = &body[16..];
        if (records.len() as u64) != count.saturating_mul(RECORD_LEN as u64) {
            return Err(format!(
                "{} record bytes, the header says {count} records",
                records.len()
            ));
        }
        let u = |b: &[u8], i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i * 8..i * 8 + 8]);
            a
        };
        let mut map = FxHashMap::default();
        map.reserve(records.len() / RECORD_LEN);
        for r in records.chunks_exact(RECORD_LEN) {
            let key = FileKey {
                dev: u64::from_le_bytes(u(r, 0)),
                ino: u64::from_le_bytes(u(r, 1)),
                size: u64::from_le_bytes(u(r, 2)),
                mtime: i64::from_le_bytes(u(r, 3)),
                ctime: i64::from_le_bytes(u(r, 4)),
            };
            let mut digest = [0u8; 32];
            digest.copy_from_slice(&r[40..72]);
            map.insert(key, digest);
        }
        Ok(Memo { map })
    }

    /// Reads the memo at `path` (empty when there is none); the error says why it cannot be
    /// used.
    pub fn load(path: &Path) -> Result<Memo, String> {
        match read_regular(path, MAX_LEN) {
            Ok(bytes) => Memo::from_bytes(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Memo::default()),
            Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
        }
    }

    /// Writes the memo to `path` atomically (a temporary file renamed over it); the bytes
    /// written.
    pub fn save(&self, path: &Path) -> Result<u64, String> {
        let dir = path
            .parent()
            .ok_or_else(|| format!("`{}` has no parent directory", path.display()))?;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        let bytes = self.to_bytes();
        let written = (|| -> std::io::Result<()> {
            let mut tmp = tempfile::Builder::new()
                .prefix(".verify.")
                .suffix(".tmp")
                .tempfile_in(dir)?;
            tmp.write_all(&bytes)?;
            tmp.as_file().sync_all()?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        })();
        written.map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        Ok(bytes.len() as u64)
    }
}

/// Where the memo of the cache at `root` lives: beside its scan index.
pub fn memo_path(root: &Path) -> Option<PathBuf> {
    crate::engine::scan::store::index_path(root).map(|p| p.with_extension("verify"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let mut m = Memo::default();
        let key = FileKey {
            dev: 1,
            ino: 2,
            size: 3,
            mtime: -4,
            ctime: 5,
        };
        m.insert(key, [7; 32]);
        let bytes = m.to_bytes();
        let back = Memo::from_bytes(&bytes).unwrap();
        assert_eq!(back.get(&key), Some(&[7; 32]));
        assert_eq!(back.len(), 1);
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert!(Memo::from_bytes(&flipped).unwrap_err().contains("checksum"));
        assert!(Memo::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(Memo::from_bytes(b"").is_err());
        assert!(Memo::from_bytes(&[0u8; 40]).is_err());
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x/m.verify");
        assert!(m.save(&path).unwrap() > 0);
        assert_eq!(Memo::load(&path).unwrap().get(&key), Some(&[7; 32]));
        std::fs::write(&path, b"garbage").unwrap();
        assert!(Memo::load(&path).is_err());
        assert!(Memo::load(&tmp.path().join("none")).unwrap().is_empty());
    }
}
