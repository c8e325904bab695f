//! Python environments: finding one (`--python`, a project's `.venv`, `VIRTUAL_ENV`), its
//! `pyvenv.cfg`, and its `site-packages` directories.

use std::path::{Path, PathBuf};

use serde::Serialize;

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

impl Environment {
    /// The environment rooted at `root`, with its `site-packages` directories.
    pub fn at(root: PathBuf, found_by: &str) -> Environment {
        Environment {
            site_packages: site_packages(&root),
            root,
            found_by: found_by.into(),
        }
    }

    /// Its `pyvenv.cfg`, when it has a readable one.
    pub fn pyvenv_cfg(&self) -> Option<PyvenvCfg> {
        PyvenvCfg::read(&self.root)
    }
}

/// How the environment should be found.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentChoice {
    /// `--python`: an environment directory or an interpreter inside one.
    pub python: Option<PathBuf>,
    /// The `VIRTUAL_ENV` variable.
    pub virtual_env: Option<PathBuf>,
}

/// Finds the environment of a project: `--python`, else the nearest `.venv` (with a
/// `pyvenv.cfg`) of the project or its parents, else `VIRTUAL_ENV`.
pub fn find_environment(project: &Path, choice: &EnvironmentChoice) -> Result<Environment, String> {
    if let Some(python) = &choice.python {
        let root = environment_of(python).ok_or_else(|| {
            format!(
                "`{}` is neither an environment nor an interpreter inside one",
                python.display()
            )
        })?;
        return Ok(Environment::at(root, "--python"));
    }
    if let Some(root) = project
        .ancestors()
        .map(|dir| dir.join(".venv"))
        .find(|venv| venv.join("pyvenv.cfg").is_file())
    {
        return Ok(Environment::at(root, ".venv"));
    }
    if let Some(venv) = &choice.virtual_env
        && let Some(root) = environment_of(venv)
    {
        return Ok(Environment::at(root, "VIRTUAL_ENV"));
    }
    Err(format!(
        "no environment found for `{}`: no `.venv` in it or its parents and no VIRTUAL_ENV; pass --python",
        project.display()
    ))
}

/// The environment `uv pip` uses in `cwd`: `--python`, else `VIRTUAL_ENV`, else `.venv` in
/// `cwd` or a parent. Relative paths are taken from `cwd`.
pub fn pip_environment(
    cwd: &Path,
    python: Option<&Path>,
    virtual_env: Option<&Path>,
) -> Result<Environment, String> {
    let given = python.map(|p| (cwd.join(p), "--python"));
    let given = given.or_else(|| virtual_env.map(|p| (cwd.join(p), "VIRTUAL_ENV")));
    match given {
        Some((path, found_by)) => {
            let choice = EnvironmentChoice {
                python: Some(path),
                virtual_env: None,
            };
            let mut env = find_environment(cwd, &choice)?;
            env.found_by = found_by.into();
            Ok(env)
        }
        None => find_environment(cwd, &EnvironmentChoice::default()),
    }
}

/// Where uv puts a project's environment: `UV_PROJECT_ENVIRONMENT` (relative to the workspace
/// root `root`; empty counts as unset), else `<root>/.venv`. It may not exist yet.
pub fn project_environment_path(root: &Path, var: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match var("UV_PROJECT_ENVIRONMENT").filter(|v| !v.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join(".venv"),
    }
}

/// The environment root for a directory or an interpreter path: a directory with a
/// `pyvenv.cfg` or a `site-packages`, or the nearest such directory one to three levels above
/// an interpreter (`<env>/bin/python`, `<env>\Scripts\python.exe`).
pub fn environment_of(path: &Path) -> Option<PathBuf> {
    let path = std::path::absolute(path).ok()?;
    if path.is_dir() && (path.join("pyvenv.cfg").is_file() || !site_packages(&path).is_empty()) {
        return Some(path);
    }
    path.ancestors()
        .skip(1)
        .take(3)
        .find(|dir| dir.join("pyvenv.cfg").is_file())
        .map(Path::to_path_buf)
}

/// `lib/python*/site-packages`, `lib64/python*/site-packages` (unless the same directory as
/// one under `lib`) and `Lib/site-packages` under `root`, in that order.
pub fn site_packages(root: &Path) -> Vec<PathBuf> {
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

/// A virtual environment's `pyvenv.cfg` (`key = value` lines).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PyvenvCfg {
    /// `home`: the directory of the base interpreter.
    pub home: Option<String>,
    /// `version_info` (uv, virtualenv) or `version` (venv): the Python version.
    pub version: Option<String>,
    /// `uv`: the uv version that created it, when uv did.
    pub uv: Option<String>,
    /// `implementation` (`CPython`, `PyPy`, ...).
    pub implementation: Option<String>,
    /// `include-system-site-packages`.
    pub include_system_site_packages: bool,
    /// Every key and value, in file order.
    pub entries: Vec<(String, String)>,
}

impl PyvenvCfg {
    /// Reads `<root>/pyvenv.cfg`.
    pub fn read(root: &Path) -> Option<PyvenvCfg> {
        std::fs::read_to_string(root.join("pyvenv.cfg"))
            .ok()
            .map(|t| PyvenvCfg::parse(&t))
    }

    /// Parses the text of a `pyvenv.cfg`.
    pub fn parse(text: &str) -> PyvenvCfg {
        let entries: Vec<(String, String)> = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let get = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        PyvenvCfg {
            home: get("home"),
            version: get("version_info").or_else(|| get("version")),
            uv: get("uv"),
            implementation: get("implementation"),
            include_system_site_packages: get("include-system-site-packages")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            entries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pyvenv_cfg_and_the_project_environment_path() {
        let cfg = PyvenvCfg::parse(
            "home = /usr/bin\nimplementation = CPython\nuv = 0.13.9\nversion_info = 3.12.3\n\
             include-system-site-packages = false\nprompt = p\n",
        );
        assert_eq!(cfg.home.as_deref(), Some("/usr/bin"));
        assert_eq!(cfg.version.as_deref(), Some("3.12.3"));
        assert_eq!(cfg.uv.as_deref(), Some("0.13.9"));
        assert!(!cfg.include_system_site_packages);
        assert_eq!(cfg.entries.len(), 6);
        let root = Path::new("/w");
        assert_eq!(
            project_environment_path(root, &|_| None),
            root.join(".venv")
        );
        let var = |k: &str| (k == "UV_PROJECT_ENVIRONMENT").then(|| "env".to_string());
        assert_eq!(project_environment_path(root, &var), root.join("env"));
        let abs = |_: &str| Some("/abs".to_string());
        assert_eq!(project_environment_path(root, &abs), PathBuf::from("/abs"));
    }

    #[test]
    fn finds_site_packages_and_environment_roots() {
        let tmp = tempfile::tempdir().unwrap();
        let env = tmp.path().join("env");
        std::fs::create_dir_all(env.join("lib/python3.12/site-packages")).unwrap();
        std::fs::create_dir_all(env.join("bin")).unwrap();
        std::fs::write(env.join("pyvenv.cfg"), "home = /usr\n").unwrap();
        assert_eq!(
            site_packages(&env),
            [env.join("lib/python3.12/site-packages")]
        );
        assert_eq!(environment_of(&env.join("bin/python")), Some(env.clone()));
        let found = pip_environment(tmp.path(), Some(Path::new("env")), None).unwrap();
        assert_eq!((found.root, found.found_by.as_str()), (env, "--python"));
    }
}
