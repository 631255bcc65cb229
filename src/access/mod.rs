//! Consent-checked field access: [`Decision`]s for single fields and [`View`]s of whole records.
//!
//! Default deny: a field is released only if the policy tags it for the purpose (or an ancestor) and
//! the purpose's legal basis holds now. An unknown field, an unknown purpose, a missing consent or an
//! erased subject never yields data. There is no way to read a field without naming a purpose.

mod decide;
mod decision;
mod view;

pub use decide::Decider;
pub(crate) use decide::{applied_name, terms_of, verdict_once};
pub use decision::{Applied, Decision, Effect, Reason, Verdict};
pub(crate) use view::{build as build_view, treat};
pub use view::{FieldDecision, View};
