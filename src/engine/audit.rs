//! The engine's audit trail: which operations are logged, how subjects are pseudonymised in it, and
//! how entries reach the store in the chain's order.
//!
//! Changes (consent events, erasures, exports, re-identifications, key rotations, compactions) are
//! logged in the same atomic store append as the change itself, so the log never misses a change
//! that happened and never records one that did not. Access decisions (`view`, `decide`,
//! `release`) are logged in [`AuditMode::Full`]; to keep reads cheap their entries are buffered and
//! written together with the next change, every [`FLUSH_EVERY`] entries, on
//! [`Engine::flush_audit`], and when the engine is dropped. A crash can lose buffered decision
//! entries, never a change, and the chain stays verifiable either way.
//!
//! Subjects appear in the log only as `s_` + 32 hex digits of an HMAC under a key derived for the
//! audit log, so the log can be kept after an erasure. The chain's MAC key is derived from the master
//! secret of the key version recorded when the log began; reopen with that version in the ring.

use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::audit::{self, AuditChain, AuditDraft, AuditEntry, AuditHead, AuditReport};
use crate::error::{Error, Result};
use crate::pseudo::{DomainKey, KeyRing};
use crate::store::RecordKind;

/// Decision entries buffered before they are written on their own.
pub const FLUSH_EVERY: usize = 256;

const CHAIN_LABEL: &str = "audit";
const SUBJECT_LABEL: &str = "audit-subject";

/// What the audit trail records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditMode {
    /// Nothing.
    Off,
    /// Every change: consent events, erasures, exports, re-identifications, key rotations,
    /// compactions.
    Changes,
    /// Every change and every access decision (`view`, `decide`, `release`). The default.
    #[default]
    Full,
}

/// Bookkeeping record kept in the store: which key version the chain's keys come from.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditMeta {
    audit_key_version: u32,
}

pub(crate) struct AuditState {
    chain: AuditChain,
    key: zeroize::Zeroizing<[u8; 32]>,
    /// HMAC-SHA256 keyed with the audit-subject key. A `DomainKey` rather than an `Hmac` value
    /// because its keyed states are zeroed on drop; `Hmac`'s are not.
    subject_mac: DomainKey,
    pending: Vec<AuditEntry>,
    /// Whether the META record naming the key version is in the store yet.
    meta_written: bool,
    key_version: u32,
}

pub(crate) struct Auditor {
    pub(crate) mode: AuditMode,
    state: Mutex<Option<AuditState>>,
}

fn keys_for(ring: &KeyRing, version: u32) -> Result<(zeroize::Zeroizing<[u8; 32]>, DomainKey)> {
    let key = ring.internal_key(version, CHAIN_LABEL).map_err(|_| {
        Error::InvalidKey(format!(
            "the audit log was begun under key version {version}, which the key ring lacks; open the engine with that version too"
        ))
    })?;
    let subject_key = ring.internal_key(version, SUBJECT_LABEL)?;
    Ok((key, DomainKey::from_derived_key(SUBJECT_LABEL, version, &subject_key)))
}

impl Auditor {
    pub(crate) fn new(mode: AuditMode) -> Self {
        Auditor { mode, state: Mutex::new(None) }
    }

    /// Sets up the chain after the store was replayed: `version` from the META record, if any, and
    /// the last stored entry to continue from.
    pub(crate) fn resume(&self, ring: &KeyRing, meta: Option<u32>, last: Option<&AuditEntry>) -> Result<()> {
        if self.mode == AuditMode::Off && meta.is_none() {
            return Ok(());
        }
        let version = meta.unwrap_or_else(|| ring.current_version());
        let (key, subject_mac) = keys_for(ring, version)?;
        let chain = AuditChain::resume(*key, last)?;
        *self.lock() = Some(AuditState {
            chain,
            key,
            subject_mac,
            pending: Vec::new(),
            meta_written: meta.is_some(),
            key_version: version,
        });
        Ok(())
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Option<AuditState>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl AuditState {
    /// The subject's pseudonym in the log.
    pub(crate) fn subject(&self, subject: &str) -> String {
        let d = self.subject_mac.digest(subject.as_bytes());
        crate::pseudo::hex_string("s_", &d[..16])
    }
}

pub(crate) fn decode_meta(bytes: &[u8]) -> Option<u32> {
    serde_json::from_slice::<AuditMeta>(bytes).ok().map(|m| m.audit_key_version)
}

/// A change to write: its own records and the audit drafts that describe it, each with the raw
/// subject id it concerns (pseudonymised when sealed).
pub(crate) struct Change<'a> {
    pub(crate) records: Vec<(RecordKind, &'a [u8])>,
    pub(crate) drafts: Vec<(Option<&'a str>, AuditDraft)>,
}

impl Engine {
    /// Writes a change and its audit entries in one atomic append (with any buffered decision
    /// entries before them). Call with the writer lock held.
    pub(crate) fn commit_change(&self, change: Change<'_>) -> Result<()> {
        let mut guard = self.auditor.lock();
        let Some(state) = guard.as_mut().filter(|_| self.auditor.mode != AuditMode::Off) else {
            drop(guard);
            return self.store.append(&change.records);
        };
        let before = state.chain.clone();
        let mut extra: Vec<Vec<u8>> = Vec::new();
        if !state.meta_written {
            extra.push(super::persist::encode(&AuditMeta { audit_key_version: state.key_version })?);
        }
        let sealed: Vec<AuditEntry> = change
            .drafts
            .into_iter()
            .map(|(subject, mut d)| {
                if let Some(s) = subject {
                    d.subject = Some(state.subject(s));
                }
                state.chain.seal(d)
            })
            .collect();
        let mut payloads = Vec::with_capacity(state.pending.len() + sealed.len());
        for e in state.pending.iter().chain(&sealed) {
            payloads.push(super::persist::encode(e)?);
        }
        let mut records: Vec<(RecordKind, &[u8])> = Vec::new();
        if let Some(m) = extra.first() {
            records.push((RecordKind::META, m));
        }
        let n_pending = state.pending.len();
        records.extend(payloads[..n_pending].iter().map(|p| (RecordKind::AUDIT, p.as_slice())));
        records.extend(change.records.iter().copied());
        records.extend(payloads[n_pending..].iter().map(|p| (RecordKind::AUDIT, p.as_slice())));
        match self.store.append(&records) {
            Ok(()) => {
                state.pending.clear();
                state.meta_written = true;
                Ok(())
            }
            Err(e) => {
                // Nothing was stored: the sealed entries never happened.
                state.chain = before;
                Err(e)
            }
        }
    }

    /// Logs an access decision (in [`AuditMode::Full`]); builds the draft only when needed.
    pub(crate) fn audit_access(
        &self,
        draft: impl FnOnce(&dyn Fn(&str) -> String) -> AuditDraft,
    ) -> Result<()> {
        if self.auditor.mode != AuditMode::Full {
            return Ok(());
        }
        let flush = {
            let mut guard = self.auditor.lock();
            let Some(state) = guard.as_mut() else { return Ok(()) };
            let d = draft(&|s| state.subject(s));
            let entry = state.chain.seal(d);
            state.pending.push(entry);
            state.pending.len() >= FLUSH_EVERY
        };
        if flush {
            self.flush_audit()?;
        }
        Ok(())
    }

    /// The subject's pseudonym as it appears in the audit log (`s_` + 32 hex digits), or `None`
    /// when the engine keeps no audit log.
    pub fn audit_subject(&self, subject: &str) -> Option<String> {
        self.auditor.lock().as_ref().map(|s| s.subject(subject))
    }

    /// Writes buffered decision entries to the store now.
    pub fn flush_audit(&self) -> Result<()> {
        let _w = self.write_lock();
        let pending = self.auditor.lock().as_ref().is_some_and(|s| !s.pending.is_empty());
        if pending {
            self.commit_change(Change { records: Vec::new(), drafts: Vec::new() })?;
        }
        Ok(())
    }

    /// The chain's head: the number of entries and the last MAC. Store it outside the journal (in
    /// the shop's database, a log shipper, a ticket); [`Engine::verify_audit`] with it detects a log
    /// whose newest entries were cut off.
    pub fn audit_head(&self) -> Option<AuditHead> {
        self.auditor.lock().as_ref().map(|s| s.chain.head())
    }

    /// Every audit entry, oldest first (stored ones, then buffered ones).
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        // Holding the writer lock keeps buffered entries from moving into the store mid-read.
        let _w = self.write_lock();
        let mut entries = Vec::new();
        let mut index = 0u64;
        self.store.replay(&mut |kind, bytes| {
            index += 1;
            if kind == RecordKind::AUDIT {
                entries.push(serde_json::from_slice::<AuditEntry>(bytes).map_err(|e| {
                    Error::AuditBroken {
                        index: entries.len() as u64,
                        message: format!(
                            "record {index} of {} is not an audit entry: {e}",
                            self.store.describe()
                        ),
                    }
                })?);
            }
            Ok(())
        })?;
        if let Some(s) = self.auditor.lock().as_ref() {
            entries.extend(s.pending.iter().cloned());
        }
        Ok(entries)
    }

    /// Verifies the whole audit chain: every entry authenticates its predecessor under the audit key.
    /// With `anchor` (an [`Engine::audit_head`] kept elsewhere) a truncated log is detected too.
    /// Fails with [`Error::AuditBroken`] naming the entry and what is wrong there.
    pub fn verify_audit(&self, anchor: Option<&AuditHead>) -> Result<AuditReport> {
        let entries = self.audit_entries()?;
        let guard = self.auditor.lock();
        let Some(state) = guard.as_ref() else {
            return Err(Error::AuditBroken {
                index: 0,
                message: "this engine keeps no audit log (audit mode off)".into(),
            });
        };
        audit::verify(&state.key, &entries, anchor).map_err(Error::from)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Best effort: a failure here has nowhere to go, and the chain stays valid without them.
        let _ = self.flush_audit();
    }
}
