//! Consent: the ledger of events and the signals that feed it.
pub mod tcf;
