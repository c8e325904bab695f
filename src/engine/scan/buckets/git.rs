//! `git-vN`: fetched repositories, checkouts and their locks.
//!
//! ```text
//! db/<digest>/.git/            locks/<digest>
//! checkouts/<digest>/<short-sha>/ (+ <short-sha>.ok since git-v1)
//! ```

use super::{Item, Learned, Member, PlanCtx, Structure, Unit};
use crate::engine::model::{EntryKind, Source};

pub fn plan(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    for top in ctx.list(&ctx.dir) {
        match (top.name_str(), top.file_type.is_dir()) {
            (Some("db"), true) => {
                structure.add(&top.path);
                for repo in ctx.list(&top.path) {
                    units.push(database(ctx, &repo));
                }
            }
            (Some("locks"), true) => {
                structure.add(&top.path);
                for lock in ctx.list(&top.path) {
                    let source = Source::Git {
                        digest: lock.name_lossy(),
                        url: None,
                        commit: None,
                    };
                    let mut u = ctx.unit(EntryKind::GitLock, &lock.path, source);
                    u.members.push(Member {
                        path: lock.path.clone(),
                        recurse: lock.file_type.is_dir(),
                    });
                    units.push(u);
                }
            }
            (Some("checkouts"), true) => {
                structure.add(&top.path);
                for repo in ctx.list(&top.path) {
                    if !repo.file_type.is_dir() {
                        units.push(ctx.unknown(&repo, "unexpected file in git checkouts"));
                        continue;
                    }
                    structure.add(&repo.path);
                    checkouts(ctx, &repo, &mut units);
                }
            }
            _ => units.push(ctx.unknown(&top, "unknown item in the git bucket")),
        }
    }
    units.extend(structure.finish());
    units
}

fn database(ctx: &PlanCtx<'_, '_>, repo: &Item) -> Unit {
    let digest = repo.name_lossy();
    let mut u = ctx.unit(
        EntryKind::GitDatabase,
        &repo.path,
        Source::Git {
            digest: digest.clone(),
            url: None,
            commit: None,
        },
    );
    u.members.push(Member {
        path: repo.path.clone(),
        recurse: true,
    });
    // uv fetches by URL without configuring a remote; FETCH_HEAD names it.
    let fetch_head = repo.path.join(".git").join("FETCH_HEAD");
    let text = crate::engine::scan::walk::read_regular(&fetch_head, 1 << 20)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    if let Some(text) = text {
        let mut url = None;
        let mut heads = Vec::new();
        for line in text.lines() {
            if let Some(sha) = line.split('\t').next().filter(|s| s.len() == 40) {
                heads.push(sha.to_string());
            }
            if let Some((_, u)) = line.rsplit_once(" of ") {
                url.get_or_insert_with(|| u.trim().to_string());
            }
        }
        if let Some(url) = url {
            u.entry.detail.url = Some(url.clone());
            u.entry.source = Source::Git {
                digest: digest.clone(),
                url: Some(url.clone()),
                commit: None,
            };
            u.learned.push(Learned::GitRepo { digest, url, heads });
        }
    }
    u
}

fn checkouts(ctx: &PlanCtx<'_, '_>, repo: &Item, units: &mut Vec<Unit>) {
    let items = ctx.list(&repo.path);
    let digest = repo.name_lossy();
    for item in &items {
        let name = item.name_lossy();
        if name.ends_with(".ok") && !item.file_type.is_dir() {
            let owner = name.trim_end_matches(".ok");
            if items
                .iter()
                .any(|i| i.file_type.is_dir() && i.name_lossy() == owner)
            {
                continue; // measured with its checkout
            }
        }
        let commit = name.trim_end_matches(".ok").to_string();
        let source = Source::Git {
            digest: digest.clone(),
            url: None,
            commit: Some(commit.clone()),
        };
        let mut u = ctx.unit(EntryKind::GitCheckout, &item.path, source);
        u.members.push(Member {
            path: item.path.clone(),
            recurse: item.file_type.is_dir(),
        });
        let marker = repo.path.join(format!("{name}.ok"));
        if item.file_type.is_dir() {
            if marker.exists() {
                u.members.push(Member {
                    path: marker,
                    recurse: false,
                });
            } else if !item.path.join(".ok").exists() {
                u.entry
                    .detail
                    .notes
                    .push("no ready marker: an interrupted checkout".into());
            }
        } else {
            u.entry
                .detail
                .notes
                .push("ready marker without its checkout".into());
        }
        u.entry.detail.revision = Some(commit);
        units.push(u);
    }
}
