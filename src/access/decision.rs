//! Decisions: the answer to "may this purpose see this field, now, and in what form?".

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The field is released in the stated treatment.
    Allow,
    /// Nothing of the field is released.
    Deny,
}

/// The form a field leaves in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Not released.
    Withheld,
    /// The stored value.
    Plain,
    /// A keyed pseudonym.
    Pseudonymised,
    /// A masked form.
    Masked,
    /// A generalised form.
    Generalised,
}

impl Applied {
    /// The snake_case name, as in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Withheld => "withheld",
            Applied::Plain => "plain",
            Applied::Pseudonymised => "pseudonymised",
            Applied::Masked => "masked",
            Applied::Generalised => "generalised",
        }
    }
}

/// Why a decision came out as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// Allowed: the customer's consent holds.
    ConsentGiven,
    /// Allowed: necessary for the contract.
    Contract,
    /// Allowed: a legal obligation.
    LegalObligation,
    /// Allowed: vital interests.
    VitalInterests,
    /// Allowed: a public task.
    PublicTask,
    /// Allowed: legitimate interests, and the customer has not objected.
    LegitimateInterests,
    /// Denied: no consent was ever given for the purpose or an ancestor.
    NoConsent,
    /// Denied: consent was withdrawn.
    ConsentWithdrawn,
    /// Denied: consent passed its expiry or the purpose's maximum age.
    ConsentExpired,
    /// Denied: consent was given for an older privacy-notice version than the purpose now requires.
    NoticeOutdated,
    /// Denied: the customer objected.
    Objected,
    /// Denied: special-category data needs explicit consent for this purpose.
    ExplicitConsentMissing,
    /// Denied: the policy does not release this field to this purpose.
    FieldNotTagged,
    /// Denied: the policy does not declare this field.
    UnknownField,
    /// Denied: the policy does not declare this purpose.
    UnknownPurpose,
    /// Denied: the customer's data was erased (right to be forgotten).
    SubjectErased,
    /// Denied: this purpose may not re-identify pseudonyms.
    ReidentificationNotAllowed,
}

impl Reason {
    /// The snake_case name, as in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ConsentGiven => "consent_given",
            Reason::Contract => "contract",
            Reason::LegalObligation => "legal_obligation",
            Reason::VitalInterests => "vital_interests",
            Reason::PublicTask => "public_task",
            Reason::LegitimateInterests => "legitimate_interests",
            Reason::NoConsent => "no_consent",
            Reason::ConsentWithdrawn => "consent_withdrawn",
            Reason::ConsentExpired => "consent_expired",
            Reason::NoticeOutdated => "notice_outdated",
            Reason::Objected => "objected",
            Reason::ExplicitConsentMissing => "explicit_consent_missing",
            Reason::FieldNotTagged => "field_not_tagged",
            Reason::UnknownField => "unknown_field",
            Reason::UnknownPurpose => "unknown_purpose",
            Reason::SubjectErased => "subject_erased",
            Reason::ReidentificationNotAllowed => "reidentification_not_allowed",
        }
    }

    /// A sentence for people (support staff, auditors, customers).
    pub fn explain(self) -> &'static str {
        match self {
            Reason::ConsentGiven => "the customer consented to this purpose",
            Reason::Contract => "needed to fulfil the customer's contract",
            Reason::LegalObligation => "required by law",
            Reason::VitalInterests => "needed to protect someone's vital interests",
            Reason::PublicTask => "needed for a task in the public interest",
            Reason::LegitimateInterests => "legitimate interests, and the customer has not objected",
            Reason::NoConsent => "the customer has not consented to this purpose",
            Reason::ConsentWithdrawn => "the customer withdrew consent",
            Reason::ConsentExpired => "the customer's consent has expired",
            Reason::NoticeOutdated => "consent was given for an older privacy notice",
            Reason::Objected => "the customer objected to this processing",
            Reason::ExplicitConsentMissing => {
                "special-category data needs the customer's explicit consent for this purpose"
            }
            Reason::FieldNotTagged => "the policy does not release this field for this purpose",
            Reason::UnknownField => "the policy does not declare this field",
            Reason::UnknownPurpose => "the policy does not declare this purpose",
            Reason::SubjectErased => "the customer's data was erased",
            Reason::ReidentificationNotAllowed => "this purpose may not re-identify pseudonyms",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One access decision. It names what was asked (subject, purpose, field, time) and the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Decision<'a> {
    /// The customer.
    pub subject: &'a str,
    /// The purpose asked for.
    pub purpose: &'a str,
    /// The field asked for.
    pub field: &'a str,
    /// The time the decision is for.
    pub at: Timestamp,
    /// Allow or deny.
    pub effect: Effect,
    /// The form the field leaves in (`Withheld` when denied).
    pub treatment: Applied,
    /// Why.
    pub reason: Reason,
}

impl Decision<'_> {
    /// True if the field is released.
    pub fn is_allowed(&self) -> bool {
        self.effect == Effect::Allow
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.effect {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        };
        write!(
            f,
            "{verb} {}.{} for {} at {}: {:?} ({})",
            self.subject,
            self.field,
            self.purpose,
            self.at,
            self.treatment,
            self.reason.explain()
        )
    }
}

/// The outcome of a decision without the names, as kept per field in a [`View`](super::View).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Verdict {
    /// Allow or deny.
    pub effect: Effect,
    /// Form released.
    pub treatment: Applied,
    /// Why.
    pub reason: Reason,
}

impl Verdict {
    pub(crate) const fn deny(reason: Reason) -> Self {
        Verdict { effect: Effect::Deny, treatment: Applied::Withheld, reason }
    }
    pub(crate) const fn allow(treatment: Applied, reason: Reason) -> Self {
        Verdict { effect: Effect::Allow, treatment, reason }
    }
}
