//! Journeys through the terminal UI: key strings fed to the app on writable
//! copies of a cache written by the real uv, the effects it asks for
//! performed on the real engine, and the disk afterwards compared with what
//! the command line leaves.
#![cfg(feature = "tui")]

mod support;
mod tui_common;

use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::{Duration, SystemTime};

use support::{FixtureKind, copy_fixture, fixture};
use tui_common::Harness;
use tui_common::disk::{cli, tree};
use uvcache::engine::locate::RootRule;
use uvcache::tui::app::{App, Modal, PlanStage, Screen};
use uvcache::tui::effects::{Effect, PlanKind, Runner};
use uvcache::tui::keymap::key_events;
use uvcache::tui::msg::{EngineMsg, Msg};

fn package_entries(h: &Harness, name: &str) -> usize {
    let snap = h.app.state().snapshot.as_ref().expect("snapshot");
    snap.entries
        .iter()
        .filter(|e| e.package.as_deref() == Some(name))
        .count()
}

/// The TUI's removal (keys after the scan) leaves the same cache as the CLI command.
fn same_as_cli(keys: &str, kind: PlanKind, cli_args: &[&str]) -> Harness {
    let f = fixture(FixtureKind::Current);
    let (_ta, tui_cache) = copy_fixture(f);
    let (_tb, cli_cache) = copy_fixture(f);
    let mut h = Harness::scanned(&tui_cache, (100, 30), false);
    let effects = h.keys(keys);
    let planned = effects.iter().find_map(|e| match e {
        Effect::Plan { kind, .. } => Some(kind.clone()),
        _ => None,
    });
    assert_eq!(planned, Some(kind), "{effects:?}");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Execute { .. })),
        "confirming executes: {effects:?}"
    );
    let executed = effects
        .iter()
        .position(|e| matches!(e, Effect::Execute { .. }))
        .expect("executed");
    assert!(
        effects[executed..]
            .iter()
            .any(|e| matches!(e, Effect::Scan(_))),
        "a rescan follows the removal: {effects:?}"
    );
    assert!(h.app.state().modal.is_none(), "the dialog closes");
    cli(&cli_cache, cli_args);
    assert_eq!(tree(&tui_cache), tree(&cli_cache), "{cli_args:?}");
    h
}

#[test]
fn filter_clean_confirm_equals_cli_clean() {
    let h = same_as_cli(
        "/alpha<enter>d<tab><enter>",
        PlanKind::Clean(vec!["alpha".into()]),
        &["clean", "alpha", "--yes"],
    );
    assert_eq!(package_entries(&h, "alpha"), 0, "rescanned without alpha");
    assert!(package_entries(&h, "beta") > 0);
    let status = h.app.state().status.as_ref().expect("a summary");
    assert!(status.text.starts_with("Removed "), "{status:?}");
}

#[test]
fn clean_from_the_detail_screen() {
    let h = same_as_cli(
        "/beta<enter><enter>d<right><enter>",
        PlanKind::Clean(vec!["beta".into()]),
        &["clean", "beta", "--yes"],
    );
    assert_eq!(h.app.state().screen, Screen::Detail);
    assert_eq!(package_entries(&h, "beta"), 0);
}

#[test]
fn prune_ci_equals_cli_prune_ci() {
    same_as_cli(
        "P<tab><enter>",
        PlanKind::PruneCi,
        &["prune", "--ci", "--yes"],
    );
}

#[test]
fn prune_equals_cli_prune() {
    same_as_cli("p<tab><enter>", PlanKind::Prune, &["prune", "--yes"]);
}

#[test]
fn the_focus_starts_on_cancel_and_cancelling_removes_nothing() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let before = tree(&cache);
    let mut h = Harness::scanned(&cache, (80, 24), false);
    for keys in [
        "/alpha<enter>d<enter>",
        "d<esc>",
        "d<tab><tab><enter>",
        "p<esc>",
    ] {
        let effects = h.keys(keys);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Execute { .. })),
            "{keys}: {effects:?}"
        );
        assert!(h.app.state().modal.is_none(), "{keys}");
    }
    assert_eq!(tree(&cache), before);
    assert!(package_entries(&h, "alpha") > 0);
}

#[test]
fn navigation_sorting_and_quitting() {
    let cache = &fixture(FixtureKind::Current).cache;
    let mut h = Harness::scanned(cache, (80, 24), false);
    let name = |h: &Harness| {
        h.app
            .state()
            .table
            .selected_package()
            .map(|p| p.name.clone())
    };
    let first = name(&h);
    h.keys("n");
    assert_eq!(name(&h), first, "the selection follows its package");
    h.keys("g");
    assert_eq!(name(&h).as_deref(), Some("alpha"));
    h.keys("jj");
    assert_eq!(name(&h).as_deref(), Some("delta"));
    h.keys("G");
    assert_eq!(name(&h).as_deref(), Some("toolpkg"));
    h.keys("nG");
    assert_eq!(name(&h).as_deref(), Some("alpha"), "reversed order");
    h.keys("g<pgdn>");
    assert!(name(&h).as_deref() != Some("toolpkg"));
    h.keys("/zzz");
    assert!(name(&h).is_none());
    h.keys("<esc>?");
    assert!(matches!(h.app.state().modal, Some(Modal::Help { .. })));
    h.keys("<esc>1");
    assert_eq!(h.app.state().screen, Screen::Overview);
    let effects = h.keys("q");
    assert!(h.app.state().quit);
    assert!(matches!(effects[..], [Effect::CancelScan]));
}

/// Feeds a key string to an app whose effects run on real threads.
fn press(app: &mut App, runner: &mut Runner, keys: &str) {
    for key in key_events(keys).expect("keys") {
        for e in app.update(Msg::Key(key)) {
            runner.run(e);
        }
    }
}

#[test]
fn waiting_for_uvs_lock_can_be_cancelled() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let before = tree(&cache);
    // A uv process holds the cache: a shared lock on `.lock`.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(cache.join(".lock"))
        .expect("open lock");
    lock.lock_shared().expect("shared lock");
    let cfg = tui_common::config(&cache, RootRule::Flag, false);
    let (mut app, first) = App::new(cfg, (80, 24), SystemTime::now());
    let (tx, rx) = channel::<EngineMsg>();
    let mut runner = Runner::new(Arc::new(move |m| {
        let _ = tx.send(m);
    }));
    for e in first {
        runner.run(e);
    }
    let mut waiting = false;
    let mut confirmed = false;
    while let Ok(m) = rx.recv_timeout(Duration::from_secs(60)) {
        let scanned = matches!(m, EngineMsg::Scanned { .. });
        let planned = matches!(m, EngineMsg::Planned { .. });
        waiting |= matches!(m, EngineMsg::LockWaiting { .. });
        let done = matches!(m, EngineMsg::Executed { .. });
        for e in app.update(Msg::Engine(m)) {
            runner.run(e);
        }
        if scanned {
            press(&mut app, &mut runner, "/alpha<enter>d");
        } else if planned && !confirmed {
            confirmed = true;
            press(&mut app, &mut runner, "<tab><enter>");
        } else if waiting
            && matches!(app.state().modal, Some(Modal::Plan(ref d)) if matches!(d.stage, PlanStage::WaitingForLock(..)))
        {
            press(&mut app, &mut runner, "<esc>");
        }
        if done {
            break;
        }
    }
    assert!(waiting, "the app learned that uv holds the lock");
    assert!(app.state().modal.is_none());
    let last = app.state().log.last().expect("log");
    assert!(last.text.contains("cancelled"), "{last:?}");
    assert_eq!(tree(&cache), before, "nothing removed");
    drop(lock);
}

/// An app on `cache` (shown as is) started in `cwd`, scanned.
fn started_in(cache: &std::path::Path, cwd: &std::path::Path, size: (u16, u16)) -> Harness {
    let mut cfg = tui_common::config(cache, RootRule::Flag, false);
    cfg.workdir = uvcache::tui::effects::WorkDir {
        cwd: cwd.to_path_buf(),
        virtual_env: None,
    };
    let (mut h, first) = Harness::unstarted(cfg, size);
    h.run(first);
    h
}

#[test]
fn why_shows_the_verdicts_of_the_project_around_the_working_directory() {
    let p = tui_common::project::SyncedProject::new();
    // From a subdirectory of the project, on any screen.
    let sub = p.project.join("src");
    let mut h = started_in(&p.cache, &sub, (100, 30));
    let effects = h.keys("w");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Why { .. })),
        "{effects:?}"
    );
    let Some(Modal::Why(d)) = &h.app.state().modal else {
        panic!("the why screen: {:?}", h.app.state().modal);
    };
    let report = match &d.result {
        Some(Ok(r)) => r.clone(),
        other => panic!("a report: {other:?}"),
    };
    let names: Vec<&str> = report
        .packages
        .iter()
        .map(|r| r.installed.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["app", "localdep"],
        "the project's own package first"
    );
    let screen = h.screen();
    assert!(
        screen.contains("Why: will the next uv sync rebuild?"),
        "{screen}"
    );
    assert!(screen.contains("app 0.1.0"), "{screen}");
    assert!(
        screen.contains("pyproject.toml"),
        "the cache keys: {screen}"
    );
    // It scrolls within its content, and closes.
    h.keys("G");
    let Some(Modal::Why(d)) = &h.app.state().modal else {
        panic!("still open");
    };
    let bottom = d.scroll;
    assert_eq!(bottom, uvcache::tui::ui::why::max_scroll(h.app.state()));
    h.keys("jjj");
    assert!(matches!(&h.app.state().modal, Some(Modal::Why(d)) if d.scroll == bottom));
    h.keys("g<esc>");
    assert!(h.app.state().modal.is_none());

    // Touching a cache key: the verdict changes to a rebuild.
    std::thread::sleep(Duration::from_millis(20));
    let pyproject = p.project.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).expect("read");
    std::fs::write(&pyproject, text + "\n").expect("write");
    h.keys("w");
    let Some(Modal::Why(d)) = &h.app.state().modal else {
        panic!("the why screen");
    };
    let Some(Ok(report)) = &d.result else {
        panic!("a report");
    };
    assert!(
        report.packages[0].verdict.builds(),
        "{:?}",
        report.packages[0].summary
    );

    // Outside a project: a friendly explanation.
    let mut h = started_in(&p.cache, p.tmp.path(), (80, 24));
    h.keys("w");
    let screen = h.screen();
    assert!(screen.contains("is not inside a uv project"), "{screen}");
    h.keys("<esc>");
    assert!(h.app.state().modal.is_none());
}

#[test]
fn forcing_past_uvs_lock_takes_a_second_confirmation_and_removes_like_cli_force() {
    let f = fixture(FixtureKind::Current);
    let (_ta, cache) = copy_fixture(f);
    let (_tb, cli_cache) = copy_fixture(f);
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(cache.join(".lock"))
        .expect("open lock");
    lock.lock_shared().expect("shared lock");
    let cfg = tui_common::config(&cache, RootRule::Flag, false);
    let (mut app, first) = App::new(cfg, (80, 24), SystemTime::now());
    let (tx, rx) = channel::<EngineMsg>();
    let mut runner = Runner::new(Arc::new(move |m| {
        let _ = tx.send(m);
    }));
    for e in first {
        runner.run(e);
    }
    let mut asked = false;
    let mut outcome = None;
    while let Ok(m) = rx.recv_timeout(Duration::from_secs(60)) {
        let scanned = matches!(m, EngineMsg::Scanned { .. }) && !asked;
        let planned = matches!(m, EngineMsg::Planned { .. });
        let waiting = matches!(m, EngineMsg::LockWaiting { .. });
        if let EngineMsg::Executed { result, .. } = &m {
            outcome = Some(result.clone());
        }
        for e in app.update(Msg::Engine(m)) {
            runner.run(e);
        }
        if scanned {
            press(&mut app, &mut runner, "/alpha<enter>d");
        } else if planned {
            asked = true;
            press(&mut app, &mut runner, "<tab><enter>");
        } else if waiting {
            // Force, then back out of the second confirmation: still waiting.
            press(&mut app, &mut runner, "<tab><enter>");
            assert!(
                matches!(&app.state().modal, Some(Modal::Plan(d)) if matches!(d.stage, PlanStage::ConfirmForce(..))),
                "a second confirmation"
            );
            press(&mut app, &mut runner, "<esc>");
            assert!(
                matches!(&app.state().modal, Some(Modal::Plan(d)) if matches!(d.stage, PlanStage::WaitingForLock(..))),
                "back to waiting"
            );
            std::thread::sleep(Duration::from_millis(200));
            assert!(outcome.is_none(), "nothing happens while waiting");
            // Force for real.
            press(&mut app, &mut runner, "<tab><enter><tab><enter>");
        }
        if outcome.is_some() {
            break;
        }
    }
    let outcome = outcome.expect("executed").expect("removed");
    assert!(outcome.errors.is_empty(), "{outcome:?}");
    assert!(app.state().modal.is_none());
    drop(lock);
    cli(&cli_cache, &["clean", "alpha", "--yes", "--force"]);
    assert_eq!(tree(&cache), tree(&cli_cache));
}

#[test]
fn oldest_and_index_page_columns_sort() {
    let cache = &fixture(FixtureKind::Current).cache;
    let mut h = Harness::scanned(cache, (120, 40), false);
    let order = |h: &Harness| -> Vec<String> {
        let t = &h.app.state().table;
        t.rows.iter().map(|i| t.packages[*i].name.clone()).collect()
    };
    let t = &h.app.state().table;
    assert!(t.page("alpha").is_some(), "alpha has an index page");
    assert!(t.page("pathpkg").is_none(), "a local source has none");
    h.keys("i");
    let by_page = order(&h);
    let with_page = by_page
        .iter()
        .take_while(|n| h.app.state().table.page(n).is_some())
        .count();
    assert!(with_page >= 3, "{by_page:?}");
    assert!(
        by_page[with_page..]
            .iter()
            .all(|n| h.app.state().table.page(n).is_none()),
        "packages without a page last: {by_page:?}"
    );
    h.keys("T");
    let t = &h.app.state().table;
    let oldest: Vec<_> = t.rows.iter().map(|i| t.packages[*i].oldest).collect();
    assert!(
        oldest.windows(2).all(|w| w[0] <= w[1] || w[1].is_none()),
        "oldest first"
    );
    h.keys("T");
    let t = &h.app.state().table;
    assert!(t.reversed);
    let screen = h.screen();
    assert!(screen.contains("OLDEST▲"), "{screen}");
    assert!(screen.contains("INDEX PAGE"), "{screen}");
}

#[test]
fn the_detail_shows_freshness_and_a_local_builds_recorded_cache_keys() {
    let cache = &fixture(FixtureKind::Current).cache;
    let mut h = Harness::scanned(cache, (120, 40), false);
    let effects = h.keys("/pathpkg<enter><enter>");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::EntryFreshness { package, .. } if package == "pathpkg")),
        "{effects:?}"
    );
    let d = h.app.state().detail.as_ref().expect("detail");
    assert!(d.freshness.as_ref().is_some_and(|f| !f.is_empty()));
    let screen = h.screen();
    assert!(screen.contains("local build "), "{screen}");
    assert!(screen.contains("rebuilt when these change"), "{screen}");
    assert!(
        screen.contains("timestamp 20"),
        "the recorded key: {screen}"
    );
    h.keys("<esc><esc>/alpha<enter><enter>");
    let screen = h.screen();
    assert!(
        screen.contains("immutable: used without asking the index"),
        "{screen}"
    );
}

#[test]
fn mouse_clicks_select_and_open_and_the_wheel_scrolls() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let cache = &fixture(FixtureKind::Current).cache;
    let mut h = Harness::scanned(cache, (80, 24), false);
    h.keys("n");
    let mouse = |kind, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let click = MouseEventKind::Down(MouseButton::Left);
    // Row 0: tabs, row 1: the header, row 2: the first package.
    let effects = h.app.update(mouse(click, 4));
    assert!(effects.is_empty());
    let name = |h: &Harness| {
        h.app
            .state()
            .table
            .selected_package()
            .map(|p| p.name.clone())
    };
    assert_eq!(name(&h).as_deref(), Some("delta"));
    // A click on the header (of the mark column: no sort) selects nothing.
    h.app.update(Msg::Mouse(MouseEvent {
        kind: click,
        column: 0,
        row: 1,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(
        name(&h).as_deref(),
        Some("delta"),
        "the header selects nothing"
    );
    h.app.update(mouse(MouseEventKind::ScrollDown, 10));
    assert_eq!(name(&h).as_deref(), Some("flit-core"), "three rows down");
    h.app.update(mouse(MouseEventKind::ScrollUp, 10));
    assert_eq!(name(&h).as_deref(), Some("delta"));
    // A click on the selected row opens it.
    let effects = h.app.update(mouse(click, 4));
    h.run(effects);
    assert_eq!(h.app.state().screen, Screen::Detail);
    assert_eq!(
        h.app.state().detail.as_ref().map(|d| d.name.as_str()),
        Some("delta")
    );
    // In the help, the wheel scrolls it.
    h.keys("?");
    h.app.update(mouse(MouseEventKind::ScrollDown, 10));
    assert!(matches!(h.app.state().modal, Some(Modal::Help { scroll }) if scroll == 3));
}

/// Below 110 columns the sources and logical columns are left out, unless the table is sorted
/// by one of them: then that column is shown, with its ▼, so the order has a visible reason.
#[test]
fn sorting_by_a_narrow_screens_hidden_column_shows_it() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (80, 24), false);
    assert!(!header(&h).contains("LOGICAL"), "{}", header(&h));
    h.keys("L");
    let shown = header(&h);
    assert!(
        shown.contains("LOGICAL▼") || shown.contains("LOGICAL ▼"),
        "{shown}"
    );
    assert!(!shown.contains("SOURCES"), "{shown}");
}

/// A keymap or theme file that cannot be used is said on the status line, where it is seen.
#[test]
fn a_configuration_problem_is_on_the_status_line() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (100, 30), false);
    h.app.notice(
        uvcache::tui::msg::Level::Warn,
        "keymap.toml: unknown action `fly`; the built-in keymap is used".into(),
    );
    let screen = h.screen();
    assert!(screen.contains("unknown action `fly`"), "{screen}");
}

/// The detail says which environments use each entry: here the cached tool environment `uv
/// tool run` left in the cache, which uses toolpkg.
#[test]
fn the_detail_names_the_environments_using_an_entry() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (120, 40), false);
    assert!(
        h.app.state().usage.is_some(),
        "who uses what is found after the scan"
    );
    h.keys("/toolpkg<enter><enter>");
    let screen = h.screen();
    assert!(screen.contains("used by "), "{screen}");
}

/// The roots screen lists the environments using the cache (here the cached tool environment
/// `uv tool run` left), Enter shows only the packages one uses, and Esc shows every package
/// again.
#[test]
fn the_roots_screen_jumps_to_the_packages_an_environment_uses() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (120, 40), false);
    let all = h.app.state().table.rows.len();
    h.keys("3");
    assert_eq!(h.app.state().screen, Screen::Roots);
    let screen = h.screen();
    assert!(screen.contains("known to use this cache"), "{screen}");
    assert!(screen.contains("cached"), "{screen}");
    assert!(screen.contains("no known environment uses"), "{screen}");
    let usage = h.app.state().usage.clone().expect("usage").0;
    let order = uvcache::tui::app::roots::order(&usage);
    let toolpkg_root = order
        .iter()
        .position(|i| {
            usage.roots[*i]
                .distributions
                .iter()
                .any(|d| d.name == "toolpkg")
        })
        .expect("a root with toolpkg");
    for _ in 0..toolpkg_root {
        h.keys("j");
    }
    h.keys("<enter>");
    assert_eq!(h.app.state().screen, Screen::Packages);
    let t = &h.app.state().table;
    let shown: Vec<&str> = t
        .rows
        .iter()
        .map(|i| t.packages[*i].name.as_str())
        .collect();
    assert!(shown.contains(&"toolpkg"), "{shown:?}");
    assert!(shown.len() < all, "only its packages: {shown:?}");
    assert!(h.screen().contains("Used by "), "{}", h.screen());
    h.keys("<esc>");
    assert_eq!(h.app.state().screen, Screen::Roots);
    assert_eq!(h.app.state().table.rows.len(), all, "every package again");
}

/// `U` sorts the packages no environment uses first, and `a` by last use, least recent first;
/// the sorted column is shown even where the table is too narrow for it otherwise.
#[test]
fn packages_sort_by_use_and_last_use() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (120, 40), false);
    assert!(!header(&h).contains("USED BY"), "{}", header(&h));
    h.keys("U");
    assert!(header(&h).contains("USED BY▼"), "{}", header(&h));
    let t = &h.app.state().table;
    let users: Vec<usize> = t
        .rows
        .iter()
        .map(|i| t.usage_of(&t.packages[*i].name).expect("known").users)
        .collect();
    assert_eq!(users.first(), Some(&0), "unused first: {users:?}");
    assert!(users.windows(2).all(|w| w[0] <= w[1]), "{users:?}");
    assert!(users.iter().any(|u| *u > 0), "toolpkg is used: {users:?}");
    assert!(h.screen().contains("unused"), "{}", h.screen());
    h.keys("a");
    assert!(header(&h).contains("LAST USED▼"), "{}", header(&h));
    let t = &h.app.state().table;
    let last: Vec<_> = t
        .rows
        .iter()
        .map(|i| {
            t.usage_of(&t.packages[*i].name)
                .and_then(|u| u.last)
                .map(|l| l.at)
        })
        .collect();
    assert!(last.windows(2).all(|w| w[0] <= w[1]), "{last:?}");
    let screen = h.screen();
    assert!(
        screen.contains(" written") || screen.contains(" read") || screen.contains(" installed"),
        "the signal is named: {screen}"
    );
}

/// The trim dialog previews a policy as it is typed, and "Review" then "Remove" leaves the
/// same cache as `uvcache prune` with the same flags.
#[test]
fn the_trim_dialog_removes_what_prune_with_the_policy_removes() {
    let f = fixture(FixtureKind::Current);
    let (_ta, tui_cache) = copy_fixture(f);
    let (_tb, cli_cache) = copy_fixture(f);
    let mut h = Harness::scanned(&tui_cache, (100, 30), false);
    h.keys("x");
    assert!(matches!(h.app.state().modal, Some(Modal::Trim(_))));
    assert!(h.screen().contains("Set a rule"), "{}", h.screen());
    // A field that does not parse says why, and nothing is planned.
    h.keys("soon");
    let screen = h.screen();
    assert!(screen.contains("is not a duration"), "{screen}");
    assert!(!screen.contains("Removes "), "{screen}");
    h.keys("<backspace><backspace><backspace><backspace>");
    // Up from the first field wraps to the buttons, then to the check box.
    let effects = h.keys("<up><up><up><space>");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::TrimPreview { .. })),
        "{effects:?}"
    );
    let screen = h.screen();
    assert!(screen.contains("Removes "), "{screen}");
    assert!(screen.contains("--unused: "), "{screen}");
    assert!(screen.contains("uvcache prune --unused"), "{screen}");
    assert!(screen.contains("that 2 known environments use"), "{screen}");
    // Review opens the usual removal preview of that plan, the focus on Cancel.
    h.keys("<tab><tab><enter>");
    let Some(Modal::Plan(d)) = &h.app.state().modal else {
        panic!("the removal preview: {}", h.screen());
    };
    assert!(d.can_confirm());
    let effects = h.keys("<tab><enter>");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Execute { .. })),
        "{effects:?}"
    );
    cli(&cli_cache, &["prune", "--unused", "--yes"]);
    assert_eq!(tree(&tui_cache), tree(&cli_cache));
    let status = h.app.state().status.as_ref().expect("a summary");
    assert!(status.text.starts_with("Removed "), "{status:?}");
}

/// Typing a filter says how many packages match out of how many, and keeps saying it once
/// accepted.
#[test]
fn the_filter_counts_its_matches() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (100, 30), false);
    let all = h.app.state().table.packages.len();
    h.keys("/path");
    let shown = h.app.state().table.rows.len();
    assert!(shown >= 1 && shown < all, "{shown} of {all}");
    let screen = h.screen();
    assert!(screen.contains(&format!("{shown} of {all}")), "{screen}");
    h.keys("<enter>");
    let screen = h.screen();
    assert!(
        screen.contains(&format!("filter /path ({shown} of {all})")),
        "{screen}"
    );
}

/// A long message wraps over up to three footer rows instead of being cut: its end (here,
/// what to do about a lock timeout) is on the screen.
#[test]
fn a_long_status_message_wraps() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (80, 24), false);
    h.app.notice(
        uvcache::tui::msg::Level::Error,
        "timed out after 300 s waiting for uv's lock on the cache, held by pid 4242 (uv sync); \
         nothing was removed. Set UV_LOCK_TIMEOUT to wait longer"
            .into(),
    );
    let screen = h.screen();
    assert!(
        screen.contains("UV_LOCK_TIMEOUT to wait longer"),
        "{screen}"
    );
    assert_eq!(screen.lines().count(), 24, "{screen}");
}

/// `y` puts the selected entry's path on the clipboard (through the terminal) and says so.
#[test]
fn y_copies_the_selected_path() {
    let cache = &support::fixture(support::FixtureKind::Current).cache;
    let mut h = tui_common::Harness::scanned(cache, (100, 30), false);
    let effects = h.keys("/alpha<enter><enter>y");
    let copied = effects
        .iter()
        .find_map(|e| match e {
            Effect::Copy(text) => Some(text.clone()),
            _ => None,
        })
        .expect("a copy");
    assert!(std::path::Path::new(&copied).starts_with(cache), "{copied}");
    assert!(std::path::Path::new(&copied).exists(), "{copied}");
    assert!(h.screen().contains("copied "), "{}", h.screen());
}

/// The mouse on tabs switches screens, on a column header sorts by it (again: reverses), and
/// on a dialog's button presses it.
#[test]
fn mouse_on_tabs_headers_and_buttons() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let cache = &fixture(FixtureKind::Current).cache;
    let mut h = Harness::scanned(cache, (100, 30), false);
    let click = |h: &mut Harness, column: usize, row: usize| {
        let effects = h.app.update(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: u16::try_from(column).expect("column"),
            row: u16::try_from(row).expect("row"),
            modifiers: KeyModifiers::NONE,
        }));
        h.run(effects);
    };
    let at = |h: &Harness, text: &str| -> (usize, usize) {
        let screen = h.screen();
        screen
            .lines()
            .enumerate()
            .find_map(|(row, line)| {
                line.find(text)
                    .map(|byte| (line[..byte].chars().count() + 1, row))
            })
            .unwrap_or_else(|| panic!("`{text}` on the screen: {screen}"))
    };
    let (x, y) = at(&h, "3 Roots");
    click(&mut h, x, y);
    assert_eq!(h.app.state().screen, Screen::Roots);
    let (x, y) = at(&h, "2 Packages");
    click(&mut h, x, y);
    assert_eq!(h.app.state().screen, Screen::Packages);
    let (x, y) = at(&h, "NAME");
    click(&mut h, x, y);
    assert_eq!(
        h.app.state().table.sort,
        uvcache::tui::app::SortColumn::Name
    );
    assert!(!h.app.state().table.reversed);
    click(&mut h, x, y);
    assert!(h.app.state().table.reversed, "again: reversed");
    // The removal preview's Cancel closes it; nothing is removed.
    h.keys("d");
    assert!(matches!(h.app.state().modal, Some(Modal::Plan(_))));
    let (x, y) = at(&h, "[ Cancel ]");
    click(&mut h, x, y);
    assert!(h.app.state().modal.is_none(), "{}", h.screen());
    assert!(
        !h.effects
            .iter()
            .any(|e| matches!(e, Effect::Execute { .. })),
        "nothing executed"
    );
}

/// The overview's bucket table scrolls when it does not fit (a cache two uv releases used, at
/// 80x24), with a scroll bar; G shows the last bucket.
#[test]
fn the_overview_scrolls_to_every_bucket() {
    let cache = &fixture(FixtureKind::Mixed).cache;
    let mut h = Harness::scanned(cache, (80, 24), false);
    h.keys("1");
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let mut buckets: Vec<_> = snap.buckets.iter().collect();
    buckets.sort_by(|a, b| {
        b.sizes
            .disk_bytes
            .cmp(&a.sizes.disk_bytes)
            .then(a.name.cmp(&b.name))
    });
    let last = &buckets.last().expect("buckets").name;
    let line_of = |h: &Harness, name: &str| {
        h.screen()
            .lines()
            .any(|l| l.split_whitespace().next() == Some(name))
    };
    assert!(
        !line_of(&h, last),
        "{last} is below the screen: {}",
        h.screen()
    );
    assert!(h.screen().contains('█'), "a scroll bar: {}", h.screen());
    h.keys("G");
    assert!(line_of(&h, last), "{last}: {}", h.screen());
    assert!(h.screen().contains("other uv"), "{}", h.screen());
    h.keys("g");
    assert!(line_of(&h, &buckets[0].name), "{}", h.screen());
}

/// The overview's buckets open: an older release's bucket lists its entries (each one that
/// release's), Enter lists an entry's files, largest first, and Esc goes back step by step.
#[test]
fn browse_a_bucket_and_an_entrys_files() {
    let cache = &fixture(FixtureKind::Mixed).cache;
    let mut h = Harness::scanned(cache, (100, 30), false);
    h.keys("1");
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let order = uvcache::tui::app::browse::bucket_order(&snap);
    let at = order
        .iter()
        .position(|i| snap.buckets[*i].name.starts_with("wheels-v6"))
        .expect("wheels-v6");
    for _ in 0..at {
        h.keys("j");
    }
    h.keys("<enter>");
    assert_eq!(h.app.state().screen, Screen::Bucket);
    let screen = h.screen();
    assert!(screen.contains("another uv release's bucket"), "{screen}");
    assert!(screen.contains("other uv"), "{screen}");
    assert!(screen.contains("alpha"), "{screen}");
    let effects = h.keys("<enter>");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ListFiles { .. })),
        "{effects:?}"
    );
    let Some(Modal::Files(v)) = &h.app.state().modal else {
        panic!("the files: {}", h.screen());
    };
    let files = v.files.clone().expect("listed").expect("readable");
    assert!(!files.is_empty());
    assert!(
        files.windows(2).all(|w| w[0].disk_bytes >= w[1].disk_bytes),
        "largest first"
    );
    assert!(h.screen().contains("files"), "{}", h.screen());
    h.keys("<esc>");
    assert!(h.app.state().modal.is_none());
    h.keys("<esc>");
    assert_eq!(h.app.state().screen, Screen::Overview);
}

/// `l` shows the log pane, `l` again the log full screen with each line's time, scrollable,
/// and `l` once more hides it.
#[test]
fn the_log_goes_full_screen_with_times() {
    let cache = &fixture(FixtureKind::Current).cache;
    let mut h = Harness::scanned(cache, (100, 30), false);
    h.keys("l");
    assert!(h.app.state().show_log);
    assert!(h.screen().contains("Log (l again"), "{}", h.screen());
    h.keys("l");
    assert!(matches!(h.app.state().modal, Some(Modal::Log { .. })));
    let screen = h.screen();
    assert!(screen.contains("Log (times in UTC)"), "{screen}");
    let timed = regex_lite_time(&screen);
    assert!(timed, "a line starts with HH:MM:SS: {screen}");
    assert!(screen.contains("scanned "), "{screen}");
    h.keys("g");
    h.keys("l");
    assert!(h.app.state().modal.is_none());
    assert!(!h.app.state().show_log);
}

/// Whether a line of `screen` starts with a `HH:MM:SS` time.
fn regex_lite_time(screen: &str) -> bool {
    screen.lines().any(|l| {
        let b = l.as_bytes();
        b.len() > 8
            && b[2] == b':'
            && b[5] == b':'
            && [0, 1, 3, 4, 6, 7].iter().all(|i| b[*i].is_ascii_digit())
    })
}

/// A local build's detail says where its source is when a known environment installed it:
/// the cache names a `path/` or `editable/` shard only by a digest of the source's URL.
#[test]
fn a_local_build_names_its_source_path() {
    use uvcache::engine::roots::{FoundBy, Root, RootKind, last_uses, usage};
    let f = fixture(FixtureKind::Current);
    let mut h = Harness::scanned(&f.cache, (120, 40), false);
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let venv = f.work.join("venvs/uv-0.13.9/second");
    let u = usage(
        &snap,
        vec![Root {
            path: venv,
            kind: RootKind::Venv,
            found_by: FoundBy::Registered,
        }],
    );
    let last = last_uses(&snap, &u);
    h.engine(EngineMsg::Usage {
        snapshot: snap,
        usage: Arc::new(u),
        last: Arc::new(last),
    });
    h.keys("/editpkg<enter><enter>");
    let screen = h.screen();
    let src = f.work.join("src/editpkg");
    let shown = format!("from {}", src.display());
    assert!(
        screen.contains(&shown) || screen.contains("from …"),
        "{shown}: {screen}"
    );
    assert!(screen.contains("src/editpkg"), "{screen}");
}

/// The open bucket is followed by name across scans (bucket indexes shift when one goes), and
/// closed when it is gone.
#[test]
fn the_open_bucket_follows_rescans() {
    let f = fixture(FixtureKind::Current);
    let (_t, cache) = copy_fixture(f);
    let mut h = Harness::scanned(&cache, (100, 30), false);
    h.keys("1");
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let at = uvcache::tui::app::browse::bucket_order(&snap)
        .iter()
        .position(|i| snap.buckets[*i].name == "wheels-v8")
        .expect("wheels-v8");
    for _ in 0..at {
        h.keys("j");
    }
    h.keys("<enter>");
    assert_eq!(h.app.state().screen, Screen::Bucket);
    std::fs::remove_dir_all(cache.join("builds-v0")).expect("remove a bucket");
    h.keys("r");
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let view = h.app.state().bucket.clone().expect("still open");
    assert_eq!(snap.buckets[view.bucket].name, "wheels-v8");
    std::fs::remove_dir_all(cache.join("wheels-v8")).expect("remove it");
    h.keys("r");
    assert!(h.app.state().bucket.is_none());
    assert_eq!(h.app.state().screen, Screen::Overview);
}

/// The packages table's header row as shown.
fn header(h: &tui_common::Harness) -> String {
    h.screen()
        .lines()
        .find(|l| l.contains("NAME"))
        .unwrap_or_default()
        .to_string()
}
