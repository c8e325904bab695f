//! Bucket kinds and versions: which top-level directories a uv release reads and
//! writes, from the table in `assets/buckets.toml`, and how every top-level
//! item of a cache classifies against the uv release that owns it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The kinds of bucket uv has ever used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BucketKind {
    /// Downloaded and local wheels (`wheels-vN`).
    Wheels,
    /// Source distributions and wheels built from them (`sdists-vN`, formerly `built-wheels-vN`).
    Sdists,
    /// Simple API project pages (`simple-vN`).
    Simple,
    /// Remote `--find-links` pages (`flat-index-vN`).
    FlatIndex,
    /// Interpreter query results (`interpreter-vN`).
    Interpreter,
    /// Git databases and checkouts (`git-vN`).
    Git,
    /// Unpacked wheels and environments (`archive-v0`).
    Archive,
    /// Temporary build environments (`builds-v0`).
    Builds,
    /// Cached tool, script and project environments (`environments-vN`).
    Environments,
    /// Python download metadata (`python-vN`).
    Python,
    /// Downloaded tool binaries (`binaries-v0`).
    Binaries,
    /// OSV vulnerability records (`osv-vN`).
    Osv,
    /// Content-addressed file objects (`files-v0`).
    Files,
}

impl BucketKind {
    /// Every kind, in display order.
    pub const ALL: [BucketKind; 13] = [
        BucketKind::Wheels,
        BucketKind::Sdists,
        BucketKind::Simple,
        BucketKind::FlatIndex,
        BucketKind::Archive,
        BucketKind::Git,
        BucketKind::Environments,
        BucketKind::Builds,
        BucketKind::Interpreter,
        BucketKind::Python,
        BucketKind::Binaries,
        BucketKind::Osv,
        BucketKind::Files,
    ];

    /// The kind's name as used in `buckets.toml`, `--bucket` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BucketKind::Wheels => "wheels",
            BucketKind::Sdists => "sdists",
            BucketKind::Simple => "simple",
            BucketKind::FlatIndex => "flat-index",
            BucketKind::Interpreter => "interpreter",
            BucketKind::Git => "git",
            BucketKind::Archive => "archive",
            BucketKind::Builds => "builds",
            BucketKind::Environments => "environments",
            BucketKind::Python => "python",
            BucketKind::Binaries => "binaries",
            BucketKind::Osv => "osv",
            BucketKind::Files => "files",
        }
    }

    /// Directory-name prefixes (before `-vN`) this kind has had.
    fn prefixes(self) -> &'static [&'static str] {
        match self {
            BucketKind::Sdists => &["sdists", "built-wheels"],
            other => match other {
                BucketKind::Wheels => &["wheels"],
                BucketKind::Simple => &["simple"],
                BucketKind::FlatIndex => &["flat-index"],
                BucketKind::Interpreter => &["interpreter"],
                BucketKind::Git => &["git"],
                BucketKind::Archive => &["archive"],
                BucketKind::Builds => &["builds"],
                BucketKind::Environments => &["environments"],
                BucketKind::Python => &["python"],
                BucketKind::Binaries => &["binaries"],
                BucketKind::Osv => &["osv"],
                BucketKind::Files => &["files"],
                BucketKind::Sdists => &[],
            },
        }
    }

    /// Splits a directory name like `wheels-v8` into its kind and version.
    pub fn parse_dir_name(name: &str) -> Option<(BucketKind, u32)> {
        let (prefix, version) = name.rsplit_once("-v")?;
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let version = version.parse().ok()?;
        BucketKind::ALL
            .into_iter()
            .find(|k| k.prefixes().contains(&prefix))
            .map(|k| (k, version))
    }
}

impl fmt::Display for BucketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BucketKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.replace('_', "-");
        BucketKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.prefixes().contains(&s.as_str()))
            .ok_or_else(|| {
                let names: Vec<_> = BucketKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown bucket kind `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// A uv release number (`major.minor.patch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UvVersion(pub u32, pub u32, pub u32);

impl FromStr for UvVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let core = s.split(['+', '-', ' ']).next().unwrap_or(s);
        let mut parts = core.split('.');
        let mut next = || -> Result<u32, String> {
            parts
                .next()
                .unwrap_or("0")
                .parse()
                .map_err(|_| format!("`{s}` is not a uv version like 0.13.9"))
        };
        let v = UvVersion(next()?, next()?, next()?);
        Ok(v)
    }
}

impl fmt::Display for UvVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Serialize for UvVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One row of the bucket table: a range of uv releases and their bucket names.
#[derive(Debug, Clone)]
pub struct Release {
    /// First release of the range.
    pub first: UvVersion,
    /// Last release of the range (inclusive).
    pub last: UvVersion,
    /// Bucket directory name per kind.
    pub buckets: BTreeMap<BucketKind, String>,
}

impl Release {
    /// Whether `dir` is one of this release's bucket directories.
    pub fn owns(&self, dir: &str) -> bool {
        self.buckets.values().any(|b| b == dir)
    }
}

#[derive(Deserialize)]
struct RawTable {
    release: Vec<RawRelease>,
}

#[derive(Deserialize)]
struct RawRelease {
    first: String,
    last: String,
    buckets: BTreeMap<String, String>,
}

/// The compiled-in bucket table.
pub fn releases() -> &'static [Release] {
    static TABLE: OnceLock<Vec<Release>> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse_table(include_str!("../../assets/buckets.toml"))
            .expect("assets/buckets.toml is valid (checked by a unit test)")
    })
}

fn parse_table(text: &str) -> Result<Vec<Release>, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| e.to_string())?;
    raw.release
        .into_iter()
        .map(|r| {
            let buckets = r
                .buckets
                .into_iter()
                .map(|(k, v)| Ok((k.parse::<BucketKind>()?, v)))
                .collect::<Result<_, String>>()?;
            Ok(Release {
                first: r.first.parse()?,
                last: r.last.parse()?,
                buckets,
            })
        })
        .collect()
}

/// The oldest uv release the bucket table describes.
pub fn oldest_release() -> UvVersion {
    releases().first().expect("table is not empty").first
}

/// The release row for `version`, and whether the version is newer than the
/// table (then the newest row is assumed). A version older than the table
/// (no such uv release exists) gets the oldest row, the closest one.
pub fn release_for(version: UvVersion) -> (&'static Release, bool) {
    let table = releases();
    if let Some(r) = table
        .iter()
        .find(|r| r.first <= version && version <= r.last)
    {
        return (r, false);
    }
    let newest = table.last().expect("table is not empty");
    if version > newest.last {
        return (newest, true);
    }
    // Between rows cannot happen for released versions; take the closest older row.
    let older = table
        .iter()
        .rev()
        .find(|r| r.first <= version)
        .unwrap_or(&table[0]);
    (older, false)
}

/// Whether any release ever used the directory name `dir` as a bucket.
pub fn is_known_bucket_name(dir: &str) -> bool {
    releases().iter().any(|r| r.owns(dir))
}

/// Guesses the owning release from the bucket directories present: the newest
/// release that owns the most of them.
pub fn infer_release<'a>(
    dirs: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'static Release> {
    // The newest release with a bucket of its own present: a cache keeps the buckets of the
    // releases that used it before (until `uv cache prune`), so the newest is the one in use.
    // Buckets every release shares (`archive-v0`, ...) say nothing.
    let shared = |d: &str| releases().iter().all(|r| r.owns(d));
    releases()
        .iter()
        .rev()
        .find(|r| dirs.clone().into_iter().any(|d| r.owns(d) && !shared(d)))
}

/// Files uv keeps at the cache root and never treats as garbage.
pub const ROOT_MARKERS: [&str; 4] = ["CACHEDIR.TAG", ".gitignore", ".git", ".lock"];

/// How one top-level item classifies against the owning uv release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopLevel {
    /// A bucket the owning uv release uses.
    Current,
    /// A bucket of another uv release; that release's `uv cache prune` deletes it.
    Stale,
    /// `CACHEDIR.TAG`, `.gitignore`, `.lock`.
    Marker,
    /// A `.tmp*` directory (an unpack in progress, or crash debris).
    Temporary,
    /// Something no uv release writes; reported, never guessed.
    Unknown,
}

/// Classifies a top-level name for `release`.
pub fn classify_top_level(name: &str, is_dir: bool, release: &Release) -> TopLevel {
    if ROOT_MARKERS.contains(&name) {
        return TopLevel::Marker;
    }
    if name.starts_with(".tmp") {
        return TopLevel::Temporary;
    }
    if is_dir && release.owns(name) {
        return TopLevel::Current;
    }
    if is_dir && (is_known_bucket_name(name) || BucketKind::parse_dir_name(name).is_some()) {
        return TopLevel::Stale;
    }
    TopLevel::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_is_ordered() {
        let t = releases();
        assert!(t.len() > 40);
        for pair in t.windows(2) {
            assert!(
                pair[0].last < pair[1].first,
                "{:?} overlaps {:?}",
                pair[0].last,
                pair[1].first
            );
        }
    }

    #[test]
    fn current_release_buckets() {
        let (r, newer) = release_for("0.13.9".parse().unwrap());
        assert!(!newer);
        for b in [
            "wheels-v8",
            "sdists-v11",
            "simple-v28",
            "flat-index-v7",
            "interpreter-v5",
            "git-v2",
            "archive-v0",
            "builds-v0",
            "environments-v2",
            "python-v1",
            "binaries-v0",
            "osv-v1",
            "files-v0",
        ] {
            assert!(r.owns(b), "{b}");
        }
        assert_eq!(r.buckets.len(), 13);
        let (r, newer) = release_for("0.99.0".parse().unwrap());
        assert!(newer);
        assert!(r.owns("wheels-v8"));
    }

    #[test]
    fn a_version_older_than_the_table_gets_the_oldest_row() {
        let oldest = oldest_release();
        assert_eq!(oldest, releases()[0].first);
        for v in ["0.0.0", "0.0.4"] {
            let (r, newer) = release_for(v.parse().unwrap());
            assert!(!newer, "{v}");
            assert_eq!(r.first, oldest, "{v}");
            assert!(r.owns("wheels-v0") && !r.owns("wheels-v8"), "{v}");
        }
    }

    #[test]
    fn classifies_top_level() {
        let (r, _) = release_for("0.13.9".parse().unwrap());
        assert_eq!(classify_top_level("wheels-v8", true, r), TopLevel::Current);
        assert_eq!(classify_top_level("wheels-v6", true, r), TopLevel::Stale);
        assert_eq!(
            classify_top_level("built-wheels-v3", true, r),
            TopLevel::Stale
        );
        assert_eq!(classify_top_level("wheels-v99", true, r), TopLevel::Stale);
        assert_eq!(classify_top_level(".lock", false, r), TopLevel::Marker);
        assert_eq!(classify_top_level(".tmpAbc", true, r), TopLevel::Temporary);
        assert_eq!(classify_top_level("photos", true, r), TopLevel::Unknown);
        assert_eq!(classify_top_level("wheels-v8", false, r), TopLevel::Unknown);
    }

    #[test]
    fn parses_dir_names() {
        assert_eq!(
            BucketKind::parse_dir_name("flat-index-v7"),
            Some((BucketKind::FlatIndex, 7))
        );
        assert_eq!(
            BucketKind::parse_dir_name("built-wheels-v3"),
            Some((BucketKind::Sdists, 3))
        );
        assert_eq!(BucketKind::parse_dir_name("wheels-vx"), None);
        assert_eq!(BucketKind::parse_dir_name("foo-v1"), None);
    }

    #[test]
    fn infers_release_from_dirs() {
        let r = infer_release(["wheels-v8", "sdists-v11", "archive-v0", "wheels-v6"]).unwrap();
        assert!(r.owns("wheels-v8"));
        assert_eq!(r.first.to_string(), "0.13.9");
        // A cache three releases used: the newest wins, not the one with most buckets.
        let mixed = [
            "archive-v0",
            "builds-v0",
            "environments-v1",
            "environments-v2",
            "git-v0",
            "git-v2",
            "interpreter-v4",
            "interpreter-v5",
            "sdists-v11",
            "sdists-v7",
            "sdists-v9",
            "simple-v15",
            "simple-v18",
            "simple-v28",
            "wheels-v3",
            "wheels-v5",
            "wheels-v8",
        ];
        let r = infer_release(mixed).unwrap();
        assert!(r.owns("wheels-v8") && r.owns("simple-v28"), "{r:?}");
        assert_eq!(infer_release(["archive-v0"]).map(|r| r.first), None);
    }
}
