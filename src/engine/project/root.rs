//! Project roots: which directory around a path is a uv project, and which is the root of its
//! workspace, by reading `pyproject.toml` files on the way up.

use std::path::{Path, PathBuf};

/// A parsed `pyproject.toml`.
#[derive(Debug, Clone)]
pub struct PyProject {
    /// The file.
    pub path: PathBuf,
    table: toml::Table,
}

impl PyProject {
    /// Reads `<dir>/pyproject.toml`: `Ok(None)` when there is no such file or it is not valid
    /// TOML (uv warns about an unparsable one and goes on), an error when it cannot be read.
    pub fn in_dir(dir: &Path) -> std::io::Result<Option<PyProject>> {
        let path = dir.join("pyproject.toml");
        if !path.is_file() {
            return Ok(None);
        }
        let text = fs_err::read_to_string(&path)?;
        Ok(text
            .parse::<toml::Table>()
            .ok()
            .map(|table| PyProject { path, table }))
    }

    /// Whether it has a `[project]` table.
    pub fn has_project(&self) -> bool {
        self.table.contains_key("project")
    }

    /// Whether it declares a workspace (`[tool.uv.workspace]`).
    pub fn declares_workspace(&self) -> bool {
        self.tool_uv().and_then(|u| u.get("workspace")).is_some()
    }

    /// Its `[tool.uv]` table (or value), when present.
    pub fn tool_uv(&self) -> Option<&toml::Value> {
        self.table.get("tool").and_then(|t| t.get("uv"))
    }

    /// The whole file.
    pub fn table(&self) -> &toml::Table {
        &self.table
    }
}

/// Whether `dir` is a uv project: it has a `uv.lock`, or a `pyproject.toml` with a `[project]`
/// table.
pub fn is_project(dir: &Path) -> bool {
    dir.join("uv.lock").is_file()
        || PyProject::in_dir(dir)
            .ok()
            .flatten()
            .is_some_and(|p| p.has_project())
}

/// The nearest directory from `dir` up that [`is_project`]: where `uv sync` run in `dir`
/// finds a project to sync (a workspace member counts as its own project).
pub fn nearest_project(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|d| is_project(d))
}

/// The root of the project or workspace containing `dir`, where uv starts looking for the
/// project's settings: the nearest ancestor whose `pyproject.toml` has a `[project]` table or
/// declares `[tool.uv.workspace]`, and if it is a plain project, a further ancestor declaring
/// `[tool.uv.workspace]` (membership globs are not checked). Unreadable or unparsable
/// `pyproject.toml` files are passed over.
pub fn workspace_root(dir: &Path) -> Option<PathBuf> {
    let mut project = None;
    for dir in dir.ancestors() {
        let Ok(Some(pyproject)) = PyProject::in_dir(dir) else {
            continue;
        };
        let is_workspace = pyproject.declares_workspace();
        if project.is_some() && is_workspace {
            return Some(dir.to_path_buf());
        }
        if project.is_none() && (pyproject.has_project() || is_workspace) {
            project = Some(dir.to_path_buf());
            if is_workspace {
                break;
            }
        }
    }
    project
}

/// The directory whose `uv.lock` a CI cache is keyed on: the nearest ancestor of `dir` (itself
/// included) with a `uv.lock`, else the nearest with a `pyproject.toml` of any content.
pub fn lock_root(dir: &Path) -> Option<&Path> {
    dir.ancestors()
        .find(|d| d.join("uv.lock").is_file())
        .or_else(|| dir.ancestors().find(|d| d.join("pyproject.toml").is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn projects_workspaces_and_lock_roots() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        let member = ws.join("packages/a");
        write(
            &ws.join("pyproject.toml"),
            "[project]\nname='ws'\nversion='0'\n[tool.uv.workspace]\nmembers=['packages/*']\n",
        );
        write(
            &member.join("pyproject.toml"),
            "[project]\nname='a'\nversion='0'\n",
        );
        std::fs::create_dir_all(member.join("src")).unwrap();
        assert_eq!(nearest_project(&member.join("src")), Some(member.as_path()));
        assert_eq!(workspace_root(&member.join("src")), Some(ws.clone()));
        assert_eq!(workspace_root(&ws), Some(ws.clone()));
        assert_eq!(lock_root(&member), Some(member.as_path()));
        write(&ws.join("uv.lock"), "version = 1\n");
        assert_eq!(lock_root(&member), Some(ws.as_path()));
        // A pyproject.toml without [project] is not a project, and broken TOML is skipped.
        let other = tmp.path().join("other");
        write(&other.join("pyproject.toml"), "[tool.black]\n");
        assert!(!is_project(&other));
        assert_eq!(workspace_root(&other), None);
        write(&other.join("pyproject.toml"), "[project\n");
        assert!(PyProject::in_dir(&other).unwrap().is_none());
        assert_eq!(lock_root(&other), Some(other.as_path()));
        write(&other.join("uv.lock"), "");
        assert!(is_project(&other));
    }
}
