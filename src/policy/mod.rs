//! Purpose tagging: purposes, fields, treatments and their validation.
//!
//! A policy declares every field of a customer record, its data category, and the purposes that may
//! use it, each with a treatment (plain, pseudonymised, masked, generalised). Purposes are dotted keys
//! forming a hierarchy: a tag or consent on `marketing` covers `marketing.email`, never the reverse.
//! A field not tagged for a purpose (or one of its ancestors) is never released to it.

mod compiled;
mod document;
mod names;
mod notice;
mod validate;
pub mod vocab;

pub use compiled::{Field, FieldId, Policy, Purpose, PurposeId, Tag};
pub use document::{
    Controller, FieldSpec, LegalBasis, PolicyDocument, PurposeFlag, PurposeSpec, Tags, Treatment,
};
pub use notice::PROCESSING_RECORDS_FORMAT;
pub use validate::{MAX_DEPTH, MAX_ENTRIES, MAX_POLICY_BYTES};
