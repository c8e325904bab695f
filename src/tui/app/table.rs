//! The packages table's state: every package, the visible rows (filtered
//! and sorted), the selection and the scroll position.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::freshness::FreshnessState;
use crate::engine::query::Package;

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    /// Package name, A to Z.
    Name,
    /// Number of versions, most first.
    Versions,
    /// Source labels, alphabetically.
    Sources,
    /// Logical bytes, largest first.
    Logical,
    /// On-disk bytes, largest first.
    Disk,
    /// Reclaimable bytes, largest first.
    Reclaimable,
    /// Newest entry's time, most recent first.
    Newest,
    /// Oldest entry's time, oldest first.
    Oldest,
    /// The index page's freshness: fresh longest first, then immutable, then
    /// stale (most recently stale first), then revalidated or not stored, then none.
    Freshness,
    /// Last use, least recently used first (what a size budget evicts first).
    LastUsed,
    /// Known environments using the package, unused first (then largest first).
    UsedBy,
}

/// Who uses a package's entries, and their last use (known once the roots are mapped).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PackageUse {
    /// Known environments using any of its entries.
    pub users: usize,
    /// The newest last use of its entries, with its signal.
    pub last: Option<crate::engine::roots::LastUse>,
}

/// State of the packages table.
#[derive(Debug, Clone)]
pub struct PackageTable {
    /// Every package of the snapshot.
    pub packages: Vec<Package>,
    /// Indexes into `packages` of the visible rows, in display order.
    pub rows: Vec<usize>,
    /// The sort column.
    pub sort: SortColumn,
    /// Whether the column's natural order is reversed.
    pub reversed: bool,
    /// The filter text (a case-insensitive substring of the name).
    pub filter: String,
    /// Whether the filter is being typed.
    pub editing: bool,
    /// Selected row (index into `rows`).
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
    /// How uv judges each package's newest index page (filled in after a scan).
    pub pages: Arc<HashMap<String, FreshnessState>>,
    /// Who uses each package and its last use, once known.
    pub uses: Option<Arc<HashMap<String, PackageUse>>>,
    /// Only the packages a root (environment) uses: its path, and their names.
    pub root_filter: Option<(std::path::PathBuf, Arc<std::collections::HashSet<String>>)>,
}

impl Default for PackageTable {
    fn default() -> Self {
        PackageTable {
            packages: Vec::new(),
            rows: Vec::new(),
            sort: SortColumn::Disk,
            reversed: false,
            filter: String::new(),
            editing: false,
            selected: 0,
            offset: 0,
            pages: Arc::default(),
            uses: None,
            root_filter: None,
        }
    }
}

impl PackageTable {
    /// Replaces the packages (after a scan), keeping the selected name when it is still there.
    pub fn set_packages(&mut self, packages: Vec<Package>) {
        let keep = self.selected_package().map(|p| p.name.clone());
        self.packages = packages;
        self.refresh(keep.as_deref());
    }

    /// Sets the index pages' freshness (re-sorting when sorted by it).
    pub fn set_pages(&mut self, pages: Arc<HashMap<String, FreshnessState>>) {
        self.pages = pages;
        let keep = self.selected_package().map(|p| p.name.clone());
        self.refresh(keep.as_deref());
    }

    /// Sets who uses each package (re-sorting when sorted by it); `None` until known.
    pub fn set_uses(&mut self, uses: Option<Arc<HashMap<String, PackageUse>>>) {
        self.uses = uses;
        let keep = self.selected_package().map(|p| p.name.clone());
        self.refresh(keep.as_deref());
    }

    /// Who uses `package`, once known.
    pub fn usage_of(&self, package: &str) -> Option<PackageUse> {
        self.uses
            .as_ref()
            .map(|u| u.get(package).copied().unwrap_or_default())
    }

    /// Shows only `names` (the packages the root at `path` uses), or every package again.
    pub fn set_root_filter(
        &mut self,
        filter: Option<(std::path::PathBuf, Arc<std::collections::HashSet<String>>)>,
    ) {
        self.root_filter = filter;
        self.offset = 0;
        self.refresh(None);
    }

    /// How uv judges `package`'s newest index page, if it has one.
    pub fn page(&self, package: &str) -> Option<&FreshnessState> {
        self.pages.get(package)
    }

    /// The selected package, if any row is visible.
    pub fn selected_package(&self) -> Option<&Package> {
        self.rows
            .get(self.selected)
            .and_then(|i| self.packages.get(*i))
    }

    /// Sorts by `column`; the same column again reverses the order.
    pub fn sort_by(&mut self, column: SortColumn) {
        if self.sort == column {
            self.reversed = !self.reversed;
        } else {
            self.sort = column;
            self.reversed = false;
        }
        let keep = self.selected_package().map(|p| p.name.clone());
        self.refresh(keep.as_deref());
    }

    /// Sets the filter text, selecting the first match.
    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.refresh(None);
    }

    /// Moves the selection by `delta` rows, keeping it on screen (`page` rows visible).
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(page);
    }

    /// Keeps the selection within the `page` rows shown.
    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        let max_offset = self.rows.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset);
    }

    /// Recomputes the visible rows; selects `keep` if visible, else the first row.
    fn refresh(&mut self, keep: Option<&str>) {
        let needle = self.filter.to_lowercase();
        let only = self.root_filter.as_ref().map(|(_, names)| names);
        let mut rows: Vec<usize> = (0..self.packages.len())
            .filter(|i| {
                let name = &self.packages[*i].name;
                name.to_lowercase().contains(&needle) && only.is_none_or(|o| o.contains(name))
            })
            .collect();
        let pkgs = &self.packages;
        let pages = &self.pages;
        let none = HashMap::new();
        let uses = self.uses.as_deref().unwrap_or(&none);
        let use_of = |name: &str| uses.get(name).copied().unwrap_or_default();
        let (sort, reversed) = (self.sort, self.reversed);
        rows.sort_by(|a, b| {
            let (a, b) = (&pkgs[*a], &pkgs[*b]);
            let natural = match sort {
                SortColumn::Freshness => {
                    freshness_rank(pages.get(&b.name)).cmp(&freshness_rank(pages.get(&a.name)))
                }
                // Never used (no signal at all) first, then least recently used.
                SortColumn::LastUsed => use_of(&a.name)
                    .last
                    .map(|l| l.at)
                    .cmp(&use_of(&b.name).last.map(|l| l.at)),
                SortColumn::UsedBy => use_of(&a.name)
                    .users
                    .cmp(&use_of(&b.name).users)
                    .then_with(|| b.sizes.disk_bytes.cmp(&a.sizes.disk_bytes)),
                _ => compare(sort, a, b),
            }
            .then_with(|| a.name.cmp(&b.name));
            if reversed { natural.reverse() } else { natural }
        });
        self.rows = rows;
        self.selected = keep
            .and_then(|name| {
                self.rows
                    .iter()
                    .position(|i| self.packages[*i].name == name)
            })
            .unwrap_or(0);
        self.offset = self.offset.min(self.selected);
    }
}

/// Who uses each of `packages` and its last use.
pub fn package_uses(
    packages: &[Package],
    usage: &crate::engine::roots::Usage,
    last: &crate::engine::roots::LastUses,
) -> HashMap<String, PackageUse> {
    packages
        .iter()
        .map(|p| {
            let mut roots: Vec<usize> = p
                .ids
                .iter()
                .filter_map(|id| usage.used_by.get(id))
                .flatten()
                .copied()
                .collect();
            roots.sort_unstable();
            roots.dedup();
            let u = PackageUse {
                users: roots.len(),
                last: last.newest(p.ids.iter().copied()),
            };
            (p.name.clone(), u)
        })
        .collect()
}

/// The column's natural order: names A to Z, everything else largest or newest first.
fn compare(column: SortColumn, a: &Package, b: &Package) -> Ordering {
    match column {
        SortColumn::Name => a.name.cmp(&b.name),
        SortColumn::Versions => b.versions.len().cmp(&a.versions.len()),
        SortColumn::Sources => a.sources.cmp(&b.sources),
        SortColumn::Logical => b.sizes.logical_bytes.cmp(&a.sizes.logical_bytes),
        SortColumn::Disk => b.sizes.disk_bytes.cmp(&a.sizes.disk_bytes),
        SortColumn::Reclaimable => b.clean_reclaimable_bytes.cmp(&a.clean_reclaimable_bytes),
        SortColumn::Newest => b.newest.cmp(&a.newest),
        // Entries without a time go last.
        SortColumn::Oldest => match (a.oldest, b.oldest) {
            (Some(x), Some(y)) => x.cmp(&y),
            (x, y) => y.is_some().cmp(&x.is_some()),
        },
        SortColumn::Freshness | SortColumn::LastUsed | SortColumn::UsedBy => Ordering::Equal,
    }
}

/// Larger is fresher: (group, time within the group).
fn freshness_rank(state: Option<&FreshnessState>) -> (u8, u64) {
    match state {
        Some(FreshnessState::Fresh { until }) => (4, *until),
        Some(FreshnessState::Immutable { until }) => (3, *until),
        Some(FreshnessState::Stale { since }) => (2, *since),
        Some(FreshnessState::MustRevalidate { .. } | FreshnessState::NotStorable { .. }) => (1, 0),
        None => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Sizes;

    fn pkg(name: &str, disk: u64) -> Package {
        Package {
            name: name.into(),
            versions: vec!["1".into()],
            sources: vec!["pypi".into()],
            sizes: Sizes {
                disk_bytes: disk,
                ..Sizes::default()
            },
            entries: 1,
            newest: None,
            oldest: None,
            ids: vec![],
            clean_reclaimable_bytes: 0,
            other_release_disk_bytes: 0,
        }
    }

    #[test]
    fn sorts_filters_and_keeps_the_selection() {
        let mut t = PackageTable::default();
        t.set_packages(vec![pkg("alpha", 1), pkg("beta", 3), pkg("gamma", 2)]);
        let names = |t: &PackageTable| -> Vec<String> {
            t.rows.iter().map(|i| t.packages[*i].name.clone()).collect()
        };
        assert_eq!(names(&t), ["beta", "gamma", "alpha"]);
        t.move_by(1, 10);
        assert_eq!(t.selected_package().map(|p| p.name.as_str()), Some("gamma"));
        t.sort_by(SortColumn::Name);
        assert_eq!(names(&t), ["alpha", "beta", "gamma"]);
        assert_eq!(t.selected, 2, "the selection follows the package");
        t.sort_by(SortColumn::Name);
        assert_eq!(names(&t), ["gamma", "beta", "alpha"]);
        t.set_filter("A".into());
        assert_eq!(names(&t), ["gamma", "beta", "alpha"]);
        t.set_filter("ph".into());
        assert_eq!(names(&t), ["alpha"]);
        t.move_by(5, 10);
        assert_eq!(t.selected, 0);
    }

    #[test]
    fn scrolling_keeps_the_selection_visible() {
        let mut t = PackageTable::default();
        t.set_packages((0..20).map(|i| pkg(&format!("p{i:02}"), 0)).collect());
        t.move_by(7, 5);
        assert_eq!((t.selected, t.offset), (7, 3));
        t.move_by(-5, 5);
        assert_eq!((t.selected, t.offset), (2, 2));
        t.move_by(100, 5);
        assert_eq!((t.selected, t.offset), (19, 15));
    }
}
