//! Refreshing a package from the terminal UI runs the real uv: a project
//! synced from a local index, `R` on one of its packages, the confirmation
//! (focus on Cancel), uv's output streamed into the log, the rescan, and the
//! cache changes listed; then the errors without a project and without uv.
//!
//! uv inherits the test process's environment, as it inherits the user's, so
//! this binary holds a single test that sets that environment before any
//! other thread of its own starts.
#![cfg(feature = "tui")]

mod support;
mod tui_common;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use support::{ProjectSpec, UV_CURRENT, serve_fixture_index, uv_bin, uv_command, write_project};
use tui_common::{Harness, config};
use uvcache::engine::locate::RootRule;
use uvcache::engine::model::EntryKind;
use uvcache::tui::app::{Focus, Modal, RefreshStage};
use uvcache::tui::effects::{Effect, WorkDir};

/// An app on `cache` started in `cwd`, scanned.
fn app(cache: &Path, cwd: &Path) -> Harness {
    let mut cfg = config(cache, RootRule::Flag, false);
    cfg.workdir = WorkDir {
        cwd: cwd.to_path_buf(),
        virtual_env: None,
    };
    let (mut h, first) = Harness::unstarted(cfg, (100, 30));
    h.run(first);
    h
}

fn revisions(h: &Harness, package: &str) -> Vec<std::path::PathBuf> {
    let snap = h.app.state().snapshot.as_ref().expect("snapshot");
    snap.entries
        .iter()
        .filter(|e| e.package.as_deref() == Some(package) && e.kind == EntryKind::SdistRevision)
        .map(|e| e.path.clone())
        .collect()
}

fn log_text(h: &Harness) -> String {
    h.app
        .state()
        .log
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn refresh_runs_uv_streams_its_output_and_lists_the_cache_changes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = serve_fixture_index(tmp.path());
    let cache = tmp.path().join("cache");
    let work = tmp.path().join("work");
    let project = work.join("app");
    fs::create_dir_all(project.join("src")).expect("mkdir");
    write_project(
        &work.join("localdep"),
        &ProjectSpec::new("localdep", "1.0.0"),
    );
    fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\n\
         dependencies = [\"alpha==2.0.0\", \"localdep\"]\n\n[tool.uv]\npackage = false\n\n\
         [tool.uv.sources]\nlocaldep = { path = \"../localdep\" }\n",
    )
    .expect("write");
    let template = uv_command(UV_CURRENT, &cache, &work);
    let out = uv_command(UV_CURRENT, &cache, &work)
        .current_dir(&project)
        .env("UV_DEFAULT_INDEX", server.simple_url())
        .args(["sync", "--quiet"])
        .output()
        .expect("run uv");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Response and pointer times are whole seconds: make the refreshed ones differ.
    std::thread::sleep(Duration::from_millis(1100));

    // uv gets the test environment: the isolated settings, the index, and `UV` naming it.
    // SAFETY: the only test of this binary; nothing else reads or writes the environment
    // while it is set (the index server thread does not).
    unsafe {
        for (k, v) in template.get_envs() {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
        std::env::set_var("UV", uv_bin(UV_CURRENT));
        std::env::set_var("UV_DEFAULT_INDEX", server.simple_url());
        std::env::remove_var("VIRTUAL_ENV");
    }

    let mut h = app(&cache, &project.join("src"));
    let before = revisions(&h, "localdep");
    assert_eq!(before.len(), 1, "one build of the local source");

    // The confirmation says what runs and where, and starts on Cancel.
    let effects = h.keys("/localdep<enter>R");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::PrepareRefresh { package, .. } if package == "localdep")),
        "{effects:?}"
    );
    let Some(Modal::Refresh(d)) = &h.app.state().modal else {
        panic!("a refresh dialog: {:?}", h.app.state().modal);
    };
    assert_eq!(d.focus, Focus::Cancel);
    let RefreshStage::Ready(prep) = &d.stage else {
        panic!("ready: {:?}", d.stage);
    };
    let command = prep.command.display();
    assert_eq!(
        command,
        format!(
            "{} sync --project {} --cache-dir {} --refresh-package localdep --reinstall-package localdep",
            uv_bin(UV_CURRENT).display(),
            project.display(),
            cache.display()
        )
    );
    let screen = h.screen();
    assert!(
        screen.contains("[ Cancel ]") && screen.contains("[ Run uv ]"),
        "{screen}"
    );
    assert!(screen.contains("found from the current"), "{screen}");
    assert!(screen.contains("--refresh-package"), "{screen}");

    // Enter on Cancel runs nothing.
    let effects = h.keys("<enter>");
    assert!(h.app.state().modal.is_none());
    assert!(!effects.iter().any(|e| matches!(e, Effect::Refresh { .. })));

    // Run: uv's lines reach the log, the cache is scanned again, the changes are listed.
    let started = Instant::now();
    let effects = h.keys("R<tab><enter>");
    let elapsed = started.elapsed();
    eprintln!(
        "refresh of localdep (uv sync + rescan): {} ms",
        elapsed.as_millis()
    );
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Refresh { .. })),
        "{effects:?}"
    );
    let s = h.app.state();
    assert!(s.refreshing.is_none(), "done");
    assert!(s.show_log, "the log pane opens");
    let log = log_text(&h);
    assert!(log.contains("│ "), "uv's output is streamed: {log}");
    assert!(
        log.contains("~ localdep==1.0.0"),
        "uv reinstalled it: {log}"
    );
    assert!(log.contains("uv finished successfully"), "{log}");
    assert!(log.contains("cache changes for localdep:"), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains("added") && l.contains("sdist-revision")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("superseded") && l.contains("sdist-revision")),
        "{log}"
    );
    let status = s.status.as_ref().expect("a summary");
    assert!(
        status.text.starts_with("uv finished successfully"),
        "{status:?}"
    );
    // The snapshot shown is the rescan: the new build is in it, and on disk.
    let after = revisions(&h, "localdep");
    assert_eq!(after.len(), 2, "{after:?}");
    let added = after
        .iter()
        .find(|p| !before.contains(p))
        .expect("a new revision");
    assert!(cache.join(added).is_dir(), "{}", added.display());

    // Outside any project and environment: the dialog explains, nothing runs.
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("mkdir");
    let mut h = app(&cache, &elsewhere);
    let effects = h.keys("/alpha<enter>R<enter>");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Refresh { .. })));
    let mut h2 = app(&cache, &elsewhere);
    h2.keys("/alpha<enter>R");
    let screen = h2.screen();
    assert!(screen.contains("Cannot refresh alpha"), "{screen}");
    assert!(screen.contains("nothing to refresh in"), "{screen}");

    // Without uv: how to install it.
    let empty = tmp.path().join("empty-bin");
    fs::create_dir_all(&empty).expect("mkdir");
    // SAFETY: as above; no other thread of this test touches the environment.
    unsafe {
        std::env::remove_var("UV");
        std::env::set_var("PATH", &empty);
    }
    let mut h = app(&cache, &project);
    h.keys("/alpha<enter>R");
    let Some(Modal::Refresh(d)) = &h.app.state().modal else {
        panic!("a refresh dialog");
    };
    let RefreshStage::Failed(text) = &d.stage else {
        panic!("failed: {:?}", d.stage);
    };
    assert!(text.contains("uv was not found"), "{text}");
    assert!(text.contains("pip install uv"), "{text}");
    assert!(h.screen().contains("Cannot refresh alpha"));
}
