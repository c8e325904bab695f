//! The root's own items: buckets to plan, and units for everything else
//! (markers, temporary directories, what no uv release writes).

use std::path::{Path, PathBuf};

use super::buckets::memo::Memos;
use super::buckets::{Member, PlanCtx, Unit};
use super::walk::WalkCtx;
use crate::engine::layout::{BucketKind, Release, TopLevel, classify_top_level};
use crate::engine::model::{Bucket, Detail, Entry, EntryKind, EntryState, Sizes, Source};

/// Lists the root and classifies each item: buckets to plan, and units for
/// the root's own items.
pub(super) fn list_root<'a, 'b>(
    ctx: &'a WalkCtx<'b>,
    dir: &Path,
    release: &Release,
    memos: &'a Memos,
) -> (Vec<Bucket>, Vec<Unit>, Vec<PlanCtx<'a, 'b>>) {
    let mut buckets = Vec::new();
    let mut units = vec![root_unit(
        dir,
        EntryKind::Marker,
        dir,
        "cache root directory",
        false,
    )];
    let mut bucket_ctxs = Vec::new();
    let items = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.map_err(|err| ctx.io_error(dir, &err)).ok())
            .collect::<Vec<_>>(),
        Err(e) => {
            ctx.io_error(dir, &e);
            vec![]
        }
    };
    let mut items: Vec<_> = items
        .into_iter()
        .filter_map(|e| Some((e.file_name(), e.path(), e.file_type().ok()?)))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, file_type) in items {
        let name_str = name.to_string_lossy().into_owned();
        let is_dir = file_type.is_dir();
        let class = classify_top_level(&name_str, is_dir, release);
        match class {
            TopLevel::Current | TopLevel::Stale => {
                let parsed = BucketKind::parse_dir_name(&name_str);
                let index = u16::try_from(buckets.len()).unwrap_or(u16::MAX);
                buckets.push(Bucket {
                    name: name_str.clone(),
                    kind: parsed.map(|p| p.0),
                    version: parsed.map(|p| p.1),
                    class,
                    sizes: Sizes::default(),
                    entries: 0,
                });
                if let Some((kind, version)) = parsed {
                    bucket_ctxs.push(PlanCtx {
                        walk: ctx,
                        kind,
                        name: name_str,
                        version,
                        index,
                        dir: path,
                        memos,
                    });
                }
            }
            TopLevel::Unknown if is_dir => {
                let index = u16::try_from(buckets.len()).unwrap_or(u16::MAX);
                buckets.push(Bucket {
                    name: name_str,
                    kind: None,
                    version: None,
                    class,
                    sizes: Sizes::default(),
                    entries: 0,
                });
                let mut u = root_unit(
                    dir,
                    EntryKind::Unknown,
                    &path,
                    "a directory no uv release writes",
                    true,
                );
                u.entry.bucket = Some(index);
                units.push(u);
            }
            TopLevel::Marker => units.push(root_unit(
                dir,
                EntryKind::Marker,
                &path,
                "cache marker",
                is_dir,
            )),
            TopLevel::Temporary => {
                units.push(root_unit(
                    dir,
                    EntryKind::Temporary,
                    &path,
                    "temporary directory (an unpack in progress, or crash debris)",
                    true,
                ));
            }
            TopLevel::Unknown => units.push(root_unit(
                dir,
                EntryKind::Unknown,
                &path,
                "a file no uv release writes",
                is_dir,
            )),
        }
    }
    (buckets, units, bucket_ctxs)
}

fn root_unit(root: &Path, kind: EntryKind, path: &Path, note: &str, recurse: bool) -> Unit {
    let rel: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    Unit {
        entry: Entry {
            id: 0,
            bucket: None,
            kind,
            path: if rel.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                rel
            },
            package: None,
            version: None,
            source: Source::None,
            state: EntryState::Current,
            sizes: Sizes::default(),
            linked_out_bytes: 0,
            cloned_bytes: 0,
            modified: None,
            detail: Detail {
                notes: vec![note.to_string()],
                ..Detail::default()
            },
        },
        members: vec![Member {
            path: path.to_path_buf(),
            recurse,
        }],
        learned: vec![],
        measured: None,
        memo: None,
    }
}
