#![no_main]
//! Fuzz target `token_parse`: see `zweck_fuzz::harness::token_parse` for what it checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zweck_fuzz::harness::token_parse(data));
