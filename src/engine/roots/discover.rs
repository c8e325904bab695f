//! Where roots are found: uv's tool directory, the cache's `environments-vN` buckets, the
//! current project, and a bounded walk of search directories.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{FoundBy, Root, RootKind};

/// What to look through.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The cache root (its `environments-vN` buckets are searched, its tree is never walked).
    pub cache_root: PathBuf,
    /// uv's tool directory, when it has one.
    pub tool_dir: Option<PathBuf>,
    /// The directory to start the current project's search from.
    pub cwd: Option<PathBuf>,
    /// Directories to walk for virtual environments (none: no walk).
    pub search: Vec<PathBuf>,
    /// How deep below each search directory to look.
    pub max_depth: usize,
    /// When to stop walking.
    pub budget: Duration,
}

/// What a discovery found.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// The environments, each once, in path order.
    pub roots: Vec<Root>,
    /// Directories the walk read.
    pub searched_dirs: u64,
    /// Whether the walk stopped at its time budget.
    pub timed_out: bool,
}

/// uv's tool directory: `UV_TOOL_DIR`, else `uv/tools` in the platform's data directory.
pub fn tool_dir(var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match var("UV_TOOL_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::data_dir().map(|d| d.join("uv").join("tools")),
    }
}

/// Directory names a walk never enters: caches, build outputs, version control, and the
/// insides of packages.
const SKIPPED: &[&str] = &[
    "node_modules",
    "target",
    "__pycache__",
    "site-packages",
    "Library",
    "snap",
];

/// Whether `dir` is a Python environment (it has a `pyvenv.cfg`).
pub fn is_environment(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
}

/// The kind of an environment found outside the cache and the tool directory.
pub fn kind_of(env: &Path) -> RootKind {
    let project = env.file_name().is_some_and(|n| n == ".venv")
        && env
            .parent()
            .is_some_and(|p| p.join("pyproject.toml").is_file());
    if project {
        RootKind::Project
    } else {
        RootKind::Venv
    }
}

/// Finds the environments `d` describes; `progress` gets the number of directories read.
pub fn discover(d: &Discovery, progress: &dyn Fn(u64)) -> Discovered {
    let mut out = Discovered::default();
    let mut push = |path: PathBuf, kind: RootKind, found_by: FoundBy| {
        out.roots.push(Root {
            path,
            kind,
            found_by,
        })
    };
    if let Some(tools) = &d.tool_dir {
        for dir in subdirs(tools) {
            if is_environment(&dir) {
                push(dir, RootKind::Tool, FoundBy::ToolDir);
            }
        }
    }
    // Environments inside the cache: in `environments-vN` (directories, or links to an
    // environment unpacked in `archive-v0`), and unpacked in `archive-v0` itself.
    let cache = d.cache_root.canonicalize().unwrap_or(d.cache_root.clone());
    for bucket in subdirs(&d.cache_root) {
        let name = bucket
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("environments-v") {
            for dir in entries_in(&bucket) {
                let inside = dir
                    .canonicalize()
                    .is_ok_and(|real| real.starts_with(&cache));
                if inside && is_environment(&dir) {
                    push(dir, RootKind::Cached, FoundBy::Cache);
                }
            }
        } else if name == "archive-v0" {
            for dir in subdirs(&bucket) {
                if is_environment(&dir) {
                    push(dir, RootKind::Cached, FoundBy::Cache);
                }
            }
        }
    }
    if let Some(cwd) = &d.cwd
        && let Some(project) = crate::engine::project::nearest_project(cwd)
    {
        let venv = project.join(".venv");
        if is_environment(&venv) {
            push(venv, RootKind::Project, FoundBy::CurrentProject);
        }
    }
    let started = Instant::now();
    let mut searched = 0u64;
    let mut timed_out = false;
    let mut found = Vec::new();
    'walk: for top in &d.search {
        let mut stack = vec![(top.clone(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            if started.elapsed() > d.budget {
                timed_out = true;
                break 'walk;
            }
            if is_environment(&dir) {
                found.push(dir);
                continue;
            }
            if depth >= d.max_depth {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            searched += 1;
            if searched.is_multiple_of(256) {
                progress(searched);
            }
            for e in entries.flatten() {
                // Never through a symbolic link: the file type of the entry itself.
                if !e.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                let name = e.file_name();
                let name = name.to_string_lossy();
                let hidden = name.starts_with('.') && name != ".venv";
                if hidden || SKIPPED.contains(&name.as_ref()) {
                    continue;
                }
                let path = e.path();
                if path == cache || Some(path.as_path()) == d.tool_dir.as_deref() {
                    continue;
                }
                stack.push((path, depth + 1));
            }
        }
    }
    progress(searched);
    for dir in found {
        let kind = kind_of(&dir);
        push(dir, kind, FoundBy::Search);
    }
    out.searched_dirs = searched;
    out.timed_out = timed_out;
    dedup(&mut out.roots);
    out
}

/// Keeps the first of roots with the same path, in path order.
pub fn dedup(roots: &mut Vec<Root>) {
    let mut seen = std::collections::HashSet::new();
    roots.retain(|r| seen.insert(r.path.canonicalize().unwrap_or(r.path.clone())));
    roots.sort_by(|a, b| a.path.cmp(&b.path));
}

/// Every entry of `dir` (directories and symbolic links alike), sorted.
fn entries_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut v: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    v.sort();
    v
}

/// The real sub-directories of `dir`, sorted (none when it cannot be read).
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut v: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venv(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\nuv = 0.13.9\n").unwrap();
    }

    #[test]
    fn finds_tools_cached_project_and_searched_environments() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let cache = t.join("cache");
        venv(&cache.join("environments-v2/with-abc"));
        venv(&cache.join("archive-v0/EnvArchive000001"));
        venv(&cache.join("archive-v0/EnvArchive000002"));
        std::fs::create_dir_all(cache.join("archive-v0/NotAnEnv00000003")).unwrap();
        std::os::unix::fs::symlink(
            "../archive-v0/EnvArchive000002",
            cache.join("environments-v2/tool-x"),
        )
        .unwrap();
        // A link out of the cache is not followed.
        venv(&t.join("outside"));
        std::os::unix::fs::symlink(t.join("outside"), cache.join("environments-v2/out")).unwrap();
        venv(&t.join("tools/ruff"));
        std::fs::create_dir_all(t.join("tools/not-an-env")).unwrap();
        let home = t.join("home");
        venv(&home.join("proj/.venv"));
        std::fs::write(home.join("proj/pyproject.toml"), "[project]\nname='p'\n").unwrap();
        venv(&home.join("work/deep/env"));
        venv(&home.join("a/b/c/d/e/f/too-deep"));
        venv(&home.join("node_modules/skipped"));
        venv(&home.join(".hidden/skipped"));
        std::os::unix::fs::symlink(home.join("work"), home.join("link")).unwrap();
        let d = Discovery {
            cache_root: cache.clone(),
            tool_dir: Some(t.join("tools")),
            cwd: Some(home.join("proj/src")),
            search: vec![home.clone()],
            max_depth: 4,
            budget: Duration::from_secs(60),
        };
        let found = discover(&d, &|_| {});
        let got: Vec<(PathBuf, RootKind, FoundBy)> = found
            .roots
            .iter()
            .map(|r| {
                (
                    r.path.strip_prefix(t).unwrap().to_path_buf(),
                    r.kind,
                    r.found_by,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    PathBuf::from("cache/archive-v0/EnvArchive000001"),
                    RootKind::Cached,
                    FoundBy::Cache
                ),
                // Also linked from environments-v2/tool-x: listed once.
                (
                    PathBuf::from("cache/archive-v0/EnvArchive000002"),
                    RootKind::Cached,
                    FoundBy::Cache
                ),
                (
                    PathBuf::from("cache/environments-v2/with-abc"),
                    RootKind::Cached,
                    FoundBy::Cache
                ),
                (
                    PathBuf::from("home/proj/.venv"),
                    RootKind::Project,
                    FoundBy::CurrentProject
                ),
                (
                    PathBuf::from("home/work/deep/env"),
                    RootKind::Venv,
                    FoundBy::Search
                ),
                (
                    PathBuf::from("tools/ruff"),
                    RootKind::Tool,
                    FoundBy::ToolDir
                ),
            ]
        );
        assert!(!found.timed_out);
        // A budget of nothing stops the walk at once, and says so.
        let none = discover(
            &Discovery {
                budget: Duration::ZERO,
                ..d
            },
            &|_| {},
        );
        assert!(none.timed_out);
    }
}
