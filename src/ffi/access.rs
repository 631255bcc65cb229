//! Access decisions and views: `zweck_decide`, `zweck_view`, and the decision's enums.

use std::ffi::{c_char, CStr};

use super::convert::{record, timestamp};
use super::engine::zweck_engine;
use super::status::zweck_status;
use crate::access::{Applied, Effect, Reason};
use crate::consent::check_subject;

/// Whether a field is released. `ZWECK_EFFECT_DENY` is 0, so a zeroed decision denies.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zweck_effect {
    /// Nothing of the field is released.
    Deny = 0,
    /// The field is released in the decision's treatment.
    Allow = 1,
}

/// The form a field is released in. The values never change; new ones are added at the end.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zweck_treatment {
    /// Not released (every denied decision).
    Withheld = 0,
    /// The stored value.
    Plain = 1,
    /// A keyed pseudonym (`k<version>_` and 32 hex digits).
    Pseudonymised = 2,
    /// A masked form, e.g. `j***@example.com`.
    Masked = 3,
    /// A generalised form, e.g. an age band or a postcode prefix.
    Generalised = 4,
}

/// Why a decision came out as it did. Values 0 to 5 allow, the others deny. The values never
/// change; new ones are added at the end, so treat an unknown value as a denial.
/// `zweck_reason_str()` gives the name used in JSON output, `zweck_reason_explain()` a sentence.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zweck_reason {
    /// Allowed: the customer's consent holds.
    ConsentGiven = 0,
    /// Allowed: necessary for the contract.
    Contract = 1,
    /// Allowed: a legal obligation.
    LegalObligation = 2,
    /// Allowed: vital interests.
    VitalInterests = 3,
    /// Allowed: a public task.
    PublicTask = 4,
    /// Allowed: legitimate interests, and the customer has not objected.
    LegitimateInterests = 5,
    /// Denied: no consent was ever given for the purpose or an ancestor.
    NoConsent = 6,
    /// Denied: consent was withdrawn.
    ConsentWithdrawn = 7,
    /// Denied: consent passed its expiry or the purpose's maximum age.
    ConsentExpired = 8,
    /// Denied: consent was given for an older privacy-notice version than the purpose now requires.
    NoticeOutdated = 9,
    /// Denied: the customer objected.
    Objected = 10,
    /// Denied: special-category data needs explicit consent for this purpose.
    ExplicitConsentMissing = 11,
    /// Denied: the policy does not release this field to this purpose.
    FieldNotTagged = 12,
    /// Denied: the policy does not declare this field. (`zweck_decide` reports this as
    /// ZWECK_STATUS_UNKNOWN_FIELD instead; it appears in view JSON as `"unknown_field"`.)
    UnknownField = 13,
    /// Denied: the policy does not declare this purpose. (`zweck_decide` reports this as
    /// ZWECK_STATUS_UNKNOWN_PURPOSE instead.)
    UnknownPurpose = 14,
    /// Denied: the customer's data was erased (right to be forgotten).
    SubjectErased = 15,
    /// Denied: this purpose may not re-identify pseudonyms.
    ReidentificationNotAllowed = 16,
}

impl zweck_reason {
    /// Every reason in numeric order; `ALL[n]` has the value `n`.
    const ALL: [zweck_reason; 17] = [
        Self::ConsentGiven,
        Self::Contract,
        Self::LegalObligation,
        Self::VitalInterests,
        Self::PublicTask,
        Self::LegitimateInterests,
        Self::NoConsent,
        Self::ConsentWithdrawn,
        Self::ConsentExpired,
        Self::NoticeOutdated,
        Self::Objected,
        Self::ExplicitConsentMissing,
        Self::FieldNotTagged,
        Self::UnknownField,
        Self::UnknownPurpose,
        Self::SubjectErased,
        Self::ReidentificationNotAllowed,
    ];

    /// The C value of a Rust reason. Exhaustive, so a new `Reason` needs a new value here.
    fn of(reason: Reason) -> Self {
        match reason {
            Reason::ConsentGiven => Self::ConsentGiven,
            Reason::Contract => Self::Contract,
            Reason::LegalObligation => Self::LegalObligation,
            Reason::VitalInterests => Self::VitalInterests,
            Reason::PublicTask => Self::PublicTask,
            Reason::LegitimateInterests => Self::LegitimateInterests,
            Reason::NoConsent => Self::NoConsent,
            Reason::ConsentWithdrawn => Self::ConsentWithdrawn,
            Reason::ConsentExpired => Self::ConsentExpired,
            Reason::NoticeOutdated => Self::NoticeOutdated,
            Reason::Objected => Self::Objected,
            Reason::ExplicitConsentMissing => Self::ExplicitConsentMissing,
            Reason::FieldNotTagged => Self::FieldNotTagged,
            Reason::UnknownField => Self::UnknownField,
            Reason::UnknownPurpose => Self::UnknownPurpose,
            Reason::SubjectErased => Self::SubjectErased,
            Reason::ReidentificationNotAllowed => Self::ReidentificationNotAllowed,
        }
    }

    /// The Rust reason of a C value.
    fn to_reason(self) -> Reason {
        match self {
            Self::ConsentGiven => Reason::ConsentGiven,
            Self::Contract => Reason::Contract,
            Self::LegalObligation => Reason::LegalObligation,
            Self::VitalInterests => Reason::VitalInterests,
            Self::PublicTask => Reason::PublicTask,
            Self::LegitimateInterests => Reason::LegitimateInterests,
            Self::NoConsent => Reason::NoConsent,
            Self::ConsentWithdrawn => Reason::ConsentWithdrawn,
            Self::ConsentExpired => Reason::ConsentExpired,
            Self::NoticeOutdated => Reason::NoticeOutdated,
            Self::Objected => Reason::Objected,
            Self::ExplicitConsentMissing => Reason::ExplicitConsentMissing,
            Self::FieldNotTagged => Reason::FieldNotTagged,
            Self::UnknownField => Reason::UnknownField,
            Self::UnknownPurpose => Reason::UnknownPurpose,
            Self::SubjectErased => Reason::SubjectErased,
            Self::ReidentificationNotAllowed => Reason::ReidentificationNotAllowed,
        }
    }

    /// The reason with numeric value `value`, if there is one.
    fn from_i32(value: i32) -> Option<Self> {
        usize::try_from(value).ok().and_then(|index| Self::ALL.get(index).copied())
    }
}

impl zweck_effect {
    fn of(effect: Effect) -> Self {
        match effect {
            Effect::Allow => Self::Allow,
            Effect::Deny => Self::Deny,
        }
    }
}

impl zweck_treatment {
    const ALL: [zweck_treatment; 5] =
        [Self::Withheld, Self::Plain, Self::Pseudonymised, Self::Masked, Self::Generalised];

    fn of(applied: Applied) -> Self {
        match applied {
            Applied::Withheld => Self::Withheld,
            Applied::Plain => Self::Plain,
            Applied::Pseudonymised => Self::Pseudonymised,
            Applied::Masked => Self::Masked,
            Applied::Generalised => Self::Generalised,
        }
    }

    fn name(self) -> &'static CStr {
        match self {
            Self::Withheld => c"withheld",
            Self::Plain => c"plain",
            Self::Pseudonymised => c"pseudonymised",
            Self::Masked => c"masked",
            Self::Generalised => c"generalised",
        }
    }
}

/// The answer to "may this purpose see this field of this customer now, and in what form?".
///
/// Ownership: a plain value the caller allocates (on the stack is fine); `zweck_decide` fills it.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct zweck_decision {
    /// Allow or deny.
    pub effect: zweck_effect,
    /// The form the field leaves in; `ZWECK_TREATMENT_WITHHELD` whenever `effect` is deny.
    pub treatment: zweck_treatment,
    /// Why.
    pub reason: zweck_reason,
}

/// Decides whether `purpose` may see `field` of `subject`'s record at time `at` (Unix seconds), and
/// in what form, and writes the answer to `*decision_out`. Everything defaults to deny: a field not
/// tagged for the purpose, a missing, withdrawn, expired or outdated consent, an objection or an
/// erased subject all give `ZWECK_EFFECT_DENY` with the matching reason and status OK.
///
/// Unlike a denial, a purpose or field name the policy does not declare is a mistake in the calling
/// code, so it is a failure: ZWECK_STATUS_UNKNOWN_PURPOSE or ZWECK_STATUS_UNKNOWN_FIELD, with a last
/// error naming it and suggesting the closest declared name (the purpose is checked first). Nothing
/// is written then.
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument, an invalid subject id or a time outside
/// the years 1 to 9999; ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_UNKNOWN_PURPOSE;
/// ZWECK_STATUS_UNKNOWN_FIELD.
///
/// # Safety
/// `engine` is NULL or a live engine; `subject`, `purpose` and `field` are NULL or NUL-terminated
/// strings; `decision_out` is NULL or points to writable storage for one `zweck_decision`.
#[no_mangle]
pub unsafe extern "C" fn zweck_decide(
    engine: *const zweck_engine,
    subject: *const c_char,
    purpose: *const c_char,
    field: *const c_char,
    at: i64,
    decision_out: *mut zweck_decision,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let subject = try_str!(subject);
        let purpose = try_str!(purpose);
        let field = try_str!(field);
        let at = try_status!(timestamp(at, "at"));
        check_out!(decision_out);
        try_result!(check_subject(subject));
        try_result!(engine.inner.policy().require_purpose(purpose));
        try_result!(engine.inner.policy().require_field(field));
        let decision = engine.inner.decide(subject, purpose, field, at);
        write_out!(
            decision_out,
            zweck_decision {
                effect: zweck_effect::of(decision.effect),
                treatment: zweck_treatment::of(decision.treatment),
                reason: zweck_reason::of(decision.reason),
            }
        );
        zweck_status::Ok
    }
}

/// Returns the snake_case name of a `zweck_reason` value, as it appears in JSON output, e.g.
/// `"consent_withdrawn"`. Any integer is accepted: an unknown value gives `"unknown reason"`.
///
/// Ownership: the string is static; never free it. It never is NULL.
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn zweck_reason_str(reason: i32) -> *const c_char {
    ffi_panic_boundary! {
        match zweck_reason::from_i32(reason) {
            Some(reason) => reason_name(reason.to_reason()).as_ptr(),
            None => c"unknown reason".as_ptr(),
        }
    }
}

/// Returns an English sentence explaining a `zweck_reason` value, for support staff, auditors and
/// customers, e.g. `"the customer withdrew consent"`. Any integer is accepted: an unknown value gives
/// `"unknown reason"`.
///
/// Ownership: the string is static; never free it. It never is NULL.
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn zweck_reason_explain(reason: i32) -> *const c_char {
    ffi_panic_boundary! {
        match zweck_reason::from_i32(reason) {
            Some(reason) => reason_sentence(reason.to_reason()).as_ptr(),
            None => c"unknown reason".as_ptr(),
        }
    }
}

/// Returns the snake_case name of a `zweck_treatment` value, as it appears in JSON output, e.g.
/// `"pseudonymised"`. Any integer is accepted: an unknown value gives `"unknown treatment"`.
///
/// Ownership: the string is static; never free it. It never is NULL.
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn zweck_treatment_str(treatment: i32) -> *const c_char {
    ffi_panic_boundary! {
        usize::try_from(treatment)
            .ok()
            .and_then(|index| zweck_treatment::ALL.get(index))
            .map_or(c"unknown treatment", |t| t.name())
            .as_ptr()
    }
}

/// The reason's JSON name as a static C string.
fn reason_name(reason: Reason) -> &'static CStr {
    match reason {
        Reason::ConsentGiven => c"consent_given",
        Reason::Contract => c"contract",
        Reason::LegalObligation => c"legal_obligation",
        Reason::VitalInterests => c"vital_interests",
        Reason::PublicTask => c"public_task",
        Reason::LegitimateInterests => c"legitimate_interests",
        Reason::NoConsent => c"no_consent",
        Reason::ConsentWithdrawn => c"consent_withdrawn",
        Reason::ConsentExpired => c"consent_expired",
        Reason::NoticeOutdated => c"notice_outdated",
        Reason::Objected => c"objected",
        Reason::ExplicitConsentMissing => c"explicit_consent_missing",
        Reason::FieldNotTagged => c"field_not_tagged",
        Reason::UnknownField => c"unknown_field",
        Reason::UnknownPurpose => c"unknown_purpose",
        Reason::SubjectErased => c"subject_erased",
        Reason::ReidentificationNotAllowed => c"reidentification_not_allowed",
    }
}

/// [`Reason::explain`] as a static C string.
fn reason_sentence(reason: Reason) -> &'static CStr {
    match reason {
        Reason::ConsentGiven => c"the customer consented to this purpose",
        Reason::Contract => c"needed to fulfil the customer's contract",
        Reason::LegalObligation => c"required by law",
        Reason::VitalInterests => c"needed to protect someone's vital interests",
        Reason::PublicTask => c"needed for a task in the public interest",
        Reason::LegitimateInterests => c"legitimate interests, and the customer has not objected",
        Reason::NoConsent => c"the customer has not consented to this purpose",
        Reason::ConsentWithdrawn => c"the customer withdrew consent",
        Reason::ConsentExpired => c"the customer's consent has expired",
        Reason::NoticeOutdated => c"consent was given for an older privacy notice",
        Reason::Objected => c"the customer objected to this processing",
        Reason::ExplicitConsentMissing => {
            c"special-category data needs the customer's explicit consent for this purpose"
        }
        Reason::FieldNotTagged => c"the policy does not release this field for this purpose",
        Reason::UnknownField => c"the policy does not declare this field",
        Reason::UnknownPurpose => c"the policy does not declare this purpose",
        Reason::SubjectErased => c"the customer's data was erased",
        Reason::ReidentificationNotAllowed => c"this purpose may not re-identify pseudonyms",
    }
}

/// Minimises a customer record for `purpose`: writes to `*view_out` a JSON object
/// `{"subject", "purpose", "at", "record", "decisions"}` where `record` holds only the fields the
/// purpose may see, each in its treatment (plain, pseudonymised, masked, generalised), and
/// `decisions` one entry per input field, in input order: `{"field", "effect", "treatment",
/// "reason"}` with the snake_case names of `zweck_effect`, `zweck_treatment` and `zweck_reason`.
/// Fields the policy does not declare are denied (`"unknown_field"`), never passed through.
///
/// `record_json` is a JSON object of field names to values, as the shop stores the customer;
/// `at` is the time of the decision in Unix seconds. With the vault enabled, pseudonyms the view
/// releases are remembered for `zweck_reidentify`.
///
/// Ownership: `*view_out` belongs to the caller; release it with `zweck_string_free`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument, an invalid subject id or a time outside
/// the years 1 to 9999; ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_INVALID_JSON if `record_json` is not a
/// JSON object; ZWECK_STATUS_UNKNOWN_PURPOSE; ZWECK_STATUS_INVALID_VALUE if a released field's value
/// does not suit its treatment (e.g. a postcode rule given an object); ZWECK_STATUS_SUBJECT_ERASED
/// or ZWECK_STATUS_IO only with the vault enabled.
///
/// # Safety
/// `engine` is NULL or a live engine; `record_json`, `subject` and `purpose` are NULL or
/// NUL-terminated strings; `view_out` is NULL or points to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn zweck_view(
    engine: *const zweck_engine,
    record_json: *const c_char,
    subject: *const c_char,
    purpose: *const c_char,
    at: i64,
    view_out: *mut *mut c_char,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let record_json = try_str!(record_json);
        let subject = try_str!(subject);
        let purpose = try_str!(purpose);
        let at = try_status!(timestamp(at, "at"));
        check_out!(view_out);
        let record = try_status!(record(record_json, "record_json"));
        let view = try_result!(engine.inner.view(&record, subject, purpose, at));
        write_string_out!(view_out, view.to_json());
        zweck_status::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_values_round_trip_and_names_match_the_rust_names() {
        for (value, reason) in zweck_reason::ALL.iter().enumerate() {
            assert_eq!(*reason as usize, value);
            let rust = reason.to_reason();
            assert_eq!(zweck_reason::of(rust), *reason);
            assert_eq!(reason_name(rust).to_str(), Ok(rust.as_str()));
            assert_eq!(reason_sentence(rust).to_str(), Ok(rust.explain()));
        }
    }

    #[test]
    fn treatment_names_match_the_rust_names() {
        for (value, t) in zweck_treatment::ALL.iter().enumerate() {
            assert_eq!(*t as usize, value);
        }
        for applied in
            [Applied::Withheld, Applied::Plain, Applied::Pseudonymised, Applied::Masked, Applied::Generalised]
        {
            assert_eq!(zweck_treatment::of(applied).name().to_str(), Ok(applied.as_str()));
        }
    }

    #[test]
    fn unknown_values_get_a_fixed_name() {
        // SAFETY: the functions return static NUL-terminated strings.
        let text = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("?").to_owned();
        assert_eq!(text(zweck_reason_str(-1)), "unknown reason");
        assert_eq!(text(zweck_reason_str(17)), "unknown reason");
        assert_eq!(text(zweck_reason_explain(i32::MAX)), "unknown reason");
        assert_eq!(text(zweck_treatment_str(5)), "unknown treatment");
        assert_eq!(text(zweck_reason_str(7)), "consent_withdrawn");
        assert_eq!(text(zweck_treatment_str(2)), "pseudonymised");
    }
}
