//! The Git facts a `git` cache key records: the commit `HEAD` names and the tags.
//!
//! As uv does, the repository is the nearest ancestor of the project with a `.git` entry
//! (directory, or file of a linked worktree); references are read without peeling, so an
//! annotated tag maps to its tag object.

use std::collections::BTreeMap;
use std::path::Path;

/// The nearest ancestor of `project` (itself included) that holds a `.git` entry.
pub fn repository_root(project: &Path) -> Option<&Path> {
    project.ancestors().find(|dir| dir.join(".git").exists())
}

fn open(project: &Path) -> Result<gix::Repository, String> {
    let root = repository_root(project)
        .ok_or_else(|| format!("`{}` is not inside a Git repository", project.display()))?;
    gix::open_opts(root, gix::open::Options::isolated()).map_err(|e| {
        format!(
            "cannot open the Git repository at `{}`: {e}",
            root.display()
        )
    })
}

fn checked_commit(id: String) -> Result<String, String> {
    if id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(format!("`{id}` is not a 40-character commit id"))
    }
}

/// The commit `HEAD` names: the detached commit, or the commit of the branch it points to.
/// An error when there is no repository or the branch has no commit yet (uv then records
/// nothing).
pub fn head_commit(project: &Path) -> Result<String, String> {
    let repo = open(project)?;
    let head = repo.head().map_err(|e| format!("cannot read HEAD: {e}"))?;
    match head.kind {
        gix::head::Kind::Detached { target, .. } => checked_commit(target.to_hex().to_string()),
        gix::head::Kind::Symbolic(reference) => match reference.target.try_id() {
            Some(id) => checked_commit(id.to_hex().to_string()),
            None => Err(format!(
                "HEAD's branch `{}` is itself symbolic",
                reference.name.as_bstr()
            )),
        },
        gix::head::Kind::Unborn(name) => Err(format!("branch `{}` has no commit", name.as_bstr())),
    }
}

/// Every tag (name below `refs/tags/`) with the object id it names. An error when there is no
/// repository or a tag cannot be read (uv then records nothing).
pub fn tags(project: &Path) -> Result<BTreeMap<String, String>, String> {
    let repo = open(project)?;
    let platform = repo
        .references()
        .map_err(|e| format!("cannot read references: {e}"))?;
    let iter = platform
        .tags()
        .map_err(|e| format!("cannot read tags: {e}"))?;
    let mut tags = BTreeMap::new();
    for reference in iter {
        let reference = reference.map_err(|e| format!("cannot read a tag: {e}"))?;
        let full = reference.name().as_bstr().to_string();
        let Some(name) = full.strip_prefix("refs/tags/") else {
            continue;
        };
        let id = reference
            .target()
            .try_id()
            .map(|id| id.to_hex().to_string())
            .ok_or_else(|| format!("tag `{name}` is symbolic"))?;
        tags.insert(name.to_string(), checked_commit(id)?);
    }
    Ok(tags)
}
