//! `parse_uv_cache_json`: the `uv_cache.json` of an installed `.dist-info`.
//!
//! Besides not panicking, whatever parses must survive a round trip through
//! `cache_info_json` unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::keys::{cache_info_json, parse_uv_cache_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(info) = parse_uv_cache_json(text) {
        let back = parse_uv_cache_json(&cache_info_json(&info).to_string())
            .expect("re-serialized cache info parses");
        assert_eq!(back, info);
    }
});
