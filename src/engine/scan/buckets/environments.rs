//! `environments-vN`: cached tool environments (links into `archive-v0`),
//! PEP 723 script environments and centralized project environments.

use super::{Member, PlanCtx, Structure, Unit};
use crate::engine::model::{EntryKind, Source};
use crate::engine::names::is_digest;

pub fn plan(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    for top in ctx.list(&ctx.dir) {
        let name = top.name_lossy();
        if top.file_type.is_dir() && is_digest(&name) {
            // `<interpreter digest>/<resolution digest>` links (+ `.lock` files).
            structure.add(&top.path);
            let items = ctx.list(&top.path);
            for item in &items {
                let n = item.name_lossy();
                if let Some(owner) = n.strip_suffix(".lock")
                    && items.iter().any(|i| i.name_lossy() == owner)
                {
                    continue;
                }
                let mut u = ctx.unit(EntryKind::ToolEnvironment, &item.path, Source::None);
                u.members.push(Member {
                    path: item.path.clone(),
                    recurse: item.file_type.is_dir(),
                });
                let lock = top.path.join(format!("{n}.lock"));
                if lock.exists() && !n.ends_with(".lock") {
                    u.members.push(Member {
                        path: lock,
                        recurse: false,
                    });
                }
                match ctx.archive_of_link(item) {
                    Some(id) => u.entry.detail.archives.push(id),
                    None if n.ends_with(".lock") => u
                        .entry
                        .detail
                        .notes
                        .push("lock without its environment".into()),
                    None => u
                        .entry
                        .detail
                        .notes
                        .push("not a link into archive-v0".into()),
                }
                units.push(u);
            }
        } else if top.file_type.is_dir() {
            let kind = if is_project_env_name(&name) {
                EntryKind::ProjectEnvironment
            } else {
                EntryKind::ScriptEnvironment
            };
            let mut u = ctx.unit(kind, &top.path, Source::None);
            u.members.push(Member {
                path: top.path.clone(),
                recurse: true,
            });
            u.entry
                .detail
                .notes
                .push(format!("name: {}", env_display_name(&name)));
            units.push(u);
        } else {
            units.push(ctx.unknown(&top, "unexpected file in the environments bucket"));
        }
    }
    units.extend(structure.finish());
    units
}

/// `<name>-<impl><version>-<digest>`, e.g. `proj2-cp3.11.7-3350366bee70e44f`.
fn is_project_env_name(name: &str) -> bool {
    let mut parts = name.rsplitn(3, '-');
    let (Some(digest), Some(python), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    is_digest(digest)
        && python.len() > 2
        && ["cp", "pp", "gp"].iter().any(|p| python.starts_with(p))
        && python[2..]
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit())
}

/// The script or project name part of an environment directory name.
fn env_display_name(name: &str) -> &str {
    let without_digest = name.rsplit_once('-').map_or(name, |(a, _)| a);
    if is_project_env_name(name) {
        without_digest
            .rsplit_once('-')
            .map_or(without_digest, |(a, _)| a)
    } else {
        without_digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names() {
        assert!(is_project_env_name("proj2-cp3.11.7-3350366bee70e44f"));
        assert!(!is_project_env_name("myscript-5748a34b3945bce9"));
        assert_eq!(env_display_name("proj2-cp3.11.7-3350366bee70e44f"), "proj2");
        assert_eq!(env_display_name("my-script-5748a34b3945bce9"), "my-script");
    }
}
