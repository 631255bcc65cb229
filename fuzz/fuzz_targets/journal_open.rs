#![no_main]
//! Fuzz target `journal_open`: see `zweck_fuzz::harness::journal_open` for what it checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zweck_fuzz::harness::journal_open(data));
