//! `simple-vN` (Simple API pages) and `flat-index-vN` (remote `--find-links` pages).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Item, Learned, Member, PlanCtx, Structure, Unit};
use crate::engine::model::{EntryKind, Source};
use crate::engine::names::{cache_digest, canonical_url, normalize};

pub fn plan_simple(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    for top in ctx.list(&ctx.dir) {
        match (top.name_str(), top.file_type.is_dir()) {
            (Some("pypi"), true) => {
                structure.add(&top.path);
                ctx.memo_dir(&top.path, &mut units, |units| {
                    pages(ctx, &top.path, Source::Pypi, units);
                });
            }
            (Some("index"), true) => {
                structure.add(&top.path);
                for shard in ctx.list(&top.path) {
                    if !shard.file_type.is_dir() {
                        units.push(ctx.unknown(&shard, "unexpected file in simple/index"));
                        continue;
                    }
                    structure.add(&shard.path);
                    let source = Source::Index {
                        digest: shard.name_lossy(),
                        url: None,
                    };
                    ctx.memo_dir(&shard.path, &mut units, |units| {
                        pages(ctx, &shard.path, source, units);
                    });
                }
            }
            _ => units.push(ctx.unknown(&top, "unknown item in the simple bucket")),
        }
    }
    units.extend(structure.finish());
    units
}

fn pages(ctx: &PlanCtx<'_, '_>, dir: &std::path::Path, source: Source, units: &mut Vec<Unit>) {
    let mut groups: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for item in ctx.list(dir) {
        let name = item.name_lossy();
        if item.file_type.is_dir() {
            units.push(ctx.unknown(&item, "unexpected directory among Simple API pages"));
            continue;
        }
        let stem = name
            .strip_suffix(".rkyv")
            .or_else(|| name.strip_suffix(".lock"))
            .unwrap_or(&name)
            .to_string();
        groups.entry(stem).or_default().push(item);
    }
    for (stem, items) in groups {
        let page: Option<PathBuf> = items
            .iter()
            .find(|i| i.name_lossy().ends_with(".rkyv"))
            .map(|i| i.path.clone());
        let main = page.clone().unwrap_or_else(|| items[0].path.clone());
        let mut u = ctx.unit(EntryKind::SimplePage, &main, source.clone());
        u.members = items
            .iter()
            .map(|i| Member {
                path: i.path.clone(),
                recurse: false,
            })
            .collect();
        if stem != "index.html" {
            u.entry.package = Some(normalize(&stem));
        } else {
            u.entry.detail.notes.push("the index's project list".into());
        }
        if let Some(policy) = page.and_then(|p| ctx.policy_of(&p)) {
            if let Source::Index { digest, .. } = &source
                && let Some(url) = index_url_of_page(&policy.uri, digest)
            {
                u.learned.push(Learned::Index {
                    digest: digest.clone(),
                    url,
                });
            }
            u.entry.detail.url = Some(policy.uri);
        }
        units.push(u);
    }
}

/// The index URL a project page URL belongs to, if it hashes to `digest`.
fn index_url_of_page(page: &str, digest: &str) -> Option<String> {
    let trimmed = page.trim_end_matches('/');
    let candidates = [
        trimmed.rsplit_once('/').map(|(base, _)| base.to_string()),
        Some(trimmed.to_string()),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|c| cache_digest(&canonical_url(c)) == digest)
}

pub fn plan_flat(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    for top in ctx.list(&ctx.dir) {
        if top.name_str() != Some("html") || !top.file_type.is_dir() {
            units.push(ctx.unknown(&top, "unknown item in the flat-index bucket"));
            continue;
        }
        structure.add(&top.path);
        for page in ctx.list(&top.path) {
            if page.file_type.is_dir() {
                units.push(ctx.unknown(&page, "unexpected directory among flat-index pages"));
                continue;
            }
            let digest = page
                .name_lossy()
                .trim_end_matches(".msgpack")
                .trim_end_matches(".lock")
                .to_string();
            let mut u = ctx.unit(
                EntryKind::FlatIndexPage,
                &page.path,
                Source::Index { digest, url: None },
            );
            u.members.push(Member {
                path: page.path.clone(),
                recurse: false,
            });
            if page.name_lossy().ends_with(".msgpack")
                && let Some(policy) = ctx.policy_of(&page.path)
            {
                // Wheels from this page live under `index/<digest of the canonical URL>`.
                let canonical = canonical_url(&policy.uri);
                u.learned.push(Learned::Index {
                    digest: cache_digest(&canonical),
                    url: canonical,
                });
                if let Source::Index { url, .. } = &mut u.entry.source {
                    *url = Some(policy.uri.clone());
                }
                u.entry.detail.url = Some(policy.uri);
            }
            units.push(u);
        }
    }
    units.extend(structure.finish());
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_url_from_page_url() {
        let d = cache_digest("http://127.0.0.1:8765/simple");
        assert_eq!(
            index_url_of_page("http://127.0.0.1:8765/simple/alpha/", &d).as_deref(),
            Some("http://127.0.0.1:8765/simple")
        );
        assert_eq!(
            index_url_of_page("http://127.0.0.1:8765/simple/alpha/", "0000000000000000"),
            None
        );
    }
}
