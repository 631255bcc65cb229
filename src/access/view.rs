//! Views: a record minimised for one purpose, each released field in its treatment.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::decide::Decider;
use super::decision::{Effect, Verdict};
use crate::error::{Error, Result};
use crate::policy::{Field, Treatment};
use crate::pseudo::DomainKey;
use crate::Timestamp;

/// The per-field outcome inside a [`View`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldDecision {
    /// Field name as it appeared in the record.
    pub field: String,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// A record minimised for one purpose: only released fields, each in its treatment, plus a decision
/// for every field of the input (released or not), in the input's order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct View {
    /// The customer.
    pub subject: String,
    /// The purpose.
    pub purpose: String,
    /// The time of the decision.
    pub at: Timestamp,
    /// The released fields.
    pub record: Map<String, Value>,
    /// One decision per input field.
    pub decisions: Vec<FieldDecision>,
}

impl View {
    /// The released record as a typed value (declare the fields a purpose may not see as `Option`,
    /// and pseudonymised or generalised ones as `String`).
    pub fn record_as<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(Value::Object(self.record.clone())).map_err(|e| Error::InvalidInput {
            what: "view target type",
            message: format!("the released record does not fit the requested type: {e}"),
        })
    }

    /// The decision for a field, if the input had it.
    pub fn decision(&self, field: &str) -> Option<&Verdict> {
        self.decisions.iter().find(|d| d.field == field).map(|d| &d.verdict)
    }

    /// The whole view as JSON: `{"subject", "purpose", "at", "record", "decisions": [{"field",
    /// "effect", "treatment", "reason"}]}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Text form of a scalar JSON value for the treatments that work on text.
fn scalar_text<'v>(field: &Field, rule: &str, v: &'v Value) -> Result<Cow<'v, str>> {
    match v {
        Value::String(s) => Ok(Cow::Borrowed(s)),
        Value::Number(n) => Ok(Cow::Owned(n.to_string())),
        other => Err(Error::InvalidValue {
            field: field.name().to_string(),
            rule: rule.to_string(),
            message: format!(
                "expected a string or number, found {}",
                match other {
                    Value::Bool(_) => "a boolean",
                    Value::Array(_) => "an array",
                    Value::Object(_) => "an object",
                    _ => "another JSON type",
                }
            ),
        }),
    }
}

/// Applies a treatment to one value. `null` stays `null` under every treatment (it carries nothing).
pub(crate) fn treat(
    field: &Field,
    treatment: &Treatment,
    value: &Value,
    domains: &HashMap<String, DomainKey>,
    now: Timestamp,
) -> Result<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match treatment {
        Treatment::Plain => Ok(value.clone()),
        Treatment::Pseudonymise(domain) => {
            let text = scalar_text(field, "pseudonymise", value)?;
            // Borrowed unless a normaliser or a number's text form needs a new string.
            let canonical: Cow<'_, str> = match field.normaliser() {
                Some(n) => n.apply(&text),
                None => Cow::Borrowed(&*text),
            };
            let key = domains.get(domain).ok_or_else(|| Error::Policy {
                path: format!("fields.{}", field.name()),
                message: format!("pseudonymisation domain \"{domain}\" has no key"),
            })?;
            Ok(Value::String(key.pseudonymise(canonical.as_bytes())))
        }
        Treatment::Mask(style) => {
            let text = scalar_text(field, "mask", value)?;
            style.apply(&text).map(Value::String).map_err(|e| Error::InvalidValue {
                field: field.name().to_string(),
                rule: e.rule,
                message: e.message,
            })
        }
        Treatment::Generalise(rule) => {
            let text = scalar_text(field, "generalise", value)?;
            rule.apply(&text, now).map(Value::String).map_err(|e| Error::InvalidValue {
                field: field.name().to_string(),
                rule: e.rule,
                message: e.message,
            })
        }
    }
}

/// Builds the view of `record` with a decider for its subject and purpose.
pub(crate) fn build(
    decider: &Decider<'_>,
    purpose_key: &str,
    record: &Map<String, Value>,
    domains: &HashMap<String, DomainKey>,
) -> Result<View> {
    let mut out = Map::with_capacity(record.len());
    let mut decisions = Vec::with_capacity(record.len());
    for (name, value) in record {
        // One name lookup per field: the id serves both the verdict and the treatment.
        let fid = decider.policy.field_id(name);
        let verdict = match fid {
            Some(id) => decider.verdict(id),
            None => decider.verdict_by_name(name),
        };
        if verdict.effect == Effect::Allow {
            // An allowed verdict implies the field and purpose exist and carry a tag.
            if let (Some(fid), Some(pid)) = (fid, decider.purpose) {
                if let Some(tag) = decider.policy.tag(fid, pid) {
                    let field = decider.policy.field(fid);
                    out.insert(name.clone(), treat(field, &tag.treatment, value, domains, decider.at)?);
                }
            }
        }
        decisions.push(FieldDecision { field: name.clone(), verdict });
    }
    Ok(View {
        subject: decider.subject.to_string(),
        purpose: purpose_key.to_string(),
        at: decider.at,
        record: out,
        decisions,
    })
}
