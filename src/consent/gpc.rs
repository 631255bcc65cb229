//! Global Privacy Control: the browser's `Sec-GPC: 1` header as an objection.
//!
//! GPC (W3C Privacy Community Group, "Global Privacy Control" specification) lets a browser tell every
//! site that its user does not want their data sold or shared. It names no purpose, so zweck applies
//! it to the purposes a policy flags as [`Sale`](crate::policy::PurposeFlag::Sale),
//! [`Sharing`](crate::policy::PurposeFlag::Sharing) or
//! [`TargetedAdvertising`](crate::policy::PurposeFlag::TargetedAdvertising), and records it as an
//! **objection** (never as consent, and never as a grant when the header is absent: absence expresses
//! no preference).
//!
//! The conflict rule follows from ledger rule 5 ([`ledger`](super::ledger)): an objection beats every
//! grant made before it, and only a later *explicit* grant on the objected purpose (or a more specific
//! one) lifts it. So a customer with GPC switched on who later ticks a separate "yes, personalise my
//! ads" box (recorded with [`Consent::explicit`](super::Consent::explicit)) gets personalised ads;
//! a banner's generic "accept all" after the signal, or any grant from before it, does not override it.
//!
//! Browsers send the header with every request, so [`Engine::record_gpc`](crate::Engine::record_gpc)
//! records the objection for a purpose only once: the first time it sees the signal for that
//! subject. Were it recorded again with every request, the next page view would undo the customer's
//! explicit opt-in that the conflict rule promises to respect.

use super::event::{ConsentAction, ConsentEvent};
use crate::policy::PurposeFlag;

/// The evidence stored with every objection recorded from Global Privacy Control.
pub const GPC_EVIDENCE: &str = "Sec-GPC: 1";

/// The purpose flags a Global Privacy Control signal objects to.
pub const GPC_FLAGS: [PurposeFlag; 3] =
    [PurposeFlag::Sale, PurposeFlag::Sharing, PurposeFlag::TargetedAdvertising];

/// True if `event` is an objection recorded from Global Privacy Control (it carries
/// [`GPC_EVIDENCE`]), e.g. to show it as such in a privacy dashboard.
pub fn is_gpc_objection(event: &ConsentEvent) -> bool {
    event.action == ConsentAction::Object && event.evidence.as_deref() == Some(GPC_EVIDENCE)
}
