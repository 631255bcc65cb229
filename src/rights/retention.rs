//! The retention sweep (storage limitation, Art. 5(1)(e) GDPR): which fields of a record are due for
//! erasure or pseudonymisation at a given time.
//!
//! A field may be kept while any purpose that uses it still has retention left, counted from when the
//! data was collected. When only purposes that receive it pseudonymised remain, the shop should keep
//! the pseudonym and drop the value. When none remain, the field is due for erasure. A purpose
//! without a retention period keeps the field indefinitely, and the step says so, so that an
//! incomplete policy is visible rather than silently permissive. A field the policy does not declare
//! has no purpose at all and is always due for erasure.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::policy::Treatment;
use crate::{Engine, Timestamp};

/// What to do with a field now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAction {
    /// Still needed in its stored form.
    Keep,
    /// Only pseudonymising purposes remain: replace the value by its pseudonym.
    Pseudonymise,
    /// No purpose remains: erase it.
    Erase,
}

/// The outcome for one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionStep {
    /// The field.
    pub field: String,
    /// What to do now.
    pub action: RetentionAction,
    /// When the next step falls due (for `keep` and `pseudonymise`), if ever.
    pub next_due: Option<Timestamp>,
    /// Why, naming the purposes involved.
    pub because: String,
}

/// Latest end of retention among purposes; `None` inside means "no limit declared".
fn latest(ends: &[(String, Option<Timestamp>)]) -> Option<(Option<Timestamp>, &str)> {
    let mut best: Option<(Option<Timestamp>, &str)> = None;
    for (p, end) in ends {
        best = match (best, end) {
            (None, _) => Some((*end, p)),
            (Some((None, bp)), _) => Some((None, bp)),
            (Some(_), None) => Some((None, p)),
            (Some((Some(b), bp)), Some(e)) => {
                Some(if e > &b { (Some(*e), p.as_str()) } else { (Some(b), bp) })
            }
        };
    }
    best
}

impl Engine {
    /// For each field of `record` (collected at `collected_at`), whether it must be kept, pseudonymised
    /// or erased at `now` under the policy's retention periods.
    pub fn retention_due(
        &self,
        record: &Map<String, Value>,
        collected_at: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<RetentionStep>> {
        let policy = self.policy();
        let mut out = Vec::with_capacity(record.len());
        for name in record.keys() {
            let Some(fid) = policy.field_id(name) else {
                out.push(RetentionStep {
                    field: name.clone(),
                    action: RetentionAction::Erase,
                    next_due: None,
                    because: "the policy does not declare this field, so no purpose may keep it".into(),
                });
                continue;
            };
            let mut plain = Vec::new();
            let mut pseudo = Vec::new();
            for p in policy.purposes() {
                let Some(tag) = policy.tag(fid, p.id()) else { continue };
                let end = p.retention().map(|r| collected_at + r);
                let entry = (p.key().to_string(), end);
                match tag.treatment {
                    Treatment::Pseudonymise(_) => pseudo.push(entry),
                    _ => plain.push(entry),
                }
            }
            let step = |action, next_due, because: String| RetentionStep {
                field: name.clone(),
                action,
                next_due,
                because,
            };
            let s = match (latest(&plain), latest(&pseudo)) {
                (Some((None, p)), _) => step(
                    RetentionAction::Keep,
                    None,
                    format!("purpose \"{p}\" declares no retention period; add one to the policy"),
                ),
                (Some((Some(end), p)), _) if now < end => {
                    step(RetentionAction::Keep, Some(end), format!("purpose \"{p}\" may keep it until {end}"))
                }
                (_, Some((None, p))) => step(
                    RetentionAction::Pseudonymise,
                    None,
                    format!(
                        "only purpose \"{p}\" still uses it, pseudonymised, and declares no retention period"
                    ),
                ),
                (_, Some((Some(end), p))) if now < end => step(
                    RetentionAction::Pseudonymise,
                    Some(end),
                    format!("only purpose \"{p}\" still uses it, pseudonymised, until {end}"),
                ),
                (None, None) => step(RetentionAction::Erase, None, "no purpose uses this field".into()),
                _ => step(
                    RetentionAction::Erase,
                    None,
                    "the retention periods of every purpose using it have ended".into(),
                ),
            };
            out.push(s);
        }
        Ok(out)
    }
}
