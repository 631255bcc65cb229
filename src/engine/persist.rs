//! How engine state maps onto store records, and rebuilding it on open.
//!
//! Each record's payload is one JSON document: a [`ConsentEvent`] (kind `CONSENT`), a
//! [`VaultEntry`] (`VAULT`) or a [`Tombstone`] (`ERASURE`). JSON keeps the journal inspectable with
//! ordinary tools and lets later versions add optional fields.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Engine;
use crate::audit::AuditEntry;
use crate::consent::ConsentEvent;
use crate::error::{Error, Result};
use crate::pseudo::VaultEntry;
use crate::rights::Tombstone;
use crate::store::RecordKind;

pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v)
        .map_err(|e| Error::InvalidInput { what: "record", message: format!("cannot encode: {e}") })
}

fn decode<T: DeserializeOwned>(engine: &Engine, index: u64, what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::InvalidInput {
        what: "stored record",
        message: format!("record {index} of {} is not a valid {what}: {e}", engine.store.describe()),
    })
}

/// Rebuilds ledger, vault and tombstones from the store, in order.
pub(crate) fn replay(engine: &Engine) -> Result<()> {
    let keys = engine.key_state();
    let mut index = 0u64;
    let mut audit_meta: Option<u32> = None;
    let mut last_audit: Option<Vec<u8>> = None;
    engine.store.replay(&mut |kind, bytes| {
        index += 1;
        match kind {
            RecordKind::AUDIT => last_audit = Some(bytes.to_vec()),
            RecordKind::META => {
                if let Some(v) = super::decode_meta(bytes) {
                    audit_meta = Some(v);
                }
            }
            RecordKind::CONSENT => {
                let e: ConsentEvent = decode(engine, index, "consent event", bytes)?;
                engine.ledger.record(e);
            }
            RecordKind::VAULT => {
                let e: VaultEntry = decode(engine, index, "vault entry", bytes)?;
                if let Some(v) = &engine.vault {
                    v.insert(e);
                }
            }
            RecordKind::ERASURE => {
                let t: Tombstone = decode(engine, index, "erasure tombstone", bytes)?;
                engine.tombstones.add(&keys.ring, t)?;
            }
            // Audit and bookkeeping records are read by their own layers.
            _ => {}
        }
        Ok(())
    })?;
    let last: Option<AuditEntry> = match last_audit {
        Some(bytes) => Some(decode(engine, index, "audit entry", &bytes)?),
        None => None,
    };
    engine.auditor.resume(&keys.ring, audit_meta, last.as_ref())?;
    // Events recorded before a tombstone belong to the erased subject: drop them again. (None can
    // follow a tombstone: the engine refuses events for erased subjects.)
    if !engine.tombstones.is_empty() {
        for subject in engine.ledger.subject_ids() {
            if engine.is_erased(&subject) {
                engine.ledger.forget(&subject);
            }
        }
        if let Some(v) = &engine.vault {
            for subject in v.subjects() {
                if engine.is_erased(&subject) {
                    v.forget(&subject);
                }
            }
        }
    }
    Ok(())
}

/// The records that survive compaction: everything except the consent events and vault entries of
/// erased subjects.
pub(crate) fn live_records(engine: &Engine) -> Result<Vec<(RecordKind, Vec<u8>)>> {
    let mut live = Vec::new();
    let mut index = 0u64;
    engine.store.replay(&mut |kind, bytes| {
        index += 1;
        let keep = match kind {
            RecordKind::CONSENT => {
                let e: ConsentEvent = decode(engine, index, "consent event", bytes)?;
                !engine.is_erased(&e.subject)
            }
            RecordKind::VAULT => {
                let e: VaultEntry = decode(engine, index, "vault entry", bytes)?;
                !engine.is_erased(&e.subject)
            }
            _ => true,
        };
        if keep {
            live.push((kind, bytes.to_vec()));
        }
        Ok(())
    })?;
    Ok(live)
}
