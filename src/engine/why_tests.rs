use std::fs;
use std::time::Duration;

use rmpv::Value;

use super::*;
use crate::engine::formats::{DirStamp, Timestamp};
use crate::engine::keys::cache_info_json;
use crate::engine::names::{cache_digest, canonical_url};

struct Fixture {
    _tmp: tempfile::TempDir,
    project: PathBuf,
    venv: PathBuf,
    dist_info: PathBuf,
    cache: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("pkga");
    fs::create_dir_all(project.join("pkga")).expect("mkdir");
    fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"pkga\"\nversion = \"1.0\"\n",
    )
    .expect("write");
    fs::write(project.join("pkga/__init__.py"), "").expect("write");
    let venv = tmp.path().join("venv");
    let dist_info = venv.join("lib/python3.11/site-packages/pkga-1.0.dist-info");
    fs::create_dir_all(&dist_info).expect("mkdir");
    fs::write(venv.join("pyvenv.cfg"), "home = /usr\n").expect("write");
    fs::write(
        dist_info.join("METADATA"),
        "Metadata-Version: 2.1\nName: pkga\nVersion: 1.0\n\nbody\n",
    )
    .expect("write");
    fs::write(dist_info.join("INSTALLER"), "uv\n").expect("write");
    fs::write(dist_info.join("uv_build.json"), "{}").expect("write");
    let url = format!("file://{}", project.display());
    fs::write(
        dist_info.join("direct_url.json"),
        format!("{{\"url\":\"{url}\",\"dir_info\":{{}}}}"),
    )
    .expect("write");
    let cache = tmp.path().join("cache");
    fs::create_dir_all(&cache).expect("mkdir");
    Fixture {
        _tmp: tmp,
        project,
        venv,
        dist_info,
        cache,
    }
}

fn record_now(f: &Fixture) -> CacheInfo {
    let info = keys::evaluate_with(&f.project, &|_| None)
        .expect("evaluates")
        .cache_info;
    fs::write(
        f.dist_info.join("uv_cache.json"),
        cache_info_json(&info).to_string(),
    )
    .expect("write");
    info
}

fn run(f: &Fixture) -> WhyReport {
    let opts = WhyOptions {
        project: f.project.clone(),
        environment: EnvironmentChoice {
            python: Some(f.venv.clone()),
            virtual_env: None,
        },
        cache: Some(f.cache.clone()),
    };
    why(&opts, &|_| None).expect("why")
}

fn ts(t: &Timestamp) -> Value {
    Value::Array(vec![Value::from(t.secs), Value::from(t.nanos)])
}

/// Writes `sdists-v11/path/<digest>/revision.rev` naming a revision with a wheel.
fn write_revision(f: &Fixture, info: &CacheInfo) {
    let url = format!("file://{}", f.project.display());
    let shard = f
        .cache
        .join("sdists-v11/path")
        .join(cache_digest(&canonical_url(&url)));
    fs::create_dir_all(shard.join("REV0000000000001")).expect("mkdir");
    fs::write(
        shard.join("REV0000000000001/pkga-1.0-py3-none-any.whl"),
        "zip",
    )
    .expect("write");
    let dirs = info
        .directories
        .iter()
        .map(|(k, v)| {
            let v = match v {
                DirStamp::Created(t) => ts(t),
                DirStamp::Inode(i) => Value::from(*i),
                DirStamp::Missing => Value::Nil,
            };
            (Value::from(k.as_str()), v)
        })
        .collect();
    let cache_info = Value::Array(vec![
        info.timestamp.as_ref().map(ts).unwrap_or(Value::Nil),
        Value::Nil,
        Value::Nil,
        Value::Map(vec![]),
        Value::Map(dirs),
    ]);
    let revision = Value::Array(vec![
        Value::from("REV0000000000001"),
        Value::Array(vec![]),
        Value::Nil,
    ]);
    let mut bytes = Vec::new();
    rmpv::encode::write_value(&mut bytes, &Value::Array(vec![cache_info, revision]))
        .expect("encode");
    fs::write(shard.join("revision.rev"), bytes).expect("write");
}

#[test]
fn unchanged_project_is_up_to_date_and_edits_are_explained() {
    let f = fixture();
    record_now(&f);
    let r = run(&f);
    assert_eq!(r.environment.found_by, "--python");
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    let p = &r.packages[0];
    assert_eq!(p.installed.name, "pkga");
    assert_eq!(p.verdict, Verdict::UpToDate, "{}", p.summary);
    assert!(
        p.summary
            .starts_with("will NOT rebuild pkga: no cache key changed"),
        "{}",
        p.summary
    );

    // A non-key file changes: still up to date, with a snippet covering it.
    std::thread::sleep(Duration::from_millis(20));
    fs::write(f.project.join("pkga/__init__.py"), "x = 1\n").expect("write");
    let p = &run(&f).packages[0];
    assert_eq!(p.verdict, Verdict::UpToDate);
    assert!(
        p.summary.contains("pkga/__init__.py changed at"),
        "{}",
        p.summary
    );
    assert!(
        p.snippet
            .as_deref()
            .is_some_and(|s| s.contains("{ file = \"pkga/**/*.py\" }")),
        "{:?}",
        p.snippet
    );

    // A key file changes: rebuild, named.
    fs::write(
        f.project.join("pyproject.toml"),
        "[project]\nname = \"pkga\"\nversion = \"1.0\"\n# edit\n",
    )
    .expect("write");
    let p = &run(&f).packages[0];
    assert_eq!(p.verdict, Verdict::Rebuild);
    assert_eq!(p.changes.len(), 1);
    assert!(
        p.summary.contains("pyproject.toml changed at"),
        "{}",
        p.summary
    );
}

#[test]
fn a_matching_cached_build_is_reused() {
    let f = fixture();
    record_now(&f);
    std::thread::sleep(Duration::from_millis(20));
    fs::create_dir(f.project.join("src")).expect("mkdir");
    let now = keys::evaluate_with(&f.project, &|_| None)
        .expect("evaluates")
        .cache_info;
    write_revision(&f, &now);
    let p = &run(&f).packages[0];
    assert_eq!(p.verdict, Verdict::ReinstallFromCache, "{}", p.summary);
    assert_eq!(p.changes[0].part, "dir src");
    assert!(p.changes[0].message.contains("was created"));
    assert!(p.cached_builds[0].matches_now && p.cached_builds[0].has_wheel);
}

#[test]
fn missing_records_settings_and_bad_keys() {
    let f = fixture();
    let p = &run(&f).packages[0];
    assert_eq!(p.verdict, Verdict::Rebuild);
    assert!(p.reasons[0].contains("no `uv_cache.json`"));

    record_now(&f);
    fs::write(
        f.dist_info.join("uv_build.json"),
        "{\"config_settings\":{\"a\":\"b\"}}",
    )
    .expect("write");
    let p = &run(&f).packages[0];
    assert_eq!(p.verdict, Verdict::Rebuild);
    assert!(p.reasons[0].contains("build settings"));

    fs::write(f.dist_info.join("uv_build.json"), "{}").expect("write");
    fs::write(
        f.project.join("pyproject.toml"),
        "[tool.uv]\ncache-keys = [{ bogus = 1 }]\n",
    )
    .expect("write");
    let p = &run(&f).packages[0];
    assert_eq!(p.verdict, Verdict::Fails);
    assert!(p.lints.iter().any(|l| l.code == "invalid-cache-keys"));
}

#[test]
fn lints_generated_matches_and_dynamic_versions() {
    let f = fixture();
    fs::create_dir_all(f.project.join(".venv/lib")).expect("mkdir");
    fs::write(f.project.join(".venv/lib/x.py"), "").expect("write");
    fs::write(
        f.project.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools\", \"setuptools_scm>=8\"]\nbuild-backend = \"setuptools.build_meta\"\n\
         [project]\nname = \"pkga\"\ndynamic = [\"version\"]\n[tool.uv]\ncache-keys = [\"*.py\", \"none/*.txt\"]\n",
    )
    .expect("write");
    record_now(&f);
    let p = &run(&f).packages[0];
    let codes: Vec<&str> = p.lints.iter().map(|l| l.code).collect();
    assert!(codes.contains(&"key-matches-generated"), "{codes:?}");
    assert!(codes.contains(&"glob-matches-nothing"), "{codes:?}");
    assert!(codes.contains(&"dynamic-version-without-git"), "{codes:?}");

    fs::write(
        f.project.join("pyproject.toml"),
        "[build-system]\nrequires = [\"flit_core\"]\nbuild-backend = \"flit_core.buildapi\"\n\
         [project]\nname = \"pkga\"\ndynamic = [\"version\"]\n",
    )
    .expect("write");
    let p = &run(&f).packages[0];
    let lint = p
        .lints
        .iter()
        .find(|l| l.code == "dynamic-version-not-a-key")
        .expect("lint");
    assert!(lint.message.contains("pkga/__init__.py"));
}

#[test]
fn finds_environments() {
    let f = fixture();
    let choice = EnvironmentChoice::default();
    assert!(find_environment(&f.project, &choice).is_err());
    let by_var = EnvironmentChoice {
        python: None,
        virtual_env: Some(f.venv.clone()),
    };
    assert_eq!(
        find_environment(&f.project, &by_var)
            .expect("found")
            .found_by,
        "VIRTUAL_ENV"
    );
    let interpreter = EnvironmentChoice {
        python: Some(f.venv.join("bin/python")),
        virtual_env: None,
    };
    let env = find_environment(&f.project, &interpreter).expect("found");
    assert_eq!(env.root, f.venv);
    assert_eq!(env.site_packages.len(), 1);
    fs::create_dir_all(f.project.join(".venv")).expect("mkdir");
    fs::write(f.project.join(".venv/pyvenv.cfg"), "").expect("write");
    assert_eq!(
        find_environment(&f.project.join("pkga"), &by_var)
            .expect("found")
            .found_by,
        ".venv"
    );
    assert_eq!(
        file_url_to_path("file:///tmp/a%20b/c").expect("path"),
        PathBuf::from("/tmp/a b/c")
    );
}
