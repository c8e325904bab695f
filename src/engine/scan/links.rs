//! The archive reference graph, and labels learned from stored URLs.
//!
//! Archives in `archive-v0` are named by random ids; other buckets point at
//! them with links and pointer files. Here each archive learns who refers to
//! it (and so which package, version and source it belongs to), and digests
//! learn the URLs that hash to them.

use std::collections::HashMap;
use std::hash::Hasher;

use crate::engine::model::{Entry, EntryId, EntryKind, EntryState, Source};
use crate::engine::names::{cache_digest, canonical_url, normalize};
use crate::engine::scan::buckets::Learned;

/// Links referrers to archives and attributes every archive.
pub fn link_archives(entries: &mut [Entry], dist_infos: &HashMap<EntryId, (Vec<String>, bool)>) {
    let by_id: HashMap<String, EntryId> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Archive)
        .filter_map(|e| Some((e.detail.revision.clone()?, e.id)))
        .collect();
    let mut refs: Vec<(EntryId, EntryId)> = Vec::new();
    for e in entries.iter_mut() {
        if e.kind == EntryKind::Archive || e.detail.archives.is_empty() {
            continue;
        }
        let found: Vec<EntryId> = e
            .detail
            .archives
            .iter()
            .filter_map(|a| by_id.get(a).copied())
            .collect();
        if found.is_empty() && matches!(e.kind, EntryKind::Wheel | EntryKind::ToolEnvironment) {
            e.state = EntryState::Broken;
            e.detail
                .notes
                .push("its archive is gone (uv fetches it again when needed)".into());
        }
        refs.extend(found.into_iter().map(|a| (a, e.id)));
    }
    for (archive, referrer) in refs {
        let (a, r) = (archive as usize, referrer as usize);
        let Some(r_entry) = entries.get(r).cloned() else {
            continue;
        };
        let Some(a_entry) = entries.get_mut(a) else {
            continue;
        };
        if !a_entry.detail.referrers.contains(&referrer) {
            a_entry.detail.referrers.push(referrer);
        }
        a_entry.state = EntryState::Current;
        if r_entry.kind == EntryKind::ToolEnvironment {
            a_entry.kind = EntryKind::ArchiveEnvironment;
            continue;
        }
        if a_entry.package.is_none() {
            a_entry.package = r_entry.package.clone();
            a_entry.version = r_entry.version.clone();
            a_entry.source = r_entry.source.clone();
            a_entry.detail.tags = r_entry.detail.tags.clone();
            a_entry.detail.filename = r_entry.detail.filename.clone();
        }
        let built = matches!(r_entry.kind, EntryKind::SdistRevision | EntryKind::SdistGit);
        a_entry.detail.built = Some(a_entry.detail.built.unwrap_or(false) || built);
    }
    // Archives only dangling revisions point at go with those revisions.
    let states: Vec<EntryState> = entries.iter().map(|e| e.state).collect();
    for e in entries
        .iter_mut()
        .filter(|e| e.kind == EntryKind::Archive && !e.detail.referrers.is_empty())
    {
        if e.detail
            .referrers
            .iter()
            .all(|r| states.get(*r as usize) == Some(&EntryState::Dangling))
        {
            e.state = EntryState::Dangling;
        }
    }
    // What archives and environments hold.
    for e in entries.iter_mut() {
        let Some((dists, is_venv)) = dist_infos.get(&e.id) else {
            continue;
        };
        match e.kind {
            EntryKind::Archive if *is_venv => {
                e.kind = EntryKind::ArchiveEnvironment;
                e.detail.contents = dists.iter().map(|d| dist_label(d)).collect();
            }
            EntryKind::ArchiveEnvironment
            | EntryKind::ScriptEnvironment
            | EntryKind::ProjectEnvironment => {
                e.detail.contents = dists.iter().map(|d| dist_label(d)).collect();
            }
            EntryKind::Archive if e.package.is_none() => {
                if let [only] = &dists[..] {
                    let (name, version) = split_dist_info(only);
                    e.package = Some(normalize(&name));
                    e.version = version;
                    e.detail
                        .notes
                        .push("attributed from its .dist-info (no referrer)".into());
                }
            }
            _ => {}
        }
    }
    // Tool environments list what their archive holds.
    let contents: HashMap<EntryId, Vec<String>> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::ArchiveEnvironment)
        .map(|e| (e.id, e.detail.contents.clone()))
        .collect();
    for e in entries
        .iter_mut()
        .filter(|e| e.kind == EntryKind::ToolEnvironment)
    {
        let archive = e.detail.archives.first().and_then(|a| by_id.get(a));
        if let Some(c) = archive.and_then(|id| contents.get(id)) {
            e.detail.contents = c.clone();
        }
    }
}

/// The normalized package name of a `*.dist-info` directory name.
pub(super) fn package_of_dist_info(dir: &str) -> String {
    normalize(&split_dist_info(dir).0)
}

fn split_dist_info(dir: &str) -> (String, Option<String>) {
    let stem = dir.trim_end_matches(".dist-info");
    match stem.split_once('-') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (stem.to_string(), None),
    }
}

fn dist_label(dir: &str) -> String {
    match split_dist_info(dir) {
        (name, Some(v)) => format!("{} {v}", normalize(&name)),
        (name, None) => normalize(&name),
    }
}

/// Fills in URLs of index and Git sources from what planners learned.
pub fn label_sources(entries: &mut [Entry], learned: &[Learned]) {
    let mut index_urls: HashMap<String, String> = HashMap::new();
    let mut git_urls: HashMap<String, String> = HashMap::new();
    for l in learned {
        match l {
            Learned::Index { digest, url } => {
                index_urls
                    .entry(digest.clone())
                    .or_insert_with(|| url.clone());
            }
            Learned::GitRepo { digest, url, heads } => {
                let canonical = canonical_url(url);
                git_urls.insert(digest.clone(), url.clone());
                // git-v2 checkouts: digest of (URL, LFS flag).
                for lfs in [false, true] {
                    git_urls.insert(tuple_digest(&canonical, lfs), url.clone());
                }
                // sdists/git and wheels/git shards: `git+<url>[@<commit>]`.
                git_urls.insert(cache_digest(&format!("git+{canonical}")), url.clone());
                for sha in heads {
                    git_urls.insert(cache_digest(&format!("git+{canonical}@{sha}")), url.clone());
                }
            }
        }
    }
    for e in entries.iter_mut() {
        match &mut e.source {
            Source::Index { digest, url } if url.is_none() => {
                *url = index_urls.get(digest.as_str()).cloned()
            }
            Source::Git { digest, url, .. } if url.is_none() => {
                *url = git_urls.get(digest.as_str()).cloned()
            }
            _ => {}
        }
    }
}

/// Digest of a `(str, bool)` tuple, hashed as Rust's `Hash` feeds it.
fn tuple_digest(s: &str, flag: bool) -> String {
    let mut h = seahash::SeaHasher::new();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.write_u8(u8::from(flag));
    h.finish()
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_checkout_digest_matches_uv() {
        // Observed in a cache written by uv 0.13.9.
        assert_eq!(
            tuple_digest("file:///tmp/exp/gitrepo", false),
            "e082cc50e52860ac"
        );
        assert_eq!(
            cache_digest("git+file:///tmp/exp/gitrepo"),
            "e7aa4e21520295a7"
        );
    }

    #[test]
    fn dist_info_names() {
        assert_eq!(
            dist_label("typing_extensions-4.12.2.dist-info"),
            "typing-extensions 4.12.2"
        );
        assert_eq!(
            split_dist_info("six-1.17.0.dist-info"),
            ("six".into(), Some("1.17.0".into()))
        );
    }
}
