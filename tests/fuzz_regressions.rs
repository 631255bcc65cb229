//! Replays every saved fuzz input through the code the fuzz targets run, under plain `cargo test`:
//! the hand-made seeds in `fuzz/seeds/<target>/` and every input that once crashed a target, kept
//! in `fuzz/regressions/<target>/` next to the fix. A panic in any of them fails the test.
//!
//! The fuzz targets themselves live in `fuzz/` (cargo-fuzz, libFuzzer) and are not part of this
//! crate's build; `fuzz/run.sh SECONDS` runs each for a bounded time.

#[path = "../fuzz/src/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Runs every file of `fuzz/<kind>/<target>/` through the target; returns how many ran.
fn replay(kind: &str, target: &str) -> usize {
    let files = inputs(kind, target);
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let outcome = std::panic::catch_unwind(|| harness::run(target, &data));
        match outcome {
            Ok(Some(())) => {}
            Ok(None) => panic!("unknown fuzz target {target}"),
            Err(_) => panic!("{} panicked in target {target} (see the message above)", file.display()),
        }
    }
    files.len()
}

#[test]
fn every_saved_directory_names_a_target() {
    for kind in ["seeds", "regressions"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind);
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                assert!(harness::TARGETS.contains(&name.as_str()), "fuzz/{kind}/{name} is not a target");
            }
        }
    }
}

macro_rules! replays {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let seeds = replay("seeds", stringify!($name));
            let regressions = replay("regressions", stringify!($name));
            assert!(seeds > 0, "fuzz/seeds/{} has no seed inputs", stringify!($name));
            eprintln!("{}: {seeds} seeds, {regressions} regressions replayed", stringify!($name));
        }
    )*};
}

replays!(policy_json, tcf_decode, token_parse, record_view, journal_open, ffi_entry);

#[test]
fn the_reference_crc_matches_the_standard_check_value() {
    assert_eq!(harness::crc32c(b"123456789"), 0xE306_9283);
}
