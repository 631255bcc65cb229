//! A store that keeps records in memory, for tests and for hosts that persist state elsewhere.

use std::sync::{Arc, Mutex, PoisonError};

use super::{check_kind, CompactStats, RecordKind, Store};
use crate::error::Result;

/// Records in memory, in append order; gone when the store is dropped.
///
/// It follows the same contract as [`JournalStore`](super::JournalStore): kind 0 is refused, appends
/// are all-or-nothing, replay sees records in order, compaction replaces everything. Byte counts in
/// [`CompactStats`] are payload bytes, since there is no file.
///
/// ```
/// use zweck::store::{MemoryStore, RecordKind, Store};
/// let store = MemoryStore::new();
/// store.append(&[(RecordKind::CONSENT, b"granted")])?;
/// let mut seen = Vec::new();
/// store.replay(&mut |kind, bytes| {
///     seen.push((kind, bytes.to_vec()));
///     Ok(())
/// })?;
/// assert_eq!(seen, vec![(RecordKind::CONSENT, b"granted".to_vec())]);
/// # Ok::<(), zweck::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// Shared payloads, so that replay can snapshot the list cheaply and run the callback unlocked
    /// (the callback may append).
    records: Mutex<Vec<(RecordKind, Arc<[u8]>)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Vec<(RecordKind, Arc<[u8]>)>> {
        // A panic elsewhere cannot leave the list half-updated: every change is a single push or swap.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn payload_bytes(records: &[(RecordKind, Arc<[u8]>)]) -> u64 {
    records.iter().map(|(_, p)| p.len() as u64).sum()
}

impl Store for MemoryStore {
    fn append(&self, records: &[(RecordKind, &[u8])]) -> Result<()> {
        for (kind, _) in records {
            check_kind(*kind)?;
        }
        let new: Vec<(RecordKind, Arc<[u8]>)> = records.iter().map(|(k, p)| (*k, Arc::from(*p))).collect();
        self.records().extend(new);
        Ok(())
    }

    fn replay(&self, f: &mut dyn FnMut(RecordKind, &[u8]) -> Result<()>) -> Result<()> {
        let snapshot = self.records().clone();
        for (kind, payload) in &snapshot {
            f(*kind, payload)?;
        }
        Ok(())
    }

    fn compact(&self, live: &mut dyn Iterator<Item = (RecordKind, Vec<u8>)>) -> Result<CompactStats> {
        let mut new = Vec::new();
        for (kind, payload) in live {
            check_kind(kind)?;
            new.push((kind, Arc::from(payload)));
        }
        let mut records = self.records();
        let stats = CompactStats {
            records_before: records.len() as u64,
            records_after: new.len() as u64,
            bytes_before: payload_bytes(&records),
            bytes_after: payload_bytes(&new),
        };
        *records = new;
        Ok(stats)
    }

    fn describe(&self) -> String {
        "memory".to_string()
    }
}
