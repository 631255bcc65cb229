//! What the policy says, for people: the privacy notice and the records of processing.

use std::ffi::c_char;

use super::convert::json;
use super::engine::zweck_engine;
use super::status::zweck_status;

/// Writes the privacy notice the engine's policy implies, as Markdown, to `*notice_out`: the
/// controller, every purpose with its legal basis, data, retention and how to withdraw or object,
/// and the customer's rights. The text depends only on the policy, so it can be cached per policy.
///
/// Ownership: `*notice_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if an argument is NULL.
///
/// # Safety
/// `engine` is NULL or a live engine; `notice_out` is NULL or points to writable storage for one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_notice(
    engine: *const zweck_engine,
    notice_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        check_out!(notice_out);
        write_string_out!(notice_out, engine.inner.policy().privacy_notice());
        zweck_status::Ok
    }
}

/// Writes the records of processing activities (Art. 30 GDPR) the engine's policy implies, as JSON,
/// to `*records_out`: `{"format": "zweck.processing_records.v1", "name", "controller",
/// "data_subjects", "purposes": [...], "security_measures": [...]}`, one purpose entry per purpose
/// with its legal basis, data categories, fields and treatments, retention and flags (the README
/// describes every key). Key order is fixed: the same policy always gives the same text.
///
/// Ownership: `*records_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if an argument is NULL.
///
/// # Safety
/// `engine` is NULL or a live engine; `records_out` is NULL or points to writable storage for one
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_processing_records(
    engine: *const zweck_engine,
    records_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        check_out!(records_out);
        let records = engine.inner.policy().processing_records();
        write_string_out!(records_out, try_status!(json(&records, "records_out")));
        zweck_status::Ok
    }
}
