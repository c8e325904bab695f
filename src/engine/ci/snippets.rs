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

/// Ready-to-use cache configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippets {
    /// A GitHub Actions job excerpt.
    pub github_actions: String,
    /// A GitLab CI job excerpt.
    pub gitlab_ci: String,
}

/// Cache configuration keyed on the hash of `uv.lock`, with fallback keys, the cache inside the
/// project, and `prune --ci` as the job's last step.
pub fn ci_snippets(o: &SnippetOptions) -> Snippets {
    let lock = o.join("uv.lock");
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
        github_actions,
        gitlab_ci,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_key_on_the_lock_file() {
        let s = ci_snippets(&SnippetOptions {
            project_dir: "backend".into(),
            link_mode_copy: true,
        });
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
        let s = ci_snippets(&SnippetOptions {
            project_dir: ".".into(),
            link_mode_copy: false,
        });
        assert!(s.github_actions.contains("hashFiles('uv.lock')"));
        assert!(s.github_actions.contains("# UV_LINK_MODE: copy"));
    }
}
