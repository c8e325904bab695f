//! `wheels-vN`: downloaded and local wheels.
//!
//! ```text
//! pypi/<name>/<key>{,.http,.rev,.msgpack,.lock}
//! index/<digest>/<name>/...      url/<digest>/<name>/...
//! git/<digest>/<commit16>/<stem>, <key>.rev
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use super::{Item, Member, PlanCtx, Structure, Unit};
use crate::engine::model::{EntryKind, Source};
use crate::engine::names::{WheelName, normalize};

pub fn plan(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    // Package directories, planned in parallel once listed (each reads its
    // wheels' pointers and metadata).
    let mut packages: Vec<(Item, Source)> = Vec::new();
    for top in ctx.list(&ctx.dir) {
        let Some(name) = top.name_str() else {
            units.push(ctx.unknown(&top, "name is not UTF-8"));
            continue;
        };
        if !top.file_type.is_dir() {
            units.push(ctx.unknown(&top, "unexpected file in the wheels bucket"));
            continue;
        }
        match name {
            "pypi" => {
                structure.add(&top.path);
                for pkg in ctx.list(&top.path) {
                    package_dir(
                        ctx,
                        pkg,
                        Source::Pypi,
                        &mut structure,
                        &mut packages,
                        &mut units,
                    );
                }
            }
            "index" | "url" => {
                structure.add(&top.path);
                for shard in ctx.list(&top.path) {
                    let Some(digest) = shard.name_str().filter(|_| shard.file_type.is_dir()) else {
                        units.push(
                            ctx.unknown(&shard, "unexpected item in a wheels source directory"),
                        );
                        continue;
                    };
                    let source = if name == "index" {
                        Source::Index {
                            digest: digest.to_string(),
                            url: None,
                        }
                    } else {
                        Source::Url {
                            digest: digest.to_string(),
                            url: None,
                        }
                    };
                    structure.add(&shard.path);
                    for pkg in ctx.list(&shard.path) {
                        package_dir(
                            ctx,
                            pkg,
                            source.clone(),
                            &mut structure,
                            &mut packages,
                            &mut units,
                        );
                    }
                }
            }
            "git" => {
                structure.add(&top.path);
                for repo in ctx.list(&top.path) {
                    let digest = repo.name_lossy();
                    if !repo.file_type.is_dir() {
                        units.push(ctx.unknown(&repo, "unexpected file in wheels git directory"));
                        continue;
                    }
                    structure.add(&repo.path);
                    for commit in ctx.list(&repo.path) {
                        let source = Source::Git {
                            digest: digest.clone(),
                            url: None,
                            commit: Some(commit.name_lossy()),
                        };
                        if commit.file_type.is_dir() {
                            structure.add(&commit.path);
                            ctx.memo_dir(&commit.path, &mut units, |units| {
                                key_groups(ctx, &commit.path, None, source, units);
                            });
                        } else {
                            units.push(
                                ctx.unknown(&commit, "unexpected file in wheels git directory"),
                            );
                        }
                    }
                }
            }
            _ => units.push(ctx.unknown(&top, "unknown wheels source directory")),
        }
    }
    let planned: Vec<Vec<Unit>> = packages
        .par_iter()
        .map(|(pkg, source)| {
            let mut units = Vec::new();
            ctx.memo_dir(&pkg.path, &mut units, |units| {
                let name = normalize(&pkg.name_lossy());
                key_groups(ctx, &pkg.path, Some(&name), source.clone(), units);
            });
            units
        })
        .collect();
    units.extend(planned.into_iter().flatten());
    units.extend(structure.finish());
    units
}

/// Queues a package directory for planning (anything else is unknown).
fn package_dir(
    ctx: &PlanCtx<'_, '_>,
    pkg: Item,
    source: Source,
    structure: &mut Structure,
    packages: &mut Vec<(Item, Source)>,
    units: &mut Vec<Unit>,
) {
    if !pkg.file_type.is_dir() {
        units.push(ctx.unknown(&pkg, "expected a package directory"));
        return;
    }
    structure.add(&pkg.path);
    packages.push((pkg, source));
}

/// Suffixes of the files that belong to a wheel key.
const SUFFIXES: [&str; 5] = [".variant.msgpack", ".http", ".rev", ".msgpack", ".lock"];

/// Groups a package directory's files by wheel key and makes one unit per key.
fn key_groups(
    ctx: &PlanCtx<'_, '_>,
    dir: &Path,
    package: Option<&str>,
    source: Source,
    units: &mut Vec<Unit>,
) {
    let mut groups: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for item in ctx.list(dir) {
        let name = item.name_lossy();
        let key = SUFFIXES
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|_| !item.file_type.is_dir())
            .unwrap_or(&name)
            .to_string();
        groups.entry(key).or_default().push(item);
    }
    for (key, items) in groups {
        units.push(wheel_unit(ctx, &key, items, package, source.clone()));
    }
}

fn wheel_unit(
    ctx: &PlanCtx<'_, '_>,
    key: &str,
    items: Vec<Item>,
    package: Option<&str>,
    source: Source,
) -> Unit {
    let main = items
        .iter()
        .find(|i| i.name_lossy() == key)
        .or_else(|| items.first())
        .map(|i| i.path.clone())
        .unwrap_or_default();
    let mut unit = ctx.unit(EntryKind::WheelMetadata, &main, source);
    let mut filename = None;
    let mut version = None;
    let mut pointer_id = None;
    let mut has_pointer = false;
    for item in &items {
        let name = item.name_lossy();
        unit.members.push(Member {
            path: item.path.clone(),
            recurse: item.file_type.is_dir(),
        });
        if name == key && !item.file_type.is_dir() {
            match ctx.archive_of_link(item) {
                Some(id) => unit.entry.detail.archives.push(id),
                None => unit
                    .entry
                    .detail
                    .notes
                    .push("link does not point into archive-v0".into()),
            }
        } else if name.ends_with(".http") {
            has_pointer = true;
            if let Some((p, uri)) = ctx.http_archive_pointer(&item.path) {
                filename = filename.or(p.filename);
                pointer_id = Some(p.id);
                if let Some(uri) = uri {
                    unit.entry.detail.url = Some(uri.clone());
                    if let crate::engine::model::Source::Url { url, .. } = &mut unit.entry.source {
                        *url = Some(uri);
                    }
                }
            }
        } else if name.ends_with(".rev") {
            has_pointer = true;
            if let Some(p) = ctx.rev_archive_pointer(&item.path) {
                filename = filename.or(p.archive.filename);
                pointer_id = Some(p.archive.id);
            }
        } else if name == format!("{key}.msgpack") {
            if let Some(m) = ctx.http_metadata(&item.path) {
                version = Some(m.version);
            }
        } else if item.file_type.is_dir() {
            unit.entry
                .detail
                .notes
                .push(format!("unexpected directory {name}"));
        }
    }
    if has_pointer || !unit.entry.detail.archives.is_empty() {
        unit.entry.kind = EntryKind::Wheel;
    }
    if let Some(id) = pointer_id
        && !unit.entry.detail.archives.contains(&id)
    {
        unit.entry.detail.archives.push(id);
    }
    unit.entry.detail.built = Some(false);
    // Prefer the filename uv stored; keys may have hashed tags.
    let parsed = filename.as_deref().and_then(WheelName::parse).or_else(|| {
        // Old buckets (before wheels-v5) name entries by the full wheel stem.
        WheelName::parse(key).filter(|w| package.is_none_or(|p| normalize(&w.name) == p))
    });
    match parsed {
        Some(w) => {
            unit.entry.package = Some(normalize(&w.name));
            unit.entry.version = Some(w.version.clone());
            unit.entry.detail.tags = Some(w.tags.clone());
        }
        None => {
            unit.entry.package = package.map(str::to_string);
            unit.entry.version = version.or_else(|| key.split('-').next().map(str::to_string));
            if key.starts_with("variants-json-") {
                unit.entry.version = None;
            }
        }
    }
    if package.is_some() {
        unit.entry.package = package.map(str::to_string);
    }
    unit.entry.detail.filename = filename;
    unit
}
