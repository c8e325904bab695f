use std::fs;

use super::*;

fn split(p: &str) -> (String, String) {
    let (b, r) = split_glob(p);
    (b.display().to_string(), r.display().to_string())
}

#[test]
fn splits_literal_prefix() {
    assert_eq!(split(""), ("".into(), "".into()));
    assert_eq!(split("a"), ("".into(), "a".into()));
    assert_eq!(split("a/b/"), ("a".into(), "b".into()));
    assert_eq!(split("./a/b/c"), ("a/b".into(), "c".into()));
    assert_eq!(split("c/d/*/../*"), ("c/d".into(), "*/../*".into()));
    assert_eq!(split("a/?b/c"), ("a".into(), "?b/c".into()));
    assert_eq!(split("/a/b/*"), ("/a/b".into(), "*".into()));
    assert_eq!(split("../x/*"), ("../x".into(), "*".into()));
    assert_eq!(split("a/{b,c}/d"), ("a".into(), "{b,c}/d".into()));
    assert_eq!(split("*/*"), ("".into(), "*/*".into()));
    assert_eq!(split(".."), ("..".into(), "".into()));
}

fn groups(input: &[&str]) -> Vec<(String, Vec<String>)> {
    let globs: Vec<(String, usize)> = input
        .iter()
        .enumerate()
        .map(|(i, s)| (s.to_string(), i))
        .collect();
    let mut out: Vec<(String, Vec<String>)> = cluster_globs(&globs)
        .into_iter()
        .map(|g| {
            let mut p: Vec<String> = g
                .patterns
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect();
            p.sort();
            (g.base.display().to_string(), p)
        })
        .collect();
    out.sort();
    out
}

fn g(base: &str, patterns: &[&str]) -> (String, Vec<String>) {
    (
        base.to_string(),
        patterns.iter().map(|s| s.to_string()).collect(),
    )
}

#[test]
fn clusters_by_longest_common_prefix() {
    assert_eq!(
        groups(&["a/b/*", "a/c/*"]),
        vec![g("a/b", &["*"]), g("a/c", &["*"])]
    );
    assert_eq!(
        groups(&["./*", "a/*", "../foo/*.png"]),
        vec![g("", &["*", "a/*"]), g("../foo", &["*.png"])]
    );
    assert_eq!(
        groups(&["a/{b,c}/*", "a/d?/*"]),
        vec![g("a", &["d?/*", "{b,c}/*"])]
    );
    assert_eq!(
        groups(&["*", "a/b/*", "a/../c/*.jpg", "a/../c/*.png", "/a/*"]),
        vec![
            g("", &["*", "a/b/*"]),
            g("/a", &["*"]),
            g("a/../c", &["*.jpg", "*.png"]),
        ]
    );
    assert_eq!(
        groups(&["src/**/*.py", "src/pkg/*.txt"]),
        vec![g("src", &["**/*.py", "pkg/*.txt"])]
    );
}

fn verdict(patterns: &[&str], path: &str, is_dir: bool) -> Verdict {
    let patterns: Vec<(PathBuf, usize)> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| (PathBuf::from(p), i))
        .collect();
    Matcher::new(&patterns)
        .expect("valid patterns")
        .verdict(Path::new(path), is_dir)
}

#[test]
fn gitignore_rules() {
    use Verdict::*;
    // No slash: any depth.
    assert_eq!(verdict(&["*.py"], "a/b/c.py", false), Include(0));
    assert_eq!(verdict(&["*.py"], ".hidden.py", false), Include(0));
    // A slash anchors; `*` does not cross `/`.
    assert_eq!(verdict(&["pkg/*.py"], "pkg/x.py", false), Include(0));
    assert_eq!(verdict(&["pkg/*.py"], "pkg/sub/x.py", false), Exclude);
    assert_eq!(verdict(&["pkg/*.py"], "pkg", true), Neutral);
    // The lone `*` is anchored.
    assert_eq!(verdict(&["*"], "a", false), Include(0));
    assert_eq!(verdict(&["*"], "d/a", false), Exclude);
    // `**` forms.
    assert_eq!(verdict(&["**/*.py"], "x.py", false), Include(0));
    assert_eq!(verdict(&["a/**/b.txt"], "a/b.txt", false), Include(0));
    assert_eq!(verdict(&["a/**/b.txt"], "a/x/y/b.txt", false), Include(0));
    assert_eq!(verdict(&["a/**"], "a/x/y", false), Include(0));
    assert_eq!(verdict(&["a/**"], "a", true), Neutral);
    assert_eq!(verdict(&["a/**.py"], "a/x.py", false), Include(0));
    assert_eq!(verdict(&["a/**.py"], "a/b/x.py", false), Exclude);
    assert_eq!(verdict(&["**"], "a/b/c", false), Include(0));
    // Exclusions, last rule wins, directory-only rules.
    assert_eq!(verdict(&["*.py", "!skip.py"], "a/skip.py", false), Exclude);
    assert_eq!(
        verdict(&["!skip.py", "*.py"], "a/skip.py", false),
        Include(1)
    );
    assert_eq!(verdict(&["*.py", "!build/"], "build", true), Exclude);
    assert_eq!(verdict(&["*.py", "!build/"], "build", false), Exclude);
    assert_eq!(verdict(&["!build/"], "build", false), Neutral);
    // Alternation, classes, escapes.
    assert_eq!(verdict(&["*.{toml,cfg}"], "x/setup.cfg", false), Include(0));
    assert_eq!(verdict(&["*.{toml,cfg}"], "x/setup.py", false), Exclude);
    assert_eq!(verdict(&["[!a]*.py"], "b.py", false), Include(0));
    assert_eq!(verdict(&["[^a]*.py"], "a.py", false), Exclude);
    assert_eq!(verdict(&["\\*.txt"], "*.txt", false), Include(0));
    assert_eq!(verdict(&["\\*.txt"], "a.txt", false), Exclude);
    // Comments and blank patterns are ignored.
    assert_eq!(verdict(&["#x"], "#x", false), Neutral);
}

#[test]
fn bad_patterns_are_errors() {
    let explosive = "{a,b}".repeat(20);
    for bad in ["a{b", "a{b,{c}}", "[ab", "x/[", "{[a}", explosive.as_str()] {
        assert!(
            Matcher::new(&[(PathBuf::from(bad), 0)]).is_err(),
            "{bad} should not compile"
        );
    }
}

#[test]
fn walks_like_uv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("p");
    for f in [
        "pkg/__init__.py",
        "pkg/sub/core.py",
        "pkg/data.txt",
        "top.py",
        ".venv/lib/site.py",
    ] {
        let path = root.join(f);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, "x").expect("write");
    }
    let rel = |walk: &GlobWalk| {
        let mut v: Vec<String> = walk
            .hits
            .iter()
            .map(|h| {
                h.path
                    .strip_prefix(&root)
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        v.sort();
        v
    };
    let w = walk_globs(&root, &[("pkg/*.py".into(), 0)]).expect("walk");
    assert_eq!(rel(&w), vec!["pkg/__init__.py", "pkg/sub/core.py"]);
    // Grouped with a root pattern, `pkg/*.py` is anchored at the root.
    let w = walk_globs(&root, &[("*.txt".into(), 0), ("pkg/*.py".into(), 1)]).expect("walk");
    assert_eq!(rel(&w), vec!["pkg/__init__.py", "pkg/data.txt"]);
    let w = walk_globs(&root, &[("*.py".into(), 0)]).expect("walk");
    assert_eq!(
        rel(&w),
        vec![
            ".venv/lib/site.py",
            "pkg/__init__.py",
            "pkg/sub/core.py",
            "top.py"
        ]
    );
    let w = walk_globs(&root, &[("*.py".into(), 0), ("!.venv".into(), 1)]).expect("walk");
    assert_eq!(rel(&w).len(), 3);
    let w = walk_globs(&root, &[("missing/*.py".into(), 0)]).expect("walk");
    assert!(w.hits.is_empty());
    assert_eq!(w.warnings.len(), 1);
    #[cfg(unix)]
    {
        // Symlinked directories are not followed; symlinked files are reported.
        std::os::unix::fs::symlink(root.join("pkg"), root.join("link")).expect("symlink");
        std::os::unix::fs::symlink(root.join("top.py"), root.join("alias.py")).expect("symlink");
        let w = walk_globs(&root, &[("*.py".into(), 0)]).expect("walk");
        let all = rel(&w);
        assert!(all.contains(&"alias.py".to_string()));
        assert!(!all.iter().any(|p| p.starts_with("link/")));
        assert!(w.hits.iter().any(|h| h.symlink));
    }
}

#[test]
fn odd_patterns_never_panic() {
    let alphabet: Vec<char> = "*?[]{}!/\\a^,-".chars().collect();
    let mut pattern = Vec::new();
    fn go(alphabet: &[char], pattern: &mut Vec<char>, depth: usize) {
        let text: String = pattern.iter().collect();
        if let Ok(m) = Matcher::new(&[(PathBuf::from(&text), 0)]) {
            let _ = m.verdict(Path::new("a/b.c"), false);
            let _ = m.verdict(Path::new("a"), true);
        }
        let _ = split_glob(&text);
        if depth == 0 {
            return;
        }
        for c in alphabet {
            pattern.push(*c);
            go(alphabet, pattern, depth - 1);
            pattern.pop();
        }
    }
    go(&alphabet, &mut pattern, 4);
}
