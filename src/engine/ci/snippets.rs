//! Cache configuration for GitHub Actions and GitLab CI: keyed on the hash of `uv.lock` with
//! fallback keys, the cache inside the project, and `prune --ci` as the job's last step.

use std::path::Path;

use serde::Serialize;

use crate::engine::project::lock_root;

/// Inputs of the CI snippets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnippetOptions {
    /// The project directory relative to the repository root (`.` at the root).
    pub project_dir: String,
    /// Whether to set `UV_LINK_MODE=copy` (the cache and the environment are on different
    /// filesystems).
    pub link_mode_copy: bool,
}

impl SnippetOptions {
    /// Options for the project around `cwd` (the nearest directory with `uv.lock` or a
    /// `pyproject.toml`), relative to its Git repository root.
    pub fn for_dir(cwd: &Path, link_mode_copy: bool) -> SnippetOptions {
        let project = lock_root(cwd).unwrap_or(cwd);
        let repo = project.ancestors().find(|d| d.join(".git").exists());
        let rel = repo
            .and_then(|r| project.strip_prefix(r).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".into());
        SnippetOptions {
            project_dir: rel,
            link_mode_copy,
        }
    }

    fn join(&self, file: &str) -> String {
        if self.project_dir == "." {
            file.to_string()
        } else {
            format!("{}/{file}", self.project_dir)
        }
    }
}

/// Whether setup-uv should prune the cache it saves, decided from this cache's measured mix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneAdvice {
    /// The value to give `prune-cache`.
    pub prune_cache: bool,
    /// What the saved cache would hold without pruning (on-disk bytes).
    pub saved_without: u64,
    /// What it would hold with `prune-cache: true` (`uv cache prune --ci`).
    pub saved_with: u64,
    /// Why, in one sentence.
    pub reason: String,
}

/// Decides `prune-cache` from the bytes of the cache now (`before`), after `prune --ci`
/// (`after`), and of wheels built from source that `--ci` keeps (`built`).
///
/// setup-uv v9 keeps everything by default (`prune-cache: false`) so that CI jobs download
/// less from the package index. Pruning pays when wheels built from source are what is worth
/// keeping and downloads are most of the cache; when nothing was built, pruning would save an
/// almost empty cache, and keeping the downloads is better.
pub fn prune_advice(before: u64, after: u64, built: u64) -> PruneAdvice {
    let human = |n: u64| crate::engine::report::human_bytes(n);
    let (prune_cache, reason) = if built == 0 {
        (
            false,
            "nothing here was built from source: pruning would save an almost empty cache, so \
             keep the downloads (setup-uv v9's default)"
                .to_string(),
        )
    } else if after.saturating_mul(2) <= before {
        (
            true,
            format!(
                "wheels built from source ({}) are what is costly to make again, and downloads \
                 are most of the rest: pruning saves {} instead of {}",
                human(built),
                human(after),
                human(before)
            ),
        )
    } else {
        (
            false,
            format!(
                "pruning would save {} instead of {}: too little to give up the downloads \
                 (setup-uv v9's default)",
                human(after),
                human(before)
            ),
        )
    };
    PruneAdvice {
        prune_cache,
        saved_without: before,
        saved_with: after,
        reason,
    }
}

/// Ready-to-use cache configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippets {
    /// A GitHub Actions job excerpt with `astral-sh/setup-uv` (v9) caching.
    pub setup_uv: String,
    /// A GitHub Actions job excerpt with `actions/cache`.
    pub github_actions: String,
    /// A GitLab CI job excerpt.
    pub gitlab_ci: String,
}

/// Cache configuration keyed on the hash of `uv.lock`, with fallback keys, the cache inside the
/// project, and `prune --ci` as the job's last step; setup-uv's `prune-cache` as `advice` says.
pub fn ci_snippets(o: &SnippetOptions, advice: &PruneAdvice) -> Snippets {
    let lock = o.join("uv.lock");
    let human = |n: u64| crate::engine::report::human_bytes(n);
    let setup_uv = format!(
        "steps:\n\
         \x20 - uses: actions/checkout@v4\n\
         \x20 - uses: astral-sh/setup-uv@v9\n\
         \x20   with:\n\
         \x20     enable-cache: true\n\
         \x20     cache-dependency-glob: \"{lock}\"\n\
         \x20     # saved cache: {without} as it is, {with} pruned (uv cache prune --ci)\n\
         \x20     prune-cache: {prune}\n\
         \x20     # cache-suffix: ${{{{ matrix.python-version }}}}  # one cache per matrix entry\n\
         \x20 - run: uv sync --locked\n",
        without = human(advice.saved_without),
        with = human(advice.saved_with),
        prune = advice.prune_cache,
    );
    let cache = o.join(".uv-cache");
    let link = if o.link_mode_copy {
        "  UV_LINK_MODE: copy  # the cache and the environment are on different filesystems\n"
    } else {
        "  # UV_LINK_MODE: copy  # if the runner mounts the build directory apart from the cache\n"
    };
    let github_actions = format!(
        "env:\n\
         \x20 UV_CACHE_DIR: ${{{{ github.workspace }}}}/{cache}\n\
         {link}\
         steps:\n\
         \x20 - uses: actions/checkout@v4\n\
         \x20 - uses: actions/cache@v4\n\
         \x20   with:\n\
         \x20     path: ${{{{ env.UV_CACHE_DIR }}}}\n\
         \x20     key: uv-${{{{ runner.os }}}}-${{{{ hashFiles('{lock}') }}}}\n\
         \x20     restore-keys: |\n\
         \x20       uv-${{{{ runner.os }}}}-\n\
         \x20 - run: uv sync --locked\n\
         \x20 # ... build and test ...\n\
         \x20 - name: Keep only what is expensive to rebuild in the saved cache\n\
         \x20   run: uv cache prune --ci  # or: uvcache prune --ci --yes\n"
    );
    let gitlab_ci = format!(
        "variables:\n\
         \x20 UV_CACHE_DIR: $CI_PROJECT_DIR/{cache}\n\
         {link}\
         job:\n\
         \x20 cache:\n\
         \x20   - key:\n\
         \x20       files:\n\
         \x20         - {lock}\n\
         \x20       prefix: uv\n\
         \x20     paths:\n\
         \x20       - {cache}\n\
         \x20     # exact keys tried when uv.lock changed: the default branch's cache\n\
         \x20     fallback_keys:\n\
         \x20       - uv-$CI_DEFAULT_BRANCH\n\
         \x20 script:\n\
         \x20   - uv sync --locked\n\
         \x20   # ... build and test ...\n\
         \x20   - uv cache prune --ci  # or: uvcache prune --ci --yes\n"
    );
    Snippets {
        setup_uv,
        github_actions,
        gitlab_ci,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_advice_follows_the_mix() {
        // Nothing built: keep the downloads.
        assert!(!prune_advice(100 << 20, 2 << 20, 0).prune_cache);
        // Built wheels worth keeping, downloads the bulk: prune.
        let a = prune_advice(100 << 20, 10 << 20, 8 << 20);
        assert!(a.prune_cache, "{a:?}");
        assert_eq!((a.saved_without, a.saved_with), (100 << 20, 10 << 20));
        // Mostly built wheels: pruning saves little.
        assert!(!prune_advice(100 << 20, 80 << 20, 70 << 20).prune_cache);
        let s = ci_snippets(
            &SnippetOptions {
                project_dir: ".".into(),
                link_mode_copy: false,
            },
            &a,
        );
        assert!(
            s.setup_uv.contains("astral-sh/setup-uv@v9"),
            "{}",
            s.setup_uv
        );
        assert!(s.setup_uv.contains("enable-cache: true"));
        assert!(s.setup_uv.contains("cache-dependency-glob: \"uv.lock\""));
        assert!(s.setup_uv.contains("prune-cache: true"));
    }

    #[test]
    fn snippets_key_on_the_lock_file() {
        let advice = prune_advice(1, 1, 0);
        let s = ci_snippets(
            &SnippetOptions {
                project_dir: "backend".into(),
                link_mode_copy: true,
            },
            &advice,
        );
        assert!(s.github_actions.contains("hashFiles('backend/uv.lock')"));
        assert!(
            s.github_actions
                .contains("restore-keys: |\n        uv-${{ runner.os }}-\n")
        );
        assert!(
            s.github_actions
                .contains("UV_CACHE_DIR: ${{ github.workspace }}/backend/.uv-cache")
        );
        assert!(s.github_actions.contains("\n  UV_LINK_MODE: copy"));
        assert!(s.gitlab_ci.contains("- backend/uv.lock"));
        assert!(s.gitlab_ci.contains("uv cache prune --ci"));
        let s = ci_snippets(
            &SnippetOptions {
                project_dir: ".".into(),
                link_mode_copy: false,
            },
            &advice,
        );
        assert!(s.github_actions.contains("hashFiles('uv.lock')"));
        assert!(s.github_actions.contains("# UV_LINK_MODE: copy"));
    }
}
