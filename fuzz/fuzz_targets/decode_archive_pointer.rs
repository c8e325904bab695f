//! `decode_archive_pointer`: the MessagePack wheel pointer stored in a wheel `.http` entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::decode_archive_pointer;

fuzz_target!(|data: &[u8]| {
    let _ = decode_archive_pointer(data);
});
