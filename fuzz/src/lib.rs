//! Fuzz harnesses for zweck. The logic lives in `harness.rs` so that `tests/fuzz_regressions.rs` in
//! the main crate can replay saved inputs through the very same code without libFuzzer.

pub mod harness;
