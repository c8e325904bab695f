//! `archive-v0/<id>`: unpacked wheels and environments. Who references each
//! archive is settled after the scan, from the links and pointers of the
//! other buckets.

use super::{Member, PlanCtx, Unit};
use crate::engine::model::{EntryKind, EntryState, Source};

pub fn plan(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    for item in ctx.list(&ctx.dir) {
        if !item.file_type.is_dir() {
            units.push(ctx.unknown(&item, "archives are directories; this is not"));
            continue;
        }
        let mut u = ctx.unit(EntryKind::Archive, &item.path, Source::None);
        u.members.push(Member {
            path: item.path.clone(),
            recurse: true,
        });
        // Until a referrer is found.
        u.entry.state = EntryState::Orphan;
        u.entry.detail.revision = item.name_str().map(str::to_string);
        units.push(u);
    }
    units
}
