//! Consent signals from outside the shop's own forms: TC strings from a consent banner (IAB TCF) and
//! the browser's Global Privacy Control header, turned into ledger events.

use crate::consent::gpc::{GPC_EVIDENCE, GPC_FLAGS};
use crate::consent::tcf::{validate, Severity, TcString, TcfRecorded, MAX_CLOCK_SKEW_SECS};
use crate::consent::{check_subject, ConsentAction, ConsentEvent, ConsentStatus, MAX_EVIDENCE_LEN};
use crate::error::{Error, Result};
use crate::policy::LegalBasis;
use crate::Timestamp;

use super::Engine;

impl Engine {
    /// Records what a TC string from the shop's consent banner (CMP) says, through the policy's
    /// `"tcf"` mapping ([`TcfMapping`](crate::consent::tcf::TcfMapping)), as consent events for
    /// `subject`; `now` is the server's current time.
    ///
    /// **What is recorded.** For each mapped policy purpose:
    /// - consent basis: a *grant* if every mapped signal carries consent, otherwise a *withdrawal*
    ///   (so a later string that drops a purpose ends the consent an earlier one gave);
    /// - legitimate-interests basis: an *objection* if a mapped legitimate-interest signal is missing
    ///   (the user objected in the banner, or, with `vendor_id`, objected to the shop as a vendor or
    ///   the publisher restricted it to consent); nothing if all are present.
    ///
    /// Within one string, events on a parent purpose are recorded before those on its children, so
    /// the child's own signal is the more specific, later statement: a refused TCF purpose mapped to
    /// `marketing` does not undo a consented one mapped to `marketing.personalisation`. To make the
    /// child depend on the parent's signal too, map that TCF purpose to both.
    ///
    /// Every event carries the string itself as `evidence`, the source
    /// `"TCF CMP <CmpId> v<CmpVersion> (consent screen <ConsentScreen>)"`, the purpose's current
    /// notice version, no expiry (the purpose's `max_consent_age` applies) and `explicit = false`:
    /// a banner's choice is ordinary consent, so it never lifts an objection (ledger rule 5) and never
    /// satisfies special-category data (rule 7). All events of one string are recorded atomically.
    ///
    /// **Time.** Events are dated by the string's `LastUpdated`, so the newest string decides whatever
    /// order strings arrive in: an older string recorded late sorts before the newer one's events
    /// and changes nothing. CMPs round `LastUpdated` down to the day (midnight UTC), so two strings of
    /// the same day are ordered by arrival (the later-recorded wins), and against the shop's own
    /// events of that day a string counts as given at midnight. A `LastUpdated` up to
    /// [`MAX_CLOCK_SKEW_SECS`] after `now` (a browser clock running ahead) is dated `now`; a later
    /// one is refused, as a string dated in the future would otherwise override every real choice
    /// until then.
    ///
    /// **Repeats.** A string already recorded for the subject is not recorded again
    /// ([`TcfRecorded::duplicate`]), so the backend may call this on every request that carries the
    /// consent cookie.
    ///
    /// **Legitimate interests re-established.** A newer string whose legitimate-interest signal is
    /// back does not lift an earlier objection, whether that came from an older string or from
    /// elsewhere: rule 5 lifts objections only with an explicit grant, and the bit is the banner's
    /// default rather than an act of the customer. Such purposes are listed in
    /// [`TcfRecorded::still_objected`]; ask the customer and record an explicit grant to lift it.
    /// The same holds for an objection recorded because a publisher restriction ruled out
    /// legitimate interest for the shop's `vendor_id`. Letting a newer string end only the
    /// objections an older string recorded would be the principled refinement, but it needs the
    /// ledger to know which signal an objection came from (a new event field and a rule beside rule
    /// 5), which the ledger and its journal format do not have today.
    ///
    /// **Errors.** [`Error::Policy`] (path `tcf`) if the policy has no mapping; [`Error::Tcf`] if
    /// the string cannot be decoded (naming segment, field and bit); [`Error::InvalidInput`] (`what`
    /// = `"TC string"`) if it is dated in the future or the TCF validator finds it invalid under
    /// current TCF policy ([`Severity::Invalid`], e.g. global scope, policy version below 4, missing
    /// disclosed vendors after February 2026); its warnings are returned in [`TcfRecorded::issues`].
    /// Nothing is recorded on any error.
    ///
    /// ```
    /// use zweck::{Engine, KeyRing, Timestamp, policy::Policy};
    /// let policy = Policy::from_json(r#"{"name": "Shop",
    ///   "purposes": [{"key": "ads", "description": "Personalised ads", "basis": "consent"}],
    ///   "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"ads": "plain"}}],
    ///   "tcf": {"purposes": {"1": ["ads"]}}}"#)?;
    /// let engine = Engine::new(policy, KeyRing::new(1, &[7u8; 32])?);
    /// let now: Timestamp = "2026-06-01T12:00:00Z".parse()?;
    /// // A 2020 string from iabtcf-java's TCStringV2Test (commit 112c2688): global scope, so refused.
    /// let old = "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA";
    /// assert!(engine.record_tcf("c-1", old, now).is_err());
    /// assert!(engine.consent_history("c-1")?.is_empty());
    /// # Ok::<(), zweck::Error>(())
    /// ```
    pub fn record_tcf(&self, subject: &str, tc_string: &str, now: Timestamp) -> Result<TcfRecorded> {
        check_subject(subject)?;
        let mapping = self.policy.tcf().ok_or_else(|| Error::Policy {
            path: "tcf".into(),
            message:
                "the policy has no \"tcf\" mapping, so a TC string cannot be read; add one that maps \
                      TCF purposes to policy purposes, e.g. \"tcf\": {\"purposes\": {\"1\": [\"marketing\"]}}"
                    .into(),
        })?;
        if tc_string.len() > MAX_EVIDENCE_LEN {
            return Err(invalid_string(format!(
                "it is {} bytes; TC strings of up to {MAX_EVIDENCE_LEN} bytes are accepted",
                tc_string.len()
            )));
        }
        let tc = TcString::decode(tc_string)?;
        let latest = Timestamp::from_unix(now.unix().saturating_add(MAX_CLOCK_SKEW_SECS));
        if tc.last_updated > latest {
            return Err(invalid_string(format!(
                "its LastUpdated {} is after now ({now}) by more than {MAX_CLOCK_SKEW_SECS} seconds; a string \
                 dated in the future would override the customer's later choices, so it was not recorded; \
                 check the clocks of the CMP and of this server",
                tc.last_updated
            )));
        }
        // Within the skew allowance the string's own date is "now" for the validator.
        let issues = validate(&tc, now.max(tc.last_updated));
        let invalid: Vec<String> =
            issues.iter().filter(|i| i.severity == Severity::Invalid).map(|i| i.message.clone()).collect();
        if !invalid.is_empty() {
            return Err(invalid_string(format!(
                "current TCF policy treats it as invalid ({}), so none of its signals were recorded; have \
                 the CMP ask the customer again for a fresh string",
                invalid.join("; ")
            )));
        }
        if self.is_erased(subject) {
            return Err(Error::SubjectErased);
        }

        let at = tc.last_updated.min(now);
        let source =
            format!("TCF CMP {} v{} (consent screen {})", tc.cmp_id, tc.cmp_version, tc.consent_screen);
        let mut summary = TcfRecorded {
            issues: issues.iter().map(|i| i.message.clone()).collect(),
            duplicate: self.ledger.history(subject).iter().any(|e| e.evidence.as_deref() == Some(tc_string)),
            ..TcfRecorded::default()
        };
        let mut events = Vec::new();
        for signal in mapping.signals(&tc) {
            let pid = self.policy.require_purpose(&signal.purpose)?;
            let purpose = self.policy.purpose(pid);
            let action = match purpose.basis() {
                LegalBasis::Consent if signal.consent => {
                    summary.granted.push(signal.purpose.clone());
                    ConsentAction::Grant
                }
                LegalBasis::Consent => {
                    summary.withdrawn.push(signal.purpose.clone());
                    ConsentAction::Withdraw
                }
                LegalBasis::LegitimateInterests if !signal.legitimate_interest => {
                    summary.objected.push(signal.purpose.clone());
                    ConsentAction::Object
                }
                LegalBasis::LegitimateInterests => {
                    if self.ledger.legitimate_interest(subject, &crate::access::terms_of(purpose, false), now)
                        == ConsentStatus::Objected
                    {
                        summary.still_objected.push(signal.purpose.clone());
                    }
                    continue;
                }
                // Policy validation admits only consent and legitimate-interests purposes.
                _ => continue,
            };
            events.push(ConsentEvent {
                subject: subject.to_string(),
                purpose: signal.purpose,
                action,
                at,
                notice_version: purpose.notice_version(),
                source: source.clone(),
                expires: None,
                explicit: false,
                evidence: Some(tc_string.to_string()),
            });
        }
        // One string is one moment, but the ledger orders events of equal time by recording order:
        // ancestors go first, so a child's own signal is the later, more specific statement (a "no"
        // to `marketing` and a "yes" to `marketing.personalisation` leave the latter granted).
        events.sort_by_key(|e| e.purpose.split('.').count());
        if !summary.duplicate && !events.is_empty() {
            summary.events = events.len();
            self.record_all(events)?;
        }
        Ok(summary)
    }

    /// Records a Global Privacy Control signal (`Sec-GPC: 1`) from `subject`'s browser as an
    /// objection, dated `now`, to every purpose the policy flags `sale`, `sharing` or
    /// `targeted_advertising` ([`Policy::purposes_flagged`](crate::policy::Policy::purposes_flagged));
    /// `source` says where it was seen (e.g. `"Sec-GPC header, shop frontend"`). Returns the
    /// purposes an objection was recorded for, in policy order. A GPC signal is never recorded as
    /// consent, and the header's absence is not recorded at all.
    ///
    /// **Conflict rule** (ledger rule 5): an *explicit* grant on a purpose given *after* the signal
    /// (a separate opt-in the customer ticked, recorded with
    /// [`Consent::explicit`](crate::consent::Consent::explicit)) wins over it; a grant given before
    /// it, or a non-explicit one after it (a banner's "accept all"), does not.
    ///
    /// **Repeats.** Browsers send the header with every request, so a purpose that already carries
    /// a GPC objection for the subject gets no new one (and is not returned): otherwise the next
    /// request would undo the explicit opt-in the conflict rule respects. Call it on every request
    /// with the header; after the first, it records nothing.
    ///
    /// An objection to a flagged purpose on a contract, legal-obligation, vital-interests or
    /// public-task basis is recorded as evidence but changes no decision: those bases do not consult
    /// the ledger. Flag only consent and legitimate-interests purposes.
    ///
    /// ```
    /// use zweck::{Engine, KeyRing, Timestamp, policy::Policy};
    /// let policy = Policy::from_json(r#"{"name": "Shop", "purposes": [
    ///   {"key": "ads", "description": "Ads with partners", "basis": "consent", "flags": ["sharing"]},
    ///   {"key": "newsletter", "description": "Newsletter", "basis": "consent"}], "fields": []}"#)?;
    /// let engine = Engine::new(policy, KeyRing::new(1, &[7u8; 32])?);
    /// let now: Timestamp = "2026-06-01T12:00:00Z".parse()?;
    /// assert_eq!(engine.record_gpc("c-1", now, "Sec-GPC header")?, vec!["ads"]);
    /// assert!(engine.record_gpc("c-1", now, "Sec-GPC header")?.is_empty());
    /// # Ok::<(), zweck::Error>(())
    /// ```
    pub fn record_gpc(&self, subject: &str, now: Timestamp, source: &str) -> Result<Vec<String>> {
        check_subject(subject)?;
        // The same checks a recorded event gets, before the duplicate check can skip recording.
        if source.trim().is_empty() || source.len() > crate::consent::MAX_SOURCE_LEN {
            return Err(Error::InvalidInput {
                what: "consent source",
                message: format!(
                    "say where the signal was received (e.g. \"Sec-GPC header on checkout\"), 1 to {} bytes",
                    crate::consent::MAX_SOURCE_LEN
                ),
            });
        }
        if self.is_erased(subject) {
            return Err(Error::SubjectErased);
        }
        let history = self.ledger.history(subject);
        let mut events = Vec::new();
        for purpose in self.policy.purposes() {
            if !purpose.flags().iter().any(|f| GPC_FLAGS.contains(f)) {
                continue;
            }
            let seen = history
                .iter()
                .any(|e| e.purpose == purpose.key() && crate::consent::gpc::is_gpc_objection(e));
            if seen {
                continue;
            }
            events.push(ConsentEvent {
                subject: subject.to_string(),
                purpose: purpose.key().to_string(),
                action: ConsentAction::Object,
                at: now,
                notice_version: purpose.notice_version(),
                source: source.to_string(),
                expires: None,
                explicit: false,
                evidence: Some(GPC_EVIDENCE.to_string()),
            });
        }
        let objected: Vec<String> = events.iter().map(|e| e.purpose.clone()).collect();
        if !events.is_empty() {
            self.record_all(events)?;
        }
        Ok(objected)
    }
}

fn invalid_string(message: String) -> Error {
    Error::InvalidInput { what: "TC string", message }
}
