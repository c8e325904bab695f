//! The local packages installed in a project's environment.

use std::path::PathBuf;

use serde::Serialize;

use crate::engine::formats::{CacheInfo, Timestamp};
use crate::engine::keys::{parse_uv_cache_json, timestamp_of_system_time};
use crate::engine::project::{DistInfo, Environment, dist_infos};

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
    dist_infos(&env.site_packages)
        .iter()
        .filter_map(read_local)
        .collect()
}

fn read_local(info: &DistInfo) -> Option<InstalledLocal> {
    let direct = info.direct_url()?;
    let source = direct.local_path()?;
    if direct.subdirectory.is_some() || direct.vcs_info.is_some() {
        return None;
    }
    let (kind, editable) = match (&direct.dir_info, &direct.archive_info) {
        (Some(d), _) => (LocalKind::Directory, d.editable),
        (None, Some(_)) => (LocalKind::Archive, false),
        _ => return None,
    };
    let (name, version) = info.name_and_version();
    let dist_info = &info.path;
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
        dist_info: dist_info.clone(),
        url: direct.url,
        source,
        kind,
        editable,
        installer: info.installer(),
        recorded,
        build_settings,
        installed_at,
    })
}
