//! Finding the cache root exactly as uv does, and recording which rule won.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use super::error::{Error, Result};
use super::layout::{BucketKind, is_known_bucket_name};
use super::project::SettingsFiles;

/// Which rule decided the cache root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum RootRule {
    /// `--cache-dir` on the command line.
    Flag,
    /// The `UV_CACHE_DIR` environment variable.
    Env,
    /// `cache-dir` in a configuration file.
    Config {
        /// The file that set it.
        #[serde(serialize_with = "crate::engine::json::ser_path")]
        file: PathBuf,
    },
    /// The platform's cache directory (`$XDG_CACHE_HOME/uv`, `~/.cache/uv`, ...).
    PlatformDefault,
    /// `.uv_cache` in the current directory, when no home directory is known.
    NoHome,
}

impl std::fmt::Display for RootRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootRule::Flag => f.write_str("--cache-dir"),
            RootRule::Env => f.write_str("UV_CACHE_DIR"),
            RootRule::Config { file } => write!(f, "cache-dir in {}", file.display()),
            RootRule::PlatformDefault => f.write_str("platform default"),
            RootRule::NoHome => {
                f.write_str("no home directory: .uv_cache in the current directory")
            }
        }
    }
}

/// The located cache root.
#[derive(Debug, Clone, Serialize)]
pub struct CacheRoot {
    /// The root as an absolute path (relative settings are taken from the
    /// current directory, as uv does).
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub path: PathBuf,
    /// The rule that decided it.
    #[serde(flatten)]
    pub rule: RootRule,
}

/// Inputs to cache location, resolved from flags and the environment.
#[derive(Debug, Clone, Default)]
pub struct LocateOptions {
    /// `--cache-dir`.
    pub cache_dir: Option<PathBuf>,
    /// Directory to start configuration discovery from (the current directory).
    pub cwd: PathBuf,
    /// Environment lookup; `None` reads the process environment.
    pub env: Option<Vec<(String, String)>>,
}

impl LocateOptions {
    /// Options for the current process.
    pub fn from_process(cache_dir: Option<PathBuf>) -> Result<Self> {
        let cwd =
            std::env::current_dir().map_err(|e| Error::io("read current directory", ".", e))?;
        Ok(Self {
            cache_dir,
            cwd,
            env: None,
        })
    }

    /// A variable's value; an empty value counts as unset.
    fn var(&self, name: &str) -> Option<String> {
        self.var_raw(name).filter(|v| !v.is_empty())
    }

    /// A variable's value, empty or not.
    fn var_raw(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(vars) => vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            None => std::env::var(name).ok(),
        }
    }

    fn home(&self) -> Option<PathBuf> {
        match &self.env {
            Some(_) => self.var("HOME").map(PathBuf::from),
            None => dirs::home_dir(),
        }
    }
}

/// Locates the cache root: `--cache-dir` > `UV_CACHE_DIR` > `cache-dir` in the
/// project's `uv.toml` / `pyproject.toml` `[tool.uv]`, then the user's and the
/// system's `uv.toml` > the platform default.
///
/// An empty setting is an error, never the current directory: uv 0.13.9 exits
/// 2 on `--cache-dir ""` and on `UV_CACHE_DIR=""` ("a value is required for
/// '--cache-dir'", even when `--cache-dir` is also given, so uvcache refuses
/// it too), and on `cache-dir = ""` in a configuration file that decides the
/// root ("cannot make an empty path absolute").
pub fn locate(opts: &LocateOptions) -> Result<CacheRoot> {
    let absolute = |p: PathBuf| if p.is_absolute() { p } else { opts.cwd.join(p) };
    let empty = |setting: RootRule| Error::InvalidCacheDir {
        setting: setting.to_string(),
        reason: "the path is empty (uv refuses it too); name a directory or remove the setting"
            .to_string(),
    };
    if opts.var_raw("UV_CACHE_DIR").is_some_and(|v| v.is_empty()) {
        return Err(Error::InvalidCacheDir {
            setting: RootRule::Env.to_string(),
            reason: "it is set but empty (uv refuses it too); unset it or name a directory"
                .to_string(),
        });
    }
    if let Some(dir) = &opts.cache_dir {
        if dir.as_os_str().is_empty() {
            return Err(empty(RootRule::Flag));
        }
        return Ok(CacheRoot {
            path: absolute(dir.clone()),
            rule: RootRule::Flag,
        });
    }
    if let Some(dir) = opts.var("UV_CACHE_DIR") {
        return Ok(CacheRoot {
            path: absolute(dir.into()),
            rule: RootRule::Env,
        });
    }
    if let Some((file, dir)) = config_cache_dir(opts)? {
        if dir.as_os_str().is_empty() {
            return Err(empty(RootRule::Config { file }));
        }
        // uv takes a relative `cache-dir` relative to the current directory,
        // not to the file that sets it (checked with uv 0.13.9).
        return Ok(CacheRoot {
            path: absolute(dir),
            rule: RootRule::Config { file },
        });
    }
    if let Some(dir) = platform_default(opts) {
        return Ok(CacheRoot {
            path: dir,
            rule: RootRule::PlatformDefault,
        });
    }
    Ok(CacheRoot {
        path: opts.cwd.join(".uv_cache"),
        rule: RootRule::NoHome,
    })
}

/// What a would-be cache root holds, judged before anything is removed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootVerdict {
    /// Nothing is there: nothing to remove.
    Missing,
    /// Something that is not a directory (a regular file, a device, ...).
    NotADirectory,
    /// A directory holding nothing but (at most) uv's `.lock`.
    Empty,
    /// A directory with a `CACHEDIR.TAG`, or with at least one directory named
    /// like a bucket of some uv release.
    Cache,
    /// A directory with entries, none of them the tag or a uv bucket (a home
    /// directory, a project, ...): `uv cache clean` would delete them all.
    NotACache {
        /// How many entries, besides a `.lock`.
        entries: usize,
        /// The first few of their names, sorted.
        sample: Vec<String>,
    },
}

impl RootVerdict {
    /// The error refusing to remove from `path`, for a directory that is not a cache.
    pub fn refusal(&self, path: &Path) -> Option<Error> {
        match self {
            RootVerdict::NotACache { entries, sample } => Some(Error::NotACache {
                path: path.to_path_buf(),
                entries: *entries,
                sample: sample.clone(),
            }),
            _ => None,
        }
    }
}

/// How many entry names a [`RootVerdict::NotACache`] keeps.
const SAMPLE_NAMES: usize = 6;

/// Judges whether `path` looks like a uv cache: uv writes `CACHEDIR.TAG` when it
/// first uses a cache, and keeps its data in buckets (`wheels-v5`, `archive-v0`,
/// ...). A bucket name of a uv newer than the table (`wheels-v99`) counts too.
pub fn recognize(path: &Path) -> Result<RootVerdict> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Ok(RootVerdict::NotADirectory),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RootVerdict::Missing),
        Err(e) => return Err(Error::io("stat", path, e)),
    }
    let mut names = Vec::new();
    for item in std::fs::read_dir(path).map_err(|e| Error::io("list", path, e))? {
        let item = item.map_err(|e| Error::io("list", path, e))?;
        let name = item.file_name().to_string_lossy().into_owned();
        if name == ".lock" {
            continue;
        }
        let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
        let is_bucket =
            is_dir && (is_known_bucket_name(&name) || BucketKind::parse_dir_name(&name).is_some());
        if is_bucket || (name == "CACHEDIR.TAG" && !is_dir) {
            return Ok(RootVerdict::Cache);
        }
        names.push(name);
    }
    if names.is_empty() {
        return Ok(RootVerdict::Empty);
    }
    names.sort();
    let entries = names.len();
    names.truncate(SAMPLE_NAMES);
    Ok(RootVerdict::NotACache {
        entries,
        sample: names,
    })
}

fn platform_default(opts: &LocateOptions) -> Option<PathBuf> {
    if cfg!(windows) {
        return dirs::cache_dir().map(|d| d.join("uv").join("cache"));
    }
    if cfg!(target_os = "macos") {
        // uv keeps using the legacy macOS location when it already exists.
        if let Some(legacy) = dirs::cache_dir().map(|d| d.join("uv"))
            && legacy.is_dir()
        {
            return Some(legacy);
        }
    }
    // A relative XDG_CACHE_HOME is ignored, as the XDG spec and uv require.
    if let Some(xdg) = opts
        .var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Some(xdg.join("uv"));
    }
    opts.home().map(|h| h.join(".cache").join("uv"))
}

/// The `cache-dir` setting from configuration files, in uv's precedence: project (found from
/// the workspace root or the current directory), user, system.
fn config_cache_dir(opts: &LocateOptions) -> Result<Option<(PathBuf, PathBuf)>> {
    let home = opts.home();
    let files = SettingsFiles::discover(&opts.cwd, &|name| opts.var(name), home.as_deref())?;
    for file in files.iter() {
        match file.read()?.get("cache-dir") {
            None => {}
            Some(toml::Value::String(dir)) => return Ok(Some((file.path.clone(), dir.into()))),
            // A pyproject.toml's `[tool.uv]` with a `cache-dir` that is not a string sets none.
            Some(_) if file.is_pyproject() => {}
            // uv fails on it: "invalid type: integer `5`, expected path string".
            Some(other) => {
                return Err(Error::Config {
                    path: file.path.clone(),
                    reason: format!(
                        "cache-dir must be a path string, not {} `{other}`",
                        other.type_str()
                    ),
                });
            }
        }
    }
    Ok(None)
}

/// The installed uv's own answer to `uv cache dir`, to cross-check ours.
pub fn uv_cache_dir(uv: &Path, cache_dir: Option<&Path>) -> Option<PathBuf> {
    let mut cmd = Command::new(uv);
    cmd.args(["cache", "dir"]);
    if let Some(d) = cache_dir {
        cmd.arg("--cache-dir").arg(d);
    }
    let out = cmd.output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| PathBuf::from(line))
}

/// Whether two spellings of a directory name the same place.
pub fn same_dir(a: &Path, b: &Path, cwd: &Path) -> bool {
    let abs = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    let (a, b) = (abs(a), abs(b));
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => normalize_lexically(&a) == normalize_lexically(&b),
    }
}

/// Removes `.` and resolves `..` components without touching the filesystem.
pub fn normalize_lexically(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(cwd: &Path, env: &[(&str, &str)], flag: Option<&str>) -> LocateOptions {
        LocateOptions {
            cache_dir: flag.map(PathBuf::from),
            cwd: cwd.to_path_buf(),
            env: Some(
                env.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        }
    }

    #[test]
    fn precedence_flag_env_config_default() {
        let tmp = tempfile::tempdir().unwrap();
        let proj = tmp.path().join("proj");
        std::fs::create_dir_all(proj.join("sub")).unwrap();
        std::fs::write(
            proj.join("pyproject.toml"),
            "[project]\nname='p'\nversion='0'\n[tool.uv]\ncache-dir = './.mycache'\n",
        )
        .unwrap();
        let home = tmp.path().join("home");
        let env = [("HOME", home.to_str().unwrap())];
        let r = locate(&opts(&proj.join("sub"), &env, None)).unwrap();
        assert_eq!(r.path, proj.join("sub").join("./.mycache"));
        assert!(matches!(r.rule, RootRule::Config { .. }));
        let env2 = [("HOME", home.to_str().unwrap()), ("UV_CACHE_DIR", "/x1")];
        let r = locate(&opts(&proj, &env2, None)).unwrap();
        assert_eq!((r.path, r.rule), (PathBuf::from("/x1"), RootRule::Env));
        let r = locate(&opts(&proj, &env2, Some("/x2"))).unwrap();
        assert_eq!((r.path, r.rule), (PathBuf::from("/x2"), RootRule::Flag));
        let r = locate(&opts(tmp.path(), &env, None)).unwrap();
        assert_eq!(
            (r.path, r.rule),
            (home.join(".cache/uv"), RootRule::PlatformDefault)
        );
        let env3 = [("HOME", home.to_str().unwrap()), ("XDG_CACHE_HOME", "rel")];
        assert_eq!(
            locate(&opts(tmp.path(), &env3, None)).unwrap().path,
            home.join(".cache/uv")
        );
        let env4 = [("HOME", home.to_str().unwrap()), ("XDG_CACHE_HOME", "/xdg")];
        assert_eq!(
            locate(&opts(tmp.path(), &env4, None)).unwrap().path,
            PathBuf::from("/xdg/uv")
        );
        let env5 = [("HOME", home.to_str().unwrap()), ("UV_NO_CONFIG", "1")];
        assert_eq!(
            locate(&opts(&proj, &env5, None)).unwrap().rule,
            RootRule::PlatformDefault
        );
    }

    #[test]
    fn user_config_and_project_without_tool_uv() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".config/uv")).unwrap();
        std::fs::write(
            home.join(".config/uv/uv.toml"),
            "cache-dir = '/from-user'\n",
        )
        .unwrap();
        let proj = tmp.path().join("p");
        std::fs::create_dir_all(&proj).unwrap();
        std::fs::write(
            proj.join("pyproject.toml"),
            "[project]\nname='p'\nversion='0'\n",
        )
        .unwrap();
        let env = [("HOME", home.to_str().unwrap())];
        let r = locate(&opts(&proj, &env, None)).unwrap();
        assert_eq!(r.path, PathBuf::from("/from-user"));
        assert_eq!(
            r.rule,
            RootRule::Config {
                file: home.join(".config/uv/uv.toml")
            }
        );
    }

    fn invalid(r: Result<CacheRoot>) -> (String, String) {
        match r {
            Err(Error::InvalidCacheDir { setting, reason }) => (setting, reason),
            other => panic!("expected InvalidCacheDir, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_cache_dir_in_a_config_file_is_an_error_not_the_current_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let env = [("HOME", home.to_str().unwrap())];
        // pyproject.toml [tool.uv], then uv.toml, in the project.
        let proj = tmp.path().join("proj");
        std::fs::create_dir_all(proj.join("src")).unwrap();
        let pyproject = proj.join("pyproject.toml");
        std::fs::write(
            &pyproject,
            "[project]\nname='p'\nversion='0'\n[tool.uv]\ncache-dir = \"\"\n",
        )
        .unwrap();
        let (rule, reason) = invalid(locate(&opts(&proj.join("src"), &env, None)));
        assert_eq!(rule, RootRule::Config { file: pyproject }.to_string());
        assert!(reason.contains("empty"), "{reason}");
        let uv_toml = proj.join("uv.toml");
        std::fs::write(&uv_toml, "cache-dir = ''\n").unwrap();
        let (rule, _) = invalid(locate(&opts(&proj, &env, None)));
        assert_eq!(
            rule,
            RootRule::Config {
                file: uv_toml.clone()
            }
            .to_string()
        );
        // What wins over the file still wins, as in uv; UV_NO_CONFIG skips it.
        let r = locate(&opts(&proj, &env, Some("/x"))).unwrap();
        assert_eq!(r.path, PathBuf::from("/x"));
        let env_set = [("HOME", home.to_str().unwrap()), ("UV_CACHE_DIR", "/y")];
        assert_eq!(
            locate(&opts(&proj, &env_set, None)).unwrap().path,
            PathBuf::from("/y")
        );
        let no_config = [("HOME", home.to_str().unwrap()), ("UV_NO_CONFIG", "1")];
        assert_eq!(
            locate(&opts(&proj, &no_config, None)).unwrap().rule,
            RootRule::PlatformDefault
        );
        // The user's uv.toml: an error outside the project, overridden inside it
        // (uv 0.13.9 does the same).
        let user = home.join(".config/uv/uv.toml");
        std::fs::create_dir_all(user.parent().unwrap()).unwrap();
        std::fs::write(&user, "cache-dir = \"\"\n").unwrap();
        let outside = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&outside).unwrap();
        let (rule, _) = invalid(locate(&opts(&outside, &env, None)));
        assert_eq!(rule, RootRule::Config { file: user }.to_string());
        std::fs::write(&uv_toml, "cache-dir = 'c'\n").unwrap();
        assert_eq!(
            locate(&opts(&proj, &env, None)).unwrap().path,
            proj.join("c")
        );
    }

    #[test]
    fn a_cache_dir_that_is_not_a_string_in_uv_toml_is_a_config_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("uv.toml"), "cache-dir = 5\n").unwrap();
        let env = [("HOME", "/nonexistent-home")];
        match locate(&opts(tmp.path(), &env, None)) {
            Err(Error::Config { path, reason }) => {
                assert_eq!(path, tmp.path().join("uv.toml"));
                assert!(reason.contains("path string"), "{reason}");
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_uv_cache_dir_or_flag_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let env = [("HOME", "/h"), ("UV_CACHE_DIR", "")];
        let (rule, reason) = invalid(locate(&opts(tmp.path(), &env, None)));
        assert_eq!(rule, RootRule::Env.to_string());
        assert!(reason.contains("empty"), "{reason}");
        // uv refuses an empty UV_CACHE_DIR even next to --cache-dir.
        let (rule, _) = invalid(locate(&opts(tmp.path(), &env, Some("/x"))));
        assert_eq!(rule, RootRule::Env.to_string());
        let (rule, _) = invalid(locate(&opts(tmp.path(), &[("HOME", "/h")], Some(""))));
        assert_eq!(rule, RootRule::Flag.to_string());
        // Other empty variables still count as unset.
        let env = [("HOME", "/h"), ("XDG_CACHE_HOME", "")];
        assert_eq!(
            locate(&opts(tmp.path(), &env, None)).unwrap().path,
            PathBuf::from("/h/.cache/uv")
        );
    }

    #[test]
    fn recognizes_caches_and_what_is_not_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        assert_eq!(recognize(&dir).unwrap(), RootVerdict::Missing);
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(recognize(&dir).unwrap(), RootVerdict::Empty);
        std::fs::write(dir.join(".lock"), "").unwrap();
        assert_eq!(recognize(&dir).unwrap(), RootVerdict::Empty);
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(recognize(&file).unwrap(), RootVerdict::NotADirectory);
        // A home directory or a project.
        for name in ["src", ".git", "b", "a", "notes.txt", "e", "f", "g"] {
            std::fs::create_dir(dir.join(name)).unwrap();
        }
        // A file named like a bucket is no bucket.
        std::fs::write(dir.join("wheels-v8"), "").unwrap();
        let verdict = recognize(&dir).unwrap();
        assert_eq!(
            verdict,
            RootVerdict::NotACache {
                entries: 9,
                sample: [".git", "a", "b", "e", "f", "g"].map(String::from).to_vec(),
            }
        );
        let refusal = verdict.refusal(&dir).unwrap().to_string();
        assert_eq!(
            refusal,
            format!(
                "`{}` does not look like a uv cache: no CACHEDIR.TAG, no uv bucket \
                 (found 9 other entries: .git, a, b, e, f, g, …)",
                dir.display()
            )
        );
        // A bucket of any release, one of a newer uv, or the tag makes a cache.
        for marker in ["built-wheels-v0", "wheels-v99", "archive-v0"] {
            std::fs::create_dir(dir.join(marker)).unwrap();
            assert_eq!(recognize(&dir).unwrap(), RootVerdict::Cache, "{marker}");
            assert!(RootVerdict::Cache.refusal(&dir).is_none());
            std::fs::remove_dir(dir.join(marker)).unwrap();
        }
        std::fs::write(dir.join("CACHEDIR.TAG"), "").unwrap();
        assert_eq!(recognize(&dir).unwrap(), RootVerdict::Cache);
    }
}
