//! `decode_revision`: the source revision payload of an sdist `revision.http` entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::decode_revision;

fuzz_target!(|data: &[u8]| {
    let _ = decode_revision(data);
});
