#![no_main]
//! Fuzz target `ffi_entry`: see `zweck_fuzz::harness::ffi_entry` for what it checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zweck_fuzz::harness::ffi_entry(data));
