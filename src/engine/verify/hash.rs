//! File digests as `RECORD` writes them: `sha256=` followed by the digest in URL-safe base64
//! without padding (PEP 376, PEP 627). `sha384` and `sha512` are accepted too.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256, Sha384, Sha512};

/// A digest algorithm a `RECORD` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `sha256` (what wheels use).
    Sha256,
    /// `sha384`.
    Sha384,
    /// `sha512`.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name in `RECORD`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }
}

/// The hash field of a `RECORD` line, split: `None` for an empty field (a file the
/// installer writes, or `RECORD` itself), an error for an algorithm that cannot be checked.
pub fn parse_hash(field: &str) -> Result<Option<(Algorithm, String)>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    let (algo, value) = field
        .split_once('=')
        .ok_or_else(|| format!("hash `{field}` has no algorithm"))?;
    let algo = match algo.to_ascii_lowercase().as_str() {
        "sha256" => Algorithm::Sha256,
        "sha384" => Algorithm::Sha384,
        "sha512" => Algorithm::Sha512,
        other => return Err(format!("unsupported hash algorithm `{other}`")),
    };
    Ok(Some((algo, value.trim_end_matches('=').to_string())))
}

/// URL-safe base64 without padding.
pub fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// `algo=<base64>` as a `RECORD` writes it.
pub fn record_hash(algo: Algorithm, digest: &[u8]) -> String {
    format!("{}={}", algo.name(), b64(digest))
}

/// Hashes everything `reader` yields with `algo`, using `buf`; returns the digest and the
/// number of bytes read.
pub fn digest_reader(
    algo: Algorithm,
    reader: &mut dyn Read,
    buf: &mut [u8],
) -> std::io::Result<(Vec<u8>, u64)> {
    fn run<D: Digest>(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<(Vec<u8>, u64)> {
        let mut hasher = D::new();
        let mut total = 0u64;
        loop {
            let n = match reader.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            hasher.update(&buf[..n]);
            total += n as u64;
        }
        Ok((hasher.finalize().to_vec(), total))
    }
    match algo {
        Algorithm::Sha256 => run::<Sha256>(reader, buf),
        Algorithm::Sha384 => run::<Sha384>(reader, buf),
        Algorithm::Sha512 => run::<Sha512>(reader, buf),
    }
}

/// Opens a regular file for hashing without following a symbolic link and without blocking
/// on a FIFO or a device.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        opts.custom_flags(flags.bits() as i32);
    }
    let file = opts.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_as_record_writes_them() {
        assert_eq!(b64(b""), "");
        assert_eq!(b64(b"f"), "Zg");
        assert_eq!(b64(b"fo"), "Zm8");
        assert_eq!(b64(b"foo"), "Zm9v");
        assert_eq!(b64(&[0xfb, 0xff]), "-_8");
        let mut buf = [0u8; 4];
        let (d, n) = digest_reader(Algorithm::Sha256, &mut &b"hello\n"[..], &mut buf).unwrap();
        assert_eq!(n, 6);
        // `python -c 'import hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha256(b"hello\n").digest()))'`
        assert_eq!(
            record_hash(Algorithm::Sha256, &d),
            "sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM"
        );
        assert_eq!(
            parse_hash("sha256=abc=").unwrap(),
            Some((Algorithm::Sha256, "abc".into()))
        );
        assert_eq!(parse_hash("").unwrap(), None);
        assert!(parse_hash("md5=x").is_err());
        assert!(parse_hash("nohash").is_err());
    }
}
