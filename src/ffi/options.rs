//! `zweck_engine_options`: the settings `zweck_engine_new_with_options` takes beyond policy and key.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::audit::zweck_audit_mode;
use super::boundary::{free_handle, into_handle};
use super::convert::flag;
use super::status::zweck_status;
use crate::{AuditMode, KeyRing};

/// Settings for `zweck_engine_new_with_options`: where the engine keeps its state, whether it keeps
/// a vault for re-identification, and the older key versions it must recognise.
///
/// A fresh options object means: state in memory, no vault, full audit trail, only the current key.
///
/// Ownership: created by `zweck_engine_options_new`, owned by the caller, released with
/// `zweck_engine_options_free`. `zweck_engine_new_with_options` copies what it needs, so the options
/// may be released, or reused for another engine, right after it returns.
/// Thread safety: not synchronised. Use one options object from one thread at a time; sharing it
/// read-only (several threads passing it to `zweck_engine_new_with_options` while nobody changes it)
/// is fine.
#[allow(non_camel_case_types)]
pub struct zweck_engine_options {
    pub(crate) journal: Option<PathBuf>,
    pub(crate) vault: bool,
    pub(crate) audit: AuditMode,
    /// Older (or future) master secrets as `(version, secret)`, zeroed when dropped.
    pub(crate) other_keys: Vec<(u32, Zeroizing<Vec<u8>>)>,
}

impl zweck_engine_options {
    /// The key ring the engine starts with: `key` under `version` is current, the added keys join it.
    pub(crate) fn key_ring(&self, version: u32, key: &[u8]) -> crate::Result<KeyRing> {
        let mut ring = KeyRing::new(version, key)?;
        for (other, secret) in &self.other_keys {
            ring.add_key(*other, secret)?;
        }
        Ok(ring)
    }
}

/// Creates an options object with the defaults: state in memory, no vault, full audit trail
/// (`ZWECK_AUDIT_MODE_FULL`), no older keys.
///
/// Ownership: `*options_out` belongs to the caller; release it with `zweck_engine_options_free`.
/// Thread safety: may be called from any thread.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if `options_out` is NULL.
///
/// # Safety
/// `options_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_options_new(
    options_out: *mut *mut zweck_engine_options,
) -> zweck_status {
    ffi_panic_boundary! {
        check_out!(options_out);
        write_out!(
            options_out,
            into_handle(zweck_engine_options {
                journal: None,
                vault: false,
                audit: AuditMode::default(),
                other_keys: Vec::new(),
            })
        );
        zweck_status::Ok
    }
}

/// Releases an options object. Passing NULL does nothing. Added key material is zeroed.
///
/// Ownership: takes back the object; the pointer is invalid afterwards. Engines built from it are not
/// affected.
/// Thread safety: call it once, after every other call using the object has returned.
///
/// # Safety
/// `options` is NULL or came from `zweck_engine_options_new` and has not been released yet.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_options_free(options: *mut zweck_engine_options) {
    ffi_panic_boundary! {
        // SAFETY: per the contract, `options` is NULL or a live handle from `into_handle`, freed once.
        unsafe { free_handle(options) }
    }
}

/// Keeps the engine's state in the journal file at `path` (created if missing), so consents,
/// erasures and vault entries survive restarts and crashes; every write is synced to disk before the
/// function that made it returns. Replaces an earlier path. Only one engine, in one process, can
/// have a journal open at a time.
///
/// The path is only stored here; it is opened by `zweck_engine_new_with_options`.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if `options` or `path` is NULL or `path` is empty;
/// ZWECK_STATUS_INVALID_UTF8 if `path` is not UTF-8.
///
/// # Safety
/// `options` is NULL or a live options object not used by another thread during the call; `path` is
/// NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_options_set_journal(
    options: *mut zweck_engine_options,
    path: *const std::ffi::c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let options = try_mut!(options);
        let path = try_str!(path);
        if path.is_empty() {
            return super::error::fail(
                zweck_status::InvalidArgument,
                "argument `path` is empty; pass the journal file's path",
            );
        }
        options.journal = Some(PathBuf::from(path));
        zweck_status::Ok
    }
}

/// Turns the vault on (`enabled` non-zero) or off (0). With the vault, every pseudonym a view
/// releases is remembered with its original value, so that purposes marked `"reidentify": true` in
/// the policy can resolve it with `zweck_reidentify`. Off by default, because the vault holds
/// original values.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if `options` is NULL.
///
/// # Safety
/// `options` is NULL or a live options object not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_options_set_vault(
    options: *mut zweck_engine_options,
    enabled: i32,
) -> zweck_status {
    ffi_panic_boundary! {
        let options = try_mut!(options);
        options.vault = flag(enabled);
        zweck_status::Ok
    }
}

/// Adds an older master secret under `version`, so that an engine whose journal was written before
/// a `zweck_rotate_key` recognises the older tokens and erasures. The key passed to
/// `zweck_engine_new_with_options` stays current. zweck copies the bytes; the caller may wipe its
/// copy right after the call.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if `options` is NULL or `key` is NULL with a non-zero
/// length; ZWECK_STATUS_KEY_INVALID if the key is not 32 to 64 bytes long or `version` was already
/// added. A version equal to the current key's is refused when the engine is built.
///
/// # Safety
/// `options` is NULL or a live options object not used by another thread during the call; `key` is
/// NULL or points to `key_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_options_add_key(
    options: *mut zweck_engine_options,
    version: u32,
    key: *const u8,
    key_len: usize,
) -> zweck_status {
    ffi_panic_boundary! {
        let options = try_mut!(options);
        let key = try_bytes!(key, key_len);
        // Checks the length now, so the error points at this call rather than at the engine's.
        try_result!(KeyRing::new(version, key));
        if options.other_keys.iter().any(|(v, _)| *v == version) {
            return super::error::fail(
                zweck_status::KeyInvalid,
                format_args!(
                    "key version {version} was already added to these options; each version has one secret"
                ),
            );
        }
        options.other_keys.push((version, Zeroizing::new(key.to_vec())));
        zweck_status::Ok
    }
}

/// Sets what the engine's audit trail records: a `zweck_audit_mode` value, `ZWECK_AUDIT_MODE_FULL`
/// (every change and every access decision; the default), `ZWECK_AUDIT_MODE_CHANGES` or
/// `ZWECK_AUDIT_MODE_OFF`.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if `options` is NULL or `mode` is not a
/// `zweck_audit_mode` value.
///
/// # Safety
/// `options` is NULL or a live options object not used by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn zweck_engine_options_set_audit(
    options: *mut zweck_engine_options,
    mode: i32,
) -> zweck_status {
    ffi_panic_boundary! {
        let options = try_mut!(options);
        let Some(mode) = zweck_audit_mode::mode_of(mode) else {
            return super::error::fail(
                zweck_status::InvalidArgument,
                format_args!(
                    "argument `mode` is {mode}, not a zweck_audit_mode; pass ZWECK_AUDIT_MODE_OFF (0), \
                     ZWECK_AUDIT_MODE_CHANGES (1) or ZWECK_AUDIT_MODE_FULL (2)"
                ),
            );
        };
        options.audit = mode;
        zweck_status::Ok
    }
}
