//! What the engine knows about Python projects and environments, outside the cache.
//!
//! * [`root`]: which directory is a uv project, the root of its workspace, where its lock is;
//! * [`settings`]: uv's settings files (`uv.toml`, `pyproject.toml` `[tool.uv]`), found in
//!   uv's precedence (project, user, system) and read by one parser;
//! * [`env`]: Python environments: finding one (`--python`, `.venv`, `VIRTUAL_ENV`,
//!   `UV_PROJECT_ENVIRONMENT`), its `pyvenv.cfg` and `site-packages`;
//! * [`dist`]: the distributions installed in an environment: `.dist-info` directories,
//!   `METADATA` name and version, `RECORD`, `INSTALLER`, and a typed `direct_url.json`.
//!
//! Commands (`why`, `doctor`, `refresh`, `ci`) and [`locate`](super::locate) build on this
//! module; it depends on none of them.

pub mod dist;
pub mod env;
pub mod root;
pub mod settings;

pub use dist::{
    ArchiveInfo, DirInfo, DirectUrl, DistInfo, VcsInfo, dist_infos, file_url_to_path,
    record_fields, record_line, record_path,
};
pub use env::{
    Environment, EnvironmentChoice, PyvenvCfg, environment_of, find_environment, pip_environment,
    project_environment_path, site_packages,
};
pub use root::{PyProject, is_project, lock_root, nearest_project, workspace_root};
pub use settings::{Settings, SettingsFile, SettingsFiles, SettingsScope};
