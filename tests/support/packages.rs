//! Tiny pure-Python test projects (flit_core backend) and building them with uv.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::uv::{checked, uv_command};

/// A minimal project: `name`/`version` (static metadata), runtime `dependencies` (PEP 508
/// strings) and console `scripts` as `(command, "module:function")`.
#[derive(Clone, Copy, Debug)]
pub struct ProjectSpec<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub dependencies: &'a [&'a str],
    pub scripts: &'a [(&'a str, &'a str)],
}

impl<'a> ProjectSpec<'a> {
    pub const fn new(name: &'a str, version: &'a str) -> Self {
        ProjectSpec {
            name,
            version,
            dependencies: &[],
            scripts: &[],
        }
    }

    /// The import name (`-` and `.` replaced by `_`).
    pub fn module(&self) -> String {
        self.name.replace(['-', '.'], "_").to_lowercase()
    }
}

fn toml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Writes the project source tree into `dir` (created if needed): `pyproject.toml` with
/// `build-system.requires = ["flit_core>=3.2,<4"]` and a package `<module>/__init__.py`.
pub fn write_project(dir: &Path, spec: &ProjectSpec) {
    let module = spec.module();
    fs::create_dir_all(dir.join(&module)).unwrap();
    let mut pyproject = format!(
        "[build-system]\n\
         requires = [\"flit_core>=3.2,<4\"]\n\
         build-backend = \"flit_core.buildapi\"\n\
         \n\
         [project]\n\
         name = \"{name}\"\n\
         version = \"{version}\"\n\
         description = \"The {name} test package\"\n\
         requires-python = \">=3.8\"\n\
         dependencies = {deps}\n",
        name = spec.name,
        version = spec.version,
        deps = toml_list(spec.dependencies),
    );
    if !spec.scripts.is_empty() {
        pyproject.push_str("\n[project.scripts]\n");
        for (command, target) in spec.scripts {
            pyproject.push_str(&format!("{command} = \"{target}\"\n"));
        }
    }
    fs::write(dir.join("pyproject.toml"), pyproject).unwrap();
    fs::write(
        dir.join(&module).join("__init__.py"),
        format!(
            "\"\"\"The {name} test package.\"\"\"\n\
             \n\
             __version__ = \"{version}\"\n\
             \n\
             \n\
             def main():\n    print(\"{name} {version}\")\n",
            name = spec.name,
            version = spec.version,
        ),
    )
    .unwrap();
}

/// Builds the project in `project_dir` with `uv build --sdist --wheel` of uv `uv_version`,
/// resolving the build backend from `index_url` and using `build_cache` (keep it apart from the
/// cache under test). Returns `(sdist, wheel)` paths inside `out_dir`.
pub fn build_project(
    uv_version: &str,
    build_cache: &Path,
    work: &Path,
    index_url: &str,
    project_dir: &Path,
    out_dir: &Path,
) -> (PathBuf, PathBuf) {
    let staging = out_dir.join(format!(
        ".build-{}",
        project_dir.file_name().unwrap().to_string_lossy()
    ));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).unwrap();
    let mut cmd = uv_command(uv_version, build_cache, work);
    cmd.env("UV_DEFAULT_INDEX", index_url)
        .args(["build", "--sdist", "--wheel", "--out-dir"])
        .arg(&staging)
        .arg(project_dir);
    checked(cmd);
    let mut sdist = None;
    let mut wheel = None;
    for entry in fs::read_dir(&staging).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let dest = out_dir.join(&name);
        if name.ends_with(".whl") {
            fs::rename(entry.path(), &dest).unwrap();
            wheel = Some(dest);
        } else if name.ends_with(".tar.gz") {
            fs::rename(entry.path(), &dest).unwrap();
            sdist = Some(dest);
        }
    }
    fs::remove_dir_all(&staging).unwrap();
    match (sdist, wheel) {
        (Some(s), Some(w)) => (s, w),
        other => panic!(
            "`uv build` of {} did not produce both an sdist and a wheel: {other:?}",
            project_dir.display()
        ),
    }
}

/// Writes `<wheel>.metadata` next to a wheel (its `*.dist-info/METADATA`), which the index
/// server then advertises as PEP 658 metadata.
pub fn write_wheel_metadata(wheel: &Path) {
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  [name] = [n for n in z.namelist() if n.count('/') == 1 and n.endswith('.dist-info/METADATA')]\n\
                  open(sys.argv[1] + '.metadata', 'wb').write(z.read(name))\n";
    let mut cmd = Command::new(super::provision::python_exe());
    cmd.arg("-c").arg(script).arg(wheel);
    checked(cmd);
}

/// Copies `src` into directory `dir` under the same file name; returns the new path.
pub fn copy_into(src: &Path, dir: &Path) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let dest = dir.join(src.file_name().unwrap());
    fs::copy(src, &dest)
        .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", src.display(), dest.display()));
    dest
}

/// Runs `git` in `dir` with a fixed identity and no user/system configuration.
pub fn git(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .args([
            "-c",
            "user.name=uvcache tests",
            "-c",
            "user.email=uvcache-tests@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args);
    checked(cmd);
}
