//! The smaller buckets: builds, interpreter, python, binaries, osv, files.

use super::{Member, PlanCtx, Structure, Unit};
use crate::engine::formats::pointers::decode_interpreter;
use crate::engine::model::{EntryKind, Source};

/// One unit per top-level item, all of one kind.
fn each_item(ctx: &PlanCtx<'_, '_>, kind: EntryKind, expect_dir: bool) -> Vec<Unit> {
    ctx.list(&ctx.dir)
        .into_iter()
        .map(|item| {
            if item.file_type.is_dir() != expect_dir {
                return ctx.unknown(&item, "unexpected item type");
            }
            let mut u = ctx.unit(kind, &item.path, Source::None);
            u.members.push(Member {
                path: item.path.clone(),
                recurse: true,
            });
            u
        })
        .collect()
}

pub fn plan_builds(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = each_item(ctx, EntryKind::BuildEnvironment, true);
    for u in &mut units {
        if u.entry.kind == EntryKind::BuildEnvironment {
            u.entry.detail.notes.push(
                "temporary build or overlay environment (removed by its creator, or crash debris)"
                    .into(),
            );
        }
    }
    units
}

pub fn plan_interpreter(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    for platform in ctx.list(&ctx.dir) {
        if !platform.file_type.is_dir() {
            units.push(ctx.unknown(&platform, "unexpected file in the interpreter bucket"));
            continue;
        }
        structure.add(&platform.path);
        for item in ctx.list(&platform.path) {
            let mut u = ctx.unit(EntryKind::Interpreter, &item.path, Source::None);
            u.members.push(Member {
                path: item.path.clone(),
                recurse: item.file_type.is_dir(),
            });
            if item.file_type.is_file()
                && item.name_lossy().ends_with(".msgpack")
                && let Some(bytes) = ctx.read(&item.path)
            {
                match decode_interpreter(&bytes) {
                    Ok(info) => {
                        if let Some(exe) = info.sys_executable {
                            u.entry.detail.notes.push(format!("executable: {exe}"));
                        }
                    }
                    Err(reason) => ctx.walk.decode_error(&item.path, &reason),
                }
            }
            units.push(u);
        }
    }
    units.extend(structure.finish());
    units
}

pub fn plan_python(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    for top in ctx.list(&ctx.dir) {
        if !top.file_type.is_dir() {
            units.push(ctx.unknown(&top, "unexpected file in the python bucket"));
            continue;
        }
        structure.add(&top.path);
        for item in ctx.list(&top.path) {
            let mut u = ctx.unit(EntryKind::PythonDownloads, &item.path, Source::None);
            u.members.push(Member {
                path: item.path.clone(),
                recurse: item.file_type.is_dir(),
            });
            if item.name_lossy().ends_with(".msgpack")
                && let Some(policy) = ctx.policy_of(&item.path)
            {
                u.entry.detail.url = Some(policy.uri);
            }
            units.push(u);
        }
    }
    units.extend(structure.finish());
    units
}

pub fn plan_binaries(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut structure = Structure::new(ctx);
    for tool in ctx.list(&ctx.dir) {
        if !tool.file_type.is_dir() {
            units.push(ctx.unknown(&tool, "unexpected file in the binaries bucket"));
            continue;
        }
        structure.add(&tool.path);
        for version in ctx.list(&tool.path) {
            let mut u = ctx.unit(EntryKind::Binary, &version.path, Source::None);
            u.members.push(Member {
                path: version.path.clone(),
                recurse: true,
            });
            u.entry.version = version
                .name_str()
                .map(|v| v.trim_end_matches(".lock").to_string());
            u.entry
                .detail
                .notes
                .push(format!("tool: {}", tool.name_lossy()));
            units.push(u);
        }
    }
    units.extend(structure.finish());
    units
}

pub fn plan_osv(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    each_item(ctx, EntryKind::Osv, true)
}

pub fn plan_files(ctx: &PlanCtx<'_, '_>) -> Vec<Unit> {
    each_item(ctx, EntryKind::FileObjects, true)
}
