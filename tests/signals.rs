//! Consent signals from the real world: TC strings from a consent banner and Global Privacy Control,
//! from the string or header to what the backend releases.
//!
//! TC strings here are built field by field from the layout in IAB Tech Lab's "Transparency and
//! Consent String with Global Vendor & CMP List Formats" (v2.2 with the v2.3 amendment), so that each
//! test states exactly which signals it sends.

use serde_json::{json, Map, Value};
use zweck::access::Reason;
use zweck::consent::gpc::{is_gpc_objection, GPC_EVIDENCE};
use zweck::consent::tcf::MAX_CLOCK_SKEW_SECS;
use zweck::consent::{Consent, ConsentAction};
use zweck::policy::Policy;
use zweck::{Engine, Error, KeyRing, Timestamp};

// --- TC strings ------------------------------------------------------------------------------------------

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A bit string under construction.
#[derive(Default)]
struct Bits(String);

impl Bits {
    fn int(mut self, v: u64, width: usize) -> Self {
        assert!(v < (1u64 << width), "{v} does not fit {width} bits");
        for i in (0..width).rev() {
            self.0.push(if (v >> i) & 1 == 1 { '1' } else { '0' });
        }
        self
    }
    fn flag(self, b: bool) -> Self {
        self.int(u64::from(b), 1)
    }
    /// A fixed-width field of flags, id 1 first.
    fn flags(mut self, ids: &[u8], width: usize) -> Self {
        for i in 1..=width {
            self.0.push(if ids.contains(&(i as u8)) { '1' } else { '0' });
        }
        self
    }
    fn letters(self, s: &str) -> Self {
        s.bytes().fold(self, |b, c| b.int(u64::from(c - b'A'), 6))
    }
    /// `NumEntries` and one single-vendor range entry per id.
    fn ranges(self, ids: &[u16]) -> Self {
        ids.iter().fold(self.int(ids.len() as u64, 12), |b, &id| b.flag(false).int(u64::from(id), 16))
    }
    /// A vendor section, range encoded.
    fn vendors(self, ids: &[u16]) -> Self {
        let max = ids.iter().copied().max().unwrap_or(0);
        self.int(u64::from(max), 16).flag(true).ranges(ids)
    }
    fn base64url(&self) -> String {
        self.0
            .as_bytes()
            .chunks(6)
            .map(|c| {
                let v = (0..6).fold(0usize, |acc, i| (acc << 1) | usize::from(c.get(i) == Some(&b'1')));
                char::from(B64URL[v])
            })
            .collect()
    }
}

/// The publisher TC segment: purposes consent and LI, then custom purposes 1..=`custom` with their
/// consent and LI.
#[derive(Clone, Default)]
struct Publisher {
    consents: Vec<u8>,
    li: Vec<u8>,
    custom: u8,
    custom_consents: Vec<u8>,
    custom_li: Vec<u8>,
}

/// What a CMP would put in a string; defaults describe a valid TCF v2.2 service-specific string.
#[derive(Clone)]
struct Tc {
    /// `Created` and `LastUpdated`.
    updated: Timestamp,
    cmp_id: u64,
    consent_screen: u64,
    service_specific: bool,
    consents: Vec<u8>,
    li: Vec<u8>,
    vendor_consents: Vec<u16>,
    vendor_li: Vec<u16>,
    /// `(purpose, restriction type, vendors)`.
    restrictions: Vec<(u8, u8, Vec<u16>)>,
    publisher: Option<Publisher>,
    /// The disclosed-vendors segment (mandatory for strings created after February 2026).
    disclosed: Option<Vec<u16>>,
}

impl Default for Tc {
    fn default() -> Self {
        Tc {
            updated: ts("2025-06-02T00:00:00Z"),
            cmp_id: 28,
            consent_screen: 1,
            service_specific: true,
            consents: vec![],
            li: vec![],
            vendor_consents: vec![],
            vendor_li: vec![],
            restrictions: vec![],
            publisher: None,
            disclosed: None,
        }
    }
}

impl Tc {
    fn on(day: &str) -> Self {
        Tc { updated: ts(&format!("{day}T00:00:00Z")), ..Tc::default() }
    }
    fn consents(mut self, ids: &[u8]) -> Self {
        self.consents = ids.to_vec();
        self
    }
    fn li(mut self, ids: &[u8]) -> Self {
        self.li = ids.to_vec();
        self
    }
    fn encode(&self) -> String {
        let ds = (self.updated.unix() as u64) * 10;
        let mut b = Bits::default()
            .int(2, 6)
            .int(ds, 36)
            .int(ds, 36)
            .int(self.cmp_id, 12)
            .int(2, 12)
            .int(self.consent_screen, 6)
            .letters("DE")
            .int(120, 12)
            .int(5, 6)
            .flag(self.service_specific)
            .flag(false)
            .flags(&[], 12)
            .flags(&self.consents, 24)
            .flags(&self.li, 24)
            .flag(false)
            .letters("DE")
            .vendors(&self.vendor_consents)
            .vendors(&self.vendor_li)
            .int(self.restrictions.len() as u64, 12);
        for (purpose, kind, vendors) in &self.restrictions {
            b = b.int(u64::from(*purpose), 6).int(u64::from(*kind), 2).ranges(vendors);
        }
        let mut s = b.base64url();
        if let Some(ids) = &self.disclosed {
            s.push('.');
            s.push_str(&Bits::default().int(1, 3).vendors(ids).base64url());
        }
        if let Some(p) = &self.publisher {
            let n = usize::from(p.custom);
            let seg = Bits::default()
                .int(3, 3)
                .flags(&p.consents, 24)
                .flags(&p.li, 24)
                .int(u64::from(p.custom), 6)
                .flags(&p.custom_consents, n)
                .flags(&p.custom_li, n);
            s.push('.');
            s.push_str(&seg.base64url());
        }
        s
    }
}

// --- the shop --------------------------------------------------------------------------------------------

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

/// Later than every string in these tests.
fn now() -> Timestamp {
    ts("2025-07-01T12:00:00Z")
}

fn policy_json(tcf: Value) -> String {
    let mut doc = json!({
        "name": "Kiezkaufhaus",
        "purposes": [
            {"key": "order", "description": "Deliver your orders", "basis": "contract"},
            {"key": "marketing", "description": "Offers you asked for", "basis": "consent", "notice_version": 2},
            {"key": "marketing.personalisation", "description": "Recommendations from your interests"},
            {"key": "marketing.email", "description": "Newsletter"},
            {"key": "analytics", "description": "Improve the shop", "basis": "legitimate_interests"},
            {"key": "ads", "description": "Ads on partner sites", "basis": "consent",
             "flags": ["sharing", "targeted_advertising"]},
            {"key": "ads.retargeting", "description": "Show viewed products again"},
            {"key": "data_broker", "description": "Sell audience segments", "basis": "consent", "flags": ["sale"]},
            {"key": "fraud", "description": "Fraud prevention", "basis": "legitimate_interests"}
        ],
        "fields": [
            {"name": "email", "category": "user.contact.email",
             "purposes": {"order": "plain", "marketing": "plain"}},
            {"name": "interests", "category": "user.behavior",
             "purposes": {"marketing.personalisation": "plain"}},
            {"name": "clicks", "category": "user.behavior.browsing_history",
             "purposes": {"analytics": {"pseudonymise": "analytics"}, "ads": "plain",
                          "data_broker": {"pseudonymise": "broker"}, "fraud": "plain"}}
        ]
    });
    if !tcf.is_null() {
        doc["tcf"] = tcf;
    }
    doc.to_string()
}

fn default_mapping() -> Value {
    json!({
        "purposes": {"1": ["marketing"], "3": ["marketing.personalisation"], "4": ["marketing.personalisation"],
                     "7": ["analytics"]}
    })
}

fn engine_with(tcf: Value) -> Engine {
    let policy = match Policy::from_json(&policy_json(tcf)) {
        Ok(p) => p,
        Err(e) => panic!("test policy should compile: {e}"),
    };
    Engine::new(policy, KeyRing::new(1, &[9u8; 32]).expect("key"))
}

fn engine() -> Engine {
    engine_with(default_mapping())
}

fn record() -> Map<String, Value> {
    json!({"email": "jane@example.com", "interests": ["running", "tea"], "clicks": "p-17,p-42"})
        .as_object()
        .cloned()
        .expect("object")
}

fn reason(engine: &Engine, purpose: &str, field: &str) -> Reason {
    engine.decide("c-1", purpose, field, now()).reason
}

fn policy_error(tcf: Value) -> (String, String) {
    match Policy::from_json(&policy_json(tcf)) {
        Err(Error::Policy { path, message }) => (path, message),
        other => panic!("expected a policy error, got {other:?}"),
    }
}

// --- TCF: from the banner to the backend -----------------------------------------------------------------

#[test]
fn a_tc_string_from_the_banner_changes_what_the_backend_releases() {
    let engine = engine();
    let view = engine.view(&record(), "c-1", "marketing.personalisation", now()).expect("view");
    assert!(view.record.get("interests").is_none());
    assert_eq!(view.decision("interests").map(|v| v.reason), Some(Reason::NoConsent));

    let tc = Tc::default().consents(&[1, 3, 4]).li(&[7]).encode();
    let summary = engine.record_tcf("c-1", &tc, now()).expect("recorded");
    assert_eq!(summary.granted, ["marketing", "marketing.personalisation"]);
    assert!(summary.withdrawn.is_empty() && summary.objected.is_empty() && summary.still_objected.is_empty());
    assert_eq!(summary.events, 2, "legitimate interest established needs no event");
    assert!(summary.issues.is_empty(), "{:?}", summary.issues);
    assert!(!summary.duplicate);

    let view = engine.view(&record(), "c-1", "marketing.personalisation", now()).expect("view");
    assert_eq!(view.record.get("interests"), Some(&json!(["running", "tea"])));
    assert_eq!(view.record.get("email"), Some(&json!("jane@example.com")));
    assert_eq!(view.decision("interests").map(|v| v.reason), Some(Reason::ConsentGiven));
    assert_eq!(reason(&engine, "analytics", "clicks"), Reason::LegitimateInterests);
    // Unmapped purposes are untouched.
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::NoConsent);
}

#[test]
fn a_purpose_mapped_from_several_tcf_purposes_needs_all_of_them() {
    let engine = engine();
    let tc = Tc::default().consents(&[1, 3]).li(&[7]).encode();
    let summary = engine.record_tcf("c-1", &tc, now()).expect("recorded");
    assert_eq!(summary.granted, ["marketing"]);
    assert_eq!(summary.withdrawn, ["marketing.personalisation"]);
    assert_eq!(reason(&engine, "marketing.personalisation", "interests"), Reason::ConsentWithdrawn);
    assert_eq!(reason(&engine, "marketing.email", "email"), Reason::ConsentGiven);
}

#[test]
fn a_child_purpose_keeps_its_own_consent_when_the_parents_tcf_purpose_is_refused() {
    let engine = engine();
    let tc = Tc::default().consents(&[3, 4]).li(&[7]).encode();
    let summary = engine.record_tcf("c-1", &tc, now()).expect("recorded");
    assert_eq!(summary.withdrawn, ["marketing"]);
    assert_eq!(summary.granted, ["marketing.personalisation"]);
    assert_eq!(reason(&engine, "marketing.personalisation", "interests"), Reason::ConsentGiven);
    assert_eq!(reason(&engine, "marketing.email", "email"), Reason::ConsentWithdrawn);
}

#[test]
fn history_keeps_the_tc_string_as_evidence_with_cmp_source_and_string_date() {
    let engine = engine();
    let tc = Tc { cmp_id: 300, consent_screen: 4, ..Tc::on("2025-06-10") }.consents(&[1]).encode();
    engine.record_tcf("c-1", &tc, now()).expect("recorded");
    let history = engine.consent_history("c-1").expect("history");
    assert_eq!(history.len(), 3, "marketing, marketing.personalisation, analytics");
    for e in &history {
        assert_eq!(e.evidence.as_deref(), Some(tc.as_str()));
        assert_eq!(e.source, "TCF CMP 300 v2 (consent screen 4)");
        assert_eq!(e.at, ts("2025-06-10T00:00:00Z"));
        assert!(!e.explicit);
        assert_eq!(e.expires, None);
    }
    let marketing = history.iter().find(|e| e.purpose == "marketing").expect("marketing event");
    assert_eq!((marketing.action, marketing.notice_version), (ConsentAction::Grant, 2));
    let analytics = history.iter().find(|e| e.purpose == "analytics").expect("analytics event");
    assert_eq!(analytics.action, ConsentAction::Object);
}

#[test]
fn the_same_string_twice_is_recorded_once() {
    let engine = engine();
    let tc = Tc::default().consents(&[1, 3, 4]).li(&[7]).encode();
    assert_eq!(engine.record_tcf("c-1", &tc, now()).expect("first").events, 2);
    let again = engine.record_tcf("c-1", &tc, now()).expect("second");
    assert!(again.duplicate);
    assert_eq!(again.events, 0);
    assert_eq!(
        again.granted,
        ["marketing", "marketing.personalisation"],
        "still says what the string signals"
    );
    assert_eq!(engine.consent_history("c-1").expect("history").len(), 2);
}

// --- TCF: supersession -----------------------------------------------------------------------------------

fn accept_all(day: &str) -> String {
    Tc::on(day).consents(&[1, 3, 4]).li(&[7]).encode()
}

fn refuse_personalisation(day: &str) -> String {
    Tc::on(day).consents(&[1]).li(&[7]).encode()
}

#[test]
fn a_newer_string_supersedes_an_older_one() {
    let engine = engine();
    engine.record_tcf("c-1", &accept_all("2025-06-01"), now()).expect("older");
    engine.record_tcf("c-1", &refuse_personalisation("2025-06-05"), now()).expect("newer");
    assert_eq!(reason(&engine, "marketing.personalisation", "interests"), Reason::ConsentWithdrawn);

    let engine = engine_with(default_mapping());
    engine.record_tcf("c-1", &refuse_personalisation("2025-06-01"), now()).expect("older");
    engine.record_tcf("c-1", &accept_all("2025-06-05"), now()).expect("newer");
    assert_eq!(reason(&engine, "marketing.personalisation", "interests"), Reason::ConsentGiven);
}

#[test]
fn an_older_string_arriving_late_does_not_override_a_newer_one() {
    let engine = engine();
    engine.record_tcf("c-1", &refuse_personalisation("2025-06-05"), now()).expect("newer first");
    engine.record_tcf("c-1", &accept_all("2025-06-01"), now()).expect("older late");
    assert_eq!(reason(&engine, "marketing.personalisation", "interests"), Reason::ConsentWithdrawn);

    let engine = engine_with(default_mapping());
    engine.record_tcf("c-1", &accept_all("2025-06-05"), now()).expect("newer first");
    engine.record_tcf("c-1", &refuse_personalisation("2025-06-01"), now()).expect("older late");
    assert_eq!(reason(&engine, "marketing.personalisation", "interests"), Reason::ConsentGiven);
    // The late string is still on record, dated when the customer made that choice.
    let dates: Vec<Timestamp> =
        engine.consent_history("c-1").expect("history").iter().map(|e| e.at).collect();
    assert_eq!(dates.first(), Some(&ts("2025-06-01T00:00:00Z")));
}

#[test]
fn a_string_dated_in_the_future_is_refused_beyond_the_clock_skew_allowance() {
    let engine = engine();
    let t = now();
    let far = Tc { updated: Timestamp::from_unix(t.unix() + MAX_CLOCK_SKEW_SECS + 1), ..Tc::default() };
    match engine.record_tcf("c-1", &far.consents(&[1]).encode(), t) {
        Err(Error::InvalidInput { what: "TC string", message }) => {
            assert!(message.contains("LastUpdated") && message.contains("clocks"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(engine.consent_history("c-1").expect("history").is_empty());

    // A browser clock a little ahead: accepted, dated now so that it counts at once.
    let near = Tc { updated: Timestamp::from_unix(t.unix() + 60), ..Tc::default() }.consents(&[1]);
    engine.record_tcf("c-1", &near.encode(), t).expect("within the allowance");
    assert!(engine.consent_history("c-1").expect("history").iter().all(|e| e.at == t));
    assert_eq!(reason(&engine, "marketing.email", "email"), Reason::ConsentGiven);
}

// --- TCF: vendor and publisher signals -------------------------------------------------------------------

fn vendor_mapping() -> Value {
    json!({
        "vendor_id": 755,
        "purposes": {"1": ["marketing"], "3": ["marketing.personalisation"], "4": ["marketing.personalisation"],
                     "7": ["analytics"]}
    })
}

#[test]
fn with_a_vendor_id_the_vendors_own_consent_is_needed() {
    let engine = engine_with(vendor_mapping());
    let others = Tc { vendor_consents: vec![8, 10], vendor_li: vec![8], ..Tc::default() };
    let summary =
        engine.record_tcf("c-1", &others.consents(&[1, 3, 4]).li(&[7]).encode(), now()).expect("rec");
    assert_eq!(summary.withdrawn, ["marketing", "marketing.personalisation"]);
    assert_eq!(summary.objected, ["analytics"]);
    assert_eq!(reason(&engine, "marketing", "email"), Reason::ConsentWithdrawn);
    assert_eq!(reason(&engine, "analytics", "clicks"), Reason::Objected);

    let engine = engine_with(vendor_mapping());
    let ours = Tc { vendor_consents: vec![8, 755], vendor_li: vec![755], ..Tc::default() };
    let summary = engine.record_tcf("c-1", &ours.consents(&[1, 3, 4]).li(&[7]).encode(), now()).expect("rec");
    assert_eq!(summary.granted, ["marketing", "marketing.personalisation"]);
    assert!(summary.objected.is_empty());
}

#[test]
fn publisher_restrictions_for_the_vendor_apply() {
    let engine = engine_with(vendor_mapping());
    // Purpose 4 flatly not allowed for vendor 755; purpose 7 requires consent (so no legitimate
    // interest) for vendors 755 and 900.
    let tc = Tc {
        vendor_consents: vec![755],
        vendor_li: vec![755],
        restrictions: vec![(4, 0, vec![755]), (7, 1, vec![755, 900])],
        ..Tc::default()
    };
    let summary =
        engine.record_tcf("c-1", &tc.consents(&[1, 3, 4, 7]).li(&[7]).encode(), now()).expect("rec");
    assert_eq!(summary.granted, ["marketing"]);
    assert_eq!(summary.withdrawn, ["marketing.personalisation"]);
    assert_eq!(summary.objected, ["analytics"]);
    assert_eq!(reason(&engine, "marketing.personalisation", "interests"), Reason::ConsentWithdrawn);
    assert_eq!(reason(&engine, "analytics", "clicks"), Reason::Objected);

    // The same restrictions for another vendor change nothing for the shop.
    let engine = engine_with(vendor_mapping());
    let tc = Tc {
        vendor_consents: vec![755],
        vendor_li: vec![755],
        restrictions: vec![(4, 0, vec![754]), (7, 1, vec![900])],
        ..Tc::default()
    };
    let summary = engine.record_tcf("c-1", &tc.consents(&[1, 3, 4]).li(&[7]).encode(), now()).expect("rec");
    assert_eq!(summary.granted, ["marketing", "marketing.personalisation"]);
    assert!(summary.objected.is_empty());
}

#[test]
fn since_tcf_v2_3_the_vendor_must_have_been_disclosed() {
    let later = ts("2026-04-01T12:00:00Z");
    let base =
        Tc { vendor_consents: vec![755], vendor_li: vec![755], ..Tc::on("2026-03-10") }.consents(&[1, 3, 4]);

    let engine = engine_with(vendor_mapping());
    match engine.record_tcf("c-1", &base.clone().encode(), later) {
        Err(Error::InvalidInput { message, .. }) => assert!(message.contains("Disclosed"), "{message}"),
        other => panic!("a string of March 2026 without disclosed vendors should be refused, got {other:?}"),
    }

    let shown = Tc { disclosed: Some(vec![8, 755]), ..base.clone() }.li(&[7]).encode();
    let summary = engine.record_tcf("c-1", &shown, later).expect("recorded");
    assert_eq!(summary.granted, ["marketing", "marketing.personalisation"]);

    let engine = engine_with(vendor_mapping());
    let not_shown = Tc { disclosed: Some(vec![8]), ..base }.li(&[7]).encode();
    let summary = engine.record_tcf("c-1", &not_shown, later).expect("recorded");
    assert_eq!(summary.withdrawn, ["marketing", "marketing.personalisation"]);
    assert_eq!(summary.objected, ["analytics"]);
}

#[test]
fn publisher_and_custom_purposes_come_from_the_publisher_segment() {
    let mapping = json!({
        "publisher_purposes": {"1": ["marketing"], "2": ["fraud"]},
        "custom_purposes": {"2": ["marketing.email"]}
    });
    let engine = engine_with(mapping.clone());
    let publisher =
        Publisher { consents: vec![1], li: vec![2], custom: 3, custom_consents: vec![2], custom_li: vec![] };
    let tc = Tc { publisher: Some(publisher), ..Tc::default() };
    let summary = engine.record_tcf("c-1", &tc.encode(), now()).expect("recorded");
    assert_eq!(summary.granted, ["marketing", "marketing.email"]);
    assert!(summary.objected.is_empty());
    assert_eq!(reason(&engine, "fraud", "clicks"), Reason::LegitimateInterests);

    // Without a publisher TC segment, nothing is signalled for the publisher.
    let engine = engine_with(mapping);
    let summary = engine.record_tcf("c-1", &Tc::default().consents(&[1, 2]).encode(), now()).expect("rec");
    assert_eq!(summary.withdrawn, ["marketing", "marketing.email"]);
    assert_eq!(summary.objected, ["fraud"]);
}

// --- TCF: legitimate interests ---------------------------------------------------------------------------

#[test]
fn a_missing_legitimate_interest_signal_records_an_objection() {
    let engine = engine();
    assert_eq!(reason(&engine, "analytics", "clicks"), Reason::LegitimateInterests);
    let summary =
        engine.record_tcf("c-1", &Tc::on("2025-06-01").consents(&[1]).encode(), now()).expect("rec");
    assert_eq!(summary.objected, ["analytics"]);
    let view = engine.view(&record(), "c-1", "analytics", now()).expect("view");
    assert!(view.record.get("clicks").is_none());
    assert_eq!(view.decision("clicks").map(|v| v.reason), Some(Reason::Objected));
}

#[test]
fn legitimate_interest_back_in_a_newer_string_does_not_lift_the_objection_but_says_so() {
    let engine = engine();
    engine.record_tcf("c-1", &Tc::on("2025-06-01").consents(&[1]).encode(), now()).expect("objection");
    let summary =
        engine.record_tcf("c-1", &Tc::on("2025-06-05").consents(&[1]).li(&[7]).encode(), now()).expect("rec");
    assert!(summary.objected.is_empty());
    assert_eq!(summary.still_objected, ["analytics"]);
    assert_eq!(reason(&engine, "analytics", "clicks"), Reason::Objected);

    // The customer confirms in the shop: an explicit grant lifts the objection (ledger rule 5).
    let t = ts("2025-06-20T10:00:00Z");
    engine
        .grant("c-1", "analytics", Consent::at(t).source("privacy settings page").explicit())
        .expect("grant");
    assert_eq!(reason(&engine, "analytics", "clicks"), Reason::LegitimateInterests);
}

// --- TCF: refusals ---------------------------------------------------------------------------------------

#[test]
fn a_malformed_string_names_the_field_and_bit_and_records_nothing() {
    let engine = engine();
    let full = Tc::default().consents(&[1, 3, 4]).encode();
    let cut = &full[..28]; // 168 bits: inside PurposesConsent (bits 152-175)
    match engine.record_tcf("c-1", cut, now()) {
        Err(Error::Tcf(e)) => {
            assert_eq!(e.segment, "core");
            assert_eq!(e.field, "PurposesConsent");
            assert_eq!(e.bit, 152);
            assert!(e.to_string().contains("string ends after 168 bits"), "{e}");
        }
        other => panic!("expected a decoding error, got {other:?}"),
    }
    match engine.record_tcf("c-1", &format!("{full}+"), now()) {
        Err(Error::Tcf(e)) => assert!(e.to_string().contains("'-' for '+'"), "{e}"),
        other => panic!("expected a decoding error, got {other:?}"),
    }
    assert!(engine.consent_history("c-1").expect("history").is_empty());
}

#[test]
fn a_string_invalid_under_current_tcf_policy_is_refused_and_warnings_are_reported() {
    let engine = engine();
    let global = Tc { service_specific: false, ..Tc::default() }.consents(&[1, 3, 4]).encode();
    match engine.record_tcf("c-1", &global, now()) {
        Err(Error::InvalidInput { what: "TC string", message }) => {
            assert!(message.contains("IsServiceSpecific is 0"), "{message}");
            assert!(message.contains("fresh string"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(engine.consent_history("c-1").expect("history").is_empty());

    // Purpose 12 is not defined: a warning, and the rest of the string stands.
    let summary = engine.record_tcf("c-1", &Tc::default().consents(&[1, 12]).encode(), now()).expect("rec");
    assert_eq!(summary.granted, ["marketing"]);
    assert_eq!(summary.issues.len(), 1);
    assert!(summary.issues[0].contains("1-11"), "{:?}", summary.issues);
}

#[test]
fn record_tcf_without_a_mapping_says_to_add_one() {
    let engine = engine_with(Value::Null);
    match engine.record_tcf("c-1", &Tc::default().consents(&[1]).encode(), now()) {
        Err(Error::Policy { path, message }) => {
            assert_eq!(path, "tcf");
            assert!(message.contains("add one") && message.contains("\"tcf\""), "{message}");
        }
        other => panic!("expected a policy error, got {other:?}"),
    }
}

#[test]
fn record_tcf_refuses_bad_subjects_and_erased_ones() {
    let engine = engine();
    let tc = Tc::default().consents(&[1]).encode();
    assert!(matches!(engine.record_tcf("", &tc, now()), Err(Error::InvalidInput { what: "subject id", .. })));
    engine.record_tcf("c-1", &tc, now()).expect("recorded");
    engine.forget_subject("c-1", "customer asked", now()).expect("erased");
    assert!(matches!(engine.record_tcf("c-1", &tc, now()), Err(Error::SubjectErased)));
    assert!(matches!(engine.record_gpc("c-1", now(), "Sec-GPC header"), Err(Error::SubjectErased)));
}

// --- TCF: the mapping in the policy ----------------------------------------------------------------------

#[test]
fn the_mapping_round_trips_through_json() {
    let mapping = json!({"vendor_id": 755, "purposes": {"1": ["marketing"], "7": ["analytics"]},
                         "custom_purposes": {"63": ["marketing.email"]}});
    let policy = Policy::from_json(&policy_json(mapping)).expect("policy");
    let again = Policy::from_json(&policy.to_json()).expect("round trip");
    assert_eq!(again.tcf(), policy.tcf());
    assert_eq!(again.tcf().and_then(|m| m.vendor_id), Some(755));
    assert!(Policy::from_json(&policy_json(Value::Null)).expect("policy").tcf().is_none());
}

#[test]
fn an_unknown_purpose_in_the_mapping_gets_a_suggestion() {
    let (path, message) = policy_error(json!({"purposes": {"3": ["marketing.personalization"]}}));
    assert_eq!(path, "tcf.purposes.3");
    assert!(message.contains("did you mean \"marketing.personalisation\"?"), "{message}");
    let (path, message) = policy_error(json!({"custom_purposes": {"2": ["zzzzzz"]}}));
    assert_eq!(path, "tcf.custom_purposes.2");
    assert!(message.contains("declare it under \"purposes\""), "{message}");
}

#[test]
fn mapping_ids_must_be_defined_purposes_written_plainly() {
    for (tcf, path, needle) in [
        (json!({"purposes": {"12": ["marketing"]}}), "tcf.purposes.12", "1 to 11"),
        (json!({"purposes": {"0": ["marketing"]}}), "tcf.purposes.0", "1 to 11"),
        (json!({"purposes": {"03": ["marketing"]}}), "tcf.purposes.03", "leading zeros"),
        (json!({"publisher_purposes": {"one": ["marketing"]}}), "tcf.publisher_purposes.one", "1 to 11"),
        (json!({"custom_purposes": {"64": ["marketing"]}}), "tcf.custom_purposes.64", "1 to 63"),
    ] {
        let (p, m) = policy_error(tcf);
        assert_eq!(p, path);
        assert!(m.contains(needle), "{m}");
    }
}

#[test]
fn mapping_duplicates_and_empty_entries_are_errors() {
    let twice = r#"{"purposes": {"3": ["marketing"], "3": ["marketing.email"]}}"#;
    let doc = policy_json(json!("PLACEHOLDER")).replace("\"PLACEHOLDER\"", twice);
    match Policy::from_json(&doc) {
        Err(Error::Policy { path, message }) => {
            assert_eq!(path, "tcf.purposes.3");
            assert!(message.contains("mapped twice"), "{message}");
        }
        other => panic!("expected a policy error, got {other:?}"),
    }
    let (path, message) = policy_error(json!({"purposes": {"3": ["marketing", "marketing"]}}));
    assert_eq!(path, "tcf.purposes.3");
    assert!(message.contains("listed twice"), "{message}");
    let (path, message) = policy_error(json!({"purposes": {"3": []}}));
    assert_eq!(path, "tcf.purposes.3");
    assert!(message.contains("at least one"), "{message}");
    let (path, message) = policy_error(json!({}));
    assert_eq!(path, "tcf");
    assert!(message.contains("maps no TCF signal"), "{message}");
    let (path, message) = policy_error(json!({"vendor_id": 0, "purposes": {"1": ["marketing"]}}));
    assert_eq!(path, "tcf.vendor_id");
    assert!(message.contains("start at 1"), "{message}");
}

#[test]
fn tcf_signals_cannot_map_to_contract_or_legal_processing() {
    let (path, message) = policy_error(json!({"purposes": {"1": ["marketing"], "2": ["order"]}}));
    assert_eq!(path, "tcf.purposes.2");
    assert!(message.contains("rests on contract"), "{message}");
    assert!(message.contains("map TCF purpose 2 to a consent or legitimate_interests purpose"), "{message}");
}

#[test]
fn consent_only_tcf_purposes_cannot_signal_legitimate_interests() {
    for id in ["1", "3", "4", "5", "6"] {
        let (path, message) = policy_error(json!({"purposes": {id: ["analytics"]}}));
        assert_eq!(path, format!("tcf.purposes.{id}"));
        assert!(message.contains("can only be given on consent"), "{message}");
    }
    Policy::from_json(&policy_json(json!({"purposes": {"2": ["analytics"], "7": ["analytics"]}})))
        .expect("purposes 2 and 7 may rest on legitimate interests");
}

#[test]
fn unknown_keys_in_the_mapping_are_rejected_with_their_path() {
    let (path, message) = policy_error(json!({"purpose": {"1": ["marketing"]}}));
    assert_eq!(path, "tcf.purpose");
    assert!(message.contains("unknown field `purpose`"), "{message}");
}

// --- Global Privacy Control ------------------------------------------------------------------------------

#[test]
fn gpc_objects_to_exactly_the_flagged_purposes_and_never_grants() {
    let engine = engine();
    let t = ts("2025-06-10T09:00:00Z");
    engine.grant("c-1", "marketing", Consent::at(ts("2025-06-01T00:00:00Z")).source("signup")).expect("g");
    let objected = engine.record_gpc("c-1", t, "Sec-GPC header, shop frontend").expect("gpc");
    assert_eq!(objected, ["ads", "data_broker"]);

    let history = engine.consent_history("c-1").expect("history");
    let gpc: Vec<_> = history.iter().filter(|e| e.at == t).collect();
    assert_eq!(gpc.len(), 2);
    for e in &gpc {
        assert_eq!(e.action, ConsentAction::Object);
        assert_eq!(e.evidence.as_deref(), Some(GPC_EVIDENCE));
        assert_eq!(e.source, "Sec-GPC header, shop frontend");
        assert!(is_gpc_objection(e));
    }
    assert!(history
        .iter()
        .all(|e| e.at == t || e.action == ConsentAction::Grant && e.purpose == "marketing"));
    assert_eq!(reason(&engine, "ads.retargeting", "clicks"), Reason::Objected, "covers children");
    assert_eq!(reason(&engine, "marketing", "email"), Reason::ConsentGiven, "unflagged purposes untouched");
    assert_eq!(reason(&engine, "analytics", "clicks"), Reason::LegitimateInterests);
}

#[test]
fn gpc_sent_with_every_request_is_recorded_once() {
    let engine = engine();
    assert_eq!(engine.record_gpc("c-1", ts("2025-06-10T09:00:00Z"), "Sec-GPC").expect("first").len(), 2);
    assert!(engine.record_gpc("c-1", ts("2025-06-10T09:01:00Z"), "Sec-GPC").expect("again").is_empty());
    assert_eq!(engine.consent_history("c-1").expect("history").len(), 2);
}

#[test]
fn gpc_with_nothing_flagged_records_nothing() {
    let json = r#"{"name": "Shop", "purposes": [{"key": "news", "description": "News", "basis": "consent"}],
                  "fields": []}"#;
    let engine =
        Engine::new(Policy::from_json(json).expect("policy"), KeyRing::new(1, &[9; 32]).expect("key"));
    assert!(engine.record_gpc("c-1", now(), "Sec-GPC").expect("gpc").is_empty());
    assert!(engine.consent_history("c-1").expect("history").is_empty());
}

fn gpc_at_ten(engine: &Engine) {
    engine.record_gpc("c-1", ts("2025-06-10T10:00:00Z"), "Sec-GPC header").expect("gpc");
}

#[test]
fn an_explicit_opt_in_after_gpc_wins() {
    let engine = engine();
    gpc_at_ten(&engine);
    let consent = Consent::at(ts("2025-06-10T11:00:00Z")).source("ads opt-in checkbox").explicit();
    engine.grant("c-1", "ads", consent).expect("grant");
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::ConsentGiven);
    assert_eq!(reason(&engine, "ads.retargeting", "clicks"), Reason::ConsentGiven);
    // The browser keeps sending the header; the opt-in stands.
    engine.record_gpc("c-1", ts("2025-06-10T12:00:00Z"), "Sec-GPC header").expect("gpc again");
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::ConsentGiven);
    // Only for the purpose opted in to: the sale objection stands.
    engine.grant("c-1", "data_broker", Consent::at(ts("2025-06-10T11:00:00Z")).source("banner")).expect("g");
    assert_eq!(reason(&engine, "data_broker", "clicks"), Reason::Objected);
}

#[test]
fn a_grant_before_gpc_does_not_win_even_if_explicit() {
    let engine = engine();
    let consent = Consent::at(ts("2025-06-10T09:00:00Z")).source("ads opt-in checkbox").explicit();
    engine.grant("c-1", "ads", consent).expect("grant");
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::ConsentGiven);
    gpc_at_ten(&engine);
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::Objected);
}

#[test]
fn an_accept_all_after_gpc_does_not_win() {
    let engine = engine();
    gpc_at_ten(&engine);
    engine
        .grant("c-1", "ads", Consent::at(ts("2025-06-10T11:00:00Z")).source("banner: accept all"))
        .expect("g");
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::Objected);
    // An explicit grant on a child purpose lifts the objection for that child only.
    let child = Consent::at(ts("2025-06-10T12:00:00Z")).source("retargeting opt-in").explicit();
    engine.grant("c-1", "ads.retargeting", child).expect("child grant");
    assert_eq!(reason(&engine, "ads.retargeting", "clicks"), Reason::ConsentGiven);
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::Objected);
}

#[test]
fn a_tcf_grant_after_gpc_does_not_win() {
    let engine = engine_with(json!({"purposes": {"1": ["marketing"], "3": ["ads"], "4": ["ads"]}}));
    gpc_at_ten(&engine);
    let tc = Tc::on("2025-06-20").consents(&[1, 3, 4]).encode();
    assert_eq!(engine.record_tcf("c-1", &tc, now()).expect("rec").granted, ["marketing", "ads"]);
    assert_eq!(reason(&engine, "ads", "clicks"), Reason::Objected);
}

#[test]
fn gpc_without_a_source_is_refused_even_when_already_recorded() {
    let e = Engine::new(
        Policy::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json")).unwrap(),
        KeyRing::new(1, &[3u8; 32]).unwrap(),
    );
    let now: Timestamp = "2026-05-01T00:00:00Z".parse().unwrap();
    assert!(!e.record_gpc("c-1", now, "Sec-GPC header").unwrap().is_empty());
    for bad in ["", "   "] {
        assert!(
            matches!(e.record_gpc("c-1", now, bad).unwrap_err(), zweck::Error::InvalidInput { .. }),
            "{bad:?}"
        );
    }
}
