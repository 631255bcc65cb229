//! Durable state, erasure, export, retention, re-identification and key rotation through the Engine.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use zweck::access::Reason;
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::rights::RetentionAction;
use zweck::{Engine, Error, KeyRing, Timestamp};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn policy() -> Policy {
    Policy::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json")).unwrap()
}

fn keys() -> KeyRing {
    KeyRing::new(1, SECRET).unwrap()
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("zweck-rights-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn journal(&self) -> PathBuf {
        self.0.join("zweck.journal")
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn record() -> Map<String, Value> {
    match json!({
        "customer_id": "c-7731-unique-id",
        "email": "Erika.Mustermann@Example.org",
        "name": "Erika Mustermann",
        "postcode": "50667",
        "card_number": "4000 0566 5566 5556",
        "ip_address": "198.51.100.23"
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn open(path: &Path, vault: bool) -> Engine {
    Engine::builder(policy(), keys()).journal(path).vault(vault).open().unwrap()
}

fn grant_marketing(e: &Engine, subject: &str) {
    e.grant(
        subject,
        "marketing",
        Consent::at(t("2026-01-10T10:00:00Z")).source("cookie banner v3").notice_version(3),
    )
    .unwrap();
}

#[test]
fn consent_survives_reopening_the_journal() {
    let dir = TempDir::new("reopen");
    {
        let e = open(&dir.journal(), false);
        grant_marketing(&e, "c-1");
        e.withdraw(
            "c-2",
            "marketing.email",
            Consent::at(t("2026-01-11T10:00:00Z")).source("unsubscribe link"),
        )
        .unwrap();
    }
    let e = open(&dir.journal(), false);
    // Two consent events, their two audit entries and the audit log's key record.
    assert_eq!(e.open_report().unwrap().records, 5);
    assert!(e.decide("c-1", "marketing.email", "email", t("2026-02-01T00:00:00Z")).is_allowed());
    assert_eq!(e.consent_history("c-1").unwrap().len(), 1);
    assert_eq!(e.consent_history("c-2").unwrap()[0].source, "unsubscribe link");
}

#[test]
fn a_second_engine_on_the_same_journal_is_locked_out() {
    let dir = TempDir::new("lock");
    let _first = open(&dir.journal(), false);
    let err = Engine::open(policy(), keys(), dir.journal()).unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
}

#[test]
fn forgotten_subjects_are_denied_with_reason_erased_and_cannot_come_back() {
    let e = Engine::new(policy(), keys());
    grant_marketing(&e, "c-9");
    let now = t("2026-02-01T00:00:00Z");
    let receipt = e.forget_subject("c-9", "customer request via account page", now).unwrap();
    assert_eq!(receipt.erased[0].count, 1);
    assert!(!receipt.subject_hash.contains("c-9"));
    for purpose in ["order", "marketing.email", "analytics"] {
        assert_eq!(e.decide("c-9", purpose, "email", now).reason, Reason::SubjectErased, "{purpose}");
    }
    let view = e.view(&record(), "c-9", "order", now).unwrap();
    assert!(view.record.is_empty());
    assert!(matches!(
        e.grant("c-9", "marketing", Consent::at(now).source("banner")).unwrap_err(),
        Error::SubjectErased
    ));
    assert!(matches!(e.forget_subject("c-9", "again", now).unwrap_err(), Error::SubjectErased));
    // Other customers are untouched.
    grant_marketing(&e, "c-10");
    assert!(e.decide("c-10", "marketing.email", "email", now).is_allowed());
}

#[test]
fn the_receipt_lists_what_the_law_requires_to_keep() {
    let e = Engine::new(policy(), keys());
    let receipt = e.forget_subject("c-1", "customer request", t("2026-02-01T00:00:00Z")).unwrap();
    let retained: Vec<(&str, &str)> =
        receipt.retained.iter().map(|r| (r.field.as_str(), r.purpose.as_str())).collect();
    assert!(retained.contains(&("street", "order.invoicing")), "{retained:?}");
    assert!(retained.contains(&("card_number", "order.invoicing")), "{retained:?}");
    assert!(receipt.retained.iter().all(|r| r.basis == "legal_obligation"));
    assert_eq!(receipt.retained[0].retention.as_deref(), Some("10 years"));
}

#[test]
fn after_erasure_and_compaction_the_journal_holds_neither_id_nor_values() {
    let dir = TempDir::new("grep");
    let subject = "c-7731-unique-id";
    let now = t("2026-02-01T00:00:00Z");
    {
        let e = open(&dir.journal(), true);
        grant_marketing(&e, subject);
        grant_marketing(&e, "c-other");
        // Views pseudonymise customer_id and email for analytics and fraud: the vault remembers them.
        e.view(&record(), subject, "analytics", now).unwrap();
        e.view(&record(), subject, "fraud", now).unwrap();
        let before = std::fs::read(dir.journal()).unwrap();
        assert!(contains(&before, subject.as_bytes()), "the id is in the journal before erasure");
        assert!(contains(&before, b"erika.mustermann@example.org"), "the vault holds the normalised email");
        e.forget_subject(subject, "customer request", now).unwrap();
        let stats = e.compact().unwrap();
        assert!(stats.records_after < stats.records_before);
    }
    let bytes = std::fs::read(dir.journal()).unwrap();
    for needle in [subject, "erika.mustermann@example.org", "Erika", "50667", "198.51.100.23"] {
        assert!(!contains(&bytes, needle.as_bytes()), "{needle} is still in the journal");
    }
    for entry in std::fs::read_dir(&dir.0).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!contains(&bytes, subject.as_bytes()));
    }
    // The erasure itself survives compaction and reopening.
    let e = open(&dir.journal(), true);
    assert_eq!(e.decide(subject, "order", "email", now).reason, Reason::SubjectErased);
    assert!(e.decide("c-other", "marketing.email", "email", now).is_allowed());
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn erasures_need_the_key_they_were_made_with() {
    let dir = TempDir::new("kcv");
    {
        let e = open(&dir.journal(), false);
        e.forget_subject("c-1", "request", t("2026-02-01T00:00:00Z")).unwrap();
    }
    let other = KeyRing::new(1, b"another secret, same version 1!!").unwrap();
    let err = Engine::open(policy(), other, dir.journal()).unwrap_err();
    assert!(matches!(err, Error::InvalidKey(_)), "{err}");
    assert!(err.to_string().contains("key check value"), "{err}");
    let newer = KeyRing::new(2, b"another secret, version two!!!!!").unwrap();
    let err = Engine::open(policy(), newer, dir.journal()).unwrap_err();
    assert!(err.to_string().contains("key version 1"), "{err}");
}

#[test]
fn export_follows_the_woocommerce_exporter_shape() {
    let e = Engine::builder(policy(), keys()).vault(true).open().unwrap();
    grant_marketing(&e, "c-1");
    let now = t("2026-02-01T00:00:00Z");
    e.view(&record(), "c-1", "analytics", now).unwrap();
    let export = e.export_subject("c-1", Some(&record()), now).unwrap();
    assert_eq!(export["done"], json!(true));
    assert_eq!(export["subject"], json!("c-1"));
    let groups: Vec<&str> =
        export["data"].as_array().unwrap().iter().map(|i| i["group_id"].as_str().unwrap()).collect();
    for g in ["zweck-record", "zweck-fields", "zweck-purposes", "zweck-consents", "zweck-pseudonyms"] {
        assert!(groups.contains(&g), "{g} missing from {groups:?}");
    }
    for item in export["data"].as_array().unwrap() {
        for key in ["group_id", "group_label", "group_description", "item_id", "data"] {
            assert!(item.get(key).is_some(), "{key} missing in {item}");
        }
        for pair in item["data"].as_array().unwrap() {
            assert!(pair["name"].is_string() && pair["value"].is_string(), "{pair}");
        }
    }
    let consent =
        export["data"].as_array().unwrap().iter().find(|i| i["group_id"] == "zweck-consents").unwrap();
    assert!(consent["data"].to_string().contains("cookie banner v3"));
    let marketing = export["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item_id"] == "purpose-marketing.email")
        .unwrap();
    assert!(marketing["data"].to_string().contains("active"), "{marketing}");
}

#[test]
fn export_rejects_invalid_subject_ids() {
    let e = Engine::new(policy(), keys());
    assert!(matches!(e.export_subject("", None, Timestamp::now()).unwrap_err(), Error::InvalidInput { .. }));
}

#[test]
fn retention_keeps_pseudonymises_then_erases() {
    let e = Engine::new(policy(), keys());
    let collected = t("2024-01-01T00:00:00Z");
    let step = |now: &str, field: &str| {
        e.retention_due(&record(), collected, t(now)).unwrap().into_iter().find(|s| s.field == field).unwrap()
    };
    // email: tagged on `order` (3 years), which covers order.invoicing (legal obligation, 10 years).
    assert_eq!(step("2025-01-01T00:00:00Z", "email").action, RetentionAction::Keep);
    let s = step("2027-06-01T00:00:00Z", "email");
    assert_eq!(s.action, RetentionAction::Keep);
    assert!(s.because.contains("order.invoicing"), "{}", s.because);
    assert_eq!(step("2034-01-02T00:00:00Z", "email").action, RetentionAction::Erase);
    // ip_address: fraud (2 years) plain, analytics (14 months) generalised: erased after both.
    assert_eq!(step("2025-06-01T00:00:00Z", "ip_address").action, RetentionAction::Keep);
    assert_eq!(step("2026-01-02T00:00:00Z", "ip_address").action, RetentionAction::Erase);
    // customer_id: also tagged on `order`, so invoicing keeps it until 2034.
    let s = step("2025-06-01T00:00:00Z", "customer_id");
    assert_eq!(s.action, RetentionAction::Keep);
    assert_eq!(s.next_due, Some(t("2034-01-01T00:00:00Z")));
    // card_number: invoicing keeps it 10 years.
    assert_eq!(step("2030-01-01T00:00:00Z", "card_number").action, RetentionAction::Keep);
    assert_eq!(step("2034-01-02T00:00:00Z", "card_number").action, RetentionAction::Erase);
    // undeclared fields are always due.
    let mut r = record();
    r.insert("shoe_size".into(), json!(42));
    let steps = e.retention_due(&r, collected, t("2024-01-02T00:00:00Z")).unwrap();
    assert_eq!(steps.iter().find(|s| s.field == "shoe_size").unwrap().action, RetentionAction::Erase);
}

#[test]
fn retention_pseudonymises_when_only_pseudonymising_purposes_remain() {
    let p = Policy::from_json(
        r#"{"name": "t", "vocabulary": "off",
            "purposes": [
              {"key": "support", "description": "Support", "basis": "contract", "retention": "1 year"},
              {"key": "stats", "description": "Statistics", "basis": "legitimate_interests", "retention": "3 years"},
              {"key": "forever", "description": "No period", "basis": "contract"}],
            "fields": [
              {"name": "email", "category": "user.contact.email",
               "purposes": {"support": "plain", "stats": {"pseudonymise": "stats"}}},
              {"name": "nick", "category": "user.name", "purposes": {"forever": "plain"}},
              {"name": "unused", "category": "user.name", "purposes": {}}]}"#,
    )
    .unwrap();
    let e = Engine::new(p, keys());
    let mut r = Map::new();
    for f in ["email", "nick", "unused"] {
        r.insert(f.into(), json!("x"));
    }
    let at = |now: &str| e.retention_due(&r, t("2024-01-01T00:00:00Z"), t(now)).unwrap();
    let steps = at("2025-06-01T00:00:00Z");
    assert_eq!(steps[0].action, RetentionAction::Pseudonymise);
    assert_eq!(steps[0].next_due, Some(t("2027-01-01T00:00:00Z")));
    assert_eq!(steps[1].action, RetentionAction::Keep);
    assert!(steps[1].because.contains("declares no retention period"), "{}", steps[1].because);
    assert_eq!(steps[2].action, RetentionAction::Erase);
    assert_eq!(at("2027-01-02T00:00:00Z")[0].action, RetentionAction::Erase);
}

#[test]
fn only_reidentifying_purposes_resolve_vault_tokens() {
    let e = Engine::builder(policy(), keys()).vault(true).open().unwrap();
    let now = t("2026-02-01T00:00:00Z");
    let view = e.view(&record(), "c-5", "fraud", now).unwrap();
    let token = view.record["email"].as_str().unwrap().to_string();
    let found = e.reidentify(&token, "fraud", now).unwrap();
    assert_eq!(found.subject, "c-5");
    assert_eq!(found.field, "email");
    assert_eq!(found.value, "erika.mustermann@example.org");
    let denied = e.reidentify(&token, "analytics", now).unwrap_err();
    assert!(matches!(denied, Error::Denied { .. }), "{denied}");
    assert!(matches!(e.reidentify(&token, "frud", now).unwrap_err(), Error::UnknownPurpose { .. }));
    assert!(matches!(e.reidentify("not-a-token", "fraud", now).unwrap_err(), Error::MalformedToken(_)));
    // Without a vault nothing resolves.
    let plain = Engine::new(policy(), keys());
    assert!(matches!(plain.reidentify(&token, "fraud", now).unwrap_err(), Error::Denied { .. }));
}

#[test]
fn key_rotation_re_pseudonymises_the_vault() {
    let e = Engine::builder(policy(), keys()).vault(true).open().unwrap();
    let now = t("2026-02-01T00:00:00Z");
    let old = e.view(&record(), "c-5", "fraud", now).unwrap().record["email"].as_str().unwrap().to_string();
    assert!(old.starts_with("k1_"));
    e.rotate_key(2, b"the second master secret, v2 !!!").unwrap();
    assert_eq!(e.key_version(), 2);
    let new = e.view(&record(), "c-5", "fraud", now).unwrap().record["email"].as_str().unwrap().to_string();
    assert!(new.starts_with("k2_"), "{new}");
    assert_eq!(e.reidentify(&old, "fraud", now).unwrap().value, "erika.mustermann@example.org");
    assert_eq!(e.reidentify(&new, "fraud", now).unwrap().value, "erika.mustermann@example.org");
    assert!(e.rotate_key(2, b"the second master secret, v2 !!!").is_err(), "a version is never reused");
}

#[test]
fn pseudonyms_in_domains_outside_the_policy_follow_the_current_key_and_survive_cache_eviction() {
    let e = Engine::builder(policy(), keys()).audit(zweck::AuditMode::Off).open().unwrap();
    let v1 = KeyRing::new(1, SECRET).unwrap();
    let value = b"customer-42";
    // More distinct domains than the engine caches, twice over: each answer must still be right.
    for round in 0..2 {
        for i in 0..1500 {
            let domain = format!("export-{i}");
            let want = v1.domain_key(&domain).pseudonymise(value);
            assert_eq!(e.pseudonymise(&domain, value).unwrap(), want, "round {round}, {domain}");
            assert_eq!(e.domain_key(&domain).unwrap().pseudonymise(value), want, "{domain}");
        }
    }
    let before = e.pseudonymise("export-7", value).unwrap();
    e.rotate_key(2, b"the second master secret, v2 !!!").unwrap();
    let v2 = KeyRing::new(2, b"the second master secret, v2 !!!").unwrap();
    let after = e.pseudonymise("export-7", value).unwrap();
    assert_eq!(after, v2.domain_key("export-7").pseudonymise(value));
    assert!(after.starts_with("k2_") && before.starts_with("k1_"), "{before} {after}");
    for bad in ["", &"d".repeat(257)] {
        assert!(matches!(e.pseudonymise(bad, value), Err(Error::InvalidInput { what: "domain", .. })));
        assert!(matches!(e.domain_key(bad), Err(Error::InvalidInput { what: "domain", .. })));
    }
}

#[test]
fn a_damaged_record_payload_is_reported_not_skipped() {
    use zweck::store::{MemoryStore, RecordKind, Store};
    let store = MemoryStore::new();
    store.append(&[(RecordKind::CONSENT, b"{not json")]).unwrap();
    let err = Engine::builder(policy(), keys()).store(Box::new(store)).open().unwrap_err();
    assert!(err.to_string().contains("record 1"), "{err}");
}

#[test]
fn a_decision_racing_an_erasure_never_reads_the_emptied_ledger_as_no_objection() {
    // The customer objected to analytics (legitimate interests). Whatever the interleaving with the
    // erasure, analytics must be denied: first because of the objection, then because of the erasure.
    let now = t("2026-02-01T00:00:00Z");
    let mut allowed = 0;
    for round in 0..3000 {
        let e = std::sync::Arc::new(
            Engine::builder(policy(), keys()).audit(zweck::AuditMode::Off).open().unwrap(),
        );
        let subject = format!("c-race-{round}");
        e.object(&subject, "analytics", Consent::at(t("2026-01-01T00:00:00Z")).source("account page"))
            .unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let reader = {
            let (e, subject, barrier) = (e.clone(), subject.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut allowed = 0;
                barrier.wait();
                // Decide until the erasure is visible, so that the reads straddle it.
                loop {
                    let d = e.decide(&subject, "analytics", "order_history", now);
                    if d.is_allowed() {
                        allowed += 1;
                    }
                    if d.reason == Reason::SubjectErased {
                        break allowed;
                    }
                }
            })
        };
        barrier.wait();
        e.forget_subject(&subject, "customer request", now).unwrap();
        allowed += reader.join().unwrap();
        assert_eq!(e.decide(&subject, "analytics", "order_history", now).reason, Reason::SubjectErased);
    }
    assert_eq!(allowed, 0, "an erased customer's objected data was released {allowed} times");
}
