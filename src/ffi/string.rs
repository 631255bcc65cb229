//! Strings that zweck allocates and hands to C, and `zweck_string_free` to give them back.

use std::ffi::{c_char, CString};

use super::error::fail;
use super::status::zweck_status;

/// Converts Rust text into an owned C string for an output parameter named `what`.
///
/// Text with an interior NUL byte cannot be a C string; that is reported as
/// `ZWECK_STATUS_INVALID_VALUE` rather than silently truncated.
pub(crate) fn into_raw_c_string(text: impl Into<Vec<u8>>, what: &str) -> Result<*mut c_char, zweck_status> {
    match CString::new(text) {
        Ok(text) => Ok(text.into_raw()),
        Err(err) => Err(fail(
            zweck_status::InvalidValue,
            format_args!(
                "`{what}` would contain a NUL byte at offset {}, which a C string cannot hold",
                err.nul_position()
            ),
        )),
    }
}

/// Releases a string that a zweck function returned as an owned `char *`.
///
/// Passing NULL does nothing, so it is safe to call on an output that was never filled.
///
/// Ownership: takes back a string zweck gave to the caller; the pointer is invalid afterwards.
/// Thread safety: may be called from any thread, including one other than the string's creator.
///
/// # Safety
///
/// `string` is NULL or a pointer that a zweck function wrote into a `char **` output, that has not
/// been released yet, and whose bytes were not modified. Never pass a string from `malloc`, a
/// string literal, or the `const char *` results of `zweck_version`, `zweck_status_str` or
/// `zweck_last_error_message`; never release the same string twice.
#[no_mangle]
pub unsafe extern "C" fn zweck_string_free(string: *mut c_char) {
    ffi_panic_boundary! {
        if !string.is_null() {
            // SAFETY: per the contract, `string` came from `CString::into_raw` in
            // `into_raw_c_string`, is released once, and still has its original length.
            drop(unsafe { CString::from_raw(string) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::error::last_error;

    #[test]
    fn releasing_null_does_nothing() {
        // SAFETY: NULL is explicitly allowed.
        unsafe { zweck_string_free(std::ptr::null_mut()) };
    }

    #[test]
    fn text_with_an_interior_nul_is_refused_and_named() {
        assert_eq!(into_raw_c_string("ab\0c", "export_out"), Err(zweck_status::InvalidValue));
        let message = last_error().unwrap_or_default();
        assert!(message.contains("`export_out`") && message.contains("offset 2"), "{message}");
    }

    #[test]
    fn owned_strings_come_back_through_zweck_string_free() {
        let raw = into_raw_c_string("{\"a\":1}", "json_out");
        assert!(raw.is_ok_and(|p| !p.is_null()));
        if let Ok(raw) = raw {
            // SAFETY: `raw` came from `into_raw_c_string` and is released once.
            unsafe { zweck_string_free(raw) };
        }
    }
}
