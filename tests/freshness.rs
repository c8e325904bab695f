//! Freshness of HTTP cache entries written by the real uv, against a local index that sends
//! `Cache-Control: max-age=600, public` on pages and `max-age=365000000, immutable, public` on
//! files (never a remote index: a proxy could strip the headers).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::SystemTime;

use support::{
    IndexServer, UV_CURRENT, UV_OLD, build_backend_wheels, copy_into, glob, scan_cache, uv_command,
};
use uvcache::engine::formats::{CachePolicy, read_http_file};
use uvcache::engine::freshness::{
    EntryFreshness, FreshnessState, LifetimeSource, NextRequest, RevalidateReason, age, evaluate,
    of_entry, unix_seconds,
};
use uvcache::engine::model::EntryKind;

const PLAIN: NextRequest = NextRequest { refresh: false };
const REFRESH: NextRequest = NextRequest { refresh: true };

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "uv failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh cache into which `version` installed `flit_core` from a local index; returns the
/// temporary directory, the cache and the time window of the install (Unix seconds).
fn install_flit_core(version: &str) -> (tempfile::TempDir, PathBuf, u64, u64) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let index = tmp.path().join("index");
    for entry in fs::read_dir(build_backend_wheels())
        .expect("backend wheels")
        .flatten()
    {
        copy_into(&entry.path(), &index);
    }
    let server = IndexServer::start(&index, &tmp.path().join("flat"));
    let cache = tmp.path().join("cache");
    let work = tmp.path().join("work");
    let venv = work.join("venv");
    ok(uv_command(version, &cache, &work)
        .args(["venv", "--quiet"])
        .arg(&venv)
        .output()
        .expect("run uv"));
    let before = unix_seconds(SystemTime::now());
    ok(uv_command(version, &cache, &work)
        .env("UV_DEFAULT_INDEX", server.simple_url())
        .args(["pip", "install", "--python"])
        .arg(&venv)
        .arg("flit_core==3.9.0")
        .output()
        .expect("run uv"));
    let after = unix_seconds(SystemTime::now());
    (tmp, cache, before, after)
}

fn only(cache: &Path, pattern: &str) -> PathBuf {
    let found = glob(cache, pattern);
    assert_eq!(found.len(), 1, "{pattern}: {found:?}");
    found.into_iter().next().expect("one")
}

fn policy(path: &Path) -> CachePolicy {
    read_http_file(path).expect("decodes").0
}

fn check_page(page: &CachePolicy, before: u64, after: u64) {
    assert!(page.uri.ends_with("/simple/flit-core/"), "{}", page.uri);
    assert_eq!(page.status, 200);
    assert_eq!(page.response_cache_control.max_age, Some(600));
    assert!(page.response_cache_control.public && !page.response_cache_control.immutable);
    let rt = page.response_time;
    assert!(
        (before..=after).contains(&rt),
        "{before} <= {rt} <= {after}"
    );
    // The age at arrival (Date rounding, request delay) is at most a second locally.
    let initial = age(page, rt);
    assert!(initial <= 1, "initial age {initial}");
    let f = evaluate(page, rt + 598, PLAIN);
    assert_eq!(
        f.state,
        FreshnessState::Fresh {
            until: rt + 600 - initial
        }
    );
    assert_eq!(
        (f.lifetime, f.lifetime_source),
        (600, LifetimeSource::MaxAge)
    );
    assert!(f.has_validator, "the server sends a strong ETag");
    // Fresh one second before the boundary, stale at it (equality is stale) and after it.
    let boundary = rt + 600 - initial;
    assert!(evaluate(page, boundary - 1, PLAIN).state.is_usable());
    assert_eq!(
        evaluate(page, boundary, PLAIN).state,
        FreshnessState::Stale { since: boundary }
    );
    assert_eq!(
        evaluate(page, rt + 601, PLAIN).state,
        FreshnessState::Stale { since: boundary }
    );
    if initial == 0 {
        assert!(evaluate(page, rt + 599, PLAIN).state.is_usable());
    }
    // `--refresh` revalidates a page even while it is fresh.
    assert_eq!(
        evaluate(page, rt + 1, REFRESH).state,
        FreshnessState::MustRevalidate {
            reason: RevalidateReason::Refresh
        }
    );
}

fn check_wheel(wheel: &CachePolicy) {
    assert!(
        wheel
            .uri
            .ends_with("/files/flit_core-3.9.0-py3-none-any.whl"),
        "{}",
        wheel.uri
    );
    assert_eq!(wheel.response_cache_control.max_age, Some(365_000_000));
    assert!(wheel.response_cache_control.immutable);
    let now = unix_seconds(SystemTime::now());
    let until = wheel.response_time + 365_000_000 - age(wheel, wheel.response_time);
    for next in [PLAIN, REFRESH] {
        let f = evaluate(wheel, now, next);
        assert_eq!(f.state, FreshnessState::Immutable { until });
        assert!(f.immutable);
    }
}

fn check_version(version: &str) {
    let (_tmp, cache, before, after) = install_flit_core(version);
    let page_file = only(&cache, "simple-v*/index/*/flit-core.rkyv");
    let wheel_file = only(
        &cache,
        "wheels-v*/index/*/flit-core/3.9.0-py3-none-any.http",
    );
    let page = policy(&page_file);
    check_page(&page, before, after);
    check_wheel(&policy(&wheel_file));

    // The same answers through a scan of the cache.
    let snap = scan_cache(&cache, version);
    let now = SystemTime::now();
    let mut seen = (false, false);
    for e in snap
        .entries
        .iter()
        .filter(|e| e.package.as_deref() == Some("flit-core"))
    {
        match (e.kind, of_entry(&cache, e, now)) {
            (EntryKind::SimplePage, Some(EntryFreshness::Http { url, freshness, .. })) => {
                assert_eq!(url, page.uri);
                assert!(
                    matches!(freshness.state, FreshnessState::Fresh { .. }),
                    "{freshness:?}"
                );
                seen.0 = true;
            }
            (
                EntryKind::Wheel,
                Some(EntryFreshness::Http {
                    freshness, file, ..
                }),
            ) => {
                assert!(file.to_string_lossy().ends_with(".http"));
                assert!(matches!(freshness.state, FreshnessState::Immutable { .. }));
                let json = serde_json::to_value(&freshness).expect("serializes");
                assert_eq!(json["state"], "immutable");
                seen.1 = true;
            }
            _ => {}
        }
    }
    assert_eq!(
        seen,
        (true, true),
        "page and wheel entries found by the scan"
    );
}

#[test]
fn current_uv_pages_are_fresh_for_600_seconds_and_wheels_immutable() {
    check_version(UV_CURRENT);
}

#[test]
fn old_uv_pages_are_fresh_for_600_seconds_and_wheels_immutable() {
    check_version(UV_OLD);
}

#[test]
fn local_builds_report_their_cache_info() {
    let f = support::fixture(support::FixtureKind::Current);
    let snap = scan_cache(&f.cache, &f.uv_version);
    let pathpkg = Path::new(f.info("pathpkg"));
    let expected = uvcache::engine::keys::evaluate(pathpkg)
        .expect("evaluates")
        .cache_info;
    let found = snap
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::SdistPointer && e.package.as_deref() == Some("pathpkg"))
        .filter_map(|e| of_entry(&f.cache, e, SystemTime::now()))
        .find_map(|fr| match fr {
            EntryFreshness::LocalBuild {
                cache_info, file, ..
            } => Some((cache_info, file)),
            _ => None,
        })
        .expect("pathpkg's revision.rev");
    assert_eq!(found.0, expected, "{}", found.1.display());
}
