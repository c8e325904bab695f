//! Engine plans previewed and applied together: one for a clean or a prune,
//! or, for marked versions, one surgical plan per version (what
//! `uvcache clean NAME==VERSION` plans), applied in order under one lock,
//! as if the command ran once per version.

use std::path::Path;
use std::sync::Arc;

use crate::engine::remove::execute::Outcome;
use crate::engine::remove::plan::{Plan, PlanItem, PlanTotals};

/// A policy's plan as the trim dialog previews it.
#[derive(Debug, Clone)]
pub struct TrimPreview {
    /// The plan and how its budgets come out.
    pub plan: crate::engine::remove::policy::PolicyPlan,
    /// Entries kept because a known environment uses them.
    pub in_use_entries: usize,
    /// Their bytes on disk.
    pub in_use_bytes: u64,
    /// Known environments that still exist.
    pub environments: usize,
    /// How long planning took, in milliseconds.
    pub elapsed_ms: u64,
}

/// One or more plans on the same cache, applied in order.
#[derive(Debug, Clone)]
pub struct PlanSet {
    plans: Vec<Arc<Plan>>,
    /// Items listed by more than one plan (their figures are counted once per plan).
    overlapping: usize,
}

impl PlanSet {
    /// The plans, in the order they are applied; at least one is needed.
    pub fn new(plans: Vec<Plan>) -> Option<PlanSet> {
        if plans.is_empty() {
            return None;
        }
        let plans: Vec<Arc<Plan>> = plans.into_iter().map(Arc::new).collect();
        let overlapping = overlapping_items(&plans);
        Some(PlanSet { plans, overlapping })
    }

    /// A single plan.
    pub fn single(plan: Plan) -> PlanSet {
        PlanSet {
            plans: vec![Arc::new(plan)],
            overlapping: 0,
        }
    }

    /// The plans, in the order they are applied.
    pub fn plans(&self) -> &[Arc<Plan>] {
        &self.plans
    }

    /// The cache root (every plan has the same).
    pub fn root(&self) -> &Path {
        &self.plans[0].root
    }

    /// The uv release whose layout the plans follow.
    pub fn uv_version(&self) -> &str {
        &self.plans[0].uv_version
    }

    /// Every item, plan after plan.
    pub fn items(&self) -> impl Iterator<Item = &PlanItem> {
        self.plans.iter().flat_map(|p| p.items.iter())
    }

    /// How many items in all.
    pub fn len(&self) -> usize {
        self.plans.iter().map(|p| p.items.len()).sum()
    }

    /// Whether there is nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The totals of all plans, summed (exact when no item is in two plans).
    pub fn totals(&self) -> PlanTotals {
        let mut t = PlanTotals::default();
        for p in &self.plans {
            let p = &p.totals;
            t.files += p.files;
            t.dirs += p.dirs;
            t.logical_bytes += p.logical_bytes;
            t.disk_bytes += p.disk_bytes;
            t.reclaimable_bytes += p.reclaimable_bytes;
            t.cloned_bytes += p.cloned_bytes;
            t.uv_reported_bytes += p.uv_reported_bytes;
        }
        t
    }

    /// The warnings of all plans, each once, and one about overlapping plans.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in self.plans.iter().flat_map(|p| p.warnings.iter()) {
            if !out.contains(w) {
                out.push(w.clone());
            }
        }
        if self.overlapping > 0 {
            out.push(format!(
                "{} items are in more than one plan: the totals count them once per plan, \
                 and the later plans find them gone",
                self.overlapping
            ));
        }
        out
    }
}

/// Items whose path is another plan's item or lies inside one.
fn overlapping_items(plans: &[Arc<Plan>]) -> usize {
    if plans.len() < 2 {
        return 0;
    }
    let mut count = 0;
    for (i, p) in plans.iter().enumerate() {
        for item in &p.items {
            let inside_another = plans
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, q)| q.items.iter())
                .any(|other| item.path.starts_with(&other.path));
            count += usize::from(inside_another);
        }
    }
    count
}

/// Adds the outcome of one plan's execution to the running `total`.
pub fn add_outcome(total: &mut Outcome, next: Outcome) {
    total.removed_files += next.removed_files;
    total.removed_dirs += next.removed_dirs;
    total.uv_reported_bytes += next.uv_reported_bytes;
    total.reclaimed_bytes += next.reclaimed_bytes;
    total.vanished += next.vanished;
    total.errors.extend(next.errors);
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::engine::remove::plan::{Operation, Stage};

    fn plan(paths: &[&str], disk: u64) -> Plan {
        Plan {
            root: PathBuf::from("/cache"),
            operation: Operation::Prune { ci: false },
            uv_version: "0.13.9".into(),
            items: paths
                .iter()
                .map(|p| PlanItem {
                    path: PathBuf::from(p),
                    reason: crate::engine::remove::plan::Reason::UnusedArchive,
                    stage: Stage::Referrers,
                    files: 1,
                    dirs: 0,
                    logical_bytes: disk,
                    disk_bytes: disk,
                })
                .collect(),
            totals: PlanTotals {
                files: paths.len() as u64,
                disk_bytes: disk * paths.len() as u64,
                ..PlanTotals::default()
            },
            warnings: vec!["same".into()],
            recipe: Default::default(),
            locked_by: None,
            version: crate::engine::layout::UvVersion(0, 13, 9),
        }
    }

    #[test]
    fn sums_plans_and_reports_overlaps() {
        assert!(PlanSet::new(vec![]).is_none());
        let set = PlanSet::new(vec![plan(&["a/1", "a/2"], 10), plan(&["b"], 5)]).expect("plans");
        assert_eq!(set.len(), 3);
        assert_eq!(set.totals().disk_bytes, 25);
        assert_eq!(set.warnings(), ["same"], "warnings once");
        let set = PlanSet::new(vec![plan(&["a"], 10), plan(&["a/x", "b"], 5)]).expect("plans");
        assert_eq!(set.overlapping, 1);
        assert_eq!(set.warnings().len(), 2);
        let items: Vec<_> = set.items().map(|i| i.path.clone()).collect();
        assert_eq!(
            items,
            ["a", "a/x", "b"].map(PathBuf::from),
            "plan after plan"
        );
    }
}
