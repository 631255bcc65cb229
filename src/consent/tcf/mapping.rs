//! The policy's `"tcf"` mapping: which signals of a TC string stand for which policy purposes, how the
//! mapping is validated, and how a decoded string reads through it.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::TcString;
use crate::error::{closest, Error, Result};
use crate::policy::LegalBasis;

/// Largest TCF purpose id the Policies define (TCF v2.2 added purpose 11).
pub const LAST_TCF_PURPOSE: u8 = 11;
/// Largest custom purpose id a publisher TC segment can carry (`NumCustomPurposes` has 6 bits).
pub const LAST_CUSTOM_PURPOSE: u8 = 63;
/// How far a string's `LastUpdated` may lie after the `now` given to
/// [`Engine::record_tcf`](crate::Engine::record_tcf), in seconds, to absorb clock skew between the
/// browser running the CMP and the server. Strings dated later are refused.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// The `"tcf"` section of a policy: which TC string signals decide which policy purposes.
///
/// TCF speaks of its own numbered purposes ("3: create profiles for personalised advertising"); a
/// policy speaks of the shop's purposes (`marketing.personalisation`). The mapping, written by the
/// privacy team in the policy document, says which TCF signals decide which policy purpose:
///
/// ```json
/// "tcf": {
///   "vendor_id": 755,
///   "purposes": {"1": ["marketing"], "3": ["marketing.personalisation"], "4": ["marketing.personalisation"],
///                "7": ["analytics"]},
///   "publisher_purposes": {"1": ["marketing.email"]},
///   "custom_purposes": {"1": ["marketing.email"]}
/// }
/// ```
///
/// - `purposes`: TCF purposes 1–11. With `vendor_id` (the shop's own id in the Global Vendor List) a
///   purpose counts only if the user agreed to the purpose *and* to that vendor, after the
///   publisher's restrictions ([`TcString::vendor_allowed`]); without it, the purpose bits alone count.
/// - `publisher_purposes`: the same purposes 1–11 as signalled in the publisher TC segment, for the
///   shop's own processing as publisher.
/// - `custom_purposes`: the publisher's custom purposes 1–63 from the publisher TC segment.
///
/// A policy purpose mapped from several signals needs **all** of them: in the example,
/// `marketing.personalisation` counts as consented only if TCF purposes 3 and 4 both are. Which half
/// of a signal is read follows the policy purpose's legal basis: the consent bits for a
/// consent-based purpose, the legitimate-interest bits for a legitimate-interests purpose. Purposes on
/// any other basis cannot be mapped: a banner neither grants nor ends processing that a contract or a
/// law requires. Nor can a legitimate-interests purpose be mapped from TCF purpose 1 or 3–6, which
/// the TCF Policies allow only on consent.
///
/// Map a TCF purpose only to policy purposes for which the banner is *the* place where customers
/// decide: every recorded string grants or withdraws each mapped consent purpose, so a refusal in the
/// banner also ends a consent for that purpose (and its children) given elsewhere, such as a
/// newsletter sign-up on `marketing.email` when `marketing` is mapped.
///
/// ```
/// use zweck::policy::Policy;
/// let policy = Policy::from_json(r#"{"name": "Shop",
///   "purposes": [{"key": "ads", "description": "Personalised ads", "basis": "consent"}],
///   "fields": [],
///   "tcf": {"vendor_id": 755, "purposes": {"3": ["ads"], "4": ["ads"]}}}"#)?;
/// assert_eq!(policy.tcf().and_then(|m| m.vendor_id), Some(755));
/// # Ok::<(), zweck::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcfMapping {
    /// The shop's own vendor id in the IAB Global Vendor List. When set, a TCF purpose counts only
    /// together with the vendor's consent (or legitimate-interest) bit and after the publisher's
    /// restrictions for the vendor; when absent, only the purpose bits count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<u16>,
    /// TCF purposes 1–11 (core segment) → policy purpose keys.
    #[serde(default, skip_serializing_if = "PurposeMap::is_empty")]
    pub purposes: PurposeMap,
    /// Publisher purposes 1–11 (publisher TC segment) → policy purpose keys. A string without a
    /// publisher TC segment signals none of them.
    #[serde(default, skip_serializing_if = "PurposeMap::is_empty")]
    pub publisher_purposes: PurposeMap,
    /// Publisher custom purposes 1–63 (publisher TC segment) → policy purpose keys.
    #[serde(default, skip_serializing_if = "PurposeMap::is_empty")]
    pub custom_purposes: PurposeMap,
}

/// TCF purpose ids (as written in JSON: `"3"`) → policy purpose keys, in declaration order. Unlike a
/// map it keeps a repeated id, so that validation can reject it instead of silently keeping the last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurposeMap(pub Vec<(String, Vec<String>)>);

impl PurposeMap {
    /// True if nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for PurposeMap {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for PurposeMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PurposeMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an object mapping TCF purpose ids (\"1\", \"2\", …) to arrays of policy purpose keys",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<PurposeMap, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v: Vec<String> = map.next_value()?;
                    out.push((k, v));
                }
                Ok(PurposeMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The three parts of a mapping, each a kind of signal in the string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Purpose,
    Publisher,
    Custom,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Purpose, Kind::Publisher, Kind::Custom];

    fn section(self) -> &'static str {
        match self {
            Kind::Purpose => "purposes",
            Kind::Publisher => "publisher_purposes",
            Kind::Custom => "custom_purposes",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Purpose => "TCF purpose",
            Kind::Publisher => "publisher purpose",
            Kind::Custom => "custom purpose",
        }
    }

    fn last(self) -> u8 {
        match self {
            Kind::Custom => LAST_CUSTOM_PURPOSE,
            Kind::Purpose | Kind::Publisher => LAST_TCF_PURPOSE,
        }
    }
}

/// Whether the TCF Policies allow legitimate interest for a (publisher) purpose: never for purpose 1,
/// and not for purposes 3–6 since TCF v2.2.
fn li_permitted(purpose: u8) -> bool {
    !(purpose == 1 || (3..=6).contains(&purpose))
}

/// A mapping key as a purpose id: canonical decimal within the kind's range.
fn parse_id(key: &str, kind: Kind) -> Option<u8> {
    key.parse::<u8>().ok().filter(|&id| id >= 1 && id <= kind.last() && id.to_string() == key)
}

/// What a TC string signals for one policy purpose, read through a [`TcfMapping`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PurposeSignal {
    /// The policy purpose key.
    pub purpose: String,
    /// Every signal mapped to the purpose carries consent.
    pub consent: bool,
    /// Every signal mapped to the purpose carries legitimate interest (established, not objected to).
    pub legitimate_interest: bool,
}

impl TcfMapping {
    /// The mapping part for a kind.
    fn part(&self, kind: Kind) -> &PurposeMap {
        match kind {
            Kind::Purpose => &self.purposes,
            Kind::Publisher => &self.publisher_purposes,
            Kind::Custom => &self.custom_purposes,
        }
    }

    /// `(consent, legitimate interest)` of one signal.
    fn signal(&self, tc: &TcString, kind: Kind, id: u8) -> (bool, bool) {
        match kind {
            Kind::Purpose => match self.vendor_id {
                Some(vendor) => tc.vendor_allowed(vendor, id),
                None => (
                    tc.purpose_consents.contains(&id),
                    li_permitted(id) && tc.purpose_legitimate_interests.contains(&id),
                ),
            },
            Kind::Publisher => tc.publisher_tc.as_ref().map_or((false, false), |p| {
                (
                    p.purpose_consents.contains(&id),
                    li_permitted(id) && p.purpose_legitimate_interests.contains(&id),
                )
            }),
            Kind::Custom => tc.publisher_tc.as_ref().map_or((false, false), |p| {
                (p.custom_purpose_consents.contains(&id), p.custom_purpose_legitimate_interests.contains(&id))
            }),
        }
    }

    /// What `tc` signals for each mapped policy purpose, in the order the purposes first appear in
    /// the mapping (`purposes`, then `publisher_purposes`, then `custom_purposes`). A purpose mapped
    /// from several signals has consent (or legitimate interest) only if all of them carry it. A
    /// mapping key that is not a valid id (possible only in a mapping that did not go through policy
    /// validation) signals nothing.
    ///
    /// ```
    /// use zweck::consent::tcf::{TcString, TcfMapping, PurposeMap};
    /// // From iabtcf-java's TCStringV2Test (commit 112c2688): purposes 1-3 consented, vendor 23 among others.
    /// let tc = TcString::decode(
    ///     "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA",
    /// )?;
    /// let mut mapping = TcfMapping::default();
    /// mapping.purposes = PurposeMap(vec![("3".into(), vec!["ads".into()])]);
    /// mapping.vendor_id = Some(23);
    /// assert!(mapping.signals(&tc)[0].consent);
    /// mapping.vendor_id = Some(24); // a vendor the user did not agree to
    /// assert!(!mapping.signals(&tc)[0].consent);
    /// # Ok::<(), zweck::consent::tcf::TcfError>(())
    /// ```
    pub fn signals(&self, tc: &TcString) -> Vec<PurposeSignal> {
        let mut out: Vec<PurposeSignal> = Vec::new();
        for kind in Kind::ALL {
            for (key, targets) in &self.part(kind).0 {
                let (consent, li) = match parse_id(key, kind) {
                    Some(id) => self.signal(tc, kind, id),
                    None => (false, false),
                };
                for target in targets {
                    match out.iter_mut().find(|s| &s.purpose == target) {
                        Some(s) => {
                            s.consent &= consent;
                            s.legitimate_interest &= li;
                        }
                        None => out.push(PurposeSignal {
                            purpose: target.clone(),
                            consent,
                            legitimate_interest: li,
                        }),
                    }
                }
            }
        }
        out
    }

    /// Checks the mapping against the policy's purposes: `basis_of` gives the resolved legal basis of
    /// a declared purpose key (`None` for an undeclared one), `declared` lists the declared keys for
    /// "did you mean" hints. Errors point at `tcf.<part>.<id>`.
    pub(crate) fn check<'a>(
        &self,
        basis_of: impl Fn(&str) -> Option<LegalBasis>,
        declared: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<()> {
        if self.vendor_id == Some(0) {
            return Err(err(
                "tcf.vendor_id",
                "vendor ids start at 1; give the shop's id from the IAB Global Vendor List, or omit vendor_id",
            ));
        }
        if Kind::ALL.iter().all(|&k| self.part(k).is_empty()) {
            return Err(err(
                "tcf",
                "the mapping maps no TCF signal; map at least one TCF purpose to policy purposes \
                 (e.g. \"purposes\": {\"1\": [\"marketing\"]}), or remove \"tcf\"",
            ));
        }
        for kind in Kind::ALL {
            let mut seen = BTreeSet::new();
            for (key, targets) in &self.part(kind).0 {
                let path = format!("tcf.{}.{key}", kind.section());
                let Some(id) = parse_id(key, kind) else {
                    return Err(err(
                        path,
                        format!(
                            "\"{key}\" is not a {} id; write a number from 1 to {} without leading zeros",
                            kind.noun(),
                            kind.last()
                        ),
                    ));
                };
                if !seen.insert(id) {
                    return Err(err(
                        path,
                        format!(
                            "{} {id} is mapped twice; list all its policy purposes in one array",
                            kind.noun()
                        ),
                    ));
                }
                if targets.is_empty() {
                    return Err(err(
                        path,
                        format!(
                            "{} {id} maps to no purpose; list at least one policy purpose, or remove it",
                            kind.noun()
                        ),
                    ));
                }
                let mut listed = BTreeSet::new();
                for target in targets {
                    let Some(basis) = basis_of(target) else {
                        let hint = closest(target, declared.clone())
                            .map(|s| format!("; did you mean \"{s}\"?"))
                            .unwrap_or_else(|| "; declare it under \"purposes\" first".to_string());
                        return Err(err(path, format!("unknown purpose \"{target}\"{hint}")));
                    };
                    if !listed.insert(target.as_str()) {
                        return Err(err(path, format!("purpose \"{target}\" is listed twice")));
                    }
                    match basis {
                        LegalBasis::Consent => {}
                        LegalBasis::LegitimateInterests if kind == Kind::Custom || li_permitted(id) => {}
                        LegalBasis::LegitimateInterests => {
                            return Err(err(
                                path,
                                format!(
                                    "purpose \"{target}\" rests on legitimate interests, but {} {id} can only be \
                                     given on consent (purpose 1 always, purposes 3-6 since TCF v2.2), so the \
                                     string never signals it; map {} {id} to a consent-based purpose",
                                    kind.noun(),
                                    kind.noun()
                                ),
                            ));
                        }
                        other => {
                            return Err(err(
                                path,
                                format!(
                                    "purpose \"{target}\" rests on {other}, which a consent banner can neither \
                                     grant nor end (TCF signals change only consent and legitimate-interests \
                                     processing); map {} {id} to a consent or legitimate_interests purpose, or \
                                     remove \"{target}\" from the list",
                                    kind.noun()
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn err(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Policy { path: path.into(), message: message.into() }
}

/// What [`Engine::record_tcf`](crate::Engine::record_tcf) made of a TC string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TcfRecorded {
    /// Consent events recorded (0 when the same string was already recorded for the subject, or when
    /// the string only re-confirms legitimate interests).
    pub events: usize,
    /// Consent-based purposes the string grants: every mapped signal carries consent.
    pub granted: Vec<String>,
    /// Consent-based purposes the string does not grant; each got a withdrawal.
    pub withdrawn: Vec<String>,
    /// Legitimate-interests purposes whose legitimate-interest signal is missing; each got an objection.
    pub objected: Vec<String>,
    /// Legitimate-interests purposes the string signals as established and not objected to, but for
    /// which an earlier objection still stands (objections are lifted only by an explicit grant;
    /// see [`Engine::record_tcf`](crate::Engine::record_tcf)).
    pub still_objected: Vec<String>,
    /// The validator's warnings about the string (signals it ignores); strings with an invalid
    /// finding are refused, not recorded.
    pub issues: Vec<String>,
    /// The same string was recorded for the subject before, so nothing was recorded this time; the
    /// lists still say what the string signals.
    pub duplicate: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_and_in_range() {
        assert_eq!(parse_id("3", Kind::Purpose), Some(3));
        assert_eq!(parse_id("11", Kind::Publisher), Some(11));
        assert_eq!(parse_id("12", Kind::Purpose), None);
        assert_eq!(parse_id("12", Kind::Custom), Some(12));
        assert_eq!(parse_id("64", Kind::Custom), None);
        for bad in ["0", "03", "+3", " 3", "x", ""] {
            assert_eq!(parse_id(bad, Kind::Purpose), None, "{bad:?}");
        }
    }

    #[test]
    fn legitimate_interest_is_never_permitted_for_purposes_1_and_3_to_6() {
        let permitted: Vec<u8> = (1..=11).filter(|&p| li_permitted(p)).collect();
        assert_eq!(permitted, vec![2, 7, 8, 9, 10, 11]);
    }
}
