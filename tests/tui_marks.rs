//! Marking: space marks packages in the table, versions in a package's
//! detail and entries in a bucket screen, the footer keeps a running "will
//! free" total, and `d` removes what is marked. The disk afterwards equals what the command line leaves
//! on another copy of the same cache written by the real uv.
#![cfg(feature = "tui")]

mod support;
mod tui_common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use support::{FixtureKind, copy_fixture, fixture};
use tui_common::Harness;
use tui_common::disk::{cli, tree};
use uvcache::engine::layout::TopLevel;
use uvcache::engine::model::{EntryKind, EntryState};
use uvcache::engine::remove::plan::{Plan, Reason};
use uvcache::engine::remove::select::{plan_entries, removable_alone};
use uvcache::tui::app::{Marked, Modal, PlanStage, Screen};
use uvcache::tui::effects::{Effect, PlanKind};
use uvcache::tui::ui::format::bytes;

/// The packages marked whole and the versions marked, as plain sets.
fn marked(h: &Harness) -> (BTreeSet<String>, BTreeSet<(String, String)>) {
    let m = &h.app.state().marks;
    (m.packages.clone(), m.versions.clone())
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn versions(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(p, v)| (p.to_string(), v.to_string()))
        .collect()
}

/// Reclaimable bytes of the entries `member` picks, straight from the engine.
fn reclaimable(h: &Harness, member: impl Fn(&str, Option<&str>) -> bool) -> u64 {
    let snap = h.app.state().snapshot.as_ref().expect("snapshot");
    snap.sizes_of(|id| {
        let e = &snap.entries[id as usize];
        e.package
            .as_deref()
            .is_some_and(|p| member(p, e.version.as_deref()))
    })
    .reclaimable_bytes
}

/// What the command line's plans free, added up: `cleans` are the argument lists of
/// `uvcache clean ... --dry-run` run on `cache`.
fn planned(cache: &std::path::Path, cleans: &[&[&str]]) -> u64 {
    cleans
        .iter()
        .map(|args| {
            let out = support::uvcache_on(cache, support::UV_CURRENT)
                .arg("clean")
                .args(*args)
                .args(["--dry-run", "--json", "--no-index"])
                .output()
                .expect("runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            v["totals"]["reclaimable_bytes"].as_u64().expect("a total")
        })
        .sum()
}

/// Presses `d`, checks the plan asked for, confirms, and checks that the
/// removal ran, was followed by a rescan and unmarked everything.
fn clean_marked(h: &mut Harness, kind: PlanKind, plans: usize) {
    let effects = h.keys("d");
    let asked = effects.iter().find_map(|e| match e {
        Effect::Plan { kind, .. } => Some(kind.clone()),
        _ => None,
    });
    assert_eq!(asked, Some(kind), "{effects:?}");
    let Some(Modal::Plan(d)) = &h.app.state().modal else {
        panic!("the preview opens");
    };
    let PlanStage::Ready(set) = &d.stage else {
        panic!("the plans are shown: {:?}", d.stage);
    };
    assert_eq!(set.plans().len(), plans);
    if plans > 1 {
        assert!(d.title.contains(&format!("{plans} plans")), "{}", d.title);
        assert!(h.screen().contains(&format!("Total of {plans} plans")));
    }
    let effects = h.keys("<tab><enter>");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Execute { .. })),
        "{effects:?}"
    );
    // A rescan, then (the detail being open) its entries' freshness again, and who uses what.
    assert!(
        matches!(
            effects
                .iter()
                .rev()
                .find(|e| !matches!(e, Effect::EntryFreshness { .. } | Effect::Usage { .. })),
            Some(Effect::Scan(_))
        ),
        "{effects:?}"
    );
    assert!(h.app.state().modal.is_none(), "the dialog closes");
    assert!(h.app.state().marks.is_empty(), "removed marks are cleared");
    let status = h.app.state().status.as_ref().expect("a summary");
    assert!(status.text.starts_with("Removed "), "{status:?}");
}

#[test]
fn two_marked_packages_clean_like_the_cli() {
    let f = fixture(FixtureKind::Current);
    let (_ta, tui_cache) = copy_fixture(f);
    let (_tb, cli_cache) = copy_fixture(f);
    let mut h = Harness::scanned(&tui_cache, (100, 30), false);
    // By name, from the top: alpha, then beta (space moves on to the next row).
    h.keys("ng<space><space>");
    assert_eq!(marked(&h), (names(&["alpha", "beta"]), versions(&[])));
    let table = &h.app.state().table;
    assert_eq!(
        table.selected_package().map(|p| p.name.as_str()),
        Some("delta")
    );
    // The footer's total is the plan's (directories included), not the entries' sum.
    let free = planned(&tui_cache, &[&["alpha", "beta"]]);
    assert_eq!(h.app.state().marks.sizes.reclaimable_bytes, free);
    assert!(h.app.state().marks.pending.is_none());
    let screen = h.screen();
    let footer = screen.lines().last().unwrap_or_default();
    assert!(
        footer.starts_with(&format!("● 2 marked · will free {}", bytes(free))),
        "{footer}"
    );
    assert!(
        screen.contains("● alpha") && screen.contains("● beta"),
        "{screen}"
    );
    clean_marked(
        &mut h,
        PlanKind::Clean(vec!["alpha".into(), "beta".into()]),
        1,
    );
    cli(&cli_cache, &["clean", "alpha", "beta", "--yes"]);
    assert_eq!(tree(&tui_cache), tree(&cli_cache));
}

#[test]
fn two_marked_versions_clean_like_the_cli_once_per_version() {
    let f = fixture(FixtureKind::Current);
    let (_ta, tui_cache) = copy_fixture(f);
    let (_tb, cli_cache) = copy_fixture(f);
    let mut h = Harness::scanned(&tui_cache, (100, 40), false);
    // The detail of alpha starts on version 2.0.0; space marks it and moves
    // on to 1.0.0, the second space marks that one.
    h.keys("/alpha<enter><enter><space><space>");
    assert_eq!(h.app.state().screen, Screen::Detail);
    let two = versions(&[("alpha", "1.0.0"), ("alpha", "2.0.0")]);
    assert_eq!(marked(&h), (names(&[]), two));
    let free = planned(&tui_cache, &[&["alpha==1.0.0"], &["alpha==2.0.0"]]);
    assert_eq!(h.app.state().marks.sizes.reclaimable_bytes, free);
    assert_eq!(h.app.state().marks.of_package("alpha"), Marked::Versions);
    let screen = h.screen();
    assert_eq!(screen.matches("● marked").count(), 2, "{screen}");
    let kind = PlanKind::Marked {
        packages: vec![],
        versions: vec![
            ("alpha".into(), "1.0.0".into()),
            ("alpha".into(), "2.0.0".into()),
        ],
        entries: vec![],
    };
    clean_marked(&mut h, kind, 2);
    cli(&cli_cache, &["clean", "alpha==1.0.0", "--yes"]);
    cli(&cli_cache, &["clean", "alpha==2.0.0", "--yes"]);
    assert_eq!(tree(&tui_cache), tree(&cli_cache));
    let snap = h.app.state().snapshot.as_ref().expect("rescanned");
    assert!(
        snap.entries
            .iter()
            .filter(|e| e.package.as_deref() == Some("alpha"))
            .all(|e| e.version.is_none()),
        "only alpha's unversioned entries are left"
    );
}

#[test]
fn a_package_and_a_version_clean_like_the_cli_in_turn() {
    let f = fixture(FixtureKind::Current);
    let (_ta, tui_cache) = copy_fixture(f);
    let (_tb, cli_cache) = copy_fixture(f);
    let mut h = Harness::scanned(&tui_cache, (100, 30), false);
    // beta whole in the table; alpha 1.0.0 (the last version, above the
    // unversioned index page) in its detail.
    h.keys("/beta<enter><space><esc>/alpha<enter><enter>Gk<space>");
    assert_eq!(h.app.state().marks.of_package("beta"), Marked::Whole);
    assert_eq!(
        marked(&h),
        (names(&["beta"]), versions(&[("alpha", "1.0.0")]))
    );
    let free = planned(&tui_cache, &[&["beta"], &["alpha==1.0.0"]]);
    assert_eq!(h.app.state().marks.sizes.reclaimable_bytes, free);
    let kind = PlanKind::Marked {
        packages: vec!["beta".into()],
        versions: vec![("alpha".into(), "1.0.0".into())],
        entries: vec![],
    };
    clean_marked(&mut h, kind, 2);
    cli(&cli_cache, &["clean", "beta", "--yes"]);
    cli(&cli_cache, &["clean", "alpha==1.0.0", "--yes"]);
    assert_eq!(tree(&tui_cache), tree(&cli_cache));
}

#[test]
fn marks_toggle_refuse_clear_and_follow_rescans() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let before = tree(&cache);
    let mut h = Harness::scanned(&cache, (80, 24), false);
    // Marking and unmarking the same package leaves nothing marked.
    h.keys("ng<space>k<space>");
    assert!(h.app.state().marks.is_empty());
    assert_eq!(h.app.state().marks.sizes.reclaimable_bytes, 0);
    // A package marked whole: its versions cannot be unmarked one by one.
    h.keys("k<space>k<enter><space>");
    assert_eq!(marked(&h), (names(&["alpha"]), versions(&[])));
    let status = h.app.state().status.as_ref().expect("a refusal");
    assert!(status.text.contains("all of alpha is marked"), "{status:?}");
    // The unversioned entries (index pages) cannot be marked by version.
    h.keys("G<space>");
    let status = h.app.state().status.as_ref().expect("a refusal");
    assert!(status.text.contains("no version"), "{status:?}");
    // Cancelling the preview keeps the marks; `u` clears them.
    h.keys("d<esc>");
    assert!(!h.app.state().marks.is_empty(), "cancel keeps the marks");
    h.keys("u");
    assert!(h.app.state().marks.is_empty());
    assert!(!h.screen().contains("will free"));
    assert_eq!(tree(&cache), before, "nothing was removed");
    // Marks of what a rescan no longer finds are dropped, the others stay.
    h.keys("<esc>/beta<enter><space><esc>/alpha<enter><enter><space>");
    assert_eq!(
        marked(&h),
        (names(&["beta"]), versions(&[("alpha", "2.0.0")]))
    );
    cli(&cache, &["clean", "beta", "--yes"]);
    h.keys("r");
    assert_eq!(marked(&h), (names(&[]), versions(&[("alpha", "2.0.0")])));
    let free = planned(&cache, &[&["alpha==2.0.0"]]);
    assert_eq!(h.app.state().marks.sizes.reclaimable_bytes, free);
}

/// The "will free" total is what the plan `d` shows frees: a package's entries in another uv
/// release's buckets, which `d` (like `uv cache clean`) leaves to `prune`, are not counted.
#[test]
fn the_marked_total_is_what_the_plan_frees() {
    let f = fixture(FixtureKind::Mixed);
    let (_t, cache) = copy_fixture(f);
    let mut h = Harness::scanned(&cache, (100, 30), false);
    h.keys("ng<space>");
    let (packages, _) = marked(&h);
    let package = packages.iter().next().expect("a package is marked").clone();
    let will_free = h.app.state().marks.sizes.reclaimable_bytes;
    let everywhere = reclaimable(&h, |p, _| p == package);
    assert!(
        everywhere > will_free,
        "{package} has entries in another release's buckets: {everywhere} vs {will_free}"
    );
    h.keys("d");
    let Some(Modal::Plan(d)) = &h.app.state().modal else {
        panic!("the preview opens");
    };
    let PlanStage::Ready(set) = &d.stage else {
        panic!("the plans are shown: {:?}", d.stage);
    };
    let planned: u64 = set.plans().iter().map(|p| p.totals.reclaimable_bytes).sum();
    assert_eq!(will_free, planned, "{package}");
}

/// Esc at the top of the packages table does not drop marks without asking: the first one
/// says what a second one does; a second one quits.
#[test]
fn esc_with_marks_asks_before_quitting() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let mut h = Harness::scanned(&cache, (100, 30), false);
    h.keys("ng<space>");
    assert!(!h.app.state().marks.is_empty());
    h.keys("<esc>");
    assert!(!h.app.state().quit, "the first Esc does not quit");
    let status = h.app.state().status.as_ref().expect("a warning");
    assert!(status.text.contains("Esc again quits"), "{status:?}");
    // Anything else in between disarms it.
    h.keys("j<esc>");
    assert!(!h.app.state().quit);
    h.keys("<esc>");
    assert!(h.app.state().quit, "the second Esc in a row quits");
    // Without marks, Esc quits at once.
    let mut h = Harness::scanned(&cache, (100, 30), false);
    h.keys("<esc>");
    assert!(h.app.state().quit);
}

/// The RECLAIM column is what `d` (like `uvcache clean NAME`) frees: on a cache used by two uv
/// releases (and on one only the older release used), the entries in the older release's
/// buckets, which clean leaves to prune, are not in it, for every package.
#[test]
fn the_reclaim_column_is_what_clean_frees() {
    for kind in [FixtureKind::Mixed, FixtureKind::Old, FixtureKind::Current] {
        reclaim_column_is_what_clean_frees(kind);
    }
}

fn reclaim_column_is_what_clean_frees(kind: FixtureKind) {
    let f = fixture(kind);
    let h = Harness::scanned(&f.cache, (120, 40), false);
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let target = uvcache::engine::remove::plan::Target::of(&snap);
    let mut other_release = 0;
    for p in &h.app.state().table.packages {
        let plan =
            uvcache::engine::remove::plan::plan_clean(&target, std::slice::from_ref(&p.name));
        // uv's clean of any package also empties the flat-index bucket, whose pages belong to
        // no package: that part is the same for every package and not in the column.
        let flat: u64 = plan
            .items
            .iter()
            .filter(|i| i.path.starts_with("flat-index-v7") && i.dirs > 0)
            .map(|i| i.disk_bytes)
            .sum();
        let planned = plan.totals.reclaimable_bytes - flat;
        // The column does not count the directories holding the entries (a package's
        // directory in a wheels bucket, say), which the plan removes with them.
        let column = p.clean_reclaimable_bytes;
        assert!(
            column <= planned && planned - column <= 4096 * plan.totals.dirs,
            "{}: the column says {column}, clean frees {planned}",
            p.name
        );
        if column == 0 {
            assert_eq!(planned, 0, "{}", p.name);
        }
        other_release += u64::from(p.other_release_disk_bytes > 0);
    }
    assert_eq!(
        other_release > 0,
        kind != FixtureKind::Current,
        "{kind:?}: entries in old buckets"
    );
}

/// `A` marks every package the filter shows, `I` inverts those marks, `m` lists every mark
/// with the total, Space there unmarks one, and `d` there previews removing the rest.
#[test]
fn bulk_marking_and_the_marked_pane() {
    let f = fixture(FixtureKind::Current);
    let mut h = Harness::scanned(&f.cache, (100, 30), false);
    h.keys("/a<enter>A");
    let shown: BTreeSet<String> = {
        let t = &h.app.state().table;
        t.rows.iter().map(|i| t.packages[*i].name.clone()).collect()
    };
    assert!(shown.len() > 1, "{shown:?}");
    assert_eq!(marked(&h).0, shown, "every package shown is marked");
    h.keys("I");
    assert!(h.app.state().marks.is_empty(), "inverted: none");
    h.keys("<esc>/alpha<enter>");
    h.keys("I");
    assert_eq!(marked(&h).0, names(&["alpha"]));
    h.keys("<esc>/beta<enter><space><esc>m");
    assert!(matches!(h.app.state().modal, Some(Modal::Marked { .. })));
    let screen = h.screen();
    assert!(screen.contains("Marked: 2 marks"), "{screen}");
    assert!(
        screen.contains("● alpha") && screen.contains("● beta"),
        "{screen}"
    );
    assert!(screen.contains("Removing them all frees"), "{screen}");
    // Space unmarks the selected one (alpha, the first), and the total follows.
    h.keys("<space>");
    assert_eq!(marked(&h).0, names(&["beta"]));
    let total = h.app.state().marks.sizes.reclaimable_bytes;
    assert_eq!(total, planned(&f.cache, &[&["beta"]]), "the plan's total");
    let effects = h.keys("d");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Plan { kind: PlanKind::Clean(p), .. } if p == &["beta".to_string()])),
        "{effects:?}"
    );
}

/// Opens the bucket whose name starts with `prefix` from the overview.
fn open_bucket(h: &mut Harness, prefix: &str) {
    h.keys("1g");
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let order = uvcache::tui::app::browse::bucket_order(&snap);
    let at = order
        .iter()
        .position(|i| snap.buckets[*i].name.starts_with(prefix))
        .unwrap_or_else(|| panic!("a bucket {prefix}*"));
    h.keys(&"j".repeat(at));
    h.keys("<enter>");
    assert_eq!(h.app.state().screen, Screen::Bucket);
}

/// Selects the open bucket's entry `pick` chooses; returns its id and path.
fn select_entry(
    h: &mut Harness,
    pick: impl Fn(&uvcache::engine::model::Entry) -> bool,
) -> (u32, PathBuf) {
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let ids = h.app.state().bucket.as_ref().expect("a bucket").ids.clone();
    let at = ids
        .iter()
        .position(|id| pick(&snap.entries[*id as usize]))
        .expect("the entry is in the bucket");
    h.keys(&format!("g{}", "j".repeat(at)));
    let e = &snap.entries[ids[at] as usize];
    (e.id, e.path.clone())
}

/// The entries the marks hold, as a plain set.
fn entry_marks(h: &Harness) -> BTreeSet<PathBuf> {
    h.app.state().marks.entries.clone()
}

/// The plan `plan_entries` makes of these paths on the app's snapshot.
fn entries_plan(h: &Harness, paths: &BTreeSet<PathBuf>) -> Plan {
    let snap = h.app.state().snapshot.as_ref().expect("snapshot");
    let ids: Vec<u32> = snap
        .entries
        .iter()
        .filter(|e| paths.contains(&e.path))
        .map(|e| e.id)
        .collect();
    assert_eq!(ids.len(), paths.len(), "every marked entry is in the scan");
    plan_entries(snap, &ids)
}

/// The cache is one uv uses: rescanned, nothing is broken, unknown or left without its
/// pointer, and `uvcache verify` finds nothing damaged.
fn still_valid(cache: &Path) {
    let snap = support::scan_cache(cache, support::UV_CURRENT);
    assert!(
        snap.entries
            .iter()
            .all(|e| e.state != EntryState::Broken && e.kind != EntryKind::Unknown),
        "{:?}",
        snap.entries
            .iter()
            .filter(|e| e.state == EntryState::Broken || e.kind == EntryKind::Unknown)
            .map(|e| &e.path)
            .collect::<Vec<_>>()
    );
    cli(cache, &["verify"]);
}

/// Space in a bucket screen marks the selected entry (●) and moves on, the marked pane lists
/// it with the plan's total, and `d` removes exactly what `plan_entries` plans: alpha 2.0.0's
/// wheel goes with its pointer, metadata and lock files and releases its archive, leaving the
/// same cache as `uvcache clean alpha==2.0.0` (that wheel is all of alpha 2.0.0 there).
#[test]
fn an_entry_marked_in_a_bucket_goes_as_its_plan_says() {
    let f = fixture(FixtureKind::Current);
    let (_ta, tui_cache) = copy_fixture(f);
    let (_tb, cli_cache) = copy_fixture(f);
    let before = tree(&tui_cache);
    let mut h = Harness::scanned(&tui_cache, (120, 40), false);
    open_bucket(&mut h, "wheels-");
    let (_, wheel) = select_entry(&mut h, |e| {
        e.kind == EntryKind::Wheel
            && e.package.as_deref() == Some("alpha")
            && e.version.as_deref() == Some("2.0.0")
    });
    let selected = h.app.state().bucket.as_ref().expect("bucket").list.selected;
    h.keys("<space>");
    assert_eq!(entry_marks(&h), BTreeSet::from([wheel.clone()]));
    let view = h.app.state().bucket.as_ref().expect("bucket");
    assert_eq!(view.list.selected, selected + 1, "Space moves on");
    let screen = h.screen();
    let row = screen
        .lines()
        .find(|l| l.contains("alpha 2.0.0"))
        .expect("the row");
    assert!(row.trim_start().starts_with('●'), "{row}");
    // The total is the plan's.
    let plan = entries_plan(&h, &entry_marks(&h));
    assert!(plan.totals.reclaimable_bytes > 0);
    assert_eq!(
        h.app.state().marks.sizes.reclaimable_bytes,
        plan.totals.reclaimable_bytes
    );
    assert!(h.app.state().marks.pending.is_none());
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(
        footer.starts_with(&format!(
            "● 1 marked · will free {}",
            bytes(plan.totals.reclaimable_bytes)
        )),
        "{footer}"
    );
    // The marked pane lists it, with its kind.
    h.keys("m");
    assert!(matches!(h.app.state().modal, Some(Modal::Marked { .. })));
    let screen = h.screen();
    assert!(screen.contains("Marked: 1 mark"), "{screen}");
    let line = screen
        .lines()
        .find(|l| l.contains("2.0.0-py3-none-any"))
        .expect("the entry in the pane");
    assert!(
        line.contains("● wheels-v8/") && line.contains("wheel"),
        "{line}"
    );
    h.keys("m");
    // `d`: one plan, exactly plan_entries' items.
    let effects = h.keys("d");
    let asked = effects.iter().find_map(|e| match e {
        Effect::Plan { kind, .. } => Some(kind.clone()),
        _ => None,
    });
    assert_eq!(
        asked,
        Some(PlanKind::Marked {
            packages: vec![],
            versions: vec![],
            entries: vec![wheel.clone()],
        })
    );
    let Some(Modal::Plan(d)) = &h.app.state().modal else {
        panic!("the preview opens");
    };
    let PlanStage::Ready(set) = &d.stage else {
        panic!("the plan is shown: {:?}", d.stage);
    };
    assert_eq!(set.plans().len(), 1);
    let shown: Vec<PathBuf> = set.items().map(|i| i.path.clone()).collect();
    let planned: Vec<PathBuf> = plan.items.iter().map(|i| i.path.clone()).collect();
    assert_eq!(shown, planned);
    assert_eq!(
        set.totals().reclaimable_bytes,
        plan.totals.reclaimable_bytes
    );
    assert!(
        planned.iter().any(|p| p.starts_with("archive-v0")),
        "the archive only it used goes too: {planned:?}"
    );
    assert!(d.title.starts_with("Remove wheels-v8/"), "{}", d.title);
    let effects = h.keys("<tab><enter>");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Execute { .. })),
        "{effects:?}"
    );
    assert!(h.app.state().modal.is_none(), "the dialog closes");
    assert!(h.app.state().marks.is_empty(), "removed marks are cleared");
    // Exactly the plan's items went.
    let after = tree(&tui_cache);
    let gone: Vec<PathBuf> = before
        .keys()
        .filter(|p| !after.contains_key(*p))
        .cloned()
        .collect();
    assert!(
        gone.iter()
            .all(|p| planned.iter().any(|i| p.starts_with(i))),
        "{gone:?}"
    );
    assert!(planned.iter().all(|i| gone.contains(i)), "{gone:?}");
    assert!(
        after.keys().all(|p| before.contains_key(p)),
        "nothing added"
    );
    cli(&cli_cache, &["clean", "alpha==2.0.0", "--yes"]);
    assert_eq!(after, tree(&cli_cache));
    still_valid(&tui_cache);
}

/// An archive a wheel still links to can be marked, but its plan keeps it and says why; the
/// marks follow a rescan by path, and what vanished is dropped from them.
#[test]
fn entry_marks_follow_rescans_and_archives_in_use_stay() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let before = tree(&cache);
    let mut h = Harness::scanned(&cache, (100, 30), false);
    open_bucket(&mut h, "archive-");
    let (_, archive) = select_entry(&mut h, |e| {
        e.kind == EntryKind::Archive
            && e.package.as_deref() == Some("alpha")
            && e.version.as_deref() == Some("1.0.0")
    });
    h.keys("<space>");
    let (_, other) = select_entry(&mut h, |e| {
        e.kind == EntryKind::Archive
            && e.package.as_deref() == Some("alpha")
            && e.version.as_deref() == Some("2.0.0")
    });
    h.keys("<space>");
    assert_eq!(
        entry_marks(&h),
        BTreeSet::from([archive.clone(), other.clone()])
    );
    // Their wheels still link to them: nothing to remove, and the preview says so.
    assert_eq!(h.app.state().marks.sizes.reclaimable_bytes, 0);
    h.keys("d");
    let Some(Modal::Plan(d)) = &h.app.state().modal else {
        panic!("the preview opens");
    };
    let PlanStage::Ready(set) = &d.stage else {
        panic!("the plan is shown: {:?}", d.stage);
    };
    assert!(set.is_empty());
    let warnings = set.warnings().join("\n");
    assert!(
        warnings.contains("2 entries stay") && warnings.contains("links to it"),
        "{warnings}"
    );
    h.keys("<esc>");
    assert_eq!(tree(&cache), before, "nothing was removed");
    // Removing alpha 1.0.0 elsewhere takes its archive: after a rescan (new entry ids) the
    // other mark stays, found by its path, and the vanished one is dropped.
    cli(&cache, &["clean", "alpha==1.0.0", "--yes"]);
    h.keys("r");
    assert_eq!(entry_marks(&h), BTreeSet::from([other.clone()]));
    let screen = h.screen();
    assert!(screen.contains("● 1 marked"), "{screen}");
    // Space on a marked entry unmarks it.
    select_entry(&mut h, |e| e.path == other);
    h.keys("<space>");
    assert!(h.app.state().marks.is_empty());
    // uv's own files cannot be marked alone, and saying so marks nothing.
    open_bucket(&mut h, "git-");
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let view = h.app.state().bucket.as_ref().expect("bucket");
    if let Some(at) = view
        .ids
        .iter()
        .position(|id| removable_alone(&snap, &snap.entries[*id as usize]).is_err())
    {
        h.keys(&format!("g{}<space>", "j".repeat(at)));
        assert!(h.app.state().marks.is_empty());
        let status = h.app.state().status.as_ref().expect("a refusal");
        assert!(
            status.text.contains("cannot be removed by itself"),
            "{status:?}"
        );
    }
}

/// `A` in a bucket screen marks every entry of it (not uv's markers), `I` inverts those marks; `O` marks every
/// entry of other uv releases' buckets, and `d` then removes those buckets whole, exactly as
/// `prune` removes them, with the marked total equal to the plan's.
#[test]
fn bulk_entry_marks_other_releases_and_a_whole_bucket() {
    let f = fixture(FixtureKind::Mixed);
    let (_t, cache) = copy_fixture(f);
    let mut h = Harness::scanned(&cache, (120, 40), false);
    open_bucket(&mut h, "interpreter-v5");
    h.keys("A");
    let snap = h.app.state().snapshot.clone().expect("snapshot");
    let bucket: BTreeSet<PathBuf> = h
        .app
        .state()
        .bucket
        .as_ref()
        .expect("bucket")
        .ids
        .iter()
        .map(|id| &snap.entries[*id as usize])
        .filter(|e| removable_alone(&snap, e).is_ok())
        .map(|e| e.path.clone())
        .collect();
    assert!(bucket.len() > 1, "{bucket:?}");
    assert_eq!(
        entry_marks(&h),
        bucket,
        "every entry shown that can go alone"
    );
    h.keys("I");
    assert!(h.app.state().marks.is_empty(), "inverted: none");
    // Every entry of other releases' buckets.
    h.keys("O");
    let others: BTreeSet<PathBuf> = snap
        .entries
        .iter()
        .filter(|e| {
            e.bucket
                .is_some_and(|b| snap.buckets[usize::from(b)].class != TopLevel::Current)
                && e.kind != EntryKind::Marker
        })
        .map(|e| e.path.clone())
        .collect();
    assert!(others.len() > 1, "{others:?}");
    assert_eq!(entry_marks(&h), others);
    let plan = entries_plan(&h, &others);
    assert_eq!(
        h.app.state().marks.sizes.reclaimable_bytes,
        plan.totals.reclaimable_bytes
    );
    // The plan removes those buckets whole, as prune's foreign-bucket step does.
    let prune = uvcache::engine::remove::plan::plan_prune(
        &uvcache::engine::remove::plan::Target::of(&snap),
        false,
    );
    let foreign: BTreeSet<PathBuf> = prune
        .items
        .iter()
        .filter(|i| i.reason == Reason::ForeignBucket)
        .map(|i| i.path.clone())
        .collect();
    let planned: BTreeSet<PathBuf> = plan.items.iter().map(|i| i.path.clone()).collect();
    assert_eq!(planned, foreign);
    h.keys("md<tab><enter>");
    assert!(h.app.state().marks.is_empty(), "removed marks are cleared");
    let snap = h.app.state().snapshot.clone().expect("rescanned");
    assert!(
        snap.buckets.iter().all(|b| b.class == TopLevel::Current),
        "{:?}",
        snap.buckets.iter().map(|b| &b.name).collect::<Vec<_>>()
    );
    still_valid(&cache);
}

/// `D` marks every dangling entry: here an archive whose wheel link was removed by hand (an
/// orphan, as `prune` finds it); `d` removes it alone.
#[test]
fn dangling_entries_are_marked_together() {
    let (_t, cache) = copy_fixture(fixture(FixtureKind::Current));
    let first = Harness::scanned(&cache, (100, 30), false);
    let snap = first.app.state().snapshot.clone().expect("snapshot");
    let (wheel, archive) = support::wheel_and_archive(&snap, "alpha", "1.0.0");
    let archive = archive.path.clone();
    // The wheel key whole: its link and the pointer, metadata and lock files beside it.
    let key = cache.join(&wheel.path);
    let name = key.file_name().expect("a name").to_os_string();
    for item in std::fs::read_dir(key.parent().expect("a directory")).expect("list") {
        let item = item.expect("an item");
        if item
            .file_name()
            .to_string_lossy()
            .starts_with(&*name.to_string_lossy())
        {
            std::fs::remove_file(item.path()).expect("unlink");
        }
    }
    let mut h = Harness::scanned(&cache, (100, 30), false);
    h.keys("D");
    assert_eq!(entry_marks(&h), BTreeSet::from([archive.clone()]));
    let status = h.app.state().status.as_ref().expect("a summary");
    assert!(status.text.contains("marked 1 entry"), "{status:?}");
    let plan = entries_plan(&h, &entry_marks(&h));
    let planned: Vec<PathBuf> = plan.items.iter().map(|i| i.path.clone()).collect();
    assert_eq!(planned, std::slice::from_ref(&archive));
    assert_eq!(
        h.app.state().marks.sizes.reclaimable_bytes,
        plan.totals.reclaimable_bytes
    );
    h.keys("d<tab><enter>");
    assert!(!cache.join(&archive).exists());
    assert!(h.app.state().marks.is_empty());
}
