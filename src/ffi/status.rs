//! `zweck_status`, the result code of every fallible C function, and its names.

use std::ffi::{c_char, CStr};

use crate::Error;

/// The result of a zweck function: `ZWECK_STATUS_OK` (0) on success, a non-zero code on failure.
///
/// The numeric values are part of the ABI and never change; new codes are only ever added at the end,
/// so treat any unknown non-zero value as a failure. After a failure,
/// `zweck_last_error_message()` gives the detail for logs, and `zweck_status_str()` a short name.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum zweck_status {
    /// Success. Output parameters have been written.
    Ok = 0,
    /// A required pointer was NULL, or a size was zero or too large where that is not allowed.
    InvalidArgument = 1,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 2,
    /// A JSON argument is not well-formed JSON or does not have the expected shape.
    InvalidJson = 3,
    /// The policy document is malformed or inconsistent.
    PolicyInvalid = 4,
    /// A purpose key the policy does not declare.
    UnknownPurpose = 5,
    /// A field name the policy does not declare.
    UnknownField = 6,
    /// A master key is unusable (wrong length, duplicate version, ...).
    KeyInvalid = 7,
    /// A token or operation refers to a key version the key ring does not hold.
    UnknownKeyVersion = 8,
    /// A string that should be a zweck token is not one.
    MalformedToken = 9,
    /// A caller-provided output buffer is too small for the result.
    BufferTooSmall = 10,
    /// A value cannot be normalised, masked or generalised by the rule that applies to it.
    InvalidValue = 11,
    /// A file operation failed.
    Io = 12,
    /// Stored data failed its integrity check.
    Corrupt = 13,
    /// The store is in use by another process or handle.
    Locked = 14,
    /// The operation is not permitted for this subject or purpose.
    Denied = 15,
    /// A TCF consent string is malformed or unsupported.
    TcfInvalid = 16,
    /// zweck hit an internal bug and caught the panic; the call had no effect that can be relied on.
    Panic = 17,
    /// The subject was erased (right to be forgotten); its id cannot be used again. Give the customer
    /// a new id.
    SubjectErased = 18,
    /// The audit log failed verification or cannot be continued: an entry was changed, removed or
    /// reordered, or it was written under another audit key.
    AuditBroken = 19,
}

impl zweck_status {
    /// Every status in numeric order; `ALL[n]` has the value `n`.
    pub const ALL: [zweck_status; 20] = [
        Self::Ok,
        Self::InvalidArgument,
        Self::InvalidUtf8,
        Self::InvalidJson,
        Self::PolicyInvalid,
        Self::UnknownPurpose,
        Self::UnknownField,
        Self::KeyInvalid,
        Self::UnknownKeyVersion,
        Self::MalformedToken,
        Self::BufferTooSmall,
        Self::InvalidValue,
        Self::Io,
        Self::Corrupt,
        Self::Locked,
        Self::Denied,
        Self::TcfInvalid,
        Self::Panic,
        Self::SubjectErased,
        Self::AuditBroken,
    ];

    /// The status with numeric value `value`, if there is one. Taking an `i32` rather than the enum
    /// is how C integers are checked before they become a Rust enum.
    pub fn from_i32(value: i32) -> Option<Self> {
        usize::try_from(value).ok().and_then(|index| Self::ALL.get(index).copied())
    }

    /// A short, stable, lowercase name for the status.
    pub fn name(self) -> &'static CStr {
        match self {
            Self::Ok => c"ok",
            Self::InvalidArgument => c"invalid argument",
            Self::InvalidUtf8 => c"invalid UTF-8",
            Self::InvalidJson => c"invalid JSON",
            Self::PolicyInvalid => c"invalid policy",
            Self::UnknownPurpose => c"unknown purpose",
            Self::UnknownField => c"unknown field",
            Self::KeyInvalid => c"invalid key",
            Self::UnknownKeyVersion => c"unknown key version",
            Self::MalformedToken => c"malformed token",
            Self::BufferTooSmall => c"buffer too small",
            Self::InvalidValue => c"invalid value",
            Self::Io => c"I/O error",
            Self::Corrupt => c"corrupt data",
            Self::Locked => c"locked",
            Self::Denied => c"denied",
            Self::TcfInvalid => c"invalid TCF string",
            Self::Panic => c"internal panic",
            Self::SubjectErased => c"subject erased",
            Self::AuditBroken => c"audit log broken",
        }
    }
}

/// The status a crate error is reported as.
///
/// Every variant has its own arm (no wildcard), so a new `Error` variant fails to compile here until
/// it is given a status: an existing one if the C caller should handle it the same way, otherwise a
/// new status appended at the end of [`zweck_status`].
pub fn status_of(err: &Error) -> zweck_status {
    match err {
        Error::Policy { .. } => zweck_status::PolicyInvalid,
        Error::UnknownPurpose { .. } => zweck_status::UnknownPurpose,
        Error::UnknownField { .. } => zweck_status::UnknownField,
        Error::InvalidKey(_) => zweck_status::KeyInvalid,
        Error::UnknownKeyVersion(_) => zweck_status::UnknownKeyVersion,
        Error::MalformedToken(_) => zweck_status::MalformedToken,
        Error::BufferTooSmall { .. } => zweck_status::BufferTooSmall,
        // A TC string that decodes but is dated in the future or invalid under current TCF policy is
        // as unusable to the caller as one that does not decode.
        Error::InvalidInput { what: "TC string", .. } => zweck_status::TcfInvalid,
        Error::InvalidInput { .. } => zweck_status::InvalidArgument,
        Error::InvalidValue { .. } => zweck_status::InvalidValue,
        Error::Io { .. } => zweck_status::Io,
        Error::Corrupt { .. } => zweck_status::Corrupt,
        Error::Locked { .. } => zweck_status::Locked,
        Error::SubjectErased => zweck_status::SubjectErased,
        Error::Denied { .. } => zweck_status::Denied,
        Error::Tcf(_) => zweck_status::TcfInvalid,
        Error::AuditBroken { .. } => zweck_status::AuditBroken,
    }
}

/// Returns a short, static, lowercase name for a status code, such as `"unknown purpose"`.
///
/// Any integer is accepted: a value that is not a known status gives `"unknown status"`. The name
/// says which kind of failure happened; `zweck_last_error_message()` says what exactly went wrong.
///
/// Ownership: the string is static; never free it. It never is NULL.
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn zweck_status_str(status: i32) -> *const c_char {
    ffi_panic_boundary! {
        zweck_status::from_i32(status).map_or(c"unknown status", zweck_status::name).as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::PathBuf;

    #[test]
    fn status_values_are_dense_and_fixed() {
        for (value, status) in zweck_status::ALL.iter().enumerate() {
            assert_eq!(*status as usize, value, "{status:?}");
        }
        assert_eq!(zweck_status::Ok as i32, 0);
        assert_eq!(zweck_status::Panic as i32, 17);
        assert_eq!(zweck_status::SubjectErased as i32, 18);
        assert_eq!(zweck_status::AuditBroken as i32, 19);
    }

    #[test]
    fn every_status_has_a_distinct_name() {
        let names: HashSet<_> = zweck_status::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), zweck_status::ALL.len());
    }

    #[test]
    fn status_str_accepts_any_integer() {
        // SAFETY: the function returns static NUL-terminated strings.
        let name = |v| unsafe { CStr::from_ptr(zweck_status_str(v)) }.to_str().unwrap_or("?").to_owned();
        assert_eq!(name(0), "ok");
        assert_eq!(name(5), "unknown purpose");
        assert_eq!(name(17), "internal panic");
        for out_of_range in [-1, 20, i32::MIN, i32::MAX] {
            assert_eq!(name(out_of_range), "unknown status");
        }
    }

    #[test]
    fn crate_errors_map_to_the_matching_status() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let cases = [
            (Error::Policy { path: "p".into(), message: "m".into() }, zweck_status::PolicyInvalid),
            (
                Error::UnknownPurpose { purpose: "x".into(), hint: String::new() },
                zweck_status::UnknownPurpose,
            ),
            (Error::UnknownField { field: "x".into(), hint: String::new() }, zweck_status::UnknownField),
            (Error::InvalidKey("short".into()), zweck_status::KeyInvalid),
            (Error::UnknownKeyVersion(3), zweck_status::UnknownKeyVersion),
            (Error::MalformedToken("t".into()), zweck_status::MalformedToken),
            (Error::BufferTooSmall { needed: 2, available: 1 }, zweck_status::BufferTooSmall),
            (Error::InvalidInput { what: "subject id", message: "m".into() }, zweck_status::InvalidArgument),
            (
                Error::InvalidValue { field: "f".into(), rule: "r".into(), message: "m".into() },
                zweck_status::InvalidValue,
            ),
            (Error::Io { action: "opening journal", path: PathBuf::from("j"), source: io }, zweck_status::Io),
            (
                Error::Corrupt { path: PathBuf::from("j"), offset: 8, message: "m".into() },
                zweck_status::Corrupt,
            ),
            (Error::Locked { path: PathBuf::from("j") }, zweck_status::Locked),
            (Error::SubjectErased, zweck_status::SubjectErased),
            (Error::Denied { reason: "r".into() }, zweck_status::Denied),
            (Error::InvalidInput { what: "TC string", message: "m".into() }, zweck_status::TcfInvalid),
            (Error::AuditBroken { index: 3, message: "m".into() }, zweck_status::AuditBroken),
        ];
        for (err, status) in &cases {
            assert_eq!(status_of(err), *status, "{err}");
        }
    }

    #[test]
    fn an_undecodable_tc_string_is_tcf_invalid() {
        let err = crate::consent::tcf::TcString::decode("not a TC string").map(|_| ()).map_err(Error::from);
        assert_eq!(err.as_ref().map_err(status_of).err(), Some(zweck_status::TcfInvalid));
    }
}
