#![no_main]
//! Fuzz target `policy_json`: see `zweck_fuzz::harness::policy_json` for what it checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zweck_fuzz::harness::policy_json(data));
