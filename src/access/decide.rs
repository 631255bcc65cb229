//! Deciding: policy tag first, then the legal basis (and, for consent, the ledger).

use std::cell::OnceCell;

use super::decision::{Applied, Reason, Verdict};
use crate::consent::{ConsentStatus, Ledger, Terms};
use crate::policy::{FieldId, LegalBasis, Policy, Purpose, PurposeId, Treatment};
use crate::rights::Tombstones;
use crate::Timestamp;

/// What the purpose requires of a consent, for the ledger.
pub(crate) fn terms_of(purpose: &Purpose, explicit: bool) -> Terms<'_> {
    Terms {
        chain: purpose.chain_keys(),
        notice_version: purpose.notice_version(),
        max_age: purpose.max_consent_age(),
        explicit_required: explicit,
    }
}

/// Whether the purpose's legal basis holds for the subject at `now`: `Ok(reason to allow)` or
/// `Err(reason to deny)`. `explicit` asks for explicit consent (special-category data).
pub(crate) fn basis_holds(
    ledger: &Ledger,
    subject: &str,
    purpose: &Purpose,
    explicit: bool,
    now: Timestamp,
) -> Result<Reason, Reason> {
    let terms = terms_of(purpose, explicit);
    let status = match purpose.basis() {
        LegalBasis::Contract => return Ok(Reason::Contract),
        LegalBasis::LegalObligation => return Ok(Reason::LegalObligation),
        LegalBasis::VitalInterests => return Ok(Reason::VitalInterests),
        LegalBasis::PublicTask => return Ok(Reason::PublicTask),
        LegalBasis::LegitimateInterests => match ledger.legitimate_interest(subject, &terms, now) {
            ConsentStatus::Holds => return Ok(Reason::LegitimateInterests),
            other => other,
        },
        LegalBasis::Consent => match ledger.consent(subject, &terms, now) {
            ConsentStatus::Holds => return Ok(Reason::ConsentGiven),
            other => other,
        },
    };
    Err(match status {
        ConsentStatus::Holds | ConsentStatus::NoConsent => Reason::NoConsent,
        ConsentStatus::Withdrawn => Reason::ConsentWithdrawn,
        ConsentStatus::Expired => Reason::ConsentExpired,
        ConsentStatus::NoticeOutdated => Reason::NoticeOutdated,
        ConsentStatus::Objected => Reason::Objected,
        ConsentStatus::ExplicitConsentMissing => Reason::ExplicitConsentMissing,
    })
}

/// The name of the form a treatment releases (`plain`, `pseudonymised`, …).
pub(crate) fn applied_name(t: &Treatment) -> &'static str {
    applied(t).as_str()
}

/// The form a treatment releases.
pub(crate) fn applied(t: &Treatment) -> Applied {
    match t {
        Treatment::Plain => Applied::Plain,
        Treatment::Pseudonymise(_) => Applied::Pseudonymised,
        Treatment::Mask(_) => Applied::Masked,
        Treatment::Generalise(_) => Applied::Generalised,
    }
}

/// Decisions for one subject and purpose at one time, with the legal basis evaluated once (and the
/// explicit-consent variant only if a special-category field is asked about). Deciding a field is then
/// a table look-up. Obtain one from [`Engine::decider`](crate::Engine::decider).
pub struct Decider<'e> {
    pub(crate) policy: &'e Policy,
    pub(crate) ledger: &'e Ledger,
    pub(crate) subject: &'e str,
    pub(crate) purpose: Option<PurposeId>,
    pub(crate) at: Timestamp,
    pub(crate) tombstones: &'e Tombstones,
    /// Checked once, after the first ledger read (see `verdict_with` for why after).
    pub(crate) erased: OnceCell<bool>,
    pub(crate) ordinary: OnceCell<Result<Reason, Reason>>,
    pub(crate) special: OnceCell<Result<Reason, Reason>>,
}

impl<'e> Decider<'e> {
    /// The verdict for a field id of the engine's policy.
    #[inline]
    pub fn verdict(&self, field: FieldId) -> Verdict {
        let Some(purpose) = self.purpose else { return Verdict::deny(Reason::UnknownPurpose) };
        verdict_with(
            self.policy,
            purpose,
            field,
            |p, special| {
                let cell = if special { &self.special } else { &self.ordinary };
                *cell.get_or_init(|| basis_holds(self.ledger, self.subject, p, special, self.at))
            },
            || *self.erased.get_or_init(|| is_erased(self.tombstones, self.subject)),
        )
    }

    /// The verdict for a field by name (unknown names are denied with `UnknownField`).
    pub fn verdict_by_name(&self, field: &str) -> Verdict {
        match self.policy.field_id(field) {
            Some(id) => self.verdict(id),
            None if self.purpose.is_none() => Verdict::deny(Reason::UnknownPurpose),
            None => Verdict::deny(Reason::UnknownField),
        }
    }
}

/// The verdict for one field of a purpose, evaluating the legal basis and the erasure check once:
/// what `Engine::decide` asks. The same as a fresh [`Decider`]'s `verdict_by_name`, without the
/// cells that let a `Decider` reuse the answers.
pub(crate) fn verdict_once(
    policy: &Policy,
    ledger: &Ledger,
    tombstones: &Tombstones,
    subject: &str,
    purpose: &str,
    field: &str,
    now: Timestamp,
) -> Verdict {
    let Some(purpose) = policy.purpose_id(purpose) else { return Verdict::deny(Reason::UnknownPurpose) };
    let Some(field) = policy.field_id(field) else { return Verdict::deny(Reason::UnknownField) };
    verdict_with(
        policy,
        purpose,
        field,
        |p, special| basis_holds(ledger, subject, p, special, now),
        || is_erased(tombstones, subject),
    )
}

fn is_erased(tombstones: &Tombstones, subject: &str) -> bool {
    !tombstones.is_empty() && tombstones.contains(subject)
}

/// The order of the checks behind every verdict. `basis` answers whether the purpose's legal basis
/// holds (for special-category data if its flag is set); `erased` whether the subject was erased.
#[inline(always)]
fn verdict_with(
    policy: &Policy,
    purpose: PurposeId,
    field: FieldId,
    basis: impl FnOnce(&Purpose, bool) -> Result<Reason, Reason>,
    erased: impl FnOnce() -> bool,
) -> Verdict {
    let p = policy.purpose(purpose);
    // Only consent distinguishes explicit consent; every other basis shares one evaluation.
    let special = policy.field(field).is_special() && p.basis() == LegalBasis::Consent;
    let basis = basis(p, special);
    // The erasure check comes after the ledger read. An erasure adds its tombstone before it
    // empties the ledger, so a read that saw the emptied ledger (which for legitimate interests
    // would mean "no objection") is always followed by a check that sees the tombstone. Special
    // fields read the ledger later only for consent purposes, where an empty ledger denies.
    if erased() {
        return Verdict::deny(Reason::SubjectErased);
    }
    let Some(tag) = policy.tag(field, purpose) else { return Verdict::deny(Reason::FieldNotTagged) };
    // Decoded before the match on the basis: inside it the compiler chose a jump table, whose
    // indirect jump mispredicts when neighbouring fields have different treatments.
    let applied = applied(&tag.treatment);
    match basis {
        Ok(reason) => Verdict::allow(applied, reason),
        Err(reason) => Verdict::deny(reason),
    }
}
