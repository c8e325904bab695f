//! `decode_metadata`: MessagePack resolution metadata (`metadata.msgpack`, wheel `.msgpack`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::decode_metadata;

fuzz_target!(|data: &[u8]| {
    let _ = decode_metadata(data);
});
