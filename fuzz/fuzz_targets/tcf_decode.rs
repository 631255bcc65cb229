#![no_main]
//! Fuzz target `tcf_decode`: see `zweck_fuzz::harness::tcf_decode` for what it checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zweck_fuzz::harness::tcf_decode(data));
