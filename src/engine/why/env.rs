//! The project's environment and the local packages installed in it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::formats::{CacheInfo, Timestamp};
use crate::engine::keys::{parse_uv_cache_json, timestamp_of_system_time};

/// A Python environment (virtual environment or prefix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Environment {
    /// Its root directory.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub root: PathBuf,
    /// How it was found: `--python`, `.venv`, `VIRTUAL_ENV`.
    pub found_by: String,
    /// Its `site-packages` directories.
    pub site_packages: Vec<PathBuf>,
}

/// How the environment should be found.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentChoice {
    /// `--python`: an environment directory or an interpreter inside one.
    pub python: Option<PathBuf>,
    /// The `VIRTUAL_ENV` variable.
    pub virtual_env: Option<PathBuf>,
}

/// Finds the environment: `--python`, else the nearest `.venv` of the project or its parents
/// (what `uv sync` uses), else `VIRTUAL_ENV`.
pub fn find_environment(project: &Path, choice: &EnvironmentChoice) -> Result<Environment, String> {
    if let Some(python) = &choice.python {
        let root = environment_of(python).ok_or_else(|| {
            format!(
                "`{}` is neither an environment nor an interpreter inside one",
                python.display()
            )
        })?;
        return Ok(with_site_packages(root, "--python"));
    }
    if let Some(root) = project
        .ancestors()
        .map(|dir| dir.join(".venv"))
        .find(|venv| venv.join("pyvenv.cfg").is_file())
    {
        return Ok(with_site_packages(root, ".venv"));
    }
    if let Some(venv) = &choice.virtual_env
        && let Some(root) = environment_of(venv)
    {
        return Ok(with_site_packages(root, "VIRTUAL_ENV"));
    }
    Err(format!(
        "no environment found for `{}`: no `.venv` in it or its parents and no VIRTUAL_ENV; pass --python",
        project.display()
    ))
}

/// The environment root for a directory or an interpreter path.
fn environment_of(path: &Path) -> Option<PathBuf> {
    let path = std::path::absolute(path).ok()?;
    if path.is_dir() && (path.join("pyvenv.cfg").is_file() || !site_packages(&path).is_empty()) {
        return Some(path);
    }
    // An interpreter: `<env>/bin/python` or `<env>\Scripts\python.exe`.
    path.ancestors()
        .skip(1)
        .take(3)
        .find(|dir| dir.join("pyvenv.cfg").is_file())
        .map(Path::to_path_buf)
}

fn with_site_packages(root: PathBuf, found_by: &str) -> Environment {
    Environment {
        site_packages: site_packages(&root),
        root,
        found_by: found_by.into(),
    }
}

/// `lib/python*/site-packages`, `lib64/...` and `Lib/site-packages` under `root`.
fn site_packages(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(root.join(lib)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
            .map(|e| e.path().join("site-packages"))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            let canonical = std::fs::canonicalize(&d).unwrap_or_else(|_| d.clone());
            if !out
                .iter()
                .any(|o: &PathBuf| std::fs::canonicalize(o).ok().as_ref() == Some(&canonical))
            {
                out.push(d);
            }
        }
    }
    let windows = root.join("Lib").join("site-packages");
    if windows.is_dir() && !out.contains(&windows) {
        out.push(windows);
    }
    out
}

/// What kind of local source an installed distribution came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalKind {
    /// A source tree, built by uv.
    Directory,
    /// A local archive file (`.whl`, `.tar.gz`, `.zip`).
    Archive,
}

/// A distribution installed from a local path, with what uv recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledLocal {
    /// The project name as written in its metadata.
    pub name: String,
    /// The installed version.
    pub version: String,
    /// The `.dist-info` directory.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub dist_info: PathBuf,
    /// The `file://` URL recorded in `direct_url.json`.
    pub url: String,
    /// The source path.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub source: PathBuf,
    /// Directory or archive.
    pub kind: LocalKind,
    /// Installed in editable mode.
    pub editable: bool,
    /// The installer named in `INSTALLER`.
    pub installer: Option<String>,
    /// The parsed `uv_cache.json` (`None`: absent), or why it could not be read.
    #[serde(skip)]
    pub recorded: Option<Result<CacheInfo, String>>,
    /// `uv_build.json` when it records build settings (it is `{}` otherwise).
    pub build_settings: Option<serde_json::Value>,
    /// When `uv_cache.json` (else the `.dist-info`) was written: about the install time.
    pub installed_at: Option<Timestamp>,
}

impl InstalledLocal {
    /// How it was installed, in a word: `archive`, `editable` or `path`.
    pub fn kind_label(&self) -> &'static str {
        match (self.kind, self.editable) {
            (LocalKind::Archive, _) => "archive",
            (LocalKind::Directory, true) => "editable",
            (LocalKind::Directory, false) => "path",
        }
    }
}

/// Every distribution in the environment installed from a local directory or archive file.
pub fn installed_locals(env: &Environment) -> Vec<InstalledLocal> {
    let mut out = Vec::new();
    for sp in &env.site_packages {
        let Ok(entries) = std::fs::read_dir(sp) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "dist-info") && p.is_dir())
            .collect();
        dirs.sort();
        out.extend(dirs.iter().filter_map(|d| read_local(d)));
    }
    out
}

fn read_local(dist_info: &Path) -> Option<InstalledLocal> {
    let direct: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dist_info.join("direct_url.json")).ok()?)
            .ok()?;
    let url = direct.get("url")?.as_str()?.to_string();
    let source = file_url_to_path(&url)?;
    if direct.get("subdirectory").is_some() || direct.get("vcs_info").is_some() {
        return None;
    }
    let (kind, editable) = match (direct.get("dir_info"), direct.get("archive_info")) {
        (Some(d), _) => (
            LocalKind::Directory,
            d.get("editable").and_then(|e| e.as_bool()).unwrap_or(false),
        ),
        (None, Some(_)) => (LocalKind::Archive, false),
        _ => return None,
    };
    let (name, version) = name_and_version(dist_info);
    let cache_json = dist_info.join("uv_cache.json");
    let recorded = std::fs::read_to_string(&cache_json)
        .ok()
        .map(|t| parse_uv_cache_json(&t));
    let build_settings = std::fs::read_to_string(dist_info.join("uv_build.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .filter(|v| v.as_object().is_none_or(|o| !o.is_empty()));
    let installed_at = std::fs::metadata(&cache_json)
        .or_else(|_| std::fs::metadata(dist_info))
        .and_then(|m| m.modified())
        .ok()
        .map(timestamp_of_system_time);
    Some(InstalledLocal {
        name,
        version,
        dist_info: dist_info.to_path_buf(),
        url,
        source,
        kind,
        editable,
        installer: std::fs::read_to_string(dist_info.join("INSTALLER"))
            .ok()
            .map(|s| s.trim().to_string()),
        recorded,
        build_settings,
        installed_at,
    })
}

/// `Name` and `Version` from `METADATA`, else from the directory name.
fn name_and_version(dist_info: &Path) -> (String, String) {
    let stem = dist_info
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (dir_name, dir_version) = stem
        .split_once('-')
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .unwrap_or((stem.clone(), String::new()));
    let metadata = std::fs::read_to_string(dist_info.join("METADATA")).unwrap_or_default();
    let header = |key: &str| {
        metadata
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
    };
    (
        header("Name:").unwrap_or(dir_name),
        header("Version:").unwrap_or(dir_version),
    )
}

/// The local path of a `file://` URL (percent-decoded).
pub fn file_url_to_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| path.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
    }
    #[cfg(not(unix))]
    {
        let s = String::from_utf8(out).ok()?;
        let s = s
            .strip_prefix('/')
            .filter(|s| s.get(1..2) == Some(":"))
            .unwrap_or(&s);
        Some(PathBuf::from(s))
    }
}
