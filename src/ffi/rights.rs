//! Data-subject rights and maintenance: export, erasure, retention, re-identification, key
//! rotation and compaction.

use std::ffi::c_char;

use super::convert::{json, record, timestamp};
use super::engine::zweck_engine;
use super::status::zweck_status;

/// What `zweck_compact` did; worth logging, since it shows that erased data left the disk.
///
/// Ownership: a plain value the caller allocates; `zweck_compact` fills it.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct zweck_compact_stats {
    /// Records before compaction.
    pub records_before: u64,
    /// Records after compaction (the live ones).
    pub records_after: u64,
    /// Bytes before compaction (the file size for a journal, payload bytes in memory).
    pub bytes_before: u64,
    /// Bytes after compaction.
    pub bytes_after: u64,
}

/// Writes everything zweck holds about `subject` (right of access and portability, Art. 15 and 20
/// GDPR) as JSON to `*export_out`: `{"subject", "generated_at", "policy", "erased", "data": [...],
/// "done": true}`, where `data` lists groups in the shape of WooCommerce's personal-data exporter
/// (`group_id`, `group_label`, `group_description`, `item_id`, `data: [{"name", "value"}]`): the
/// customer record's fields with their categories and users (when `record_json` is given), every
/// purpose with its legal basis, retention and the subject's status at `at`, the consent history,
/// and vault pseudonyms.
///
/// `record_json` is the customer's record as a JSON object, or NULL to leave it out (zweck keeps no
/// records of its own). `at` is the time in Unix seconds.
///
/// Ownership: `*export_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL required argument, an invalid subject id or a
/// time outside the years 1 to 9999; ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_INVALID_JSON if
/// `record_json` is not a JSON object.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject` and `record_json` are NULL or NUL-terminated strings;
/// `export_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_subject_export(
    engine: *const zweck_engine,
    subject: *const c_char,
    record_json: *const c_char,
    at: i64,
    export_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let record_json = try_opt_str!(record_json);
        let at = try_status!(timestamp(at, "at"));
        check_out!(export_out);
        let record = match record_json {
            Some(text) => Some(try_status!(record(text, "record_json"))),
            None => None,
        };
        let export = try_result!(engine.inner.export_subject(subject, record.as_ref(), at));
        write_string_out!(export_out, try_status!(json(&export, "export_out")));
        zweck_status::Ok
    }
}

/// Erases `subject` (right to be forgotten, Art. 17 GDPR): removes their consent events and vault
/// entries and leaves a tombstone, so every later decision about them is denied with
/// `ZWECK_REASON_SUBJECT_ERASED` and new consents for the id are refused. `reason` says why (e.g.
/// `"customer request via account page"`, 1 to 1024 bytes); `at` is the time in Unix seconds.
///
/// Writes the receipt as JSON to `*receipt_out`: `{"subject_hash", "at", "reason", "erased":
/// [{"what", "count"}], "retained": [{"field", "category", "purpose", "basis", "retention", "why"}],
/// "note"}`. It never contains the subject id; `retained` lists the fields the policy requires the
/// shop to keep (e.g. invoices under tax law). The tombstone is durable when this returns; the erased
/// records leave the journal file at the next `zweck_compact`.
///
/// Ownership: `*receipt_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument, an invalid subject id, an empty reason
/// or a time outside the years 1 to 9999; ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_SUBJECT_ERASED if
/// the subject was erased before; ZWECK_STATUS_IO. `receipt_out` is checked before anything is
/// erased.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject` and `reason` are NULL or NUL-terminated strings;
/// `receipt_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_subject_forget(
    engine: *const zweck_engine,
    subject: *const c_char,
    reason: *const c_char,
    at: i64,
    receipt_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let reason = try_str!(reason);
        let at = try_status!(timestamp(at, "at"));
        check_out!(receipt_out);
        let receipt = try_result!(engine.inner.forget_subject(subject, reason, at));
        write_string_out!(receipt_out, try_status!(json(&receipt, "receipt_out")));
        zweck_status::Ok
    }
}

/// Writes 1 to `*erased_out` if `subject` was erased with `zweck_subject_forget`, else 0.
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument; ZWECK_STATUS_INVALID_UTF8.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject` is NULL or a NUL-terminated string; `erased_out` is
/// NULL or points to writable storage for one `int32_t`.
#[no_mangle]
pub unsafe extern "C" fn zweck_subject_is_erased(
    engine: *const zweck_engine,
    subject: *const c_char,
    erased_out: *mut i32,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        write_out!(erased_out, i32::from(engine.inner.is_subject_erased(subject)));
        zweck_status::Ok
    }
}

/// The retention sweep (storage limitation, Art. 5(1)(e) GDPR): for each field of `record_json`
/// (collected at `collected_at`), whether the shop must keep, pseudonymise or erase it at `at` (both
/// Unix seconds) under the policy's retention periods. Writes a JSON array to `*steps_out`, one
/// object per field in input order: `{"field", "action": "keep" | "pseudonymise" | "erase",
/// "next_due": RFC 3339 or null, "because"}`. Fields the policy does not declare are due for erasure.
///
/// Ownership: `*steps_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument or a time outside the years 1 to 9999;
/// ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_INVALID_JSON if `record_json` is not a JSON object.
///
/// # Safety
/// `engine` is NULL or a live engine; `record_json` is NULL or a NUL-terminated string; `steps_out`
/// is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_retention_due(
    engine: *const zweck_engine,
    record_json: *const c_char,
    collected_at: i64,
    at: i64,
    steps_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let record_json = try_str!(record_json);
        let collected_at = try_status!(timestamp(collected_at, "collected_at"));
        let at = try_status!(timestamp(at, "at"));
        check_out!(steps_out);
        let record = try_status!(record(record_json, "record_json"));
        let steps = try_result!(engine.inner.retention_due(&record, collected_at, at));
        write_string_out!(steps_out, try_status!(json(&steps, "steps_out")));
        zweck_status::Ok
    }
}

/// Resolves a pseudonym through the vault, for a purpose the policy marks `"reidentify": true` (e.g.
/// fraud investigation). Writes `{"token", "subject", "field", "value"}` as JSON to `*result_out`;
/// `value` is the original value after the field's normaliser.
///
/// Only engines built with the vault enabled (`zweck_engine_options_set_vault`) know tokens, and
/// only those a `zweck_view` released. `at` (Unix seconds) dates the re-identification in the audit
/// log.
///
/// Ownership: `*result_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument or a time outside the years 1 to 9999;
/// ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_UNKNOWN_PURPOSE; ZWECK_STATUS_MALFORMED_TOKEN if `token` is not a zweck token;
/// ZWECK_STATUS_DENIED if the purpose may not re-identify, the engine has no vault, or the vault does
/// not know the token (never released, or its subject was erased).
///
/// # Safety
/// `engine` is NULL or a live engine; `token` and `purpose` are NULL or NUL-terminated strings;
/// `result_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_reidentify(
    engine: *const zweck_engine,
    token: *const c_char,
    purpose: *const c_char,
    at: i64,
    result_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let token = try_str!(token);
        let purpose = try_str!(purpose);
        let at = try_status!(timestamp(at, "at"));
        check_out!(result_out);
        let found = try_result!(engine.inner.reidentify(token, purpose, at));
        write_string_out!(result_out, try_status!(json(&found, "result_out")));
        zweck_status::Ok
    }
}

/// Makes a new master secret current: tokens made from now on carry `version`; older versions stay
/// in the engine to recognise older tokens and erasures. With the vault, every entry is pseudonymised
/// again under the new key. zweck copies the key; the caller may wipe its copy after the call.
///
/// The key ring is not stored in the journal: store the new secret with its version, and reopen the
/// journal with every version it was written with (`zweck_engine_options_add_key`).
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine;
/// calls running at the same time use either the old or the new key.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument; ZWECK_STATUS_KEY_INVALID if the key is
/// not 32 to 64 bytes long or `version` is already in use; ZWECK_STATUS_IO. On failure the current
/// key stays as it was.
///
/// # Safety
/// `engine` is NULL or a live engine; `key` is NULL or points to `key_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn zweck_rotate_key(
    engine: *const zweck_engine,
    version: u32,
    key: *const u8,
    key_len: usize,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let key = try_bytes!(key, key_len);
        try_result!(engine.inner.rotate_key(version, key));
        zweck_status::Ok
    }
}

/// Rewrites the engine's store with only the live records, so that the consent events and vault
/// entries of erased subjects leave the journal file for good; call it after `zweck_subject_forget`
/// when an erasure must be complete on disk at once. Writes what it did to `*stats_out`. The rewrite
/// is atomic: a crash leaves either the old or the new file.
///
/// Thread safety: may be called from any thread; writes on other threads wait until it is done.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument; ZWECK_STATUS_IO. `stats_out` is checked
/// before anything is rewritten.
///
/// # Safety
/// `engine` is NULL or a live engine; `stats_out` is NULL or points to writable storage for one
/// `zweck_compact_stats`.
#[no_mangle]
pub unsafe extern "C" fn zweck_compact(
    engine: *const zweck_engine,
    stats_out: *mut zweck_compact_stats,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        check_out!(stats_out);
        let stats = try_result!(engine.inner.compact());
        write_out!(
            stats_out,
            zweck_compact_stats {
                records_before: stats.records_before,
                records_after: stats.records_after,
                bytes_before: stats.bytes_before,
                bytes_after: stats.bytes_after,
            }
        );
        zweck_status::Ok
    }
}
