//! uv's wording for sizes and removal summaries, shared by every front end.

/// Bytes with binary units as uv prints them: `123B`, `432.0KiB`, `8.6MiB`.
pub fn human_bytes(n: u64) -> String {
    use humansize::{BINARY, FormatSizeOptions, format_size};
    if n < 1024 {
        return format!("{n}B");
    }
    let opts = FormatSizeOptions::from(BINARY)
        .decimal_places(1)
        .decimal_zeroes(1)
        .space_after_value(false);
    format_size(n, opts)
}

/// uv's summary of a removal: `Removed N files (X)` and its variants.
pub fn removed_summary(files: u64, dirs: u64, uv_bytes: u64) -> String {
    let b = human_bytes(uv_bytes);
    match (files, dirs) {
        (0, 0) => "No cache entries found".to_string(),
        (0, 1) => format!("Removed 1 directory ({b})"),
        (0, n) => format!("Removed {n} directories ({b})"),
        (1, _) => format!("Removed 1 file ({b})"),
        (n, _) => format!("Removed {n} files ({b})"),
    }
}

/// A span of seconds in one short unit (`45s`, `17m`, `5h`, `3d`, `2mo`).
pub fn span(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s if s < 5_184_000 => format!("{}d", s / 86_400),
        s => format!("{}mo", s / 2_592_000),
    }
}

/// How long ago `t` was, as a [`span`] (`-` for no time).
pub fn age(now: std::time::SystemTime, t: Option<std::time::SystemTime>) -> String {
    let Some(t) = t else { return "-".into() };
    span(now.duration_since(t).map_or(0, |d| d.as_secs()))
}

/// What came and went since the last scan, in one sentence after "Since the
/// last scan": "2 new archives (+924.0KiB: multidict 848.0KiB, zipp
/// 76.0KiB), 1 archive removed (-432.0KiB)"; `None` when nothing did.
pub fn growth(c: &crate::engine::scan::store::IndexChanges) -> Option<String> {
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    let mut parts = Vec::new();
    if c.archives_added > 0 {
        let packages: Vec<String> = c
            .added_packages
            .iter()
            .map(|p| format!("{} {}", p.name, human_bytes(p.disk_bytes)))
            .collect();
        parts.push(format!(
            "{} new archive{} (+{}: {})",
            c.archives_added,
            plural(c.archives_added),
            human_bytes(c.added_disk_bytes),
            packages.join(", ")
        ));
    }
    if c.archives_removed > 0 {
        parts.push(format!(
            "{} archive{} removed (-{})",
            c.archives_removed,
            plural(c.archives_removed),
            human_bytes(c.removed_disk_bytes)
        ));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scan::store::{IndexChanges, PackageGrowth};

    #[test]
    fn like_uv() {
        assert_eq!(human_bytes(123), "123B");
        assert_eq!(human_bytes(442_368), "432.0KiB");
        assert_eq!(human_bytes(9_017_753), "8.6MiB");
        assert_eq!(removed_summary(0, 0, 0), "No cache entries found");
        assert_eq!(removed_summary(0, 1, 4096), "Removed 1 directory (4.0KiB)");
        assert_eq!(
            removed_summary(37, 3, 131_072),
            "Removed 37 files (128.0KiB)"
        );
    }

    #[test]
    fn growth_says_what_came_and_went() {
        let mut c = IndexChanges::default();
        assert_eq!(growth(&c), None, "nothing changed: nothing to say");
        c.archives_removed = 1;
        c.removed_disk_bytes = 432 * 1024;
        assert_eq!(growth(&c).as_deref(), Some("1 archive removed (-432.0KiB)"));
        c.archives_added = 2;
        c.added_disk_bytes = 924 * 1024;
        c.added_packages = vec![
            PackageGrowth {
                name: "multidict".into(),
                archives: 1,
                disk_bytes: 848 * 1024,
            },
            PackageGrowth {
                name: "zipp".into(),
                archives: 1,
                disk_bytes: 76 * 1024,
            },
        ];
        assert_eq!(
            growth(&c).as_deref(),
            Some(
                "2 new archives (+924.0KiB: multidict 848.0KiB, zipp 76.0KiB), 1 archive removed (-432.0KiB)"
            )
        );
    }
}
