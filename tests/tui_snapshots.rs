//! Snapshots of every screen and overlay of the terminal UI at 80x24 and
//! 120x40, drawn on ratatui's `TestBackend` from a cache written by the real
//! uv. Sizes, ages, digests, archive ids and the index port are filtered, so
//! the frames do not depend on the machine or on when the fixture was built.
#![cfg(feature = "tui")]

mod support;
mod tui_common;

use std::path::Path;
use std::sync::Arc;

use ratatui::style::Color;
use support::{FixtureKind, fixture};
use tui_common::{Harness, SHOWN_ROOT, config};
use uvcache::engine::locate::RootRule;
use uvcache::engine::progress::{PackageSoFar, ScanProgress};
use uvcache::engine::refresh::{RefreshTarget, UvCommand};
use uvcache::engine::remove::lock::Holder;
use uvcache::tui::app::Modal;
use uvcache::tui::effects::WorkDir;
use uvcache::tui::msg::{EngineMsg, RefreshPrep};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path("snapshots");
    for (pattern, replacement) in [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"archive-v0/[A-Za-z0-9_-]{16}", "archive-v0/[ARCHIVE]"),
        // A last use read from access times depends on the filesystem's atime mode and on how
        // fast the fixture was built: left out (whole, or cut at the screen's edge).
        (r" · last used \S+ ago \([a-z]+\)", ""),
        (r" · l[^·│\n]*…", ""),
        // Cached environments are named after a hash of a path on this machine (maybe cut).
        (r"(environments-v\d+/[a-z]+-)[0-9a-f]{1,16}…?", "${1}[HASH]"),
        // A digest cut at a narrow column's edge.
        (
            r"\b(index|url|path|editable|git)/[0-9a-f]{1,15}…",
            "$1/[DIGEST]…",
        ),
        (r"\b[0-9a-f]{16}\b", "[DIGEST]"),
        (r"/[A-Za-z0-9_-]{16}(/| |$)", "/[ID]$1"),
        (r" *\b\d+(\.\d+)?(B|KiB|MiB|GiB)\b", " [SIZE]"),
        // Which signal a last use comes from follows the filesystem's atime mode.
        (r"ago \((written|read|installed)\)", "ago ([SIGNAL])"),
        (r" *\b\d+ ?ms\b", " [MS]"),
        (r" *\b\d+(mo|s|m|h|d)\b", " [AGE]"),
        (r"[█▉▊▋▌▍▎▏]+ *", "[BAR]"),
        // (An id may start or end with `-`, where `\b` does not match.)
        (
            r"\b(build) [A-Za-z0-9_-]{16}([^A-Za-z0-9_-]|$)",
            "$1 [REVISION]$2",
        ),
        // Freshness moves with the clock: fresh for minutes after the fixture is built, stale after.
        (r"\b(fresh|stale) \[AGE\]", "[PAGE]"),
        (
            r"(fresh for \[AGE\] more \(fetched \[AGE\] ago\): used without asking the index|stale for \[AGE\]: revalidated on next use( \(cheaply\))?)",
            "[FRESHNESS]",
        ),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC", "[DATE]"),
        // What peeks out right of a dialog's border at the screen's edge is the end of a
        // line behind it, whose length follows ages and sizes (a scroll bar in the last column stays).
        (
            r"(?m)([│┐┘])( \[AGE\]| \[SIZE\]| \[PAGE\]|[^│┐┘\n]{1,2})(│?)$",
            "$1$3",
        ),
        // Padding whose width follows a filtered value: before a dialog's
        // right border, and before the right-aligned scan status.
        (r"(\S) +│", "$1 │"),
        // A line that ends right at a border or scroll bar, or a few columns before it.
        (r"(?m)(\S)│$", "$1 │"),
        // Likewise before a scroll bar at the right edge.
        (r"(?m)(\S) *\[BAR\]$", "$1 [BAR]"),
        (r" +(\d+ entries ·)", " $1"),
    ] {
        s.add_filter(pattern, replacement);
    }
    s
}

fn scanned(size: (u16, u16)) -> Harness {
    Harness::scanned(&fixture(FixtureKind::Current).cache, size, false)
}

fn check(name: &str, size: (u16, u16), screen: String) {
    let name = format!("{name}_{}x{}", size.0, size.1);
    settings().bind(|| insta::assert_snapshot!(name, screen));
}

#[test]
fn packages_table() {
    for size in SIZES {
        let mut h = scanned(size);
        // By name: the order then does not depend on how a file system allocates blocks.
        h.keys("n");
        check("packages", size, h.screen());
    }
}

#[test]
fn overview() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("1");
        check("overview", size, h.screen());
    }
}

#[test]
fn package_detail() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("/alpha<enter><enter>");
        let screen = h.screen();
        assert!(screen.contains("version 2.0.0"), "{screen}");
        check("detail", size, screen);
    }
}

/// After `uvcache verify` found an archive damaged, the packages table and the detail say so.
#[test]
fn damaged_entries_are_flagged_after_a_verification() {
    use uvcache::engine::model::EntryKind;
    use uvcache::engine::verify::findings::{Finding, Findings};
    use uvcache::tui::effects::Effect;
    let mut h = scanned((120, 40));
    let generation = h
        .effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::Scan(req) => Some(req.generation),
            _ => None,
        })
        .expect("a scan ran");
    let snap = h.app.state().snapshot.clone().expect("scanned");
    let archive = snap
        .entries
        .iter()
        .find(|e| {
            e.kind == EntryKind::Archive
                && e.package.as_deref() == Some("alpha")
                && e.version.as_deref() == Some("1.0.0")
        })
        .expect("alpha 1.0.0's archive");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    h.engine(EngineMsg::Findings {
        generation,
        findings: Some(Arc::new(Findings {
            verified_at: now - 120,
            damaged: vec![Finding {
                path: archive.path.clone(),
                package: Some("alpha".into()),
                summary: "modified alpha/__init__.py".into(),
            }],
        })),
    });
    h.keys("n");
    let screen = h.screen();
    assert!(screen.contains("alpha (damaged)"), "{screen}");
    assert!(!screen.contains("beta (damaged)"), "{screen}");
    h.keys("/alpha<enter><enter>");
    let screen = h.screen();
    assert!(
        screen.contains("damaged: modified alpha/__init__.py (uvcache verify, 2m ago"),
        "{screen}"
    );
    assert_eq!(screen.matches("damaged:").count(), 1, "{screen}");
}

#[test]
fn clean_preview() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("/alpha<enter>d");
        let screen = h.screen();
        assert!(screen.contains("[ Cancel ]"), "{screen}");
        check("plan_clean", size, screen);
    }
}

#[test]
fn prune_preview() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("p");
        check("plan_prune", size, h.screen());
    }
}

#[test]
fn marked_packages() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("ng<space><space>");
        let screen = h.screen();
        assert!(screen.contains("● 2 marked · will free"), "{screen}");
        check("marked_packages", size, screen);
    }
}

#[test]
fn marked_versions_and_their_preview() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("/alpha<enter><enter><space><space>g");
        check("marked_versions", size, h.screen());
        h.keys("d");
        let screen = h.screen();
        assert!(screen.contains("Total of 2 plans"), "{screen}");
        check("plan_marked_versions", size, screen);
    }
}

#[test]
fn help_overlay() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("?");
        check("help", size, h.screen());
    }
}

#[test]
fn log_pane() {
    let size = (120, 40);
    let mut h = scanned(size);
    h.keys("nl");
    check("log", size, h.screen());
}

#[test]
fn missing_cache() {
    for size in SIZES {
        let cfg = config(Path::new("/nonexistent/uv-cache"), RootRule::Env, false);
        let (mut h, first) = Harness::unstarted(cfg, size);
        h.run(first);
        let screen = h.screen();
        assert!(screen.contains("/nonexistent/uv-cache"), "{screen}");
        assert!(screen.contains("UV_CACHE_DIR"), "{screen}");
        check("missing", size, screen);
    }
}

#[test]
fn first_frame_while_scanning() {
    for size in SIZES {
        let cfg = config(Path::new(SHOWN_ROOT), RootRule::PlatformDefault, false);
        let (mut h, _first) = Harness::unstarted(cfg, size);
        h.engine(EngineMsg::ScanProgress {
            generation: 1,
            progress: ScanProgress {
                files: 1200,
                dirs: 300,
                disk_bytes: 10 << 20,
                entries_done: 40,
                entries_total: 100,
                listing: false,
            },
        });
        check("scanning", size, h.screen());
        // The largest packages so far fill the screen until the table opens.
        let so_far = |name: &str, mib: u64, entries| PackageSoFar {
            name: name.into(),
            disk_bytes: mib << 20,
            entries,
        };
        h.engine(EngineMsg::ScanPackages {
            generation: 1,
            largest: vec![
                so_far("torch", 1600, 4),
                so_far("nvidia-cudnn-cu12", 700, 2),
                so_far("a-package-with-a-very-long-name-that-does-not-fit", 3, 1),
            ],
        });
        let screen = h.screen();
        assert!(screen.contains("torch"), "{screen}");
        check("scanning_so_far", size, screen);
    }
}

#[test]
fn no_color_means_no_colour() {
    let cache = &fixture(FixtureKind::Current).cache;
    let colours = |color: bool| -> usize {
        let mut h = Harness::scanned(cache, (80, 24), color);
        h.keys("1");
        let buf = h.buffer();
        buf.content()
            .iter()
            .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
            .count()
    };
    assert_eq!(colours(false), 0, "no colour at all without colour");
    assert!(colours(true) > 0, "the theme colours something");
}

#[test]
fn why_screen() {
    let p = tui_common::project::SyncedProject::new();
    let shown = p.project.display().to_string();
    for size in SIZES {
        let mut cfg = config(&p.cache, RootRule::Flag, false);
        cfg.workdir = WorkDir {
            cwd: p.project.clone(),
            virtual_env: None,
        };
        let (mut h, first) = Harness::unstarted(cfg, size);
        h.run(first);
        h.keys("w");
        let screen = h.screen();
        assert!(screen.contains("app 0.1.0  (editable .)"), "{screen}");
        let mut s = settings();
        s.add_filter(&regex_escape(&shown), "[PROJECT]");
        s.add_filter(r" \d+ entries · \[SIZE\] on disk", " [ENTRIES] on disk");
        let name = format!("why_{}x{}", size.0, size.1);
        s.bind(|| insta::assert_snapshot!(name, screen));
    }
    // Not in a project.
    for size in SIZES {
        let mut cfg = config(Path::new(SHOWN_ROOT), RootRule::PlatformDefault, false);
        cfg.workdir = WorkDir {
            cwd: "/home/user/notes".into(),
            virtual_env: None,
        };
        let (mut h, _first) = Harness::unstarted(cfg, size);
        let cache = &fixture(FixtureKind::Current).cache;
        h.real_root = Some(cache.clone());
        h.run(_first);
        h.keys("w");
        let screen = h.screen();
        assert!(screen.contains("is not inside a uv project"), "{screen}");
        check("why_no_project", size, screen);
    }
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                format!("\\{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[test]
fn refresh_confirmation() {
    let prep = RefreshPrep {
        target: RefreshTarget::Project {
            root: "/home/user/app".into(),
            found_by: "current directory".into(),
        },
        command: UvCommand {
            program: "/home/user/.local/bin/uv".into(),
            args: [
                "sync",
                "--project",
                "/home/user/app",
                "--refresh-package",
                "alpha",
                "--reinstall-package",
                "alpha",
            ]
            .map(Into::into)
            .to_vec(),
            packages: vec!["alpha".into()],
            notes: vec![],
        },
    };
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("/alpha<enter>");
        // The preparation's answer is given here, so the frame does not depend on the machine.
        h.app.update(uvcache::tui::msg::Msg::Key(
            uvcache::tui::keymap::key_events("R").expect("keys")[0],
        ));
        let Some(Modal::Refresh(d)) = &h.app.state().modal else {
            panic!("a refresh dialog");
        };
        let ticket = d.ticket;
        h.engine(EngineMsg::RefreshPrepared {
            ticket,
            result: Ok(Arc::new(prep.clone())),
        });
        let screen = h.screen();
        assert!(screen.contains("[ Run uv ]"), "{screen}");
        check("refresh", size, screen);
        h.engine(EngineMsg::RefreshPrepared {
            ticket,
            result: Err(
                "nothing to refresh in: no uv project around `/home/user/notes`, \
                         VIRTUAL_ENV is not set and there is no .venv"
                    .into(),
            ),
        });
        check("refresh_failed", size, h.screen());
    }
}

#[test]
fn waiting_for_uvs_lock_and_forcing() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("/alpha<enter>d");
        let Some(Modal::Plan(d)) = &h.app.state().modal else {
            panic!("a plan dialog");
        };
        let ticket = d.ticket;
        h.engine(EngineMsg::LockWaiting {
            ticket,
            holders: vec![Holder {
                pid: 4242,
                command: "uv sync".into(),
            }],
        });
        let screen = h.screen();
        assert!(screen.contains("held by pid 4242"), "{screen}");
        check("lock_wait", size, screen);
        // Tab, Enter: the second confirmation, focused on keeping waiting.
        let effects = h.keys("<tab><enter>");
        assert!(effects.is_empty(), "{effects:?}");
        let screen = h.screen();
        assert!(screen.contains("[ Keep waiting ]"), "{screen}");
        check("lock_force", size, screen);
    }
}

/// Names from the disk are drawn escaped (`\n`, `\e`, `\x7f`, `\u{202e}`): a newline in a
/// name does not split a table row or forge a line in a plan.
#[test]
fn names_with_control_characters_are_drawn_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    for dir in [
        "top\nTotal: 0 items",
        "clear\x1b[2J\x1b[31mred",
        "del\x7f\u{202e}rtl",
        "wheels-v8/pypi/pkg\x1b[2Jx",
    ] {
        std::fs::create_dir_all(cache.join(dir)).expect("mkdir");
    }
    std::fs::write(
        cache.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    )
    .expect("tag");
    std::fs::write(
        cache.join("wheels-v8/pypi/pkg\x1b[2Jx/1.0-py3-none-any.lock"),
        "",
    )
    .expect("lock");
    let mut h = Harness::scanned(&cache, (100, 30), false);
    let mut screens = Vec::new();
    for keys in ["1", "2", "p"] {
        h.keys(keys);
        screens.push((keys, h.screen()));
    }
    for (keys, screen) in &screens {
        assert!(
            !screen.contains(|c: char| c.is_control() && c != '\n' || c == '\u{202e}'),
            "{keys}: {screen}"
        );
    }
    let (overview, packages, plan) = (&screens[0].1, &screens[1].1, &screens[2].1);
    for shown in [
        "top\\nTotal: 0 items",
        "clear\\e[2J\\e[31mred",
        "del\\x7f\\u{202e}rtl",
    ] {
        // The bucket column is 16 wide.
        let start: String = shown.chars().take(16).collect();
        assert!(
            overview.contains(&start),
            "{start} in the overview:\n{overview}"
        );
        assert!(plan.contains(shown), "{shown} in the prune plan:\n{plan}");
    }
    // Package names are normalized (lower case).
    assert!(packages.contains("pkg\\e[2jx"), "{packages}");
    assert!(
        !plan
            .lines()
            .any(|l| l.trim_start_matches(['│', ' ']).starts_with("Total: 0")),
        "{plan}"
    );
}

#[test]
fn roots_screen() {
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("3");
        let screen = h.screen();
        assert!(screen.contains("known to use this cache"), "{screen}");
        check("roots", size, screen);
    }
}

/// The trim dialog: empty at 80x24; with `--unused` and its preview at 120x40, where the
/// preview's lines fit (cut lines would end where the ages' widths put them).
#[test]
fn trim_dialog() {
    let mut h = scanned((80, 24));
    h.keys("x");
    check("trim_empty", (80, 24), h.screen());
    let mut h = scanned((120, 40));
    h.keys("x<up><up><up><space>");
    let screen = h.screen();
    assert!(screen.contains("Removes "), "{screen}");
    check("trim_unused", (120, 40), screen);
}

/// A bucket's entries with two of them marked (●), and the marked pane listing them with their
/// kinds.
#[test]
fn bucket_with_marked_entries() {
    use uvcache::engine::model::EntryKind;
    for size in SIZES {
        let mut h = scanned(size);
        h.keys("1g");
        let snap = h.app.state().snapshot.clone().expect("snapshot");
        let order = uvcache::tui::app::browse::bucket_order(&snap);
        let at = order
            .iter()
            .position(|i| snap.buckets[*i].name == "wheels-v8")
            .expect("wheels-v8");
        h.keys(&format!("{}<enter>", "j".repeat(at)));
        for package in ["alpha", "gamma"] {
            let ids = h.app.state().bucket.as_ref().expect("bucket").ids.clone();
            let row = ids
                .iter()
                .position(|id| {
                    let e = &snap.entries[*id as usize];
                    e.kind == EntryKind::Wheel
                        && e.package.as_deref() == Some(package)
                        && e.version.as_deref() != Some("1.0.0")
                })
                .expect("a wheel");
            h.keys(&format!("g{}<space>", "j".repeat(row)));
        }
        h.keys("g");
        let screen = h.screen();
        assert_eq!(
            screen.matches('●').count(),
            3,
            "two rows and the footer: {screen}"
        );
        check("bucket_marked", size, screen);
        h.keys("m");
        check("bucket_marked_pane", size, h.screen());
    }
}
