//! `decode_interpreter`: a cached interpreter query (`interpreter-v*/<d16>/<d16>.msgpack`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::decode_interpreter;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = decode_interpreter(data)
        && let Some(t) = info.timestamp
    {
        let _ = t.to_system_time();
    }
});
