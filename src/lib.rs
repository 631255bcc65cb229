//! zweck
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod consent;
pub mod error;
pub mod ffi;
pub mod policy;
pub mod pseudo;
pub mod store;
pub mod time;

pub use error::{Error, Result};
pub use time::{Period, Timestamp};
