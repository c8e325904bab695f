//! The README's screenshots: the real app on the cache the real uv wrote
//! (the `current` fixture), drawn on ratatui's `TestBackend` at 120x40 in
//! colour and rendered to SVG.
//!
//! `UVCACHE_UPDATE_SCREENSHOTS=1 cargo test --test tui_screenshots` writes
//! them into `screenshots/`; otherwise the test checks that every one is
//! there and is an SVG picture of a frame that still renders.
#![cfg(feature = "tui")]

mod support;
mod tui_common;

use std::path::{Path, PathBuf};

use support::{FixtureKind, fixture};
use tui_common::{Harness, svg};
use uvcache::engine::locate::RootRule;
use uvcache::tui::effects::WorkDir;

const SIZE: (u16, u16) = (120, 40);

/// (file name, what it shows, keys pressed after the scan).
const SHOTS: [(&str, &str, &str); 8] = [
    ("overview", "Overview: cache root, totals, buckets", "1"),
    (
        "bucket",
        "Bucket: the source builds of sdists-v11, two of them marked",
        "1gjj<enter>j<space><space>",
    ),
    (
        "packages",
        "Packages table sorted by name, two packages marked",
        "ng<space><space>",
    ),
    (
        "detail",
        "Package detail with one version marked",
        "/alpha<enter><enter><space>",
    ),
    (
        "plan",
        "Removal preview of the marked packages",
        "ng<space><space>d",
    ),
    ("roots", "Roots: the environments using the cache", "3"),
    (
        "trim",
        "Trim: a policy and the preview of what it removes",
        "x<up><up><up><space>",
    ),
    ("help", "Key help generated from the keymap", "?"),
];

/// The `why` screenshot: a project synced by the real uv whose pyproject.toml
/// changed since.
const WHY: (&str, &str) = (
    "why",
    "Why: will the next uv sync rebuild the project's packages",
);

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots")
}

#[test]
fn screenshots_are_current() {
    let update = std::env::var_os("UVCACHE_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1");
    let cache = &fixture(FixtureKind::Current).cache;
    let project = tui_common::project::SyncedProject::new();
    let pyproject = project.project.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).expect("read");
    std::fs::write(&pyproject, text + "\n").expect("write");
    let shots = SHOTS
        .iter()
        .map(|(name, title, keys)| (*name, *title, Harness::scanned(cache, SIZE, true), *keys))
        .chain(std::iter::once({
            let mut cfg = tui_common::config(&project.cache, RootRule::Flag, true);
            cfg.workdir = WorkDir {
                cwd: project.project.clone(),
                virtual_env: None,
            };
            let (mut h, first) = Harness::unstarted(cfg, SIZE);
            h.run(first);
            (WHY.0, WHY.1, h, "w")
        }));
    for (name, title, mut h, keys) in shots {
        h.keys(keys);
        let picture = svg::render(&h.buffer(), &format!("uvcache: {title}"));
        assert!(picture.contains("<text "), "{name}: something is drawn");
        let path = dir().join(format!("{name}.svg"));
        if update {
            std::fs::create_dir_all(dir()).expect("screenshots directory");
            std::fs::write(&path, &picture).expect("write screenshot");
            continue;
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `UVCACHE_UPDATE_SCREENSHOTS=1 cargo test --test tui_screenshots`",
                path.display()
            )
        });
        assert!(
            stored.starts_with("<svg ") && stored.trim_end().ends_with("</svg>"),
            "{} is not an SVG picture",
            path.display()
        );
        assert!(
            stored.contains(&format!("uvcache: {title}")),
            "{} shows something else; regenerate the screenshots",
            path.display()
        );
    }
}
