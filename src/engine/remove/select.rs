//! Surgical removal uv cannot do: one version, one source, or the editable
//! builds of a package. Whole entries go together (a wheel's link with its
//! pointer and lock files, a source version or shard with its revisions), and
//! an archive goes only when no remaining link uses it, so the cache stays
//! consistent for uv.

use super::plan::{Operation, Plan, Reason, Recipe, Seed, SeedKind, SelectorSpec, Target, plan};
use crate::engine::layout::{BucketKind, TopLevel};
use crate::engine::model::{Entry, EntryKind, Snapshot, Source};
use crate::engine::names::normalize;

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
    plan_select_many(snap, std::slice::from_ref(sel))
}

/// Plans one surgical clean of several selectors (`clean a==1 b==2`): an
/// archive goes when no link left by all of them uses it.
pub fn plan_select_many(snap: &Snapshot, selectors: &[Selector]) -> Plan {
    let target = Target::of(snap);
    let root = &snap.root.path;
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
    let mut seeds = Vec::new();
    for sel in selectors {
        for e in snap.entries.iter().filter(|e| current(e) && sel.matches(e)) {
            let reason = Reason::Selected {
                package: sel.package.clone(),
                entry: e.kind.as_str().to_string(),
                version: e.version.clone(),
            };
            let kind = match (bucket_kind(e), e.kind) {
                (Some(BucketKind::Wheels), EntryKind::Wheel | EntryKind::WheelMetadata) => {
                    SeedKind::WheelKey
                }
                (Some(BucketKind::Sdists), EntryKind::SdistRevision | EntryKind::SdistPointer) => {
                    SeedKind::Shard
                }
                (Some(BucketKind::Sdists), EntryKind::SdistGit) => SeedKind::Itself,
                _ => continue,
            };
            seeds.push(Seed {
                path: root.join(&e.path),
                kind,
                reason,
            });
        }
    }
    let operation = Operation::Select {
        selectors: selectors
            .iter()
            .map(|sel| SelectorSpec {
                package: normalize(&sel.package),
                version: sel.version.clone(),
                source: sel.source.clone(),
                include_editable: sel.include_editable,
            })
            .collect(),
    };
    plan(&target, Recipe::Select(seeds), operation)
}
