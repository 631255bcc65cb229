//! The JSON view of a decoded TC string, for logs, tools and the `tcf_decode` example.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::idset::IdSet;
use super::model::{TcString, VendorSection};

fn small(set: &BTreeSet<u8>) -> Value {
    Value::from(set.iter().copied().collect::<Vec<u8>>())
}

fn ids(set: &IdSet) -> Value {
    Value::from(set.to_vec())
}

fn section(s: &VendorSection) -> Value {
    ids(&s.ids)
}

impl TcString {
    /// The decoded string as one JSON object with exactly these keys: `version`, `created`,
    /// `last_updated` (RFC 3339 UTC, deciseconds truncated to seconds), `cmp_id`, `cmp_version`,
    /// `consent_screen`, `consent_language`, `vendor_list_version`, `policy_version`,
    /// `is_service_specific`, `use_non_standard_texts`, `special_feature_opt_ins`, `purpose_consents`,
    /// `purpose_legitimate_interests`, `purpose_one_treatment`, `publisher_country_code`,
    /// `vendor_consents`, `vendor_legitimate_interests`, `publisher_restrictions` (objects with
    /// `purpose_id`, `restriction_type` as its numeric code, `vendors`), `disclosed_vendors`,
    /// `publisher_purpose_consents`, `publisher_purpose_legitimate_interests`, `custom_purpose_consents`,
    /// `custom_purpose_legitimate_interests`.
    ///
    /// Id sets are sorted integer lists (ranges expanded); the fields of an absent segment are `null`.
    /// The deprecated allowed-vendors segment and the raw range entries are not part of this view.
    ///
    /// Expanding ranges makes the output larger than the input: a hostile string of a few kilobytes can
    /// name millions of restricted vendors. Check [`TcString::listed_ids`] first when the input is
    /// untrusted and the output size matters.
    ///
    /// ```
    /// use zweck::consent::tcf::TcString;
    /// let tc = TcString::decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA")?;
    /// let j = tc.to_json();
    /// assert_eq!(j["created"], "2020-01-26T17:01:00Z");
    /// assert_eq!(j["purpose_consents"], serde_json::json!([2, 10]));
    /// assert!(j["disclosed_vendors"].is_null());
    /// # Ok::<(), zweck::consent::tcf::TcfError>(())
    /// ```
    pub fn to_json(&self) -> Value {
        let restrictions: Vec<Value> = self
            .publisher_restrictions
            .iter()
            .map(|r| {
                json!({
                    "purpose_id": r.purpose_id,
                    "restriction_type": r.restriction_type.code(),
                    "vendors": ids(&r.vendors),
                })
            })
            .collect();
        let p = self.publisher_tc.as_ref();
        json!({
            "version": self.version,
            "created": self.created.to_string(),
            "last_updated": self.last_updated.to_string(),
            "cmp_id": self.cmp_id,
            "cmp_version": self.cmp_version,
            "consent_screen": self.consent_screen,
            "consent_language": self.consent_language,
            "vendor_list_version": self.vendor_list_version,
            "policy_version": self.policy_version,
            "is_service_specific": self.is_service_specific,
            "use_non_standard_texts": self.use_non_standard_texts,
            "special_feature_opt_ins": small(&self.special_feature_opt_ins),
            "purpose_consents": small(&self.purpose_consents),
            "purpose_legitimate_interests": small(&self.purpose_legitimate_interests),
            "purpose_one_treatment": self.purpose_one_treatment,
            "publisher_country_code": self.publisher_country_code,
            "vendor_consents": section(&self.vendor_consents),
            "vendor_legitimate_interests": section(&self.vendor_legitimate_interests),
            "publisher_restrictions": restrictions,
            "disclosed_vendors": self.disclosed_vendors.as_ref().map_or(Value::Null, section),
            "publisher_purpose_consents": p.map_or(Value::Null, |p| small(&p.purpose_consents)),
            "publisher_purpose_legitimate_interests":
                p.map_or(Value::Null, |p| small(&p.purpose_legitimate_interests)),
            "custom_purpose_consents": p.map_or(Value::Null, |p| small(&p.custom_purpose_consents)),
            "custom_purpose_legitimate_interests":
                p.map_or(Value::Null, |p| small(&p.custom_purpose_legitimate_interests)),
        })
    }

    /// How many vendor ids [`to_json`](TcString::to_json) would list in total (vendor consents,
    /// legitimate interests, disclosed vendors and every publisher restriction), computed without
    /// expanding anything.
    pub fn listed_ids(&self) -> usize {
        let sections = [
            Some(&self.vendor_consents),
            Some(&self.vendor_legitimate_interests),
            self.disclosed_vendors.as_ref(),
        ];
        sections.into_iter().flatten().map(|s| s.ids.len()).sum::<usize>()
            + self.publisher_restrictions.iter().map(|r| r.vendors.len()).sum::<usize>()
    }
}
