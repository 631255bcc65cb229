//! `zweck_engine`: creating, opening and releasing an engine, and its key version.

use std::ffi::c_char;

use super::boundary::{free_handle, into_handle};
use super::options::zweck_engine_options;
use super::status::zweck_status;
use crate::policy::Policy;
use crate::{Engine, KeyRing};

/// A zweck engine: one policy, one key ring and one consent ledger, the object every other function
/// works on.
///
/// Ownership: created by `zweck_engine_new`, `zweck_engine_open` or `zweck_engine_new_with_options`
/// and owned by the caller, who releases it exactly once with `zweck_engine_free`.
/// Lifetime: it lives until `zweck_engine_free`; strings it returned live on independently.
/// Thread safety: one engine may be shared by any number of threads and used by all of them at
/// once: every function that takes a `const zweck_engine *` synchronises internally (reads never
/// wait for one another; a consent write locks only the part of the ledger holding its subject).
/// The only exception is `zweck_engine_free`, which must run once, after every other call on the
/// engine has returned, with no call started afterwards.
#[allow(non_camel_case_types)]
pub struct zweck_engine {
    pub(crate) inner: Engine,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<zweck_engine>();
};

/// Creates an engine whose state (consents, erasures) lives in memory and is lost when it is freed.
///
/// `policy_json` is the policy document (see the README); `key`/`key_len` is the master secret
/// (32 to 64 bytes; load it from a secret store) and `key_version` its version number, which every
/// token carries (`k<version>_...`). zweck copies the key; the caller may wipe its copy right after
/// the call. For durable state use `zweck_engine_open`.
///
/// Ownership: `*engine_out` belongs to the caller; release it with `zweck_engine_free`.
/// Thread safety: may be called from any thread.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument; ZWECK_STATUS_INVALID_UTF8;
/// ZWECK_STATUS_POLICY_INVALID if the policy is not valid JSON or not a valid policy (the last error
/// gives the path inside the document, or line and column); ZWECK_STATUS_KEY_INVALID if the key is
/// not 32 to 64 bytes long.
///
/// # Safety
/// `policy_json` is NULL or a NUL-terminated string; `key` is NULL or points to `key_len` readable
/// bytes; `engine_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_new(
    policy_json: *const c_char,
    key: *const u8,
    key_len: usize,
    key_version: u32,
    engine_out: *mut *mut zweck_engine,
) -> zweck_status {
    ffi_panic_boundary! {
        let policy_json = try_str!(policy_json);
        let key = try_bytes!(key, key_len);
        check_out!(engine_out);
        let policy = try_result!(Policy::from_json(policy_json));
        let keys = try_result!(KeyRing::new(key_version, key));
        write_out!(engine_out, into_handle(zweck_engine { inner: Engine::new(policy, keys) }));
        zweck_status::Ok
    }
}

/// Creates an engine whose state lives in the journal file at `journal_path` (created if missing):
/// consents, erasures and vault entries survive restarts and crashes, and every change is on disk
/// before the function that made it returns. Arguments are those of `zweck_engine_new`, plus the path.
///
/// Reopen a journal with the same policy and every key version it was written with (after a
/// `zweck_rotate_key`, add the older ones with `zweck_engine_new_with_options`). A journal can be
/// open in only one engine, in one process, at a time.
///
/// Ownership: `*engine_out` belongs to the caller; release it with `zweck_engine_free`, which also
/// closes the journal.
/// Thread safety: may be called from any thread.
///
/// Errors: as `zweck_engine_new`, plus ZWECK_STATUS_INVALID_ARGUMENT if `journal_path` is empty
/// (nothing is created then); ZWECK_STATUS_IO if the file cannot be created or read;
/// ZWECK_STATUS_LOCKED if another engine has it open, ZWECK_STATUS_CORRUPT if it is damaged (it is
/// then left untouched), ZWECK_STATUS_UNKNOWN_KEY_VERSION or ZWECK_STATUS_KEY_INVALID if it holds
/// erasures made under a key version that is missing or has a different secret.
///
/// # Safety
/// As `zweck_engine_new`; `journal_path` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_open(
    policy_json: *const c_char,
    key: *const u8,
    key_len: usize,
    key_version: u32,
    journal_path: *const c_char,
    engine_out: *mut *mut zweck_engine,
) -> zweck_status {
    ffi_panic_boundary! {
        let policy_json = try_str!(policy_json);
        let key = try_bytes!(key, key_len);
        let journal_path = try_str!(journal_path);
        // An empty path would otherwise name the lock file `.lock` in the working directory, created
        // before the open fails.
        if journal_path.is_empty() {
            return super::error::fail(
                zweck_status::InvalidArgument,
                "argument `journal_path` is empty; pass the journal file's path",
            );
        }
        check_out!(engine_out);
        let policy = try_result!(Policy::from_json(policy_json));
        let keys = try_result!(KeyRing::new(key_version, key));
        let engine = try_result!(Engine::builder(policy, keys).journal(journal_path).open());
        write_out!(engine_out, into_handle(zweck_engine { inner: engine }));
        zweck_status::Ok
    }
}

/// Creates an engine with the settings in `options` (journal, vault, older keys); NULL `options`
/// means the defaults, as `zweck_engine_new`. The other arguments are those of `zweck_engine_new`.
/// The options are only read: release or reuse them once this returns.
///
/// Ownership: `*engine_out` belongs to the caller; release it with `zweck_engine_free`.
/// Thread safety: may be called from any thread, as long as no thread changes `options` meanwhile.
///
/// Errors: as `zweck_engine_open`; ZWECK_STATUS_KEY_INVALID also if an added key has the current
/// key's version.
///
/// # Safety
/// As `zweck_engine_new`; `options` is NULL or a live options object that no thread changes during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_new_with_options(
    policy_json: *const c_char,
    key: *const u8,
    key_len: usize,
    key_version: u32,
    options: *const zweck_engine_options,
    engine_out: *mut *mut zweck_engine,
) -> zweck_status {
    ffi_panic_boundary! {
        let policy_json = try_str!(policy_json);
        let key = try_bytes!(key, key_len);
        let options = if options.is_null() { None } else { Some(try_ref!(options)) };
        check_out!(engine_out);
        let policy = try_result!(Policy::from_json(policy_json));
        let engine = match options {
            None => Engine::new(policy, try_result!(KeyRing::new(key_version, key))),
            Some(options) => {
                let keys = try_result!(options.key_ring(key_version, key));
                let mut builder = Engine::builder(policy, keys).vault(options.vault).audit(options.audit);
                if let Some(path) = &options.journal {
                    builder = builder.journal(path);
                }
                try_result!(builder.open())
            }
        };
        write_out!(engine_out, into_handle(zweck_engine { inner: engine }));
        zweck_status::Ok
    }
}

/// Releases an engine: closes its journal, if any, and zeroes its key material. Passing NULL does
/// nothing.
///
/// Ownership: takes back the engine; the pointer is invalid afterwards. Strings the engine returned
/// stay valid until released with `zweck_string_free`.
/// Thread safety: call it exactly once, after every other call on the engine (from any thread) has
/// returned, and start no call on it afterwards.
///
/// # Safety
/// `engine` is NULL or came from one of the engine constructors and has not been released yet.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_free(engine: *mut zweck_engine) {
    ffi_panic_boundary! {
        // SAFETY: per the contract, `engine` is NULL or a live handle from `into_handle`, freed once,
        // with no call in flight.
        unsafe { free_handle(engine) }
    }
}

/// Writes the current key version (the one new tokens carry) to `*version_out`.
///
/// Thread safety: may be called from any thread; a concurrent `zweck_rotate_key` may change the
/// answer right after.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if an argument is NULL.
///
/// # Safety
/// `engine` is NULL or a live engine; `version_out` is NULL or points to writable storage for one
/// `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn zweck_key_version(
    engine: *const zweck_engine,
    version_out: *mut u32,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        write_out!(version_out, engine.inner.key_version());
        zweck_status::Ok
    }
}
