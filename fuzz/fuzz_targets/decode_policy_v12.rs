//! `decode_policy` with the uv 0.12 container layout (`ContainerFormat::V12`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::{ContainerFormat, decode_policy};

fuzz_target!(|data: &[u8]| {
    let _ = decode_policy(data, ContainerFormat::V12);
});
