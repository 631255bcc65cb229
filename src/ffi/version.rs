//! `zweck_version`: which build of the library the host has loaded.

use std::ffi::{c_char, CStr};

/// The crate version as a C string, checked at compile time.
const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(version) => version,
    Err(_) => panic!("CARGO_PKG_VERSION contains a NUL byte"),
};

/// Returns the version of the loaded zweck library, such as `"0.1.0"` (semantic versioning).
///
/// Compare it with the version of the header you compiled against to catch a stale shared library.
///
/// Ownership: the string is static; never free it. It never is NULL.
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn zweck_version() -> *const c_char {
    ffi_panic_boundary! {
        VERSION.as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(zweck_version()) };
        assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    }
}
