#![no_main]
//! Fuzz target `record_view`: see `zweck_fuzz::harness::record_view` for what it checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zweck_fuzz::harness::record_view(data));
