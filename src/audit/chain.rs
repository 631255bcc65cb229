//! Sealing entries into the chain, and verifying a chain.

use std::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::entry::{from_hex, to_hex, AuditDraft, AuditEntry};
use crate::error::{Error, Result};
use crate::pseudo::DomainKey;

/// The MAC key, held as HMAC's two keyed SHA-256 states (as a pseudonymisation domain key is, so
/// the key block is not compressed again for every entry), zeroed on drop and never printed.
#[derive(Clone)]
struct MacKey(DomainKey);

impl MacKey {
    fn new(key: [u8; 32]) -> Self {
        let key = Zeroizing::new(key);
        MacKey(DomainKey::from_derived_key("audit", 0, &key))
    }

    /// HMAC-SHA256(key, prev || canonical body of `entry` with `seq`).
    fn compute(&self, prev: &[u8; 32], entry: &AuditEntry, seq: u64) -> [u8; 32] {
        let mut body = Vec::with_capacity(128);
        body.extend_from_slice(prev);
        entry.encode_body(seq, &mut body);
        self.0.digest(&body)
    }

    /// Whether `claimed` is the MAC of `entry` at `seq` after `prev`, compared in constant time.
    fn matches(&self, prev: &[u8; 32], entry: &AuditEntry, seq: u64, claimed: &[u8; 32]) -> bool {
        bool::from(self.compute(prev, entry, seq).ct_eq(claimed))
    }

    /// Whether the entry verifies against its own `prev_mac` and `seq`, wherever it stands.
    fn self_consistent(&self, entry: &AuditEntry) -> bool {
        match (from_hex(&entry.prev_mac), from_hex(&entry.mac)) {
            (Some(prev), Some(mac)) => self.matches(&prev, entry, entry.seq, &mac),
            _ => false,
        }
    }
}

/// The writer side of the audit trail: it holds the key, the next position and the last MAC, and
/// turns [`AuditDraft`]s into sealed [`AuditEntry`]s.
///
/// Storing the entries is the caller's job (an append-only journal, a table, a file); so is keeping
/// an [`AuditHead`] somewhere the log's writer cannot rewrite, if truncation must be detectable.
/// After a restart, replay the stored entries, check them with [`verify`], and continue with
/// [`AuditChain::resume`].
///
/// ```
/// use zweck::audit::{verify, AuditChain, AuditDraft, AuditOp};
/// use zweck::Timestamp;
///
/// let key = [7u8; 32]; // in production: a secret from the key ring, not a constant
/// let mut chain = AuditChain::new(key);
/// let at = Timestamp::from_unix(1_780_000_000);
/// let log = vec![
///     chain.seal(AuditDraft::new(at, AuditOp::Grant).subject("k1_ab12").purpose("marketing")),
///     chain.seal(AuditDraft::new(at, AuditOp::Forget).subject("k1_ab12").detail("erased 2 events")),
/// ];
/// let anchor = chain.head(); // keep this outside the log
/// let report = verify(&key, &log, Some(&anchor)).unwrap();
/// assert_eq!(report.entries, 2);
///
/// // Dropping the last entry is caught by the anchor.
/// let err = verify(&key, &log[..1], Some(&anchor)).unwrap_err();
/// assert_eq!(err.kind, zweck::audit::BreakKind::Truncated);
/// ```
#[derive(Clone)]
pub struct AuditChain {
    key: MacKey,
    next_seq: u64,
    last_mac: [u8; 32],
}

impl fmt::Debug for AuditChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditChain")
            .field("key", &"<redacted>")
            .field("next_seq", &self.next_seq)
            .field("last_mac", &to_hex(&self.last_mac))
            .finish()
    }
}

impl AuditChain {
    /// A chain with no entries yet; the first sealed entry gets `seq` 0.
    pub fn new(key: [u8; 32]) -> Self {
        AuditChain { key: MacKey::new(key), next_seq: 0, last_mac: [0; 32] }
    }

    /// Continues a chain after replaying its stored entries; `last` is the last stored entry, or
    /// `None` for an empty log.
    ///
    /// `last` must verify under `key` (otherwise the new entries would extend a forged or damaged
    /// tail, or the key is not the one the log was written with). Only `last` is checked: run
    /// [`verify`] over the whole log to check the rest.
    ///
    /// # Errors
    ///
    /// [`Error::AuditBroken`] if `last`'s MAC is malformed or does not verify under `key`, or if its
    /// `seq` is the largest possible one so that nothing can follow it.
    pub fn resume(key: [u8; 32], last: Option<&AuditEntry>) -> Result<Self> {
        let key = MacKey::new(key);
        let Some(last) = last else {
            return Ok(AuditChain { key, next_seq: 0, last_mac: [0; 32] });
        };
        let broken = |message: &str| Error::AuditBroken { index: last.seq, message: message.to_string() };
        let (Some(prev), Some(mac)) = (from_hex(&last.prev_mac), from_hex(&last.mac)) else {
            return Err(broken(
                "its prev_mac or mac is not 64 lowercase hex digits; the entry is damaged, \
                 so verify the log and restore it from a good copy before writing to it",
            ));
        };
        if !key.matches(&prev, last, last.seq, &mac) {
            return Err(broken(
                "its mac does not verify with this key; either the key is not the one the log was \
                 written with, or the entry was altered: verify the log before writing to it",
            ));
        }
        let next_seq = last.seq.checked_add(1).ok_or_else(|| {
            broken("its seq is the largest possible, so no entry can follow; start a new log")
        })?;
        Ok(AuditChain { key, next_seq, last_mac: mac })
    }

    /// Seals a draft into the next entry: assigns `seq`, links it to the previous entry through
    /// `prev_mac` and computes its `mac`. Store the returned entry before sealing the next one.
    pub fn seal(&mut self, draft: AuditDraft) -> AuditEntry {
        let AuditDraft { at, op, subject, purpose, fields, detail } = draft;
        let mut entry = AuditEntry {
            seq: self.next_seq,
            at,
            op,
            subject,
            purpose,
            fields,
            detail,
            prev_mac: to_hex(&self.last_mac),
            mac: String::new(),
        };
        let mac = self.key.compute(&self.last_mac, &entry, entry.seq);
        entry.mac = to_hex(&mac);
        self.last_mac = mac;
        // `resume` refuses a last entry at u64::MAX, so this only saturates after 2^64 entries.
        self.next_seq = self.next_seq.saturating_add(1);
        entry
    }

    /// The state after the last sealed entry: how many entries there are and the last MAC.
    pub fn head(&self) -> AuditHead {
        AuditHead { count: self.next_seq, mac: to_hex(&self.last_mac) }
    }
}

/// A summary of a log's end: the number of entries and the `mac` of the last one (64 zeros for an
/// empty log).
///
/// The MAC chain alone cannot tell a log whose tail was cut off from a shorter log. Keep a recent
/// head outside the log (another system, a signed receipt, a printed report) and pass it to
/// [`verify`] as the anchor: a log that has fewer entries than the anchor, or that disagrees with it
/// at the anchor's position, fails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditHead {
    /// Number of entries (the next entry's `seq`).
    pub count: u64,
    /// Lowercase hex of the last entry's `mac`.
    pub mac: String,
}

impl AuditHead {
    /// The head of an empty log.
    pub fn empty() -> Self {
        AuditHead { count: 0, mac: to_hex(&[0; 32]) }
    }
}

/// What [`verify`] found in a sound log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Number of entries checked.
    pub entries: u64,
    /// The head of the log as checked; keep it as the next anchor.
    pub head: AuditHead,
}

/// The kind of damage [`verify`] found.
///
/// A MAC cannot tell *who* changed an entry, only *that* it changed; the kinds name the most likely
/// explanation from the shape of the damage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BreakKind {
    /// The entry's content does not match its MAC: it was changed after sealing, or written by
    /// someone without the key.
    Edited,
    /// Entries are missing: the entry's `seq` jumps ahead and the missing ones are nowhere later in
    /// the log.
    Dropped,
    /// Entries are out of order: the entry's `seq` goes backwards, or jumps ahead while the missing
    /// ones appear later.
    Reordered,
    /// The entry is an exact copy of the one before it.
    Duplicated,
    /// The entry is sealed with this key and at this position, but follows a different predecessor:
    /// the log mixes two histories (two writers with one key, or a restore followed by new writes).
    Forked,
    /// `mac` or `prev_mac` is not 64 lowercase hex digits.
    BadMac,
    /// No entry verifies with the key: the key is wrong (or every entry was altered).
    WrongKey,
    /// The log has fewer entries than the anchor records.
    Truncated,
    /// The log's entry at the anchor's position is not the one the anchor records: the log was
    /// rewritten from there or earlier, or the anchor belongs to another log.
    AnchorMismatch,
}

impl BreakKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Edited => "edited",
            BreakKind::Dropped => "dropped",
            BreakKind::Reordered => "reordered",
            BreakKind::Duplicated => "duplicated",
            BreakKind::Forked => "forked",
            BreakKind::BadMac => "bad_mac",
            BreakKind::WrongKey => "wrong_key",
            BreakKind::Truncated => "truncated",
            BreakKind::AnchorMismatch => "anchor_mismatch",
        }
    }
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where and how a log is broken: the first problem [`verify`] met.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditBreak {
    /// Index in the checked slice of the first bad entry; for [`BreakKind::Truncated`] the index
    /// where the missing entries would start.
    pub index: u64,
    /// What kind of damage.
    pub kind: BreakKind,
    /// What is wrong, naming the entry's `seq` and what was expected.
    pub message: String,
}

impl fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "audit log broken at entry {} ({}): {}", self.index, self.kind, self.message)
    }
}

impl std::error::Error for AuditBreak {}

impl From<AuditBreak> for Error {
    fn from(b: AuditBreak) -> Self {
        Error::AuditBroken { index: b.index, message: format!("{}: {}", b.kind, b.message) }
    }
}

/// Checks a whole log from its first entry, and optionally its length against an anchor.
///
/// The log must start at `seq` 0 with a `prev_mac` of 64 zeros. Every entry must carry the next
/// `seq`, link to its predecessor's `mac`, and carry a `mac` that verifies under `key` (compared in
/// constant time). With an `anchor` (an [`AuditHead`] kept outside the log), the log must have at
/// least `anchor.count` entries and its entry at `anchor.count - 1` must carry `anchor.mac`; a log
/// that has grown since the anchor was taken passes.
///
/// Without an anchor, cutting entries off the end cannot be detected: a shorter log is still a
/// valid log.
///
/// # Errors
///
/// The first problem found, as an [`AuditBreak`] naming the index, the [`BreakKind`] and what is
/// wrong.
pub fn verify(
    key: &[u8; 32],
    entries: &[AuditEntry],
    anchor: Option<&AuditHead>,
) -> Result<AuditReport, AuditBreak> {
    let key = MacKey::new(*key);
    let mut prev = [0u8; 32];
    for (i, entry) in entries.iter().enumerate() {
        let index = i as u64;
        check_entry(&key, entries, i, &prev).map_err(|(kind, message)| AuditBreak {
            index,
            kind,
            message,
        })?;
        // check_entry has parsed it already; an unparseable mac was reported as BadMac.
        prev = from_hex(&entry.mac).unwrap_or([0; 32]);
    }
    let count = entries.len() as u64;
    let head = AuditHead { count, mac: to_hex(&prev) };
    if let Some(anchor) = anchor {
        check_anchor(entries, anchor)?;
    }
    Ok(AuditReport { entries: count, head })
}

/// Checks entry `i`, whose predecessor's MAC is `prev` (zeros for the first).
fn check_entry(
    key: &MacKey,
    entries: &[AuditEntry],
    i: usize,
    prev: &[u8; 32],
) -> Result<(), (BreakKind, String)> {
    let entry = &entries[i];
    let expected_seq = i as u64;
    let seq = entry.seq;
    let Some(mac) = from_hex(&entry.mac) else {
        return Err((
            BreakKind::BadMac,
            format!("seq {seq}: mac {:?} is not 64 lowercase hex digits", short(&entry.mac)),
        ));
    };
    let Some(claimed_prev) = from_hex(&entry.prev_mac) else {
        return Err((
            BreakKind::BadMac,
            format!("seq {seq}: prev_mac {:?} is not 64 lowercase hex digits", short(&entry.prev_mac)),
        ));
    };

    if seq != expected_seq {
        if i > 0 && entries[i - 1] == *entry {
            return Err((BreakKind::Duplicated, format!("seq {seq} appears twice in a row")));
        }
        if claimed_prev == *prev && key.matches(prev, entry, expected_seq, &mac) {
            return Err((
                BreakKind::Edited,
                format!("seq was changed from {expected_seq} to {seq}; the rest of the entry is intact"),
            ));
        }
        if seq < expected_seq {
            return Err((
                BreakKind::Reordered,
                format!(
                    "seq {seq} comes after seq {}: entries are out of order or repeated",
                    seq_before(entries, i)
                ),
            ));
        }
        let missing_later = entries[i + 1..].iter().any(|e| (expected_seq..seq).contains(&e.seq));
        if missing_later {
            return Err((
                BreakKind::Reordered,
                format!("expected seq {expected_seq} here but found seq {seq}; seq {expected_seq} appears later in the log"),
            ));
        }
        let gap = if seq - expected_seq == 1 {
            format!("entry seq {expected_seq} is missing")
        } else {
            format!("entries seq {expected_seq} to {} are missing", seq - 1)
        };
        return Err((BreakKind::Dropped, format!("expected seq {expected_seq} but found seq {seq}: {gap}")));
    }

    if claimed_prev != *prev {
        if key.matches(prev, entry, seq, &mac) {
            return Err((
                BreakKind::Edited,
                format!("seq {seq}: prev_mac was changed; the rest of the entry is intact"),
            ));
        }
        if key.matches(&claimed_prev, entry, seq, &mac) {
            let what = if i == 0 {
                "the first entry of the log should follow nothing (prev_mac of 64 zeros), but it \
                 follows an entry that is not here"
                    .to_string()
            } else {
                format!("it follows a different seq {} than the one in this log", i - 1)
            };
            return Err((
                BreakKind::Forked,
                format!("seq {seq} is sealed with this key, but {what}: the log mixes two histories"),
            ));
        }
        return Err((
            BreakKind::Edited,
            format!("seq {seq}: does not link to its predecessor and its mac does not match its content"),
        ));
    }

    if !key.matches(prev, entry, seq, &mac) {
        if i == 0 && !entries.iter().any(|e| key.self_consistent(e)) {
            return Err((
                BreakKind::WrongKey,
                "no entry verifies with this key: the key is not the one the log was written with \
                 (or every entry was altered)"
                    .to_string(),
            ));
        }
        return Err((
            BreakKind::Edited,
            format!(
                "seq {seq}: its content does not match its mac; it was changed after sealing or written \
                 without the key"
            ),
        ));
    }
    Ok(())
}

/// Checks a log whose entries all verified against an anchor taken earlier.
fn check_anchor(entries: &[AuditEntry], anchor: &AuditHead) -> Result<(), AuditBreak> {
    let count = entries.len() as u64;
    let Some(anchor_mac) = from_hex(&anchor.mac) else {
        return Err(AuditBreak {
            index: count.min(anchor.count),
            kind: BreakKind::AnchorMismatch,
            message: format!("the anchor's mac {:?} is not 64 lowercase hex digits", short(&anchor.mac)),
        });
    };
    if anchor.count > count {
        let missing = anchor.count - count;
        return Err(AuditBreak {
            index: count,
            kind: BreakKind::Truncated,
            message: format!(
                "the log has {count} entries but the anchor records {}: the last {missing} {} missing",
                anchor.count,
                if missing == 1 { "entry is" } else { "entries are" }
            ),
        });
    }
    let (index, found) = match anchor.count.checked_sub(1) {
        None => (0, [0u8; 32]),
        Some(last) => {
            // last < count <= usize::MAX, so the index fits.
            let at = usize::try_from(last).unwrap_or(usize::MAX);
            (last, entries.get(at).and_then(|e| from_hex(&e.mac)).unwrap_or([0; 32]))
        }
    };
    if !bool::from(found.ct_eq(&anchor_mac)) {
        return Err(AuditBreak {
            index,
            kind: BreakKind::AnchorMismatch,
            message: format!(
                "the anchor records {} entries ending in mac {}…, but the log's entry at that position \
                 has mac {}…: the log was rewritten from there or earlier, or the anchor is from another log",
                anchor.count,
                &anchor.mac[..12],
                &to_hex(&found)[..12]
            ),
        });
    }
    Ok(())
}

fn seq_before(entries: &[AuditEntry], i: usize) -> String {
    i.checked_sub(1).and_then(|p| entries.get(p)).map_or_else(|| "(none)".to_string(), |e| e.seq.to_string())
}

/// A damaged MAC field, cut short for a message.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(70).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
