//! Browsing the cache as it lies on disk: the overview's buckets (selectable), a bucket's
//! entries (any kind: orphan archives, interpreters, cached environments, other releases'
//! buckets, not only what belongs to a package), and an entry's files, largest first.

use std::sync::Arc;

use super::super::effects::Effect;
use super::super::msg::Level;
use super::{App, Modal, Screen};
use crate::engine::model::{EntryId, Snapshot};

/// A selection and scroll position in a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListView {
    /// Selected row.
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
}

impl ListView {
    /// Moves the selection by `delta` within `rows`, keeping it among the `page` rows shown.
    pub fn move_by(&mut self, delta: isize, rows: usize, page: usize) {
        let page = page.max(1);
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(rows.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(rows.saturating_sub(page));
    }
}

/// The bucket screen's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketView {
    /// The bucket's index in the snapshot.
    pub bucket: usize,
    /// Its name.
    pub name: String,
    /// The selection among its entries.
    pub list: ListView,
    /// Its entries, in display order (found once per scan, not per frame).
    pub ids: Arc<Vec<EntryId>>,
}

/// One file of an entry, as the files overlay lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// Path relative to the entry.
    pub path: String,
    /// Allocated bytes.
    pub disk_bytes: u64,
    /// Hard links.
    pub links: u64,
    /// Whether it is a symbolic link (not followed).
    pub symlink: bool,
}

/// An entry's files, once listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesView {
    /// The entry's path relative to the cache root.
    pub entry: std::path::PathBuf,
    /// Its files, largest first (`None` while listing), or why they could not be listed.
    pub files: Option<Result<Arc<Vec<FileRow>>, String>>,
    /// Files left out of the list (beyond the largest shown).
    pub more: usize,
    /// First line shown.
    pub scroll: usize,
}

/// The buckets in the overview's order: largest on disk first, then by name.
pub fn bucket_order(snap: &Snapshot) -> Vec<usize> {
    let mut ix: Vec<usize> = (0..snap.buckets.len()).collect();
    ix.sort_by(|a, b| {
        let (a, b) = (&snap.buckets[*a], &snap.buckets[*b]);
        b.sizes
            .disk_bytes
            .cmp(&a.sizes.disk_bytes)
            .then(a.name.cmp(&b.name))
    });
    ix
}

/// The entries of bucket `bucket`, largest on disk first, then by package and version
/// (paths hold digests of index URLs, no order a reader knows), then by path.
pub fn bucket_entries(snap: &Snapshot, bucket: usize) -> Vec<EntryId> {
    let mut ids: Vec<EntryId> = snap
        .entries
        .iter()
        .filter(|e| e.bucket.map(usize::from) == Some(bucket))
        .map(|e| e.id)
        .collect();
    ids.sort_by(|a, b| {
        let (a, b) = (&snap.entries[*a as usize], &snap.entries[*b as usize]);
        b.sizes
            .disk_bytes
            .cmp(&a.sizes.disk_bytes)
            .then_with(|| a.package.cmp(&b.package))
            .then_with(|| a.version.cmp(&b.version))
            .then_with(|| a.path.cmp(&b.path))
    });
    ids
}

/// At most this many files are listed (the largest).
pub const MAX_FILES: usize = 1000;

/// Lists the files under `root`/`rel` (symbolic links as links, never followed), largest
/// first; returns them and how many were left out.
pub fn list_files(
    root: &std::path::Path,
    rel: &std::path::Path,
) -> Result<(Vec<FileRow>, usize), String> {
    use std::os::unix::fs::MetadataExt;
    let top = root.join(rel);
    let meta = std::fs::symlink_metadata(&top).map_err(|e| format!("{}: {e}", top.display()))?;
    let mut rows = Vec::new();
    let mut push = |path: String, m: &std::fs::Metadata| {
        rows.push(FileRow {
            path,
            disk_bytes: m.blocks() * 512,
            links: m.nlink(),
            symlink: m.file_type().is_symlink(),
        })
    };
    if !meta.is_dir() {
        push(String::new(), &meta);
    } else {
        for item in walkdir::WalkDir::new(&top).follow_links(false).min_depth(1) {
            let Ok(item) = item else { continue };
            if item.file_type().is_dir() {
                continue;
            }
            let Ok(m) = item.metadata() else { continue };
            let path = item
                .path()
                .strip_prefix(&top)
                .map(|p| crate::text::escape_path(p).into_owned())
                .unwrap_or_default();
            push(path, &m);
        }
    }
    rows.sort_by(|a, b| b.disk_bytes.cmp(&a.disk_bytes).then(a.path.cmp(&b.path)));
    let more = rows.len().saturating_sub(MAX_FILES);
    rows.truncate(MAX_FILES);
    Ok((rows, more))
}

impl App {
    /// After a scan: the open bucket is found again by name (indexes change), or closed when
    /// it is gone; the overview's selection stays within the buckets.
    pub(super) fn follow_buckets(&mut self, snap: &Snapshot) {
        let n = snap.buckets.len();
        let o = &mut self.state.overview;
        o.selected = o.selected.min(n.saturating_sub(1));
        o.offset = o.offset.min(o.selected);
        if let Some(view) = &mut self.state.bucket {
            match snap.buckets.iter().position(|b| b.name == view.name) {
                Some(i) => {
                    view.bucket = i;
                    view.ids = Arc::new(bucket_entries(snap, i));
                    let entries = view.ids.len();
                    view.list.selected = view.list.selected.min(entries.saturating_sub(1));
                    view.list.offset = view.list.offset.min(view.list.selected);
                }
                None => {
                    self.state.bucket = None;
                    if self.state.screen == Screen::Bucket {
                        self.state.screen = Screen::Overview;
                    }
                }
            }
        }
    }

    /// Opens the bucket selected on the overview.
    pub(super) fn open_bucket(&mut self) -> Vec<Effect> {
        let Some(snap) = self.state.snapshot.clone() else {
            self.say(Level::Warn, "the scan has not finished yet".into());
            return vec![];
        };
        let order = bucket_order(&snap);
        let Some(&bucket) = order.get(self.state.overview.selected) else {
            return vec![];
        };
        let name = snap.buckets[bucket].name.clone();
        self.state.bucket = Some(BucketView {
            bucket,
            name,
            list: ListView::default(),
            ids: Arc::new(bucket_entries(&snap, bucket)),
        });
        self.state.screen = Screen::Bucket;
        vec![]
    }

    /// Lists the files of the entry selected on the bucket screen.
    pub(super) fn open_files(&mut self) -> Vec<Effect> {
        let (Some(snap), Some(b)) = (&self.state.snapshot, &self.state.bucket) else {
            return vec![];
        };
        let Some(e) = b
            .ids
            .get(b.list.selected)
            .and_then(|id| snap.entries.get(*id as usize))
        else {
            self.say(Level::Warn, "no entry selected".into());
            return vec![];
        };
        let entry = e.path.clone();
        let root = snap.root.path.clone();
        self.state.modal = Some(Modal::Files(FilesView {
            entry: entry.clone(),
            files: None,
            more: 0,
            scroll: 0,
        }));
        vec![Effect::ListFiles { root, entry }]
    }

    /// What an action does in the files overlay.
    pub(super) fn act_files(&mut self, action: super::super::action::Action) -> Vec<Effect> {
        use super::super::action::Action;
        let page = super::super::ui::files::page_rows(&self.state);
        let Some(Modal::Files(v)) = &mut self.state.modal else {
            return vec![];
        };
        let rows = match &v.files {
            Some(Ok(f)) => f.len(),
            _ => 0,
        };
        let max = rows.saturating_sub(page);
        v.scroll = match action {
            Action::Quit => return self.quit(),
            Action::Back | Action::Open => {
                self.state.modal = None;
                return vec![];
            }
            Action::Up => v.scroll.saturating_sub(1),
            Action::Down => v.scroll + 1,
            Action::PageUp => v.scroll.saturating_sub(page),
            Action::PageDown => v.scroll + page,
            Action::Top => 0,
            Action::Bottom => max,
            _ => v.scroll,
        }
        .min(max);
        vec![]
    }

    /// The files of an entry were listed.
    pub(super) fn files_listed(
        &mut self,
        entry: std::path::PathBuf,
        result: Result<(Arc<Vec<FileRow>>, usize), String>,
    ) {
        if let Some(Modal::Files(v)) = &mut self.state.modal
            && v.entry == entry
        {
            match result {
                Ok((files, more)) => {
                    v.files = Some(Ok(files));
                    v.more = more;
                }
                Err(e) => v.files = Some(Err(e)),
            }
            self.dirty = true;
        }
    }
}
