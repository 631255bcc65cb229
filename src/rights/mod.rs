//! Data-subject rights and the operations around them: erasure with a receipt (Art. 17 GDPR),
//! export of everything held about a subject (Art. 15 and 20), the retention sweep (Art. 5(1)(e)),
//! re-identification through the vault, key rotation and compaction.

mod erasure;
mod export;
mod maintenance;
mod retention;

pub(crate) use erasure::Tombstones;
pub use erasure::{ErasedItem, ErasureReceipt, RetainedItem, Tombstone};
pub use maintenance::Reidentified;
pub use retention::{RetentionAction, RetentionStep};
