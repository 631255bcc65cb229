//! # zweck — purpose-bound access to customer data
//!
//! zweck lets a shop backend use customer data for personalisation, service and analytics while
//! enforcing what its customers agreed to. It answers three questions at the moment a backend touches
//! a customer record:
//!
//! 1. **May this purpose see this field?** The [`policy`] tags every field with the purposes that may
//!    use it (purpose tagging).
//! 2. **Does the customer's consent, or another legal basis, hold now?** The [`consent`] ledger keeps
//!    every grant, withdrawal and objection with its evidence.
//! 3. **In what form may it leave?** [`pseudo`] provides keyed pseudonyms, masks and generalisations,
//!    so each purpose gets the least identifying form that serves it.
//!
//! The [`Engine`] ties them together; [`access`] holds its decisions and views. Everything defaults
//! to deny: an untagged field, an unknown purpose or a missing consent never yields data.
//!
//! ```
//! use zweck::{Engine, KeyRing, Timestamp, access::Reason, consent::Consent, policy::Policy};
//!
//! let policy = Policy::from_json(r#"{
//!   "name": "Example shop",
//!   "purposes": [
//!     {"key": "order", "description": "Deliver your orders", "basis": "contract"},
//!     {"key": "marketing", "description": "Offers you asked for", "basis": "consent", "notice_version": 2},
//!     {"key": "marketing.email", "description": "Newsletter"}
//!   ],
//!   "fields": [
//!     {"name": "email", "category": "user.contact.email",
//!      "purposes": {"order": "plain", "marketing": "plain"}},
//!     {"name": "phone", "category": "user.contact.phone_number", "purposes": {"order": "plain"}}
//!   ]
//! }"#)?;
//! let engine = Engine::new(policy, KeyRing::new(1, &[0x42; 32])?);
//! let now: Timestamp = "2026-06-01T12:00:00Z".parse()?;
//!
//! // Delivery needs no consent; the newsletter does.
//! assert!(engine.decide("c-1", "order", "email", now).is_allowed());
//! assert_eq!(engine.decide("c-1", "marketing.email", "email", now).reason, Reason::NoConsent);
//!
//! // The banner's consent on `marketing` covers `marketing.email` …
//! engine.grant("c-1", "marketing", Consent::at(now).source("cookie banner v2"))?;
//! let view = engine.view_json(r#"{"email": "jane@example.com", "phone": "+49 170 1234567"}"#,
//!                             "c-1", "marketing.email", now)?;
//! assert_eq!(view.record.get("email").and_then(|v| v.as_str()), Some("jane@example.com"));
//! // … but the phone number is not tagged for marketing, so it never leaves.
//! assert_eq!(view.decision("phone").unwrap().reason, Reason::FieldNotTagged);
//! # Ok::<(), zweck::Error>(())
//! ```
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod access;
pub mod audit;
pub mod consent;
pub(crate) mod engine;
pub mod error;
pub mod ffi;
pub mod policy;
pub mod pseudo;
pub mod rights;
pub mod store;
mod text;
pub mod time;

pub use engine::{AuditMode, Engine, EngineBuilder, AUDIT_FLUSH_EVERY};
pub use error::{Error, Result};
pub use pseudo::{DomainKey, KeyRing};
pub use time::{Period, Timestamp};

/// The Rust examples in README.md, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
