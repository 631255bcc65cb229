//! The validator: what current TCF policy says about a string the lenient decoder accepted.
//!
//! Kept apart from the decoder so that a caller can always see what a string says (for logs, support,
//! audits) and decide separately whether to act on it. Each rule cites its source; "the specification"
//! is IAB Tech Lab, "Transparency and Consent String with Global Vendor & CMP List Formats" v2.2 with
//! the v2.3 amendment (`InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework`,
//! `TCFv2/IAB Tech Lab - Consent string and vendor list formats v2.md`).

use std::collections::BTreeSet;
use std::fmt;

use super::model::{RangeEntry, RestrictionType, TcString, VendorSection};
use crate::Timestamp;

/// How bad an issue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Current policy treats the string as invalid: do not rely on its signals.
    Invalid,
    /// The string carries signals that current policy does not define or that contradict each other;
    /// they should be ignored, but the rest of the string stands.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Invalid => "invalid",
            Severity::Warning => "warning",
        })
    }
}

/// Which rule an issue comes from; stable identifiers for programs, the message is for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum IssueCode {
    /// `TcfPolicyVersion` below 4 in a string created after 30 September 2023. Specification § "Managing
    /// conflicting string versions": "With the release of TCF v2.2, the policy version has been
    /// incremented to version 4. Post 30 September 2023 a TC String created with a policy version set
    /// to smaller than 4 will be deemed invalid." (Older strings with version below 4 get a warning.)
    PolicyVersionOutdated,
    /// `Created` is later than the `now` given to [`validate`].
    CreatedInFuture,
    /// `LastUpdated` is later than `now`.
    LastUpdatedInFuture,
    /// `LastUpdated` is earlier than `Created`.
    LastUpdatedBeforeCreated,
    /// `Created` and `LastUpdated` differ or are not whole days (warning). Specification § "What
    /// happened to Created and LastUpdated?": both "have the same value corresponding to the day-level
    /// timestamp of when the TC String was last updated".
    TimestampsNotDayLevel,
    /// `IsServiceSpecific` is 0. Specification § "What happened to Global Scope and Out of Band?":
    /// "Since Sept 1st 2021, TC strings established with global-scope are considered invalid."
    GlobalScope,
    /// `PurposeOneTreatment` is 1 in a globally-scoped string. Specification (v2.0 core table):
    /// "When a CMP encounters a globally-scoped TC String with PurposeOneTreatment=1 then it is
    /// considered invalid".
    PurposeOneTreatmentInGlobalScope,
    /// An Allowed Vendors segment is present. It served out-of-band signalling, deprecated with global
    /// scope in September 2021, and was never allowed in service-specific strings.
    AllowedVendorsSegment,
    /// A range entry names vendor id 0; vendor ids start at 1.
    VendorIdZero,
    /// A range entry names a vendor above the section's `MaxVendorId` ("The maximum Vendor ID that is
    /// represented in the following bit field or range encoding").
    VendorIdAboveMax,
    /// A range entry ends before it starts; ranges are "inclusive contiguous ascending-order series".
    BackwardsRange,
    /// A publisher restriction of type 3, "UNDEFINED (not used)".
    UndefinedRestrictionType,
    /// A publisher restriction for purpose 0 or above 24; purpose ids are 1–24 in every purpose field.
    RestrictionPurposeOutOfRange,
    /// A signal for a purpose (12–24) or special feature (3–12) the current Policies do not define
    /// (warning). TCF v2.2 defines purposes 1–11 and special features 1–2.
    UndefinedPurposeOrFeature,
    /// Legitimate interest signalled for purpose 1 (consent only, per the specification's note
    /// "Purpose 1 is always required to be registered as a consent purpose and can not be flexible"),
    /// or, from policy version 4, for purposes 3–6 (specification § "Why was support for legitimate
    /// interest for purposes 3 to 6 deprecated?").
    LegitimateInterestNotPermitted,
    /// A vendor listed under both "require consent" and "require legitimate interest" for the same
    /// purpose (warning); [`TcString::vendor_allowed`] then grants neither.
    ConflictingRestrictions,
    /// No Disclosed Vendors segment in a string created after 28 February 2026. TCF v2.3 (April 2025)
    /// made the segment "a mandatory section of the TC string"; IAB Europe's transition note: "TC
    /// Strings created after 28 February 2026 without this segment will be considered invalid", while
    /// older strings without it remain valid.
    DisclosedVendorsMissing,
    /// A vendor has a consent or legitimate-interest bit but is not in the Disclosed Vendors segment
    /// (warning): under TCF v2.3 a vendor the user was not shown is treated as not consented to.
    VendorNotDisclosed,
    /// `ConsentLanguage` is not two letters A–Z (a 6-bit value above 25).
    ConsentLanguageInvalid,
    /// `PublisherCC` is not two letters A–Z.
    PublisherCountryCodeInvalid,
}

/// One finding of [`validate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationIssue {
    /// The rule.
    pub code: IssueCode,
    /// Whether the string is invalid or only carries signals to ignore.
    pub severity: Severity,
    /// What is wrong, naming the field and value.
    pub message: String,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)
    }
}

/// First instant after the TCF v2.2 transition: 2023-10-01T00:00:00Z.
const POLICY_V4_REQUIRED_FROM: Timestamp = Timestamp::from_unix(1_696_118_400);
/// First instant after the TCF v2.3 transition: 2026-03-01T00:00:00Z.
const DISCLOSED_VENDORS_REQUIRED_FROM: Timestamp = Timestamp::from_unix(1_772_323_200);
/// Deciseconds in a day.
const DAY_DECISECONDS: u64 = 864_000;
/// Largest purpose id defined by TCF Policies v4/v5 (v2.2 added purpose 11).
const LAST_DEFINED_PURPOSE: u8 = 11;
/// Largest special feature id defined by the Policies.
const LAST_DEFINED_SPECIAL_FEATURE: u8 = 2;
/// How many ids a message lists before abbreviating.
const LISTED: usize = 10;

/// Checks a decoded string against current TCF policy as of `now`; an empty result means no rule
/// found anything. Issues come in a fixed order (core fields, vendor sections, restrictions,
/// segments), so the same string and `now` always give the same list.
///
/// ```
/// use zweck::consent::tcf::{validate, IssueCode, Severity, TcString};
/// use zweck::Timestamp;
/// // A 2020 string from iabtcf-java's TCStringV2Test: policy version 2, global scope.
/// let tc = TcString::decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA")?;
/// let issues = validate(&tc, Timestamp::from_unix(1_800_000_000));
/// assert!(issues.iter().any(|i| i.code == IssueCode::GlobalScope && i.severity == Severity::Invalid));
/// // Its LastUpdated (2021-02-02) lies in the future of 2020-06-01.
/// let early = validate(&tc, "2020-06-01T00:00:00Z".parse().unwrap());
/// assert!(early.iter().any(|i| i.code == IssueCode::LastUpdatedInFuture));
/// # Ok::<(), zweck::consent::tcf::TcfError>(())
/// ```
pub fn validate(tc: &TcString, now: Timestamp) -> Vec<ValidationIssue> {
    let mut v = Issues(Vec::new());
    check_times(tc, now, &mut v);
    check_core_flags(tc, &mut v);
    check_purposes(tc, &mut v);
    check_section("VendorConsents", &tc.vendor_consents, &mut v);
    check_section("VendorLegitimateInterests", &tc.vendor_legitimate_interests, &mut v);
    check_restrictions(tc, &mut v);
    check_segments(tc, &mut v);
    v.0
}

struct Issues(Vec<ValidationIssue>);

impl Issues {
    fn invalid(&mut self, code: IssueCode, message: String) {
        self.0.push(ValidationIssue { code, severity: Severity::Invalid, message });
    }
    fn warn(&mut self, code: IssueCode, message: String) {
        self.0.push(ValidationIssue { code, severity: Severity::Warning, message });
    }
}

/// `1, 2, 3` or `1, 2, …, 10 and 5 more`.
fn list(ids: impl IntoIterator<Item = impl fmt::Display>) -> String {
    let all: Vec<String> = ids.into_iter().map(|i| i.to_string()).collect();
    if all.len() <= LISTED {
        all.join(", ")
    } else {
        format!("{} and {} more", all[..LISTED].join(", "), all.len() - LISTED)
    }
}

fn check_times(tc: &TcString, now: Timestamp, v: &mut Issues) {
    if tc.created > now {
        v.invalid(IssueCode::CreatedInFuture, format!("Created {} is later than now ({now})", tc.created));
    }
    if tc.last_updated > now {
        v.invalid(
            IssueCode::LastUpdatedInFuture,
            format!("LastUpdated {} is later than now ({now})", tc.last_updated),
        );
    }
    if tc.last_updated_deciseconds < tc.created_deciseconds {
        v.invalid(
            IssueCode::LastUpdatedBeforeCreated,
            format!("LastUpdated {} is earlier than Created {}", tc.last_updated, tc.created),
        );
    }
    if tc.created_deciseconds != tc.last_updated_deciseconds
        || !tc.created_deciseconds.is_multiple_of(DAY_DECISECONDS)
    {
        v.warn(
            IssueCode::TimestampsNotDayLevel,
            format!(
                "Created ({}) and LastUpdated ({}) should both be the same midnight UTC since the December 2021 \
                 revision of the specification",
                tc.created, tc.last_updated
            ),
        );
    }
    if tc.policy_version < 4 {
        let when = if tc.created >= POLICY_V4_REQUIRED_FROM { "after" } else { "before" };
        let message = format!(
            "TcfPolicyVersion {} is below 4 (TCF v2.2); the string was created {when} 30 September 2023 ({})",
            tc.policy_version, tc.created
        );
        if tc.created >= POLICY_V4_REQUIRED_FROM {
            v.invalid(IssueCode::PolicyVersionOutdated, message);
        } else {
            v.warn(IssueCode::PolicyVersionOutdated, message);
        }
    }
}

fn check_core_flags(tc: &TcString, v: &mut Issues) {
    if !tc.is_service_specific {
        v.invalid(
            IssueCode::GlobalScope,
            "IsServiceSpecific is 0 (global scope), which TCF retired on 1 September 2021".to_string(),
        );
        if tc.purpose_one_treatment {
            v.invalid(
                IssueCode::PurposeOneTreatmentInGlobalScope,
                "PurposeOneTreatment is 1 in a globally-scoped string".to_string(),
            );
        }
    }
    for (field, value, code) in [
        ("ConsentLanguage", &tc.consent_language, IssueCode::ConsentLanguageInvalid),
        ("PublisherCC", &tc.publisher_country_code, IssueCode::PublisherCountryCodeInvalid),
    ] {
        if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
            v.invalid(
                code,
                format!("{field} {value:?} is not two letters A-Z (a letter code above 25 shows as '?')"),
            );
        }
    }
}

fn check_purposes(tc: &TcString, v: &mut Issues) {
    for (field, set) in [
        ("PurposesConsent", &tc.purpose_consents),
        ("PurposesLITransparency", &tc.purpose_legitimate_interests),
    ] {
        let undefined: Vec<u8> = set.iter().copied().filter(|&p| p > LAST_DEFINED_PURPOSE).collect();
        if !undefined.is_empty() {
            v.warn(
                IssueCode::UndefinedPurposeOrFeature,
                format!(
                    "{field} sets purposes {} that the TCF Policies do not define (1-11)",
                    list(undefined)
                ),
            );
        }
    }
    let undefined: Vec<u8> =
        tc.special_feature_opt_ins.iter().copied().filter(|&f| f > LAST_DEFINED_SPECIAL_FEATURE).collect();
    if !undefined.is_empty() {
        v.warn(
            IssueCode::UndefinedPurposeOrFeature,
            format!(
                "SpecialFeatureOptIns sets special features {} that the TCF Policies do not define (1-2)",
                list(undefined)
            ),
        );
    }
    let forbidden: Vec<u8> = tc
        .purpose_legitimate_interests
        .iter()
        .copied()
        .filter(|&p| p == 1 || (tc.policy_version >= 4 && (3..=6).contains(&p)))
        .collect();
    if !forbidden.is_empty() {
        v.invalid(
            IssueCode::LegitimateInterestNotPermitted,
            format!(
                "PurposesLITransparency sets purposes {}; purpose 1 is consent-only and, since TCF v2.2, purposes 3-6 \
                 may not rest on legitimate interest",
                list(forbidden)
            ),
        );
    }
}

fn check_entries(field: &str, entries: &[RangeEntry], max: Option<u16>, v: &mut Issues) {
    for (i, e) in entries.iter().enumerate() {
        if e.start > e.end {
            v.invalid(
                IssueCode::BackwardsRange,
                format!(
                    "{field} range entry {} runs backwards ({}-{}) and names no vendor",
                    i + 1,
                    e.start,
                    e.end
                ),
            );
        }
        if e.start == 0 {
            v.invalid(IssueCode::VendorIdZero, format!("{field} range entry {} names vendor id 0", i + 1));
        }
        if let Some(max) = max {
            let high = e.start.max(e.end);
            if high > max {
                v.invalid(
                    IssueCode::VendorIdAboveMax,
                    format!("{field} range entry {} names vendor {high}, above MaxVendorId {max}", i + 1),
                );
            }
        }
    }
}

fn check_section(field: &str, s: &VendorSection, v: &mut Issues) {
    check_entries(field, &s.entries, Some(s.max_vendor_id), v);
}

fn check_restrictions(tc: &TcString, v: &mut Issues) {
    for r in &tc.publisher_restrictions {
        let field =
            format!("PubRestrictionEntry (purpose {}, type {})", r.purpose_id, r.restriction_type.code());
        if r.restriction_type == RestrictionType::Undefined {
            v.invalid(
                IssueCode::UndefinedRestrictionType,
                format!("{field} uses restriction type 3, which is undefined"),
            );
        }
        if !(1..=24).contains(&r.purpose_id) {
            v.invalid(
                IssueCode::RestrictionPurposeOutOfRange,
                format!("{field} restricts purpose {}, outside 1-24", r.purpose_id),
            );
        } else if r.purpose_id > LAST_DEFINED_PURPOSE {
            v.warn(
                IssueCode::UndefinedPurposeOrFeature,
                format!(
                    "{field} restricts purpose {}, which the TCF Policies do not define (1-11)",
                    r.purpose_id
                ),
            );
        }
        check_entries(&field, &r.entries, None, v);
    }
    // Vendors under both legal-basis restrictions for one purpose.
    for a in
        tc.publisher_restrictions.iter().filter(|r| r.restriction_type == RestrictionType::RequireConsent)
    {
        for b in tc.publisher_restrictions.iter().filter(|r| {
            r.restriction_type == RestrictionType::RequireLegitimateInterest && r.purpose_id == a.purpose_id
        }) {
            let both: Vec<u16> = a.vendors.iter().filter(|&id| b.vendors.contains(id)).collect();
            if !both.is_empty() {
                v.warn(
                    IssueCode::ConflictingRestrictions,
                    format!(
                        "purpose {}: vendors {} are restricted to consent and to legitimate interest at once",
                        a.purpose_id,
                        list(both)
                    ),
                );
            }
        }
    }
}

fn check_segments(tc: &TcString, v: &mut Issues) {
    if let Some(a) = &tc.allowed_vendors {
        v.invalid(
            IssueCode::AllowedVendorsSegment,
            "the string carries an Allowed Vendors segment (out-of-band signalling, retired in September 2021)"
                .to_string(),
        );
        check_section("AllowedVendors", a, v);
    }
    match &tc.disclosed_vendors {
        None if tc.created >= DISCLOSED_VENDORS_REQUIRED_FROM => v.invalid(
            IssueCode::DisclosedVendorsMissing,
            format!(
                "no Disclosed Vendors segment, which TCF v2.3 requires of strings created after 28 February 2026 \
                 (created {})",
                tc.created
            ),
        ),
        None => {}
        Some(d) => {
            check_section("DisclosedVendors", d, v);
            for (field, s) in
                [("VendorConsents", &tc.vendor_consents), ("VendorLegitimateInterests", &tc.vendor_legitimate_interests)]
            {
                let hidden: BTreeSet<u16> = s.ids.iter().filter(|&id| !d.contains(id)).collect();
                if !hidden.is_empty() {
                    v.warn(
                        IssueCode::VendorNotDisclosed,
                        format!("{field} lists vendors {} that the Disclosed Vendors segment does not", list(hidden)),
                    );
                }
            }
        }
    }
}
