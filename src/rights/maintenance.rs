//! Engine operations that change what is held: erasure, re-identification, key rotation, compaction.

use serde::{Deserialize, Serialize};

use super::erasure::{key_check, ErasedItem, ErasureReceipt, RetainedItem, Tombstone, Tombstones};
use crate::audit::{AuditDraft, AuditOp};
use crate::consent::check_subject;
use crate::engine::{persist, Change};
use crate::error::{Error, Result};
use crate::policy::LegalBasis;
use crate::pseudo::VaultEntry;
use crate::store::{CompactStats, RecordKind};
use crate::{Engine, KeyRing, Timestamp};

/// A token resolved through the vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reidentified {
    /// The token asked about.
    pub token: String,
    /// The subject it belongs to.
    pub subject: String,
    /// The field it was made from.
    pub field: String,
    /// The original (normalised) value.
    pub value: String,
}

impl Engine {
    /// Erases `subject` (right to be forgotten, Art. 17 GDPR): removes their consent events and vault
    /// entries, leaves a tombstone so that every later decision is denied with `subject_erased`, and
    /// returns a receipt of what was erased and of what the policy requires the shop to retain.
    ///
    /// The tombstone is durable when this returns. The erased records leave the journal's bytes at the
    /// next [`Engine::compact`]; call it right after if the request must be completed at once.
    pub fn forget_subject(&self, subject: &str, reason: &str, now: Timestamp) -> Result<ErasureReceipt> {
        check_subject(subject)?;
        if reason.trim().is_empty() || reason.len() > 1024 {
            return Err(Error::InvalidInput {
                what: "erasure reason",
                message: "say why the subject is erased (e.g. \"customer request via account page\"), 1 to 1024 bytes".into(),
            });
        }
        let keys = self.key_state();
        let version = keys.ring.current_version();
        let hash = Tombstones::hash(&keys.ring, version, subject)?;
        let tombstone = Tombstone {
            subject_hash: crate::pseudo::hex_string("", &hash),
            key_version: version,
            key_check: key_check(&keys.ring, version)?,
            at: now,
            reason: reason.to_string(),
        };
        let payload = persist::encode(&tombstone)?;
        let _w = self.write_lock();
        if self.is_erased(subject) {
            return Err(Error::SubjectErased);
        }
        let draft = AuditDraft::new(now, AuditOp::Forget).detail(format!("reason: {reason}"));
        self.commit_change(Change {
            records: vec![(RecordKind::ERASURE, &payload)],
            drafts: vec![(Some(subject), draft)],
        })?;
        self.tombstones.add(&keys.ring, tombstone.clone())?;
        let events = self.ledger.forget(subject);
        let tokens = self.vault.as_ref().map(|v| v.forget(subject)).unwrap_or(0);
        drop(_w);

        let policy = self.policy();
        let mut retained = Vec::new();
        for f in policy.fields() {
            for p in policy.purposes() {
                let duty = matches!(
                    p.basis(),
                    LegalBasis::LegalObligation | LegalBasis::VitalInterests | LegalBasis::PublicTask
                );
                let Some(tag) = policy.tag(f.id(), p.id()) else { continue };
                // Report each duty once, on the purpose that declares the tag.
                if duty && tag.declared_on == p.id() {
                    retained.push(RetainedItem {
                        field: f.name().to_string(),
                        category: f.category().to_string(),
                        purpose: p.key().to_string(),
                        basis: p.basis().as_str().to_string(),
                        retention: p.retention().map(|r| r.to_string()),
                        why: format!(
                            "{} requires keeping it{} (Art. 17(3)(b) GDPR); use it for nothing else",
                            p.basis().describe(),
                            p.retention().map(|r| format!(" for {r}")).unwrap_or_default()
                        ),
                    });
                }
            }
        }
        Ok(ErasureReceipt {
            subject_hash: tombstone.subject_hash,
            at: now,
            reason: reason.to_string(),
            erased: vec![
                ErasedItem { what: "consent events".into(), count: events },
                ErasedItem { what: "vault entries (reversible pseudonyms)".into(), count: tokens },
            ],
            retained,
            note: "Delete the customer's record from the shop's own systems, except the fields listed as retained. \
                   Compact the journal to remove the erased records from disk."
                .into(),
        })
    }

    /// Whether `subject` was erased.
    pub fn is_subject_erased(&self, subject: &str) -> bool {
        self.is_erased(subject)
    }

    /// Resolves a vault token for a purpose the policy marks `reidentify` (e.g. fraud investigation).
    /// Every other purpose, an engine without a vault, or an unknown token is refused.
    pub fn reidentify(&self, token: &str, purpose: &str, now: Timestamp) -> Result<Reidentified> {
        let result = self.resolve_token(token, purpose);
        let detail = match &result {
            Ok(_) => "resolved".to_string(),
            Err(e) => format!("refused: {e}"),
        };
        let subject = result.as_ref().ok().map(|r| r.subject.clone());
        let draft = AuditDraft::new(now, AuditOp::Reidentify).purpose(purpose).detail(detail);
        let _w = self.write_lock();
        self.commit_change(Change { records: Vec::new(), drafts: vec![(subject.as_deref(), draft)] })?;
        result
    }

    fn resolve_token(&self, token: &str, purpose: &str) -> Result<Reidentified> {
        let pid = self.policy().require_purpose(purpose)?;
        let p = self.policy().purpose(pid);
        if !p.reidentifies() {
            return Err(Error::Denied {
                reason: format!(
                    "purpose \"{purpose}\" may not re-identify pseudonyms; only purposes marked \"reidentify\": true in the policy may"
                ),
            });
        }
        let Some(vault) = &self.vault else {
            return Err(Error::Denied {
                reason: "this engine has no vault; open it with the vault enabled to resolve tokens".into(),
            });
        };
        crate::pseudo::token_key_version(token)?;
        let entry = vault.get(token).ok_or_else(|| Error::Denied {
            reason: "the vault does not know this token (never released through a view, or its subject was erased)".into(),
        })?;
        Ok(Reidentified {
            token: token.to_string(),
            subject: entry.subject,
            field: entry.field,
            value: entry.value,
        })
    }

    /// Makes a new master secret current. Tokens from then on carry `version`; older versions stay in
    /// the ring to recognise older tokens and tombstones. With a vault, every entry is pseudonymised
    /// again under the new key, so re-identification works for old and new tokens.
    ///
    /// The key ring is not stored: reopen a journal with every version it was written with.
    pub fn rotate_key(&self, version: u32, secret: &[u8]) -> Result<()> {
        let _w = self.write_lock();
        let mut ring: KeyRing = self.key_state().ring.clone();
        ring.rotate(version, secret)?;
        if let Some(vault) = &self.vault {
            let mut fresh = Vec::new();
            for e in vault.all() {
                let token = ring.domain_key(&e.domain).pseudonymise(e.value.as_bytes());
                if !vault.contains(&token) {
                    fresh.push(VaultEntry { token, ..e });
                }
            }
            let payloads: Vec<Vec<u8>> = fresh.iter().map(persist::encode).collect::<Result<_>>()?;
            let records: Vec<(RecordKind, &[u8])> =
                payloads.iter().map(|p| (RecordKind::VAULT, p.as_slice())).collect();
            for chunk in records.chunks(1024) {
                self.commit_change(Change { records: chunk.to_vec(), drafts: Vec::new() })?;
            }
            for e in fresh {
                vault.insert(e);
            }
        }
        let draft = AuditDraft::new(Timestamp::now(), AuditOp::RotateKey)
            .detail(format!("current key version {version}"));
        self.commit_change(Change { records: Vec::new(), drafts: vec![(None, draft)] })?;
        self.set_key_state(ring);
        Ok(())
    }

    /// Rewrites the store with only the live records: the consent events and vault entries of erased
    /// subjects leave the journal's bytes for good.
    pub fn compact(&self) -> Result<CompactStats> {
        let _w = self.write_lock();
        // Buffered decision entries go into the store first, so compaction keeps them.
        self.commit_change(Change { records: Vec::new(), drafts: Vec::new() })?;
        let live = persist::live_records(self)?;
        let stats = self.store.compact(&mut live.into_iter())?;
        let draft = AuditDraft::new(Timestamp::now(), AuditOp::Compact).detail(format!(
            "{} records kept of {}, {} bytes of {}",
            stats.records_after, stats.records_before, stats.bytes_after, stats.bytes_before
        ));
        self.commit_change(Change { records: Vec::new(), drafts: vec![(None, draft)] })?;
        Ok(stats)
    }
}
