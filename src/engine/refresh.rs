//! `refresh`: have the real uv fetch, rebuild and reinstall some packages (format notes §6.4),
//! then say what changed in the cache.
//!
//! The sequence, shared by the command line and the terminal UI:
//!
//! 1. [`find_target`]: a uv project (`uv sync`) or a Python environment (`uv pip install`);
//! 2. [`refresh_command`]: the uv command line with `--refresh-package` and
//!    `--reinstall-package` for every package (reinstall implies refresh; refresh alone would
//!    leave a satisfied installed package untouched);
//! 3. [`run_uv`]: runs it as a child process, streaming each output line to an
//!    [`OutputSink`], and returns its exit status. No uvcache lock is held: uv takes its own;
//! 4. [`package_marks`] of a snapshot before and after, and [`compare`] them: entries added,
//!    removed, rewritten, or whose HTTP freshness was renewed.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use super::names::{is_valid_name, normalize};
use super::project::{DistInfo, dist_infos, nearest_project};
// Kept here for the callers that find refresh targets through this module.
pub use super::project::{is_project, pip_environment};

mod changes;

pub use changes::{
    CacheChanges, Change, ChangeKind, EntryMark, PackageMarks, compare, package_marks,
};

/// What can stop a refresh before or while uv runs.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// No uv executable was found.
    #[error(
        "uv was not found (looked at the UV variable and on PATH); install it with \
         `pip install uv` (or `pipx install uv`), or with the standalone installer: \
         `curl -LsSf https://astral.sh/uv/install.sh | sh`"
    )]
    UvNotFound,
    /// A package argument is not a valid distribution name.
    #[error("`{0}` is not a valid package name")]
    InvalidName(String),
    /// `--project` names a directory that is not a uv project.
    #[error(
        "`{path}` is not a uv project: it has no pyproject.toml with a [project] table and no uv.lock"
    )]
    NotAProject {
        /// The directory given.
        path: PathBuf,
    },
    /// Neither a project nor an environment was found.
    #[error("nothing to refresh in: {0}")]
    NoTarget(String),
    /// uv could not be started or its output not read.
    #[error("cannot run `{program}`")]
    Spawn {
        /// The executable.
        program: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Where uv should refresh the packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RefreshTarget {
    /// A uv project: `uv sync --project <root>`.
    Project {
        /// The project directory (with `pyproject.toml` or `uv.lock`).
        #[serde(serialize_with = "crate::engine::json::ser_path")]
        root: PathBuf,
        /// How it was found: `--project` or `current directory`.
        found_by: String,
    },
    /// A Python environment: `uv pip install --python <root>`.
    Environment {
        /// The environment root.
        #[serde(serialize_with = "crate::engine::json::ser_path")]
        root: PathBuf,
        /// How it was found: `--python`, `VIRTUAL_ENV`, `.venv`.
        found_by: String,
        /// Its `site-packages` directories.
        #[serde(skip)]
        site_packages: Vec<PathBuf>,
    },
}

/// How the target should be found.
#[derive(Debug, Clone, Default)]
pub struct TargetChoice {
    /// `--project DIR`.
    pub project: Option<PathBuf>,
    /// `--python ENV`: an environment or an interpreter inside one.
    pub python: Option<PathBuf>,
    /// The `VIRTUAL_ENV` variable.
    pub virtual_env: Option<PathBuf>,
    /// The directory to search from (the current directory).
    pub cwd: PathBuf,
}

/// Finds what to refresh: `--project`, `--python`, else the nearest uv project around `cwd`,
/// else an environment (`VIRTUAL_ENV`, then `.venv` in `cwd` or a parent), as uv looks for them.
pub fn find_target(choice: &TargetChoice) -> Result<RefreshTarget, RefreshError> {
    if let Some(dir) = &choice.project {
        let dir = absolute(&choice.cwd, dir);
        if !is_project(&dir) {
            return Err(RefreshError::NotAProject { path: dir });
        }
        return Ok(RefreshTarget::Project {
            root: dir,
            found_by: "--project".into(),
        });
    }
    if choice.python.is_none()
        && let Some(root) = nearest_project(&choice.cwd)
    {
        return Ok(RefreshTarget::Project {
            root: root.to_path_buf(),
            found_by: "current directory".into(),
        });
    }
    let env = pip_environment(
        &choice.cwd,
        choice.python.as_deref(),
        choice.virtual_env.as_deref(),
    )
    .map_err(RefreshError::NoTarget)?;
    Ok(RefreshTarget::Environment {
        root: env.root,
        found_by: env.found_by,
        site_packages: env.site_packages,
    })
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// Finds the uv to run: the `UV` variable if it names a file, else `uv` on `PATH`.
pub fn locate_uv() -> Result<PathBuf, RefreshError> {
    super::uv::find_uv().ok_or(RefreshError::UvNotFound)
}

/// A uv command line, ready to print and to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UvCommand {
    /// The uv executable.
    #[serde(serialize_with = "crate::engine::json::ser_path")]
    pub program: PathBuf,
    /// Its arguments.
    #[serde(serialize_with = "ser_args")]
    pub args: Vec<OsString>,
    /// Normalized names of the packages refreshed.
    pub packages: Vec<String>,
    /// Things worth knowing about the command (packages not in the lock file, not installed).
    pub notes: Vec<String>,
}

fn ser_args<S: serde::Serializer>(args: &[OsString], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(args.iter().map(|a| a.to_string_lossy()))
}

impl UvCommand {
    /// The command as a shell would take it (arguments quoted where needed).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_os_str())
            .chain(self.args.iter().map(OsString::as_os_str))
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Quotes a word for a POSIX shell when it holds anything but safe characters.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=@:+,%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Builds the uv command that refreshes and reinstalls `packages` in `target`.
///
/// In a project: `uv sync --project DIR --refresh-package P --reinstall-package P ...`.
/// In an environment: `uv pip install --python ENV --refresh-package P --reinstall-package P
/// REQ...`, where each requirement is what is installed now (`name==version`, `name @ url`,
/// `-e path`), so uv reinstalls the same distribution from the same source.
/// `cache_dir` is passed on as `--cache-dir` (when uvcache was told where the cache is).
pub fn refresh_command(
    uv: &Path,
    target: &RefreshTarget,
    packages: &[String],
    cache_dir: Option<&Path>,
) -> Result<UvCommand, RefreshError> {
    let mut names: Vec<String> = Vec::new();
    for p in packages {
        if !is_valid_name(p) {
            return Err(RefreshError::InvalidName(p.clone()));
        }
        let n = normalize(p);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let mut args: Vec<OsString> = Vec::new();
    let mut notes = Vec::new();
    match target {
        RefreshTarget::Project { root, .. } => {
            args.extend(["sync".into(), "--project".into(), root.into()]);
            let locked = locked_packages(root);
            for n in &names {
                if locked.as_ref().is_some_and(|l| !l.contains(n)) {
                    notes.push(format!(
                        "{n} is not in {}: uv sync does not install it",
                        root.join("uv.lock").display()
                    ));
                }
            }
        }
        RefreshTarget::Environment { root, .. } => {
            args.extend([
                "pip".into(),
                "install".into(),
                "--python".into(),
                root.into(),
            ]);
        }
    }
    if let Some(dir) = cache_dir {
        args.extend(["--cache-dir".into(), dir.into()]);
    }
    for n in &names {
        args.extend(["--refresh-package".into(), n.into()]);
        args.extend(["--reinstall-package".into(), n.into()]);
    }
    if let RefreshTarget::Environment { site_packages, .. } = target {
        for n in &names {
            match installed_requirement(site_packages, n) {
                Some(req) => args.extend(req.into_iter().map(OsString::from)),
                None => {
                    notes.push(format!(
                        "{n} is not installed in the environment: uv installs it"
                    ));
                    args.push(n.into());
                }
            }
        }
    }
    Ok(UvCommand {
        program: uv.to_path_buf(),
        args,
        packages: names,
        notes,
    })
}

/// Normalized names of the packages in a project's `uv.lock` (`None` without a readable one).
fn locked_packages(project: &Path) -> Option<BTreeSet<String>> {
    let text = std::fs::read_to_string(project.join("uv.lock")).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let packages = table.get("package")?.as_array()?;
    Some(
        packages
            .iter()
            .filter_map(|p| p.get("name")?.as_str().map(normalize))
            .collect(),
    )
}

/// The requirement that reinstalls what is installed for `name`: from its `.dist-info`'s
/// `direct_url.json` (PEP 610) when it came from a URL, a path or a VCS, else `name==version`.
fn installed_requirement(site_packages: &[PathBuf], name: &str) -> Option<Vec<String>> {
    let (info, version) = dist_infos(site_packages)
        .into_iter()
        .find_map(|info: DistInfo| {
            let (n, version) = info.name_version_of_dir()?;
            (normalize(&n) == name).then_some((info, version))
        })?;
    let Some(direct) = info.direct_url() else {
        return Some(vec![format!("{name}=={version}")]);
    };
    if direct.is_editable()
        && let Some(path) = direct.local_path()
    {
        return Some(vec!["-e".into(), path.to_string_lossy().into_owned()]);
    }
    let url = &direct.url;
    if let Some(vcs) = &direct.vcs_info {
        let kind = vcs.vcs.as_deref().unwrap_or("git");
        let mut spec = format!("{name} @ {kind}+{url}");
        if let Some(commit) = &vcs.commit_id {
            spec.push('@');
            spec.push_str(commit);
        }
        return Some(vec![spec]);
    }
    let mut spec = format!("{name} @ {url}");
    if let Some(sub) = &direct.subdirectory {
        spec.push_str("#subdirectory=");
        spec.push_str(sub);
    }
    Some(vec![spec])
}

/// Which of uv's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error (where uv writes its progress and summaries).
    Stderr,
}

/// Receives uv's output as it comes, one line at a time (from two reader threads).
pub trait OutputSink: Sync {
    /// One line, without its line ending.
    fn line(&self, stream: Stream, line: &str);
}

/// How uv ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UvExit {
    /// Whether it exited with status 0.
    pub success: bool,
    /// The exit code (`None` when a signal ended it).
    pub code: Option<i32>,
}

/// Runs the command with the current environment and working directory, streaming its output
/// to `sink`, and waits for it.
pub fn run_uv(cmd: &UvCommand, sink: &dyn OutputSink) -> Result<UvExit, RefreshError> {
    let spawn_error = |source| RefreshError::Spawn {
        program: cmd.program.clone(),
        source,
    };
    let mut child = Command::new(&cmd.program)
        .args(&cmd.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    std::thread::scope(|s| {
        if let Some(out) = stdout {
            s.spawn(move || forward(out, Stream::Stdout, sink));
        }
        if let Some(err) = stderr {
            s.spawn(move || forward(err, Stream::Stderr, sink));
        }
    });
    let status = child.wait().map_err(spawn_error)?;
    Ok(UvExit {
        success: status.success(),
        code: status.code(),
    })
}

/// Splits a stream into lines (`\n`, and `\r` of progress redraws) and hands them on.
fn forward(stream: impl Read, which: Stream, sink: &dyn OutputSink) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf);
                for part in text.trim_end_matches(['\n', '\r']).split('\r') {
                    sink.line(which, part);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(shell_quote("alpha==1.0"), "alpha==1.0");
        assert_eq!(shell_quote("a @ file:///x"), "'a @ file:///x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
