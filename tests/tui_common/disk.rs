//! The disk side of journeys: a cache's tree, and the command line run on
//! another copy to compare with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::UV_CURRENT;

/// Every path below `root` with what it is (directory, link target, file size).
pub fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .map(|e| {
            let e = e.expect("walk");
            let rel = e.path().strip_prefix(root).expect("inside").to_path_buf();
            let ft = e.file_type();
            let what = if ft.is_symlink() {
                format!(
                    "link {}",
                    std::fs::read_link(e.path()).expect("link").display()
                )
            } else if ft.is_dir() {
                "dir".to_string()
            } else {
                format!("file {}", e.metadata().expect("stat").len())
            };
            (rel, what)
        })
        .collect()
}

/// Runs the uvcache binary on `cache` (as uv 0.13.9, no colour); it must succeed.
pub fn cli(cache: &Path, args: &[&str]) {
    let out = crate::support::uvcache_command()
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .args(["--uv-version", UV_CURRENT])
        .env("NO_COLOR", "1")
        .env_remove("UV_CACHE_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run uvcache");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
