//! Fuzzes the pure request → outcome path (method, target with its query string, headers,
//! body): no input may panic, and every JSON body the mock sends must pass its schema.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use livechat_mock::fuzzing::Harness;

static HARNESS: OnceLock<Harness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    HARNESS.get_or_init(Harness::new).check(data);
});
