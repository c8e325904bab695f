//! A uv project synced by the real uv from a local index, for the `why`
//! screen: `app` (installed from its own directory) depending on `localdep`
//! (a path source next to it) and on `alpha` from the index.

use std::fs;
use std::path::PathBuf;

use crate::support::{
    IndexServer, ProjectSpec, UV_CURRENT, serve_fixture_index, uv_command, write_project,
};

/// The synced project; removed on drop.
pub struct SyncedProject {
    /// Keeps the directory.
    pub tmp: tempfile::TempDir,
    /// Keeps the index served.
    pub server: IndexServer,
    /// The uv cache the project was synced with.
    pub cache: PathBuf,
    /// The project directory.
    pub project: PathBuf,
}

impl SyncedProject {
    /// Writes the projects and runs `uv sync` in `app`.
    pub fn new() -> SyncedProject {
        let tmp = tempfile::tempdir().expect("tempdir");
        let server = serve_fixture_index(tmp.path());
        let cache = tmp.path().join("cache");
        let work = tmp.path().join("w");
        let project = work.join("app");
        let spec = ProjectSpec {
            dependencies: &["alpha==2.0.0", "localdep"],
            ..ProjectSpec::new("app", "0.1.0")
        };
        write_project(&project, &spec);
        write_project(
            &work.join("localdep"),
            &ProjectSpec::new("localdep", "1.0.0"),
        );
        let pyproject = project.join("pyproject.toml");
        let text = fs::read_to_string(&pyproject).expect("read");
        fs::write(
            &pyproject,
            format!("{text}\n[tool.uv.sources]\nlocaldep = {{ path = \"../localdep\" }}\n"),
        )
        .expect("write");
        let out = uv_command(UV_CURRENT, &cache, &work)
            .current_dir(&project)
            .env("UV_DEFAULT_INDEX", server.simple_url())
            .args(["sync", "--quiet"])
            .output()
            .expect("run uv");
        assert!(
            out.status.success(),
            "uv sync: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SyncedProject {
            tmp,
            server,
            cache,
            project,
        }
    }
}
