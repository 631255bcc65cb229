//! Consent-checked field access through the `Engine`: decisions, views of whole records, single
//! releases, and sharing one engine between threads. Default deny throughout: nothing leaves unless the
//! policy tags it for the purpose and the purpose's basis holds.
//!
//! Pseudonyms, masks and generalisations are specified elsewhere; here only the kind of treatment a
//! released field gets is checked.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use zweck::access::{Applied, Decision, Effect, Reason, Verdict};
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::{Engine, Error, KeyRing, Timestamp};

const POLICY: &str = r#"{
  "name": "Example shop",
  "purposes": [
    {"key": "orders", "description": "Deliver your orders", "basis": "contract"},
    {"key": "marketing", "description": "Offers you asked for", "basis": "consent"},
    {"key": "marketing.email", "description": "Newsletter by email"},
    {"key": "analytics", "description": "Shop statistics", "basis": "legitimate_interests"},
    {"key": "health", "description": "Allergy-aware recipes", "basis": "consent"}
  ],
  "fields": [
    {"name": "email", "category": "user.contact.email", "normaliser": "email",
     "purposes": {"orders": "plain", "marketing": "plain", "analytics": {"pseudonymise": "analytics"}}},
    {"name": "name", "category": "user.name", "purposes": {"orders": "plain", "marketing.email": "plain"}},
    {"name": "phone", "category": "user.contact.phone", "purposes": {"orders": {"mask": "last4"}}},
    {"name": "postcode", "category": "user.contact.address.postal_code",
     "purposes": {"orders": "plain", "analytics": {"generalise": {"postcode_prefix": 2}}}},
    {"name": "basket", "category": "user.behavior.purchase", "purposes": {"orders": "plain"}},
    {"name": "allergies", "category": "user.health", "special": true, "purposes": {"health": "plain"}},
    {"name": "notes", "category": "user.content", "purposes": {}}
  ]
}"#;

const ALL_PURPOSES: [&str; 5] = ["orders", "marketing", "marketing.email", "analytics", "health"];
const ALL_FIELDS: [&str; 7] = ["email", "name", "phone", "postcode", "basket", "allergies", "notes"];

fn engine() -> Engine {
    Engine::new(Policy::from_json(POLICY).expect("the policy is valid"), KeyRing::new(1, &[3u8; 32]).unwrap())
}

fn now() -> Timestamp {
    Timestamp::from_unix(1_767_225_600)
}

fn later() -> Timestamp {
    Timestamp::from_unix(1_767_225_600 + 86_400)
}

fn consent() -> Consent {
    Consent::at(now()).source("signup form")
}

fn record() -> Map<String, Value> {
    match json!({
        "email": "Ada@Example.org",
        "name": "Ada Lovelace",
        "phone": "+44 20 7946 0000",
        "postcode": "10115",
        "basket": [{"sku": "A-1", "qty": 2, "price": 19.99}],
        "allergies": ["peanuts"],
        "notes": "prefers morning delivery",
        "shoe_size": 38
    }) {
        Value::Object(m) => m,
        _ => unreachable!("the literal is an object"),
    }
}

fn decision_of(view: &zweck::access::View, field: &str) -> Verdict {
    *view.decision(field).unwrap_or_else(|| panic!("no decision for {field}"))
}

// ----- default deny -----

#[test]
fn unknown_field_is_denied_and_never_passed_through() {
    let e = engine();
    let view = e.view(&record(), "c-1", "orders", now()).unwrap();
    assert!(!view.record.contains_key("shoe_size"));
    assert_eq!(
        decision_of(&view, "shoe_size"),
        Verdict { effect: Effect::Deny, treatment: Applied::Withheld, reason: Reason::UnknownField }
    );
    let d = e.decide("c-1", "orders", "shoe_size", now());
    assert_eq!((d.effect, d.treatment, d.reason), (Effect::Deny, Applied::Withheld, Reason::UnknownField));
    let json = view.to_json();
    assert!(!json.contains("38"), "the value of an undeclared field must not appear anywhere: {json}");
}

#[test]
fn unknown_purpose_is_an_error_for_views_and_a_denial_for_decisions() {
    let e = engine();
    for err in [
        e.view(&record(), "c-1", "marketing.emial", now()).unwrap_err(),
        e.view_json(r#"{"email": "a@b.c"}"#, "c-1", "marketing.emial", now()).unwrap_err(),
        e.release("c-1", "marketing.emial", "email", &json!("a@b.c"), now()).unwrap_err(),
    ] {
        match err {
            Error::UnknownPurpose { purpose, hint } => {
                assert_eq!(purpose, "marketing.emial");
                assert_eq!(hint, "; did you mean \"marketing.email\"?");
            }
            other => panic!("expected UnknownPurpose, got {other:?}"),
        }
    }
    for field in ["email", "shoe_size"] {
        let d = e.decide("c-1", "marketing.emial", field, now());
        assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::UnknownPurpose), "{field}");
    }
    let decider = e.decider("c-1", "no.such.purpose", now());
    assert_eq!(decider.verdict_by_name("email").reason, Reason::UnknownPurpose);
}

#[test]
fn untagged_field_is_denied_for_every_purpose() {
    let e = engine();
    e.grant("c-1", "marketing", consent()).unwrap();
    for purpose in ALL_PURPOSES {
        let d = e.decide("c-1", purpose, "notes", later());
        assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::FieldNotTagged), "{purpose}");
        let view = e.view(&record(), "c-1", purpose, later()).unwrap();
        assert!(!view.record.contains_key("notes"), "{purpose}");
    }
    // A field tagged for a child only is untagged for the parent.
    assert_eq!(e.decide("c-1", "marketing", "name", later()).reason, Reason::FieldNotTagged);
    assert_eq!(e.decide("c-1", "marketing.email", "name", later()).reason, Reason::ConsentGiven);
}

#[test]
fn missing_consent_releases_nothing() {
    let e = engine();
    let view = e.view(&record(), "c-1", "marketing.email", now()).unwrap();
    assert!(view.record.is_empty(), "{:?}", view.record);
    assert_eq!(decision_of(&view, "email").reason, Reason::NoConsent);
    assert_eq!(decision_of(&view, "name").reason, Reason::NoConsent);
    assert_eq!(decision_of(&view, "phone").reason, Reason::FieldNotTagged);
}

#[test]
fn record_that_is_not_an_object_is_rejected() {
    let e = engine();
    for text in ["[1, 2]", "\"ada@example.org\"", "42", "null", "true"] {
        match e.view_json(text, "c-1", "orders", now()) {
            Err(Error::InvalidInput { what: "record", message }) => {
                assert!(message.contains("JSON object"), "{message}")
            }
            other => panic!("{text}: expected InvalidInput(record), got {other:?}"),
        }
    }
    assert!(matches!(
        e.view_of(&vec!["ada@example.org"], "c-1", "orders", now()),
        Err(Error::InvalidInput { what: "record", .. })
    ));
    assert!(matches!(
        e.view_of(&"text", "c-1", "orders", now()),
        Err(Error::InvalidInput { what: "record", .. })
    ));
}

#[test]
fn invalid_json_record_is_rejected() {
    let e = engine();
    for text in ["", "{", r#"{"email": }"#, r#"{"email": "a"} trailing"#, "{'email': 'a'}"] {
        match e.view_json(text, "c-1", "orders", now()) {
            Err(Error::InvalidInput { what: "record", message }) => {
                assert!(message.starts_with("not valid JSON"), "{message}")
            }
            other => panic!("{text:?}: expected InvalidInput(record), got {other:?}"),
        }
    }
}

#[test]
fn invalid_subject_id_is_rejected_by_views_and_releases_and_denied_by_decisions() {
    let e = engine();
    let long = "s".repeat(257);
    for subject in ["", long.as_str(), "c\n1"] {
        assert!(matches!(
            e.view(&record(), subject, "orders", now()),
            Err(Error::InvalidInput { what: "subject id", .. })
        ));
        assert!(matches!(
            e.release(subject, "orders", "email", &json!("a@b.c"), now()),
            Err(Error::InvalidInput { what: "subject id", .. })
        ));
        assert!(!e.decide(subject, "orders", "email", now()).is_allowed());
    }
}

// ----- what is released -----

#[test]
fn plain_values_are_released_exactly() {
    let e = engine();
    let values = [
        json!("Ada@Example.org"),
        json!("  spaces and ünïcödé 🎉 "),
        json!(""),
        json!(0),
        json!(-17),
        json!(18_446_744_073_709_551_615u64),
        json!(19.99),
        json!(true),
        json!([{"sku": "A-1", "qty": 2}, null, [1, 2]]),
        json!({"nested": {"deeper": ["x"]}}),
    ];
    for v in values {
        let view =
            e.view(&Map::from_iter([("basket".to_string(), v.clone())]), "c-1", "orders", now()).unwrap();
        assert_eq!(view.record.get("basket"), Some(&v));
        let (released, verdict) = e.release("c-1", "orders", "basket", &v, now()).unwrap();
        assert_eq!(released, Some(v));
        assert_eq!(
            verdict,
            Verdict { effect: Effect::Allow, treatment: Applied::Plain, reason: Reason::Contract }
        );
    }
    let view = e.view_json(r#"{"email": "Ada@Example.org", "name": "Ada"}"#, "c-1", "orders", now()).unwrap();
    assert_eq!(Value::Object(view.record), json!({"email": "Ada@Example.org", "name": "Ada"}));
}

#[test]
fn null_values_stay_null_under_every_treatment() {
    let e = engine();
    let nulls: Map<String, Value> =
        ["email", "postcode", "phone", "shoe_size"].iter().map(|f| (f.to_string(), Value::Null)).collect();
    let view = e.view(&nulls, "c-1", "analytics", now()).unwrap();
    assert_eq!(view.record.get("email"), Some(&Value::Null));
    assert_eq!(view.record.get("postcode"), Some(&Value::Null));
    assert_eq!(decision_of(&view, "email").treatment, Applied::Pseudonymised);
    assert_eq!(decision_of(&view, "postcode").treatment, Applied::Generalised);
    assert!(!view.record.contains_key("phone"));
    assert!(!view.record.contains_key("shoe_size"));
    let view = e.view(&nulls, "c-1", "orders", now()).unwrap();
    assert_eq!(view.record.get("phone"), Some(&Value::Null));
    assert_eq!(decision_of(&view, "phone").treatment, Applied::Masked);
    assert_eq!(e.release("c-1", "orders", "email", &Value::Null, now()).unwrap().0, Some(Value::Null));
}

#[test]
fn each_released_field_reports_its_treatment_kind() {
    let e = engine();
    let orders = e.view(&record(), "c-1", "orders", now()).unwrap();
    let analytics = e.view(&record(), "c-1", "analytics", now()).unwrap();
    let cases = [
        (&orders, "email", Applied::Plain, Reason::Contract),
        (&orders, "phone", Applied::Masked, Reason::Contract),
        (&orders, "postcode", Applied::Plain, Reason::Contract),
        (&analytics, "email", Applied::Pseudonymised, Reason::LegitimateInterests),
        (&analytics, "postcode", Applied::Generalised, Reason::LegitimateInterests),
    ];
    for (view, field, treatment, reason) in cases {
        assert_eq!(decision_of(view, field), Verdict { effect: Effect::Allow, treatment, reason }, "{field}");
        assert!(view.record.contains_key(field), "{field}");
    }
    for (field, treatment) in [("email", Applied::Pseudonymised), ("postcode", Applied::Generalised)] {
        let (released, verdict) = e.release("c-1", "analytics", field, &json!("10115"), now()).unwrap();
        assert!(released.is_some(), "{field}");
        assert_eq!(verdict.treatment, treatment);
    }
    assert_eq!(orders.record.keys().collect::<Vec<_>>(), ["email", "name", "phone", "postcode", "basket"]);
}

#[test]
fn special_category_field_is_released_only_with_explicit_consent() {
    let e = engine();
    e.grant("c-1", "health", consent()).unwrap();
    let view = e.view(&record(), "c-1", "health", later()).unwrap();
    assert!(!view.record.contains_key("allergies"));
    assert_eq!(decision_of(&view, "allergies").reason, Reason::ExplicitConsentMissing);
    e.grant("c-1", "health", consent().explicit()).unwrap();
    let view = e.view(&record(), "c-1", "health", later()).unwrap();
    assert_eq!(view.record.get("allergies"), Some(&json!(["peanuts"])));
}

#[test]
fn release_of_a_denied_field_is_none_with_the_reason() {
    let e = engine();
    let (value, verdict) = e.release("c-1", "marketing", "email", &json!("a@b.c"), now()).unwrap();
    assert_eq!(value, None);
    assert_eq!(
        verdict,
        Verdict { effect: Effect::Deny, treatment: Applied::Withheld, reason: Reason::NoConsent }
    );
    let (value, verdict) = e.release("c-1", "marketing", "notes", &json!("x"), now()).unwrap();
    assert_eq!((value, verdict.reason), (None, Reason::FieldNotTagged));
    match e.release("c-1", "orders", "emial", &json!("a@b.c"), now()) {
        Err(Error::UnknownField { field, hint }) => {
            assert_eq!(field, "emial");
            assert_eq!(hint, "; did you mean \"email\"?");
        }
        other => panic!("expected UnknownField, got {other:?}"),
    }
}

// ----- the shape of views and decisions -----

#[test]
fn view_has_one_decision_per_input_field_in_record_order() {
    let e = engine();
    e.grant("c-1", "marketing", consent()).unwrap();
    let input = record();
    let view = e.view(&input, "c-1", "marketing.email", later()).unwrap();
    let fields: Vec<&str> = view.decisions.iter().map(|d| d.field.as_str()).collect();
    let input_order: Vec<&str> = input.keys().map(String::as_str).collect();
    assert_eq!(fields, input_order);
    for d in &view.decisions {
        let single = e.decide("c-1", "marketing.email", &d.field, later());
        assert_eq!(
            d.verdict,
            Verdict { effect: single.effect, treatment: single.treatment, reason: single.reason }
        );
        assert_eq!(view.record.contains_key(&d.field), d.verdict.effect == Effect::Allow, "{}", d.field);
    }
    assert_eq!((view.subject.as_str(), view.purpose.as_str(), view.at), ("c-1", "marketing.email", later()));
}

#[test]
fn view_of_json_text_lists_decisions_in_the_order_of_the_text() {
    let e = engine();
    let view = e
        .view_json(r#"{"postcode": "10115", "email": "a@b.c", "basket": []}"#, "c-1", "orders", now())
        .unwrap();
    let fields: Vec<&str> = view.decisions.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["postcode", "email", "basket"]);
}

#[test]
fn view_to_json_has_the_documented_shape() {
    let e = engine();
    let view =
        e.view_json(r#"{"email": "a@b.c", "notes": "n", "shoe_size": 38}"#, "c-1", "orders", now()).unwrap();
    let parsed: Value = serde_json::from_str(&view.to_json()).unwrap();
    assert_eq!(
        parsed,
        json!({
            "subject": "c-1",
            "purpose": "orders",
            "at": "2026-01-01T00:00:00Z",
            "record": {"email": "a@b.c"},
            "decisions": [
                {"field": "email", "effect": "allow", "treatment": "plain", "reason": "contract"},
                {"field": "notes", "effect": "deny", "treatment": "withheld", "reason": "field_not_tagged"},
                {"field": "shoe_size", "effect": "deny", "treatment": "withheld", "reason": "unknown_field"}
            ]
        })
    );
}

#[test]
fn decision_names_what_was_asked_and_reads_as_a_sentence() {
    let e = engine();
    let d = e.decide("c-1", "marketing", "email", now());
    assert_eq!(
        d,
        Decision {
            subject: "c-1",
            purpose: "marketing",
            field: "email",
            at: now(),
            effect: Effect::Deny,
            treatment: Applied::Withheld,
            reason: Reason::NoConsent,
        }
    );
    assert_eq!(
        d.to_string(),
        "deny c-1.email for marketing at 2026-01-01T00:00:00Z: Withheld (the customer has not consented to this purpose)"
    );
    let json: Value = serde_json::to_value(d).unwrap();
    assert_eq!(json["reason"], "no_consent");
    assert_eq!(json["at"], "2026-01-01T00:00:00Z");
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Customer {
    email: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    postcode: Option<String>,
    notes: Option<String>,
}

#[test]
fn view_of_a_struct_reads_back_into_a_typed_struct() {
    let e = engine();
    e.grant("c-1", "marketing.email", consent()).unwrap();
    let customer = Customer {
        email: Some("ada@example.org".into()),
        name: Some("Ada".into()),
        phone: Some("+44 20 7946 0000".into()),
        postcode: None,
        notes: Some("n".into()),
    };
    let view = e.view_of(&customer, "c-1", "marketing.email", later()).unwrap();
    let minimised: Customer = view.record_as().unwrap();
    assert_eq!(
        minimised,
        Customer {
            email: Some("ada@example.org".into()),
            name: Some("Ada".into()),
            phone: None,
            postcode: None,
            notes: None
        }
    );

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct NeedsPhone {
        phone: String,
    }
    match view.record_as::<NeedsPhone>() {
        Err(Error::InvalidInput { what, message }) => {
            assert_eq!(what, "view target type");
            assert!(message.contains("phone"), "{message}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

// ----- the decider -----

#[test]
fn decider_gives_the_same_verdicts_as_decide() {
    let e = engine();
    e.grant("granted", "marketing", consent()).unwrap();
    e.grant("granted", "health", consent().explicit()).unwrap();
    e.withdraw("withdrawn", "marketing.email", consent()).unwrap();
    e.object("objector", "analytics", consent()).unwrap();
    e.grant("implicit", "health", consent()).unwrap();
    let mut fields: Vec<&str> = ALL_FIELDS.to_vec();
    fields.push("shoe_size");
    let mut purposes: Vec<&str> = ALL_PURPOSES.to_vec();
    purposes.push("marketing.emial");
    for subject in ["granted", "withdrawn", "objector", "implicit", "stranger"] {
        for purpose in &purposes {
            let decider = e.decider(subject, purpose, later());
            for field in &fields {
                let d = e.decide(subject, purpose, field, later());
                let by_name = decider.verdict_by_name(field);
                assert_eq!(
                    by_name,
                    Verdict { effect: d.effect, treatment: d.treatment, reason: d.reason },
                    "{subject} {purpose} {field}"
                );
                if let Some(id) = e.policy().field_id(field) {
                    assert_eq!(decider.verdict(id), by_name, "{subject} {purpose} {field}");
                }
            }
        }
    }
}

// ----- threads -----

#[test]
fn engine_is_shared_by_threads_that_grant_and_decide_at_once() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();

    let e = Arc::new(engine());
    // Settled customers whose answers must not change while others are written.
    for i in 0..8 {
        e.grant(&format!("settled-{i}"), "marketing", consent()).unwrap();
        e.withdraw(&format!("settled-{i}"), "marketing.email", consent()).unwrap();
    }
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let e = Arc::clone(&e);
            std::thread::spawn(move || {
                for round in 0..200 {
                    if t % 2 == 0 {
                        let subject = format!("writer-{t}-{}", round % 10);
                        e.grant(&subject, "marketing", consent()).unwrap();
                        if round % 3 == 0 {
                            e.withdraw(&subject, "marketing", Consent::at(later()).source("account page"))
                                .unwrap();
                        }
                    } else {
                        let subject = format!("settled-{}", round % 8);
                        assert!(e.decide(&subject, "marketing", "email", later()).is_allowed());
                        assert_eq!(
                            e.decide(&subject, "marketing.email", "email", later()).reason,
                            Reason::ConsentWithdrawn
                        );
                        let view = e.view(&record(), &subject, "orders", later()).unwrap();
                        assert_eq!(view.record.len(), 5);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("no thread panicked");
    }
    for t in (0..8).step_by(2) {
        for k in 0..10 {
            let subject = format!("writer-{t}-{k}");
            let history = e.consent_history(&subject).unwrap();
            let grants = 20;
            // Rounds k, k+10, … with round % 3 == 0 withdrew.
            let withdrawals = (0..200).filter(|r| r % 10 == k && r % 3 == 0).count();
            assert_eq!(history.len(), grants + withdrawals, "{subject}");
            let expected = if withdrawals > 0 { Reason::ConsentWithdrawn } else { Reason::ConsentGiven };
            assert_eq!(e.decide(&subject, "marketing.email", "email", later()).reason, expected, "{subject}");
            assert!(e.decide(&subject, "marketing.email", "email", now()).is_allowed(), "{subject}");
        }
    }
}
