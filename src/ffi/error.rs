//! The last error of the calling thread: the human-readable detail behind a non-zero status.
//!
//! Each thread has its own slot, so concurrent callers never see each other's messages. Only failures
//! write it; a successful call leaves it as it was, like `errno`. Reading it is therefore meaningful
//! right after a function returned a non-zero status, and not otherwise.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::fmt::Display;

use super::status::{status_of, zweck_status};

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Records `message` as the calling thread's last error. Interior NUL bytes, which a C string cannot
/// hold, are shown as `\0`.
pub(crate) fn set_last_error(message: &str) {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // During thread teardown the slot may already be gone; the message is then simply dropped.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(message);
        }
    });
}

/// Sets the last error and returns `status`, for `return fail(status, "what is wrong; the fix")`.
pub(crate) fn fail(status: zweck_status, message: impl Display) -> zweck_status {
    set_last_error(&message.to_string());
    status
}

/// Maps a crate error to its status and records its `Display` text (which never contains key
/// material) as the last error.
pub(crate) fn fail_with(err: &crate::Error) -> zweck_status {
    fail(status_of(err), err)
}

/// The failure for a NULL pointer where one is required.
pub(crate) fn null_argument(name: &str) -> zweck_status {
    fail(zweck_status::InvalidArgument, format_args!("argument `{name}` is NULL; pass a valid pointer"))
}

/// The calling thread's last error as Rust text, for tests.
#[cfg(test)]
pub(crate) fn last_error() -> Option<String> {
    LAST_ERROR.with(|slot| slot.borrow().as_ref().map(|m| m.to_string_lossy().into_owned()))
}

/// Returns the message describing the most recent failure of a zweck function on the calling thread.
///
/// The message is English text for logs and developers, naming the argument at fault and, where
/// there is one, the fix. It never contains key material. Do not parse it: branch on the returned
/// `zweck_status` instead.
///
/// Returns `""` (never NULL) when no zweck function has failed on this thread yet. A successful call
/// does not clear the message, so read it right after a function returned a non-zero status.
///
/// Ownership: the string belongs to zweck; do not free or modify it. Lifetime: it stays valid until
/// the next failing zweck call on the same thread, or until the thread exits; copy it to keep it longer.
/// Thread safety: may be called from any thread; each thread sees only its own failures.
#[no_mangle]
pub extern "C" fn zweck_last_error_message() -> *const c_char {
    ffi_panic_boundary! {
        LAST_ERROR
            .try_with(|slot| match slot.try_borrow() {
                Ok(slot) => slot.as_ref().map(|message| message.as_ptr()),
                Err(_) => None,
            })
            .ok()
            .flatten()
            .unwrap_or(c"".as_ptr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn message() -> String {
        // SAFETY: the function never returns NULL and the text lives until the next failure here.
        unsafe { CStr::from_ptr(zweck_last_error_message()) }.to_string_lossy().into_owned()
    }

    #[test]
    fn no_failure_yet_gives_an_empty_message() {
        std::thread::spawn(|| assert_eq!(message(), "")).join().expect("thread");
    }

    #[test]
    fn a_failure_sets_the_message_and_success_leaves_it() {
        assert_eq!(fail(zweck_status::Io, "opening journal x: denied"), zweck_status::Io);
        assert_eq!(message(), "opening journal x: denied");
        let _ = crate::ffi::version::zweck_version();
        assert_eq!(message(), "opening journal x: denied");
    }

    #[test]
    fn interior_nul_bytes_are_escaped() {
        set_last_error("a\0b");
        assert_eq!(message(), "a\\0b");
    }

    #[test]
    fn each_thread_sees_only_its_own_failure() {
        set_last_error("main thread failure");
        std::thread::spawn(|| {
            set_last_error("worker failure");
            assert_eq!(message(), "worker failure");
        })
        .join()
        .expect("worker thread");
        assert_eq!(message(), "main thread failure");
    }

    #[test]
    fn crate_errors_map_to_their_status_and_display_text() {
        let err = crate::Error::UnknownKeyVersion(9);
        assert_eq!(fail_with(&err), zweck_status::UnknownKeyVersion);
        assert_eq!(message(), err.to_string());
    }
}
