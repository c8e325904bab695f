//! Hand decoder for the rkyv-archived HTTP `CachePolicy` stored in HTTP cache containers.
//!
//! rkyv lays out the root object at the very end of the archive; strings and vectors live
//! out of line, earlier in the buffer, and are referenced by 32-bit offsets relative to the
//! position of the referencing field. Two root layouts exist, one per container format (see
//! the format notes, §5.3). Every read below is bounds-checked against the policy region, and
//! every relative pointer must land inside it.

use serde::Serialize;

use super::container::ContainerFormat;

/// Size of the archived root object in the 0.13 layout.
const ROOT_SIZE_V13: usize = 200;
/// Size of the archived root object in the 0.12 layout.
const ROOT_SIZE_V12: usize = 320;
/// Size of one archived `(name, value)` vary entry.
const VARY_ENTRY_SIZE: usize = 16;

/// Cache-Control directives recorded for a request or a response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CacheControl {
    /// `max-age`, in seconds.
    pub max_age: Option<u64>,
    /// `max-stale`, in seconds (0.13 stores a value even for the bare directive).
    pub max_stale: Option<u64>,
    /// `min-fresh`, in seconds.
    pub min_fresh: Option<u64>,
    /// `s-maxage`, in seconds.
    pub s_maxage: Option<u64>,
    /// `no-cache`.
    pub no_cache: bool,
    /// `no-store`.
    pub no_store: bool,
    /// `no-transform`.
    pub no_transform: bool,
    /// `only-if-cached`.
    pub only_if_cached: bool,
    /// `must-revalidate` (also set for unparseable numeric values).
    pub must_revalidate: bool,
    /// `must-understand`.
    pub must_understand: bool,
    /// `private`.
    pub private: bool,
    /// `proxy-revalidate`.
    pub proxy_revalidate: bool,
    /// `public`.
    pub public: bool,
    /// `immutable`.
    pub immutable: bool,
}

/// The HTTP method of the cached request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// Any other method.
    Other,
}

/// An entity tag as sent by the server (raw header bytes, quotes included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ETag {
    /// The raw tag bytes.
    pub value: Vec<u8>,
    /// Whether the tag is weak (`W/`).
    pub weak: bool,
}

/// The decoded cache policy of one HTTP cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CachePolicy {
    /// The full request URL.
    pub uri: String,
    /// The request method.
    pub method: Method,
    /// Cache-Control directives sent with the request.
    pub request_cache_control: CacheControl,
    /// Whether the request carried an `Authorization` header.
    pub authorization: bool,
    /// When the request was sent (Unix seconds).
    pub request_time: u64,
    /// The response status code.
    pub status: u16,
    /// Cache-Control directives of the response.
    pub response_cache_control: CacheControl,
    /// The `Age` header, in seconds.
    pub age: Option<u64>,
    /// The `Date` header (Unix seconds).
    pub date: Option<u64>,
    /// The `Expires` header (Unix seconds; 0 when unparseable).
    pub expires: Option<u64>,
    /// The `Last-Modified` header (Unix seconds).
    pub last_modified: Option<u64>,
    /// The `ETag` header.
    pub etag: Option<ETag>,
    /// When the response was received (Unix seconds).
    pub response_time: u64,
    /// Request header values named by the response's `Vary` header (lowercased name, value).
    pub vary: Vec<(String, Vec<u8>)>,
}

/// Decodes the rkyv-archived policy region of a container in the given layout.
pub fn decode_policy(
    policy: &[u8],
    format: ContainerFormat,
) -> std::result::Result<CachePolicy, String> {
    let r = Reader { buf: policy };
    match format {
        ContainerFormat::V13 => decode_v13(r),
        ContainerFormat::V12 => decode_v12(r),
    }
}

/// Bounds-checked little-endian reads over the policy region.
#[derive(Clone, Copy)]
struct Reader<'a> {
    buf: &'a [u8],
}

type R<T> = std::result::Result<T, String>;

impl<'a> Reader<'a> {
    fn bytes(&self, pos: usize, len: usize) -> R<&'a [u8]> {
        pos.checked_add(len)
            .and_then(|end| self.buf.get(pos..end))
            .ok_or_else(|| {
                format!(
                    "read of {len} bytes at {pos} outside policy of {} bytes",
                    self.buf.len()
                )
            })
    }

    fn array<const N: usize>(&self, pos: usize) -> R<[u8; N]> {
        let slice = self.bytes(pos, N)?;
        <[u8; N]>::try_from(slice).map_err(|_| format!("short read at {pos}"))
    }

    fn u8(&self, pos: usize) -> R<u8> {
        Ok(u8::from_le_bytes(self.array::<1>(pos)?))
    }

    fn u16(&self, pos: usize) -> R<u16> {
        Ok(u16::from_le_bytes(self.array(pos)?))
    }

    fn u32(&self, pos: usize) -> R<u32> {
        Ok(u32::from_le_bytes(self.array(pos)?))
    }

    fn i32(&self, pos: usize) -> R<i32> {
        Ok(i32::from_le_bytes(self.array(pos)?))
    }

    fn u64(&self, pos: usize) -> R<u64> {
        Ok(u64::from_le_bytes(self.array(pos)?))
    }

    fn bool(&self, pos: usize, what: &str) -> R<bool> {
        match self.u8(pos)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("{what}: invalid bool byte {b:#04x} at {pos}")),
        }
    }

    /// Resolves a relative pointer stored at `field` to the start of `len` in-bounds bytes.
    fn relative(&self, field: usize, offset: i32, len: usize) -> R<usize> {
        let target = i64::try_from(field)
            .ok()
            .and_then(|f| f.checked_add(i64::from(offset)))
            .and_then(|t| usize::try_from(t).ok())
            .ok_or_else(|| {
                format!("relative pointer at {field} ({offset:+}) points before the policy")
            })?;
        self.bytes(target, len).map_err(|_| {
            format!(
                "relative pointer at {field} ({offset:+}, {len} bytes) points outside the policy"
            )
        })?;
        Ok(target)
    }

    /// An archived string (8 bytes: inline, or out-of-line length + relative offset).
    fn string(&self, pos: usize, what: &str) -> R<String> {
        let raw = self.bytes(pos, 8)?;
        let first = raw.first().copied().unwrap_or(0);
        let data = if first & 0xC0 != 0x80 {
            let end = raw.iter().position(|&b| b == 0xFF).unwrap_or(raw.len());
            raw.get(..end).unwrap_or_default()
        } else {
            let word = self.u32(pos)?;
            let len = (word & 0x3F) | ((word & !0xFF) >> 2);
            let len = usize::try_from(len).map_err(|_| format!("{what}: string too long"))?;
            let offset = self.i32(pos + 4)?;
            let start = self
                .relative(pos, offset, len)
                .map_err(|e| format!("{what}: {e}"))?;
            self.bytes(start, len)?
        };
        String::from_utf8(data.to_vec()).map_err(|_| format!("{what}: string is not UTF-8"))
    }

    /// An archived vector: relative offset and element count; returns (start, count).
    fn vec(&self, pos: usize, elem_size: usize, what: &str) -> R<(usize, usize)> {
        let offset = self.i32(pos)?;
        let count = usize::try_from(self.u32(pos + 4)?).map_err(|_| format!("{what}: too long"))?;
        let total = count
            .checked_mul(elem_size)
            .ok_or_else(|| format!("{what}: length overflow"))?;
        let start = self
            .relative(pos, offset, total)
            .map_err(|e| format!("{what}: {e}"))?;
        Ok((start, count))
    }

    fn byte_vec(&self, pos: usize, what: &str) -> R<Vec<u8>> {
        let (start, count) = self.vec(pos, 1, what)?;
        Ok(self.bytes(start, count)?.to_vec())
    }

    /// An `Option<u64>` archived as a tag byte followed by the value at offset 8.
    fn option_u64(&self, pos: usize, what: &str) -> R<Option<u64>> {
        match self.u8(pos)? {
            0 => Ok(None),
            1 => Ok(Some(self.u64(pos + 8)?)),
            t => Err(format!("{what}: invalid option tag {t} at {pos}")),
        }
    }

    fn method(&self, pos: usize) -> R<Method> {
        match self.u8(pos)? {
            0 => Ok(Method::Get),
            1 => Ok(Method::Head),
            2 => Ok(Method::Other),
            m => Err(format!("invalid method tag {m}")),
        }
    }

    /// `Option<ETag>`: tag byte, then the byte vector at +4 and the weak flag at +12.
    fn etag(&self, pos: usize) -> R<Option<ETag>> {
        match self.u8(pos)? {
            0 => Ok(None),
            1 => Ok(Some(ETag {
                value: self.byte_vec(pos + 4, "etag")?,
                weak: self.bool(pos + 12, "etag.weak")?,
            })),
            t => Err(format!("etag: invalid option tag {t}")),
        }
    }

    /// The list of vary fields, 16 bytes each: name string and value bytes.
    fn vary(&self, pos: usize) -> R<Vec<(String, Vec<u8>)>> {
        let (start, count) = self.vec(pos, VARY_ENTRY_SIZE, "vary")?;
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let entry = start + i * VARY_ENTRY_SIZE;
            let name = self.string(entry, "vary name")?;
            let value = self.byte_vec(entry + 8, "vary value")?;
            out.push((name, value));
        }
        Ok(out)
    }

    /// The root position for a root object of `size` bytes.
    fn root(&self, size: usize) -> R<usize> {
        self.buf.len().checked_sub(size).ok_or_else(|| {
            format!(
                "policy of {} bytes is shorter than its {size}-byte root",
                self.buf.len()
            )
        })
    }
}

/// 0.13 layout: compact cache-control with a flag word.
fn decode_v13(r: Reader<'_>) -> R<CachePolicy> {
    let root = r.root(ROOT_SIZE_V13)?;
    let req = root + 8;
    let resp = root + 80;
    let timing = resp + 48;
    let presence = r.u8(timing + 32)?;
    let timing_field = |bit: u8, off: usize| -> R<Option<u64>> {
        if presence & (1 << bit) != 0 {
            Ok(Some(r.u64(timing + off)?))
        } else {
            Ok(None)
        }
    };
    Ok(CachePolicy {
        uri: r.string(req, "uri")?,
        method: r.method(req + 8)?,
        request_cache_control: cache_control_v13(r, req + 16)?,
        authorization: r.bool(req + 56, "authorization")?,
        request_time: r.u64(req + 64)?,
        status: r.u16(resp)?,
        response_cache_control: cache_control_v13(r, resp + 8)?,
        age: timing_field(0, 0)?,
        date: timing_field(1, 8)?,
        expires: timing_field(2, 16)?,
        last_modified: timing_field(3, 24)?,
        etag: r.etag(resp + 88)?,
        response_time: r.u64(resp + 104)?,
        vary: r.vary(root + 192)?,
    })
}

/// 0.13 CacheControl (40 bytes): four u64 values, then a u16 flag word at +32.
fn cache_control_v13(r: Reader<'_>, pos: usize) -> R<CacheControl> {
    let flags = r.u16(pos + 32)?;
    let bit = |n: u16| flags & (1 << n) != 0;
    let value = |n: u16, off: usize| -> R<Option<u64>> {
        if bit(n) {
            Ok(Some(r.u64(pos + off)?))
        } else {
            Ok(None)
        }
    };
    Ok(CacheControl {
        max_age: value(10, 0)?,
        max_stale: value(11, 8)?,
        min_fresh: value(12, 16)?,
        s_maxage: value(13, 24)?,
        no_cache: bit(0),
        no_store: bit(1),
        no_transform: bit(2),
        only_if_cached: bit(3),
        must_revalidate: bit(4),
        must_understand: bit(5),
        private: bit(6),
        proxy_revalidate: bit(7),
        public: bit(8),
        immutable: bit(9),
    })
}

/// 0.12 layout: options and bools stored one by one.
fn decode_v12(r: Reader<'_>) -> R<CachePolicy> {
    let root = r.root(ROOT_SIZE_V12)?;
    let req = root + 8;
    let resp = root + 128;
    let headers = resp + 8;
    Ok(CachePolicy {
        uri: r.string(req, "uri")?,
        method: r.method(req + 8)?,
        request_cache_control: cache_control_v12(r, req + 16)?,
        authorization: r.bool(req + 104, "authorization")?,
        request_time: r.u64(req + 112)?,
        status: r.u16(resp)?,
        response_cache_control: cache_control_v12(r, headers)?,
        age: r.option_u64(headers + 88, "age")?,
        date: r.option_u64(headers + 104, "date")?,
        expires: r.option_u64(headers + 120, "expires")?,
        last_modified: r.option_u64(headers + 136, "last_modified")?,
        etag: r.etag(headers + 152)?,
        response_time: r.u64(resp + 176)?,
        vary: r.vary(root + 312)?,
    })
}

/// 0.12 CacheControl (88 bytes).
fn cache_control_v12(r: Reader<'_>, pos: usize) -> R<CacheControl> {
    Ok(CacheControl {
        max_age: r.option_u64(pos, "max_age")?,
        no_cache: r.bool(pos + 16, "no_cache")?,
        no_store: r.bool(pos + 17, "no_store")?,
        no_transform: r.bool(pos + 18, "no_transform")?,
        max_stale: r.option_u64(pos + 24, "max_stale")?,
        min_fresh: r.option_u64(pos + 40, "min_fresh")?,
        only_if_cached: r.bool(pos + 56, "only_if_cached")?,
        must_revalidate: r.bool(pos + 57, "must_revalidate")?,
        must_understand: r.bool(pos + 58, "must_understand")?,
        private: r.bool(pos + 59, "private")?,
        proxy_revalidate: r.bool(pos + 60, "proxy_revalidate")?,
        public: r.bool(pos + 61, "public")?,
        s_maxage: r.option_u64(pos + 64, "s_maxage")?,
        immutable: r.bool(pos + 80, "immutable")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal hand-built 0.13 policy: out-of-line uri, inline vary name, strong etag.
    fn sample_v13() -> Vec<u8> {
        let uri = b"http://127.0.0.1:8765/simple/demo/";
        let mut buf = Vec::new();
        buf.extend_from_slice(uri); // 0..34
        buf.extend_from_slice(b"\"e1\""); // 34..38 etag
        buf.extend_from_slice(b"gzip"); // 38..42 vary value
        while buf.len() % 8 != 0 {
            buf.push(0);
        }
        let vary_pos = buf.len();
        // vary entry: inline name "accept" + value vec
        let mut name = [0xFFu8; 8];
        name[..6].copy_from_slice(b"accept");
        buf.extend_from_slice(&name);
        let value_field = buf.len();
        buf.extend_from_slice(&(38i32 - value_field as i32).to_le_bytes());
        buf.extend_from_slice(&4u32.to_le_bytes());
        while buf.len() % 8 != 0 {
            buf.push(0);
        }
        let root = buf.len();
        buf.resize(root + ROOT_SIZE_V13, 0);
        let put =
            |buf: &mut Vec<u8>, pos: usize, b: &[u8]| buf[pos..pos + b.len()].copy_from_slice(b);
        let req = root + 8;
        let len = uri.len() as u32;
        let word = 0x80 | (len & 0x3F) | ((len & !0x3F) << 2);
        put(&mut buf, req, &word.to_le_bytes());
        put(&mut buf, req + 4, &(0i32 - req as i32).to_le_bytes());
        put(&mut buf, req + 64, &1_700_000_000u64.to_le_bytes());
        let resp = root + 80;
        put(&mut buf, resp, &200u16.to_le_bytes());
        put(&mut buf, resp + 8, &600u64.to_le_bytes());
        put(
            &mut buf,
            resp + 8 + 32,
            &((1u16 << 8) | (1 << 10)).to_le_bytes(),
        );
        put(&mut buf, resp + 48 + 8, &1_700_000_001u64.to_le_bytes());
        put(&mut buf, resp + 48 + 32, &[0b10]);
        put(&mut buf, resp + 88, &[1]);
        put(
            &mut buf,
            resp + 92,
            &(34i32 - (resp + 92) as i32).to_le_bytes(),
        );
        put(&mut buf, resp + 96, &4u32.to_le_bytes());
        put(&mut buf, resp + 104, &1_700_000_002u64.to_le_bytes());
        put(
            &mut buf,
            root + 192,
            &(vary_pos as i32 - (root + 192) as i32).to_le_bytes(),
        );
        put(&mut buf, root + 196, &1u32.to_le_bytes());
        buf
    }

    #[test]
    fn decodes_hand_built_v13() {
        let p = decode_policy(&sample_v13(), ContainerFormat::V13).expect("decodes");
        assert_eq!(p.uri, "http://127.0.0.1:8765/simple/demo/");
        assert_eq!(p.method, Method::Get);
        assert_eq!(p.status, 200);
        assert_eq!(p.response_cache_control.max_age, Some(600));
        assert!(p.response_cache_control.public);
        assert!(!p.response_cache_control.immutable);
        assert_eq!(p.date, Some(1_700_000_001));
        assert_eq!(p.age, None);
        assert_eq!(
            p.etag,
            Some(ETag {
                value: b"\"e1\"".to_vec(),
                weak: false
            })
        );
        assert_eq!(p.request_time, 1_700_000_000);
        assert_eq!(p.response_time, 1_700_000_002);
        assert_eq!(p.vary, vec![("accept".to_string(), b"gzip".to_vec())]);
    }

    #[test]
    fn empty_and_short_inputs_fail() {
        for format in [ContainerFormat::V12, ContainerFormat::V13] {
            assert!(decode_policy(&[], format).is_err());
            assert!(decode_policy(&[0u8; 199], format).is_err());
        }
        assert!(decode_policy(&[0u8; 319], ContainerFormat::V12).is_err());
    }

    #[test]
    fn wild_pointers_fail() {
        let mut buf = sample_v13();
        let root = buf.len() - ROOT_SIZE_V13;
        // uri offset pointing far before the region
        buf[root + 12..root + 16].copy_from_slice(&i32::MIN.to_le_bytes());
        assert!(decode_policy(&buf, ContainerFormat::V13).is_err());
        let mut buf = sample_v13();
        // vary count huge
        buf[root + 196..root + 200].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_policy(&buf, ContainerFormat::V13).is_err());
        let mut buf = sample_v13();
        // etag pointing past the end
        buf[root + 80 + 92..root + 80 + 96].copy_from_slice(&i32::MAX.to_le_bytes());
        assert!(decode_policy(&buf, ContainerFormat::V13).is_err());
    }

    #[test]
    fn every_truncation_and_flip_is_handled() {
        let buf = sample_v13();
        for format in [ContainerFormat::V12, ContainerFormat::V13] {
            for start in 0..=buf.len() {
                let _ = decode_policy(&buf[start..], format);
                let _ = decode_policy(&buf[..start], format);
            }
            for i in 0..buf.len() {
                for mask in [0x01u8, 0x80, 0xFF] {
                    let mut b = buf.clone();
                    b[i] ^= mask;
                    let _ = decode_policy(&b, format);
                }
            }
        }
    }

    #[test]
    fn all_zero_v12_root_decodes_defaults() {
        let p = decode_policy(&[0u8; ROOT_SIZE_V12], ContainerFormat::V12).expect("decodes");
        // Eight zero bytes form a valid inline string of eight NULs.
        assert_eq!(p.uri, "\0".repeat(8));
        assert_eq!(p.status, 0);
        assert_eq!(p.request_cache_control, CacheControl::default());
        assert!(p.vary.is_empty());
    }
}
