//! Transparency: the privacy notice and the Art. 30 records generated from a policy.

use std::collections::BTreeSet;

use serde_json::Value;
use zweck::policy::{LegalBasis, Policy, Treatment, PROCESSING_RECORDS_FORMAT};

fn shop() -> Policy {
    Policy::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json")).unwrap()
}

fn policy(json: &str) -> Policy {
    Policy::from_json(json).unwrap()
}

/// The notice's section for a purpose: from its heading to the next heading.
fn section<'a>(notice: &'a str, key: &str) -> &'a str {
    let marker = format!("(`{key}`)\n");
    let heading = notice
        .lines()
        .find(|l| l.starts_with('#') && l.ends_with(&marker[..marker.len() - 1]))
        .unwrap_or_else(|| panic!("no heading for {key}"));
    let start = notice.find(heading).unwrap() + heading.len();
    let rest = &notice[start..];
    let end = rest.find("\n#").unwrap_or(rest.len());
    &rest[..end]
}

fn words(field: &str) -> String {
    field.replace('_', " ")
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

// ---------------------------------------------------------------------------------------------------
// Privacy notice

#[test]
fn the_notice_names_the_controller_contact_and_dpo() {
    let notice = shop().privacy_notice();
    assert!(notice.starts_with("# Privacy notice: Kiezkaufhaus online shop\n"));
    assert!(notice.contains("Kiezkaufhaus GmbH is responsible for your data"));
    assert!(notice.contains("You can reach us at privacy@kiezkaufhaus.example."));
    assert!(notice.contains("data protection officer at dpo@kiezkaufhaus.example"));
}

#[test]
fn every_purpose_has_a_section_with_its_description_and_basis() {
    let policy = shop();
    let notice = policy.privacy_notice();
    for p in policy.purposes() {
        let heading = format!("{} (`{}`)", p.description(), p.key());
        assert!(notice.contains(&heading), "{heading}");
        assert!(section(&notice, p.key()).contains(p.basis().describe()), "{}", p.key());
    }
}

#[test]
fn every_field_appears_in_each_purpose_that_may_use_it_with_its_form() {
    let policy = shop();
    let notice = policy.privacy_notice();
    for p in policy.purposes() {
        let text = section(&notice, p.key());
        for f in policy.fields() {
            let line = text.lines().find(|l| l.starts_with(&format!("  - your {} (", words(f.name()))));
            match policy.tag(f.id(), p.id()) {
                None => assert!(line.is_none(), "{} must not list {}", p.key(), f.name()),
                Some(tag) => {
                    let line = line.unwrap_or_else(|| panic!("{} does not list {}", p.key(), f.name()));
                    let form = match tag.treatment {
                        Treatment::Plain => "in full",
                        Treatment::Pseudonymise(_) => "pseudonymised",
                        Treatment::Mask(_) => "masked",
                        Treatment::Generalise(_) => "generalised",
                        _ => unreachable!("the shop policy uses only these"),
                    };
                    assert!(line.contains(form), "{}: {line}", p.key());
                }
            }
        }
    }
}

#[test]
fn fields_are_described_with_their_fideslang_category_name() {
    let notice = shop().privacy_notice();
    assert!(notice.contains("your email (User Contact Email), pseudonymised"));
    assert!(notice.contains("your order history (Purchase History), in full"));
    assert!(notice.contains("your card number (Credit Card Information), masked"));
    assert!(notice.contains("your postcode (User Contact Postal Code), generalised"));
}

#[test]
fn consent_purposes_explain_how_to_withdraw() {
    let policy = shop();
    let notice = policy.privacy_notice();
    for p in policy.purposes().iter().filter(|p| p.basis() == LegalBasis::Consent) {
        let text = section(&notice, p.key());
        assert!(
            text.contains(
                "You can withdraw your consent at any time, e.g. by writing to privacy@kiezkaufhaus.example"
            ),
            "{}: {text}",
            p.key()
        );
        assert!(text.contains("Your consent counts for 13 months"), "{}", p.key());
        assert!(!text.contains("object"), "{}", p.key());
    }
}

#[test]
fn legitimate_interest_purposes_explain_how_to_object() {
    let policy = shop();
    let notice = policy.privacy_notice();
    let li: Vec<_> =
        policy.purposes().iter().filter(|p| p.basis() == LegalBasis::LegitimateInterests).collect();
    assert_eq!(li.len(), 2);
    for p in li {
        let text = section(&notice, p.key());
        assert!(text.contains("You can object at any time (Art. 21 GDPR)"), "{}: {text}", p.key());
        assert!(!text.contains("withdraw"), "{}", p.key());
    }
}

#[test]
fn contract_and_legal_obligation_purposes_need_no_consent() {
    let notice = shop().privacy_notice();
    for key in ["order", "order.fulfilment", "support"] {
        let text = section(&notice, key);
        assert!(text.contains("No consent is needed"), "{key}");
        assert!(!text.contains("withdraw") && !text.contains("object"), "{key}");
    }
    assert!(section(&notice, "order.invoicing").contains("The law requires us to do this"));
}

#[test]
fn retention_is_shown_in_plain_language() {
    let policy = shop();
    let notice = policy.privacy_notice();
    for p in policy.purposes() {
        let period = p.retention().expect("every shop purpose has a retention");
        let expected = format!("**How long we keep it:** up to {period}.");
        assert!(section(&notice, p.key()).contains(&expected), "{}: {expected}", p.key());
    }
    assert!(section(&notice, "order.invoicing").contains("up to 10 years"));
    assert!(section(&notice, "analytics").contains("up to 14 months"));
    assert!(section(&notice, "support").contains("up to 1 year."));
}

#[test]
fn a_purpose_without_retention_says_no_fixed_period_is_set() {
    let p = policy(
        r#"{"name": "t", "purposes": [{"key": "service", "description": "Run the shop", "basis": "contract"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"service": "plain"}}]}"#,
    );
    assert!(p.privacy_notice().contains("no fixed period is set"));
    assert_eq!(p.processing_records()["purposes"][0]["retention"], Value::Null);
}

#[test]
fn special_category_fields_are_flagged_where_used_and_listed_separately() {
    let notice = shop().privacy_notice();
    let text = section(&notice, "marketing.personalisation");
    let line = text.lines().find(|l| l.contains("your dietary needs")).unwrap();
    assert!(line.contains("(Health Condition)"), "{line}");
    assert!(line.contains("sensitive data (Art. 9 GDPR)"), "{line}");
    assert!(line.contains("explicit consent"), "{line}");
    assert!(notice.contains("\n## Sensitive data\n"));
    assert!(notice.contains(
        "- Your dietary needs (Health Condition): used for: Product recommendations based on your orders and \
         preferences (`marketing.personalisation`)."
    ));
    // Nothing else is called sensitive.
    assert_eq!(notice.matches("sensitive data (Art. 9 GDPR)").count(), 1);
}

#[test]
fn a_policy_without_special_categories_has_no_sensitive_data_section() {
    let p = policy(
        r#"{"name": "t", "purposes": [{"key": "service", "description": "Run the shop", "basis": "contract"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"service": "plain"}}]}"#,
    );
    assert!(!p.privacy_notice().contains("Sensitive data"));
}

#[test]
fn children_are_nested_under_their_parents() {
    let notice = shop().privacy_notice();
    let pos = |s: &str| notice.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(notice.contains("\n### Offers and recommendations you asked for (`marketing`)\n"));
    assert!(notice.contains("\n#### Our newsletter and offers by email (`marketing.email`)\n"));
    assert!(pos("(`order`)") < pos("(`order.fulfilment`)"));
    assert!(pos("(`order.invoicing`)") < pos("(`support`)"));
    assert!(section(&notice, "marketing.email")
        .contains("This is part of \"Offers and recommendations you asked for\"."));
}

#[test]
fn deep_hierarchies_stop_at_the_smallest_markdown_heading() {
    let p = policy(
        r#"{"name": "t", "purposes": [
              {"key": "a", "description": "A", "basis": "contract"},
              {"key": "a.b", "description": "B"}, {"key": "a.b.c", "description": "C"},
              {"key": "a.b.c.d", "description": "D"}, {"key": "a.b.c.d.e", "description": "E"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"a": "plain"}}]}"#,
    );
    let notice = p.privacy_notice();
    assert!(notice.contains("\n### A (`a`)\n"));
    assert!(notice.contains("\n###### D (`a.b.c.d`)\n"));
    assert!(notice.contains("\n###### E (`a.b.c.d.e`)\n"));
    assert!(!notice.contains("#######"));
}

#[test]
fn sale_sharing_and_targeted_advertising_are_disclosed() {
    let notice = shop().privacy_notice();
    let ads = section(&notice, "marketing.ads");
    assert!(ads.contains("We share this data with third parties"), "{ads}");
    assert!(ads.contains("advertising based on your profile"), "{ads}");
    assert!(!section(&notice, "marketing.email").contains("third parties"));

    let p = policy(
        r#"{"name": "t", "purposes": [{"key": "data_sale", "description": "Sell lists", "basis": "consent",
                                       "flags": ["sale"]}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"data_sale": "plain"}}]}"#,
    );
    assert!(p.privacy_notice().contains("We sell this data to third parties."));
}

#[test]
fn reidentifying_purposes_say_so() {
    let notice = shop().privacy_notice();
    assert!(section(&notice, "fraud").contains("turn pseudonyms back into your real data"));
    assert!(!section(&notice, "analytics").contains("turn pseudonyms back"));
}

#[test]
fn the_rights_section_covers_access_erasure_objection_and_withdrawal() {
    let notice = shop().privacy_notice();
    let rights = &notice[notice.find("\n## Your rights\n").expect("rights section")..];
    for right in [
        "Access (Art. 15 GDPR)",
        "Erasure (Art. 17 GDPR)",
        "Objection (Art. 21 GDPR)",
        "Withdrawing consent (Art. 7(3) GDPR)",
        "Complaint (Art. 77 GDPR)",
    ] {
        assert!(rights.contains(right), "{right}");
    }
    assert!(rights.contains("you can object at any time to: Understand how the shop is used"));
    assert!(rights.contains("(`analytics`); Detect and investigate payment fraud (`fraud`)"));
    assert!(rights.contains("you can withdraw your consent at any time for: Offers and recommendations"));
    assert!(rights.contains("what the law requires us to keep") && rights.contains("(`order.invoicing`)"));
    assert!(rights.contains("### How to exercise your rights\n\nWrite to privacy@kiezkaufhaus.example."));
    assert!(rights.contains("data protection officer at dpo@kiezkaufhaus.example"));
}

#[test]
fn a_minimal_policy_gets_a_notice_without_invented_details() {
    let p = policy(
        r#"{"name": "Tiny shop", "purposes": [{"key": "service", "description": "Run the shop", "basis": "contract"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"service": "plain"}}]}"#,
    );
    let notice = p.privacy_notice();
    assert!(notice.contains("The operator of Tiny shop is responsible for your data"));
    assert!(!notice.contains("data protection officer"));
    assert!(notice.contains("we do not ask for your consent for any purpose"));
    assert!(notice.contains("there is nothing to object to"));
    assert!(notice.contains("Contact us through the contact details of the shop."));
}

#[test]
fn a_controller_without_dpo_is_named_without_one() {
    let p = policy(
        r#"{"name": "t", "controller": {"name": "T GmbH", "contact": "https://t.example/privacy"},
            "purposes": [{"key": "news", "description": "Newsletter", "basis": "consent"},
                         {"key": "stats", "description": "Statistics", "basis": "public_task"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"news": "plain"}}]}"#,
    );
    let notice = p.privacy_notice();
    assert!(notice.contains("T GmbH is responsible"));
    assert!(!notice.contains("data protection officer"));
    assert!(section(&notice, "news").contains("e.g. by writing to https://t.example/privacy"));
    // A public task can be objected to as well (Art. 21(1)).
    assert!(section(&notice, "stats").contains("You can object at any time"));
    assert!(section(&notice, "stats").contains("**Data we use:** none of your personal data."));
}

#[test]
fn line_breaks_in_policy_text_cannot_break_the_markdown() {
    let p = policy(
        r#"{"name": "t", "purposes": [{"key": "service", "description": "Run\n# the shop", "basis": "contract"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"service": "plain"}}]}"#,
    );
    let notice = p.privacy_notice();
    assert!(notice.contains("### Run # the shop (`service`)"));
    assert!(!notice.lines().any(|l| l == "# the shop"));
}

#[test]
fn categories_outside_the_vocabulary_are_shown_by_key_and_refinements_by_their_parent() {
    let p = policy(
        r#"{"name": "t", "vocabulary": "off",
            "purposes": [{"key": "service", "description": "Run the shop", "basis": "contract"}],
            "fields": [{"name": "shoe_size", "category": "custom.shoe_size", "purposes": {"service": "plain"}},
                       {"name": "work_email", "category": "user.contact.email.work", "purposes": {"service": "plain"}}]}"#,
    );
    let notice = p.privacy_notice();
    assert!(notice.contains("your shoe size (custom.shoe_size), in full"));
    assert!(notice.contains("your work email (User Contact Email), in full"));
}

#[test]
fn the_notice_and_records_are_deterministic() {
    let (a, b) = (shop(), shop());
    assert_eq!(a.privacy_notice(), b.privacy_notice());
    assert_eq!(a.privacy_notice(), a.privacy_notice());
    assert_eq!(a.processing_records().to_string(), b.processing_records().to_string());
}

// ---------------------------------------------------------------------------------------------------
// Records of processing activities (Art. 30)

#[test]
fn the_records_have_the_documented_top_level_keys() {
    let r = shop().processing_records();
    assert_eq!(
        keys(&r),
        BTreeSet::from(["format", "name", "controller", "data_subjects", "purposes", "security_measures"])
    );
    assert_eq!(r["format"], PROCESSING_RECORDS_FORMAT);
    assert_eq!(r["name"], "Kiezkaufhaus online shop");
    assert_eq!(
        r["controller"],
        serde_json::json!({"name": "Kiezkaufhaus GmbH", "contact": "privacy@kiezkaufhaus.example",
                           "dpo": "dpo@kiezkaufhaus.example"})
    );
    assert_eq!(r["data_subjects"], serde_json::json!(["customers"]));
}

#[test]
fn every_purpose_record_has_the_documented_keys() {
    let r = shop().processing_records();
    let purpose_keys = BTreeSet::from([
        "key",
        "parent",
        "description",
        "legal_basis",
        "legal_basis_description",
        "consent_required",
        "notice_version",
        "max_consent_age",
        "objection_possible",
        "data_use",
        "data_categories",
        "special_categories",
        "fields",
        "retention",
        "flags",
        "recipients_note",
        "reidentify",
    ]);
    let field_keys = BTreeSet::from(["name", "category", "special", "treatment", "declared_on"]);
    for p in r["purposes"].as_array().unwrap() {
        assert_eq!(keys(p), purpose_keys, "{}", p["key"]);
        for f in p["fields"].as_array().unwrap() {
            assert_eq!(keys(f), field_keys, "{} {}", p["key"], f["name"]);
        }
    }
}

#[test]
fn the_records_list_every_purpose_parents_first() {
    let policy = shop();
    let r = policy.processing_records();
    let listed: Vec<&str> =
        r["purposes"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(
        listed,
        [
            "order",
            "order.fulfilment",
            "order.invoicing",
            "support",
            "marketing",
            "marketing.email",
            "marketing.personalisation",
            "marketing.ads",
            "analytics",
            "fraud"
        ]
    );
}

#[test]
fn purpose_records_carry_basis_retention_data_use_and_consent_settings() {
    let r = shop().processing_records();
    let p = |key: &str| r["purposes"].as_array().unwrap().iter().find(|p| p["key"] == key).unwrap().clone();

    let invoicing = p("order.invoicing");
    assert_eq!(invoicing["parent"], "order");
    assert_eq!(invoicing["legal_basis"], "legal_obligation");
    assert_eq!(invoicing["legal_basis_description"], LegalBasis::LegalObligation.describe());
    assert_eq!(invoicing["retention"], "10 years");
    assert_eq!(invoicing["data_use"], "essential.service.payment_processing");
    assert_eq!(invoicing["consent_required"], false);

    let email = p("marketing.email");
    assert_eq!(email["consent_required"], true);
    assert_eq!(email["notice_version"], 3);
    assert_eq!(email["max_consent_age"], "13 months");
    assert_eq!(email["retention"], "2 years");
    assert_eq!(email["objection_possible"], false);

    let analytics = p("analytics");
    assert_eq!(analytics["objection_possible"], true);
    assert_eq!(analytics["max_consent_age"], Value::Null);
    assert_eq!(p("fraud")["reidentify"], true);
    assert_eq!(analytics["reidentify"], false);
}

#[test]
fn purpose_records_list_fields_with_treatments_and_categories() {
    let policy = shop();
    let r = policy.processing_records();
    for (record, purpose) in r["purposes"].as_array().unwrap().iter().zip([
        "order",
        "order.fulfilment",
        "order.invoicing",
        "support",
        "marketing",
        "marketing.email",
        "marketing.personalisation",
        "marketing.ads",
        "analytics",
        "fraud",
    ]) {
        let pid = policy.purpose_id(purpose).unwrap();
        let expected: Vec<&str> =
            policy.fields().iter().filter(|f| policy.tag(f.id(), pid).is_some()).map(|f| f.name()).collect();
        let listed: Vec<&str> =
            record["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(listed, expected, "{purpose}");
        for f in record["fields"].as_array().unwrap() {
            let cat = f["category"].as_str().unwrap();
            assert!(
                record["data_categories"].as_array().unwrap().iter().any(|c| c == cat),
                "{purpose} {cat}"
            );
        }
    }
    let analytics = &r["purposes"][8];
    let email = analytics["fields"].as_array().unwrap().iter().find(|f| f["name"] == "email").unwrap();
    assert_eq!(email["treatment"], serde_json::json!({"pseudonymise": "analytics"}));
    assert_eq!(email["declared_on"], "analytics");
    let postcode = analytics["fields"].as_array().unwrap().iter().find(|f| f["name"] == "postcode").unwrap();
    assert_eq!(postcode["treatment"], serde_json::json!({"generalise": {"postcode_prefix": 2}}));
    // An inherited tag names the purpose it was declared on.
    let fulfilment = &r["purposes"][1];
    let name = fulfilment["fields"].as_array().unwrap().iter().find(|f| f["name"] == "name").unwrap();
    assert_eq!(name["declared_on"], "order");
}

#[test]
fn special_categories_and_flags_are_recorded() {
    let r = shop().processing_records();
    let purposes = r["purposes"].as_array().unwrap();
    let perso = purposes.iter().find(|p| p["key"] == "marketing.personalisation").unwrap();
    assert_eq!(perso["special_categories"], serde_json::json!(["user.health.condition"]));
    assert_eq!(perso["flags"], serde_json::json!(["targeted_advertising"]));
    assert!(perso["recipients_note"].as_str().unwrap().contains("targeted advertising"));

    let ads = purposes.iter().find(|p| p["key"] == "marketing.ads").unwrap();
    assert_eq!(ads["flags"], serde_json::json!(["sharing", "targeted_advertising"]));
    let note = ads["recipients_note"].as_str().unwrap();
    assert!(note.contains("shared with third parties") && note.contains("Art. 30(1)(d) and (e)"), "{note}");

    for p in purposes.iter().filter(|p| p["key"] != "marketing.personalisation") {
        assert_eq!(p["special_categories"], serde_json::json!([]), "{}", p["key"]);
    }
    let order = purposes.iter().find(|p| p["key"] == "order").unwrap();
    assert_eq!(order["flags"], serde_json::json!([]));
    assert_eq!(order["recipients_note"], Value::Null);
}

#[test]
fn security_measures_follow_the_treatments_in_use() {
    let r = shop().processing_records();
    let measures: Vec<&str> =
        r["security_measures"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for m in [
        "purpose-bound access",
        "consent, withdrawal and objection",
        "pseudonymisation",
        "masking",
        "generalisation",
    ] {
        assert!(measures.iter().any(|x| x.contains(m)), "{m}");
    }

    let plain = policy(
        r#"{"name": "t", "purposes": [{"key": "service", "description": "Run the shop", "basis": "contract"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"service": "plain"}}]}"#,
    )
    .processing_records();
    assert_eq!(plain["controller"], Value::Null);
    let measures = plain["security_measures"].as_array().unwrap();
    assert_eq!(measures.len(), 1, "{measures:?}");
}
