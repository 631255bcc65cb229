//! Durable state: the [`Store`] trait, an in-memory store and an append-only journal.
//!
//! The store is the bottom layer of zweck and knows nothing of consent, vaults or audit: it keeps
//! opaque records, each tagged with a [`RecordKind`], in the order they were appended. Upper layers
//! serialise their own records, rebuild their state by [`Store::replay`], and from time to time hand
//! the store the records still live ([`Store::compact`]) so that erased data really leaves the disk.
//!
//! Two implementations ship with the crate:
//!
//! * [`MemoryStore`]: records in memory; for tests and for hosts that keep state elsewhere.
//! * [`JournalStore`]: an append-only file, checksummed, crash-safe, locked against a second writer.
//!
//! ```no_run
//! use zweck::store::{JournalOptions, JournalStore, RecordKind, Store};
//!
//! let (journal, report) = JournalStore::open("/var/lib/shop/zweck.journal", JournalOptions::default())?;
//! if let Some(cut) = &report.tail_cut {
//!     eprintln!("journal: removed a torn write of {} bytes at offset {}: {}", cut.bytes_removed, cut.offset, cut.reason);
//! }
//! journal.append(&[(RecordKind::CONSENT, b"...serialised consent event...")])?;
//! # Ok::<(), zweck::Error>(())
//! ```
//!
//! # Journal format
//!
//! All integers are little-endian. A journal is a 16-byte file header followed by frames.
//!
//! ```text
//! header: "ZWECKJ01" (8 bytes) | format version: u32 = 1 | CRC-32C of the previous 12 bytes: u32
//! frame:  payload length: u32  | kind: u8 | payload (length bytes) | CRC-32C of length, kind and payload: u32
//! ```
//!
//! The CRC is CRC-32C (Castagnoli; check value `0xE3069283` for `"123456789"`). A frame's payload is at
//! most [`JournalOptions::max_record_len`] bytes; a larger declared length is treated as damage and never
//! allocated.
//!
//! A frame of kind 1–255 holds one record of that kind. Kind 0 is reserved for a **batch**: an
//! [`append`](Store::append) of two or more records is written as one batch frame whose payload is the
//! records one after another, each as `length: u32 | kind: u8 | payload`. The frame's single checksum
//! covers the whole batch, so after a crash a batch is either entirely present or entirely absent.
//! (Kind 0 is therefore refused as a record kind.)
//!
//! An append is acknowledged only after the frame is written and `fdatasync`ed (or, with group commit,
//! after the shared `fdatasync` that covers it).
//!
//! ## Opening: torn tails and damage
//!
//! Opening scans every frame. A crash during a write can leave an incomplete or checksum-failing frame
//! at the very end; that frame was never acknowledged. If nothing valid follows the first bad frame,
//! it is cut off (truncate + sync) and reported in [`OpenReport::tail_cut`], never silently accepted.
//! If a valid frame follows a bad one, the damage is in the middle of acknowledged data: opening fails
//! with [`Error::Corrupt`] naming the offset, and the file is left untouched.
//!
//! ## Compaction
//!
//! [`Store::compact`] writes the live records to `<journal>.compact.tmp`, syncs it, renames it over the
//! journal and syncs the directory. A crash at any point leaves either the old or the new journal; a
//! leftover temporary file is deleted on the next open. The old bytes leave the journal's file for good.
//!
//! ## Locking
//!
//! The journal is locked through `<journal>.lock` for as long as the store lives; a second opener,
//! in this process or another, gets [`Error::Locked`]. Journal and lock file are
//! created with mode 0600.

mod frame;
mod journal;
mod lock;
mod memory;

pub use journal::{JournalOptions, JournalStore, OpenReport, TailCut};
pub use memory::MemoryStore;

use crate::error::{Error, Result};

/// Kind of a stored record; the engine defines what each means.
///
/// Kinds 1 to 255 are available; kind 0 is reserved by the journal format for batches.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct RecordKind(pub u8);

impl RecordKind {
    /// A consent event (grant, withdrawal, objection).
    pub const CONSENT: RecordKind = RecordKind(1);
    /// A vault entry (a reversible token and what it stands for).
    pub const VAULT: RecordKind = RecordKind(2);
    /// An erasure of a subject.
    pub const ERASURE: RecordKind = RecordKind(3);
    /// An entry of the hash-chained audit log.
    pub const AUDIT: RecordKind = RecordKind(4);
    /// Bookkeeping of the engine itself (versions, key ring metadata).
    pub const META: RecordKind = RecordKind(5);
}

/// Where records live. Implement it to keep zweck's state in your own storage.
///
/// Implementations must be safe to share between threads: the engine appends from many at once.
pub trait Store: Send + Sync {
    /// Appends records atomically as one unit (all or none visible after a crash); returns once durable.
    ///
    /// An empty slice is a no-op. A record of kind 0 is refused with `Error::InvalidInput`.
    fn append(&self, records: &[(RecordKind, &[u8])]) -> Result<()>;

    /// Calls `f` for every record in order.
    ///
    /// The first error returned by `f` stops the replay and is returned. `f` may append to the same
    /// store; records appended during a replay may or may not be seen by it.
    fn replay(&self, f: &mut dyn FnMut(RecordKind, &[u8]) -> Result<()>) -> Result<()>;

    /// Atomically replaces the whole content with `live` (crash at any point leaves either the old or
    /// the new content).
    ///
    /// Appends wait while compaction runs, so `live` must not call back into the same store.
    fn compact(&self, live: &mut dyn Iterator<Item = (RecordKind, Vec<u8>)>) -> Result<CompactStats>;

    /// Human-readable description, e.g. "journal /var/lib/shop/zweck.journal" or "memory".
    fn describe(&self) -> String;
}

/// What a compaction did; worth logging, since it shows that erased data really left.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CompactStats {
    /// Records before compaction.
    pub records_before: u64,
    /// Records after compaction (the live ones).
    pub records_after: u64,
    /// Bytes before compaction (file size for a journal, payload bytes for memory).
    pub bytes_before: u64,
    /// Bytes after compaction.
    pub bytes_after: u64,
}

/// Refuses the kind the journal format reserves, so that every store accepts the same records.
pub(crate) fn check_kind(kind: RecordKind) -> Result<()> {
    if kind.0 == frame::BATCH_KIND {
        return Err(Error::InvalidInput {
            what: "record kind",
            message: "kind 0 is reserved by the journal format for batches; use a kind from 1 to 255"
                .to_string(),
        });
    }
    Ok(())
}

/// The engine shares one store between threads; keep both implementations shareable.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<MemoryStore>();
    shareable::<JournalStore>();
};
