//! How uv judges a cached HTTP response at a given moment (format notes §5.4), and what a cache
//! entry's freshness inputs are: the HTTP policy of remote entries, the cache info of local
//! builds.
//!
//! uv consults the policy before sending a request: a *fresh* entry is used as is, a *stale* one
//! is revalidated (`If-None-Match` / `If-Modified-Since`), a *not storable* one is fetched again.
//! All arithmetic is in whole seconds and saturates at zero, as uv's does.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::formats::{CacheInfo, CachePolicy, Method, decode_local_revision_pointer};
use super::model::{Entry, EntryKind, Snapshot};

/// Lifetime uv assumes for a response that only has a `Last-Modified` header (PyPI's max-age).
pub const LAST_MODIFIED_LIFETIME: u64 = 600;

/// Status codes a response may be stored for without explicit freshness information.
const HEURISTICALLY_CACHEABLE: [u16; 12] =
    [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];

/// The request uv is about to send, as far as freshness is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NextRequest {
    /// `--refresh` / `--refresh-package` for this entry: uv sends `Cache-Control: no-cache`.
    pub refresh: bool,
}

/// Where the freshness lifetime came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifetimeSource {
    /// The response's `Cache-Control: max-age`.
    MaxAge,
    /// `Expires` minus `Date`.
    Expires,
    /// A `Last-Modified` header without explicit freshness: uv assumes 600 seconds.
    LastModified,
    /// Nothing: the response is stale from the start.
    None,
}

/// Why uv will revalidate even though the age alone would allow reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevalidateReason {
    /// The response carried `Cache-Control: no-cache`.
    ResponseNoCache,
    /// The response's `Vary` names `*`, which never matches.
    VaryStar,
    /// The next request carries `no-cache` (`--refresh`) and the response is not `immutable`.
    Refresh,
}

/// Why a response is never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotStorableReason {
    /// The request was neither GET nor HEAD.
    Method,
    /// The status is not final (< 200), or is 206 / 304.
    Status,
    /// `no-store` on the request or the response.
    NoStore,
    /// No `public`, `private`, `Expires`, `max-age`, and not a heuristically cacheable status.
    NoFreshnessInformation,
}

/// uv's decision for a stored response at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FreshnessState {
    /// Used without a request until `until` (Unix seconds, exclusive).
    Fresh {
        /// First second at which the entry is no longer fresh.
        until: u64,
    },
    /// `immutable` and within its lifetime: used without a request even with `--refresh`.
    Immutable {
        /// First second at which the entry is no longer fresh.
        until: u64,
    },
    /// Revalidated on next use; stale since `since` (Unix seconds).
    Stale {
        /// The second at which the entry became stale.
        since: u64,
    },
    /// Revalidated on every use, whatever its age.
    MustRevalidate {
        /// Why.
        reason: RevalidateReason,
    },
    /// Never reused: the next use downloads it again.
    NotStorable {
        /// Why.
        reason: NotStorableReason,
    },
}

/// The freshness of one stored response, with the numbers behind the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freshness {
    /// The decision.
    #[serde(flatten)]
    pub state: FreshnessState,
    /// The moment judged (Unix seconds).
    pub now: u64,
    /// Current age in seconds (RFC 9111 §4.2.3).
    pub age: u64,
    /// Freshness lifetime in seconds.
    pub lifetime: u64,
    /// Where the lifetime came from.
    pub lifetime_source: LifetimeSource,
    /// When the response was received (Unix seconds).
    pub response_time: u64,
    /// Whether the response was `immutable`.
    pub immutable: bool,
    /// Whether a stale response can be revalidated cheaply (strong ETag or Last-Modified).
    pub has_validator: bool,
    /// Request headers the response varies on (lowercased names).
    pub vary: Vec<String>,
}

impl FreshnessState {
    /// A short label: `fresh`, `immutable`, `stale`, `must-revalidate`, `not-storable`.
    pub fn label(&self) -> &'static str {
        match self {
            FreshnessState::Fresh { .. } => "fresh",
            FreshnessState::Immutable { .. } => "immutable",
            FreshnessState::Stale { .. } => "stale",
            FreshnessState::MustRevalidate { .. } => "must-revalidate",
            FreshnessState::NotStorable { .. } => "not-storable",
        }
    }

    /// Whether uv uses the stored response without contacting the server.
    pub fn is_usable(&self) -> bool {
        matches!(
            self,
            FreshnessState::Fresh { .. } | FreshnessState::Immutable { .. }
        )
    }
}

/// Whether uv would store (and so ever reuse) this response.
pub fn storability(policy: &CachePolicy) -> Result<(), NotStorableReason> {
    let resp = &policy.response_cache_control;
    if !matches!(policy.method, Method::Get | Method::Head) {
        return Err(NotStorableReason::Method);
    }
    if policy.status < 200 || policy.status == 206 || policy.status == 304 {
        return Err(NotStorableReason::Status);
    }
    if policy.request_cache_control.no_store || resp.no_store {
        return Err(NotStorableReason::NoStore);
    }
    // uv's cache is private, so `private` counts and `s-maxage` does not.
    if resp.public
        || resp.private
        || policy.expires.is_some()
        || resp.max_age.is_some()
        || HEURISTICALLY_CACHEABLE.contains(&policy.status)
    {
        Ok(())
    } else {
        Err(NotStorableReason::NoFreshnessInformation)
    }
}

/// The `Date` header, defaulting to the response time.
fn date(policy: &CachePolicy) -> u64 {
    policy.date.unwrap_or(policy.response_time)
}

/// The age the response already had when it was received.
fn initial_age(policy: &CachePolicy) -> u64 {
    let apparent = policy.response_time.saturating_sub(date(policy));
    let delay = policy.response_time.saturating_sub(policy.request_time);
    let corrected = policy.age.unwrap_or(0).saturating_add(delay);
    apparent.max(corrected)
}

/// Current age of the response at `now` (Unix seconds).
pub fn age(policy: &CachePolicy, now: u64) -> u64 {
    initial_age(policy).saturating_add(now.saturating_sub(policy.response_time))
}

/// Freshness lifetime and its source. `s-maxage` is ignored: uv's cache is not shared.
pub fn lifetime(policy: &CachePolicy) -> (u64, LifetimeSource) {
    if let Some(max_age) = policy.response_cache_control.max_age {
        (max_age, LifetimeSource::MaxAge)
    } else if let Some(expires) = policy.expires {
        (
            expires.saturating_sub(date(policy)),
            LifetimeSource::Expires,
        )
    } else if policy.last_modified.is_some() {
        (LAST_MODIFIED_LIFETIME, LifetimeSource::LastModified)
    } else {
        (0, LifetimeSource::None)
    }
}

/// The first second at which `age >= lifetime + extra` (the age grows by one per second after
/// the response was received).
fn boundary(policy: &CachePolicy, lifetime: u64, extra: u64) -> u64 {
    let budget = lifetime.saturating_add(extra);
    policy
        .response_time
        .saturating_add(budget.saturating_sub(initial_age(policy)))
}

/// uv's decision for `policy` at `now` (Unix seconds) for the next request `next`.
///
/// Assumes the next request has the stored URL and method (uv looks entries up by URL) and
/// sends the same values for the `Vary` headers (uv's own headers do not change between runs).
pub fn evaluate(policy: &CachePolicy, now: u64, next: NextRequest) -> Freshness {
    let (lifetime, lifetime_source) = lifetime(policy);
    let age = age(policy, now);
    let resp = &policy.response_cache_control;
    let state = if let Err(reason) = storability(policy) {
        FreshnessState::NotStorable { reason }
    } else if policy.vary.iter().any(|(name, _)| name == "*") {
        FreshnessState::MustRevalidate {
            reason: RevalidateReason::VaryStar,
        }
    } else if resp.no_cache {
        FreshnessState::MustRevalidate {
            reason: RevalidateReason::ResponseNoCache,
        }
    } else {
        judge_age(policy, age, lifetime, next)
    };
    Freshness {
        state,
        now,
        age,
        lifetime,
        lifetime_source,
        response_time: policy.response_time,
        immutable: resp.immutable,
        has_validator: policy.etag.as_ref().is_some_and(|e| !e.weak)
            || policy.last_modified.is_some(),
        vary: policy.vary.iter().map(|(name, _)| name.clone()).collect(),
    }
}

/// Steps 7 and 8 of §5.4: request directives (unless immutable), then age against lifetime.
fn judge_age(policy: &CachePolicy, age: u64, lifetime: u64, next: NextRequest) -> FreshnessState {
    let immutable = policy.response_cache_control.immutable;
    if !immutable && next.refresh {
        return FreshnessState::MustRevalidate {
            reason: RevalidateReason::Refresh,
        };
    }
    // RFC 9111 §4.2: fresh iff lifetime > age, so equality is stale.
    if age < lifetime {
        let until = boundary(policy, lifetime, 0);
        return if immutable {
            FreshnessState::Immutable { until }
        } else {
            FreshnessState::Fresh { until }
        };
    }
    // A stale response may still be served when the *stored* request allowed staleness and the
    // response does not forbid it (uv itself never sends `max-stale`).
    if let Some(max_stale) = policy.request_cache_control.max_stale
        && !policy.response_cache_control.must_revalidate
        && age - lifetime <= max_stale
    {
        let until = boundary(policy, lifetime, max_stale.saturating_add(1));
        return FreshnessState::Fresh { until };
    }
    FreshnessState::Stale {
        since: boundary(policy, lifetime, 0),
    }
}

/// Unix seconds of a `SystemTime` (0 before the epoch).
pub fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The freshness inputs of one cache entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EntryFreshness {
    /// A remote response stored with an HTTP policy.
    Http {
        /// The container file (relative to the cache root).
        #[serde(serialize_with = "crate::engine::json::ser_path")]
        file: PathBuf,
        /// The request URL.
        url: String,
        /// uv's decision now.
        freshness: Freshness,
    },
    /// A wheel built from a local source tree or archive: valid while the source's cache info
    /// stays exactly the same.
    LocalBuild {
        /// The `revision.rev` file (relative to the cache root).
        #[serde(serialize_with = "crate::engine::json::ser_path")]
        file: PathBuf,
        /// The revision the pointer names.
        revision: String,
        /// The cache info the revision was built from.
        #[serde(serialize_with = "crate::engine::keys::ser_cache_info")]
        cache_info: CacheInfo,
        /// When the pointer was last written (Unix seconds), about when the build happened.
        written: Option<u64>,
    },
}

/// The freshness of a scanned entry at `now`, from its `.http` / `.rkyv` / `.msgpack` policy or
/// its `revision.http` / `revision.rev` pointer. `None` for entries without either, or whose
/// file cannot be read or decoded.
pub fn of_entry(root: &Path, entry: &Entry, now: SystemTime) -> Option<EntryFreshness> {
    let path = root.join(&entry.path);
    let file = match entry.kind {
        EntryKind::SimplePage | EntryKind::FlatIndexPage => path,
        EntryKind::PythonDownloads | EntryKind::Osv if is_container_name(&path) => path,
        EntryKind::Wheel | EntryKind::WheelMetadata => wheel_policy_file(&path)?,
        EntryKind::SdistPointer => source_pointer(path.parent()?)?,
        EntryKind::SdistRevision => source_pointer(path.parent()?)?,
        _ => return None,
    };
    let relative = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
    if file.file_name().is_some_and(|n| n == "revision.rev") {
        let bytes = crate::engine::scan::walk::read_regular(
            &file,
            crate::engine::scan::walk::MAX_SMALL_FILE,
        )
        .ok()?;
        let pointer = decode_local_revision_pointer(&bytes).ok()?;
        let written = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .ok()
            .map(unix_seconds);
        return Some(EntryFreshness::LocalBuild {
            file: relative,
            revision: pointer.revision.id,
            cache_info: pointer.cache_info,
            written,
        });
    }
    // Only the tail: a Simple API page's payload can be megabytes.
    let policy = crate::engine::scan::buckets::read::read_policy(&file).ok()?;
    Some(EntryFreshness::Http {
        file: relative,
        url: policy.uri.clone(),
        freshness: evaluate(&policy, unix_seconds(now), NextRequest::default()),
    })
}

/// How uv judges the newest Simple API page among the entries `ids` of a snapshot (the page
/// decides whether a just-published version is seen); `None` when none has a readable policy.
pub fn newest_index_page(snap: &Snapshot, ids: &[u32], now: SystemTime) -> Option<FreshnessState> {
    ids.iter()
        .filter_map(|id| snap.entries.get(*id as usize))
        .filter(|e| e.kind == EntryKind::SimplePage)
        .filter_map(|e| match of_entry(&snap.root.path, e, now)? {
            EntryFreshness::Http { freshness, .. } => {
                Some((freshness.response_time, freshness.state))
            }
            EntryFreshness::LocalBuild { .. } => None,
        })
        .max_by_key(|(t, _)| *t)
        .map(|(_, s)| s)
}

fn is_container_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "msgpack")
}

/// The `.http` pointer of a wheel entry, else its `.msgpack` metadata (both HTTP containers).
fn wheel_policy_file(main: &Path) -> Option<PathBuf> {
    let name = main.file_name()?.to_string_lossy().into_owned();
    let key = [".http", ".rev", ".msgpack", ".lock"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(&name)
        .to_string();
    let dir = main.parent()?;
    [format!("{key}.http"), format!("{key}.msgpack")]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// `revision.http` or `revision.rev` of a source shard.
fn source_pointer(shard: &Path) -> Option<PathBuf> {
    ["revision.http", "revision.rev"]
        .into_iter()
        .map(|n| shard.join(n))
        .find(|p| p.is_file())
}

#[cfg(test)]
#[path = "freshness_tests.rs"]
mod tests;
