//! Surgical removal uv cannot do: one version, one source, or the editable
//! builds of a package. Whole entries go together (a wheel's link with its
//! pointer and lock files, a source version or shard with its revisions), and
//! an archive goes only when no remaining link uses it, so the cache stays
//! consistent for uv.

use std::path::{Path, PathBuf};

use super::layout::{BucketKind, TopLevel, release_for};
use super::model::{Entry, EntryKind, Snapshot, Source};
use super::names::normalize;
use super::plan::{
    Builder, Operation, Plan, Stage, Target, drop_released_archives, file_objects, finish,
};

/// Which entries of a package to remove.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Package name (any spelling).
    pub package: String,
    /// Only entries of this version.
    pub version: Option<String>,
    /// Only this source: a label (`pypi`, `index`, `url`, `path`, `editable`,
    /// `git`) or a URL prefix.
    pub source: Option<String>,
    /// Include editable builds (uv's clean leaves them behind).
    pub include_editable: bool,
}

impl Selector {
    /// Parses `NAME` or `NAME==VERSION`.
    pub fn parse(spec: &str) -> Selector {
        match spec.split_once("==") {
            Some((name, version)) => Selector {
                package: name.trim().to_string(),
                version: Some(version.trim().to_string()),
                ..Selector::default()
            },
            None => Selector {
                package: spec.trim().to_string(),
                ..Selector::default()
            },
        }
    }

    fn matches(&self, e: &Entry) -> bool {
        let name = normalize(&self.package);
        if e.package.as_deref() != Some(name.as_str()) {
            return false;
        }
        if matches!(e.source, Source::Editable { .. }) && !self.include_editable {
            return false;
        }
        if let Some(v) = &self.version
            && e.version.as_deref() != Some(v.as_str())
        {
            return false;
        }
        match self.source.as_deref() {
            None => true,
            Some(label) if !label.contains("://") => e.source.label() == label,
            Some(url) => source_url(&e.source).is_some_and(|u| u.starts_with(url)),
        }
    }
}

fn source_url(s: &Source) -> Option<&str> {
    match s {
        Source::Index { url, .. } | Source::Url { url, .. } | Source::Git { url, .. } => {
            url.as_deref()
        }
        Source::Pypi => Some("https://pypi.org/simple"),
        _ => None,
    }
}

/// Plans a surgical clean from a scanned snapshot.
pub fn plan_select(snap: &Snapshot, sel: &Selector) -> Plan {
    let target = Target::of(snap);
    let (release, _) = release_for(snap.uv.version);
    let root = &snap.root.path;
    let mut b = Builder::new(root, release);
    let current = |e: &Entry| {
        e.bucket
            .and_then(|i| snap.buckets.get(usize::from(i)))
            .is_some_and(|bk| bk.class == TopLevel::Current)
    };
    let bucket_kind = |e: &Entry| {
        e.bucket
            .and_then(|i| snap.buckets.get(usize::from(i)))
            .and_then(|bk| bk.kind)
    };
    for e in snap.entries.iter().filter(|e| current(e) && sel.matches(e)) {
        let path = root.join(&e.path);
        let why = format!(
            "clean {}: {} {}",
            sel.package,
            e.kind.as_str(),
            e.version.as_deref().unwrap_or("")
        );
        match (bucket_kind(e), e.kind) {
            (Some(BucketKind::Wheels), EntryKind::Wheel | EntryKind::WheelMetadata) => {
                for p in wheel_key_files(&path) {
                    b.add(&p, why.trim_end(), Stage::Referrers);
                }
            }
            (Some(BucketKind::Sdists), EntryKind::SdistRevision | EntryKind::SdistPointer) => {
                // A source version (registry) or a shard (url, path, editable) goes whole.
                if let Some(shard) = path.parent() {
                    b.add(shard, why.trim_end(), Stage::Referrers);
                }
            }
            (Some(BucketKind::Sdists), EntryKind::SdistGit) => {
                b.add(&path, why.trim_end(), Stage::Referrers)
            }
            _ => {}
        }
    }
    drop_released_archives(&mut b);
    file_objects(&mut b);
    let operation = Operation::Select {
        package: normalize(&sel.package),
        version: sel.version.clone(),
        source: sel.source.clone(),
        include_editable: sel.include_editable,
    };
    finish(&target, b, operation)
}

/// A wheel key's link and its `.http`, `.rev`, `.msgpack`, `.lock` files.
fn wheel_key_files(main: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (main.parent(), main.file_name().and_then(|n| n.to_str())) else {
        return vec![];
    };
    let key = [".variant.msgpack", ".http", ".rev", ".msgpack", ".lock"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name);
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    rd.filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n == key
                || n.strip_prefix(key).is_some_and(|rest| {
                    [".variant.msgpack", ".http", ".rev", ".msgpack", ".lock"].contains(&rest)
                })
        })
        .map(|e| e.path())
        .collect()
}
