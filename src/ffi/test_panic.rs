//! A deliberate panic, compiled only with `--cfg zweck_test_panic`, so that the tests can prove from
//! C that a panic inside zweck becomes `ZWECK_STATUS_PANIC` and the host process survives.
//!
//! It is not part of the header and not part of a normal build.

use super::status::zweck_status;

/// Panics inside the boundary; always returns `ZWECK_STATUS_PANIC`, with last error
/// `internal panic: zweck_test_panic was called`. Exists only in test builds of the library.
#[no_mangle]
pub extern "C" fn zweck_test_panic() -> zweck_status {
    ffi_panic_boundary! {
        trigger()
    }
}

/// Typed as returning a status so that the boundary's closure has the same type as in real entry
/// points.
fn trigger() -> zweck_status {
    panic!("zweck_test_panic was called")
}
