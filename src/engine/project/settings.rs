//! uv's settings files, found and read as uv does: the project's `uv.toml` or
//! `pyproject.toml` `[tool.uv]` (searched from the workspace root, else the directory, upwards),
//! then the user's `uv.toml`, then the system's. A setting in an earlier file wins.

use std::path::{Path, PathBuf};

use super::root::{PyProject, workspace_root};
use crate::engine::error::{Error, Result};

/// Which level of configuration a settings file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsScope {
    /// The project's (or workspace's) `uv.toml` or `pyproject.toml`.
    Project,
    /// `$XDG_CONFIG_HOME/uv/uv.toml`, else `~/.config/uv/uv.toml`.
    User,
    /// The first of `$XDG_CONFIG_DIRS/uv/uv.toml`, `/etc/xdg/uv/uv.toml`, `/etc/uv/uv.toml`.
    System,
}

/// One settings file uv reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsFile {
    /// The file: a `uv.toml`, or a `pyproject.toml` with a `[tool.uv]` table.
    pub path: PathBuf,
    /// Its level.
    pub scope: SettingsScope,
}

impl SettingsFile {
    /// Whether the settings are the `[tool.uv]` table of a `pyproject.toml` (else a `uv.toml`).
    pub fn is_pyproject(&self) -> bool {
        self.path.file_name().is_some_and(|n| n == "pyproject.toml")
    }

    /// Reads the settings. A `uv.toml` that is not valid TOML is a configuration error (uv
    /// fails on it too); a `pyproject.toml` that is not, or has no `[tool.uv]`, gives empty
    /// settings.
    pub fn read(&self) -> Result<Settings> {
        let text =
            fs_err::read_to_string(&self.path).map_err(|e| Error::io("read", &self.path, e))?;
        let pyproject = self.is_pyproject();
        let table = if pyproject {
            text.parse::<toml::Table>()
                .ok()
                .and_then(|t| match t.get("tool").and_then(|t| t.get("uv")) {
                    Some(toml::Value::Table(uv)) => Some(uv.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        } else {
            text.parse().map_err(|e: toml::de::Error| Error::Config {
                path: self.path.clone(),
                reason: e.message().to_string(),
            })?
        };
        Ok(Settings { pyproject, table })
    }
}

/// The settings of one file: a `uv.toml`'s top level, or a `pyproject.toml`'s `[tool.uv]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pyproject: bool,
    table: toml::Table,
}

impl Settings {
    /// A top-level setting (`cache-dir`, `link-mode`, ...).
    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        self.table.get(key)
    }

    /// A setting of the `pip` section (`[pip]` in `uv.toml`, `[tool.uv.pip]`), which applies
    /// to `uv pip` commands only.
    pub fn pip(&self, key: &str) -> Option<&toml::Value> {
        self.table.get("pip").and_then(|p| p.get(key))
    }

    /// Where top-level settings sit in the file: `[tool.uv]` or `top level`.
    pub fn section(&self) -> &'static str {
        if self.pyproject {
            "[tool.uv]"
        } else {
            "top level"
        }
    }

    /// Where `pip` settings sit in the file: `[tool.uv.pip]` or `[pip]`.
    pub fn pip_section(&self) -> &'static str {
        if self.pyproject {
            "[tool.uv.pip]"
        } else {
            "[pip]"
        }
    }
}

/// The settings files that apply in a directory, one per level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsFiles {
    /// The project's.
    pub project: Option<SettingsFile>,
    /// The user's.
    pub user: Option<SettingsFile>,
    /// The system's.
    pub system: Option<SettingsFile>,
}

impl SettingsFiles {
    /// Finds the files uv reads for a command run in `dir`, reading variables through `var`
    /// (`UV_NO_CONFIG`, `XDG_CONFIG_HOME`, `XDG_CONFIG_DIRS`; empty values count as unset) and
    /// `home` (the home directory). With `UV_NO_CONFIG` set, none.
    ///
    /// A `pyproject.toml` that cannot be read is an error, as in uv; one that is not valid TOML
    /// is passed over.
    pub fn discover(
        dir: &Path,
        var: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<SettingsFiles> {
        Self::find(dir, var, home, true)
    }

    /// Like [`discover`](Self::discover), for diagnostics: a `pyproject.toml` that cannot be
    /// read is passed over too.
    pub fn discover_lenient(
        dir: &Path,
        var: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> SettingsFiles {
        Self::find(dir, var, home, false).unwrap_or_default()
    }

    fn find(
        dir: &Path,
        var: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
        strict: bool,
    ) -> Result<SettingsFiles> {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let no_config = matches!(
            var("UV_NO_CONFIG")
                .map(|v| v.to_ascii_lowercase())
                .as_deref(),
            Some("1" | "true" | "yes" | "on")
        );
        if no_config {
            return Ok(SettingsFiles::default());
        }
        let start = workspace_root(dir).unwrap_or_else(|| dir.to_path_buf());
        let mut project = None;
        for dir in start.ancestors() {
            match project_file(dir) {
                Ok(Some(file)) => {
                    project = Some(file);
                    break;
                }
                Ok(None) => {}
                Err(e) if strict => return Err(e),
                Err(_) => {}
            }
        }
        let user = match var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
        {
            Some(x) => Some(x.join("uv").join("uv.toml")),
            None => home.map(|h| h.join(".config").join("uv").join("uv.toml")),
        };
        let mut system: Vec<PathBuf> = var("XDG_CONFIG_DIRS")
            .unwrap_or_default()
            .split(':')
            .take_while(|d| !d.is_empty())
            .map(|d| Path::new(d).join("uv").join("uv.toml"))
            .collect();
        system.push(PathBuf::from("/etc/xdg/uv/uv.toml"));
        system.push(PathBuf::from("/etc/uv/uv.toml"));
        let file = |path: PathBuf, scope| SettingsFile { path, scope };
        Ok(SettingsFiles {
            project: project.map(|p| file(p, SettingsScope::Project)),
            user: user
                .filter(|f| f.is_file())
                .map(|p| file(p, SettingsScope::User)),
            system: system
                .into_iter()
                .find(|f| f.is_file())
                .map(|p| file(p, SettingsScope::System)),
        })
    }

    /// The files in precedence order: project, user, system.
    pub fn iter(&self) -> impl Iterator<Item = &SettingsFile> {
        [&self.project, &self.user, &self.system]
            .into_iter()
            .flatten()
    }
}

/// uv's settings file in one directory: `uv.toml` wins over `pyproject.toml`, and a
/// `pyproject.toml` counts only when it has a `[tool.uv]` table.
fn project_file(dir: &Path) -> Result<Option<PathBuf>> {
    let uv_toml = dir.join("uv.toml");
    if uv_toml.is_file() {
        return Ok(Some(uv_toml));
    }
    let pyproject =
        PyProject::in_dir(dir).map_err(|e| Error::io("read", dir.join("pyproject.toml"), e))?;
    Ok(pyproject.filter(|p| p.tool_uv().is_some()).map(|p| p.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn finds_files_in_precedence_from_the_workspace_root() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        write(&home.join(".config/uv/uv.toml"), "link-mode = 'copy'\n");
        let ws = tmp.path().join("ws");
        write(
            &ws.join("pyproject.toml"),
            "[project]\nname='ws'\nversion='0'\n[tool.uv]\ncache-dir='c'\n[tool.uv.workspace]\n",
        );
        // A member's own settings are ignored: uv starts from the workspace root.
        let member = ws.join("m");
        write(&member.join("uv.toml"), "cache-dir = 'member'\n");
        write(
            &member.join("pyproject.toml"),
            "[project]\nname='m'\nversion='0'\n",
        );
        let none = |_: &str| None;
        let files = SettingsFiles::discover(&member, &none, Some(&home)).unwrap();
        let project = files.project.clone().unwrap();
        assert_eq!(project.path, ws.join("pyproject.toml"));
        assert!(project.is_pyproject());
        let settings = project.read().unwrap();
        assert_eq!(
            settings.get("cache-dir").and_then(|v| v.as_str()),
            Some("c")
        );
        assert_eq!(settings.section(), "[tool.uv]");
        let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
        assert_eq!(
            paths[..2],
            [ws.join("pyproject.toml"), home.join(".config/uv/uv.toml")]
        );
        // UV_NO_CONFIG: nothing.
        let no_config = |k: &str| (k == "UV_NO_CONFIG").then(|| "true".to_string());
        let files = SettingsFiles::discover(&member, &no_config, Some(&home)).unwrap();
        assert_eq!(files.iter().count(), 0);
        // An XDG_CONFIG_HOME replaces ~/.config; a relative one is ignored.
        let xdg = tmp.path().join("xdg");
        write(&xdg.join("uv/uv.toml"), "[pip]\nlink-mode = 'symlink'\n");
        let xdg_s = xdg.to_string_lossy().into_owned();
        let vars = move |k: &str| (k == "XDG_CONFIG_HOME").then(|| xdg_s.clone());
        let files = SettingsFiles::discover(tmp.path(), &vars, Some(&home)).unwrap();
        let user = files.user.unwrap().read().unwrap();
        assert_eq!(
            user.pip("link-mode").and_then(|v| v.as_str()),
            Some("symlink")
        );
        assert_eq!(user.pip_section(), "[pip]");
        let rel = |k: &str| (k == "XDG_CONFIG_HOME").then(|| "rel".to_string());
        let files = SettingsFiles::discover(tmp.path(), &rel, Some(&home)).unwrap();
        assert_eq!(files.user.unwrap().path, home.join(".config/uv/uv.toml"));
    }

    #[test]
    fn invalid_uv_toml_is_an_error_invalid_pyproject_is_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let outer = tmp.path().join("outer");
        let inner = outer.join("inner");
        write(&outer.join("uv.toml"), "cache-dir = [\n");
        write(&inner.join("pyproject.toml"), "[tool.uv\n");
        let files = SettingsFiles::discover(&inner, &|_| None, None).unwrap();
        let project = files.project.unwrap();
        assert_eq!(project.path, outer.join("uv.toml"));
        assert!(matches!(project.read(), Err(Error::Config { .. })));
    }
}
