//! Every user intent of the terminal UI. Keys reach these only through the
//! keymap (`assets/keymap.default.toml`); their kebab-case names are the
//! `action` values there.

use serde::Deserialize;

/// A user intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Leave the program.
    Quit,
    /// Close the overlay, leave the detail, clear the filter, or quit at the top.
    Back,
    /// Show or hide the key help.
    Help,
    /// Scan the cache again.
    Rescan,
    /// Show or hide the log pane.
    ToggleLog,
    /// Switch to the overview screen.
    ShowOverview,
    /// Switch to the packages table.
    ShowPackages,
    /// Switch to the roots screen (the environments using the cache).
    ShowRoots,
    /// Cycle through the screens.
    NextScreen,
    /// Move the selection (or the scroll position) up one line.
    Up,
    /// Move the selection (or the scroll position) down one line.
    Down,
    /// Move up one page.
    PageUp,
    /// Move down one page.
    PageDown,
    /// Jump to the first line.
    Top,
    /// Jump to the last line.
    Bottom,
    /// Open the selected package's detail.
    Open,
    /// Start typing a filter for the packages table.
    Filter,
    /// Stop typing the filter and keep it.
    FilterAccept,
    /// Stop typing the filter and clear it.
    FilterClear,
    /// Sort packages by name (again: reverse).
    SortName,
    /// Sort packages by number of versions (again: reverse).
    SortVersions,
    /// Sort packages by their sources (again: reverse).
    SortSources,
    /// Sort packages by logical size (again: reverse).
    SortLogical,
    /// Sort packages by size on disk (again: reverse).
    SortDisk,
    /// Sort packages by reclaimable size (again: reverse).
    SortReclaimable,
    /// Sort packages by their newest entry's time (again: reverse).
    SortNewest,
    /// Sort packages by their oldest entry's time, oldest first (again: reverse).
    SortOldest,
    /// Sort packages by how fresh uv judges their index page, freshest first (again: reverse).
    SortFreshness,
    /// Sort packages by their last use, least recently used first (again: reverse).
    SortLastUsed,
    /// Sort packages by how many known environments use them, unused first (again: reverse).
    SortUsedBy,
    /// Refresh the selected package by running uv (after a confirmation).
    Refresh,
    /// Show whether the next `uv sync` rebuilds the working directory project's local packages.
    Why,
    /// Mark or unmark the selected package (table), the selected entry's version (detail), or
    /// the selected entry (a bucket's entries).
    Mark,
    /// Unmark everything.
    UnmarkAll,
    /// Show (or close) the marked pane: every mark, with the total.
    ShowMarked,
    /// Mark every package shown (after the filters), or every entry of the open bucket.
    MarkAllShown,
    /// Invert the marks of the packages shown, or of the open bucket's entries.
    InvertMarks,
    /// Mark every entry of other uv releases' buckets.
    MarkOtherReleases,
    /// Mark every dangling, orphan or broken entry of this release's buckets.
    MarkDangling,
    /// Preview removing the marked packages and versions, or else the selected package.
    Clean,
    /// Preview what `uv cache prune` would remove.
    Prune,
    /// Preview what `uv cache prune --ci` would remove.
    PruneCi,
    /// Copy the selected item's path to the clipboard (the entry in the detail, the
    /// environment on the roots screen, else the cache root).
    CopyPath,
    /// Open the trim dialog: a policy (age, versions, size, free space, unused) with a live
    /// preview.
    Trim,
    /// Move the focus to the other button of a dialog (in the trim dialog: the next field).
    FocusNext,
    /// Move the focus to the previous field of the trim dialog.
    FocusPrev,
    /// Press the focused button of a dialog.
    Activate,
}
