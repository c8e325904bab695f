//! Tests against files written by real uv releases (see `tests/data/formats/README.md`).

use std::path::{Path, PathBuf};

use super::*;

const SERVER: &str = "http://127.0.0.1:8765";
const FLIT_WHEEL: &str = "flit_core-4.2.0-py3-none-any.whl";
const FLIT_SHA256: &str = "2bee22dc8ba89c2e35b4e1ad575e596aac945c85672dd8f3cad21b629036e044";
const ID_ALPHABET: &str = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The uv releases that produced samples, with the container format they write.
const VERSIONS: [(&str, ContainerFormat); 2] = [
    ("0.12.24", ContainerFormat::V12),
    ("0.13.9", ContainerFormat::V13),
];

fn data_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/formats")
        .join(version)
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            list_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn all_samples(version: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    list_files(&data_dir(version), &mut out);
    out.sort();
    out
}

/// The single sample of `version` whose path (with `/` separators) matches `pred`.
fn sample(version: &str, pred: impl Fn(&str) -> bool) -> PathBuf {
    let found: Vec<PathBuf> = all_samples(version)
        .into_iter()
        .filter(|p| pred(&p.to_string_lossy().replace('\\', "/")))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one matching sample for {version}, got {found:?}"
    );
    found.into_iter().next().expect("one sample")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn is_id(s: &str) -> bool {
    s.len() == 16 && s.chars().all(|c| ID_ALPHABET.contains(c))
}

fn check_format(path: &Path, expected: ContainerFormat) {
    let bytes = read(path);
    let c = split_container(&bytes).expect("container splits");
    assert_eq!(c.format, expected, "{}", path.display());
    match expected {
        ContainerFormat::V13 => {
            let id = c.entry_id.expect("0.13 containers carry an entry id");
            assert!(is_id(std::str::from_utf8(id).expect("ASCII id")), "{id:?}");
            let policy_offset = c.policy.as_ptr() as usize - bytes.as_ptr() as usize;
            assert_eq!(policy_offset % 16, 0, "policy starts 16-byte aligned");
        }
        ContainerFormat::V12 => assert_eq!(c.entry_id, None),
    }
}

#[test]
fn wheel_http_entry() {
    for (version, format) in VERSIONS {
        let path = sample(version, |p| {
            p.ends_with("/flit-core/4.2.0-py3-none-any.http")
        });
        check_format(&path, format);
        let (policy, payload) = read_http_file(&path).expect("decodes");
        assert_eq!(
            policy.uri,
            format!("{SERVER}/files/{FLIT_WHEEL}"),
            "{version}"
        );
        assert_eq!(policy.method, Method::Get);
        assert_eq!(policy.status, 200);
        assert!(!policy.authorization);
        let cc = &policy.response_cache_control;
        assert!(cc.immutable && cc.public, "{version}: {cc:?}");
        assert_eq!(cc.max_age, Some(365_000_000));
        assert!(!cc.no_cache && !cc.no_store && !cc.private);
        let etag = policy.etag.as_ref().expect("etag recorded");
        assert_eq!(
            etag.value,
            format!("\"{}\"", &FLIT_SHA256[..16]).into_bytes()
        );
        assert!(!etag.weak);
        assert!(policy.date.is_some());
        assert!(policy.response_time >= policy.request_time);
        assert!(policy.request_time > 1_600_000_000);
        assert_eq!(
            policy.vary,
            vec![("accept-encoding".to_string(), b"identity".to_vec())]
        );

        let pointer = decode_archive_pointer(&payload).expect("pointer decodes");
        assert!(is_id(&pointer.id), "{}", pointer.id);
        assert_eq!(pointer.filename.as_deref(), Some(FLIT_WHEEL));
        assert_eq!(pointer.archive_version, Some(0));
        assert_eq!(pointer.size, Some(48_025));
        assert_eq!(
            pointer.hashes,
            vec![HashDigest {
                algorithm: "Sha256".into(),
                digest: FLIT_SHA256.into()
            }]
        );
        // A plain MessagePack read of the whole container must refuse the trailing policy.
        assert!(decode_archive_pointer(&read(&path)).is_err());
    }
}

#[test]
fn simple_page_entry() {
    for (version, format) in VERSIONS {
        let path = sample(version, |p| p.ends_with("/tinywhl.rkyv"));
        check_format(&path, format);
        let (policy, payload) = read_http_file(&path).expect("decodes");
        assert_eq!(policy.uri, format!("{SERVER}/simple/tinywhl/"));
        assert_eq!(policy.status, 200);
        let cc = &policy.response_cache_control;
        assert_eq!(cc.max_age, Some(600), "{version}");
        assert!(cc.public && !cc.immutable);
        assert_eq!(policy.request_cache_control, CacheControl::default());
        let etag = policy.etag.expect("etag recorded");
        assert_eq!(etag.value, b"\"etag-tinywhl\"");
        assert_eq!(policy.vary.len(), 1);
        assert_eq!(
            policy.vary.first().map(|(n, _)| n.as_str()),
            Some("accept-encoding")
        );
        // The payload is rkyv, not MessagePack.
        assert!(!payload.is_empty());
    }
}

#[test]
fn wheel_metadata_entries() {
    for (version, format) in VERSIONS {
        let path = sample(version, |p| {
            p.ends_with("/tinywhl/0.1.0-py3-none-any.msgpack")
        });
        check_format(&path, format);
        let (policy, payload) = read_http_file(&path).expect("decodes");
        assert!(
            policy
                .uri
                .starts_with(&format!("{SERVER}/files/tinywhl-0.1.0")),
            "{}",
            policy.uri
        );
        assert!(policy.response_cache_control.immutable);
        let meta = decode_metadata(&payload).expect("metadata decodes");
        assert_eq!(meta.name, "tinywhl");
        assert_eq!(meta.version, "0.1.0");
        assert_eq!(meta.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(meta.requires_dist.len(), 2, "{:?}", meta.requires_dist);
        assert!(
            meta.requires_dist
                .iter()
                .any(|r| r.starts_with("flit-core>=3.2"))
        );
        assert!(!meta.dynamic);

        let path = sample(version, |p| {
            p.ends_with("/flit-core/4.2.0-py3-none-any.msgpack")
        });
        let (policy, payload) = read_http_file(&path).expect("decodes");
        assert!(
            policy
                .uri
                .starts_with(&format!("{SERVER}/files/{FLIT_WHEEL}"))
        );
        let meta = decode_metadata(&payload).expect("metadata decodes");
        assert_eq!(
            (meta.name.as_str(), meta.version.as_str()),
            ("flit-core", "4.2.0")
        );
    }
}

#[test]
fn sdist_revision_and_metadata() {
    for (version, format) in VERSIONS {
        let path = sample(version, |p| p.ends_with("/tinysd/0.1.0/revision.http"));
        check_format(&path, format);
        let (policy, payload) = read_http_file(&path).expect("decodes");
        assert_eq!(policy.uri, format!("{SERVER}/files/tinysd-0.1.0.tar.gz"));
        assert!(policy.response_cache_control.immutable);
        let revision = decode_revision(&payload).expect("revision decodes");
        assert!(is_id(&revision.id));
        assert_eq!(revision.size, Some(387));
        assert_eq!(revision.hashes.len(), 1);
        assert_eq!(
            revision.hashes.first().map(|h| h.algorithm.as_str()),
            Some("Sha256")
        );

        // The revision directory named by the pointer holds the built metadata.
        let meta_path = sample(version, |p| {
            p.ends_with(&format!("/tinysd/0.1.0/{}/metadata.msgpack", revision.id))
        });
        let meta = decode_metadata(&read(&meta_path)).expect("metadata decodes");
        assert_eq!(meta.name, "tinysd");
        assert_eq!(meta.version, "0.1.0");
        assert!(meta.requires_dist.is_empty() && meta.provides_extra.is_empty());
    }
}

#[test]
fn local_source_revision_pointer() {
    for (version, _) in VERSIONS {
        let path = sample(version, |p| {
            p.contains("/path/") && p.ends_with("/revision.rev")
        });
        let pointer = decode_local_revision_pointer(&read(&path)).expect("decodes");
        assert!(is_id(&pointer.revision.id));
        assert!(pointer.revision.hashes.is_empty());
        assert_eq!(pointer.revision.size, None);
        let info = &pointer.cache_info;
        assert!(info.timestamp.is_some_and(|t| t.secs > 1_600_000_000));
        assert_eq!(info.commit, None);
        assert_eq!(info.tags, None);
        assert!(info.env.is_empty());
        assert_eq!(info.directories.get("src"), Some(&DirStamp::Missing));

        let meta_path = sample(version, |p| {
            p.ends_with(&format!("/{}/metadata.msgpack", pointer.revision.id))
        });
        let meta = decode_metadata(&read(&meta_path)).expect("metadata decodes");
        assert_eq!(
            (meta.name.as_str(), meta.version.as_str()),
            ("pkga", "0.3.0")
        );
    }
}

#[test]
fn local_wheel_pointer() {
    for (version, _) in VERSIONS {
        let path = sample(version, |p| p.ends_with("/pkgb/0.2.0-py3-none-any.rev"));
        let pointer = decode_path_archive_pointer(&read(&path)).expect("decodes");
        let ts = pointer.timestamp.expect("timestamp");
        assert!(ts.to_system_time().is_some());
        assert!(is_id(&pointer.archive.id));
        assert_eq!(
            pointer.archive.filename.as_deref(),
            Some("pkgb-0.2.0-py3-none-any.whl")
        );
        assert!(pointer.archive.hashes.is_empty());
        assert_eq!(pointer.archive.archive_version, Some(0));
        assert_eq!(pointer.archive.size, None);
    }
}

#[test]
fn interpreter_entry() {
    for (version, _) in VERSIONS {
        let path = sample(version, |p| p.contains("/interpreter-v"));
        let info = decode_interpreter(&read(&path)).expect("decodes");
        assert!(info.timestamp.is_some());
        let exe = info.sys_executable.expect("sys.executable found");
        let prefix = info.sys_prefix.expect("sys.prefix found");
        assert!(
            exe.ends_with(&format!("/run-{version}/venv/bin/python")),
            "{exe}"
        );
        assert!(
            prefix.ends_with(&format!("/run-{version}/venv")),
            "{prefix}"
        );
    }
}

#[test]
fn decoded_values_serialize() {
    let path = sample("0.13.9", |p| p.ends_with("/tinywhl.rkyv"));
    let (policy, _) = read_http_file(&path).expect("decodes");
    let json = serde_json::to_value(&policy).expect("serializes");
    assert_eq!(json["response_cache_control"]["max_age"], 600);
}

#[test]
fn read_http_file_names_the_path() {
    let missing = data_dir("0.13.9").join("does-not-exist.http");
    let err = read_http_file(&missing).expect_err("missing file");
    assert!(err.to_string().contains("does-not-exist.http"));
    let not_http = sample("0.13.9", |p| p.ends_with("/pkgb/0.2.0-py3-none-any.rev"));
    let err = read_http_file(&not_http).expect_err("not a container");
    assert!(err.to_string().contains("0.2.0-py3-none-any.rev"), "{err}");
}

/// Runs every decoder on `bytes`; only the absence of panics matters.
fn decode_everything(bytes: &[u8]) {
    let _ = decode_archive_pointer(bytes);
    let _ = decode_path_archive_pointer(bytes);
    let _ = decode_revision(bytes);
    let _ = decode_local_revision_pointer(bytes);
    let _ = decode_metadata(bytes);
    let _ = decode_interpreter(bytes);
    for format in [ContainerFormat::V12, ContainerFormat::V13] {
        let _ = decode_policy(bytes, format);
    }
    if let Ok(c) = split_container(bytes) {
        let _ = decode_policy(c.policy, c.format);
        let _ = decode_archive_pointer(c.payload);
        let _ = decode_revision(c.payload);
        let _ = decode_metadata(c.payload);
    }
}

#[test]
fn truncations_and_flips_never_panic() {
    for (version, _) in VERSIONS {
        for path in all_samples(version) {
            let bytes = read(&path);
            for end in 0..=bytes.len() {
                let prefix = bytes.get(..end).unwrap_or_default();
                decode_everything(prefix);
                // A truncated file never passes the 0.13 checksum.
                if end < bytes.len()
                    && let Ok(c) = split_container(prefix)
                {
                    assert_eq!(
                        c.format,
                        ContainerFormat::V12,
                        "{} cut at {end}",
                        path.display()
                    );
                }
            }
            let mut mutated = bytes.clone();
            for i in 0..mutated.len() {
                for mask in [0x01u8, 0x80, 0xFF] {
                    if let Some(b) = mutated.get_mut(i) {
                        *b ^= mask;
                    }
                    decode_everything(&mutated);
                    if let Some(b) = mutated.get_mut(i) {
                        *b ^= mask;
                    }
                }
            }
            assert_eq!(mutated, bytes);
        }
    }
}
