//! The README's key reference is the built-in keymap: generated from it, and checked here so
//! that it stays true (`UVCACHE_UPDATE_README=1 cargo test --test readme_keys` rewrites it).
#![cfg(feature = "tui")]

use std::path::Path;

use uvcache::tui::keymap::{Context, Keymap};

const START: &str = "<!-- keys:start (generated from assets/keymap.default.toml) -->";
const END: &str = "<!-- keys:end -->";

/// One line per context: its title, then each description with its keys.
fn reference() -> String {
    let map = Keymap::default();
    let mut out = String::new();
    for c in Context::ALL {
        let mut rows: Vec<(Vec<String>, String)> = Vec::new();
        for b in map.bindings(c) {
            let key = format!("`{}`", b.label);
            match rows.iter_mut().find(|r| r.1 == b.description) {
                Some(r) => r.0.push(key),
                None => rows.push((vec![key], b.description.clone())),
            }
        }
        if rows.is_empty() {
            continue;
        }
        let items: Vec<String> = rows
            .iter()
            .map(|(keys, d)| format!("{} {d}", keys.join("/")))
            .collect();
        out.push_str(&format!("* **{}**: {}.\n", c.title(), items.join("; ")));
    }
    out
}

#[test]
fn the_readme_lists_every_key_of_the_built_in_keymap() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).expect("README.md");
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        panic!("README.md has no `{START}` … `{END}` section");
    };
    let current = &text[a + START.len()..b];
    let wanted = format!("\n{}", reference());
    if current == wanted {
        return;
    }
    if std::env::var_os("UVCACHE_UPDATE_README").is_some_and(|v| v == "1") {
        let updated = format!("{}{START}{wanted}{}", &text[..a], &text[b..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    panic!(
        "the README's key reference differs from the keymap; run \
         `UVCACHE_UPDATE_README=1 cargo test --test readme_keys`\nwanted:\n{wanted}"
    );
}
