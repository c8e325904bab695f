//! The roots screen's state: the known environments (projects, virtual environments, tools,
//! the cache's own environments) in display order, the selection, and the jump to the
//! packages one of them uses.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use super::super::effects::Effect;
use super::super::msg::Level;
use super::{App, Screen, State};
use crate::engine::roots::Usage;

/// Selection and scroll position of the roots table (rows in display order).
pub type RootsView = super::browse::ListView;

/// The roots in display order: those that still exist, the ones using the most of the cache
/// first, then those gone; indexes into `usage.roots`.
pub fn order(usage: &Usage) -> Vec<usize> {
    let mut ix: Vec<usize> = (0..usage.roots.len()).collect();
    ix.sort_by(|a, b| {
        let (a, b) = (&usage.roots[*a], &usage.roots[*b]);
        b.exists
            .cmp(&a.exists)
            .then(b.uses_disk_bytes.cmp(&a.uses_disk_bytes))
            .then_with(|| a.root.path.cmp(&b.root.path))
    });
    ix
}

/// The names of the packages whose entries the root at `path` uses.
pub fn packages_of(state: &State, usage: &Usage, path: &Path) -> HashSet<String> {
    let Some(index) = usage.roots.iter().position(|r| r.root.path == path) else {
        return HashSet::new();
    };
    let Some(snap) = &state.snapshot else {
        return HashSet::new();
    };
    usage.roots[index]
        .entries
        .iter()
        .filter_map(|id| snap.entries.get(*id as usize))
        .filter_map(|e| e.package.clone())
        .collect()
}

impl App {
    /// Moves the roots selection by `delta`, keeping it within the `page` rows shown.
    pub(super) fn move_in_roots(&mut self, delta: isize) {
        let rows = self.state.usage.as_ref().map_or(0, |(u, _)| u.roots.len());
        let page = super::super::ui::roots::page_rows(&self.state);
        self.state.roots.move_by(delta, rows, page);
    }

    /// Shows the packages the selected root uses.
    pub(super) fn open_root(&mut self) -> Vec<Effect> {
        let Some((usage, _)) = self.state.usage.clone() else {
            self.say(
                Level::Warn,
                "the environments are still being mapped to the cache".into(),
            );
            return vec![];
        };
        let Some(index) = order(&usage).get(self.state.roots.selected).copied() else {
            return vec![];
        };
        let root = &usage.roots[index];
        let path = root.root.path.clone();
        let names = packages_of(&self.state, &usage, &path);
        if names.is_empty() {
            let why = if root.exists {
                "uses nothing in this cache"
            } else {
                "is gone"
            };
            self.say(
                Level::Info,
                format!(
                    "{} {why}",
                    crate::text::escape_path(&root.root.path).into_owned()
                ),
            );
            return vec![];
        }
        self.state
            .table
            .set_root_filter(Some((path, Arc::new(names))));
        self.state.screen = Screen::Packages;
        vec![]
    }
}
