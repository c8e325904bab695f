//! Package names, wheel filenames and uv's digests, as uv spells them in paths.

use std::hash::Hasher;

/// Normalizes a package name the way uv names its directories (PEP 503).
///
/// Lowercase; every run of `-`, `_` and `.` becomes a single `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Whether `name` is a valid Python package name (PEP 508).
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The parts of a wheel filename (`name-version(-build)?-python-abi-platform.whl`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WheelName {
    /// Distribution name as spelled in the filename.
    pub name: String,
    /// Version as spelled in the filename.
    pub version: String,
    /// Optional build tag.
    pub build: Option<String>,
    /// `python-abi-platform` tag triple.
    pub tags: String,
}

impl WheelName {
    /// Parses a wheel filename or stem (the `.whl` suffix is optional).
    pub fn parse(file: &str) -> Option<WheelName> {
        let stem = file.strip_suffix(".whl").unwrap_or(file);
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, tags) = match parts.as_slice() {
            [n, v, py, abi, plat] => (n, v, None, [py, abi, plat]),
            // A build tag starts with a digit (PEP 427).
            [n, v, b, py, abi, plat] if b.starts_with(|c: char| c.is_ascii_digit()) => {
                (n, v, Some(b.to_string()), [py, abi, plat])
            }
            // Otherwise a wheel-variant filename (uv 0.13.9) with a trailing label.
            [n, v, py, abi, plat, _variant] => (n, v, None, [py, abi, plat]),
            _ => return None,
        };
        if name.is_empty() || version.is_empty() || tags.iter().any(|t| t.is_empty()) {
            return None;
        }
        Some(WheelName {
            name: name.to_string(),
            version: version.to_string(),
            build,
            tags: tags
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join("-"),
        })
    }
}

/// uv's `cache_digest` of a string: SeaHash over the string's bytes plus `0xff`,
/// as Rust's `Hash` feeds a `str`, printed as 16 lowercase hex digits of the
/// little-endian `u64`.
pub fn cache_digest(value: &str) -> String {
    let mut hasher = seahash::SeaHasher::new();
    hasher.write(value.as_bytes());
    hasher.write_u8(0xff);
    let bytes = hasher.finish().to_le_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` looks like one of uv's 16-hex-digit digests.
pub fn is_digest(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `s` looks like one of uv's random ids (archives, revisions).
pub fn is_random_id(s: &str) -> bool {
    (s.len() == 16 || s.len() == 21 || s.len() == 24)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Canonicalizes an index or artifact URL before hashing, as uv does for the
/// common cases: credentials dropped, one trailing `/` removed, a trailing
/// `.git` removed.
pub fn canonical_url(url: &str) -> String {
    let mut url = url.to_string();
    if let Some(scheme_end) = url.find("://") {
        let rest_start = scheme_end + 3;
        let host_end = url[rest_start..]
            .find('/')
            .map_or(url.len(), |i| rest_start + i);
        if let Some(at) = url[rest_start..host_end].rfind('@') {
            url.replace_range(rest_start..rest_start + at + 1, "");
        }
    }
    if url.ends_with('/') {
        url.pop();
    }
    if let Some(stripped) = url.strip_suffix(".git") {
        url = stripped.to_string();
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_uv() {
        assert_eq!(normalize("Pkg.B"), "pkg-b");
        assert_eq!(normalize("PKG_A"), "pkg-a");
        assert_eq!(normalize("a__-.b"), "a-b");
        assert_eq!(normalize("zope.interface"), "zope-interface");
    }

    #[test]
    fn validates_names() {
        assert!(is_valid_name("numpy"));
        assert!(is_valid_name("Pkg_B.x"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("a b"));
    }

    #[test]
    fn digests_match_observed_directory_names() {
        // Pairs observed in real caches written by uv 0.13.9.
        assert_eq!(
            cache_digest("http://127.0.0.1:8765/simple"),
            "e2d87b9a957f792a"
        );
        assert_eq!(
            cache_digest("http://127.0.0.1:8765/flat/"),
            "587dbd717b310619"
        );
        assert_eq!(
            cache_digest("file:///tmp/exp/pkgs/pkga"),
            "5c91913e29eeceb4"
        );
        assert_eq!(cache_digest("file:///tmp/exp/gitrepo"), "047713c7f5f25e50");
    }

    #[test]
    fn parses_wheel_names() {
        let w = WheelName::parse("pkg_b-0.2.0-0.editable-py3-none-any.whl").unwrap();
        assert_eq!(w.name, "pkg_b");
        assert_eq!(w.build.as_deref(), Some("0.editable"));
        assert_eq!(w.tags, "py3-none-any");
        let w = WheelName::parse("six-1.17.0-py2.py3-none-any").unwrap();
        assert_eq!(w.version, "1.17.0");
        assert!(WheelName::parse("not-a-wheel").is_none());
    }

    #[test]
    fn canonicalizes_urls() {
        assert_eq!(
            canonical_url("https://u:p@host/simple/"),
            "https://host/simple"
        );
        assert_eq!(canonical_url("file:///tmp/repo.git"), "file:///tmp/repo");
    }
}
