//! Surgical removal uv cannot do: one version, one source, or the editable
//! builds of a package. Whole entries go together (a wheel's link with its
//! pointer and lock files, a source version or shard with its revisions), and
//! an archive goes only when no remaining link uses it, so the cache stays
//! consistent for uv.

use std::collections::{BTreeMap, BTreeSet};

use super::plan::{Operation, Plan, Reason, Recipe, Seed, SeedKind, SelectorSpec, Target, plan};
use crate::engine::layout::{BucketKind, TopLevel};
use crate::engine::model::{Bucket, Entry, EntryId, EntryKind, EntryState, Snapshot, Source};
use crate::engine::names::normalize;
use crate::text::escape_path;

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
    let bucket_kind = |e: &Entry| bucket_of(snap, e).and_then(|bk| bk.kind);
    let mut seeds = Vec::new();
    for sel in selectors {
        for e in snap.entries.iter().filter(|e| current(e) && sel.matches(e)) {
            let reason = Reason::Selected {
                package: sel.package.clone(),
                entry: e.kind.as_str().to_string(),
                version: e.version.clone(),
            };
            let Some(kind) = package_seed(bucket_kind(e), e.kind) else {
                continue;
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

fn bucket_of<'a>(snap: &'a Snapshot, e: &Entry) -> Option<&'a Bucket> {
    e.bucket.and_then(|i| snap.buckets.get(usize::from(i)))
}

/// How the entries of a package go: a wheel with its pointer and lock files, a source version
/// or shard whole, a Git source build by itself (`None`: not a package's entry).
fn package_seed(bucket: Option<BucketKind>, kind: EntryKind) -> Option<SeedKind> {
    match (bucket, kind) {
        (Some(BucketKind::Wheels), EntryKind::Wheel | EntryKind::WheelMetadata) => {
            Some(SeedKind::WheelKey)
        }
        (Some(BucketKind::Sdists), EntryKind::SdistRevision | EntryKind::SdistPointer) => {
            Some(SeedKind::Shard)
        }
        (Some(BucketKind::Sdists), EntryKind::SdistGit) => Some(SeedKind::Itself),
        _ => None,
    }
}

/// How one entry goes when it is removed alone, or why it cannot be.
fn entry_seed(snap: &Snapshot, e: &Entry) -> Result<SeedKind, String> {
    let Some(bucket) = bucket_of(snap, e) else {
        return Err("it is not in a bucket".into());
    };
    let rule = seed_by_kind(bucket.kind, e);
    // A bucket's scaffolding is named by the bucket's own path: it never goes alone.
    if bucket.class == TopLevel::Current || e.kind == EntryKind::Marker {
        return rule;
    }
    // The owning release does not use another release's bucket (`prune` removes it whole):
    // any entry of it can go, by its kind's rule where one applies, else its own path.
    Ok(match rule {
        Ok(SeedKind::UnusedArchive) | Err(_) => SeedKind::Itself,
        Ok(seed) => seed,
    })
}

/// How an entry of a bucket of kind `bucket` goes alone, by its kind, or why it cannot.
fn seed_by_kind(bucket: Option<BucketKind>, e: &Entry) -> Result<SeedKind, String> {
    if let Some(seed) = package_seed(bucket, e.kind) {
        // A revision its pointer no longer names goes alone (as `prune` removes it), not with
        // the current one.
        if e.kind == EntryKind::SdistRevision && e.state == EntryState::Dangling {
            return Ok(SeedKind::Itself);
        }
        return Ok(seed);
    }
    match (bucket, e.kind) {
        (Some(BucketKind::Archive), EntryKind::Archive | EntryKind::ArchiveEnvironment) => {
            Ok(SeedKind::UnusedArchive)
        }
        (Some(BucketKind::Environments), EntryKind::ToolEnvironment) => Ok(SeedKind::WheelKey),
        (Some(BucketKind::Environments), EntryKind::ScriptEnvironment)
        | (Some(BucketKind::Environments), EntryKind::ProjectEnvironment)
        | (Some(BucketKind::Builds), EntryKind::BuildEnvironment)
        | (Some(BucketKind::Simple), EntryKind::SimplePage)
        | (Some(BucketKind::FlatIndex), EntryKind::FlatIndexPage)
        | (Some(BucketKind::Interpreter), EntryKind::Interpreter)
        | (Some(BucketKind::Python), EntryKind::PythonDownloads)
        | (Some(BucketKind::Binaries), EntryKind::Binary)
        | (Some(BucketKind::Osv), EntryKind::Osv) => Ok(SeedKind::Itself),
        (_, EntryKind::Marker) => Err("uv's own marker or lock file".into()),
        (_, EntryKind::FileObjects) => {
            Err("file objects go when no archive uses them (with the archives that did)".into())
        }
        (_, k) => Err(format!(
            "a {} goes only with its bucket (uv cache clean)",
            k.as_str()
        )),
    }
}

/// Whether [`plan_entries`] can remove `e` on its own; `Err` says why not (in the owning
/// release's buckets: uv's markers and locks, file objects, Git databases and checkouts, what
/// uvcache does not recognize).
pub fn removable_alone(snap: &Snapshot, e: &Entry) -> Result<(), String> {
    entry_seed(snap, e).map(|_| ())
}

/// Plans the removal of single entries of a scan, each whole, with the rules of the surgical
/// clean: a wheel goes with its pointer and lock files, a source version (or shard) with its
/// revisions (a dangling revision alone), an archive only when every entry linking to it goes
/// too and no link left on the disk uses it, and archives whose last link goes are released.
/// Entries of another uv release's bucket go by the same rules (else by their own path), and a
/// bucket of another release whose every entry is asked for (its scaffolding aside) goes whole,
/// as `prune` removes it. The first warning names the entries that stay: those that cannot go
/// alone (see [`removable_alone`]), archives an entry left (or a link on the disk) uses, ids
/// not in the scan.
pub fn plan_entries(snap: &Snapshot, ids: &[EntryId]) -> Plan {
    let target = Target::of(snap);
    let root = &snap.root.path;
    let asked: BTreeSet<EntryId> = ids.iter().copied().collect();
    // Buckets of other releases asked for whole: every entry that can go alone (not the
    // bucket's scaffolding), and at least one. Per bucket: (entries that can go, asked for).
    let mut counts: BTreeMap<u16, (usize, usize)> = BTreeMap::new();
    for e in &snap.entries {
        let foreign = bucket_of(snap, e).is_some_and(|bk| bk.class != TopLevel::Current);
        if let (true, Some(b)) = (foreign, e.bucket)
            && entry_seed(snap, e).is_ok()
        {
            let c = counts.entry(b).or_default();
            c.0 += 1;
            c.1 += usize::from(asked.contains(&e.id));
        }
    }
    let whole: BTreeSet<u16> = counts
        .into_iter()
        .filter(|(_, (all, asked))| *asked > 0 && asked == all)
        .map(|(b, _)| b)
        .collect();
    let mut seeds = Vec::new();
    let mut paths = Vec::new();
    let mut refused = Vec::new();
    let mut archives = Vec::new();
    for id in &asked {
        let Some(e) = snap.entries.get(*id as usize) else {
            refused.push(format!("entry {id}: not in the scan"));
            continue;
        };
        paths.push(escape_path(&e.path).into_owned());
        if e.bucket.is_some_and(|b| whole.contains(&b)) {
            continue;
        }
        let kind = match entry_seed(snap, e) {
            Ok(kind) => kind,
            Err(why) => {
                refused.push(format!("{}: {why}", escape_path(&e.path)));
                continue;
            }
        };
        if kind == SeedKind::UnusedArchive {
            // Entries the scan saw linking to it (environments too, which the disk check
            // under the lock does not look at) must all go with it.
            if let Some(r) = e.detail.referrers.iter().find(|r| !asked.contains(r)) {
                let by = snap.entries.get(*r as usize).map_or_else(
                    || format!("entry {r}"),
                    |r| escape_path(&r.path).into_owned(),
                );
                refused.push(format!("{}: {by} links to it", escape_path(&e.path)));
                continue;
            }
            archives.push(e.path.clone());
        }
        seeds.push(Seed {
            path: root.join(&e.path),
            kind,
            reason: Reason::Entry {
                entry: e.kind.as_str().to_string(),
                package: e.package.clone(),
                version: e.version.clone(),
            },
        });
    }
    for b in &whole {
        if let Some(bucket) = snap.buckets.get(usize::from(*b)) {
            seeds.push(Seed {
                path: root.join(&bucket.name),
                kind: SeedKind::Itself,
                reason: Reason::ForeignBucket,
            });
        }
    }
    let mut plan = plan(
        &target,
        Recipe::Select(seeds),
        Operation::Entries { entries: paths },
    );
    // An archive a link left on the disk still uses stays.
    for a in archives {
        if !plan.items.iter().any(|i| a.starts_with(&i.path)) {
            refused.push(format!(
                "{}: a link that stays still uses it",
                escape_path(&a)
            ));
        }
    }
    if !refused.is_empty() {
        plan.warnings.insert(
            0,
            format!(
                "{} stay{}: {}",
                match refused.len() {
                    1 => "1 entry".to_string(),
                    n => format!("{n} entries"),
                },
                if refused.len() == 1 { "s" } else { "" },
                refused.join("; ")
            ),
        );
    }
    plan
}
