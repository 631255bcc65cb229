//! Consent signals from outside the shop's own forms: TC strings (IAB TCF) and Global Privacy
//! Control.

use std::ffi::c_char;

use serde_json::json as json_value;

use super::convert::{json, timestamp};
use super::engine::zweck_engine;
use super::error::fail;
use super::status::zweck_status;
use crate::consent::tcf::TcString;

/// `zweck_tcf_decode` refuses strings that list more vendor ids than this in total: a few kilobytes
/// of hostile input can otherwise name millions of restricted vendors and produce gigabytes of JSON.
const MAX_LISTED_IDS: usize = 1 << 20;

/// Records what a TC string from the shop's consent banner (IAB TCF v2) says about `subject`, through
/// the policy's `"tcf"` mapping, as consent events; `at` is the server's current time in Unix
/// seconds. Mapped consent purposes get a grant if the string consents to every mapped TCF purpose,
/// otherwise a withdrawal; mapped legitimate-interests purposes get an objection if the string
/// objects. Events are dated by the string's LastUpdated; a string already recorded for the subject
/// records nothing, so call this on every request that carries the consent cookie.
///
/// Writes a summary as JSON to `*summary_out`: `{"events": <number recorded>, "granted": [...],
/// "withdrawn": [...], "objected": [...], "still_objected": [...], "issues": [...], "duplicate":
/// bool}` (purpose keys; `issues` are the validator's warnings; `still_objected` are purposes whose
/// earlier objection only an explicit grant can lift).
///
/// Ownership: `*summary_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument, an invalid subject id or a time outside
/// the years 1 to 9999; ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_POLICY_INVALID if the policy has no
/// `"tcf"` mapping; ZWECK_STATUS_TCF_INVALID if the string cannot be decoded (the last error names
/// segment, field and bit), is dated in the future, or is invalid under current TCF policy;
/// ZWECK_STATUS_SUBJECT_ERASED; ZWECK_STATUS_IO. Nothing is recorded on failure.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject` and `tc_string` are NULL or NUL-terminated strings;
/// `summary_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_tcf_record(
    engine: *const zweck_engine,
    subject: *const c_char,
    tc_string: *const c_char,
    at: i64,
    summary_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let tc_string = try_str!(tc_string);
        let at = try_status!(timestamp(at, "at"));
        check_out!(summary_out);
        let recorded = try_result!(engine.inner.record_tcf(subject, tc_string, at));
        let summary = json_value!({
            "events": recorded.events,
            "granted": recorded.granted,
            "withdrawn": recorded.withdrawn,
            "objected": recorded.objected,
            "still_objected": recorded.still_objected,
            "issues": recorded.issues,
            "duplicate": recorded.duplicate,
        });
        write_string_out!(summary_out, try_status!(json(&summary, "summary_out")));
        zweck_status::Ok
    }
}

/// Decodes a TC string (IAB TCF v2) without recording anything and writes it as one JSON object to
/// `*decoded_out`, with the keys `version`, `created`, `last_updated` (RFC 3339 UTC), `cmp_id`,
/// `cmp_version`, `consent_screen`, `consent_language`, `vendor_list_version`, `policy_version`,
/// `is_service_specific`, `use_non_standard_texts`, `special_feature_opt_ins`, `purpose_consents`,
/// `purpose_legitimate_interests`, `purpose_one_treatment`, `publisher_country_code`,
/// `vendor_consents`, `vendor_legitimate_interests`, `publisher_restrictions`, `disclosed_vendors`,
/// `publisher_purpose_consents`, `publisher_purpose_legitimate_interests`, `custom_purpose_consents`
/// and `custom_purpose_legitimate_interests`. Id sets are sorted integer lists; the keys of an absent
/// segment are null. Needs no engine.
///
/// Ownership: `*decoded_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument; ZWECK_STATUS_INVALID_UTF8;
/// ZWECK_STATUS_TCF_INVALID if the string cannot be decoded (the last error names segment, field and
/// bit) or lists more than 1048576 vendor ids in total.
///
/// # Safety
/// `tc_string` is NULL or a NUL-terminated string; `decoded_out` is NULL or points to writable
/// storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_tcf_decode(
    tc_string: *const c_char,
    decoded_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let tc_string = try_str!(tc_string);
        check_out!(decoded_out);
        let tc = try_result!(TcString::decode(tc_string).map_err(crate::Error::from));
        if tc.listed_ids() > MAX_LISTED_IDS {
            return fail(
                zweck_status::TcfInvalid,
                format_args!(
                    "TC string lists {} vendor ids, more than zweck_tcf_decode expands ({MAX_LISTED_IDS})",
                    tc.listed_ids()
                ),
            );
        }
        write_string_out!(decoded_out, try_status!(json(&tc.to_json(), "decoded_out")));
        zweck_status::Ok
    }
}

/// Records a Global Privacy Control signal (`Sec-GPC: 1`) from `subject`'s browser as an objection,
/// dated `at` (Unix seconds), to every purpose the policy flags `sale`, `sharing` or
/// `targeted_advertising`; `source` says where it was seen (e.g. `"Sec-GPC header, shop frontend"`).
/// Writes the purposes an objection was recorded for as a JSON array of keys to `*purposes_out`.
/// A purpose that already carries a GPC objection gets no new one, so call this on every request
/// with the header: after the first it records nothing and writes `[]`. An explicit grant given
/// after the signal wins over it.
///
/// Ownership: `*purposes_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument, an invalid subject id, an empty source
/// or a time outside the years 1 to 9999; ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_SUBJECT_ERASED;
/// ZWECK_STATUS_IO. Nothing is recorded on failure.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject` and `source` are NULL or NUL-terminated strings;
/// `purposes_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_gpc_record(
    engine: *const zweck_engine,
    subject: *const c_char,
    at: i64,
    source: *const c_char,
    purposes_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let at = try_status!(timestamp(at, "at"));
        let source = try_str!(source);
        check_out!(purposes_out);
        let objected = try_result!(engine.inner.record_gpc(subject, at, source));
        write_string_out!(purposes_out, try_status!(json(&objected, "purposes_out")));
        zweck_status::Ok
    }
}
