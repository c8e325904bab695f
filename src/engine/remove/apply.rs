//! Applying a confirmed plan under uv's lock, as uv orders it: lock, then
//! decide. A plan made before the lock was held (shown for confirmation, or
//! previewed in the terminal UI) is selected again once the lock is held, and
//! only the items both selections contain are removed; the difference is
//! reported, never acted on.

use std::path::PathBuf;

use serde::Serialize;

use super::execute::{Outcome, execute};
use super::lock::CacheLock;
use super::plan::{Plan, Recipe, Selection, measure_plan, select};
use crate::engine::progress::Reporter;

/// How the selection under the lock differs from the confirmed plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Confirmed items the selection under the lock no longer contains (gone,
    /// or used again by a link uv added meanwhile): left alone.
    #[serde(serialize_with = "crate::engine::json::ser_paths")]
    pub no_longer_selected: Vec<PathBuf>,
    /// Items selected under the lock that were not confirmed: left alone.
    #[serde(serialize_with = "crate::engine::json::ser_paths")]
    pub not_confirmed: Vec<PathBuf>,
}

impl Drift {
    /// Whether both selections agreed.
    pub fn is_empty(&self) -> bool {
        self.no_longer_selected.is_empty() && self.not_confirmed.is_empty()
    }
}

/// What applying a plan did.
#[derive(Debug)]
pub struct Applied {
    /// What was removed: the confirmed plan, or its part the selection under
    /// the lock agreed with.
    pub plan: Plan,
    /// What the removal did.
    pub outcome: Outcome,
    /// What the selection under the lock changed.
    pub drift: Drift,
}

/// Applies `confirmed` while `lock` is held (or was skipped with `--force`).
pub fn apply(confirmed: &Plan, lock: &CacheLock, reporter: &dyn Reporter) -> Applied {
    if confirmed.locked_by == Some(lock.id()) || matches!(confirmed.recipe, Recipe::Nothing) {
        return Applied {
            outcome: execute(confirmed, lock, reporter),
            plan: confirmed.clone(),
            drift: Drift::default(),
        };
    }
    let target = confirmed.target();
    let fresh = select(&target, &confirmed.recipe);
    let (agreed, drift) = reconcile(confirmed, fresh);
    let plan = if drift.is_empty() {
        confirmed.clone()
    } else {
        measure_plan(
            &target,
            agreed,
            confirmed.operation.clone(),
            confirmed.recipe.clone(),
        )
    };
    let plan = plan.made_under(lock);
    Applied {
        outcome: execute(&plan, lock, reporter),
        plan,
        drift,
    }
}

/// Keeps the fresh items that are, or lie inside, a confirmed item.
fn reconcile(confirmed: &Plan, fresh: Selection) -> (Selection, Drift) {
    let mut drift = Drift::default();
    let mut agreed = Selection {
        items: Default::default(),
        unreadable: fresh.unreadable.clone(),
    };
    for (path, reason, stage) in fresh.outermost() {
        if confirmed.items.iter().any(|c| path.starts_with(&c.path)) {
            agreed.items.insert(path, (reason, stage));
        } else {
            drift.not_confirmed.push(path);
        }
    }
    for c in &confirmed.items {
        if !agreed.items.keys().any(|p| p.starts_with(&c.path)) {
            drift.no_longer_selected.push(c.path.clone());
        }
    }
    (agreed, drift)
}
