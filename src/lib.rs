//! zweck
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod access;
pub mod consent;
mod engine;
pub mod error;
pub mod policy;
pub mod pseudo;
pub mod store;
pub mod time;

pub use engine::Engine;
pub use error::{Error, Result};
pub use pseudo::{DomainKey, KeyRing};
pub use time::{Period, Timestamp};
