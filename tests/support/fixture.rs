//! Fixture caches produced by the real uv releases.
//!
//! A fixture is built at most once per recipe version into
//! `<target dir>/uvcache-fixtures/<kind>-r<FIXTURE_RECIPE_VERSION>/`:
//!
//! ```text
//! cache/                 the uv cache under test
//! work/                  everything else uv touched, kept so hard links and venvs stay real
//!   home/                HOME and XDG_* dirs of every uv invocation
//!   tools/, tools-bin/   UV_TOOL_DIR, UV_TOOL_BIN_DIR
//!   src/<project>/       project sources (src/gitpkg is a Git repository)
//!   dist/                everything `uv build` produced
//!   index/               files served under /files/ and listed under /simple/
//!   flat/                files served under /flat/ (remote --find-links)
//!   findlinks/           local --find-links directory
//!   local/               a wheel and an sdist installed by path
//!   scripts/hello.py     PEP 723 script
//!   venvs/uv-<version>/{main,second}   virtual environments (hard links into cache/archive-v0)
//! fixture.txt            key=value facts about the build (see `Fixture::info`)
//! .complete              written last; present = fixture usable
//! ```
//!
//! Fixtures are shared by all tests and test binaries: never modify one in place, use
//! [`copy_fixture`].

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use super::lock::{FileLock, remove_dir_if_exists};
use super::packages::{
    ProjectSpec, build_project, copy_into, git, write_project, write_wheel_metadata,
};
use super::provision::{UV_CURRENT, UV_OLD, build_backend_wheels, python_exe, target_dir};
use super::server::IndexServer;
use super::uv::{absolute, checked, uv_command};

/// Bump whenever the recipe below changes what ends up in a fixture; old fixture directories are
/// then ignored (and can be deleted by hand).
pub const FIXTURE_RECIPE_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FixtureKind {
    /// The full recipe run by uv [`UV_CURRENT`] (0.13.9).
    Current,
    /// The same recipe run by uv [`UV_OLD`] (0.12.24).
    Old,
    /// One cache used first by uv [`UV_OLD`], then by uv [`UV_CURRENT`] (fresh venvs for each),
    /// so the old buckets (`wheels-v6`, `sdists-v9`, ...) sit next to the current ones.
    Mixed,
}

impl FixtureKind {
    pub const ALL: [FixtureKind; 3] = [FixtureKind::Current, FixtureKind::Old, FixtureKind::Mixed];

    pub fn name(self) -> &'static str {
        match self {
            FixtureKind::Current => "current",
            FixtureKind::Old => "old",
            FixtureKind::Mixed => "mixed",
        }
    }

    /// uv versions that ran the recipe, in order.
    pub fn uv_versions(self) -> &'static [&'static str] {
        match self {
            FixtureKind::Current => &[UV_CURRENT],
            FixtureKind::Old => &[UV_OLD],
            FixtureKind::Mixed => &[UV_OLD, UV_CURRENT],
        }
    }

    fn index(self) -> usize {
        match self {
            FixtureKind::Current => 0,
            FixtureKind::Old => 1,
            FixtureKind::Mixed => 2,
        }
    }
}

/// A built fixture. All paths are absolute.
#[derive(Debug)]
pub struct Fixture {
    pub kind: FixtureKind,
    /// `target/uvcache-fixtures/<kind>-r<N>/`
    pub root: PathBuf,
    /// The uv cache directory.
    pub cache: PathBuf,
    /// Work directory (sources, venvs, HOME, ...), see the module docs.
    pub work: PathBuf,
    /// The last uv version that used the cache (0.13.9 for `Mixed`).
    pub uv_version: String,
    /// Every uv version that used the cache, in order.
    pub uv_versions: Vec<String>,
    /// `http://127.0.0.1:<port>/simple` of the index used while building. The server is gone
    /// afterwards; the URL only matters for cache digests and for what uv recorded.
    pub index_url: String,
    /// Facts recorded at build time (`fixture.txt`): `index_url`, `flat_url`, `gamma_url`,
    /// `delta_url`, `git_url` (`git+file://...`), `git_tag`, `git_commit`, `localwheel`,
    /// `localsdist`, `pathpkg`, `editpkg`, `findlinks`, `script`, `venvs` (`;`-separated),
    /// `python`, `build_seconds`, ...
    pub info: BTreeMap<String, String>,
    /// True if this process built the fixture, false if it was reused from disk.
    pub built_now: bool,
}

impl Fixture {
    /// A recorded fact; panics if missing.
    pub fn info(&self, key: &str) -> &str {
        self.info
            .get(key)
            .unwrap_or_else(|| panic!("fixture {:?} has no info {key:?}", self.kind))
    }

    /// The virtual environments created by the recipe.
    pub fn venvs(&self) -> Vec<PathBuf> {
        self.info("venvs")
            .split(';')
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect()
    }

    /// Seconds the build took (as recorded when it was built).
    pub fn build_seconds(&self) -> f64 {
        self.info("build_seconds").parse().unwrap_or(0.0)
    }
}

/// The shared fixture of `kind`, built on first use (per process at most once, across processes
/// at most once per recipe version). Do not modify it; see [`copy_fixture`].
pub fn fixture(kind: FixtureKind) -> &'static Fixture {
    // A failed build is remembered so that the other tests of this process fail fast instead of
    // rebuilding.
    static FIXTURES: [OnceLock<Result<Fixture, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let result = FIXTURES[kind.index()].get_or_init(|| {
        std::panic::catch_unwind(|| load_or_build(kind)).map_err(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string())
        })
    });
    match result {
        Ok(f) => f,
        Err(msg) => panic!("building the {} fixture failed: {msg}", kind.name()),
    }
}

/// Copies the fixture's cache with `cp -a` into a new temporary directory, for tests that modify
/// a cache. Returns the guard (deletes the copy on drop) and the path of the copied cache.
///
/// Symlinks (e.g. `wheels-vN/... -> ../../../archive-v0/<id>`), permissions and timestamps are
/// preserved, and so are hard links *within* the cache. Hard links between the cache and the
/// fixture's venvs (under `work/`) are not: in the copy, a file in `archive-v0` only keeps the
/// links from environments inside the cache (`environments-v2`), so its link count is lower than
/// in the original. Anything that depends on link counts (e.g. uv's "coarse" byte accounting of
/// removed files) therefore sees different numbers than on the original fixture; `du` and
/// `uv cache size` still agree on the copy.
pub fn copy_fixture(f: &Fixture) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix(&format!("uvcache-{}-", f.kind.name()))
        .tempdir()
        .expect("create temp dir");
    let dest = tmp.path().join("cache");
    let mut cmd = Command::new("cp");
    cmd.arg("-a").arg("--").arg(&f.cache).arg(&dest);
    checked(cmd);
    (tmp, dest)
}

fn fixture_root(kind: FixtureKind) -> PathBuf {
    target_dir()
        .join("uvcache-fixtures")
        .join(format!("{}-r{FIXTURE_RECIPE_VERSION}", kind.name()))
}

fn load_or_build(kind: FixtureKind) -> Fixture {
    let root = absolute(&fixture_root(kind));
    let marker = root.join(".complete");
    if marker.is_file() {
        return load(kind, &root, false);
    }
    let _lock = FileLock::acquire(&root.with_extension("lock"));
    if marker.is_file() {
        return load(kind, &root, false);
    }
    remove_dir_if_exists(&root);
    fs::create_dir_all(&root).unwrap();
    let started = Instant::now();
    let mut info = build(kind, &root);
    info.insert(
        "build_seconds".into(),
        format!("{:.1}", started.elapsed().as_secs_f64()),
    );
    let manifest: String = info.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    fs::write(root.join("fixture.txt"), manifest).unwrap();
    fs::write(&marker, "").unwrap();
    eprintln!(
        "built fixture {} in {}s at {}",
        kind.name(),
        info["build_seconds"],
        root.display()
    );
    load(kind, &root, true)
}

fn load(kind: FixtureKind, root: &Path, built_now: bool) -> Fixture {
    let text = fs::read_to_string(root.join("fixture.txt"))
        .unwrap_or_else(|e| panic!("{}: {e}", root.join("fixture.txt").display()));
    let info: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let versions: Vec<String> = kind.uv_versions().iter().map(|v| v.to_string()).collect();
    Fixture {
        kind,
        root: root.to_path_buf(),
        cache: root.join("cache"),
        work: root.join("work"),
        uv_version: versions.last().unwrap().clone(),
        uv_versions: versions,
        index_url: info.get("index_url").cloned().unwrap_or_default(),
        info,
        built_now,
    }
}

const ALPHA_1: ProjectSpec = ProjectSpec::new("alpha", "1.0.0");
const ALPHA_2: ProjectSpec = ProjectSpec::new("alpha", "2.0.0");
const BETA: ProjectSpec = ProjectSpec {
    dependencies: &["alpha>=1.0"],
    ..ProjectSpec::new("beta", "1.0.0")
};
const GAMMA: ProjectSpec = ProjectSpec::new("gamma", "1.0");
const DELTA: ProjectSpec = ProjectSpec::new("delta", "1.0.0");
const LOCALWHEEL: ProjectSpec = ProjectSpec::new("localwheel", "1.0.0");
const LOCALSDIST: ProjectSpec = ProjectSpec::new("localsdist", "1.0.0");
const PATHPKG: ProjectSpec = ProjectSpec::new("pathpkg", "1.0.0");
const EDITPKG: ProjectSpec = ProjectSpec::new("editpkg", "0.1.0");
const GITPKG: ProjectSpec = ProjectSpec::new("gitpkg", "1.0.0");
const GITPKG_NEXT: ProjectSpec = ProjectSpec::new("gitpkg", "1.1.0.dev0");
const FLATPKG: ProjectSpec = ProjectSpec::new("flatpkg", "1.0.0");
const REMOTEFLAT: ProjectSpec = ProjectSpec::new("remoteflat", "1.0.0");
const TOOLPKG: ProjectSpec = ProjectSpec {
    dependencies: &["alpha"],
    scripts: &[("toolpkg-hello", "toolpkg:main")],
    ..ProjectSpec::new("toolpkg", "1.0.0")
};

const SCRIPT: &str = "# /// script\n\
                      # requires-python = \">=3.8\"\n\
                      # dependencies = [\"alpha>=2\"]\n\
                      # ///\n\
                      import alpha\n\
                      \n\
                      print(\"hello uses alpha\", alpha.__version__)\n";

/// Paths and URLs shared by the phases of one build.
struct Recipe {
    cache: PathBuf,
    work: PathBuf,
    index_url: String,
    flat_url: String,
    gamma_url: String,
    delta_url: String,
    git_url: String,
    localwheel: PathBuf,
    localsdist: PathBuf,
    pathpkg: PathBuf,
    editpkg: PathBuf,
    findlinks: PathBuf,
    script: PathBuf,
}

fn build(kind: FixtureKind, root: &Path) -> BTreeMap<String, String> {
    let cache = root.join("cache");
    let work = root.join("work");
    let src = work.join("src");
    let dist = work.join("dist");
    let index_dir = work.join("index");
    let flat_dir = work.join("flat");
    let findlinks = work.join("findlinks");
    let local = work.join("local");
    for dir in [
        &src,
        &dist,
        &index_dir,
        &flat_dir,
        &findlinks,
        &local,
        &work.join("scripts"),
    ] {
        fs::create_dir_all(dir).unwrap();
    }

    // The build backend, served by the local index (wheel and sdist).
    let backend = build_backend_wheels();
    for entry in fs::read_dir(&backend).unwrap().flatten() {
        copy_into(&entry.path(), &index_dir);
    }
    let server = IndexServer::start(&index_dir, &flat_dir);
    let index_url = server.simple_url();

    // Build every test distribution with the first uv of the fixture, in a separate cache.
    let builder = kind.uv_versions()[0];
    let build_cache = work.join("build-cache");
    let build = |spec: &ProjectSpec| -> (PathBuf, PathBuf) {
        let dir = src.join(format!("{}-{}", spec.name, spec.version));
        write_project(&dir, spec);
        build_project(builder, &build_cache, &work, &index_url, &dir, &dist)
    };
    let publish_wheel = |wheel: &Path| {
        let served = copy_into(wheel, &index_dir);
        write_wheel_metadata(&served);
    };

    for spec in [&ALPHA_1, &ALPHA_2, &TOOLPKG] {
        let (sdist, wheel) = build(spec);
        copy_into(&sdist, &index_dir);
        publish_wheel(&wheel);
    }
    let (beta_sdist, _) = build(&BETA);
    copy_into(&beta_sdist, &index_dir); // sdist only: uv must build beta itself
    let (_, gamma_wheel) = build(&GAMMA);
    publish_wheel(&gamma_wheel);
    let (delta_sdist, _) = build(&DELTA);
    copy_into(&delta_sdist, &index_dir);
    let (_, localwheel) = build(&LOCALWHEEL);
    let localwheel = copy_into(&localwheel, &local);
    let (localsdist, _) = build(&LOCALSDIST);
    let localsdist = copy_into(&localsdist, &local);
    let (_, flatpkg) = build(&FLATPKG);
    copy_into(&flatpkg, &findlinks);
    let (_, remoteflat) = build(&REMOTEFLAT);
    copy_into(&remoteflat, &flat_dir);
    let _ = fs::remove_dir_all(&build_cache);

    // Source trees installed from a directory.
    let pathpkg = src.join("pathpkg");
    write_project(&pathpkg, &PATHPKG);
    let editpkg = src.join("editpkg");
    write_project(&editpkg, &EDITPKG);

    // A Git repository: v1.0.0 is tagged, then one more commit moves HEAD past the tag.
    let gitrepo = src.join("gitpkg");
    write_project(&gitrepo, &GITPKG);
    git(&gitrepo, &["init", "--quiet", "--initial-branch=main"]);
    git(&gitrepo, &["add", "--all"]);
    git(
        &gitrepo,
        &["commit", "--quiet", "--message", "gitpkg 1.0.0"],
    );
    git(&gitrepo, &["tag", "v1.0.0"]);
    let git_commit = {
        let out = Command::new("git")
            .current_dir(&gitrepo)
            .args(["rev-parse", "v1.0.0^{commit}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    write_project(&gitrepo, &GITPKG_NEXT);
    git(
        &gitrepo,
        &[
            "commit",
            "--quiet",
            "--all",
            "--message",
            "gitpkg 1.1.0.dev0",
        ],
    );

    let script = work.join("scripts").join("hello.py");
    fs::write(&script, SCRIPT).unwrap();

    let recipe = Recipe {
        cache: cache.clone(),
        work: work.clone(),
        flat_url: server.flat_url(),
        gamma_url: server.file_url(gamma_wheel.file_name().unwrap().to_str().unwrap()),
        delta_url: server.file_url(delta_sdist.file_name().unwrap().to_str().unwrap()),
        git_url: format!("git+file://{}", gitrepo.display()),
        index_url: index_url.clone(),
        localwheel,
        localsdist,
        pathpkg,
        editpkg,
        findlinks,
        script,
    };

    let mut venvs = Vec::new();
    for version in kind.uv_versions() {
        venvs.extend(install_phase(&recipe, version));
    }
    drop(server);

    let mut info = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        info.insert(k.to_string(), v);
    };
    put("kind", kind.name().into());
    put("recipe", FIXTURE_RECIPE_VERSION.to_string());
    put("uv_versions", kind.uv_versions().join(","));
    put("python", python_exe().display().to_string());
    put("index_url", recipe.index_url.clone());
    put("flat_url", recipe.flat_url.clone());
    put("gamma_url", recipe.gamma_url.clone());
    put("delta_url", recipe.delta_url.clone());
    put("git_url", recipe.git_url.clone());
    put("git_tag", "v1.0.0".into());
    put("git_commit", git_commit);
    put("localwheel", recipe.localwheel.display().to_string());
    put("localsdist", recipe.localsdist.display().to_string());
    put("pathpkg", recipe.pathpkg.display().to_string());
    put("editpkg", recipe.editpkg.display().to_string());
    put("findlinks", recipe.findlinks.display().to_string());
    put("script", recipe.script.display().to_string());
    put(
        "venvs",
        venvs
            .iter()
            .map(|v| v.display().to_string())
            .collect::<Vec<_>>()
            .join(";"),
    );
    info
}

/// Runs the install recipe with one uv version, in fresh venvs `work/venvs/uv-<version>/`.
/// Returns the venvs.
fn install_phase(r: &Recipe, version: &str) -> Vec<PathBuf> {
    let venv_dir = r.work.join("venvs").join(format!("uv-{version}"));
    let main = venv_dir.join("main");
    let second = venv_dir.join("second");
    let uv = |args: &[&str]| -> String {
        let mut cmd = uv_command(version, &r.cache, &r.work);
        cmd.env("UV_DEFAULT_INDEX", &r.index_url).args(args);
        let output = checked(cmd);
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let s = |p: &Path| p.display().to_string();

    // Registry wheels (alpha, with PEP 658 metadata) and a registry sdist built from source (beta).
    uv(&["venv", "--quiet", &s(&main)]);
    uv(&[
        "pip",
        "install",
        "--python",
        &s(&main),
        "alpha==1.0.0",
        "beta",
    ]);

    // A second version of alpha; direct URL wheel and sdist.
    uv(&["venv", "--quiet", &s(&second)]);
    uv(&[
        "pip",
        "install",
        "--python",
        &s(&second),
        "alpha==2.0.0",
        &format!("gamma @ {}", r.gamma_url),
        &format!("delta @ {}", r.delta_url),
    ]);
    // Local wheel file, local sdist file, local source directory (non-editable).
    uv(&[
        "pip",
        "install",
        "--python",
        &s(&second),
        &s(&r.localwheel),
        &s(&r.localsdist),
        &s(&r.pathpkg),
    ]);
    // Editable source directory.
    uv(&[
        "pip",
        "install",
        "--python",
        &s(&second),
        "--editable",
        &s(&r.editpkg),
    ]);
    // Git repository at a tag.
    uv(&[
        "pip",
        "install",
        "--python",
        &s(&second),
        &format!("gitpkg @ {}@v1.0.0", r.git_url),
    ]);
    // Local and remote --find-links.
    uv(&[
        "pip",
        "install",
        "--python",
        &s(&second),
        "--find-links",
        &s(&r.findlinks),
        "--find-links",
        &r.flat_url,
        "flatpkg",
        "remoteflat",
    ]);

    // A cached tool environment.
    let out = uv(&["tool", "run", "--from", "toolpkg", "toolpkg-hello"]);
    assert_eq!(out.trim(), "toolpkg 1.0.0", "unexpected tool output");

    // A PEP 723 script environment.
    let out = uv(&["run", "--script", &s(&r.script)]);
    assert_eq!(
        out.trim(),
        "hello uses alpha 2.0.0",
        "unexpected script output"
    );

    vec![main, second]
}

/// Serves the current fixture's distributions (alpha 1.0.0 and 2.0.0 wheels and sdists, beta
/// as an sdist only, the flit_core build backend) from a copy under `dir/index`, with an empty
/// flat index at `dir/flat`.
pub fn serve_fixture_index(dir: &Path) -> crate::support::IndexServer {
    let index = dir.join("index");
    let files = fixture(FixtureKind::Current).work.join("index");
    for e in fs::read_dir(&files).expect("fixture index").flatten() {
        crate::support::copy_into(&e.path(), &index);
    }
    crate::support::IndexServer::start(&index, &dir.join("flat"))
}

/// A temporary directory with an empty cache path (`cache`), a work directory (`work`) and the
/// fixture's distributions served by [`serve_fixture_index`] at `index_url`.
pub struct Sandbox {
    /// Deleted on drop.
    pub tmp: tempfile::TempDir,
    /// Stops on drop.
    pub server: crate::support::IndexServer,
    /// The Simple API URL of the local index.
    pub index_url: String,
    /// Where the cache goes (not created).
    pub cache: PathBuf,
    /// An existing, empty work directory.
    pub work: PathBuf,
}

impl Sandbox {
    /// A new sandbox; panics when the fixture or the server cannot be had.
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().expect("tempdir");
        let server = serve_fixture_index(tmp.path());
        let work = tmp.path().join("work");
        fs::create_dir_all(&work).expect("mkdir");
        Sandbox {
            index_url: server.simple_url(),
            server,
            cache: tmp.path().join("cache"),
            work,
            tmp,
        }
    }
}
