use super::*;
use crate::engine::formats::{CacheControl, ETag};

/// A GET 200 received at t=1000 (sent at t=1000) with the given response directives.
fn policy(cc: CacheControl) -> CachePolicy {
    CachePolicy {
        uri: "http://127.0.0.1:1/simple/a/".into(),
        method: Method::Get,
        request_cache_control: CacheControl::default(),
        authorization: false,
        request_time: 1000,
        status: 200,
        response_cache_control: cc,
        age: None,
        date: None,
        expires: None,
        last_modified: None,
        etag: Some(ETag {
            value: b"\"x\"".to_vec(),
            weak: false,
        }),
        response_time: 1000,
        vary: vec![],
    }
}

fn max_age(secs: u64) -> CacheControl {
    CacheControl {
        max_age: Some(secs),
        public: true,
        ..CacheControl::default()
    }
}

const PLAIN: NextRequest = NextRequest { refresh: false };
const REFRESH: NextRequest = NextRequest { refresh: true };

#[test]
fn max_age_boundary_equality_is_stale() {
    let p = policy(max_age(600));
    let f = evaluate(&p, 1599, PLAIN);
    assert_eq!(f.state, FreshnessState::Fresh { until: 1600 });
    assert_eq!((f.age, f.lifetime), (599, 600));
    assert_eq!(f.lifetime_source, LifetimeSource::MaxAge);
    assert!(f.has_validator);
    let f = evaluate(&p, 1600, PLAIN);
    assert_eq!(f.state, FreshnessState::Stale { since: 1600 });
    assert_eq!(
        evaluate(&p, 1601, PLAIN).state,
        FreshnessState::Stale { since: 1600 }
    );
    // A clock before the response time does not make the age negative.
    assert_eq!(evaluate(&p, 10, PLAIN).age, 0);
}

#[test]
fn request_delay_age_header_and_date_add_to_the_age() {
    let mut p = policy(max_age(600));
    p.request_time = 998;
    assert_eq!(
        evaluate(&p, 1000, PLAIN).state,
        FreshnessState::Fresh { until: 1598 }
    );
    p.age = Some(100);
    assert_eq!(evaluate(&p, 1000, PLAIN).age, 102);
    assert_eq!(
        evaluate(&p, 1000, PLAIN).state,
        FreshnessState::Fresh { until: 1498 }
    );
    let mut p = policy(max_age(600));
    p.date = Some(700);
    assert_eq!(evaluate(&p, 1000, PLAIN).age, 300);
    // Older than its lifetime on arrival: stale from the start.
    p.date = Some(1);
    assert_eq!(
        evaluate(&p, 1000, PLAIN).state,
        FreshnessState::Stale { since: 1000 }
    );
}

#[test]
fn refresh_revalidates_unless_immutable() {
    let p = policy(max_age(600));
    assert_eq!(
        evaluate(&p, 1001, REFRESH).state,
        FreshnessState::MustRevalidate {
            reason: RevalidateReason::Refresh
        }
    );
    let p = policy(CacheControl {
        immutable: true,
        ..max_age(365_000_000)
    });
    let f = evaluate(&p, 1001, REFRESH);
    assert_eq!(f.state, FreshnessState::Immutable { until: 365_001_000 });
    assert!(f.immutable && f.state.is_usable());
    // Immutable does not outlive its max-age.
    assert_eq!(
        evaluate(&p, 365_001_000, REFRESH).state,
        FreshnessState::Stale { since: 365_001_000 }
    );
}

#[test]
fn lifetime_sources() {
    let mut p = policy(CacheControl::default());
    assert_eq!(lifetime(&p), (0, LifetimeSource::None));
    assert_eq!(
        evaluate(&p, 1000, PLAIN).state,
        FreshnessState::Stale { since: 1000 }
    );
    p.last_modified = Some(5);
    assert_eq!(lifetime(&p), (600, LifetimeSource::LastModified));
    p.date = Some(1000);
    p.expires = Some(1300);
    assert_eq!(lifetime(&p), (300, LifetimeSource::Expires));
    // An unparseable Expires is stored as 0: already expired.
    p.expires = Some(0);
    assert_eq!(lifetime(&p), (0, LifetimeSource::Expires));
    // max-age wins over Expires; s-maxage is ignored (private cache).
    p.response_cache_control.max_age = Some(60);
    p.response_cache_control.s_maxage = Some(6000);
    assert_eq!(lifetime(&p), (60, LifetimeSource::MaxAge));
}

#[test]
fn no_cache_and_vary_star_always_revalidate() {
    let p = policy(CacheControl {
        no_cache: true,
        ..max_age(600)
    });
    assert_eq!(
        evaluate(&p, 1000, PLAIN).state,
        FreshnessState::MustRevalidate {
            reason: RevalidateReason::ResponseNoCache
        }
    );
    let mut p = policy(max_age(600));
    p.vary = vec![("*".into(), vec![])];
    assert_eq!(
        evaluate(&p, 1000, PLAIN).state,
        FreshnessState::MustRevalidate {
            reason: RevalidateReason::VaryStar
        }
    );
    p.vary = vec![("accept-encoding".into(), b"gzip".to_vec())];
    let f = evaluate(&p, 1000, PLAIN);
    assert!(f.state.is_usable());
    assert_eq!(f.vary, vec!["accept-encoding".to_string()]);
}

#[test]
fn storability() {
    let reason = |p: &CachePolicy| match evaluate(p, 1000, PLAIN).state {
        FreshnessState::NotStorable { reason } => Some(reason),
        _ => None,
    };
    let mut p = policy(max_age(600));
    p.method = Method::Other;
    assert_eq!(reason(&p), Some(NotStorableReason::Method));
    let mut p = policy(max_age(600));
    p.status = 206;
    assert_eq!(reason(&p), Some(NotStorableReason::Status));
    p.status = 304;
    assert_eq!(reason(&p), Some(NotStorableReason::Status));
    p.status = 101;
    assert_eq!(reason(&p), Some(NotStorableReason::Status));
    let p = policy(CacheControl {
        no_store: true,
        ..max_age(600)
    });
    assert_eq!(reason(&p), Some(NotStorableReason::NoStore));
    let mut p = policy(max_age(600));
    p.request_cache_control.no_store = true;
    assert_eq!(reason(&p), Some(NotStorableReason::NoStore));
    // A 302 without freshness information is not stored; a 200 or a 404 is.
    let mut p = policy(CacheControl::default());
    p.status = 302;
    assert_eq!(reason(&p), Some(NotStorableReason::NoFreshnessInformation));
    p.response_cache_control.private = true;
    assert_eq!(reason(&p), None);
    let mut p = policy(CacheControl::default());
    p.status = 404;
    assert_eq!(reason(&p), None);
    p.method = Method::Head;
    assert_eq!(reason(&p), None);
}

#[test]
fn stored_max_stale_extends_use_unless_must_revalidate() {
    let mut p = policy(max_age(600));
    p.request_cache_control.max_stale = Some(100);
    assert_eq!(
        evaluate(&p, 1700, PLAIN).state,
        FreshnessState::Fresh { until: 1701 }
    );
    assert_eq!(
        evaluate(&p, 1701, PLAIN).state,
        FreshnessState::Stale { since: 1600 }
    );
    p.response_cache_control.must_revalidate = true;
    assert_eq!(
        evaluate(&p, 1650, PLAIN).state,
        FreshnessState::Stale { since: 1600 }
    );
}

#[test]
fn huge_values_saturate() {
    let mut p = policy(max_age(u64::MAX));
    p.age = Some(u64::MAX);
    p.response_time = u64::MAX;
    let f = evaluate(&p, u64::MAX, PLAIN);
    assert_eq!(f.age, u64::MAX);
    assert!(matches!(f.state, FreshnessState::Stale { .. }));
}

#[test]
fn weak_etag_is_no_validator() {
    let mut p = policy(max_age(600));
    p.etag = Some(ETag {
        value: b"W/\"x\"".to_vec(),
        weak: true,
    });
    assert!(!evaluate(&p, 1000, PLAIN).has_validator);
    p.last_modified = Some(1);
    assert!(evaluate(&p, 1000, PLAIN).has_validator);
}

#[test]
fn serializes_flat() {
    let f = evaluate(&policy(max_age(600)), 1000, PLAIN);
    let json = serde_json::to_value(&f).expect("serializable");
    assert_eq!(json["state"], "fresh");
    assert_eq!(json["until"], 1600);
    assert_eq!(json["lifetime_source"], "max-age");
    assert_eq!(f.state.label(), "fresh");
}
