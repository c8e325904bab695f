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

#[cfg(test)]
mod tests {
    use super::*;

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
}
