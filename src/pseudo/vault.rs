//! The vault: reversible pseudonyms.
//!
//! A pseudonym cannot be reversed by design. Some purposes need to go back (a fraud investigation
//! must know whose order it was), so an engine can be opened with a vault that remembers, for each
//! token it releases, the original value, the field and the subject. Only purposes the policy marks
//! `reidentify` may resolve a token; the engine denies every other purpose and audits every attempt.
//!
//! The vault keeps original values in clear, in memory and in the journal, until the subject is
//! erased and the journal compacted. Protect the journal file like the customer database.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

/// One remembered token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultEntry {
    /// The pseudonym.
    pub token: String,
    /// Its pseudonymisation domain.
    pub domain: String,
    /// The field it was made from.
    pub field: String,
    /// The subject it belongs to.
    pub subject: String,
    /// The canonical (normalised) value it stands for.
    pub value: String,
}

/// Token → entry, with an index by subject for export and erasure.
#[derive(Default)]
pub struct Vault {
    inner: RwLock<VaultMaps>,
}

#[derive(Default)]
struct VaultMaps {
    by_token: HashMap<String, VaultEntry>,
    by_subject: HashMap<String, Vec<String>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("entries", &self.len()).finish()
    }
}

impl Vault {
    /// An empty vault.
    pub fn new() -> Self {
        Vault::default()
    }

    /// Whether `token` is known.
    pub fn contains(&self, token: &str) -> bool {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).by_token.contains_key(token)
    }

    /// Remembers an entry; returns false if the token was already known.
    pub fn insert(&self, entry: VaultEntry) -> bool {
        let mut m = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if m.by_token.contains_key(&entry.token) {
            return false;
        }
        m.by_subject.entry(entry.subject.clone()).or_default().push(entry.token.clone());
        m.by_token.insert(entry.token.clone(), entry);
        true
    }

    /// The entry for `token`.
    pub fn get(&self, token: &str) -> Option<VaultEntry> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).by_token.get(token).cloned()
    }

    /// All entries of a subject.
    pub fn entries_of(&self, subject: &str) -> Vec<VaultEntry> {
        let m = self.inner.read().unwrap_or_else(|p| p.into_inner());
        m.by_subject
            .get(subject)
            .map(|ts| ts.iter().filter_map(|t| m.by_token.get(t).cloned()).collect())
            .unwrap_or_default()
    }

    /// Removes all entries of a subject; returns how many there were.
    pub fn forget(&self, subject: &str) -> usize {
        let mut m = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let tokens = m.by_subject.remove(subject).unwrap_or_default();
        for t in &tokens {
            m.by_token.remove(t);
        }
        tokens.len()
    }

    /// The subjects with at least one entry.
    pub fn subjects(&self) -> Vec<String> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).by_subject.keys().cloned().collect()
    }

    /// Every entry (for compaction and key rotation).
    pub fn all(&self) -> Vec<VaultEntry> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).by_token.values().cloned().collect()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).by_token.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
