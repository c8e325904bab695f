//! `sdists-vN`: source distributions, their revisions and the wheels uv built.
//!
//! ```text
//! .git, .gitignore
//! pypi/<name>/<version>/{revision.http, .lock, <rev>/}
//! index/<digest>/<name>/<version>/{revision.http|revision.rev, .lock, <rev>/}
//! url|path|editable/<digest>/{revision.http|revision.rev, .lock, <rev>/}
//! git/<digest>/<commit16>/{.lock, metadata.msgpack, *.whl, <stem> -> archive}
//! ```

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Item, Member, PlanCtx, Structure, Unit};
use crate::engine::model::{EntryKind, EntryState, Source};
use crate::engine::names::{WheelName, normalize};

/// A directory planned in parallel with the others, once the bucket's upper
/// levels are listed.
enum Job {
    /// `<name>/`: version directories, each a source shard.
    Package(Item, Source),
    /// A source shard without package directories.
    Shard(PathBuf, Source),
    /// `git/<digest>/<commit>`.
    Git(String, Item),
}

pub fn plan(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    let mut jobs: Vec<Job> = Vec::new();
    for top in ctx.list(&ctx.dir) {
        let name = top.name_lossy();
        if !top.file_type.is_dir() {
            if matches!(name.as_str(), ".git" | ".gitignore" | ".lock") {
                let mut u = ctx.unit(EntryKind::Marker, &top.path, Source::None);
                u.members.push(Member {
                    path: top.path.clone(),
                    recurse: false,
                });
                units.push(u);
            } else {
                units.push(ctx.unknown(&top, "unexpected file in the sdists bucket"));
            }
            continue;
        }
        structure.add(&top.path);
        match name.as_str() {
            "pypi" => {
                for pkg in ctx.list(&top.path) {
                    jobs.push(Job::Package(pkg, Source::Pypi));
                }
            }
            "index" => {
                for shard in ctx.list(&top.path) {
                    if !shard.file_type.is_dir() {
                        units.push(ctx.unknown(&shard, "unexpected file in sdists/index"));
                        continue;
                    }
                    structure.add(&shard.path);
                    let source = Source::Index {
                        digest: shard.name_lossy(),
                        url: None,
                    };
                    for pkg in ctx.list(&shard.path) {
                        jobs.push(Job::Package(pkg, source.clone()));
                    }
                }
            }
            "url" | "path" | "editable" => {
                for shard in ctx.list(&top.path) {
                    if !shard.file_type.is_dir() {
                        units.push(
                            ctx.unknown(&shard, "unexpected file in a sdists source directory"),
                        );
                        continue;
                    }
                    let digest = shard.name_lossy();
                    let source = match name.as_str() {
                        "url" => Source::Url { digest, url: None },
                        "path" => Source::Path { digest },
                        _ => Source::Editable { digest },
                    };
                    structure.add(&shard.path);
                    jobs.push(Job::Shard(shard.path, source));
                }
            }
            "git" => {
                for repo in ctx.list(&top.path) {
                    if !repo.file_type.is_dir() {
                        units.push(ctx.unknown(&repo, "unexpected file in sdists/git"));
                        continue;
                    }
                    structure.add(&repo.path);
                    for commit in ctx.list(&repo.path) {
                        jobs.push(Job::Git(repo.name_lossy(), commit));
                    }
                }
            }
            _ => {
                // Not a source directory: take back the structure entry and report it.
                units.push(ctx.unknown(&top, "unknown sdists source directory"));
                structure.forget(&top.path);
            }
        }
    }
    // Each job lists and reads its own directories: independent of the others.
    let planned: Vec<(Vec<Unit>, Vec<PathBuf>)> = jobs
        .into_par_iter()
        .map(|job| {
            let mut units = Vec::new();
            let mut dirs = Vec::new();
            match job {
                Job::Package(pkg, source) => versions(ctx, &pkg, source, &mut dirs, &mut units),
                Job::Shard(dir, source) => revisions(ctx, &dir, None, None, source, &mut units),
                Job::Git(digest, commit) => units.push(git_shard(ctx, &digest, &commit)),
            }
            (units, dirs)
        })
        .collect();
    for (planned, dirs) in planned {
        units.extend(planned);
        dirs.iter().for_each(|d| structure.add(d));
    }
    units.extend(structure.finish());
    units
}

fn versions(
    ctx: &PlanCtx<'_, '_>,
    pkg: &Item,
    source: Source,
    structure: &mut Vec<PathBuf>,
    units: &mut Vec<Unit>,
) {
    if !pkg.file_type.is_dir() {
        units.push(ctx.unknown(pkg, "expected a package directory"));
        return;
    }
    structure.push(pkg.path.clone());
    let name = normalize(&pkg.name_lossy());
    for version in ctx.list(&pkg.path) {
        if !version.file_type.is_dir() {
            units.push(ctx.unknown(&version, "expected a version directory"));
            continue;
        }
        structure.push(version.path.clone());
        revisions(
            ctx,
            &version.path,
            Some(&name),
            Some(version.name_lossy()),
            source.clone(),
            units,
        );
    }
}

/// What a revision directory's top level says about the package.
#[derive(Default)]
struct RevisionFacts {
    name: Option<String>,
    version: Option<String>,
    wheel: Option<WheelName>,
    wheel_file: Option<String>,
    archives: Vec<String>,
    has_metadata: bool,
}

fn inspect_revision(ctx: &PlanCtx<'_, '_>, dir: &Path, depth: u8) -> RevisionFacts {
    let mut facts = RevisionFacts::default();
    for item in ctx.list(dir) {
        let name = item.name_lossy();
        if name == "metadata.msgpack" && item.file_type.is_file() {
            facts.has_metadata = true;
            if let Some(m) = ctx.metadata(&item.path) {
                facts.name.get_or_insert(normalize(&m.name));
                facts.version.get_or_insert(m.version);
            }
        } else if name.ends_with(".whl") && item.file_type.is_file() {
            if let Some(w) = WheelName::parse(&name) {
                facts.wheel.get_or_insert(w);
                facts.wheel_file.get_or_insert(name);
            }
        } else if item.file_type.is_symlink() || (item.file_type.is_file() && !name.contains('.')) {
            if let Some(id) = ctx.archive_of_link(&item) {
                facts.archives.push(id);
            }
        } else if item.file_type.is_dir() && depth == 0 && name != "src" && name.len() == 16 {
            // A build-settings shard: the same layout one level deeper.
            let inner = inspect_revision(ctx, &item.path, 1);
            facts.has_metadata |= inner.has_metadata;
            facts.name = facts.name.or(inner.name);
            facts.version = facts.version.or(inner.version);
            facts.wheel = facts.wheel.or(inner.wheel);
            facts.wheel_file = facts.wheel_file.or(inner.wheel_file);
            facts.archives.extend(inner.archives);
        }
    }
    facts
}

/// A source shard: pointer files plus one unit per revision directory.
fn revisions(
    ctx: &PlanCtx<'_, '_>,
    shard: &Path,
    package: Option<&str>,
    version: Option<String>,
    mut source: Source,
    units: &mut Vec<Unit>,
) {
    let items = ctx.list(shard);
    let mut current: Option<String> = None;
    let mut has_pointer = false;
    let mut pointer = ctx.unit(EntryKind::SdistPointer, shard, Source::None);
    let mut revs = Vec::new();
    for item in items {
        let name = item.name_lossy();
        if item.file_type.is_dir() {
            revs.push(item);
            continue;
        }
        pointer.members.push(Member {
            path: item.path.clone(),
            recurse: false,
        });
        if name == "revision.http" {
            has_pointer = true;
            if let Some((rev, uri)) = ctx.http_revision(&item.path) {
                current = Some(rev.id);
                if let (Source::Url { url, .. }, Some(uri)) = (&mut source, uri.clone()) {
                    *url = Some(uri);
                }
                pointer.entry.detail.url = uri;
            }
        } else if name == "revision.rev" {
            has_pointer = true;
            if let Some(rev) = ctx.local_revision(&item.path) {
                current = Some(rev.revision.id);
            }
        }
    }
    let mut rev_units = Vec::new();
    let (mut name, mut ver) = (package.map(str::to_string), version);
    for rev in revs {
        let id = rev.name_lossy();
        let facts = inspect_revision(ctx, &rev.path, 0);
        let mut u = ctx.unit(EntryKind::SdistRevision, &rev.path, source.clone());
        u.members.push(Member {
            path: rev.path.clone(),
            recurse: true,
        });
        u.entry.state = match &current {
            Some(c) if *c != id => EntryState::Dangling,
            _ => EntryState::Current,
        };
        if has_pointer && current.is_none() {
            u.entry
                .detail
                .notes
                .push("the revision pointer could not be decoded".into());
        }
        if !facts.has_metadata {
            u.entry
                .detail
                .notes
                .push("no metadata.msgpack (metadata never computed, or a failed build)".into());
        }
        u.entry.detail.revision = Some(id);
        u.entry.detail.built = Some(facts.wheel.is_some());
        u.entry.detail.tags = facts.wheel.as_ref().map(|w| w.tags.clone());
        u.entry.detail.filename = facts.wheel_file.clone();
        u.entry.detail.archives = facts.archives;
        let rev_name = facts
            .name
            .or_else(|| facts.wheel.as_ref().map(|w| normalize(&w.name)));
        let rev_version = facts
            .version
            .or_else(|| facts.wheel.as_ref().map(|w| w.version.clone()));
        u.entry.package = package.map(str::to_string).or(rev_name.clone());
        u.entry.version = rev_version.clone().or(ver.clone());
        if u.entry.state == EntryState::Current {
            name = name.or(rev_name);
            ver = rev_version.or(ver);
        }
        rev_units.push(u);
    }
    // Shards without package directories learn their name from a revision.
    for u in &mut rev_units {
        if u.entry.package.is_none() {
            u.entry.package = name.clone();
        }
    }
    pointer.entry.package = name;
    pointer.entry.version = ver;
    pointer.entry.source = source;
    pointer.entry.detail.revision = current;
    // The pointer file names the entry when there is one; else its first file.
    let main = pointer
        .members
        .iter()
        .find(|m| {
            m.path
                .file_name()
                .is_some_and(|n| n == "revision.http" || n == "revision.rev")
        })
        .or_else(|| pointer.members.first())
        .map(|m| m.path.clone());
    if let Some(main) = main {
        pointer.entry.path = main
            .strip_prefix(ctx.walk.root)
            .unwrap_or(&main)
            .to_path_buf();
        units.push(pointer);
    }
    units.extend(rev_units);
}

fn git_shard(ctx: &PlanCtx<'_, '_>, digest: &str, commit: &Item) -> Unit {
    let source = Source::Git {
        digest: digest.to_string(),
        url: None,
        commit: Some(commit.name_lossy()),
    };
    if !commit.file_type.is_dir() {
        return ctx.unknown(commit, "unexpected file in sdists/git");
    }
    let facts = inspect_revision(ctx, &commit.path, 0);
    let mut u = ctx.unit(EntryKind::SdistGit, &commit.path, source);
    u.members.push(Member {
        path: commit.path.clone(),
        recurse: true,
    });
    u.entry.package = facts
        .name
        .or_else(|| facts.wheel.as_ref().map(|w| normalize(&w.name)));
    u.entry.version = facts
        .version
        .or_else(|| facts.wheel.as_ref().map(|w| w.version.clone()));
    u.entry.detail.built = Some(facts.wheel.is_some());
    u.entry.detail.tags = facts.wheel.map(|w| w.tags);
    u.entry.detail.filename = facts.wheel_file;
    u.entry.detail.archives = facts.archives;
    u.entry.detail.revision = Some(commit.name_lossy());
    if u.entry.package.is_none() {
        u.entry
            .detail
            .notes
            .push("no metadata or wheel: only a lock (uv keys git sources twice)".into());
    }
    u
}
