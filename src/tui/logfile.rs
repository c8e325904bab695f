//! The log file: while the terminal UI owns the screen, log lines go to a
//! file, written by a thread of its own.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::SystemTime;

use super::msg::Level;

/// Sends lines to the writer thread; the file is closed when this is dropped.
pub struct LogFile {
    tx: Option<Sender<String>>,
    writer: Option<JoinHandle<()>>,
    path: PathBuf,
}

impl LogFile {
    /// Where the log goes: `UVCACHE_LOG` if set, else `<state or cache dir>/uvcache/tui.log`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("UVCACHE_LOG").filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(p));
        }
        dirs::state_dir()
            .or_else(dirs::cache_dir)
            .map(|d| d.join("uvcache").join("tui.log"))
    }

    /// Opens `path` for appending (creating its directory).
    pub fn open(path: &Path) -> std::io::Result<LogFile> {
        if let Some(dir) = path.parent() {
            fs_err::create_dir_all(dir)?;
        }
        let mut file = fs_err::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let (tx, rx) = channel::<String>();
        let writer = std::thread::Builder::new()
            .name("uvcache-log".into())
            .spawn(move || {
                for line in rx {
                    if writeln!(file, "{line}").is_err() {
                        break;
                    }
                }
            })?;
        Ok(LogFile {
            tx: Some(tx),
            writer: Some(writer),
            path: path.to_path_buf(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a line with the time and level.
    pub fn write(&self, level: Level, text: &str) {
        let when = humantime::format_rfc3339_seconds(SystemTime::now());
        let tag = match level {
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        };
        if let Some(tx) = &self.tx {
            let _ = tx.send(format!("{when} {tag} {text}"));
        }
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        // Closing the channel ends the writer once it has written everything.
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}
