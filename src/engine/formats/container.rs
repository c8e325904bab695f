//! The HTTP cache container wrapped around `.http`, `.rkyv` and HTTP-backed `.msgpack` files.
//!
//! Two layouts exist (see the format notes, §5.2):
//!
//! * uv ≤ 0.12: `payload ‖ policy ‖ u64 LE policy length`.
//! * uv ≥ 0.13: `payload ‖ zero padding to 16 ‖ 16-byte entry id ‖ policy ‖ u32 LE CRC32 ‖ u64 LE
//!   payload length`, where the CRC covers everything from the padding up to the CRC itself plus
//!   the trailing length bytes.
//!
//! The newer layout is recognised by its checksum; anything else whose trailing length fits is
//! treated as the older layout.

use serde::Serialize;

/// Size of the trailing length field shared by both layouts.
const LEN_SIZE: usize = 8;
/// Size of the CRC32 field of the 0.13 layout.
const CRC_SIZE: usize = 4;
/// Size of the random entry id of the 0.13 layout.
const ENTRY_ID_SIZE: usize = 16;
/// Alignment of the entry id (and policy) in the 0.13 layout.
const ALIGN: usize = 16;

/// Which container layout a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ContainerFormat {
    /// uv ≤ 0.12: policy followed by its length.
    V12,
    /// uv ≥ 0.13: padded entry id, policy, CRC32 and payload length.
    V13,
}

/// A container split into its parts; all slices borrow from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpContainer<'a> {
    /// The detected layout.
    pub format: ContainerFormat,
    /// The cached response body (MessagePack or rkyv, depending on the file kind).
    pub payload: &'a [u8],
    /// The rkyv-archived cache policy.
    pub policy: &'a [u8],
    /// The 16-byte entry id (0.13 layout only).
    pub entry_id: Option<&'a [u8]>,
}

/// Splits an HTTP cache container into payload, policy and (0.13) entry id.
pub fn split_container(bytes: &[u8]) -> std::result::Result<HttpContainer<'_>, String> {
    let size = bytes.len();
    let len_start = size
        .checked_sub(LEN_SIZE)
        .ok_or_else(|| format!("container too short ({size} bytes)"))?;
    let len_bytes = bytes.get(len_start..).ok_or("container too short")?;
    let n = u64::from_le_bytes(
        len_bytes
            .try_into()
            .map_err(|_| "container too short".to_string())?,
    );

    if let Some(container) = try_v13(bytes, n)? {
        return Ok(container);
    }

    // 0.12 layout: `n` is the policy length.
    let policy_len = usize::try_from(n)
        .ok()
        .filter(|&l| l <= len_start)
        .ok_or_else(|| format!("trailing length {n} exceeds container size {size}"))?;
    let policy_start = len_start - policy_len;
    let payload = bytes
        .get(..policy_start)
        .ok_or("policy offset out of range")?;
    let policy = bytes
        .get(policy_start..len_start)
        .ok_or("policy out of range")?;
    Ok(HttpContainer {
        format: ContainerFormat::V12,
        payload,
        policy,
        entry_id: None,
    })
}

/// Recognises the 0.13 layout by its CRC; `Ok(None)` means "not this layout".
fn try_v13(bytes: &[u8], n: u64) -> std::result::Result<Option<HttpContainer<'_>>, String> {
    let Some(payload_len) = usize::try_from(n).ok().filter(|&p| p <= bytes.len()) else {
        return Ok(None);
    };
    let Some(tail) = split_v13_tail(&bytes[payload_len..], n)? else {
        return Ok(None);
    };
    Ok(Some(HttpContainer {
        format: ContainerFormat::V13,
        payload: &bytes[..payload_len],
        policy: tail.policy,
        entry_id: Some(tail.entry_id),
    }))
}

/// The parts of a 0.13 container after its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V13Tail<'a> {
    /// The 16-byte entry id.
    pub entry_id: &'a [u8],
    /// The rkyv-archived cache policy.
    pub policy: &'a [u8],
}

/// Splits what follows the payload of a 0.13 container (padding, entry id,
/// policy, CRC32, payload length), given the payload's length. `Ok(None)`
/// when the CRC does not match (not this layout); an error when it matches
/// but the parts do not fit. Shared by [`split_container`] and readers that
/// read only a file's tail (the payload of a Simple API page can be megabytes).
pub fn split_v13_tail(
    tail: &[u8],
    payload_len: u64,
) -> std::result::Result<Option<V13Tail<'_>>, String> {
    let Some(crc_start) = tail.len().checked_sub(LEN_SIZE + CRC_SIZE) else {
        return Ok(None);
    };
    let (covered, end) = tail.split_at(crc_start);
    let (crc_bytes, len_bytes) = end.split_at(CRC_SIZE);
    let Ok(crc_arr) = <[u8; CRC_SIZE]>::try_from(crc_bytes) else {
        return Ok(None);
    };
    if len_bytes != payload_len.to_le_bytes() {
        return Ok(None);
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(covered);
    hasher.update(len_bytes);
    if hasher.finalize() != u32::from_le_bytes(crc_arr) {
        return Ok(None);
    }
    // The checksum matches: from here on, inconsistencies are errors, not a reason to fall back.
    let pad = usize::try_from(payload_len % ALIGN as u64).map_or(0, |r| (ALIGN - r) % ALIGN);
    let policy_start = pad + ENTRY_ID_SIZE;
    if policy_start > crc_start {
        return Err(format!(
            "0.13 container: {crc_start} bytes after the payload, too short for padding and entry id"
        ));
    }
    Ok(Some(V13Tail {
        entry_id: &covered[pad..policy_start],
        policy: &covered[policy_start..],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a 0.13 container around `payload` and `policy` with a fixed entry id.
    fn build_v13(payload: &[u8], policy: &[u8]) -> Vec<u8> {
        let mut out = payload.to_vec();
        let tail_start = out.len();
        out.resize(out.len() + (16 - payload.len() % 16) % 16, 0);
        out.extend_from_slice(b"ABCDEFGHIJKLMNOP");
        out.extend_from_slice(policy);
        let len = (payload.len() as u64).to_le_bytes();
        let mut h = crc32fast::Hasher::new();
        h.update(&out[tail_start..]);
        h.update(&len);
        out.extend_from_slice(&h.finalize().to_le_bytes());
        out.extend_from_slice(&len);
        out
    }

    fn build_v12(payload: &[u8], policy: &[u8]) -> Vec<u8> {
        let mut out = payload.to_vec();
        out.extend_from_slice(policy);
        out.extend_from_slice(&(policy.len() as u64).to_le_bytes());
        out
    }

    #[test]
    fn splits_v13() {
        let bytes = build_v13(b"\x93\x01\x02\x03", &[7u8; 40]);
        let c = split_container(&bytes).expect("valid container");
        assert_eq!(c.format, ContainerFormat::V13);
        assert_eq!(c.payload, b"\x93\x01\x02\x03");
        assert_eq!(c.policy, &[7u8; 40][..]);
        assert_eq!(c.entry_id, Some(&b"ABCDEFGHIJKLMNOP"[..]));
        // A reader of the tail alone finds the same parts.
        let tail = split_v13_tail(&bytes[4..], 4).unwrap().unwrap();
        assert_eq!(tail.policy, c.policy);
        assert_eq!(Some(tail.entry_id), c.entry_id);
        assert_eq!(
            split_v13_tail(&bytes[3..], 3),
            Ok(None),
            "wrong payload length"
        );
    }

    #[test]
    fn splits_v13_aligned_and_empty_payload() {
        for payload in [&b""[..], &[1u8; 16][..], &[2u8; 33][..]] {
            let bytes = build_v13(payload, b"policy");
            let c = split_container(&bytes).expect("valid container");
            assert_eq!(c.format, ContainerFormat::V13);
            assert_eq!(c.payload, payload);
            assert_eq!(c.policy, b"policy");
        }
    }

    #[test]
    fn splits_v12() {
        let bytes = build_v12(b"\x80", &[9u8; 30]);
        let c = split_container(&bytes).expect("valid container");
        assert_eq!(c.format, ContainerFormat::V12);
        assert_eq!(c.payload, b"\x80");
        assert_eq!(c.policy, &[9u8; 30][..]);
        assert_eq!(c.entry_id, None);
    }

    #[test]
    fn rejects_short_and_absurd_input() {
        assert!(split_container(b"").is_err());
        assert!(split_container(b"1234567").is_err());
        assert!(split_container(&u64::MAX.to_le_bytes()).is_err());
        let mut bytes = vec![0u8; 20];
        bytes.extend_from_slice(&21u64.to_le_bytes());
        assert!(split_container(&bytes).is_err());
        // Exactly eight zero bytes: an empty 0.12 container.
        let c = split_container(&[0u8; 8]).expect("empty v12");
        assert!(c.payload.is_empty() && c.policy.is_empty());
    }

    #[test]
    fn v13_with_crc_but_no_room_for_id_is_an_error() {
        // Payload length equal to the CRC position leaves no room for padding and id.
        let payload = [5u8; 4];
        let len = (payload.len() as u64).to_le_bytes();
        let mut h = crc32fast::Hasher::new();
        h.update(&len);
        let mut bytes = payload.to_vec();
        bytes.extend_from_slice(&h.finalize().to_le_bytes());
        bytes.extend_from_slice(&len);
        assert!(split_container(&bytes).is_err());
    }

    #[test]
    fn corrupted_crc_falls_back_or_fails_without_panic() {
        let mut bytes = build_v13(&[1u8; 100], &[3u8; 64]);
        let crc_pos = bytes.len() - 12;
        bytes[crc_pos] ^= 0xFF;
        if let Ok(c) = split_container(&bytes) {
            assert_eq!(c.format, ContainerFormat::V12);
        }
    }

    #[test]
    fn every_truncation_is_handled() {
        let bytes = build_v13(&[1u8; 37], &[3u8; 64]);
        for end in 0..=bytes.len() {
            let _ = split_container(&bytes[..end]);
        }
        let bytes = build_v12(&[1u8; 37], &[3u8; 64]);
        for end in 0..=bytes.len() {
            let _ = split_container(&bytes[..end]);
        }
    }
}
