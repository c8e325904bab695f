//! The terminal UI: browse the cache, preview and run removals, on the same
//! engine as the command line.
//!
//! [`app::App`] holds all state and changes it only in `update`, which does
//! no I/O and returns [`effects::Effect`]s; [`effects::Runner`] runs those on
//! threads that report back as [`msg::EngineMsg`]s; [`ui`] draws the state.
//! [`run`] owns the terminal and the event loop.

#![warn(missing_docs)]

pub mod action;
pub mod app;
pub mod effects;
pub mod keymap;
pub mod logfile;
pub mod msg;
pub mod plans;
pub mod terminal;
pub mod ui;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;

use crate::engine::layout::UvVersion;
use crate::engine::locate::CacheRoot;

use app::{App, Config};
use effects::{CrossCheck, Effect, Runner, Sink, WorkDir};
use keymap::Keymap;
use logfile::LogFile;
use msg::{EngineMsg, Level, Msg};
use terminal::TerminalGuard;
use ui::theme::Theme;

/// At most this often a frame is drawn (about 60 per second).
const FRAME: Duration = Duration::from_millis(16);
/// How often time advances for the app.
const TICK: Duration = Duration::from_millis(250);

/// What the command line resolved for the terminal UI.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The cache root and the rule that chose it.
    pub root: CacheRoot,
    /// `--uv-version`, if given.
    pub uv_version: Option<UvVersion>,
    /// Scan threads (0: the default).
    pub threads: usize,
    /// How scans use the persistent index.
    pub index: crate::engine::scan::store::IndexMode,
    /// Whether to use colour (off with NO_COLOR or `--color never`).
    pub color: bool,
    /// Inputs of the `uv cache dir` cross-check.
    pub cross_check: Option<CrossCheck>,
}

/// Runs the terminal UI until the user quits; the terminal is restored on
/// return, on error and on panic.
pub fn run(settings: Settings) -> anyhow::Result<()> {
    let log_path = LogFile::default_path();
    let log = log_path.as_deref().map(LogFile::open);
    let (keymap, keymap_problem) = Keymap::load(Keymap::user_file().as_deref());
    let (theme, theme_problem) = Theme::load(Theme::user_file().as_deref(), settings.color);
    let config = Config {
        root: settings.root,
        uv_version: settings.uv_version,
        threads: settings.threads,
        index: settings.index,
        keymap,
        theme,
        cross_check: settings.cross_check,
        workdir: WorkDir::of_process(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the event loop")?;
    let guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    let size = guard
        .terminal
        .size()
        .context("cannot read the terminal size")?;
    let (mut app, effects) = App::new(config, (size.width, size.height), SystemTime::now());
    let mut notes = vec![(
        Level::Info,
        format!(
            "uvcache {} on {} ({})",
            env!("CARGO_PKG_VERSION"),
            app.state().root.path.display(),
            app.state().root.rule
        ),
    )];
    match (&log, &log_path) {
        (Some(Ok(file)), _) => {
            notes.push((Level::Info, format!("log file: {}", file.path().display())))
        }
        (Some(Err(e)), Some(p)) => notes.push((
            Level::Warn,
            format!("cannot open the log file `{}`: {e}", p.display()),
        )),
        _ => {}
    }
    for (level, text) in notes {
        app.update(Msg::Engine(EngineMsg::Log { level, text }));
    }
    // A keymap or theme that could not be used is said where it is seen, not only in the log.
    for problem in keymap_problem.into_iter().chain(theme_problem) {
        app.notice(Level::Warn, problem);
    }
    let log = log.and_then(Result::ok);
    runtime.block_on(event_loop(guard, app, effects, log))
}

async fn event_loop(
    mut guard: TerminalGuard,
    mut app: App,
    first: Vec<Effect>,
    log: Option<LogFile>,
) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<EngineMsg>();
    let sink: Sink = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    let mut runner = Runner::new(sink);
    for e in first {
        runner.run(e);
    }
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut logged = 0usize;
    let mut pending = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        logged = write_log(&app, log.as_ref(), logged);
        if app.state().quit {
            break;
        }
        pending |= app.take_dirty();
        let since = last_draw.map_or(FRAME, |t| t.elapsed());
        if pending && since >= FRAME {
            guard
                .terminal
                .draw(|f| ui::draw(f, app.state()))
                .context("cannot draw")?;
            pending = false;
            last_draw = Some(Instant::now());
        }
        let wait = FRAME.saturating_sub(last_draw.map_or(FRAME, |t| t.elapsed()));
        let mut dispatch = |msg: Msg| {
            for e in app.update(msg) {
                match e {
                    // The terminal is this task's: the clipboard escape goes out here.
                    Effect::Copy(text) => {
                        let _ = crossterm::execute!(
                            std::io::stdout(),
                            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
                        );
                    }
                    e => runner.run(e),
                }
            }
        };
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => dispatch(Msg::Key(key)),
                Some(Ok(Event::Mouse(mouse))) => dispatch(Msg::Mouse(mouse)),
                Some(Ok(Event::Resize(width, height))) => dispatch(Msg::Resize { width, height }),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e).context("cannot read terminal input"),
                None => break,
            },
            Some(m) = rx.recv() => dispatch(Msg::Engine(m)),
            _ = tick.tick() => dispatch(Msg::Tick(SystemTime::now())),
            _ = tokio::time::sleep(wait), if pending => {}
        }
        // Coalesce: everything already queued is applied before the next frame.
        while let Ok(m) = rx.try_recv() {
            dispatch(Msg::Engine(m));
        }
    }
    runner.cancel_scan();
    Ok(())
}

/// Sends the log lines not yet written to the file; returns how many were written in all.
fn write_log(app: &App, log: Option<&LogFile>, written: usize) -> usize {
    let s = app.state();
    let total = s.log_dropped + s.log.len();
    if let Some(file) = log {
        let new = total.saturating_sub(written).min(s.log.len());
        for line in &s.log[s.log.len() - new..] {
            file.write(line.level, &line.text);
        }
    }
    total
}
