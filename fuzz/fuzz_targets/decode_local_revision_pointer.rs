//! `decode_local_revision_pointer`: a local source directory's `revision.rev` pointer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::decode_local_revision_pointer;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = decode_local_revision_pointer(data)
        && let Some(t) = p.cache_info.timestamp
    {
        let _ = t.to_system_time();
    }
});
