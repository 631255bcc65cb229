//! The audit trail: a hash-chained log of who saw what, for which purpose, and why.
//!
//! Art. 30 and 32 GDPR ask a controller to know what processing happens and to be able to show it.
//! zweck records every view, decision and rights operation as an [`AuditEntry`], and chains the
//! entries with HMAC-SHA256: each entry's MAC covers its own content and the MAC of the entry before
//! it. Whoever holds the log but not the key cannot edit, drop, reorder or add an entry without
//! [`verify`] noticing and naming the entry; with an [`AuditHead`] kept elsewhere as an anchor,
//! cutting entries off the end is caught too.
//!
//! The trail records decisions, not data: an entry names a field and its outcome, never its value,
//! and names the customer only by a pseudonym that the caller computes (e.g. in a pseudonym domain
//! reserved for the audit trail), so that the trail can outlive the customer's data after erasure.
//!
//! # Writing and checking
//!
//! ```
//! use zweck::access::{Applied, Effect, Reason};
//! use zweck::audit::{verify, AuditChain, AuditDraft, AuditField, AuditOp, BreakKind};
//! use zweck::Timestamp;
//!
//! let key = [0x5a; 32];
//! let mut chain = AuditChain::new(key);
//! let at: Timestamp = "2026-06-01T12:00:00Z".parse()?;
//! let mut log = vec![chain.seal(
//!     AuditDraft::new(at, AuditOp::View)
//!         .subject("k1_5d41402abc4b2a76b9719d911017c592")
//!         .purpose("marketing.email")
//!         .field(AuditField {
//!             field: "email".into(),
//!             effect: Effect::Allow,
//!             treatment: Applied::Plain,
//!             reason: Reason::ConsentGiven,
//!         }),
//! )];
//! log.push(chain.seal(AuditDraft::new(at, AuditOp::Withdraw).purpose("marketing")));
//! assert!(verify(&key, &log, Some(&chain.head())).is_ok());
//!
//! log[0].purpose = Some("analytics".into());
//! let broken = verify(&key, &log, None).unwrap_err();
//! assert_eq!((broken.index, broken.kind), (0, BreakKind::Edited));
//! # Ok::<(), zweck::Error>(())
//! ```
//!
//! # Canonical encoding
//!
//! The MAC covers bytes, not JSON text, so that re-serialising an entry (other key order,
//! whitespace, escapes) cannot change its MAC. An auditor can re-verify a log with any HMAC-SHA256
//! implementation:
//!
//! ```text
//! mac = HMAC-SHA256(key, M)                          key: the 32-byte audit key
//!
//! M =  prev_mac                                      32 bytes: prev_mac hex-decoded (zeros for seq 0)
//!   || text("zweck-audit-v1")                        format tag
//!   || u64(seq)
//!   || i64(at)                                       seconds since 1970-01-01T00:00:00Z (UTC)
//!   || text(op)                                      "view", "decide", … "rotate_key", … "gpc"
//!   || opt(subject)
//!   || opt(purpose)
//!   || u64(number of fields)
//!   || for each field, in order:
//!        text(field) || text(effect) || text(treatment) || text(reason)
//!   || opt(detail)
//!
//! u64(n)        8 bytes, big-endian
//! i64(n)        8 bytes, big-endian two's complement
//! text(s)       u64(byte length of s in UTF-8) || the UTF-8 bytes of s
//! opt(absent)   one byte 0x00
//! opt(s)        one byte 0x01 || text(s)
//! ```
//!
//! `op`, `effect`, `treatment` and `reason` are the snake_case names that the JSON form uses
//! (`"allow"`, `"pseudonymised"`, `"consent_withdrawn"`, …). `mac` and `prev_mac` are written as 64
//! lowercase hex digits; any other spelling is rejected as [`BreakKind::BadMac`]. An entry's `at`
//! is in whole seconds, exactly as its RFC 3339 text in JSON says.
//!
//! # What verification tells apart
//!
//! [`verify`] stops at the first problem and returns an [`AuditBreak`] with the index, a
//! [`BreakKind`] and a message naming the entry's `seq`. A gap in `seq` is [`BreakKind::Dropped`]; a
//! `seq` that goes backwards, or jumps ahead while the skipped entries appear later, is
//! [`BreakKind::Reordered`]; consecutive `seq` with a MAC that does not match is
//! [`BreakKind::Edited`] (which also covers an entry forged without the key: a MAC cannot tell the
//! two apart); a log in which no entry verifies is [`BreakKind::WrongKey`]. With an anchor, a
//! shorter log is [`BreakKind::Truncated`] and a different one [`BreakKind::AnchorMismatch`].
//!
//! Anyone who holds the key can write a valid log, so the key belongs to the writer alone (derive it
//! from the key ring under its own label) and the anchor belongs somewhere the writer cannot
//! rewrite.

mod chain;
mod entry;

pub use chain::{verify, AuditBreak, AuditChain, AuditHead, AuditReport, BreakKind};
pub use entry::{AuditDraft, AuditEntry, AuditField, AuditOp};
