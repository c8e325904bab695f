//! Recommendations drawn from the doctor's facts, each with the action and its expected effect.

use std::path::Path;

use serde::Serialize;

use super::config::LinkMode;
use super::{DoctorReport, Probe};

/// How much a finding matters (ordered most severe first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Removing cache entries would break something.
    Danger,
    /// Something does not work as configured.
    Warning,
    /// Worth knowing; nothing is wrong.
    Info,
}

/// One recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// How much it matters.
    pub severity: Severity,
    /// A stable identifier (`symlink-mode`, `cross-device`, ...).
    pub code: &'static str,
    /// What was found and why it matters.
    pub message: String,
    /// What to do, each with its effect.
    pub actions: Vec<String>,
}

fn advice(severity: Severity, code: &'static str, message: String, actions: Vec<String>) -> Advice {
    Advice {
        severity,
        code,
        message,
        actions,
    }
}

/// Draws recommendations from a report; `cache_here` is a cache location on the environment's
/// filesystem to suggest.
pub fn advise(r: &DoctorReport, cache_here: Option<&Path>) -> Vec<Advice> {
    let mut out = Vec::new();
    let env_name = r.environment.as_ref().map_or_else(
        || "the environment".to_string(),
        |e| e.root.display().to_string(),
    );
    let modes = [&r.link_mode.project, &r.link_mode.pip];

    // Symlinks into the cache: removing archives breaks the environment.
    let symlinked = r
        .census
        .as_ref()
        .map_or(0, |c| c.totals.symlinks_into_cache);
    let configured_symlink = modes.iter().any(|m| m.mode == LinkMode::Symlink);
    if symlinked > 0 || configured_symlink {
        let broken = r.census.as_ref().map_or(0, |c| c.totals.broken_symlinks);
        let mut message = if symlinked > 0 {
            let dists = r.census.as_ref().map_or(0, |c| c.symlinked().len());
            format!(
                "{env_name} has {symlinked} files ({dists} distributions) installed as symlinks into the cache: \
                 `uvcache clean`/`prune` and `uv cache clean`/`prune` delete the archives they point to, \
                 and the environment breaks"
            )
        } else {
            let source = modes
                .iter()
                .find(|m| m.mode == LinkMode::Symlink)
                .map_or("", |m| m.source.as_str());
            format!(
                "uv is configured to install with symlinks into the cache ({source}): environments \
                 installed that way break when the cache is cleaned or pruned"
            )
        };
        if broken > 0 {
            message.push_str(&format!(
                "; {broken} of those symlinks are already broken (their archive is gone)"
            ));
        }
        out.push(advice(
            Severity::Danger,
            "symlink-mode",
            message,
            vec![
                "do not run `clean` or `prune` until the environment is reinstalled".into(),
                "switch to `UV_LINK_MODE=clone` (uv's default), `hardlink` or `copy` and reinstall: \
                 `uv sync --reinstall` or `uv pip install --reinstall ...`; the environment then owns \
                 its files and survives any cache cleanup"
                    .into(),
            ],
        ));
    }

    for m in modes {
        if let LinkMode::Invalid(v) = &m.mode {
            out.push(advice(
                Severity::Warning,
                "invalid-link-mode",
                format!(
                    "link mode `{v}` ({}) is not one uv accepts: every install fails",
                    m.source
                ),
                vec!["use one of clone, hardlink, symlink, copy".into()],
            ));
        }
    }

    let hardlink_cross_device = r.probes.as_ref().is_some_and(|p| {
        matches!(
            p.hardlink,
            Probe::Fails {
                cross_device: true,
                ..
            }
        )
    });
    let falls_back = [&r.outcome.project, &r.outcome.pip]
        .iter()
        .any(|o| o.as_ref().is_some_and(|o| o.fallback_warning));
    if r.same_filesystem == Some(false) || hardlink_cross_device {
        let (cache_fs, env_fs) = (
            describe_fs(&r.cache.filesystem),
            r.environment
                .as_ref()
                .map_or_else(String::new, |e| describe_fs(&e.filesystem)),
        );
        let mut actions = Vec::new();
        if falls_back {
            actions.push(
                "`export UV_LINK_MODE=copy` (or `link-mode = \"copy\"` in uv.toml): silences the \
                 fallback warning; installs copy as they do now, with the same speed and disk use"
                    .to_string(),
            );
        }
        if let Some(dir) = cache_here {
            let in_memory = r
                .environment
                .as_ref()
                .is_some_and(|e| e.filesystem.is_memory());
            actions.push(format!(
                "`export UV_CACHE_DIR={}` (a cache on the environment's filesystem): installs \
                 hard-link or clone instead of copying, so they are faster and installed files take \
                 no second copy on disk; the new cache starts empty{}",
                dir.display(),
                if in_memory {
                    " (and, in memory, is lost at reboot)"
                } else {
                    ""
                }
            ));
        }
        out.push(advice(
            if falls_back {
                Severity::Warning
            } else {
                Severity::Info
            },
            "cross-device",
            format!(
                "the cache ({cache_fs}) and {env_name} ({env_fs}) are on different filesystems: hard \
                 links cannot cross them{}",
                if falls_back {
                    ", so every install prints \"Failed to hardlink files; falling back to full copy\" \
                     and copies"
                } else {
                    ""
                }
            ),
            actions,
        ));
    }

    if let Some(l) = &r.locks
        && (!l.shared.works() || !l.exclusive.works() || !l.enforced.works())
    {
        out.push(advice(
            Severity::Warning,
            "locks",
            format!(
                "file locks do not work on the cache's filesystem ({}): uv warns (with -v) and runs \
                 unprotected, so concurrent uv processes and `uv cache clean`/`prune` can race",
                describe_fs(&r.cache.filesystem)
            ),
            vec![format!(
                "move the cache to a local filesystem (`UV_CACHE_DIR`), or make sure only one uv \
                 process uses {} at a time",
                r.cache.root.path.display()
            )],
        ));
    }

    if r.cache.filesystem.is_network() {
        out.push(advice(
            Severity::Info,
            "network-cache",
            format!(
                "the cache is on a network or shared filesystem ({}): every file uv links or copies \
                 crosses it",
                describe_fs(&r.cache.filesystem)
            ),
            vec!["a cache on local disk makes installs faster".into()],
        ));
    }
    if r.cache.filesystem.is_memory() {
        out.push(advice(
            Severity::Info,
            "memory-cache",
            "the cache is in memory (tmpfs): it is lost at reboot and uv downloads and builds again"
                .into(),
            vec![],
        ));
    }

    let cloned = r.census.as_ref().map_or(0, |c| c.totals.clones);
    if cloned > 0 {
        let bytes = r.census.as_ref().map_or(0, |c| c.totals.cloned_bytes);
        out.push(advice(
            Severity::Info,
            "cloned",
            format!(
                "{cloned} installed files of {env_name} are copy-on-write clones sharing {} with \
                 other files (the cache's, as uv's clone link mode makes them): removing the \
                 cache's copies frees those bytes only once the environment is gone too",
                human(bytes)
            ),
            vec![],
        ));
    }

    let hardlinked = r
        .census
        .as_ref()
        .map_or(0, |c| c.totals.hardlinks_into_cache);
    if hardlinked > 0 {
        let bytes = r.census.as_ref().map_or(0, |c| c.totals.hardlinked_bytes);
        let mut actions = vec![
            "this is expected with hard links: removing those archives from the cache frees their \
             bytes only once the environment is gone too"
                .to_string(),
        ];
        if r.probes.as_ref().is_some_and(|p| p.clone.works()) {
            actions.push(
                "`UV_LINK_MODE=clone` gives copy-on-write clones on this filesystem: as cheap, and \
                 editing an installed file cannot change the cache"
                    .into(),
            );
        }
        out.push(advice(
            Severity::Info,
            "hardlinked",
            format!(
                "{hardlinked} installed files of {env_name} ({}) are hard links to files in the \
                 cache: they share the same bytes, and editing one in place edits both",
                human(bytes)
            ),
            actions,
        ));
    }

    let link_works = r
        .probes
        .as_ref()
        .is_some_and(|p| p.clone.works() || p.hardlink.works());
    if link_works && modes.iter().any(|m| m.mode == LinkMode::Copy) {
        let m = modes
            .iter()
            .find(|m| m.mode == LinkMode::Copy)
            .map_or("", |m| m.source.as_str());
        out.push(advice(
            Severity::Info,
            "copy-mode",
            format!(
                "installs copy every file (link mode copy, from {m}) although the environment could \
                 link them"
            ),
            vec![
                "unset it (uv's default `clone` falls back to hard links): installs get faster and \
                 installed files take no second copy on disk"
                    .into(),
            ],
        ));
    }

    if r.environment.is_none() {
        out.push(advice(
            Severity::Info,
            "no-environment",
            format!(
                "no environment examined: {}",
                r.environment_error.as_deref().unwrap_or("none found")
            ),
            vec!["pass --python ENV or --project DIR to check installs into it".into()],
        ));
    }
    if !r.cache.exists {
        out.push(advice(
            Severity::Info,
            "no-cache",
            format!(
                "the cache {} does not exist yet: uv creates it on first use; link and lock probes \
                 were skipped",
                r.cache.root.path.display()
            ),
            vec![],
        ));
    }
    out.sort_by_key(|a| a.severity);
    out
}

/// `ext4 at / (254:0)`.
pub fn describe_fs(f: &super::FsFacts) -> String {
    let mut s = f.fs_type.clone().unwrap_or_else(|| "unknown type".into());
    if let Some(m) = &f.mount_point {
        s.push_str(&format!(" at {}", m.display()));
    }
    if let Some(d) = &f.device {
        s.push_str(&format!(", device {d}"));
    }
    s
}

fn human(n: u64) -> String {
    use humansize::{BINARY, FormatSizeOptions, format_size};
    format_size(
        n,
        FormatSizeOptions::from(BINARY)
            .decimal_places(1)
            .space_after_value(false),
    )
}
