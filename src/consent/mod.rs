//! Consent: the ledger of events and the signals that feed it.
//!
//! See [`ledger`] for the rules that decide whether a consent holds at a given time.

mod event;
pub mod gpc;
pub mod ledger;
pub mod tcf;

pub(crate) use event::is_valid_subject;
pub use event::{
    check_subject, Consent, ConsentAction, ConsentEvent, MAX_EVIDENCE_LEN, MAX_SOURCE_LEN, MAX_SUBJECT_LEN,
};
pub use ledger::{ConsentStatus, Ledger, Terms};
