//! Drives the terminal UI without a terminal: an [`App`] fed key strings,
//! its effects performed synchronously on the real engine, frames drawn on
//! ratatui's `TestBackend`.
#![allow(dead_code)]

pub mod disk;
pub mod project;
pub mod svg;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use uvcache::engine::layout::UvVersion;
use uvcache::engine::locate::{CacheRoot, RootRule};
use uvcache::tui::app::{App, Config};
use uvcache::tui::effects::{Control, Effect, WorkDir, perform};
use uvcache::tui::keymap::{Keymap, key_events};
use uvcache::tui::msg::{EngineMsg, Msg};
use uvcache::tui::ui;
use uvcache::tui::ui::theme::Theme;

/// Where the views say the cache is, whatever directory is really scanned
/// (so frames do not depend on where the fixture lives).
pub const SHOWN_ROOT: &str = "/home/user/.cache/uv";

/// An app whose effects run to completion on the calling thread.
pub struct Harness {
    /// The app under test.
    pub app: App,
    /// The directory scans really read (the views show [`SHOWN_ROOT`]).
    pub real_root: Option<PathBuf>,
    /// Every effect the app asked for, in order.
    pub effects: Vec<Effect>,
}

/// A configuration for `root` as if chosen by `rule`: uv 0.13.9, no colour.
pub fn config(root: &Path, rule: RootRule, color: bool) -> Config {
    Config {
        root: CacheRoot {
            path: root.to_path_buf(),
            rule,
        },
        uv_version: Some(UvVersion(0, 13, 9)),
        threads: 4,
        index: uvcache::engine::scan::store::IndexMode::Off,
        keymap: Keymap::default(),
        theme: Theme::built_in(color),
        cross_check: None,
        workdir: WorkDir::default(),
    }
}

impl Harness {
    /// An app on the cache at `real_root`, shown as [`SHOWN_ROOT`], scanned.
    pub fn scanned(real_root: &Path, size: (u16, u16), color: bool) -> Harness {
        let cfg = config(Path::new(SHOWN_ROOT), RootRule::PlatformDefault, color);
        let (app, first) = App::new(cfg, size, SystemTime::now());
        let mut h = Harness {
            app,
            real_root: Some(real_root.to_path_buf()),
            effects: Vec::new(),
        };
        h.run(first);
        h
    }

    /// An app on `cfg` whose first effects have not run yet.
    pub fn unstarted(cfg: Config, size: (u16, u16)) -> (Harness, Vec<Effect>) {
        let (app, first) = App::new(cfg, size, SystemTime::now());
        (
            Harness {
                app,
                real_root: None,
                effects: Vec::new(),
            },
            first,
        )
    }

    /// Feeds a key string (`/alpha<enter>d`) and runs what it causes; returns the effects.
    pub fn keys(&mut self, sequence: &str) -> Vec<Effect> {
        let before = self.effects.len();
        for key in key_events(sequence).expect("valid key string") {
            let effects = self.app.update(Msg::Key(key));
            self.run(effects);
        }
        self.effects[before..].to_vec()
    }

    /// Feeds an engine message and runs what it causes.
    pub fn engine(&mut self, msg: EngineMsg) {
        let effects = self.app.update(Msg::Engine(msg));
        self.run(effects);
    }

    /// Performs effects (and those they lead to) until none is left.
    pub fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            self.effects.push(effect.clone());
            let effect = match (effect, &self.real_root) {
                (Effect::Scan(mut req), Some(real)) => {
                    req.root.path = real.clone();
                    Effect::Scan(req)
                }
                (e, _) => e,
            };
            let msgs = Mutex::new(Vec::new());
            perform(effect, &Control::default(), &|m| {
                msgs.lock().expect("messages").push(m)
            });
            for m in msgs.into_inner().expect("messages") {
                queue.extend(self.app.update(Msg::Engine(m)));
            }
        }
    }

    /// Draws the app on a test terminal of its size.
    pub fn buffer(&self) -> Buffer {
        let (w, h) = self.app.state().size;
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        terminal
            .draw(|f| ui::draw(f, self.app.state()))
            .expect("draw");
        terminal.backend().buffer().clone()
    }

    /// The frame as text, one line per row, trailing spaces removed.
    pub fn screen(&self) -> String {
        text(&self.buffer())
    }
}

/// A buffer's text, one line per row, trailing spaces removed.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
