//! One audit entry, its parts, the draft a caller fills in, and the canonical encoding the MAC covers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::access::{Applied, Decision, Effect, FieldDecision, Reason, Verdict};
use crate::Timestamp;

/// The format tag at the start of every entry's canonical encoding. A new encoding gets a new tag,
/// so that a MAC computed under one encoding can never verify under another.
pub(crate) const FORMAT_TAG: &str = "zweck-audit-v1";

/// What kind of operation an entry records.
///
/// Serialised in snake_case (`"rotate_key"`); [`AuditOp::as_str`] gives the same name, which is also
/// what the canonical encoding uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditOp {
    /// A record was viewed (minimised) for a purpose.
    View,
    /// A single field decision was asked for.
    Decide,
    /// A consent was granted.
    Grant,
    /// A consent was withdrawn.
    Withdraw,
    /// The customer objected to a purpose (Art. 21 GDPR).
    Object,
    /// The customer's data was exported (Art. 15/20 GDPR).
    Export,
    /// The customer's data was erased (Art. 17 GDPR).
    Forget,
    /// A reversible pseudonym was resolved back to its value.
    Reidentify,
    /// A new master key version became current.
    RotateKey,
    /// The store was compacted.
    Compact,
    /// A TCF consent string was applied.
    Tcf,
    /// A Global Privacy Control signal was applied.
    Gpc,
}

impl AuditOp {
    /// Every operation, in declaration order.
    pub const ALL: [AuditOp; 12] = [
        AuditOp::View,
        AuditOp::Decide,
        AuditOp::Grant,
        AuditOp::Withdraw,
        AuditOp::Object,
        AuditOp::Export,
        AuditOp::Forget,
        AuditOp::Reidentify,
        AuditOp::RotateKey,
        AuditOp::Compact,
        AuditOp::Tcf,
        AuditOp::Gpc,
    ];

    /// The snake_case name, as in JSON and in the canonical encoding.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOp::View => "view",
            AuditOp::Decide => "decide",
            AuditOp::Grant => "grant",
            AuditOp::Withdraw => "withdraw",
            AuditOp::Object => "object",
            AuditOp::Export => "export",
            AuditOp::Forget => "forget",
            AuditOp::Reidentify => "reidentify",
            AuditOp::RotateKey => "rotate_key",
            AuditOp::Compact => "compact",
            AuditOp::Tcf => "tcf",
            AuditOp::Gpc => "gpc",
        }
    }
}

impl fmt::Display for AuditOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome for one field of a `view` or `decide`: which field, whether it was released, in what
/// form, and why. It records the decision, never the field's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditField {
    /// The field's name.
    pub field: String,
    /// Allow or deny.
    pub effect: Effect,
    /// The form it was released in (`withheld` when denied).
    pub treatment: Applied,
    /// Why.
    pub reason: Reason,
}

impl AuditField {
    /// The outcome for `field` from a verdict.
    pub fn from_verdict(field: impl Into<String>, verdict: &Verdict) -> Self {
        AuditField {
            field: field.into(),
            effect: verdict.effect,
            treatment: verdict.treatment,
            reason: verdict.reason,
        }
    }
}

impl From<&FieldDecision> for AuditField {
    fn from(d: &FieldDecision) -> Self {
        AuditField::from_verdict(d.field.clone(), &d.verdict)
    }
}

impl From<&Decision<'_>> for AuditField {
    fn from(d: &Decision<'_>) -> Self {
        AuditField { field: d.field.to_string(), effect: d.effect, treatment: d.treatment, reason: d.reason }
    }
}

/// One sealed entry of the audit trail.
///
/// Entries are produced by [`AuditChain::seal`](super::AuditChain::seal) and checked by
/// [`verify`](super::verify). Each entry's `mac` covers its content and the previous entry's `mac`,
/// so that editing, dropping, reordering or forging an entry breaks the chain from that point on. The
/// exact bytes the MAC covers are specified in the [module documentation](super#canonical-encoding).
///
/// In JSON, `subject`, `purpose` and `detail` are left out when absent and `fields` when empty;
/// unknown keys are rejected, so nothing can ride along outside the MAC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the trail: 0, 1, 2, … without gaps.
    pub seq: u64,
    /// When the operation happened.
    pub at: Timestamp,
    /// What happened.
    pub op: AuditOp,
    /// The customer, always as a pseudonym of the subject id, never the raw id: the trail is kept
    /// longer than customer data and must not become a copy of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The purpose the operation served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Per-field outcomes of a `view` or `decide`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<AuditField>,
    /// A short free text, e.g. `erased 12 consent events, 3 vault entries`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Lowercase hex of the previous entry's `mac`; 64 zeros for the first entry.
    pub prev_mac: String,
    /// Lowercase hex of HMAC-SHA256 over `prev_mac` and this entry's canonical encoding.
    pub mac: String,
}

impl AuditEntry {
    /// The canonical encoding of everything but `prev_mac` and `mac`, with `seq` given separately so
    /// that verification can ask "would this entry verify at the position it should be in?".
    pub(crate) fn encode_body(&self, seq: u64, out: &mut Vec<u8>) {
        put_text(out, FORMAT_TAG);
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&self.at.unix().to_be_bytes());
        put_text(out, self.op.as_str());
        put_opt(out, self.subject.as_deref());
        put_opt(out, self.purpose.as_deref());
        put_len(out, self.fields.len());
        for f in &self.fields {
            put_text(out, &f.field);
            put_text(out, effect_name(f.effect));
            put_text(out, applied_name(f.treatment));
            put_text(out, f.reason.as_str());
        }
        put_opt(out, self.detail.as_deref());
    }
}

/// What a caller knows about an operation; [`AuditChain::seal`](super::AuditChain::seal) adds the
/// position and the MACs.
///
/// ```
/// use zweck::audit::{AuditDraft, AuditOp};
/// use zweck::Timestamp;
///
/// let draft = AuditDraft::new(Timestamp::from_unix(1_780_000_000), AuditOp::Forget)
///     .subject("k1_3f1c0a9e5b7d2c4e8a6f0b1d3c5e7a9b")
///     .detail("erased 12 consent events, 3 vault entries");
/// assert_eq!(draft.op, AuditOp::Forget);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AuditDraft {
    /// When the operation happened.
    pub at: Timestamp,
    /// What happened.
    pub op: AuditOp,
    /// The customer's pseudonym (never the raw id).
    pub subject: Option<String>,
    /// The purpose.
    pub purpose: Option<String>,
    /// Per-field outcomes.
    pub fields: Vec<AuditField>,
    /// Short free text.
    pub detail: Option<String>,
}

impl AuditDraft {
    /// A draft with only a time and an operation.
    pub fn new(at: Timestamp, op: AuditOp) -> Self {
        AuditDraft { at, op, subject: None, purpose: None, fields: Vec::new(), detail: None }
    }
    /// Sets the subject. Pass a pseudonym of the subject id (e.g. from a dedicated audit domain),
    /// never the raw id.
    pub fn subject(mut self, pseudonym: impl Into<String>) -> Self {
        self.subject = Some(pseudonym.into());
        self
    }
    /// Sets the purpose.
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = Some(purpose.into());
        self
    }
    /// Adds one field outcome.
    pub fn field(mut self, field: AuditField) -> Self {
        self.fields.push(field);
        self
    }
    /// Adds field outcomes, e.g. `view.decisions.iter().map(AuditField::from)`.
    pub fn fields(mut self, fields: impl IntoIterator<Item = AuditField>) -> Self {
        self.fields.extend(fields);
        self
    }
    /// Sets the detail text.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The snake_case name of an effect, as serde writes it.
pub(crate) fn effect_name(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    }
}

/// The snake_case name of an applied treatment, as serde writes it.
pub(crate) fn applied_name(a: Applied) -> &'static str {
    match a {
        Applied::Withheld => "withheld",
        Applied::Plain => "plain",
        Applied::Pseudonymised => "pseudonymised",
        Applied::Masked => "masked",
        Applied::Generalised => "generalised",
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    // usize is at most 64 bits on every supported target.
    out.extend_from_slice(&(n as u64).to_be_bytes());
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_text(out, s);
        }
    }
}

/// Lowercase hex of 32 bytes.
pub(crate) fn to_hex(bytes: &[u8; 32]) -> String {
    crate::pseudo::hex_string("", bytes)
}

/// Parses exactly 64 lowercase hex digits. Uppercase is rejected so that each MAC has one spelling
/// and a string comparison of two MACs means what it seems to.
pub(crate) fn from_hex(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_the_encoding_are_the_serde_names() {
        for op in AuditOp::ALL {
            assert_eq!(serde_json::to_value(op).unwrap(), op.as_str());
        }
        for e in [Effect::Allow, Effect::Deny] {
            assert_eq!(serde_json::to_value(e).unwrap(), effect_name(e));
        }
        for a in
            [Applied::Withheld, Applied::Plain, Applied::Pseudonymised, Applied::Masked, Applied::Generalised]
        {
            assert_eq!(serde_json::to_value(a).unwrap(), applied_name(a));
        }
    }

    #[test]
    fn hex_round_trips_and_rejects_anything_but_64_lowercase_digits() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        assert_eq!(from_hex(&"0".repeat(64)), Some([0; 32]));
        assert_eq!(from_hex(&to_hex(&bytes).to_uppercase()), None);
        assert_eq!(from_hex(&"0".repeat(63)), None);
        assert_eq!(from_hex(&"0".repeat(65)), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }

    #[test]
    fn absent_and_empty_text_encode_differently() {
        let entry = |subject: Option<&str>| AuditEntry {
            seq: 0,
            at: Timestamp::from_unix(0),
            op: AuditOp::View,
            subject: subject.map(str::to_string),
            purpose: None,
            fields: Vec::new(),
            detail: None,
            prev_mac: String::new(),
            mac: String::new(),
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        entry(None).encode_body(0, &mut a);
        entry(Some("")).encode_body(0, &mut b);
        assert_ne!(a, b);
    }
}
