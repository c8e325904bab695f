//! Installed distributions: the `.dist-info` directories of an environment's `site-packages`,
//! and what they record (`METADATA`, `RECORD`, `INSTALLER`, and PEP 610's `direct_url.json`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One installed distribution: a `<name>-<version>.dist-info` directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistInfo {
    /// The `.dist-info` directory.
    pub path: PathBuf,
    /// The `site-packages` directory holding it (`RECORD` paths are relative to it).
    pub site_packages: PathBuf,
}

impl DistInfo {
    /// The directory's name (`six-1.17.0.dist-info`).
    pub fn dir_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Name and version as the directory name spells them, split at its last `-`
    /// (`None` without one).
    pub fn name_version_of_dir(&self) -> Option<(String, String)> {
        let name = self.dir_name();
        let stem = name.strip_suffix(".dist-info")?;
        let (n, v) = stem.rsplit_once('-')?;
        Some((n.to_string(), v.to_string()))
    }

    /// `Name` and `Version` from the headers of `METADATA`, else from the directory name (a
    /// name without `-` is all name, with an empty version).
    pub fn name_and_version(&self) -> (String, String) {
        let (dir_name, dir_version) = self.name_version_of_dir().unwrap_or_else(|| {
            let name = self.dir_name();
            let stem = name.strip_suffix(".dist-info").unwrap_or(&name);
            (stem.to_string(), String::new())
        });
        let metadata = std::fs::read_to_string(self.path.join("METADATA")).unwrap_or_default();
        let header = |key: &str| {
            metadata
                .lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
        };
        (
            header("Name:").unwrap_or(dir_name),
            header("Version:").unwrap_or(dir_version),
        )
    }

    /// The installer named in `INSTALLER` (`uv`, `pip`), trimmed.
    pub fn installer(&self) -> Option<String> {
        std::fs::read_to_string(self.path.join("INSTALLER"))
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// The `RECORD` file.
    pub fn record_file(&self) -> PathBuf {
        self.path.join("RECORD")
    }

    /// The paths listed in `RECORD`, relative to `site-packages` (`None`: no readable `RECORD`).
    pub fn record_paths(&self) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.record_file()).ok()?;
        Some(text.lines().filter_map(record_path).collect())
    }

    /// The parsed `direct_url.json` (`None`: absent, unreadable or not a valid PEP 610 record).
    pub fn direct_url(&self) -> Option<DirectUrl> {
        DirectUrl::read(&self.path.join("direct_url.json"))
    }
}

/// Every `.dist-info` directory of the given `site-packages` directories: each directory's in
/// name order, the directories in the order given.
pub fn dist_infos(site_packages: &[PathBuf]) -> Vec<DistInfo> {
    let mut out = Vec::new();
    for sp in site_packages {
        let Ok(entries) = std::fs::read_dir(sp) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "dist-info") && p.is_dir())
            .collect();
        dirs.sort();
        out.extend(dirs.into_iter().map(|path| DistInfo {
            path,
            site_packages: sp.clone(),
        }));
    }
    out
}

/// The path of one `RECORD` line (CSV: `path,hash,size`; the path may be quoted).
pub fn record_path(line: &str) -> Option<String> {
    record_fields(line).map(|(path, _)| path)
}

/// The path and the hash (`sha256=...`, empty for files the installer wrote) of one `RECORD`
/// line (CSV: `path,hash,size`; fields may be quoted, `""` inside quotes is a quote).
pub fn record_fields(line: &str) -> Option<(String, String)> {
    record_line(line).map(|(path, hash, _)| (path, hash))
}

/// The path, hash and size fields of one `RECORD` line (hash and size empty when absent).
pub fn record_line(line: &str) -> Option<(String, String, String)> {
    let line = line.trim_end_matches('\r');
    if line.is_empty() {
        return None;
    }
    let mut fields = Vec::with_capacity(3);
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if field.is_empty() => quoted = true,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    let mut fields = fields.into_iter();
    let path = fields.next().filter(|p| !p.is_empty())?;
    let hash = fields.next().unwrap_or_default();
    Some((path, hash, fields.next().unwrap_or_default()))
}

/// PEP 610's `direct_url.json`: where a distribution installed from a URL, a path or a VCS
/// came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectUrl {
    /// The URL (`file://...` for local paths).
    pub url: String,
    /// The project's sub-directory within the URL's tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdirectory: Option<String>,
    /// Set for a local directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir_info: Option<DirInfo>,
    /// Set for an archive (a wheel or source distribution, local or remote).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_info: Option<ArchiveInfo>,
    /// Set for a VCS checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs_info: Option<VcsInfo>,
}

/// `dir_info` of a [`DirectUrl`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirInfo {
    /// Installed in editable mode.
    #[serde(default)]
    pub editable: bool,
}

/// `archive_info` of a [`DirectUrl`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveInfo {
    /// `<algorithm>=<hex>` (deprecated form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// Hex digests by algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<BTreeMap<String, String>>,
}

/// `vcs_info` of a [`DirectUrl`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcsInfo {
    /// `git`, `hg`, `bzr`, `svn` (`None` when missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<String>,
    /// The exact commit installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<String>,
    /// The revision asked for (branch, tag, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_revision: Option<String>,
}

impl DirectUrl {
    /// Reads and parses a `direct_url.json` file.
    pub fn read(file: &Path) -> Option<DirectUrl> {
        DirectUrl::parse(&std::fs::read_to_string(file).ok()?)
    }

    /// Parses the text of a `direct_url.json` (`None`: not JSON, or without a string `url`).
    pub fn parse(text: &str) -> Option<DirectUrl> {
        serde_json::from_str(text).ok()
    }

    /// Whether it records an editable install of a directory.
    pub fn is_editable(&self) -> bool {
        self.dir_info.as_ref().is_some_and(|d| d.editable)
    }

    /// The local path of a `file://` URL.
    pub fn local_path(&self) -> Option<PathBuf> {
        file_url_to_path(&self.url)
    }
}

/// The local path of a `file://` URL (percent-decoded).
pub fn file_url_to_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| path.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
    }
    #[cfg(not(unix))]
    {
        let s = String::from_utf8(out).ok()?;
        let s = s
            .strip_prefix('/')
            .filter(|s| s.get(1..2) == Some(":"))
            .unwrap_or(&s);
        Some(PathBuf::from(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_record_lines() {
        assert_eq!(record_path("a/b.py,sha256=x,12").as_deref(), Some("a/b.py"));
        assert_eq!(
            record_path("\"a,\"\"b\"\".py\",,").as_deref(),
            Some("a,\"b\".py")
        );
        assert_eq!(
            record_path("../../../bin/x,,").as_deref(),
            Some("../../../bin/x")
        );
        assert_eq!(record_path(""), None);
        assert_eq!(
            record_fields("\"a,b.py\",sha256=x,3"),
            Some(("a,b.py".into(), "sha256=x".into()))
        );
        assert_eq!(record_fields("a.py"), Some(("a.py".into(), String::new())));
        assert_eq!(record_fields("\"open,,"), None);
        assert_eq!(
            record_line("a.py,sha256=x,12"),
            Some(("a.py".into(), "sha256=x".into(), "12".into()))
        );
    }

    #[test]
    fn parses_direct_url_json() {
        let d = DirectUrl::parse(r#"{"url":"file:///src/a%20b","dir_info":{"editable":true}}"#)
            .unwrap();
        assert!(d.is_editable());
        assert_eq!(d.local_path(), Some(PathBuf::from("/src/a b")));
        let d = DirectUrl::parse(
            r#"{"url":"https://github.com/o/r","vcs_info":{"vcs":"git","commit_id":"abc","requested_revision":"main"}}"#,
        )
        .unwrap();
        let vcs = d.vcs_info.unwrap();
        assert_eq!(
            (vcs.vcs.as_deref(), vcs.commit_id.as_deref()),
            (Some("git"), Some("abc"))
        );
        let d = DirectUrl::parse(
            r#"{"url":"file:///w/a-1.whl","archive_info":{"hashes":{"sha256":"ff"}}}"#,
        )
        .unwrap();
        assert_eq!(d.archive_info.unwrap().hashes.unwrap()["sha256"], "ff");
        assert!(DirectUrl::parse(r#"{"dir_info":{}}"#).is_none());
        assert!(DirectUrl::parse("not json").is_none());
        assert_eq!(file_url_to_path("https://x"), None);
    }

    #[test]
    fn enumerates_dist_infos_with_names_and_versions() {
        let tmp = tempfile::tempdir().unwrap();
        let sp = tmp.path().join("site-packages");
        for d in ["b_pkg-2.0.dist-info", "a-1.0.dist-info", "odd.dist-info"] {
            std::fs::create_dir_all(sp.join(d)).unwrap();
        }
        std::fs::write(sp.join("c-1.dist-info"), "").unwrap();
        std::fs::write(
            sp.join("a-1.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: A\nVersion: 1.0.post1\n\nName: body\n",
        )
        .unwrap();
        std::fs::write(sp.join("a-1.0.dist-info/INSTALLER"), "uv\n").unwrap();
        std::fs::write(sp.join("a-1.0.dist-info/RECORD"), "a/__init__.py,,\n").unwrap();
        let all = dist_infos(std::slice::from_ref(&sp));
        let names: Vec<String> = all.iter().map(DistInfo::dir_name).collect();
        assert_eq!(
            names,
            ["a-1.0.dist-info", "b_pkg-2.0.dist-info", "odd.dist-info"]
        );
        assert_eq!(all[0].name_and_version(), ("A".into(), "1.0.post1".into()));
        assert_eq!(all[0].installer().as_deref(), Some("uv"));
        assert_eq!(all[0].record_paths().unwrap(), ["a/__init__.py"]);
        assert_eq!(all[1].name_and_version(), ("b_pkg".into(), "2.0".into()));
        assert_eq!(all[2].name_and_version(), ("odd".into(), String::new()));
        assert_eq!(all[2].name_version_of_dir(), None);
        assert!(all[2].record_paths().is_none());
    }
}
