//! The findings of the last verification, kept beside its memo (`<digest>.findings`, JSON)
//! so that the terminal UI can flag damaged entries without hashing anything: the damaged
//! archives and the unreadable records by path, with a one-line summary each.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Problem, Report};

/// One damaged entry, by its path relative to the cache root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The archive or the record.
    pub path: PathBuf,
    /// Its package, when known.
    pub package: Option<String>,
    /// What is wrong, in a few words (`1 file modified: alpha/__init__.py`).
    pub summary: String,
}

/// What the last verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    /// When it ran, in seconds since the epoch.
    pub verified_at: u64,
    /// The damaged archives and records.
    pub damaged: Vec<Finding>,
}

impl Findings {
    /// The findings of `report`.
    pub fn of(report: &Report, verified_at: u64) -> Findings {
        let mut damaged: Vec<Finding> = report
            .damaged
            .iter()
            .map(|a| {
                let modified = a
                    .files
                    .iter()
                    .filter(|f| f.problem == Problem::Modified)
                    .count();
                let summary = match (a.files.len(), a.files.first()) {
                    (1, Some(f)) => format!("{} {}", f.problem.as_str(), f.path),
                    (n, _) if modified > 0 => {
                        format!("{n} files not as its RECORD says ({modified} modified)")
                    }
                    (n, _) => format!("{n} files not as its RECORD says"),
                };
                Finding {
                    path: a.path.clone(),
                    package: a.package.clone(),
                    summary,
                }
            })
            .collect();
        damaged.extend(report.records.iter().map(|r| Finding {
            path: r.path.clone(),
            package: None,
            summary: format!("{} uv cannot read: {}", r.kind, r.message),
        }));
        Findings {
            verified_at,
            damaged,
        }
    }

    /// The finding about `path`, if any.
    pub fn about(&self, path: &Path) -> Option<&Finding> {
        self.damaged.iter().find(|f| f.path == path)
    }

    /// Reads the findings at `path` (`None`: none, or unreadable).
    pub fn load(path: &Path) -> Option<Findings> {
        let bytes = crate::engine::scan::walk::read_regular(
            path,
            crate::engine::scan::walk::MAX_SMALL_FILE,
        )
        .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Writes the findings to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let dir = path
            .parent()
            .ok_or_else(|| format!("`{}` has no parent directory", path.display()))?;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        let json = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        (|| -> std::io::Result<()> {
            let mut tmp = tempfile::Builder::new()
                .prefix(".findings.")
                .suffix(".tmp")
                .tempfile_in(dir)?;
            tmp.write_all(&json)?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        })()
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
    }
}

/// Where the findings about the cache at `root` are kept: beside the memo.
pub fn findings_path(root: &Path) -> Option<PathBuf> {
    super::memo::memo_path(root).map(|p| p.with_extension("findings"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::verify::{DamagedArchive, FileProblem};

    #[test]
    fn summarizes_and_round_trips() {
        let mut report = Report::default();
        report.damaged.push(DamagedArchive {
            package: Some("alpha".into()),
            version: Some("1.0.0".into()),
            path: "archive-v0/x".into(),
            referrers: vec![],
            files: vec![FileProblem::new(
                "alpha/__init__.py".into(),
                Problem::Modified,
                None,
            )],
            entry: 0,
        });
        let f = Findings::of(&report, 7);
        assert_eq!(f.damaged[0].summary, "modified alpha/__init__.py");
        assert_eq!(
            f.about(Path::new("archive-v0/x"))
                .map(|f| f.package.clone()),
            Some(Some("alpha".into()))
        );
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("d/x.findings");
        f.save(&path).unwrap();
        assert_eq!(Findings::load(&path), Some(f));
        std::fs::write(&path, "{").unwrap();
        assert_eq!(Findings::load(&path), None);
    }
}
