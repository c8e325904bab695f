//! What a policy asks for: its rules and budgets, and how they are written on the command line.
//! The planning lives in [`super::policy`].

use std::time::Duration;

use serde::Serialize;

/// What to remove. Rules add up: an entry goes when any rule selects it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Everything no known root uses.
    pub unused: bool,
    /// Entries last used longer ago than this.
    #[serde(serialize_with = "ser_secs")]
    pub max_age: Option<Duration>,
    /// Per package and source, keep the newest N versions (and every version a root uses).
    pub keep_versions: Option<usize>,
    /// Evict least recently used entries until the cache's on-disk size (as `uv cache size`
    /// counts it) is at most this.
    pub max_size: Option<u64>,
    /// Evict until the filesystem has this many bytes free (counting what removal frees).
    pub min_free: Option<u64>,
    /// Packages never removed (normalized names).
    pub keep: Vec<String>,
}

fn ser_secs<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs()),
        None => s.serialize_none(),
    }
}

impl Policy {
    /// Whether any rule is set.
    pub fn is_set(&self) -> bool {
        self.unused
            || self.max_age.is_some()
            || self.keep_versions.is_some()
            || self.max_size.is_some()
            || self.min_free.is_some()
    }
}

/// The rule that selected an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// `--unused`.
    Unused,
    /// `--max-age`.
    MaxAge,
    /// `--keep-versions`.
    KeepVersions,
    /// `--max-size`.
    MaxSize,
    /// `--min-free`.
    MinFree,
}

impl Rule {
    /// The flag's name.
    pub fn flag(self) -> &'static str {
        match self {
            Rule::Unused => "--unused",
            Rule::MaxAge => "--max-age",
            Rule::KeepVersions => "--keep-versions",
            Rule::MaxSize => "--max-size",
            Rule::MinFree => "--min-free",
        }
    }
}

/// Parses a size: a number with an optional unit, `B`, `K`/`KiB` (1024), `KB` (1000), and
/// likewise `M`, `G`, `T` (`20GiB`, `500MB`, `1.5G`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 20GiB, 500MB, 1.5G)"))?;
    let unit = unit.trim();
    let (power, base) = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => (0, 1024.0),
        "k" | "kib" => (1, 1024.0),
        "kb" => (1, 1000.0),
        "m" | "mib" => (2, 1024.0),
        "mb" => (2, 1000.0),
        "g" | "gib" => (3, 1024.0),
        "gb" => (3, 1000.0),
        "t" | "tib" => (4, 1024.0),
        "tb" => (4, 1000.0),
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)"
            ));
        }
    };
    let bytes = n * f64::powi(base, power);
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(bytes as u64)
}

/// Parses an age: `90d`, `12h`, `2w`, `6months` (humantime's units).
pub fn parse_age(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration (e.g. 90d, 12h, 2w): {e}"))
}
