//! End to end: the real binary in a real terminal (tmux) on a copy of a
//! cache written by the real uv: wait for the table, filter, mark and unmark,
//! open the help, close it, quit; the process exits cleanly and the terminal
//! is restored.
#![cfg(all(feature = "tui", unix))]

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture};

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
    env: Vec<(String, String)>,
}

impl Tmux {
    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "-f", "/dev/null"]);
        cmd.env_clear();
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self
            .command()
            .args(args)
            .output()
            .expect("tmux is installed (the end-to-end test drives the binary in it)");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn pane(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// Waits until the pane satisfies `ok`; returns it.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let pane = self.pane();
            if ok(&pane) {
                return pane;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}; the pane shows:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn literal(&self, text: &str) {
        self.run(&["send-keys", "-t", "e2e", "-l", text]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
    }
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn browse_filter_help_quit_in_a_real_terminal() {
    let (tmp, cache) = copy_fixture(fixture(FixtureKind::Current));
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let log = tmp.path().join("tui.log");
    let path = std::env::var("PATH").unwrap_or_default();
    let tmux = Tmux {
        socket: format!("uvcache-e2e-{}", std::process::id()),
        env: vec![
            ("PATH".into(), path),
            ("HOME".into(), home.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                home.join("config").display().to_string(),
            ),
            (
                "XDG_STATE_HOME".into(),
                home.join("state").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                home.join("cache").display().to_string(),
            ),
            ("UVCACHE_LOG".into(), log.display().to_string()),
            ("NO_COLOR".into(), "1".into()),
            ("TERM".into(), "xterm-256color".into()),
        ],
    };
    let script = format!(
        "{} --cache-dir {} --uv-version {UV_CURRENT}; echo \"uvcache exited: $?\"; \
         stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon; sleep 120",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_uvcache"))),
        shell_quote(&cache)
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        "sh",
        "-c",
        &script,
    ]);

    let table = tmux.wait("the packages table", |p| {
        p.contains("NAME") && p.contains("flit-core") && p.contains("entries ·")
    });
    assert!(table.contains("alpha") && table.contains("beta"), "{table}");
    let mouse = |tmux: &Tmux| {
        let out = tmux.run(&["display-message", "-p", "-t", "e2e", "#{mouse_any_flag}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(mouse(&tmux), "1", "the app captures the mouse");

    tmux.literal("/alpha");
    tmux.wait("the filter being typed", |p| p.contains("Filter: alpha"));
    tmux.keys(&["Enter"]);
    let filtered = tmux.wait("the filter kept", |p| p.contains("filter /alpha"));
    assert!(filtered.contains("alpha"), "{filtered}");
    assert!(!filtered.contains("beta"), "{filtered}");

    tmux.keys(&["Space"]);
    let marked = tmux.wait("the mark and its total", |p| {
        p.contains("1 marked · will free")
    });
    assert!(marked.contains("● alpha"), "{marked}");
    tmux.literal("u");
    tmux.wait("the marks cleared", |p| !p.contains("will free"));

    tmux.literal("?");
    let help = tmux.wait("the help", |p| {
        p.contains("Everywhere") && p.contains("Keys")
    });
    assert!(help.contains("this help"), "{help}");
    tmux.keys(&["Escape"]);
    tmux.wait("the help closed", |p| !p.contains("Everywhere"));

    tmux.literal("q");
    let after = tmux.wait("the exit", |p| p.contains("uvcache exited:"));
    assert!(after.contains("uvcache exited: 0"), "{after}");
    let restored = tmux.wait("stty's answer", |p| {
        p.lines()
            .any(|l| l.trim() == "icanon" || l.trim() == "-icanon")
    });
    assert!(
        restored.lines().any(|l| l.trim() == "icanon"),
        "the terminal is back in canonical (cooked) mode:\n{restored}"
    );
    assert!(
        !restored.contains("NAME"),
        "the alternate screen is gone:\n{restored}"
    );
    let alternate = tmux.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
    assert_eq!(String::from_utf8_lossy(&alternate.stdout).trim(), "0");
    assert_eq!(mouse(&tmux), "0", "mouse capture is released");
    let written = std::fs::read_to_string(&log).expect("the log file was written");
    assert!(written.contains("INFO scanned "), "{written}");
}
