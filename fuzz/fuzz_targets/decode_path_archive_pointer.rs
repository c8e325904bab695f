//! `decode_path_archive_pointer`: a local wheel file's `.rev` pointer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::decode_path_archive_pointer;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = decode_path_archive_pointer(data)
        && let Some(t) = p.timestamp
    {
        let _ = t.to_system_time();
    }
});
