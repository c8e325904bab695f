use std::fs;

use super::*;

fn file(p: &str) -> CacheKey {
    CacheKey::File { path: p.into() }
}

#[test]
fn parses_every_key_form() {
    let text = r#"
[project]
name = "x"
[tool.uv]
cache-keys = ["pyproject.toml", { file = "src/**/*.py" }, { dir = "src" },
              { git = true }, { git = { tags = true } }, { git = false }, { env = "MYVAR" }]
"#;
    let keys = parse_cache_keys(text).expect("valid").expect("set");
    assert_eq!(
        keys,
        vec![
            file("pyproject.toml"),
            file("src/**/*.py"),
            CacheKey::Dir { path: "src".into() },
            CacheKey::Git {
                commit: true,
                tags: false
            },
            CacheKey::Git {
                commit: false,
                tags: true
            },
            CacheKey::Git {
                commit: false,
                tags: false
            },
            CacheKey::Env {
                name: "MYVAR".into()
            },
        ]
    );
    assert_eq!(keys[1].to_toml(), r#"{ file = "src/**/*.py" }"#);
    assert_eq!(keys[4].label(), "git tags");
    assert_eq!(
        parse_cache_keys("[project]\nname = 'x'\n").expect("valid"),
        None
    );
    assert_eq!(
        parse_cache_keys("[tool.uv]\nnative-tls = true\n").expect("valid"),
        None
    );
}

#[test]
fn rejects_what_uv_rejects() {
    for bad in [
        "[tool.uv]\ncache-keys = 5",
        "[tool.uv]\ncache-keys = [{ file = \"a\", dir = \"b\" }]",
        "[tool.uv]\ncache-keys = [{ file = \"a\", bogus = 1 }]",
        "[tool.uv]\ncache-keys = [{ git = { commit = true, foo = true } }]",
        "[tool.uv]\ncache-keys = [{ env = 5 }]",
        "[tool.uv]\ncache-keys = [{ other = \"x\" }]",
        "[tool.uv]\ncache-keys = [{}]",
        "[tool.uv]\ncache-keys = [1]",
        "tool = 3",
        "oops = [",
    ] {
        assert!(parse_cache_keys(bad).is_err(), "{bad}");
    }
}

fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("proj");
    for (path, text) in files {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    }
    (tmp, dir)
}

fn ctime(p: &Path) -> Timestamp {
    file_timestamp(&fs::metadata(p).expect("stat"))
}

#[test]
fn defaults_take_the_newest_file_and_the_src_dir() {
    let (_tmp, dir) = project(&[
        ("pyproject.toml", "[project]\nname='x'\n"),
        ("x/__init__.py", ""),
    ]);
    let e = evaluate_with(&dir, &|_| None).expect("evaluates");
    assert!(e.keys.defaults && e.error.is_none());
    assert_eq!(
        e.cache_info.timestamp,
        Some(ctime(&dir.join("pyproject.toml")))
    );
    assert_eq!(
        e.cache_info.directories.get("src"),
        Some(&DirStamp::Missing)
    );
    assert!(e.cache_info.env.is_empty() && e.cache_info.commit.is_none());
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(dir.join("setup.cfg"), "").expect("write");
    fs::create_dir(dir.join("src")).expect("mkdir");
    let e = evaluate_with(&dir, &|_| None).expect("evaluates");
    assert_eq!(e.cache_info.timestamp, Some(ctime(&dir.join("setup.cfg"))));
    assert_eq!(
        e.newest.as_ref().map(|f| f.path.clone()),
        Some(PathBuf::from("setup.cfg"))
    );
    assert_eq!(
        e.cache_info.directories.get("src"),
        dir_stamp(&dir.join("src")).as_ref()
    );
    assert!(matches!(
        e.cache_info.directories.get("src"),
        Some(DirStamp::Created(_) | DirStamp::Inode(_))
    ));
}

#[test]
fn custom_keys_replace_the_defaults() {
    let (_tmp, dir) = project(&[
        (
            "pyproject.toml",
            "[tool.uv]\ncache-keys = [{ file = \"pkg/*.py\" }, { env = \"A\" }, { env = \"B\" }, \"setup.cfg\", { file = \"pkg\" }, { dir = \"pyproject.toml\" }]\n",
        ),
        ("pkg/sub/core.py", ""),
        ("setup.py", ""),
    ]);
    let e = evaluate_with(&dir, &|name| (name == "A").then(|| "1".to_string())).expect("evaluates");
    assert!(!e.keys.defaults);
    // `pkg/*.py` reaches into sub-directories; pyproject.toml is no longer a key.
    assert_eq!(
        e.cache_info.timestamp,
        Some(ctime(&dir.join("pkg/sub/core.py")))
    );
    assert_eq!(e.cache_info.env.get("A"), Some(&Some("1".into())));
    assert_eq!(e.cache_info.env.get("B"), Some(&None));
    assert!(e.cache_info.directories.is_empty());
    let KeyValue::Files { files } = &e.results[0].value else {
        panic!("files")
    };
    assert_eq!(files[0].path, PathBuf::from("pkg/sub/core.py"));
    // A directory as a file key and a file as a directory key are skipped with a warning.
    assert_eq!(e.results[4].warnings.len(), 1);
    assert_eq!(e.results[5].value, KeyValue::Dir { stamp: None });
}

#[test]
fn no_files_means_no_timestamp_and_errors_are_reported() {
    let (_tmp, dir) = project(&[("pyproject.toml", "[tool.uv]\ncache-keys = [\"*.txt\"]\n")]);
    let e = evaluate_with(&dir, &|_| None).expect("evaluates");
    assert_eq!(e.cache_info, CacheInfo::default());
    fs::write(
        dir.join("pyproject.toml"),
        "[tool.uv]\ncache-keys = [\"a{b\"]\n",
    )
    .expect("write");
    let e = evaluate_with(&dir, &|_| None).expect("evaluates");
    assert!(e.error.is_some());
    fs::write(
        dir.join("pyproject.toml"),
        "[tool.uv]\ncache-keys = [{ nope = 1 }]\n",
    )
    .expect("write");
    let e = evaluate_with(&dir, &|_| None).expect("evaluates");
    assert!(e.keys.defaults && e.keys.error.is_some() && e.error.is_some());
    assert!(evaluate_with(&dir.join("missing"), &|_| None).is_err());
}

#[test]
fn git_keys_outside_a_repository_record_nothing() {
    let (_tmp, dir) = project(&[(
        "pyproject.toml",
        "[tool.uv]\ncache-keys = [{ git = { commit = true, tags = true } }]\n",
    )]);
    if repository_root(&dir).is_some() {
        return; // the temporary directory is inside someone's repository
    }
    let e = evaluate_with(&dir, &|_| None).expect("evaluates");
    assert!(e.cache_info.commit.is_none() && e.cache_info.tags.is_none());
    let KeyValue::Git { commit, tags } = &e.results[0].value else {
        panic!("git")
    };
    assert!(matches!(commit, Some(Err(_))) && matches!(tags, Some(Err(_))));
}

#[test]
fn archive_files_are_their_own_stamp() {
    let (_tmp, dir) = project(&[("a-1.tar.gz", "x")]);
    let info = cache_info_of_file(&dir.join("a-1.tar.gz")).expect("stat");
    assert_eq!(info.timestamp, Some(ctime(&dir.join("a-1.tar.gz"))));
    assert!(cache_info_of_file(&dir.join("nope")).is_err());
}

#[test]
fn negative_times_convert() {
    let t = std::time::UNIX_EPOCH - std::time::Duration::new(1, 250_000_000);
    assert_eq!(
        timestamp_of_system_time(t),
        Timestamp {
            secs: -2,
            nanos: 750_000_000
        }
    );
}
