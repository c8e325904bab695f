//! Which link mode uv is configured to use (format notes §8): `UV_LINK_MODE`, then `link-mode`
//! in the project's `uv.toml` or `pyproject.toml` (`[tool.uv]`, and `[tool.uv.pip]` for
//! `uv pip`), then the user's and the system's `uv.toml`, then the platform default.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::project::{SettingsFile, SettingsFiles};

/// A link mode as uv spells it (in JSON: the name, or the rejected value as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkMode {
    /// Copy-on-write clones (`clone`, alias `reflink`), falling back to hard links, then copies.
    Clone,
    /// Hard links, falling back to copies.
    Hardlink,
    /// Symbolic links into the cache, falling back to copies.
    Symlink,
    /// Full copies.
    Copy,
    /// A value uv rejects (the command fails with a usage error).
    Invalid(String),
}

impl LinkMode {
    /// Parses a setting's value.
    pub fn parse(value: &str) -> LinkMode {
        match value.trim() {
            "clone" | "reflink" => LinkMode::Clone,
            "hardlink" => LinkMode::Hardlink,
            "symlink" => LinkMode::Symlink,
            "copy" => LinkMode::Copy,
            other => LinkMode::Invalid(other.to_string()),
        }
    }

    /// uv's default on this platform: `clone` on Linux and macOS, `hardlink` elsewhere.
    pub fn platform_default() -> LinkMode {
        if cfg!(any(target_os = "linux", target_os = "macos")) {
            LinkMode::Clone
        } else {
            LinkMode::Hardlink
        }
    }

    /// The name uv uses.
    pub fn as_str(&self) -> &str {
        match self {
            LinkMode::Clone => "clone",
            LinkMode::Hardlink => "hardlink",
            LinkMode::Symlink => "symlink",
            LinkMode::Copy => "copy",
            LinkMode::Invalid(v) => v,
        }
    }
}

impl Serialize for LinkMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The link mode in effect for one kind of command, and what set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkModeSetting {
    /// The mode.
    pub mode: LinkMode,
    /// What set it: `UV_LINK_MODE`, `<file> [tool.uv]`, `<file> [pip]`, `default`.
    pub source: String,
}

/// The link modes `uv sync` / `uv run` and `uv pip` would use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkModeConfig {
    /// For project commands (`uv sync`, `uv run`, `uv tool`).
    pub project: LinkModeSetting,
    /// For `uv pip` commands (`[pip]` settings first).
    pub pip: LinkModeSetting,
    /// Configuration files read, in precedence order.
    #[serde(serialize_with = "ser_paths")]
    pub files: Vec<PathBuf>,
}

fn ser_paths<S: serde::Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(paths.iter().map(|p| p.to_string_lossy()))
}

/// `link-mode` found in one settings file: top level and `pip` section.
#[derive(Debug, Clone, Default)]
struct FileModes {
    top: Option<(LinkMode, String)>,
    pip: Option<(LinkMode, String)>,
}

/// Resolves the configured link modes for commands run in `dir`, reading variables through
/// `env` (`UV_LINK_MODE`, `UV_NO_CONFIG`, `HOME`, `XDG_CONFIG_HOME`, `XDG_CONFIG_DIRS`).
///
/// The settings files are found as uv finds them (from the workspace root); a file that cannot
/// be read or parsed is listed but sets nothing.
pub fn link_mode_config(dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> LinkModeConfig {
    let home = env("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    let found = SettingsFiles::discover_lenient(dir, env, home.as_deref());
    let files: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
    let modes: Vec<FileModes> = found.iter().map(read_modes).collect();
    let from_env = env("UV_LINK_MODE").map(|v| LinkModeSetting {
        mode: LinkMode::parse(&v),
        source: "UV_LINK_MODE".into(),
    });
    let setting = |(mode, source): (LinkMode, String)| LinkModeSetting { mode, source };
    let top = modes.iter().find_map(|m| m.top.clone()).map(setting);
    let pip = modes.iter().find_map(|m| m.pip.clone()).map(setting);
    let default = LinkModeSetting {
        mode: LinkMode::platform_default(),
        source: "default".into(),
    };
    LinkModeConfig {
        project: from_env
            .clone()
            .or_else(|| top.clone())
            .unwrap_or_else(|| default.clone()),
        pip: from_env.or(pip).or(top).unwrap_or(default),
        files,
    }
}

fn read_modes(file: &SettingsFile) -> FileModes {
    let Ok(settings) = file.read() else {
        return FileModes::default();
    };
    let read = |v: Option<&toml::Value>, section: &str| {
        v.and_then(|v| v.as_str()).map(|s| {
            (
                LinkMode::parse(s),
                format!("{} {section}", file.path.display()),
            )
        })
    };
    FileModes {
        top: read(settings.get("link-mode"), settings.section()),
        pip: read(settings.pip("link-mode"), settings.pip_section()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_env_project_pip_user_default() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".config/uv")).unwrap();
        std::fs::write(
            home.join(".config/uv/uv.toml"),
            "link-mode = \"hardlink\"\n",
        )
        .unwrap();
        let proj = tmp.path().join("proj");
        std::fs::create_dir_all(proj.join("sub")).unwrap();
        let home_s = home.to_string_lossy().into_owned();
        let vars = |extra: &'static [(&'static str, &'static str)]| {
            let home_s = home_s.clone();
            move |k: &str| {
                if k == "HOME" {
                    return Some(home_s.clone());
                }
                extra
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        // The user's file only.
        let c = link_mode_config(&proj.join("sub"), &vars(&[]));
        assert_eq!(c.project.mode, LinkMode::Hardlink);
        assert!(c.project.source.ends_with("uv.toml top level"), "{c:?}");
        // The project's [tool.uv] and [tool.uv.pip] win over the user's file.
        std::fs::write(
            proj.join("pyproject.toml"),
            "[project]\nname='p'\nversion='0'\n[tool.uv]\nlink-mode='copy'\n[tool.uv.pip]\nlink-mode='symlink'\n",
        )
        .unwrap();
        let c = link_mode_config(&proj.join("sub"), &vars(&[]));
        assert_eq!(
            (c.project.mode.clone(), c.pip.mode.clone()),
            (LinkMode::Copy, LinkMode::Symlink)
        );
        assert!(c.pip.source.ends_with("[tool.uv.pip]"));
        assert_eq!(c.files.len(), 2);
        // The variable wins over everything; UV_NO_CONFIG ignores the files.
        let c = link_mode_config(&proj, &vars(&[("UV_LINK_MODE", "reflink")]));
        assert_eq!(
            (c.project.mode.clone(), c.pip.mode.clone()),
            (LinkMode::Clone, LinkMode::Clone)
        );
        let c = link_mode_config(&proj, &vars(&[("UV_NO_CONFIG", "1")]));
        assert_eq!(c.project.mode, LinkMode::platform_default());
        assert_eq!(c.project.source, "default");
        assert_eq!(LinkMode::parse("bogus"), LinkMode::Invalid("bogus".into()));
    }

    #[test]
    fn a_workspace_member_uses_the_workspace_roots_settings() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("ws");
        let member = ws.join("packages/m");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(
            ws.join("pyproject.toml"),
            "[project]\nname='ws'\nversion='0'\n[tool.uv]\nlink-mode='copy'\n[tool.uv.workspace]\nmembers=['packages/*']\n",
        )
        .unwrap();
        std::fs::write(
            member.join("pyproject.toml"),
            "[project]\nname='m'\nversion='0'\n[tool.uv]\nlink-mode='symlink'\n",
        )
        .unwrap();
        // uv reads the workspace root's settings, ignoring the member's.
        let c = link_mode_config(&member, &|_| None);
        assert_eq!(c.project.mode, LinkMode::Copy);
        assert_eq!(c.files.first(), Some(&ws.join("pyproject.toml")));
    }
}
