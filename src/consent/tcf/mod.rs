//! IAB TCF v2.2 / v2.3 consent strings ("TC strings"): a lenient decoder, a separate validator, and the
//! per-vendor reading a consent mapping needs.
//!
//! Shops that run ads or share data with ad-tech vendors receive the user's choices as a TC string from
//! their consent management platform (CMP). zweck reads it in three steps, each with one job:
//!
//! 1. [`TcString::decode`] turns the text into a [`TcString`], failing only when the text cannot be read
//!    (with a [`TcfError`] that names segment, field and bit).
//! 2. [`validate`] lists what current TCF policy says is wrong with it ([`ValidationIssue`]s, each
//!    [`Severity::Invalid`] or [`Severity::Warning`]), as of a `now` the caller passes in.
//! 3. [`TcString::vendor_allowed`] answers "may vendor V process for purpose P, on consent or on
//!    legitimate interest?" with publisher restrictions applied.
//!
//! A policy's `"tcf"` section ([`TcfMapping`]) says which signals decide which policy purposes, and
//! [`Engine::record_tcf`](crate::Engine::record_tcf) turns a string into consent events through it.
//!
//! [`TcString::to_json`] gives a stable JSON view for logs and tools; `examples/tcf_decode.rs` prints it
//! for each string on the command line or stdin.
//!
//! The format is specified by IAB Tech Lab in "Transparency and Consent String with Global Vendor & CMP
//! List Formats" (repository `InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework`,
//! file `TCFv2/IAB Tech Lab - Consent string and vendor list formats v2.md`). TCF v2.0 to v2.3 share the
//! encoding (`Version` 2); v2.2 raised `TcfPolicyVersion` to 4, and v2.3 made the disclosed-vendors
//! segment mandatory for strings created after 28 February 2026 without changing the policy version.
//!
//! ```
//! use zweck::consent::tcf::{validate, Severity, TcString};
//! use zweck::Timestamp;
//!
//! // From iabtcf-java's TCStringV2Test (commit 112c2688): bit-field vendor consents.
//! let tc = TcString::decode(
//!     "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA",
//! )?;
//! assert_eq!(tc.vendor_consents.ids.to_vec(), vec![23, 37, 47, 48, 53, 65, 98]);
//! assert_eq!(tc.vendor_allowed(23, 3), (true, false));
//!
//! // A 2020 string: global scope and policy version 2 make it invalid today.
//! let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
//! assert!(validate(&tc, now).iter().any(|i| i.severity == Severity::Invalid));
//! # Ok::<(), zweck::consent::tcf::TcfError>(())
//! ```

mod allowed;
mod bits;
mod decode;
mod error;
mod idset;
mod json;
mod mapping;
mod model;
mod validate;

pub use error::{TcfError, TcfErrorKind};
pub use idset::IdSet;
pub use mapping::{
    PurposeMap, PurposeSignal, TcfMapping, TcfRecorded, LAST_CUSTOM_PURPOSE, LAST_TCF_PURPOSE,
    MAX_CLOCK_SKEW_SECS,
};
pub use model::{PublisherRestriction, PublisherTc, RangeEntry, RestrictionType, TcString, VendorSection};
pub use validate::{validate, IssueCode, Severity, ValidationIssue};
