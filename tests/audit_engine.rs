//! The engine's audit trail: what is logged, that subjects appear only as pseudonyms, that the chain
//! survives reopening and compaction, and that tampering with stored entries is detected.

use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};
use zweck::audit::{AuditOp, BreakKind};
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::store::{CompactStats, RecordKind, Store};
use zweck::{AuditMode, Engine, Error, KeyRing, Result, Timestamp};

fn policy() -> Policy {
    Policy::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json")).unwrap()
}

fn keys() -> KeyRing {
    KeyRing::new(1, b"0123456789abcdef0123456789abcdef").unwrap()
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn record() -> Map<String, Value> {
    match json!({"customer_id": "c-4242", "email": "anna@example.net", "postcode": "80331"}) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A store whose records the test can read and edit, shared between engine instances.
#[derive(Clone, Default)]
struct SharedStore(Arc<Mutex<Records>>);

type Records = Vec<(RecordKind, Vec<u8>)>;

impl Store for SharedStore {
    fn append(&self, records: &[(RecordKind, &[u8])]) -> Result<()> {
        self.0.lock().unwrap().extend(records.iter().map(|(k, b)| (*k, b.to_vec())));
        Ok(())
    }
    fn replay(&self, f: &mut dyn FnMut(RecordKind, &[u8]) -> Result<()>) -> Result<()> {
        let records = self.0.lock().unwrap().clone();
        for (k, b) in &records {
            f(*k, b)?;
        }
        Ok(())
    }
    fn compact(&self, live: &mut dyn Iterator<Item = (RecordKind, Vec<u8>)>) -> Result<CompactStats> {
        let mut g = self.0.lock().unwrap();
        let before = g.len() as u64;
        *g = live.collect();
        Ok(CompactStats {
            records_before: before,
            records_after: g.len() as u64,
            bytes_before: 0,
            bytes_after: 0,
        })
    }
    fn describe(&self) -> String {
        "shared test store".into()
    }
}

impl SharedStore {
    fn audit_positions(&self) -> Vec<usize> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, (k, _))| *k == RecordKind::AUDIT)
            .map(|(i, _)| i)
            .collect()
    }
}

fn engine_on(store: &SharedStore) -> Engine {
    Engine::builder(policy(), keys()).store(Box::new(store.clone())).vault(true).open().unwrap()
}

fn busy_day(e: &Engine) {
    busy_day_on(e, "2026-03-01T10:00:00Z");
}

fn busy_day_on(e: &Engine, day: &str) {
    let now = t(day);
    // A fresh explicit grant on the newsletter too, so a second day restores what the first withdrew.
    e.grant("c-4242", "marketing", Consent::at(now).source("cookie banner v3").notice_version(3)).unwrap();
    e.grant("c-4242", "marketing.email", Consent::at(now).source("newsletter signup").notice_version(3))
        .unwrap();
    e.view(&record(), "c-4242", "analytics", now).unwrap();
    e.view(&record(), "c-4242", "fraud", now).unwrap();
    assert!(e.decide("c-4242", "marketing.email", "email", now).is_allowed());
    e.withdraw("c-4242", "marketing.email", Consent::at(now).source("unsubscribe link")).unwrap();
    e.export_subject("c-4242", None, now).unwrap();
}

#[test]
fn every_change_and_every_access_decision_is_logged_in_order() {
    let e = Engine::new(policy(), keys());
    busy_day(&e);
    let ops: Vec<AuditOp> = e.audit_entries().unwrap().iter().map(|x| x.op).collect();
    assert_eq!(
        ops,
        [
            AuditOp::Grant,
            AuditOp::Grant,
            AuditOp::View,
            AuditOp::View,
            AuditOp::Decide,
            AuditOp::Withdraw,
            AuditOp::Export
        ]
    );
    let report = e.verify_audit(None).unwrap();
    assert_eq!(report.entries, 7);
    assert_eq!(Some(report.head), e.audit_head());
}

#[test]
fn subjects_appear_only_as_pseudonyms() {
    let store = SharedStore::default();
    let e = engine_on(&store);
    busy_day(&e);
    e.flush_audit().unwrap();
    let pseudonym = e.audit_subject("c-4242").unwrap();
    assert!(pseudonym.starts_with("s_") && pseudonym.len() == 34, "{pseudonym}");
    for entry in e.audit_entries().unwrap() {
        assert_eq!(entry.subject.as_deref(), Some(pseudonym.as_str()));
    }
    for (kind, bytes) in store.0.lock().unwrap().iter() {
        if *kind == RecordKind::AUDIT {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains("c-4242") && !text.contains("anna@"), "{text}");
        }
    }
    // The view's per-field outcomes are logged, never the values.
    let view = e.audit_entries().unwrap().into_iter().find(|x| x.op == AuditOp::View).unwrap();
    assert_eq!(view.fields.len(), 3);
}

#[test]
fn the_chain_continues_across_reopening_and_compaction() {
    let store = SharedStore::default();
    {
        let e = engine_on(&store);
        busy_day(&e);
    }
    let e = engine_on(&store);
    busy_day_on(&e, "2026-03-02T10:00:00Z");
    e.forget_subject("c-4242", "customer request", t("2026-03-03T00:00:00Z")).unwrap();
    e.compact().unwrap();
    let entries = e.audit_entries().unwrap();
    assert_eq!(entries.len(), 7 + 7 + 2);
    assert_eq!(
        entries.iter().rev().take(2).map(|x| x.op).collect::<Vec<_>>(),
        [AuditOp::Compact, AuditOp::Forget]
    );
    e.verify_audit(None).unwrap();
    let head = e.audit_head().unwrap();
    drop(e);
    let again = engine_on(&store);
    assert_eq!(again.verify_audit(Some(&head)).unwrap().entries, 16);
}

#[test]
fn an_edited_stored_entry_is_found_and_named() {
    let store = SharedStore::default();
    {
        let e = engine_on(&store);
        busy_day(&e);
    }
    let target = store.audit_positions()[4];
    {
        let mut g = store.0.lock().unwrap();
        let text = String::from_utf8(g[target].1.clone()).unwrap().replace("\"allow\"", "\"deny\"");
        g[target].1 = text.into_bytes();
    }
    // Reopening continues only from a valid last entry; the edit in the middle shows on verify.
    let e = engine_on(&store);
    match e.verify_audit(None).unwrap_err() {
        Error::AuditBroken { index, message } => {
            assert_eq!(index, 4, "{message}");
            assert!(
                message.contains("edited") || message.contains("Edited") || message.contains("mac"),
                "{message}"
            );
        }
        other => panic!("expected AuditBroken, got {other}"),
    }
}

#[test]
fn dropped_and_truncated_entries_are_found() {
    let store = SharedStore::default();
    let head = {
        let e = engine_on(&store);
        busy_day(&e);
        e.flush_audit().unwrap();
        e.audit_head().unwrap()
    };
    let positions = store.audit_positions();
    // Drop the last entry: without the anchor the shorter chain is still consistent; with it, not.
    let dropped_last = SharedStore(Arc::new(Mutex::new({
        let mut v = store.0.lock().unwrap().clone();
        v.remove(*positions.last().unwrap());
        v
    })));
    let e = engine_on(&dropped_last);
    e.verify_audit(None).unwrap();
    let err = e.verify_audit(Some(&head)).unwrap_err();
    assert!(
        err.to_string().contains("truncated") || err.to_string().contains(BreakKind::Truncated.as_str()),
        "{err}"
    );
    drop(e);
    // Drop one in the middle.
    let dropped_mid = SharedStore(Arc::new(Mutex::new({
        let mut v = store.0.lock().unwrap().clone();
        v.remove(positions[2]);
        v
    })));
    let err = engine_on(&dropped_mid).verify_audit(None).unwrap_err();
    assert!(matches!(err, Error::AuditBroken { index: 2, .. }), "{err}");
}

#[test]
fn the_log_needs_the_key_it_was_begun_with() {
    let store = SharedStore::default();
    {
        let e = engine_on(&store);
        busy_day(&e);
    }
    let other = KeyRing::new(1, b"a different secret, version 1 !!").unwrap();
    // The erasure tombstones are absent here, so the first thing to fail is the audit chain.
    let err = Engine::builder(policy(), other).store(Box::new(store.clone())).open().unwrap_err();
    assert!(matches!(err, Error::AuditBroken { .. }), "{err}");
}

#[test]
fn audit_modes_choose_what_is_logged() {
    let changes = Engine::builder(policy(), keys()).audit(AuditMode::Changes).open().unwrap();
    busy_day(&changes);
    let ops: Vec<AuditOp> = changes.audit_entries().unwrap().iter().map(|x| x.op).collect();
    assert_eq!(ops, [AuditOp::Grant, AuditOp::Grant, AuditOp::Withdraw, AuditOp::Export]);
    let off = Engine::builder(policy(), keys()).audit(AuditMode::Off).open().unwrap();
    busy_day(&off);
    assert!(off.audit_entries().unwrap().is_empty());
    assert!(off.audit_head().is_none());
    assert!(matches!(off.verify_audit(None).unwrap_err(), Error::AuditBroken { .. }));
}

#[test]
fn re_identification_attempts_are_logged_whether_allowed_or_not() {
    let e = Engine::builder(policy(), keys()).vault(true).open().unwrap();
    let now = t("2026-03-01T10:00:00Z");
    let token =
        e.view(&record(), "c-4242", "fraud", now).unwrap().record["email"].as_str().unwrap().to_string();
    e.reidentify(&token, "fraud", now).unwrap();
    e.reidentify(&token, "analytics", now).unwrap_err();
    let reid: Vec<_> =
        e.audit_entries().unwrap().into_iter().filter(|x| x.op == AuditOp::Reidentify).collect();
    assert_eq!(reid.len(), 2);
    assert_eq!(reid[0].detail.as_deref(), Some("resolved"));
    assert!(reid[1].detail.as_deref().unwrap().starts_with("refused"));
    assert_eq!(reid[0].subject, e.audit_subject("c-4242"));
}
