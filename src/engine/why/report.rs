//! The verdict for one installed package: recorded against current cache info, cached builds,
//! untracked changes, and the words that explain it.

use std::path::{Path, PathBuf};

use super::{
    CachedBuild, Change, InstalledLocal, LocalKind, PackageReport, Verdict, diff, lint_install,
    lint_keys, snippet, suggested_keys, untracked_changes, utc,
};
use crate::engine::formats::{CacheInfo, Timestamp, decode_local_revision_pointer};
use crate::engine::keys::{self, Evaluation, FileStamp};
use crate::engine::names::{cache_digest, canonical_url};

pub(super) fn report(
    installed: InstalledLocal,
    cache: Option<&Path>,
    env_var: &dyn Fn(&str) -> Option<String>,
) -> PackageReport {
    let mut reasons = Vec::new();
    let mut lints = lint_install(&installed);
    let (current, current_info, fails) = match installed.kind {
        LocalKind::Directory => match keys::evaluate_with(&installed.source, env_var) {
            Ok(eval) => {
                lints.extend(lint_keys(&eval));
                let fails = eval.error.clone();
                let info = eval.cache_info.clone();
                (Some(eval), Some(info), fails)
            }
            Err(e) => (None, None, Some(e.to_string())),
        },
        LocalKind::Archive => match keys::cache_info_of_file(&installed.source) {
            Ok(info) => (None, Some(info), None),
            Err(e) => (None, None, Some(e.to_string())),
        },
    };
    let recorded = match &installed.recorded {
        Some(Ok(info)) => Some(info.clone()),
        Some(Err(e)) => {
            reasons.push(format!(
                "`uv_cache.json` cannot be read ({e}): uv treats the install as out of date"
            ));
            None
        }
        None => {
            reasons.push(
                "no `uv_cache.json` in the .dist-info: uv treats the install as out of date".into(),
            );
            None
        }
    };
    let changes = match (&recorded, &current) {
        (Some(r), Some(eval)) => diff(r, eval),
        (Some(r), None) => match &current_info {
            Some(now) if now != r => {
                let message = format!(
                    "the archive file changed ({} before, {} now)",
                    r.timestamp
                        .as_ref()
                        .map(utc)
                        .unwrap_or_else(|| "none".into()),
                    now.timestamp
                        .as_ref()
                        .map(utc)
                        .unwrap_or_else(|| "none".into())
                );
                vec![Change {
                    part: "timestamp".into(),
                    headline: message.clone(),
                    message,
                }]
            }
            _ => vec![],
        },
        _ => vec![],
    };
    if let Some(settings) = &installed.build_settings {
        reasons.push(format!(
            "it was built with build settings {settings}: a uv command without exactly these \
             settings rebuilds it"
        ));
    }
    let cached_builds = cache
        .map(|c| cached_builds(c, &installed, current_info.as_ref()))
        .unwrap_or_default();
    let out_of_date = !changes.is_empty() || !reasons.is_empty();
    let verdict = if let Some(e) = &fails {
        reasons.push(format!("uv cannot compute the cache info: {e}"));
        Verdict::Fails
    } else if !out_of_date {
        Verdict::UpToDate
    } else if cached_builds.iter().any(|b| b.matches_now && b.has_wheel) {
        Verdict::ReinstallFromCache
    } else {
        Verdict::Rebuild
    };
    let since = installed
        .installed_at
        .or(recorded.as_ref().and_then(|r| r.timestamp));
    let untracked = match (&current, since) {
        (Some(eval), Some(since)) => untracked_changes(eval, since, 20),
        _ => vec![],
    };
    let snippet = current
        .as_ref()
        .filter(|_| !untracked.is_empty())
        .map(|eval| snippet(&eval.keys.keys, &suggested_keys(&untracked)));
    let summary = summary(
        &installed,
        verdict,
        &changes,
        &reasons,
        &untracked,
        current.as_ref(),
        since,
    );
    let hints = hints(&installed, verdict);
    PackageReport {
        installed,
        verdict,
        summary,
        changes,
        reasons,
        recorded,
        current,
        cached_builds,
        untracked,
        snippet,
        lints,
        hints,
    }
}

/// The sdists shards uv uses for this source (`path/` or `editable/`, in every sdists bucket).
fn cached_builds(
    cache: &Path,
    installed: &InstalledLocal,
    now: Option<&CacheInfo>,
) -> Vec<CachedBuild> {
    let shard_kind = if installed.editable {
        "editable"
    } else {
        "path"
    };
    let mut digests = vec![cache_digest(&canonical_url(&installed.url))];
    if let Some(decoded) = installed.source.to_str().map(|p| format!("file://{p}")) {
        let d = cache_digest(&canonical_url(&decoded));
        if !digests.contains(&d) {
            digests.push(d);
        }
    }
    let mut buckets: Vec<(u32, PathBuf)> = std::fs::read_dir(cache)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix("sdists-v")?.parse().ok()?;
            Some((version, e.path()))
        })
        .collect();
    buckets.sort_by_key(|b| std::cmp::Reverse(b.0));
    let mut out = Vec::new();
    for (_, bucket) in buckets {
        for digest in &digests {
            let pointer = bucket.join(shard_kind).join(digest).join("revision.rev");
            let Ok(bytes) = crate::engine::read::read_regular(&pointer, 1 << 20) else {
                continue;
            };
            let Ok(p) = decode_local_revision_pointer(&bytes) else {
                continue;
            };
            let rev_dir = pointer.with_file_name(&p.revision.id);
            let has_wheel = std::fs::read_dir(&rev_dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".whl"));
            out.push(CachedBuild {
                pointer: pointer
                    .strip_prefix(cache)
                    .unwrap_or(&pointer)
                    .to_path_buf(),
                revision: p.revision.id,
                matches_now: now == Some(&p.cache_info),
                cache_info: p.cache_info,
                has_wheel,
            });
        }
    }
    out
}

fn summary(
    installed: &InstalledLocal,
    verdict: Verdict,
    changes: &[Change],
    reasons: &[String],
    untracked: &[FileStamp],
    eval: Option<&Evaluation>,
    since: Option<Timestamp>,
) -> String {
    let after_install = since
        .map(|t| format!(" after the install at {}", utc(&t)))
        .unwrap_or_default();
    // The install time reads best right after a file change.
    let mut because: Vec<String> = changes.iter().map(|c| c.headline.clone()).collect();
    let after = match (changes.first(), because.first_mut()) {
        (Some(c), Some(first)) if c.part == "timestamp" => {
            first.push_str(&after_install);
            String::new()
        }
        _ if after_install.is_empty() => String::new(),
        _ => format!(" ({})", after_install.trim_start()),
    };
    because.extend(reasons.iter().cloned());
    match verdict {
        Verdict::Fails => format!(
            "the next uv sync / uv pip install will FAIL for {}: {}",
            installed.name,
            because.join("; ")
        ),
        Verdict::Rebuild => format!(
            "will rebuild {} on the next uv sync / uv pip install: {}{after}",
            installed.name,
            because.join("; ")
        ),
        Verdict::ReinstallFromCache => format!(
            "will reinstall {} on the next uv sync / uv pip install, from a cached build that \
             matches the current inputs (no build): {}{after}",
            installed.name,
            because.join("; ")
        ),
        Verdict::UpToDate => {
            let keys = eval
                .map(|e| {
                    let labels: Vec<String> = e.keys.keys.iter().map(|k| k.label()).collect();
                    format!(
                        "{}: {}",
                        if e.keys.defaults {
                            "uv's default keys"
                        } else {
                            "keys"
                        },
                        labels.join(", ")
                    )
                })
                .unwrap_or_else(|| "the archive file".into());
            match untracked.first() {
                Some(f) => format!(
                    "will NOT rebuild {}: {} changed at {}{after_install} but is not a cache key ({keys})",
                    installed.name,
                    if untracked.len() > 1 {
                        format!("{} (and {} more)", f.path.display(), untracked.len() - 1)
                    } else {
                        f.path.display().to_string()
                    },
                    utc(&f.timestamp)
                ),
                None => format!(
                    "will NOT rebuild {}: no cache key changed ({keys})",
                    installed.name
                ),
            }
        }
    }
}

fn hints(installed: &InstalledLocal, verdict: Verdict) -> Vec<String> {
    let name = &installed.name;
    let mut out = Vec::new();
    if !verdict.reinstalls() {
        out.push(format!(
            "to rebuild once: `uv sync --reinstall-package {name}` or `uv pip install \
             --reinstall-package {name} ...`"
        ));
        out.push(format!(
            "`--refresh-package {name}` alone does not reinstall a package whose cache info is unchanged"
        ));
    }
    out.push(format!(
        "`[tool.uv] reinstall-package = [\"{name}\"]` in the installing project rebuilds it on every `uv sync`"
    ));
    out.push(
        "`uv pip install <path>` named on the command line always rebuilds; list the path in a \
         requirements file to get the cache-key check"
            .into(),
    );
    out
}
