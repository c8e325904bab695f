//! The `--json` output of every command, as a schema snapshot: each object's
//! fields with the types seen (arrays merged over their elements). Values
//! change from build to build (archive ids, ports, times); the field names
//! and types are the documented interface, and a renamed or retyped field
//! fails here instead of reaching users silently.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::{FixtureKind, UV_CURRENT, copy_fixture, fixture, uvcache_on};

/// A JSON value's shape.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Types(std::collections::BTreeSet<&'static str>),
    Object(
        BTreeMap<String, Shape>,
        std::collections::BTreeSet<&'static str>,
    ),
    Array(Box<Option<Shape>>, std::collections::BTreeSet<&'static str>),
}

fn scalar(name: &'static str) -> Shape {
    Shape::Types([name].into())
}

fn shape(v: &Value) -> Shape {
    match v {
        Value::Null => scalar("null"),
        Value::Bool(_) => scalar("bool"),
        Value::Number(_) => scalar("number"),
        Value::String(_) => scalar("string"),
        Value::Array(items) => {
            let merged = items.iter().map(shape).reduce(merge);
            Shape::Array(Box::new(merged), Default::default())
        }
        Value::Object(map) => Shape::Object(
            map.iter().map(|(k, v)| (k.clone(), shape(v))).collect(),
            Default::default(),
        ),
    }
}

/// The shape of values seen as `a` in some places and `b` in others.
fn merge(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Types(x), Shape::Types(y)) => Shape::Types(x.union(&y).copied().collect()),
        (Shape::Object(mut x, xo), Shape::Object(y, yo)) => {
            for (k, v) in y {
                let merged = match x.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                x.insert(k, merged);
            }
            Shape::Object(x, xo.union(&yo).copied().collect())
        }
        (Shape::Array(x, xo), Shape::Array(y, yo)) => {
            let inner = match (*x, *y) {
                (Some(a), Some(b)) => Some(merge(a, b)),
                (a, b) => a.or(b),
            };
            Shape::Array(Box::new(inner), xo.union(&yo).copied().collect())
        }
        // An object or array that is sometimes null (or a scalar).
        (Shape::Types(t), Shape::Object(m, o)) | (Shape::Object(m, o), Shape::Types(t)) => {
            Shape::Object(m, o.union(&t).copied().collect())
        }
        (Shape::Types(t), Shape::Array(a, o)) | (Shape::Array(a, o), Shape::Types(t)) => {
            Shape::Array(a, o.union(&t).copied().collect())
        }
        (a, _) => a,
    }
}

fn render(s: &Shape, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    let or = |others: &std::collections::BTreeSet<&str>| {
        others.iter().map(|t| format!(" | {t}")).collect::<String>()
    };
    match s {
        Shape::Types(t) => out.push_str(&t.iter().copied().collect::<Vec<_>>().join(" | ")),
        Shape::Object(map, others) => {
            out.push_str(&format!("{{{}\n", or(others)));
            for (k, v) in map {
                out.push_str(&format!("{pad}  {k}: "));
                render(v, indent + 1, out);
                out.push('\n');
            }
            out.push_str(&format!("{pad}}}"));
        }
        Shape::Array(inner, others) => {
            out.push('[');
            match inner.as_ref() {
                Some(i) => render(i, indent, out),
                None => out.push_str("(empty)"),
            }
            out.push_str(&format!("]{}", or(others)));
        }
    }
}

/// Freshness is a tagged union whose fields depend on the time of the run
/// (`fresh` until a second, `stale` since one): one key stands for both.
fn timeless(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("state") {
                for key in ["since", "until"] {
                    if let Some(t) = map.remove(key) {
                        map.insert("since|until".into(), t);
                    }
                }
            }
            map.values_mut().for_each(timeless);
        }
        Value::Array(items) => items.iter_mut().for_each(timeless),
        _ => {}
    }
}

fn schema_of(cache: &std::path::Path, args: &[&str]) -> String {
    schema_of_exit(cache, args, 0)
}

/// The schema of a run expected to exit with `code`.
fn schema_of_exit(cache: &std::path::Path, args: &[&str], code: i32) -> String {
    let out = uvcache_on(cache, UV_CURRENT)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    timeless(&mut value);
    let mut text = String::new();
    render(&shape(&value), 0, &mut text);
    text.push('\n');
    text
}

#[test]
fn every_command_keeps_its_json_schema() {
    let f = fixture(FixtureKind::Current);
    let (_t, cache) = copy_fixture(f);
    let cases: &[(&str, &[&str])] = &[
        ("dir", &["dir"]),
        ("size", &["size", "--no-index"]),
        ("list", &["list", "--no-index"]),
        ("show", &["show", "alpha", "--no-index"]),
        ("roots", &["roots", "--no-index"]),
        (
            "prune_unused_dry_run",
            &["prune", "--unused", "--dry-run", "--no-index"],
        ),
        ("clean_dry_run", &["clean", "alpha", "--dry-run"]),
        (
            "clean_version_dry_run",
            &["clean", "alpha==1.0.0", "--dry-run", "--no-index"],
        ),
        ("prune_dry_run", &["prune", "--dry-run"]),
        ("prune_ci_dry_run", &["prune", "--ci", "--dry-run"]),
        ("ci", &["ci", "--no-index"]),
        ("verify", &["verify", "--no-index"]),
    ];
    for (name, args) in cases {
        let schema = schema_of(&cache, args);
        insta::assert_snapshot!(format!("json_schema_{name}"), schema);
    }
    // A removal reports the plan applied, what it did and what changed under the lock.
    let schema = schema_of(&cache, &["prune", "--yes"]);
    insta::assert_snapshot!("json_schema_prune_yes", schema);
}

#[test]
fn verify_keeps_its_json_schema_when_it_finds_damage() {
    let f = fixture(FixtureKind::Current);
    let (_t, cache) = copy_fixture(f);
    // One archive file edited, one pointer truncated. The archive is alpha 1.0.0's, which no
    // environment in the cache shares (alpha 2.0.0's is hard-linked into the cached script
    // environment, and archive ids sort at random).
    let link = support::glob(&cache, "wheels-v*/index/*/alpha/1.0.0-py3-none-any");
    let archive = std::fs::canonicalize(&link[0]).unwrap();
    let init = archive.join("alpha/__init__.py");
    let mut text = std::fs::read_to_string(&init).unwrap();
    text.push_str("EDITED = True\n");
    std::fs::write(&init, text).unwrap();
    let pointer = support::glob(&cache, "wheels-v*/index/*/alpha/*.http");
    std::fs::write(&pointer[0], b"short").unwrap();
    let schema = schema_of_exit(&cache, &["verify", "--no-index"], 1);
    insta::assert_snapshot!("json_schema_verify_damaged", schema);
    let schema = schema_of_exit(&cache, &["verify", "--fix", "--dry-run", "--no-index"], 1);
    insta::assert_snapshot!("json_schema_verify_fix_dry_run", schema);
}
