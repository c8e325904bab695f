//! `show` and `list` report uv's freshness verdicts from the stored policies.

mod support;

use support::{FixtureKind, UV_CURRENT, fixture};

fn json(args: &[&str]) -> serde_json::Value {
    let f = fixture(FixtureKind::Current);
    let out = support::uvcache_command()
        .args(args)
        .args(["--json", "--uv-version", UV_CURRENT, "--cache-dir"])
        .arg(&f.cache)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn show_reports_page_wheel_and_local_build_freshness() {
    let beta = json(&["show", "beta"]);
    let entries = beta["entries"].as_array().unwrap();
    let of_kind = |k: &str| entries.iter().find(|e| e["kind"] == k).unwrap().clone();
    // The Simple API page was served with max-age=600: fresh or stale depending on its age.
    let page = of_kind("simple-page");
    let state = page["freshness"]["freshness"]["state"].as_str().unwrap();
    assert!(state == "fresh" || state == "stale", "{page:#}");
    assert_eq!(page["freshness"]["freshness"]["lifetime"], 600);
    // Files were served immutable.
    let revision = of_kind("sdist-revision");
    assert_eq!(
        revision["freshness"]["freshness"]["state"], "immutable",
        "{revision:#}"
    );
    // A local directory build carries the cache info it was built from.
    let pathpkg = json(&["show", "pathpkg"]);
    let local = pathpkg["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "sdist-revision")
        .unwrap()
        .clone();
    assert_eq!(local["freshness"]["kind"], "local-build", "{local:#}");
    assert!(
        local["freshness"]["cache_info"]["timestamp"].is_object(),
        "{local:#}"
    );
}

#[test]
fn list_reports_the_index_page_state() {
    let list = json(&["list"]);
    let pkgs = list["packages"].as_array().unwrap();
    let alpha = pkgs.iter().find(|p| p["name"] == "alpha").unwrap();
    let state = alpha["index_page"]["state"].as_str().unwrap();
    assert!(state == "fresh" || state == "stale", "{alpha:#}");
    // A direct-URL package has no index page.
    let gamma = pkgs.iter().find(|p| p["name"] == "gamma").unwrap();
    assert!(gamma["index_page"].is_null());
}
