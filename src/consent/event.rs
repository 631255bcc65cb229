//! Consent events: what a customer said, about which purpose, when, and where the evidence is.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::Timestamp;

/// What the customer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAction {
    /// Gave consent (Art. 6(1)(a), 7 GDPR).
    Grant,
    /// Withdrew consent (Art. 7(3)).
    Withdraw,
    /// Objected to processing (Art. 21), e.g. to legitimate-interests processing or through Global
    /// Privacy Control.
    Object,
}

impl ConsentAction {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentAction::Grant => "grant",
            ConsentAction::Withdraw => "withdraw",
            ConsentAction::Object => "object",
        }
    }
}

/// One entry of the consent ledger. Events are never changed or removed, except all of a subject's
/// events at once on erasure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentEvent {
    /// The customer.
    pub subject: String,
    /// The purpose key the event is about; it covers the purpose's children.
    pub purpose: String,
    /// Grant, withdraw or object.
    pub action: ConsentAction,
    /// When the customer acted (not when it was recorded).
    pub at: Timestamp,
    /// The privacy-notice version the customer saw.
    pub notice_version: u32,
    /// Where it was collected, e.g. `"checkout banner v3"`.
    pub source: String,
    /// When the consent lapses, if it was given for a limited time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// Explicit consent (Art. 9(2)(a)): a separate, specific statement, required for special-category data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub explicit: bool,
    /// Further evidence, e.g. the TC string a consent banner produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// The details of a consent action that a caller supplies; the subject, purpose and action come from
/// the call (`Engine::grant`, `withdraw`, `object`).
///
/// ```
/// use zweck::{consent::Consent, Timestamp};
/// let c = Consent::at(Timestamp::from_unix(1_767_225_600)).source("checkout banner v3").notice_version(3);
/// assert_eq!(c.source, "checkout banner v3");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    /// When the customer acted.
    pub at: Timestamp,
    /// Notice version shown; `None` means the purpose's current version (right for a banner answered
    /// now, wrong for imported old consents, which must state theirs).
    pub notice_version: Option<u32>,
    /// Where it was collected. Required.
    pub source: String,
    /// Optional lapse time.
    pub expires: Option<Timestamp>,
    /// Explicit consent (needed for special-category data).
    pub explicit: bool,
    /// Optional further evidence.
    pub evidence: Option<String>,
}

impl Consent {
    /// A consent action at `at` with empty details.
    pub fn at(at: Timestamp) -> Self {
        Consent {
            at,
            notice_version: None,
            source: String::new(),
            expires: None,
            explicit: false,
            evidence: None,
        }
    }
    /// Sets where it was collected.
    pub fn source(mut self, s: impl Into<String>) -> Self {
        self.source = s.into();
        self
    }
    /// Sets the notice version shown.
    pub fn notice_version(mut self, v: u32) -> Self {
        self.notice_version = Some(v);
        self
    }
    /// Sets a lapse time.
    pub fn expires(mut self, t: Timestamp) -> Self {
        self.expires = Some(t);
        self
    }
    /// Marks the consent explicit.
    pub fn explicit(mut self) -> Self {
        self.explicit = true;
        self
    }
    /// Attaches further evidence.
    pub fn evidence(mut self, e: impl Into<String>) -> Self {
        self.evidence = Some(e.into());
        self
    }
}

/// Longest subject id accepted, in bytes.
pub const MAX_SUBJECT_LEN: usize = 256;
/// Longest source text accepted, in bytes.
pub const MAX_SOURCE_LEN: usize = 1024;
/// Longest evidence text accepted, in bytes (a TC string with many vendors is a few KiB).
pub const MAX_EVIDENCE_LEN: usize = 64 * 1024;

/// Checks a subject id: 1 to 256 bytes, no control characters.
pub fn check_subject(subject: &str) -> Result<()> {
    if !is_valid_subject(subject) {
        return Err(Error::InvalidInput {
            what: "subject id",
            message: format!(
                "a subject id is 1 to {MAX_SUBJECT_LEN} bytes without control characters (got {} bytes)",
                subject.len()
            ),
        });
    }
    Ok(())
}

/// The test behind [`check_subject`], without building an error: `Engine::decide` only needs the
/// answer.
#[inline]
pub(crate) fn is_valid_subject(subject: &str) -> bool {
    !subject.is_empty() && subject.len() <= MAX_SUBJECT_LEN && !has_control(subject)
}

/// Whether `s` has a control character ([`char::is_control`]), as cheaply as every decision needs.
///
/// The control characters are U+0000–U+001F, U+007F (single bytes, which never occur inside a
/// multi-byte character) and U+0080–U+009F (0xC2 and a second byte). No byte of those values means
/// no control character: a branch-free scan of the bytes decides that for any ASCII id, and only
/// a text with a 0xC2 byte (such as `£` or `°`) is decoded to be sure.
fn has_control(s: &str) -> bool {
    let suspect = s.bytes().fold(false, |seen, b| seen | (b < 0x20) | (b == 0x7f) | (b == 0xc2));
    suspect && s.chars().any(char::is_control)
}

impl ConsentEvent {
    /// Checks the sizes and texts of an event before it is recorded.
    pub fn check(&self) -> Result<()> {
        check_subject(&self.subject)?;
        if self.source.trim().is_empty() || self.source.len() > MAX_SOURCE_LEN {
            return Err(Error::InvalidInput {
                what: "consent source",
                message: format!(
                    "say where the consent was collected (e.g. \"checkout banner v3\"), 1 to {MAX_SOURCE_LEN} bytes"
                ),
            });
        }
        if self.evidence.as_ref().is_some_and(|e| e.len() > MAX_EVIDENCE_LEN) {
            return Err(Error::InvalidInput {
                what: "consent evidence",
                message: format!("evidence is limited to {MAX_EVIDENCE_LEN} bytes"),
            });
        }
        if self.notice_version == 0 {
            return Err(Error::InvalidInput {
                what: "notice version",
                message: "notice versions start at 1".into(),
            });
        }
        if let Some(exp) = self.expires {
            if exp <= self.at {
                return Err(Error::InvalidInput {
                    what: "consent expiry",
                    message: format!("expiry {exp} is not after the time of the event {}", self.at),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn subject_ids_with_control_characters_are_refused() {
        for bad in ["", "a\nb", "\0", "tab\there", "del\u{7f}", "c1\u{85}", "c1\u{9f}", &"x".repeat(257)] {
            assert!(check_subject(bad).is_err(), "{bad:?}");
        }
        for good in ["c-1", "£5-customer", "\u{a0}", "\u{bf}°", "кунде-7", &"x".repeat(256)] {
            assert!(check_subject(good).is_ok(), "{good:?}");
        }
    }

    proptest! {
        #[test]
        fn the_byte_scan_finds_exactly_the_control_characters(s in "\\PC*|[\\x00-\\u{ff}]{0,12}|.*") {
            prop_assert_eq!(has_control(&s), s.chars().any(char::is_control));
        }
    }
}
