//! Shared helpers for the integration tests.
//!
//! Every fixture cache is produced by running the *real* uv binary against a local package index
//! served from the test process, so the tests see exactly what uv writes on disk. Nothing here
//! talks to a remote package index except pip, once, to provision the pinned uv releases and the
//! `flit_core` build backend into `target/`.
//!
//! Overview:
//!
//! * [`uv_bin`]: path of a pinned uv release ([`UV_CURRENT`], [`UV_OLD`]).
//! * [`build_backend_wheels`]: directory with the `flit_core` wheel and sdist.
//! * [`IndexServer`]: local PEP 503 index (`/simple/`, `/files/`, `/flat/`).
//! * [`fixture`]: shared, read-only fixture caches ([`FixtureKind`]); [`copy_fixture`] for tests
//!   that need to modify one.
//! * [`run_uv`] / [`try_run_uv`] / [`uv_command`]: run uv with an isolated environment.
//! * [`uvcache_command`] / [`uvcache_on`]: the binary in a cleared, sandboxed environment.
//! * [`du_bytes`] / [`uv_cache_size`]: disk usage as seen by `du` and by `uv cache size`.
#![allow(dead_code, unused_imports)]

mod cli;
mod fixture;
mod lock;
mod loopfs;
mod packages;
mod paths;
mod provision;
mod scan;
mod server;
mod sha256;
mod uv;

pub use cli::{sandbox_home, sandbox_state, uvcache_command, uvcache_on};
pub use fixture::{
    FIXTURE_RECIPE_VERSION, Fixture, FixtureKind, Sandbox, copy_fixture, fixture,
    serve_fixture_index,
};
pub use loopfs::{LoopFs, run_checked, tool};
pub use packages::{
    ProjectSpec, build_project, copy_into, git, write_project, write_wheel_metadata,
};
pub use paths::{glob, is_digest16, list_names, resolve_link};
pub use provision::{
    BACKEND_FLIT_CORE_VERSION, MATURIN_VERSION, UV_CURRENT, UV_OLD, build_backend_wheels,
    maturin_bin, python_exe, target_dir, uv_bin,
};
pub use scan::{scan_cache, walk_totals, wheel_and_archive};
pub use server::{
    FILE_CACHE_CONTROL, IndexServer, PAGE_CACHE_CONTROL, http_date, http_request, normalize,
    project_of,
};
pub use sha256::{sha256_file, sha256_hex};
pub use uv::{du_bytes, install_offline, run_uv, try_run_uv, uv_cache_size, uv_command};
