//! The checked-in headers must be exactly what build.rs generates from `src/ffi/` and
//! `cbindgen.toml` today, so that C and PHP users never compile against a stale ABI description.

use std::path::Path;

/// build.rs writes freshly generated headers into the package's `OUT_DIR` on every build.
const GENERATED_DIR: &str = env!("OUT_DIR");

fn assert_header_is_current(name: &str) {
    let generated_path = Path::new(GENERATED_DIR).join(name);
    let checked_in_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include").join(name);
    let generated = std::fs::read_to_string(&generated_path)
        .unwrap_or_else(|e| panic!("build.rs did not generate {}: {e}", generated_path.display()));
    let checked_in = std::fs::read_to_string(&checked_in_path).unwrap_or_default();
    if generated != checked_in {
        let first_difference = generated
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| generated.lines().count().min(checked_in.lines().count()));
        panic!(
            "include/{name} is out of date with src/ffi/ and cbindgen.toml (first difference at line {}).\n\
             Regenerate it with `make headers` (or `ZWECK_UPDATE_HEADERS=1 cargo build`), review the diff, \
             and commit include/.",
            first_difference + 1
        );
    }
}

#[test]
fn c_header_matches_the_generated_one() {
    assert_header_is_current("zweck.h");
}

#[test]
fn php_header_matches_the_generated_one() {
    assert_header_is_current("zweck_php.h");
}

#[test]
fn php_header_starts_with_the_ffi_scope_and_library() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/zweck_php.h"))
        .unwrap_or_default();
    let mut lines = header.lines();
    assert_eq!(lines.next(), Some("#define FFI_SCOPE \"zweck\""));
    assert_eq!(lines.next(), Some("#define FFI_LIB \"libzweck.so\""));
    for directive in ["#include", "#ifdef", "#ifndef", "#if ", "extern \"C\"", "#pragma"] {
        assert!(!header.contains(directive), "PHP's FFI parser cannot handle `{directive}`");
    }
}
