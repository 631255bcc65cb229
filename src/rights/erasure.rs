//! Erasure (Art. 17 GDPR): tombstones and receipts.
//!
//! Erasing a subject removes their consent events and vault entries and leaves a *tombstone*: the
//! subject id under a keyed hash (never the id itself), the key version and a key check value, the
//! time and the reason. Every later decision about the subject is denied with `subject_erased`, and
//! new consent events for the id are refused. The receipt lists what was erased and what the policy
//! says must be retained, and why.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pseudo::{DomainKey, KeyRing};
use crate::Timestamp;

/// HKDF label of the key that hashes subject ids in tombstones.
pub(crate) const ERASURE_LABEL: &str = "erasure";

/// What is left of an erased subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tombstone {
    /// HMAC-SHA256 of the subject id under the erasure key of `key_version`, lowercase hex.
    pub subject_hash: String,
    /// Key version the hash was made with.
    pub key_version: u32,
    /// Key check value of that version (hex), so that a journal reopened with a different secret under
    /// the same version number is refused instead of bringing erased customers back.
    pub key_check: String,
    /// When the subject was erased.
    pub at: Timestamp,
    /// Why (e.g. "customer request via account page").
    pub reason: String,
}

/// One category of erased data in a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedItem {
    /// What was erased.
    pub what: String,
    /// How many records.
    pub count: usize,
}

/// A field the shop must keep despite the erasure request, and why (Art. 17(3)(b) GDPR).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetainedItem {
    /// Field of the customer record.
    pub field: String,
    /// Its data category.
    pub category: String,
    /// The purpose that requires keeping it.
    pub purpose: String,
    /// That purpose's legal basis.
    pub basis: String,
    /// For how long, in plain language (`"10 years"`), if the policy says.
    pub retention: Option<String>,
    /// Why, in plain language.
    pub why: String,
}

/// The receipt of an erasure: what zweck erased, what the shop must retain and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureReceipt {
    /// The tombstone's subject hash (the receipt never contains the subject id).
    pub subject_hash: String,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: String,
    /// What zweck erased.
    pub erased: Vec<ErasedItem>,
    /// What the policy requires the shop to keep.
    pub retained: Vec<RetainedItem>,
    /// What remains to be done.
    pub note: String,
}

struct VersionSet {
    /// HMAC-SHA256 keyed with the erasure key. A `DomainKey` rather than an `Hmac` value because its
    /// keyed states are zeroed on drop; `Hmac`'s are not.
    mac: DomainKey,
    hashes: HashSet<[u8; 32]>,
}

/// The erased subjects, by key version.
#[derive(Default)]
pub(crate) struct Tombstones {
    inner: RwLock<HashMap<u32, VersionSet>>,
    /// Set once the first tombstone is in `inner`, never cleared (tombstones are never removed).
    /// Every decision asks whether anyone was erased; reading this costs a load where taking the
    /// lock for `inner` costs two atomic read-modify-writes.
    any: AtomicBool,
}

fn mac_for(keys: &KeyRing, version: u32) -> Result<DomainKey> {
    let key = keys.internal_key(version, ERASURE_LABEL)?;
    Ok(DomainKey::from_derived_key(ERASURE_LABEL, version, &key))
}

pub(crate) fn key_check(keys: &KeyRing, version: u32) -> Result<String> {
    Ok(crate::pseudo::hex_string("", &keys.key_check_value(version)?))
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks(2).enumerate() {
        let v = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        out[i] = v(pair[0])? << 4 | v(pair[1])?;
    }
    Some(out)
}

impl Tombstones {
    /// The tombstone hash of `subject` under the current key.
    pub(crate) fn hash(keys: &KeyRing, version: u32, subject: &str) -> Result<[u8; 32]> {
        Ok(mac_for(keys, version)?.digest(subject.as_bytes()))
    }

    /// Adds a tombstone (live or replayed); checks that the key ring holds its key version with the
    /// same secret.
    pub(crate) fn add(&self, keys: &KeyRing, t: Tombstone) -> Result<()> {
        let Some(hash) = unhex32(&t.subject_hash) else {
            return Err(Error::InvalidInput {
                what: "tombstone",
                message: "subject hash is not 64 hex digits".into(),
            });
        };
        let kcv = key_check(keys, t.key_version).map_err(|_| {
            Error::InvalidKey(format!(
                "the journal holds erasures made under key version {}, which the key ring lacks; open it with every key version it was written with, or erased customers would no longer be recognised",
                t.key_version
            ))
        })?;
        if kcv != t.key_check {
            return Err(Error::InvalidKey(format!(
                "key version {} does not have the secret the journal's erasures were made with (key check value differs); open with the original secret",
                t.key_version
            )));
        }
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if let std::collections::hash_map::Entry::Vacant(e) = inner.entry(t.key_version) {
            e.insert(VersionSet { mac: mac_for(keys, t.key_version)?, hashes: HashSet::new() });
        }
        if let Some(set) = inner.get_mut(&t.key_version) {
            set.hashes.insert(hash);
            // Stored while the write lock is held, and before the caller empties the ledger: a
            // reader that saw the emptied ledger (through the ledger's lock) sees `true` here.
            self.any.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Whether `subject` was erased.
    pub(crate) fn contains(&self, subject: &str) -> bool {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.values().any(|set| set.hashes.contains(&set.mac.digest(subject.as_bytes())))
    }

    /// True when nobody was erased (the common, fast case).
    pub(crate) fn is_empty(&self) -> bool {
        !self.any.load(Ordering::Acquire)
    }
}
