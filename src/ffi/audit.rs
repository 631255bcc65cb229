//! The audit trail: choosing what it records, writing buffered entries, and verifying the chain.

use std::ffi::c_char;

use super::convert::json;
use super::engine::zweck_engine;
use super::error::fail;
use super::status::zweck_status;
use crate::audit::AuditHead;
use crate::AuditMode;

/// What an engine's audit trail records; pass it to `zweck_engine_options_set_audit` as an int32_t.
/// The values never change.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zweck_audit_mode {
    /// Nothing. `zweck_audit_verify` then fails with ZWECK_STATUS_AUDIT_BROKEN.
    Off = 0,
    /// Every change: consent events, erasures, exports, re-identifications, key rotations and
    /// compactions, each in the same atomic write as the change itself.
    Changes = 1,
    /// Every change and every access decision (`zweck_decide`, `zweck_view`). The default.
    Full = 2,
}

impl zweck_audit_mode {
    /// The Rust mode for a C integer, if it names one.
    pub(crate) fn mode_of(value: i32) -> Option<AuditMode> {
        match value {
            v if v == Self::Off as i32 => Some(AuditMode::Off),
            v if v == Self::Changes as i32 => Some(AuditMode::Changes),
            v if v == Self::Full as i32 => Some(AuditMode::Full),
            _ => None,
        }
    }
}

/// Writes the audit entries of access decisions that are still buffered to the store now.
///
/// In `ZWECK_AUDIT_MODE_FULL`, decision entries are buffered to keep reads cheap and written with
/// the next change, every 256 entries, by this function, and when the engine is freed. A crash can
/// lose buffered decision entries, never a change; call this where a decision must be on record
/// at once (e.g. before answering an auditor).
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if `engine` is NULL; ZWECK_STATUS_IO if the journal cannot
/// be written.
///
/// # Safety
/// `engine` is NULL or a live engine.
#[no_mangle]
pub unsafe extern "C" fn zweck_audit_flush(engine: *const zweck_engine) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        try_result!(engine.inner.flush_audit());
        zweck_status::Ok
    }
}

/// Verifies the engine's whole audit chain: every entry must authenticate its predecessor under the
/// audit key (HMAC-SHA256), so an entry that was changed, removed, inserted or reordered is found.
/// Writes `{"entries": <number checked>, "head": {"count", "mac"}}` as JSON to `*report_out`.
///
/// The chain alone cannot tell a log whose newest entries were cut off from a shorter log. Keep the
/// `head` of a report outside the journal (the shop's database, a ticket) and pass it back as
/// `anchor_json` (the `{"count", "mac"}` object) to detect that too; NULL checks without an anchor.
///
/// Ownership: `*report_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL `engine` or `report_out`;
/// ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_INVALID_JSON if `anchor_json` is not a `{"count",
/// "mac"}` object whose `mac` is 64 lowercase hex digits; ZWECK_STATUS_AUDIT_BROKEN if the chain fails verification (the last error names
/// the entry and what is wrong there) or the engine keeps no audit log; ZWECK_STATUS_IO.
///
/// # Safety
/// `engine` is NULL or a live engine; `anchor_json` is NULL or a NUL-terminated string; `report_out`
/// is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_audit_verify(
    engine: *const zweck_engine,
    anchor_json: *const c_char,
    report_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let anchor_json = try_opt_str!(anchor_json);
        check_out!(report_out);
        let anchor = match anchor_json {
            None => None,
            Some(text) => match serde_json::from_str::<AuditHead>(text) {
                // A mac no report could contain is a mistake in the argument, not a broken log.
                Ok(head) if is_mac_hex(&head.mac) => Some(head),
                Ok(head) => {
                    return fail(
                        zweck_status::InvalidJson,
                        format_args!(
                            "argument `anchor_json` has a \"mac\" of {} bytes that is not 64 lowercase hex \
                             digits; pass the \"head\" object of an earlier report unchanged",
                            head.mac.len()
                        ),
                    )
                }
                Err(err) => {
                    return fail(
                        zweck_status::InvalidJson,
                        format_args!(
                            "argument `anchor_json` is not an audit head ({err}); pass the \"head\" object of \
                             an earlier report, {{\"count\": <entries>, \"mac\": \"<64 hex digits>\"}}"
                        ),
                    )
                }
            },
        };
        let report = try_result!(engine.inner.verify_audit(anchor.as_ref()));
        write_string_out!(report_out, try_status!(json(&report, "report_out")));
        zweck_status::Ok
    }
}

/// Whether `mac` has the form of a report's mac: 64 lowercase hex digits.
fn is_mac_hex(mac: &str) -> bool {
    mac.len() == 64 && mac.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_value_maps_and_others_are_refused() {
        assert_eq!(zweck_audit_mode::mode_of(0), Some(AuditMode::Off));
        assert_eq!(zweck_audit_mode::mode_of(1), Some(AuditMode::Changes));
        assert_eq!(zweck_audit_mode::mode_of(2), Some(AuditMode::Full));
        for bad in [-1, 3, i32::MAX] {
            assert_eq!(zweck_audit_mode::mode_of(bad), None);
        }
    }
}
