//! Checks of a project's cache keys that predict surprises: endless rebuilds, versions that
//! change without a rebuild, editable installs pointing at nothing.

use std::path::{Component, Path};

use serde::Serialize;

use super::env::InstalledLocal;
use crate::engine::keys::{CacheKey, Evaluation, KeyValue};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Likely to cause needless or missing rebuilds.
    Warning,
    /// uv will fail.
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// A stable identifier (`glob-matches-generated`, ...).
    pub code: &'static str,
    /// How serious.
    pub severity: Severity,
    /// The explanation.
    pub message: String,
}

fn lint(code: &'static str, severity: Severity, message: String) -> Lint {
    Lint {
        code,
        severity,
        message,
    }
}

/// Directory names whose contents environments, builds and tools rewrite.
const GENERATED: [&str; 12] = [
    ".venv",
    "venv",
    "build",
    "dist",
    "target",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".git",
    ".mypy_cache",
    ".pytest_cache",
];

/// The generated directory a relative path lies in, if any.
pub fn generated_component(path: &Path) -> Option<String> {
    path.components().find_map(|c| match c {
        Component::Normal(name) => {
            let name = name.to_string_lossy();
            (GENERATED.contains(&name.as_ref()) || name.ends_with(".egg-info"))
                .then(|| name.into_owned())
        }
        _ => None,
    })
}

/// Lints for one project's keys.
pub fn lint_keys(eval: &Evaluation) -> Vec<Lint> {
    let mut out = Vec::new();
    if let Some(e) = &eval.error {
        out.push(lint(
            "invalid-cache-keys",
            Severity::Error,
            format!("uv cannot read this project's cache keys and will fail to build it: {e}"),
        ));
    }
    for result in &eval.results {
        for w in &result.warnings {
            out.push(lint("key-skipped", Severity::Warning, w.clone()));
        }
        let KeyValue::Files { files } = &result.value else {
            continue;
        };
        let CacheKey::File { path: pattern } = &result.key else {
            continue;
        };
        let mut generated: Vec<String> = files
            .iter()
            .filter_map(|f| generated_component(&f.path))
            .collect();
        generated.sort();
        generated.dedup();
        if !generated.is_empty() {
            out.push(lint(
                "key-matches-generated",
                Severity::Warning,
                format!(
                    "`{pattern}` matches files under {}: installs and builds rewrite them, so uv \
                     rebuilds after every change there (narrow the pattern, or exclude with `!{}`)",
                    generated
                        .iter()
                        .map(|g| format!("`{g}/`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    generated.first().map(String::as_str).unwrap_or(".venv")
                ),
            ));
        }
        if crate::engine::keys::is_glob(pattern) && files.is_empty() {
            out.push(lint(
                "glob-matches-nothing",
                Severity::Info,
                format!("`{pattern}` matches no file"),
            ));
        }
    }
    out.extend(dynamic_version(eval));
    out
}

/// Dynamic versions computed from inputs the keys do not cover.
fn dynamic_version(eval: &Evaluation) -> Vec<Lint> {
    let Ok(text) = std::fs::read_to_string(eval.project.join("pyproject.toml")) else {
        return vec![];
    };
    let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
        return vec![];
    };
    let get = |path: &[&str]| -> Option<&toml::Value> {
        let mut v = doc.get(*path.first()?)?;
        for p in path.iter().skip(1) {
            v = v.get(p)?;
        }
        Some(v)
    };
    let dynamic_version = get(&["project", "dynamic"])
        .and_then(toml::Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("version")));
    if !dynamic_version {
        return vec![];
    }
    let requires: Vec<String> = get(&["build-system", "requires"])
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.to_ascii_lowercase().replace('_', "-"))
                .collect()
        })
        .unwrap_or_default();
    let backend = get(&["build-system", "build-backend"])
        .and_then(toml::Value::as_str)
        .unwrap_or("");
    let vcs_plugins = [
        "setuptools-scm",
        "hatch-vcs",
        "versioningit",
        "poetry-dynamic-versioning",
        "setuptools-git-versioning",
        "dunamai",
        "uv-dynamic-versioning",
    ];
    let from_vcs = requires
        .iter()
        .any(|r| vcs_plugins.iter().any(|p| r.starts_with(p)))
        || get(&["tool", "setuptools_scm"]).is_some()
        || get(&["tool", "hatch", "version", "source"]).and_then(toml::Value::as_str)
            == Some("vcs")
        || get(&["tool", "pdm", "version", "source"]).and_then(toml::Value::as_str) == Some("scm");
    let keys = &eval.keys.keys;
    if from_vcs {
        let commit = keys
            .iter()
            .any(|k| matches!(k, CacheKey::Git { commit: true, .. }));
        let tags = keys
            .iter()
            .any(|k| matches!(k, CacheKey::Git { tags: true, .. }));
        if !(commit && tags) {
            return vec![lint(
                "dynamic-version-without-git",
                Severity::Warning,
                "the version comes from Git, but the cache keys do not track the commit and tags: \
                 a new commit or tag changes the version without a rebuild; add \
                 `{ git = { commit = true, tags = true } }`"
                    .into(),
            )];
        }
        return vec![];
    }
    // A version read from a file: the file must be a key.
    let file = if backend.starts_with("flit_core") {
        flit_version_file(eval, &doc)
    } else {
        get(&["tool", "hatch", "version", "path"])
            .and_then(toml::Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                get(&["tool", "setuptools", "dynamic", "version", "file"])
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            })
    };
    let Some(file) = file else {
        return vec![];
    };
    let covered = eval.results.iter().any(|r| match &r.value {
        KeyValue::Files { files } => files.iter().any(|f| f.path == Path::new(&file)),
        _ => false,
    });
    if covered {
        return vec![];
    }
    vec![lint(
        "dynamic-version-not-a-key",
        Severity::Warning,
        format!(
            "the version is read from `{file}`, which is not a cache key: bumping it there does not \
             rebuild; add `{{ file = \"{file}\" }}`"
        ),
    )]
}

/// The module file flit_core reads `__version__` from.
fn flit_version_file(eval: &Evaluation, doc: &toml::Table) -> Option<String> {
    let module = doc
        .get("tool")
        .and_then(|t| t.get("flit"))
        .and_then(|f| f.get("module"))
        .and_then(|m| m.get("name"))
        .and_then(toml::Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            doc.get("project")
                .and_then(|p| p.get("name"))
                .and_then(toml::Value::as_str)
                .map(|n| n.replace(['-', '.'], "_").to_ascii_lowercase())
        })?;
    [
        format!("{module}/__init__.py"),
        format!("src/{module}/__init__.py"),
        format!("{module}.py"),
        format!("src/{module}.py"),
    ]
    .into_iter()
    .find(|c| eval.project.join(c).is_file())
}

/// Editable installs whose `.pth` paths no longer exist, and sources that are gone.
pub fn lint_install(local: &InstalledLocal) -> Vec<Lint> {
    let mut out = Vec::new();
    if !local.source.exists() {
        out.push(lint(
            "source-missing",
            Severity::Error,
            format!(
                "the source `{}` no longer exists: uv cannot rebuild it",
                local.source.display()
            ),
        ));
    }
    if local.editable {
        for missing in missing_pth_paths(local) {
            out.push(lint(
                "editable-path-missing",
                Severity::Warning,
                format!(
                    "the editable install adds `{}` to sys.path, which no longer exists: \
                     reinstall it (`--reinstall-package {}`)",
                    missing, local.name
                ),
            ));
        }
    }
    if local.installer.as_deref().is_some_and(|i| i != "uv") {
        out.push(lint(
            "not-installed-by-uv",
            Severity::Info,
            format!(
                "installed by {}: uv reinstalls it on its next run (no `uv_cache.json`)",
                local.installer.as_deref().unwrap_or("another installer")
            ),
        ));
    }
    out
}

/// Path lines of the `.pth` files the distribution's `RECORD` lists that do not exist.
fn missing_pth_paths(local: &InstalledLocal) -> Vec<String> {
    let Some(site) = local.dist_info.parent() else {
        return vec![];
    };
    let record = std::fs::read_to_string(local.dist_info.join("RECORD")).unwrap_or_default();
    let mut out = Vec::new();
    for line in record.lines() {
        let file = line.split(',').next().unwrap_or("");
        if !file.ends_with(".pth") || file.contains('/') {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(site.join(file)) else {
            continue;
        };
        for entry in text.lines().map(str::trim) {
            if entry.is_empty() || entry.starts_with('#') || entry.starts_with("import ") {
                continue;
            }
            if !site.join(entry).exists() {
                out.push(entry.to_string());
            }
        }
    }
    out
}
