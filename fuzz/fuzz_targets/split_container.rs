//! `split_container`: the HTTP cache container (0.12 and 0.13 layouts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use uvcache::engine::formats::{ContainerFormat, split_container};

/// Offset of `part` inside `whole`; panics if `part` does not borrow from `whole`.
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    assert!(
        p >= start && p + part.len() <= start + whole.len(),
        "slice does not borrow from the input"
    );
    p - start
}

fuzz_target!(|data: &[u8]| {
    let Ok(c) = split_container(data) else {
        return;
    };
    // Documented shape: every part borrows from the input, the payload comes first and the
    // trailing length field (plus the CRC for 0.13) follows the policy.
    assert_eq!(offset_in(data, c.payload), 0);
    let policy_start = offset_in(data, c.policy);
    let policy_end = policy_start + c.policy.len();
    assert!(c.payload.len() <= policy_start);
    match c.format {
        ContainerFormat::V12 => {
            assert_eq!(c.entry_id, None);
            assert_eq!(c.payload.len(), policy_start);
            assert_eq!(policy_end + 8, data.len());
        }
        ContainerFormat::V13 => {
            let id = c.entry_id.expect("0.13 containers carry an entry id");
            assert_eq!(id.len(), 16);
            let id_start = offset_in(data, id);
            assert_eq!(id_start % 16, 0);
            assert_eq!(id_start + 16, policy_start);
            assert_eq!(policy_end + 12, data.len());
        }
    }
});
