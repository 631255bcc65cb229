//! Consent: recording grants, withdrawals and objections, and reading a subject's history.

use std::ffi::c_char;

use super::convert::{flag, json, optional_timestamp, timestamp};
use super::engine::zweck_engine;
use super::status::zweck_status;
use crate::consent::Consent;

/// The details every consent action shares; `notice_version` 0 means the purpose's current version.
fn consent(at: i64, notice_version: u32, source: &str) -> Result<Consent, zweck_status> {
    let mut consent = Consent::at(timestamp(at, "at")?).source(source);
    if notice_version != 0 {
        consent = consent.notice_version(notice_version);
    }
    Ok(consent)
}

/// Records that `subject` granted consent for `purpose` (which covers its child purposes).
///
/// - `subject`: the shop's customer id, 1 to 256 bytes of UTF-8 without control characters.
/// - `purpose`: a purpose key the policy declares, e.g. `"marketing"`.
/// - `at`: when the customer acted, in Unix seconds (not when it is recorded).
/// - `notice_version`: the privacy-notice version the customer saw; 0 means the purpose's current
///   version (right for a banner answered now; imported old consents must state theirs).
/// - `source`: where it was collected, e.g. `"cookie banner v3"`; 1 to 1024 bytes.
/// - `expires`: when the consent lapses, in Unix seconds, or 0 for no expiry of its own (the
///   purpose's `max_consent_age` still applies).
/// - `explicit_consent`: non-zero for explicit consent (Art. 9(2)(a) GDPR), a separate, specific
///   statement the customer made; required for special-category fields, and the only kind of grant
///   that lifts an earlier objection.
///
/// The event is durable when this returns (with a journal).
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument, an invalid subject id, an empty source,
/// a time outside the years 1 to 9999 or an expiry not after `at`; ZWECK_STATUS_INVALID_UTF8;
/// ZWECK_STATUS_UNKNOWN_PURPOSE; ZWECK_STATUS_SUBJECT_ERASED if the subject was erased;
/// ZWECK_STATUS_IO if the journal cannot be written. Nothing is recorded on failure.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject`, `purpose` and `source` are NULL or NUL-terminated
/// strings.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // flat scalar arguments suit C and PHP better than a struct
pub unsafe extern "C" fn zweck_consent_grant(
    engine: *const zweck_engine,
    subject: *const c_char,
    purpose: *const c_char,
    at: i64,
    notice_version: u32,
    source: *const c_char,
    expires: i64,
    explicit_consent: i32,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let purpose = try_str!(purpose);
        let source = try_str!(source);
        let mut consent = try_status!(consent(at, notice_version, source));
        if let Some(expires) = try_status!(optional_timestamp(expires, "expires")) {
            consent = consent.expires(expires);
        }
        if flag(explicit_consent) {
            consent = consent.explicit();
        }
        try_result!(engine.inner.grant(subject, purpose, consent));
        zweck_status::Ok
    }
}

/// Records that `subject` withdrew consent for `purpose` and its child purposes (Art. 7(3) GDPR).
/// Arguments are those of `zweck_consent_grant` without expiry and explicit flag; `source` says
/// where, e.g. `"unsubscribe link"`.
///
/// The event is durable when this returns (with a journal).
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: as `zweck_consent_grant`. Nothing is recorded on failure.
///
/// # Safety
/// As `zweck_consent_grant`.
#[no_mangle]
pub unsafe extern "C" fn zweck_consent_withdraw(
    engine: *const zweck_engine,
    subject: *const c_char,
    purpose: *const c_char,
    at: i64,
    notice_version: u32,
    source: *const c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let purpose = try_str!(purpose);
        let source = try_str!(source);
        let consent = try_status!(consent(at, notice_version, source));
        try_result!(engine.inner.withdraw(subject, purpose, consent));
        zweck_status::Ok
    }
}

/// Records that `subject` objected to `purpose` and its child purposes (Art. 21 GDPR), e.g. to
/// legitimate-interests processing. Only a later explicit grant lifts an objection. Arguments are
/// those of `zweck_consent_withdraw`.
///
/// The event is durable when this returns (with a journal).
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: as `zweck_consent_grant`. Nothing is recorded on failure.
///
/// # Safety
/// As `zweck_consent_grant`.
#[no_mangle]
pub unsafe extern "C" fn zweck_consent_object(
    engine: *const zweck_engine,
    subject: *const c_char,
    purpose: *const c_char,
    at: i64,
    notice_version: u32,
    source: *const c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let purpose = try_str!(purpose);
        let source = try_str!(source);
        let consent = try_status!(consent(at, notice_version, source));
        try_result!(engine.inner.object(subject, purpose, consent));
        zweck_status::Ok
    }
}

/// Writes every consent event of `subject`, oldest first, as a JSON array to `*history_out`: the
/// proof of consent (Art. 7(1) GDPR). Each event is an object with `subject`, `purpose`, `action`
/// (`"grant"`, `"withdraw"` or `"object"`), `at` (RFC 3339 UTC), `notice_version`, `source`, and,
/// when set, `expires`, `explicit` (true) and `evidence`. An unknown or erased subject gives `[]`.
///
/// Ownership: `*history_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument or an invalid subject id;
/// ZWECK_STATUS_INVALID_UTF8.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject` is NULL or a NUL-terminated string; `history_out` is
/// NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_consent_history(
    engine: *const zweck_engine,
    subject: *const c_char,
    history_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        check_out!(history_out);
        let history = try_result!(engine.inner.consent_history(subject));
        write_string_out!(history_out, try_status!(json(&history, "history_out")));
        zweck_status::Ok
    }
}
