//! The removal side of the effects: the plans of a removal, and applying
//! them in turn under uv's exclusive lock, which is waited for in a loop that
//! can be cancelled.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::engine::locate::recognize;
use crate::engine::model::{EntryId, Snapshot};
use crate::engine::progress::Reporter;
use crate::engine::remove::execute::Outcome;
use crate::engine::remove::lock::{
    CacheLock, Holder, LockError, LockObserver, Wait, lock_exclusive, lock_timeout,
};
use crate::engine::remove::plan::{Operation, Plan, Target, plan_clean, plan_prune};
use crate::engine::remove::select::{Selector, plan_entries, plan_select};
use crate::engine::remove::{Drift, apply};

use super::super::msg::{EngineMsg, Level};
use super::super::plans::{PlanSet, add_outcome};
use super::{Control, PlanKind};

/// The plans of `kind`, computed from the disk (and, for versions and single entries, the
/// snapshot's entries).
pub(super) fn plans_of(snap: &Snapshot, kind: &PlanKind) -> PlanSet {
    let target = Target::of(snap);
    let plans: Vec<Plan> = match kind {
        PlanKind::Clean(names) => vec![plan_clean(&target, names)],
        PlanKind::Prune => vec![plan_prune(&target, false)],
        PlanKind::PruneCi => vec![plan_prune(&target, true)],
        PlanKind::Marked {
            packages,
            versions,
            entries,
        } => {
            let whole = (!packages.is_empty()).then(|| plan_clean(&target, packages));
            let single = versions.iter().map(|(package, version)| {
                let sel = Selector {
                    package: package.clone(),
                    version: Some(version.clone()),
                    ..Selector::default()
                };
                plan_select(snap, &sel)
            });
            let entries = (!entries.is_empty()).then(|| {
                let wanted: BTreeSet<&Path> = entries.iter().map(PathBuf::as_path).collect();
                let ids: Vec<EntryId> = snap
                    .entries
                    .iter()
                    .filter(|e| wanted.contains(e.path.as_path()))
                    .map(|e| e.id)
                    .collect();
                plan_entries(snap, &ids)
            });
            whole.into_iter().chain(single).chain(entries).collect()
        }
    };
    // Only marks with nothing marked yield no plan: then nothing is removed.
    PlanSet::new(plans).unwrap_or_else(|| {
        PlanSet::single(Plan::empty(&target, Operation::Clean { packages: vec![] }))
    })
}

/// Takes uv's lock (reporting a wait) and applies the plans one after the
/// other, as the command line would run once per plan: each is selected again
/// under the lock, and only what the user confirmed is removed.
pub(super) fn execute_plans(
    ticket: u64,
    plans: &PlanSet,
    control: &Control,
    sink: &(dyn Fn(EngineMsg) + Sync),
) -> Result<Outcome, String> {
    // As the command line does without --allow-non-cache-dir: never empty a
    // directory that holds nothing of uv's.
    if let Some(refusal) = recognize(plans.root())
        .map_err(|e| format!("{e}; nothing was removed"))?
        .refusal(plans.root())
    {
        return Err(format!(
            "{refusal}; nothing was removed (`uvcache clean --allow-non-cache-dir` removes from it)"
        ));
    }
    let lock = wait_for_lock(plans.root(), lock_timeout(), control, &|holders| {
        sink(EngineMsg::LockWaiting {
            ticket,
            holders: holders.to_vec(),
        })
    })
    .map_err(|e| format!("{e}. Nothing was removed."))?;
    let total = plans.len() as u64;
    let mut outcome = Outcome::default();
    let mut offset = 0;
    for plan in plans.plans() {
        let reporter = Removal {
            ticket,
            sink,
            offset,
            total,
        };
        let applied = apply(plan, &lock, &reporter);
        report_drift(&applied.drift, sink);
        add_outcome(&mut outcome, applied.outcome);
        offset += plan.items.len() as u64;
    }
    Ok(outcome)
}

/// Logs what the selection under the lock changed.
fn report_drift(drift: &Drift, sink: &(dyn Fn(EngineMsg) + Sync)) {
    for p in &drift.no_longer_selected {
        sink(EngineMsg::Log {
            level: Level::Warn,
            text: format!(
                "the cache changed while waiting for uv's lock: {} is no longer selected; left alone",
                p.display()
            ),
        });
    }
    if !drift.not_confirmed.is_empty() {
        sink(EngineMsg::Log {
            level: Level::Warn,
            text: format!(
                "{} selected under uv's lock but not confirmed; left alone",
                drift.not_confirmed.len()
            ),
        });
    }
}

/// Reports one plan's removal progress as part of all the plans'.
struct Removal<'a> {
    ticket: u64,
    sink: &'a (dyn Fn(EngineMsg) + Sync),
    /// Items of the plans before this one.
    offset: u64,
    /// Items of all plans.
    total: u64,
}

impl Reporter for Removal<'_> {
    fn removal(&self, done: u64, _plan_total: u64) {
        (self.sink)(EngineMsg::Removing {
            ticket: self.ticket,
            done: self.offset + done,
            total: self.total,
        });
    }
}

struct Observer<'a> {
    on_wait: &'a dyn Fn(&[Holder]),
}

impl LockObserver for Observer<'_> {
    fn waiting(&self, holders: &[Holder], _waited: Duration, _timeout: Duration) {
        (self.on_wait)(holders);
    }
}

/// Takes uv's exclusive lock on the cache at `root`, waiting up to `timeout`,
/// giving up as soon as `control.cancel` is set, and going on without the
/// lock (as `--force` does) as soon as `control.force` is. `on_wait` hears the
/// holders when the wait starts and whenever they change.
pub fn wait_for_lock(
    root: &Path,
    timeout: Duration,
    control: &Control,
    on_wait: &dyn Fn(&[Holder]),
) -> Result<CacheLock, LockError> {
    let wait = Wait {
        timeout,
        cancel: Some(&control.cancel),
        force: Some(&control.force),
    };
    let force = control.force.load(Ordering::Relaxed);
    lock_exclusive(root, &wait, force, &Observer { on_wait })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_from_a_directory_that_is_not_a_uv_cache_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("home");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("notes.txt"), "keep\n").unwrap();
        let target = Target {
            root: root.clone(),
            uv_version: crate::engine::layout::UvVersion(0, 13, 9),
        };
        let plans = PlanSet::single(Plan::empty(&target, Operation::Clean { packages: vec![] }));
        let err = execute_plans(1, &plans, &Control::default(), &|_| {}).unwrap_err();
        assert!(err.contains("does not look like a uv cache"), "{err}");
        assert!(err.contains("nothing was removed"), "{err}");
        assert!(root.join(".git").is_dir() && root.join("notes.txt").is_file());
        // With uv's tag it is a cache: the removal goes on (here, with nothing to remove).
        std::fs::write(root.join("CACHEDIR.TAG"), "").unwrap();
        assert!(execute_plans(1, &plans, &Control::default(), &|_| {}).is_ok());
    }
}
