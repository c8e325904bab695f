//! The engine stays a library: no terminal, no command line, no UI.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn engine_has_no_ui_or_cli_dependencies() {
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut files = Vec::new();
    rust_files(&engine, &mut files);
    assert!(files.len() > 10, "engine sources found: {files:?}");
    let forbidden = [
        "ratatui",
        "crossterm",
        "clap",
        "indicatif",
        "crate::cli",
        "crate::tui",
        "println!",
        "eprintln!",
    ];
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in forbidden {
                if code.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the engine must not depend on UI or CLI code:\n{}",
        offences.join("\n")
    );
}

/// The module path of a source file below `src/`: `engine/remove/plan.rs` is
/// `["engine", "remove", "plan"]`, `engine/remove/mod.rs` is `["engine", "remove"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The first identifiers of the paths in `text` (after `prefix::`): `a` for
/// `a::b`, `a` and `c` for `{a::b, c}`.
fn heads(text: &str) -> Vec<String> {
    let text = text.trim_start();
    if let Some(inner) = text.strip_prefix('{') {
        let mut depth = 0;
        let mut out = Vec::new();
        let mut start = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    out.extend(heads(&inner[start..i]));
                    return out;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.extend(heads(&inner[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        return out;
    }
    let ident: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        vec![]
    } else {
        vec![ident]
    }
}

/// Which engine modules each engine module uses, modules named by their
/// first `level` components below `engine` (1: `scan`, 2: `scan::walk`);
/// at level 2 only modules with the same parent are compared.
fn engine_graph(
    level: usize,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("engine"), &mut files);
    let key = |path: &[String]| -> Option<String> {
        (path.len() > level).then(|| path[1..=level].join("::"))
    };
    let tops: BTreeSet<String> = files
        .iter()
        .filter_map(|f| key(&module_path(&src, f)))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_path(&src, file);
        let Some(me) = key(&module) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut found = BTreeSet::new();
        for (at, _) in code.match_indices("crate::engine::") {
            let rest = &code[at + "crate::engine::".len()..];
            for h in heads(rest) {
                let mut path = vec!["engine".to_string(), h.clone()];
                if level > 1 {
                    let after = rest[h.len()..].strip_prefix("::").unwrap_or("");
                    path.extend(heads(after).into_iter().take(1));
                }
                found.extend(key(&path));
            }
        }
        let bytes = code.as_bytes();
        let mut i = 0;
        while let Some(pos) = code[i..].find("super::") {
            let start = i + pos;
            i = start + 1;
            // Count a run of `super::super::...` once, from its start.
            if start >= 7 && &code[start - 7..start] == "super::" {
                continue;
            }
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let mut ups = 0;
            let mut rest = &code[start..];
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            // In a file's own `mod tests`, `super` is the file's module.
            let in_tests = code[..start].contains("#[cfg(test)]\nmod ");
            let base_len = module.len() + usize::from(in_tests);
            let Some(len) = base_len.checked_sub(ups) else {
                continue;
            };
            let base = &module[..len.min(module.len())];
            for h in heads(rest) {
                let mut path = base.to_vec();
                path.push(h.clone());
                if level > 1 && path.len() <= level {
                    let after = rest[h.len()..].strip_prefix("::").unwrap_or("");
                    path.extend(heads(after).into_iter().take(1));
                }
                found.extend(key(&path));
            }
        }
        let entry = graph.entry(me.clone()).or_default();
        let parent = |m: &str| m.rsplit_once("::").map(|(p, _)| p.to_string());
        for f in found {
            if f != me && tops.contains(&f) && parent(&f) == parent(&me) {
                entry.insert(f);
            }
        }
    }
    graph
}

#[test]
fn engine_modules_form_no_cycle() {
    let graph = engine_graph(1);
    assert!(graph.len() > 10, "engine modules found: {graph:?}");
    assert_acyclic(&graph);
}

#[test]
fn modules_inside_each_engine_module_form_no_cycle() {
    let graph = engine_graph(2);
    assert!(
        graph.keys().any(|k| k.starts_with("scan::"))
            && graph.keys().any(|k| k.starts_with("remove::")),
        "engine sub-modules found: {graph:?}"
    );
    assert_acyclic(&graph);
}

fn assert_acyclic(graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>) {
    // Strongly connected components (Tarjan) of more than one module.
    struct Tarjan<'a> {
        graph: &'a std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        index: std::collections::BTreeMap<&'a str, (usize, usize)>,
        stack: Vec<&'a str>,
        next: usize,
        cycles: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            self.index.insert(v, (self.next, self.next));
            self.next += 1;
            self.stack.push(v);
            let graph = self.graph;
            for w in graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.index[w].1.min(self.index[v].1);
                    self.index.get_mut(v).unwrap().1 = low;
                } else if self.stack.contains(&w) {
                    let low = self.index[w].0.min(self.index[v].1);
                    self.index.get_mut(v).unwrap().1 = low;
                }
            }
            if self.index[v].0 == self.index[v].1 {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.cycles.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: Default::default(),
        stack: vec![],
        next: 0,
        cycles: vec![],
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    let explain: Vec<String> = t
        .cycles
        .iter()
        .map(|c| {
            let edges: Vec<String> = c
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|b| c.contains(b))
                        .map(move |b| format!("{a} -> {b}"))
                })
                .collect();
            format!("{{{}}}: {}", c.join(", "), edges.join(", "))
        })
        .collect();
    assert!(
        t.cycles.is_empty(),
        "engine modules that use each other in a loop:\n{}",
        explain.join("\n")
    );
}
