//! Export of everything held about a subject (Art. 15 and 20 GDPR).
//!
//! The shape maps directly onto WooCommerce's personal-data exporter (`wp_privacy_personal_data_exporters`):
//! a list of groups, each item with `group_id`, `group_label`, `group_description`, `item_id` and
//! `data` (a list of `name` / `value` pairs), plus `done: true`. A PHP exporter callback can return
//! `["data" => $export["data"], "done" => true]` unchanged.
//!
//! ```text
//! {
//!   "subject": "c-1042", "generated_at": "2026-06-01T12:00:00Z", "policy": "Kiezkaufhaus online shop",
//!   "data": [
//!     {"group_id": "zweck-record", "group_label": "Customer record", "item_id": "record", "data": [{"name": "email", "value": "…"}, …]},
//!     {"group_id": "zweck-purposes", "group_label": "Purposes and legal bases", "item_id": "purpose-marketing", "data": [...]},
//!     {"group_id": "zweck-consents", "group_label": "Consent history", "item_id": "consent-1", "data": [...]},
//!     {"group_id": "zweck-pseudonyms", "group_label": "Pseudonyms", "item_id": "token-k1_…", "data": [...]}
//!   ],
//!   "done": true
//! }
//! ```

use serde_json::{json, Map, Value};

use crate::access::Effect;
use crate::consent::check_subject;
use crate::error::Result;
use crate::{Engine, Timestamp};

fn item(
    group_id: &str,
    group_label: &str,
    description: &str,
    item_id: String,
    data: Vec<(&str, String)>,
) -> Value {
    json!({
        "group_id": group_id,
        "group_label": group_label,
        "group_description": description,
        "item_id": item_id,
        "data": data.into_iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
    })
}

impl Engine {
    /// Everything zweck holds about `subject`, with its metadata, as JSON in the WooCommerce exporter
    /// shape described in this module's docs.
    ///
    /// Pass the customer's record (as the shop stores it) to include its fields with their data
    /// categories and the purposes that use them; zweck itself keeps no records. Purposes are listed
    /// with description, legal basis, retention and the subject's current status for each at `now`.
    pub fn export_subject(
        &self,
        subject: &str,
        record: Option<&Map<String, Value>>,
        now: Timestamp,
    ) -> Result<Value> {
        check_subject(subject)?;
        let policy = self.policy();
        let mut data = Vec::new();

        if let Some(record) = record {
            let mut items = Vec::new();
            for (name, value) in record {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                items.push((name.as_str(), text));
            }
            data.push(item(
                "zweck-record",
                "Customer record",
                "The data the shop holds about you.",
                "record".into(),
                items,
            ));
            for (name, _) in record {
                let Some(fid) = policy.field_id(name) else { continue };
                let f = policy.field(fid);
                let users: Vec<String> = policy
                    .purposes()
                    .iter()
                    .filter_map(|p| {
                        policy
                            .tag(fid, p.id())
                            .map(|t| format!("{} ({})", p.key(), crate::access::applied_name(&t.treatment)))
                    })
                    .collect();
                data.push(item(
                    "zweck-fields",
                    "How each field is used",
                    "Data category and the purposes that may use each field.",
                    format!("field-{name}"),
                    vec![
                        ("Field", name.clone()),
                        ("Data category", f.category().to_string()),
                        ("Special category (Art. 9 GDPR)", if f.is_special() { "yes" } else { "no" }.into()),
                        ("Used for", if users.is_empty() { "nothing".into() } else { users.join(", ") }),
                    ],
                ));
            }
        }

        for p in policy.purposes() {
            let decider = self.decider(subject, p.key(), now);
            // The status for the purpose as a whole: the verdict of any field tagged for it, or the
            // basis itself when no field is.
            let status = policy
                .fields()
                .iter()
                .find(|f| policy.tag(f.id(), p.id()).is_some() && !f.is_special())
                .map(|f| decider.verdict(f.id()))
                .map(|v| {
                    format!(
                        "{} ({})",
                        if v.effect == Effect::Allow { "active" } else { "inactive" },
                        v.reason.explain()
                    )
                })
                .unwrap_or_else(|| "no fields are used for this purpose".into());
            let categories: Vec<&str> = policy
                .fields()
                .iter()
                .filter(|f| policy.tag(f.id(), p.id()).is_some())
                .map(|f| f.category())
                .collect();
            data.push(item(
                "zweck-purposes",
                "Purposes and legal bases",
                "What your data is used for, on which legal basis, and for how long it is kept.",
                format!("purpose-{}", p.key()),
                vec![
                    ("Purpose", p.key().to_string()),
                    ("Description", p.description().to_string()),
                    ("Legal basis", p.basis().describe().to_string()),
                    (
                        "Retention",
                        p.retention().map(|r| r.to_string()).unwrap_or_else(|| "not specified".into()),
                    ),
                    ("Data categories", categories.join(", ")),
                    ("Status", status),
                ],
            ));
        }

        for (i, e) in self.consent_history(subject)?.iter().enumerate() {
            let mut d = vec![
                ("Action", e.action.as_str().to_string()),
                ("Purpose", e.purpose.clone()),
                ("Time", e.at.to_string()),
                ("Notice version", e.notice_version.to_string()),
                ("Source", e.source.clone()),
                ("Explicit", if e.explicit { "yes" } else { "no" }.into()),
            ];
            if let Some(x) = e.expires {
                d.push(("Expires", x.to_string()));
            }
            if let Some(ev) = &e.evidence {
                d.push(("Evidence", ev.clone()));
            }
            data.push(item(
                "zweck-consents",
                "Consent history",
                "Every consent you gave, withdrew or objected to, with its evidence.",
                format!("consent-{}", i + 1),
                d,
            ));
        }

        if let Some(vault) = &self.vault {
            let mut entries = vault.entries_of(subject);
            entries.sort_by(|a, b| a.token.cmp(&b.token));
            for e in entries {
                data.push(item(
                    "zweck-pseudonyms",
                    "Pseudonyms",
                    "Pseudonyms that stand for your data and can be resolved by authorised purposes.",
                    format!("token-{}", e.token),
                    vec![
                        ("Token", e.token.clone()),
                        ("Field", e.field.clone()),
                        ("Domain", e.domain.clone()),
                        ("Value", e.value.clone()),
                    ],
                ));
            }
        }

        let draft = crate::audit::AuditDraft::new(now, crate::audit::AuditOp::Export)
            .detail(format!("{} items", data.len()));
        {
            let _w = self.write_lock();
            self.commit_change(crate::engine::Change {
                records: Vec::new(),
                drafts: vec![(Some(subject), draft)],
            })?;
        }
        Ok(json!({
            "subject": subject,
            "generated_at": now.to_string(),
            "policy": policy.name(),
            "erased": self.is_erased(subject),
            "data": data,
            "done": true,
        }))
    }
}
