//! The audit trail: sealing, verification, tamper detection and the documented canonical encoding.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use zweck::access::{Applied, Effect, Reason};
use zweck::audit::{
    verify, AuditBreak, AuditChain, AuditDraft, AuditEntry, AuditField, AuditHead, AuditOp, BreakKind,
};
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::{Engine, Error, KeyRing, Timestamp};

const KEY: [u8; 32] = [0x42; 32];
const OTHER_KEY: [u8; 32] = [0x24; 32];
const SUBJECT: &str = "k1_5d41402abc4b2a76b9719d911017c592";

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn field(name: &str, effect: Effect, treatment: Applied, reason: Reason) -> AuditField {
    AuditField { field: name.into(), effect, treatment, reason }
}

/// Five entries of different shapes: a view with fields, a grant, a decision, an erasure, a rotation.
fn drafts() -> Vec<AuditDraft> {
    vec![
        AuditDraft::new(t("2026-06-01T12:00:00Z"), AuditOp::View)
            .subject(SUBJECT)
            .purpose("marketing.email")
            .field(field("email", Effect::Allow, Applied::Plain, Reason::ConsentGiven))
            .field(field("phone", Effect::Deny, Applied::Withheld, Reason::FieldNotTagged)),
        AuditDraft::new(t("2026-06-01T12:01:00Z"), AuditOp::Grant).subject(SUBJECT).purpose("analytics"),
        AuditDraft::new(t("2026-06-01T12:02:00Z"), AuditOp::Decide)
            .subject(SUBJECT)
            .purpose("analytics")
            .field(field("email", Effect::Allow, Applied::Pseudonymised, Reason::LegitimateInterests))
            .detail("batch job 17"),
        AuditDraft::new(t("2026-06-01T12:03:00Z"), AuditOp::Forget)
            .subject(SUBJECT)
            .detail("erased 12 consent events, 3 vault entries"),
        AuditDraft::new(t("2026-06-01T12:04:00Z"), AuditOp::RotateKey).detail("key version 2 is current"),
    ]
}

fn sealed_log() -> (Vec<AuditEntry>, AuditHead) {
    let mut chain = AuditChain::new(KEY);
    let log = drafts().into_iter().map(|d| chain.seal(d)).collect();
    (log, chain.head())
}

fn broken(log: &[AuditEntry], anchor: Option<&AuditHead>) -> AuditBreak {
    verify(&KEY, log, anchor).expect_err("tampered log must not verify")
}

fn assert_break(log: &[AuditEntry], anchor: Option<&AuditHead>, index: u64, kind: BreakKind) -> AuditBreak {
    let b = broken(log, anchor);
    assert_eq!((b.index, b.kind), (index, kind), "{b}");
    b
}

// ---------------------------------------------------------------------------------------------------
// Sound logs

#[test]
fn a_sealed_log_verifies_and_reports_its_head() {
    let (log, head) = sealed_log();
    let report = verify(&KEY, &log, Some(&head)).unwrap();
    assert_eq!(report.entries, 5);
    assert_eq!(report.head, head);
    assert_eq!(head.count, 5);
    assert_eq!(head.mac, log[4].mac);
}

#[test]
fn entries_are_numbered_from_zero_and_linked_to_their_predecessor() {
    let (log, _) = sealed_log();
    assert_eq!(log[0].prev_mac, "0".repeat(64));
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as u64);
        assert_eq!(e.mac.len(), 64);
        assert!(e.mac.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        if i > 0 {
            assert_eq!(e.prev_mac, log[i - 1].mac);
        }
    }
}

#[test]
fn an_empty_log_verifies_with_an_empty_head() {
    let report = verify(&KEY, &[], None).unwrap();
    assert_eq!(report.entries, 0);
    assert_eq!(report.head, AuditHead::empty());
    assert_eq!(AuditChain::new(KEY).head(), AuditHead::empty());
    assert!(verify(&KEY, &[], Some(&AuditHead::empty())).is_ok());
}

#[test]
fn an_anchor_taken_earlier_accepts_a_log_that_has_grown_since() {
    let mut chain = AuditChain::new(KEY);
    let mut log: Vec<AuditEntry> = drafts().into_iter().take(2).map(|d| chain.seal(d)).collect();
    let early = chain.head();
    log.extend(drafts().into_iter().skip(2).map(|d| chain.seal(d)));
    assert_eq!(verify(&KEY, &log, Some(&early)).unwrap().entries, 5);
}

#[test]
fn resuming_after_replay_continues_the_same_chain() {
    let (mut log, _) = sealed_log();
    let mut resumed = AuditChain::resume(KEY, log.last()).unwrap();
    let mut original = AuditChain::new(KEY);
    for d in drafts() {
        original.seal(d);
    }
    assert_eq!(resumed.head(), original.head());
    log.push(resumed.seal(AuditDraft::new(t("2026-06-02T08:00:00Z"), AuditOp::Export).subject(SUBJECT)));
    assert_eq!(log[5].seq, 5);
    let report = verify(&KEY, &log, Some(&resumed.head())).unwrap();
    assert_eq!(report.entries, 6);
}

#[test]
fn resuming_an_empty_log_starts_at_seq_zero() {
    let mut chain = AuditChain::resume(KEY, None).unwrap();
    assert_eq!(chain.head(), AuditHead::empty());
    assert_eq!(chain.seal(AuditDraft::new(t("2026-06-01"), AuditOp::Compact)).seq, 0);
}

#[test]
fn resuming_refuses_a_last_entry_that_does_not_verify() {
    let (log, _) = sealed_log();
    let mut edited = log[4].clone();
    edited.detail = Some("nothing happened".into());
    let e = AuditChain::resume(KEY, Some(&edited)).unwrap_err();
    assert!(matches!(e, Error::AuditBroken { index: 4, .. }), "{e}");

    let e = AuditChain::resume(OTHER_KEY, log.last()).unwrap_err();
    assert!(e.to_string().contains("does not verify with this key"), "{e}");

    let mut garbled = log[4].clone();
    garbled.mac = "not hex".into();
    let e = AuditChain::resume(KEY, Some(&garbled)).unwrap_err();
    assert!(e.to_string().contains("64 lowercase hex digits"), "{e}");
}

// ---------------------------------------------------------------------------------------------------
// Edits

#[test]
fn editing_any_field_of_a_middle_entry_is_caught_at_that_entry() {
    type Edit = (&'static str, fn(&mut AuditEntry));
    let edits: &[Edit] = &[
        ("at", |e| e.at = Timestamp::from_unix(e.at.unix() + 1)),
        ("op", |e| e.op = AuditOp::Export),
        ("subject changed", |e| e.subject = Some("k1_00000000000000000000000000000000".into())),
        ("subject removed", |e| e.subject = None),
        ("purpose changed", |e| e.purpose = Some("marketing".into())),
        ("purpose removed", |e| e.purpose = None),
        ("purpose made empty", |e| e.purpose = Some(String::new())),
        ("field name", |e| e.fields[0].field = "phone".into()),
        ("field effect", |e| e.fields[0].effect = Effect::Deny),
        ("field treatment", |e| e.fields[0].treatment = Applied::Plain),
        ("field reason", |e| e.fields[0].reason = Reason::ConsentGiven),
        ("field added", |e| e.fields.push(field("name", Effect::Allow, Applied::Plain, Reason::Contract))),
        ("field removed", |e| e.fields.clear()),
        ("detail changed", |e| e.detail = Some("batch job 18".into())),
        ("detail removed", |e| e.detail = None),
        ("mac", |e| e.mac = "ab".repeat(32)),
    ];
    for (what, edit) in edits {
        let (mut log, head) = sealed_log();
        edit(&mut log[2]);
        let b = broken(&log, Some(&head));
        assert_eq!((b.index, b.kind), (2, BreakKind::Edited), "{what}: {b}");
        assert!(b.message.contains("seq 2"), "{what}: {b}");
    }
}

#[test]
fn an_edited_seq_is_named_as_such() {
    let (mut log, _) = sealed_log();
    log[2].seq = 7;
    let b = assert_break(&log, None, 2, BreakKind::Edited);
    assert!(b.message.contains("seq was changed from 2 to 7"), "{b}");
}

#[test]
fn an_edited_prev_mac_is_named_as_such() {
    let (mut log, _) = sealed_log();
    log[2].prev_mac = log[0].mac.clone();
    let b = assert_break(&log, None, 2, BreakKind::Edited);
    assert!(b.message.contains("prev_mac was changed"), "{b}");
}

#[test]
fn editing_the_first_or_last_entry_is_caught_too() {
    let (mut log, _) = sealed_log();
    log[0].purpose = Some("analytics".into());
    assert_break(&log, None, 0, BreakKind::Edited);

    let (mut log, _) = sealed_log();
    log[4].detail = None;
    assert_break(&log, None, 4, BreakKind::Edited);
}

#[test]
fn a_malformed_mac_is_reported_as_bad_mac() {
    for bad in ["", "xyz", &"A".repeat(64), &"0".repeat(63)] {
        let (mut log, _) = sealed_log();
        log[1].mac = bad.to_string();
        assert_break(&log, None, 1, BreakKind::BadMac);

        let (mut log, _) = sealed_log();
        log[3].prev_mac = bad.to_string();
        assert_break(&log, None, 3, BreakKind::BadMac);
    }
}

// ---------------------------------------------------------------------------------------------------
// Dropped, reordered, duplicated, truncated

#[test]
fn dropping_the_first_entry_is_caught() {
    let (mut log, _) = sealed_log();
    log.remove(0);
    let b = assert_break(&log, None, 0, BreakKind::Dropped);
    assert!(b.message.contains("seq 0 is missing"), "{b}");
}

#[test]
fn dropping_a_middle_entry_is_caught_where_the_gap_is() {
    let (mut log, _) = sealed_log();
    log.remove(2);
    let b = assert_break(&log, None, 2, BreakKind::Dropped);
    assert!(b.message.contains("expected seq 2 but found seq 3"), "{b}");

    let (mut log, _) = sealed_log();
    log.drain(1..4);
    let b = assert_break(&log, None, 1, BreakKind::Dropped);
    assert!(b.message.contains("seq 1 to 3 are missing"), "{b}");
}

#[test]
fn dropping_the_last_entry_needs_an_anchor_to_be_seen() {
    let (mut log, head) = sealed_log();
    log.pop();
    // Without an anchor a shorter log is still a valid log.
    assert_eq!(verify(&KEY, &log, None).unwrap().entries, 4);
    let b = assert_break(&log, Some(&head), 4, BreakKind::Truncated);
    assert!(b.message.contains("the last 1 entry is missing"), "{b}");
}

#[test]
fn truncating_the_tail_is_caught_with_an_anchor() {
    let (log, head) = sealed_log();
    for keep in 0..5 {
        let b = assert_break(&log[..keep], Some(&head), keep as u64, BreakKind::Truncated);
        assert!(b.message.contains(&format!("the log has {keep} entries but the anchor records 5")), "{b}");
        // Without the anchor the same prefix verifies.
        assert!(verify(&KEY, &log[..keep], None).is_ok());
    }
}

#[test]
fn a_log_rewritten_with_the_key_disagrees_with_the_anchor() {
    let (log, head) = sealed_log();
    // Someone with the key cuts the log after seq 2 and writes two different entries.
    let mut chain = AuditChain::resume(KEY, Some(&log[2])).unwrap();
    let mut rewritten = log[..3].to_vec();
    rewritten.push(chain.seal(AuditDraft::new(t("2026-06-01T12:03:00Z"), AuditOp::Compact)));
    rewritten.push(chain.seal(AuditDraft::new(t("2026-06-01T12:04:00Z"), AuditOp::Compact)));
    assert!(verify(&KEY, &rewritten, None).is_ok());
    assert_break(&rewritten, Some(&head), 4, BreakKind::AnchorMismatch);
}

#[test]
fn a_malformed_anchor_is_rejected() {
    let (log, head) = sealed_log();
    let anchor = AuditHead { mac: "zz".into(), ..head };
    assert_break(&log, Some(&anchor), 5, BreakKind::AnchorMismatch);
}

#[test]
fn swapping_neighbours_is_caught_as_reordering() {
    let (mut log, _) = sealed_log();
    log.swap(1, 2);
    let b = assert_break(&log, None, 1, BreakKind::Reordered);
    assert!(b.message.contains("seq 1 appears later"), "{b}");
}

#[test]
fn swapping_distant_entries_is_caught_as_reordering() {
    let (mut log, _) = sealed_log();
    log.swap(0, 4);
    assert_break(&log, None, 0, BreakKind::Reordered);

    let (mut log, _) = sealed_log();
    log.swap(1, 3);
    assert_break(&log, None, 1, BreakKind::Reordered);
}

#[test]
fn an_older_entry_replayed_later_is_caught_where_seq_goes_backwards() {
    let (mut log, _) = sealed_log();
    let old = log[1].clone();
    log.insert(3, old); // seq 0 1 2 1 3 4
    let b = assert_break(&log, None, 3, BreakKind::Reordered);
    assert!(b.message.contains("seq 1 comes after seq 2"), "{b}");
}

#[test]
fn a_repeated_entry_is_caught_as_duplicated() {
    let (mut log, _) = sealed_log();
    let again = log[2].clone();
    log.insert(3, again);
    let b = assert_break(&log, None, 3, BreakKind::Duplicated);
    assert!(b.message.contains("seq 2 appears twice"), "{b}");
}

// ---------------------------------------------------------------------------------------------------
// Keys and forgeries

#[test]
fn a_wrong_key_is_named_as_such() {
    let (log, head) = sealed_log();
    let b = verify(&OTHER_KEY, &log, Some(&head)).unwrap_err();
    assert_eq!((b.index, b.kind), (0, BreakKind::WrongKey), "{b}");
}

#[test]
fn an_entry_forged_without_the_key_is_caught() {
    let (mut log, head) = sealed_log();
    // The forger knows the format and the last MAC, but not the key.
    let mut forger = AuditChain::resume(OTHER_KEY, None).unwrap();
    let mut forged = forger.seal(AuditDraft::new(t("2026-06-01T12:05:00Z"), AuditOp::Reidentify));
    forged.seq = 5;
    forged.prev_mac = log[4].mac.clone();
    log.push(forged.clone());
    let b = assert_break(&log, Some(&head), 5, BreakKind::Edited);
    assert!(b.message.contains("without the key"), "{b}");

    // Forged in the middle, taking the place of a real entry.
    let (mut log, _) = sealed_log();
    forged.seq = 2;
    forged.prev_mac = log[1].mac.clone();
    log[2] = forged;
    assert_break(&log, None, 2, BreakKind::Edited);
}

#[test]
fn splicing_two_histories_written_with_one_key_is_caught_as_a_fork() {
    let (log, _) = sealed_log();
    // A second writer with the same key restored from seq 1 and wrote its own seq 2 and 3.
    let mut other = AuditChain::resume(KEY, Some(&log[1])).unwrap();
    let b2 = other.seal(AuditDraft::new(t("2026-06-01T13:00:00Z"), AuditOp::Gpc));
    let b3 = other.seal(AuditDraft::new(t("2026-06-01T13:01:00Z"), AuditOp::Tcf));
    let spliced = vec![log[0].clone(), log[1].clone(), log[2].clone(), b3];
    let b = assert_break(&spliced, None, 3, BreakKind::Forked);
    assert!(b.message.contains("mixes two histories"), "{b}");
    // Each history on its own is fine.
    assert!(verify(&KEY, &[log[0].clone(), log[1].clone(), b2], None).is_ok());
}

#[test]
fn the_chain_never_prints_its_key() {
    let key = [0xa7; 32];
    let chain = AuditChain::new(key);
    let debug = format!("{chain:?}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(!debug.contains("a7a7"), "{debug}");
    assert!(!debug.contains("167"), "{debug}");
}

#[test]
fn a_break_displays_the_entry_and_the_kind_and_converts_to_the_crate_error() {
    let (mut log, _) = sealed_log();
    log.remove(3);
    let b = broken(&log, None);
    let text = b.to_string();
    assert!(text.starts_with("audit log broken at entry 3 (dropped): "), "{text}");
    let std_error: &dyn std::error::Error = &b;
    assert_eq!(std_error.to_string(), text);
    let e: Error = b.into();
    assert!(
        matches!(&e, Error::AuditBroken { index: 3, message } if message.starts_with("dropped: ")),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------------
// Encoding and serialisation

/// The canonical encoding exactly as the module documentation specifies it, written again from the
/// text with the hmac crate, without any help from zweck.
fn independent_mac(key: &[u8; 32], e: &AuditEntry) -> String {
    fn text(m: &mut Vec<u8>, s: &str) {
        m.extend_from_slice(&(s.len() as u64).to_be_bytes());
        m.extend_from_slice(s.as_bytes());
    }
    fn opt(m: &mut Vec<u8>, s: &Option<String>) {
        match s {
            None => m.push(0),
            Some(s) => {
                m.push(1);
                text(m, s);
            }
        }
    }
    let name = |v: serde_json::Value| v.as_str().unwrap().to_string();
    let mut m = Vec::new();
    for pair in e.prev_mac.as_bytes().chunks(2) {
        m.push(u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap());
    }
    text(&mut m, "zweck-audit-v1");
    m.extend_from_slice(&e.seq.to_be_bytes());
    m.extend_from_slice(&e.at.unix().to_be_bytes());
    text(&mut m, &name(serde_json::to_value(e.op).unwrap()));
    opt(&mut m, &e.subject);
    opt(&mut m, &e.purpose);
    m.extend_from_slice(&(e.fields.len() as u64).to_be_bytes());
    for f in &e.fields {
        text(&mut m, &f.field);
        text(&mut m, &name(serde_json::to_value(f.effect).unwrap()));
        text(&mut m, &name(serde_json::to_value(f.treatment).unwrap()));
        text(&mut m, &name(serde_json::to_value(f.reason).unwrap()));
    }
    opt(&mut m, &e.detail);
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(&m);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_documented_canonical_encoding_reproduces_every_mac() {
    let (log, _) = sealed_log();
    for e in &log {
        assert_eq!(independent_mac(&KEY, e), e.mac, "seq {}", e.seq);
    }
}

#[test]
fn macs_match_vectors_computed_outside_rust() {
    // Computed with Python 3's standard `hmac` and `struct` modules from the encoding in the module
    // documentation (key = bytes 0x00..0x1f), to pin the format against accidental change.
    let key: [u8; 32] = std::array::from_fn(|i| i as u8);
    let mut chain = AuditChain::new(key);
    let first = chain.seal(
        AuditDraft::new(t("2026-06-01T12:00:00Z"), AuditOp::View)
            .subject(SUBJECT)
            .purpose("marketing.email")
            .field(field("email", Effect::Allow, Applied::Plain, Reason::ConsentGiven))
            .field(field("phone", Effect::Deny, Applied::Withheld, Reason::FieldNotTagged)),
    );
    let second = chain.seal(
        AuditDraft::new(t("2026-06-01T12:01:00Z"), AuditOp::Forget)
            .subject(SUBJECT)
            .detail("erased 12 consent events, 3 vault entries"),
    );
    assert_eq!(first.at.unix(), 1_780_315_200);
    assert_eq!(first.mac, "5078a7e50da219fcd83f5ec62c7aebcdc82b5daab6da50b57bd096b7fc6fa55c");
    assert_eq!(second.mac, "0f655164855e2eff1d9c5257bf07469240aeae875ded852ea9a62f9367bdce04");
}

#[test]
fn a_log_round_trips_through_json_and_still_verifies() {
    let (log, head) = sealed_log();
    let compact = serde_json::to_string(&log).unwrap();
    let pretty = serde_json::to_string_pretty(&log).unwrap();
    for text in [compact, pretty] {
        let back: Vec<AuditEntry> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, log);
        assert!(verify(&KEY, &back, Some(&head)).is_ok());
    }
    let head_back: AuditHead = serde_json::from_str(&serde_json::to_string(&head).unwrap()).unwrap();
    assert_eq!(head_back, head);
}

#[test]
fn the_json_form_is_flat_and_readable() {
    let (log, _) = sealed_log();
    let v = serde_json::to_value(&log[0]).unwrap();
    assert_eq!(v["seq"], 0);
    assert_eq!(v["at"], "2026-06-01T12:00:00Z");
    assert_eq!(v["op"], "view");
    assert_eq!(v["subject"], SUBJECT);
    assert_eq!(
        v["fields"][1],
        serde_json::json!({
            "field": "phone", "effect": "deny", "treatment": "withheld", "reason": "field_not_tagged"
        })
    );
    assert!(v.get("detail").is_none());
    let rotate = serde_json::to_value(&log[4]).unwrap();
    assert_eq!(rotate["op"], "rotate_key");
    assert!(rotate.get("fields").is_none() && rotate.get("subject").is_none());
}

#[test]
fn json_reordering_and_escapes_do_not_change_what_verifies() {
    let (log, _) = sealed_log();
    // Same entry, keys in another order and a character escaped.
    let e = &log[3];
    let text = format!(
        r#"{{"mac":"{}","prev_mac":"{}","detail":"erased 12 consent events, 3 vault entrie\u0073",
            "subject":"{}","op":"forget","at":"2026-06-01T14:03:00+02:00","seq":3}}"#,
        e.mac, e.prev_mac, SUBJECT
    );
    let parsed: AuditEntry = serde_json::from_str(&text).unwrap();
    assert_eq!(&parsed, e);
    let mut copy = log.clone();
    copy[3] = parsed;
    assert!(verify(&KEY, &copy, None).is_ok());
}

#[test]
fn unknown_json_keys_are_rejected_so_nothing_rides_outside_the_mac() {
    let (log, _) = sealed_log();
    let mut v = serde_json::to_value(&log[1]).unwrap();
    v["note"] = "added later".into();
    assert!(serde_json::from_value::<AuditEntry>(v).is_err());
}

#[test]
fn view_decisions_become_audit_fields() {
    let policy = Policy::from_json(
        r#"{"name": "t",
            "purposes": [{"key": "marketing", "description": "Offers", "basis": "consent"}],
            "fields": [{"name": "email", "category": "user.contact.email", "purposes": {"marketing": "plain"}},
                       {"name": "phone", "category": "user.contact.phone_number", "purposes": {}}]}"#,
    )
    .unwrap();
    let engine = Engine::new(policy, KeyRing::new(1, &[7; 32]).unwrap());
    let now = t("2026-06-01T12:00:00Z");
    engine.grant("c-1", "marketing", Consent::at(now).source("banner")).unwrap();
    let view =
        engine.view_json(r#"{"email": "a@b.example", "phone": "1"}"#, "c-1", "marketing", now).unwrap();
    let decision = engine.decide("c-1", "marketing", "phone", now);

    let mut chain = AuditChain::new(KEY);
    let entry = chain.seal(
        AuditDraft::new(now, AuditOp::View)
            .subject(SUBJECT)
            .purpose("marketing")
            .fields(view.decisions.iter().map(AuditField::from))
            .field(AuditField::from(&decision)),
    );
    assert_eq!(
        entry.fields,
        vec![
            field("email", Effect::Allow, Applied::Plain, Reason::ConsentGiven),
            field("phone", Effect::Deny, Applied::Withheld, Reason::FieldNotTagged),
            field("phone", Effect::Deny, Applied::Withheld, Reason::FieldNotTagged),
        ]
    );
    // The entry records outcomes, never values.
    assert!(!serde_json::to_string(&entry).unwrap().contains("a@b.example"));
}
