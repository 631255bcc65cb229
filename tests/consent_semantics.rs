//! The consent rules of `zweck::consent::ledger` (rules 1–7), specified through the public `Engine`
//! API, then checked against an independent model of the rules with property tests.

use proptest::prelude::*;
use zweck::access::{Applied, Effect, Reason};
use zweck::consent::{Consent, ConsentAction, ConsentEvent};
use zweck::policy::Policy;
use zweck::{Engine, Error, KeyRing, Period, Timestamp};

const SHOP_POLICY: &str = r#"{
  "name": "Example shop",
  "purposes": [
    {"key": "orders", "description": "Deliver your orders", "basis": "contract"},
    {"key": "tax", "description": "Keep invoices as the law requires", "basis": "legal_obligation"},
    {"key": "marketing", "description": "Offers you asked for", "basis": "consent"},
    {"key": "marketing.email", "description": "Newsletter by email"},
    {"key": "marketing.email.weekly", "description": "Weekly digest by email"},
    {"key": "marketing.sms", "description": "Offers by text message"},
    {"key": "personalisation", "description": "Recommendations", "basis": "consent",
     "max_consent_age": "13 months"},
    {"key": "surveys", "description": "Customer surveys", "basis": "consent", "notice_version": 2},
    {"key": "analytics", "description": "Shop statistics", "basis": "legitimate_interests"},
    {"key": "analytics.ads", "description": "Measuring our adverts"},
    {"key": "health_offers", "description": "Offers that respect your health needs", "basis": "consent"},
    {"key": "health_offers.allergy", "description": "Allergy-aware recipes"}
  ],
  "fields": [
    {"name": "email", "category": "user.contact.email",
     "purposes": {"orders": "plain", "marketing": "plain", "personalisation": "plain",
                  "surveys": "plain", "analytics": {"pseudonymise": "analytics"}}},
    {"name": "invoice", "category": "user.financial", "purposes": {"tax": "plain"}},
    {"name": "allergies", "category": "user.health", "special": true,
     "purposes": {"health_offers": "plain"}}
  ]
}"#;

const CUSTOMER: &str = "customer-1";

fn engine() -> Engine {
    let policy = Policy::from_json(SHOP_POLICY).expect("the shop policy is valid");
    Engine::new(policy, KeyRing::new(1, &[7u8; 32]).expect("a 32-byte key is valid"))
}

/// Midnight UTC, `n` days after 2026-01-01.
fn day(n: i64) -> Timestamp {
    Timestamp::from_unix(1_767_225_600 + n * 86_400)
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamps are valid")
}

fn at(t: Timestamp) -> Consent {
    Consent::at(t).source("checkout banner v3")
}

/// The reason for `email` (or another field) of the test customer, with the effect checked to match.
fn reason(e: &Engine, purpose: &str, field: &str, now: Timestamp) -> Reason {
    let d = e.decide(CUSTOMER, purpose, field, now);
    let allowing = matches!(
        d.reason,
        Reason::ConsentGiven
            | Reason::Contract
            | Reason::LegalObligation
            | Reason::LegitimateInterests
            | Reason::VitalInterests
            | Reason::PublicTask
    );
    assert_eq!(d.is_allowed(), allowing, "effect and reason disagree: {d}");
    assert_eq!(d.treatment == Applied::Withheld, !allowing, "treatment and reason disagree: {d}");
    d.reason
}

fn allowed(e: &Engine, purpose: &str, now: Timestamp) -> bool {
    e.decide(CUSTOMER, purpose, "email", now).is_allowed()
}

// ----- rule 1: a grant on a parent covers its children -----

#[test]
fn grant_on_parent_covers_every_child_purpose() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0))).unwrap();
    for p in ["marketing", "marketing.email", "marketing.email.weekly", "marketing.sms"] {
        assert_eq!(reason(&e, p, "email", day(1)), Reason::ConsentGiven, "{p}");
    }
}

#[test]
fn grant_on_child_covers_neither_parent_nor_sibling() {
    let e = engine();
    e.grant(CUSTOMER, "marketing.email", at(day(0))).unwrap();
    assert!(allowed(&e, "marketing.email", day(1)));
    assert!(allowed(&e, "marketing.email.weekly", day(1)));
    assert_eq!(reason(&e, "marketing", "email", day(1)), Reason::NoConsent);
    assert_eq!(reason(&e, "marketing.sms", "email", day(1)), Reason::NoConsent);
}

#[test]
fn consent_for_one_subject_says_nothing_about_another() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0))).unwrap();
    assert_eq!(e.decide("customer-2", "marketing", "email", day(1)).reason, Reason::NoConsent);
}

// ----- rule 2: a later withdrawal on the purpose or an ancestor ends a grant -----

#[test]
fn withdrawn_consent_denies_marketing_email() {
    let e = engine();
    e.grant(CUSTOMER, "marketing.email", at(day(0))).unwrap();
    e.withdraw(CUSTOMER, "marketing.email", at(day(2))).unwrap();
    assert!(allowed(&e, "marketing.email", day(1)), "before the withdrawal the grant held");
    assert_eq!(reason(&e, "marketing.email", "email", day(2)), Reason::ConsentWithdrawn);
}

#[test]
fn withdrawal_on_an_ancestor_ends_a_child_grant() {
    let e = engine();
    e.grant(CUSTOMER, "marketing.email.weekly", at(day(0))).unwrap();
    e.withdraw(CUSTOMER, "marketing", at(day(2))).unwrap();
    assert_eq!(reason(&e, "marketing.email.weekly", "email", day(3)), Reason::ConsentWithdrawn);
}

#[test]
fn grant_after_a_withdrawal_on_the_same_purpose_restores_consent() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.withdraw(CUSTOMER, "marketing", at(day(1))).unwrap();
    e.grant(CUSTOMER, "marketing", at(day(2))).unwrap();
    assert!(allowed(&e, "marketing.email", day(3)));
}

#[test]
fn withdrawal_without_any_grant_reports_withdrawn() {
    let e = engine();
    e.withdraw(CUSTOMER, "marketing", at(day(0))).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(1)), Reason::ConsentWithdrawn);
}

// ----- rule 3: a withdrawal on a child beats a parent's grant, whenever given -----

#[test]
fn child_withdrawal_beats_an_earlier_parent_grant() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.withdraw(CUSTOMER, "marketing.email", at(day(1))).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(2)), Reason::ConsentWithdrawn);
    assert_eq!(reason(&e, "marketing.email.weekly", "email", day(2)), Reason::ConsentWithdrawn);
    assert!(allowed(&e, "marketing.sms", day(2)), "the sibling keeps the parent's grant");
    assert!(allowed(&e, "marketing", day(2)), "a child's withdrawal does not reach the parent");
}

#[test]
fn child_withdrawal_beats_a_later_parent_grant() {
    let e = engine();
    e.withdraw(CUSTOMER, "marketing.email", at(day(0))).unwrap();
    e.grant(CUSTOMER, "marketing", at(day(1))).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(2)), Reason::ConsentWithdrawn);
    assert!(allowed(&e, "marketing.sms", day(2)));
}

#[test]
fn later_grant_on_the_withdrawn_child_restores_it() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.withdraw(CUSTOMER, "marketing.email", at(day(1))).unwrap();
    e.grant(CUSTOMER, "marketing.email", at(day(2))).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(3)), Reason::ConsentGiven);
}

#[test]
fn a_more_specific_grant_restores_only_itself() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.withdraw(CUSTOMER, "marketing.email", at(day(1))).unwrap();
    e.grant(CUSTOMER, "marketing.email.weekly", at(day(2))).unwrap();
    assert!(allowed(&e, "marketing.email.weekly", day(3)));
    assert_eq!(reason(&e, "marketing.email", "email", day(3)), Reason::ConsentWithdrawn);
}

#[test]
fn a_restored_child_follows_later_parent_withdrawals_and_grants() {
    // The customer unsubscribes from email, re-subscribes, then rejects and later accepts all marketing.
    // The email opt-out was superseded by the re-subscription, so "accept all" covers email again.
    let e = engine();
    e.withdraw(CUSTOMER, "marketing.email", at(day(0))).unwrap();
    e.grant(CUSTOMER, "marketing.email", at(day(1))).unwrap();
    e.withdraw(CUSTOMER, "marketing", at(day(2))).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(3)), Reason::ConsentWithdrawn);
    e.grant(CUSTOMER, "marketing", at(day(4))).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(5)), Reason::ConsentGiven);
}

// ----- rule 4: expiry, maximum age and notice version -----

#[test]
fn consent_with_an_expiry_lapses_at_the_expiry() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0)).expires(day(10))).unwrap();
    assert!(allowed(&e, "marketing.email", Timestamp::from_unix(day(10).unix() - 1)));
    assert_eq!(reason(&e, "marketing.email", "email", day(10)), Reason::ConsentExpired);
}

#[test]
fn consent_older_than_the_maximum_age_no_longer_counts() {
    let e = engine();
    e.grant(CUSTOMER, "personalisation", at(ts("2026-01-15T10:00:00Z"))).unwrap();
    // 13 months after 2026-01-15 is 2027-02-15.
    assert!(allowed(&e, "personalisation", ts("2027-02-14T10:00:00Z")));
    assert!(allowed(&e, "personalisation", ts("2027-02-15T09:59:59Z")));
    assert_eq!(reason(&e, "personalisation", "email", ts("2027-02-15T10:00:00Z")), Reason::ConsentExpired);
    assert_eq!(reason(&e, "personalisation", "email", ts("2027-02-16T10:00:00Z")), Reason::ConsentExpired);
    let personalisation = e.policy().purpose_id("personalisation").unwrap();
    assert_eq!(e.policy().purpose(personalisation).max_consent_age(), Some(Period::months(13)));
}

#[test]
fn renewed_consent_restarts_the_maximum_age() {
    let e = engine();
    e.grant(CUSTOMER, "personalisation", at(ts("2026-01-15T10:00:00Z"))).unwrap();
    e.grant(CUSTOMER, "personalisation", at(ts("2027-01-01T10:00:00Z"))).unwrap();
    assert!(allowed(&e, "personalisation", ts("2027-06-01T00:00:00Z")));
}

#[test]
fn consent_for_an_outdated_notice_does_not_count_until_given_again() {
    let e = engine();
    e.grant(CUSTOMER, "surveys", at(day(0)).notice_version(1)).unwrap();
    assert_eq!(reason(&e, "surveys", "email", day(1)), Reason::NoticeOutdated);
    e.grant(CUSTOMER, "surveys", at(day(2)).notice_version(2)).unwrap();
    assert_eq!(reason(&e, "surveys", "email", day(3)), Reason::ConsentGiven);
}

#[test]
fn consent_for_a_newer_notice_counts() {
    let e = engine();
    e.grant(CUSTOMER, "surveys", at(day(0)).notice_version(3)).unwrap();
    assert!(allowed(&e, "surveys", day(1)));
}

#[test]
fn grant_without_a_notice_version_is_for_the_purpose_current_notice() {
    let e = engine();
    e.grant(CUSTOMER, "surveys", at(day(0))).unwrap();
    assert!(allowed(&e, "surveys", day(1)));
    assert_eq!(e.consent_history(CUSTOMER).unwrap()[0].notice_version, 2);
}

// ----- rules 5 and 6: objections and legitimate interests -----

#[test]
fn legitimate_interests_hold_until_the_customer_objects() {
    let e = engine();
    assert_eq!(reason(&e, "analytics", "email", day(0)), Reason::LegitimateInterests);
    e.object(CUSTOMER, "analytics", at(day(1))).unwrap();
    assert_eq!(reason(&e, "analytics", "email", day(0)), Reason::LegitimateInterests);
    assert_eq!(reason(&e, "analytics", "email", day(1)), Reason::Objected);
    assert_eq!(reason(&e, "analytics.ads", "email", day(1)), Reason::Objected, "children inherit it");
}

#[test]
fn objection_to_a_child_leaves_the_legitimate_interest_of_the_parent() {
    let e = engine();
    e.object(CUSTOMER, "analytics.ads", at(day(1))).unwrap();
    assert_eq!(reason(&e, "analytics", "email", day(2)), Reason::LegitimateInterests);
    assert_eq!(reason(&e, "analytics.ads", "email", day(2)), Reason::Objected);
}

#[test]
fn withdrawal_counts_as_objection_for_legitimate_interests() {
    let e = engine();
    e.withdraw(CUSTOMER, "analytics", at(day(1))).unwrap();
    assert_eq!(reason(&e, "analytics", "email", day(2)), Reason::Objected);
}

#[test]
fn explicit_later_grant_lifts_an_objection_to_legitimate_interests() {
    let e = engine();
    e.object(CUSTOMER, "analytics", at(day(1))).unwrap();
    e.grant(CUSTOMER, "analytics", at(day(2))).unwrap();
    assert_eq!(reason(&e, "analytics", "email", day(3)), Reason::Objected, "a plain grant does not lift");
    e.grant(CUSTOMER, "analytics", at(day(4)).explicit()).unwrap();
    assert_eq!(reason(&e, "analytics", "email", day(5)), Reason::LegitimateInterests);
}

#[test]
fn explicit_grant_on_an_ancestor_does_not_lift_an_objection_to_a_child() {
    let e = engine();
    e.object(CUSTOMER, "analytics.ads", at(day(1))).unwrap();
    e.grant(CUSTOMER, "analytics", at(day(2)).explicit()).unwrap();
    assert_eq!(reason(&e, "analytics.ads", "email", day(3)), Reason::Objected);
    e.grant(CUSTOMER, "analytics.ads", at(day(4)).explicit()).unwrap();
    assert_eq!(reason(&e, "analytics.ads", "email", day(5)), Reason::LegitimateInterests);
}

#[test]
fn expired_explicit_grant_no_longer_lifts_an_objection() {
    let e = engine();
    e.object(CUSTOMER, "analytics", at(day(1))).unwrap();
    e.grant(CUSTOMER, "analytics", at(day(2)).explicit().expires(day(5))).unwrap();
    assert_eq!(reason(&e, "analytics", "email", day(4)), Reason::LegitimateInterests);
    assert_eq!(reason(&e, "analytics", "email", day(5)), Reason::Objected);
}

#[test]
fn outdated_explicit_grant_does_not_lift_an_objection_to_legitimate_interests() {
    let policy = Policy::from_json(
        r#"{"name": "Shop", "purposes": [{"key": "profiling", "description": "Profiles",
            "basis": "legitimate_interests", "notice_version": 2, "max_consent_age": "30 days"}],
            "fields": [{"name": "email", "category": "user.contact", "purposes": {"profiling": "plain"}}]}"#,
    )
    .unwrap();
    let e = Engine::new(policy, KeyRing::new(1, &[7u8; 32]).unwrap());
    e.object(CUSTOMER, "profiling", at(day(0))).unwrap();
    e.grant(CUSTOMER, "profiling", at(day(1)).explicit().notice_version(1)).unwrap();
    assert_eq!(reason(&e, "profiling", "email", day(2)), Reason::Objected, "rule 4: outdated notice");
    e.grant(CUSTOMER, "profiling", at(day(3)).explicit().notice_version(2)).unwrap();
    assert_eq!(reason(&e, "profiling", "email", day(4)), Reason::LegitimateInterests);
    assert_eq!(reason(&e, "profiling", "email", day(33)), Reason::Objected, "rule 4: older than 30 days");
}

#[test]
fn objection_blocks_grants_made_before_it() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(0)).explicit()).unwrap();
    e.object(CUSTOMER, "marketing", at(day(1))).unwrap();
    assert!(allowed(&e, "marketing.email", day(0)));
    assert_eq!(reason(&e, "marketing.email", "email", day(1)), Reason::Objected);
}

#[test]
fn non_explicit_later_grant_does_not_lift_an_objection() {
    let e = engine();
    e.object(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.grant(CUSTOMER, "marketing", at(day(1))).unwrap();
    assert_eq!(reason(&e, "marketing", "email", day(2)), Reason::Objected);
    assert_eq!(reason(&e, "marketing.email", "email", day(2)), Reason::Objected);
}

#[test]
fn explicit_later_grant_on_the_objected_purpose_lifts_the_objection() {
    let e = engine();
    e.object(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.grant(CUSTOMER, "marketing", at(day(1)).explicit()).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(2)), Reason::ConsentGiven);
}

#[test]
fn explicit_later_grant_on_a_more_specific_purpose_lifts_the_objection_for_it_only() {
    let e = engine();
    e.object(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.grant(CUSTOMER, "marketing.email", at(day(1)).explicit()).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(2)), Reason::ConsentGiven);
    assert_eq!(reason(&e, "marketing.sms", "email", day(2)), Reason::Objected);
    assert_eq!(reason(&e, "marketing", "email", day(2)), Reason::Objected);
}

#[test]
fn an_objection_once_lifted_for_a_purpose_stays_lifted_while_the_lifting_grant_is_valid() {
    // Objection to all marketing, explicit yes to email, then "reject all" and a generic "accept all":
    // the objection no longer concerns email, so "accept all" covers it; other children stay objected.
    let e = engine();
    e.object(CUSTOMER, "marketing", at(day(0))).unwrap();
    e.grant(CUSTOMER, "marketing.email", at(day(1)).explicit().expires(day(10))).unwrap();
    e.withdraw(CUSTOMER, "marketing", at(day(2))).unwrap();
    e.grant(CUSTOMER, "marketing", at(day(3))).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(4)), Reason::ConsentGiven);
    assert_eq!(reason(&e, "marketing.sms", "email", day(4)), Reason::Objected);
    assert_eq!(reason(&e, "marketing.email", "email", day(10)), Reason::Objected, "the lift lapsed");
}

#[test]
fn explicit_grant_on_an_ancestor_does_not_lift_an_objection_on_a_child() {
    let e = engine();
    e.object(CUSTOMER, "marketing.email", at(day(0))).unwrap();
    e.grant(CUSTOMER, "marketing", at(day(1)).explicit()).unwrap();
    assert_eq!(reason(&e, "marketing.email", "email", day(2)), Reason::Objected);
    assert!(allowed(&e, "marketing.sms", day(2)));
}

// ----- bases that need no consent -----

#[test]
fn contract_and_legal_obligation_need_no_consent() {
    let e = engine();
    assert_eq!(reason(&e, "orders", "email", day(0)), Reason::Contract);
    assert_eq!(reason(&e, "tax", "invoice", day(0)), Reason::LegalObligation);
    // The ledger is not asked for these bases: nothing recorded against them changes the answer.
    e.withdraw(CUSTOMER, "orders", at(day(1))).unwrap();
    e.object(CUSTOMER, "tax", at(day(1))).unwrap();
    assert_eq!(reason(&e, "orders", "email", day(2)), Reason::Contract);
    assert_eq!(reason(&e, "tax", "invoice", day(2)), Reason::LegalObligation);
}

// ----- rule 7: special-category data -----

#[test]
fn special_category_field_needs_explicit_consent_on_the_purpose_itself() {
    let e = engine();
    e.grant(CUSTOMER, "health_offers.allergy", at(day(0))).unwrap();
    assert_eq!(
        reason(&e, "health_offers.allergy", "allergies", day(1)),
        Reason::ExplicitConsentMissing,
        "a non-explicit grant on the purpose is not enough"
    );
    e.grant(CUSTOMER, "health_offers", at(day(2)).explicit()).unwrap();
    assert_eq!(
        reason(&e, "health_offers.allergy", "allergies", day(3)),
        Reason::ExplicitConsentMissing,
        "an explicit grant on the parent is not enough"
    );
    assert_eq!(reason(&e, "health_offers", "allergies", day(3)), Reason::ConsentGiven);
    e.grant(CUSTOMER, "health_offers.allergy", at(day(4)).explicit()).unwrap();
    assert_eq!(reason(&e, "health_offers.allergy", "allergies", day(5)), Reason::ConsentGiven);
}

#[test]
fn explicit_consent_for_special_data_is_ended_by_a_withdrawal_on_the_parent() {
    let e = engine();
    e.grant(CUSTOMER, "health_offers.allergy", at(day(0)).explicit()).unwrap();
    e.withdraw(CUSTOMER, "health_offers", at(day(1))).unwrap();
    assert_eq!(reason(&e, "health_offers.allergy", "allergies", day(2)), Reason::ConsentWithdrawn);
}

// ----- time -----

#[test]
fn events_in_the_future_do_not_count_yet() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(5))).unwrap();
    assert_eq!(reason(&e, "marketing", "email", day(4)), Reason::NoConsent);
    assert_eq!(reason(&e, "marketing", "email", day(5)), Reason::ConsentGiven, "an event counts at its time");
    e.withdraw(CUSTOMER, "marketing", at(day(8))).unwrap();
    assert_eq!(reason(&e, "marketing", "email", day(7)), Reason::ConsentGiven);
    assert_eq!(reason(&e, "marketing", "email", day(8)), Reason::ConsentWithdrawn);
}

#[test]
fn an_older_event_recorded_later_gives_the_same_answers_as_in_order() {
    let in_order = engine();
    let out_of_order = engine();
    let events: [(ConsentAction, &str, i64); 4] = [
        (ConsentAction::Grant, "marketing", 0),
        (ConsentAction::Withdraw, "marketing.email", 2),
        (ConsentAction::Grant, "marketing.email", 4),
        (ConsentAction::Object, "marketing.sms", 6),
    ];
    let apply = |e: &Engine, (action, purpose, d): (ConsentAction, &str, i64)| match action {
        ConsentAction::Grant => e.grant(CUSTOMER, purpose, at(day(d))),
        ConsentAction::Withdraw => e.withdraw(CUSTOMER, purpose, at(day(d))),
        ConsentAction::Object => e.object(CUSTOMER, purpose, at(day(d))),
    };
    for ev in events {
        apply(&in_order, ev).unwrap();
    }
    for i in [3, 1, 0, 2] {
        apply(&out_of_order, events[i]).unwrap();
    }
    for p in ["marketing", "marketing.email", "marketing.email.weekly", "marketing.sms"] {
        for d in 0..8 {
            assert_eq!(
                in_order.decide(CUSTOMER, p, "email", day(d)),
                out_of_order.decide(CUSTOMER, p, "email", day(d)),
                "{p} on day {d}"
            );
        }
    }
    assert_eq!(in_order.consent_history(CUSTOMER).unwrap(), out_of_order.consent_history(CUSTOMER).unwrap());
}

// ----- reasons -----

/// A subject, how its history is set up, the purpose and field asked about, and the reason expected.
type Case = (&'static str, fn(&Engine, &str), &'static str, &'static str, Reason);

#[test]
fn each_kind_of_denial_names_its_own_reason() {
    let e = engine();
    let cases: [Case; 6] = [
        ("nobody", |_, _| {}, "marketing", "email", Reason::NoConsent),
        (
            "withdrew",
            |e, s| {
                e.grant(s, "marketing", at(day(0))).unwrap();
                e.withdraw(s, "marketing", at(day(1))).unwrap();
            },
            "marketing",
            "email",
            Reason::ConsentWithdrawn,
        ),
        (
            "lapsed",
            |e, s| e.grant(s, "marketing", at(day(0)).expires(day(1))).unwrap(),
            "marketing",
            "email",
            Reason::ConsentExpired,
        ),
        (
            "old-notice",
            |e, s| e.grant(s, "surveys", at(day(0)).notice_version(1)).unwrap(),
            "surveys",
            "email",
            Reason::NoticeOutdated,
        ),
        (
            "objector",
            |e, s| {
                e.grant(s, "marketing", at(day(0))).unwrap();
                e.object(s, "marketing", at(day(1))).unwrap();
            },
            "marketing",
            "email",
            Reason::Objected,
        ),
        (
            "implicit",
            |e, s| e.grant(s, "health_offers", at(day(0))).unwrap(),
            "health_offers",
            "allergies",
            Reason::ExplicitConsentMissing,
        ),
    ];
    for (subject, setup, purpose, field, want) in cases {
        setup(&e, subject);
        let d = e.decide(subject, purpose, field, day(2));
        assert_eq!((d.effect, d.treatment, d.reason), (Effect::Deny, Applied::Withheld, want), "{subject}");
        assert_eq!((d.subject, d.purpose, d.field, d.at), (subject, purpose, field, day(2)));
    }
}

// ----- input checks -----

#[test]
fn grant_for_an_unknown_purpose_suggests_the_near_miss() {
    let e = engine();
    let err = e.grant(CUSTOMER, "marketing.emial", at(day(0))).unwrap_err();
    match &err {
        Error::UnknownPurpose { purpose, hint } => {
            assert_eq!(purpose, "marketing.emial");
            assert_eq!(hint, "; did you mean \"marketing.email\"?");
        }
        other => panic!("expected UnknownPurpose, got {other:?}"),
    }
    assert_eq!(err.to_string(), "unknown purpose \"marketing.emial\"; did you mean \"marketing.email\"?");
    assert!(e.consent_history(CUSTOMER).unwrap().is_empty(), "nothing was recorded");
}

#[test]
fn withdraw_and_object_for_an_unknown_purpose_list_the_declared_ones() {
    let e = engine();
    for err in [
        e.withdraw(CUSTOMER, "shoe_size", at(day(0))).unwrap_err(),
        e.object(CUSTOMER, "shoe_size", at(day(0))).unwrap_err(),
    ] {
        match err {
            Error::UnknownPurpose { purpose, hint } => {
                assert_eq!(purpose, "shoe_size");
                assert!(hint.starts_with("; declared: "), "{hint}");
                assert!(hint.contains("marketing.email"), "{hint}");
            }
            other => panic!("expected UnknownPurpose, got {other:?}"),
        }
    }
}

fn assert_invalid_input(r: zweck::Result<()>, want_what: &str) {
    match r {
        Err(Error::InvalidInput { what, message }) => {
            assert_eq!(what, want_what, "{message}");
            assert!(!message.is_empty());
        }
        other => panic!("expected InvalidInput({want_what}), got {other:?}"),
    }
}

#[test]
fn malformed_subject_ids_are_rejected() {
    let e = engine();
    let too_long = "s".repeat(257);
    for bad in ["", too_long.as_str(), "customer\n1", "customer\u{0}1", "\u{7f}"] {
        assert_invalid_input(e.grant(bad, "marketing", at(day(0))), "subject id");
        assert_invalid_input(e.withdraw(bad, "marketing", at(day(0))), "subject id");
        assert_invalid_input(e.object(bad, "marketing", at(day(0))), "subject id");
        assert!(matches!(e.consent_history(bad), Err(Error::InvalidInput { what: "subject id", .. })));
        assert!(!e.decide(bad, "marketing", "email", day(1)).is_allowed());
        assert!(!e.decide(bad, "orders", "email", day(1)).is_allowed(), "not even on a contract basis");
    }
    let longest = "s".repeat(256);
    e.grant(&longest, "marketing", at(day(0))).unwrap();
    assert!(e.decide(&longest, "marketing", "email", day(1)).is_allowed());
}

#[test]
fn consent_without_a_source_is_rejected() {
    let e = engine();
    assert_invalid_input(e.grant(CUSTOMER, "marketing", Consent::at(day(0))), "consent source");
    assert_invalid_input(e.grant(CUSTOMER, "marketing", Consent::at(day(0)).source("  ")), "consent source");
    assert_invalid_input(
        e.grant(CUSTOMER, "marketing", Consent::at(day(0)).source("x".repeat(1025))),
        "consent source",
    );
    assert!(e.consent_history(CUSTOMER).unwrap().is_empty());
}

#[test]
fn expiry_must_be_after_the_event() {
    let e = engine();
    assert_invalid_input(e.grant(CUSTOMER, "marketing", at(day(1)).expires(day(1))), "consent expiry");
    assert_invalid_input(e.grant(CUSTOMER, "marketing", at(day(1)).expires(day(0))), "consent expiry");
    e.grant(CUSTOMER, "marketing", at(day(1)).expires(Timestamp::from_unix(day(1).unix() + 1))).unwrap();
}

#[test]
fn notice_version_zero_is_rejected() {
    let e = engine();
    assert_invalid_input(e.grant(CUSTOMER, "marketing", at(day(0)).notice_version(0)), "notice version");
}

#[test]
fn recorded_events_are_checked_like_granted_ones() {
    let e = engine();
    let event = ConsentEvent {
        subject: CUSTOMER.into(),
        purpose: "marketing".into(),
        action: ConsentAction::Grant,
        at: day(0),
        notice_version: 1,
        source: "import from old shop".into(),
        expires: None,
        explicit: false,
        evidence: Some("row 17".into()),
    };
    assert!(matches!(
        e.record(ConsentEvent { purpose: "marketting".into(), ..event.clone() }),
        Err(Error::UnknownPurpose { .. })
    ));
    assert_invalid_input(e.record(ConsentEvent { subject: String::new(), ..event.clone() }), "subject id");
    assert_invalid_input(
        e.record(ConsentEvent { evidence: Some("x".repeat(64 * 1024 + 1)), ..event.clone() }),
        "consent evidence",
    );
    e.record(event.clone()).unwrap();
    assert_eq!(e.consent_history(CUSTOMER).unwrap(), vec![event]);
    assert!(allowed(&e, "marketing.email", day(1)));
}

// ----- history -----

#[test]
fn history_is_complete_and_in_time_order() {
    let e = engine();
    e.grant(CUSTOMER, "marketing", at(day(3)).evidence("TC string")).unwrap();
    e.object(CUSTOMER, "analytics", at(day(1))).unwrap();
    e.withdraw(CUSTOMER, "marketing.email", at(day(2))).unwrap();
    e.grant(CUSTOMER, "surveys", at(day(1)).notice_version(2).explicit().expires(day(9))).unwrap();
    e.grant("customer-2", "marketing", at(day(0))).unwrap();
    let h = e.consent_history(CUSTOMER).unwrap();
    let summary: Vec<(&str, ConsentAction, Timestamp)> =
        h.iter().map(|ev| (ev.purpose.as_str(), ev.action, ev.at)).collect();
    assert_eq!(
        summary,
        vec![
            // Same time: the order of recording.
            ("analytics", ConsentAction::Object, day(1)),
            ("surveys", ConsentAction::Grant, day(1)),
            ("marketing.email", ConsentAction::Withdraw, day(2)),
            ("marketing", ConsentAction::Grant, day(3)),
        ]
    );
    assert!(h.iter().all(|ev| ev.subject == CUSTOMER && ev.source == "checkout banner v3"));
    assert_eq!(h[1].expires, Some(day(9)));
    assert!(h[1].explicit);
    assert_eq!(h[3].evidence.as_deref(), Some("TC string"));
    assert_eq!(h[3].notice_version, 1, "the purpose's current notice version is recorded");
    assert!(e.consent_history("nobody").unwrap().is_empty());
}

// ===== property tests against an independent model of the rules =====

/// The purpose tree of the model: a consent branch and a legitimate-interests branch.
const MODEL_POLICY: &str = r#"{
  "name": "Model shop",
  "purposes": [
    {"key": "m", "description": "Marketing", "basis": "consent", "notice_version": 2},
    {"key": "m.e", "description": "Email"},
    {"key": "m.e.x", "description": "Email extras", "max_consent_age": "10 days"},
    {"key": "m.s", "description": "Sensitive offers"},
    {"key": "a", "description": "Analytics", "basis": "legitimate_interests"},
    {"key": "a.b", "description": "Ad measurement"}
  ],
  "fields": [
    {"name": "plain_m", "category": "user.contact", "purposes": {"m": "plain"}},
    {"name": "special_m", "category": "user.health", "special": true, "purposes": {"m": "plain"}},
    {"name": "on_children", "category": "user.contact",
     "purposes": {"m.e": "plain", "m.e.x": {"mask": "email"}, "m.s": {"pseudonymise": "s"}}},
    {"name": "plain_a", "category": "user.behavior", "purposes": {"a": {"pseudonymise": "a"}}}
  ]
}"#;

const MODEL_PURPOSES: [&str; 6] = ["m", "m.e", "m.e.x", "m.s", "a", "a.b"];

fn model_engine() -> Engine {
    Engine::new(Policy::from_json(MODEL_POLICY).unwrap(), KeyRing::new(1, &[9u8; 32]).unwrap())
}

/// One event of a generated history (days as integers).
#[derive(Clone, Debug)]
struct Ev {
    purpose: &'static str,
    action: ConsentAction,
    day: i64,
    notice: u32,
    expires_after: Option<i64>,
    explicit: bool,
}

impl Ev {
    fn consent(&self) -> Consent {
        let mut c = Consent::at(day(self.day)).source("generated").notice_version(self.notice);
        if let Some(n) = self.expires_after {
            c = c.expires(day(self.day + n));
        }
        if self.explicit {
            c = c.explicit();
        }
        c
    }

    fn record_in(&self, e: &Engine, subject: &str) {
        let r = match self.action {
            ConsentAction::Grant => e.grant(subject, self.purpose, self.consent()),
            ConsentAction::Withdraw => e.withdraw(subject, self.purpose, self.consent()),
            ConsentAction::Object => e.object(subject, self.purpose, self.consent()),
        };
        r.expect("generated events are well formed");
    }
}

/// What a purpose asks of consent in the model: written out by hand from the policy above.
struct ModelTerms {
    /// The purpose, then its ancestors.
    chain: Vec<&'static str>,
    legitimate_interests: bool,
    notice: u32,
    max_age_days: Option<i64>,
    explicit_required: bool,
}

fn model_terms(purpose: &str, special: bool) -> ModelTerms {
    let chain: Vec<&'static str> = match purpose {
        "m" => vec!["m"],
        "m.e" => vec!["m.e", "m"],
        "m.e.x" => vec!["m.e.x", "m.e", "m"],
        "m.s" => vec!["m.s", "m"],
        "a" => vec!["a"],
        "a.b" => vec!["a.b", "a"],
        other => panic!("not in the model: {other}"),
    };
    let legitimate_interests = chain.last() == Some(&"a");
    ModelTerms {
        legitimate_interests,
        notice: if legitimate_interests { 1 } else { 2 },
        max_age_days: (purpose == "m.e.x").then_some(10),
        explicit_required: special,
        chain,
    }
}

/// The rules of `zweck::consent::ledger`, applied literally to raw events in recording order.
///
/// * Only events on the chain at or before `now` count; "later" means a later day, or the same day
///   and recorded later.
/// * Rule 4: a grant is *valid* while `now` is before its expiry, younger than the maximum age, and
///   for at least the required notice version. Only valid grants lift anything.
/// * Rules 5/6: an objection (for legitimate interests also a withdrawal) is *lifted* by a later valid
///   explicit grant on its purpose or a more specific one on the chain.
/// * Rule 3: a withdrawal is *lifted* (the child restored) by a later valid grant on its purpose or a
///   more specific one on the chain.
/// * A consent grant holds if it is valid; no withdrawal on its purpose or an ancestor comes after it
///   (rule 2); every withdrawal on a more specific purpose is lifted (rule 3); no objection comes
///   after it and every earlier one is lifted (rule 5); and, for special-category data, it is
///   explicit and on the purpose itself (rule 7). Consent holds if any grant holds (rule 1).
fn model_allows(events: &[Ev], t: &ModelTerms, now: i64) -> bool {
    let level = |p: &str| t.chain.iter().position(|c| *c == p);
    // (order key, level, event), sorted so that index order is time order.
    let mut rel: Vec<((i64, usize), usize, &Ev)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.day <= now)
        .filter_map(|(i, e)| level(e.purpose).map(|l| ((e.day, i), l, e)))
        .collect();
    rel.sort_by_key(|r| r.0);

    let valid = |e: &Ev| {
        e.expires_after.is_none_or(|n| now < e.day + n)
            && t.max_age_days.is_none_or(|a| now < e.day + a)
            && e.notice >= t.notice
    };
    let lifted = |pos: usize, need_explicit: bool| {
        let (_, lvl, _) = rel[pos];
        rel[pos + 1..].iter().any(|&(_, gl, g)| {
            g.action == ConsentAction::Grant && gl <= lvl && (g.explicit || !need_explicit) && valid(g)
        })
    };

    if t.legitimate_interests {
        return rel
            .iter()
            .enumerate()
            .filter(|(_, r)| r.2.action != ConsentAction::Grant)
            .all(|(pos, _)| lifted(pos, true));
    }

    rel.iter().enumerate().any(|(gpos, &(_, glvl, g))| {
        if g.action != ConsentAction::Grant || !valid(g) {
            return false;
        }
        if t.explicit_required && !(g.explicit && glvl == 0) {
            return false;
        }
        rel.iter().enumerate().all(|(pos, &(_, lvl, e))| match e.action {
            ConsentAction::Grant => true,
            ConsentAction::Withdraw if lvl >= glvl => pos < gpos,
            ConsentAction::Withdraw => lifted(pos, false),
            ConsentAction::Object => pos < gpos && lifted(pos, true),
        })
    })
}

fn arb_event() -> impl Strategy<Value = Ev> {
    (
        prop::sample::select(MODEL_PURPOSES.to_vec()),
        prop::sample::select(vec![
            ConsentAction::Grant,
            ConsentAction::Grant,
            ConsentAction::Withdraw,
            ConsentAction::Object,
        ]),
        0i64..12,
        1u32..=3,
        prop::option::weighted(0.3, 1i64..15),
        any::<bool>(),
    )
        .prop_map(|(purpose, action, day, notice, expires_after, explicit)| Ev {
            purpose,
            action,
            day,
            notice,
            expires_after,
            explicit,
        })
}

/// Fields whose decisions depend only on the purpose's basis, with the model terms they imply.
fn model_fields(purpose: &str) -> Vec<(&'static str, bool)> {
    match purpose {
        "a" | "a.b" => vec![("plain_a", false)],
        "m" => vec![("plain_m", false), ("special_m", true)],
        _ => vec![("plain_m", false), ("special_m", true), ("on_children", false)],
    }
}

const QUERY_DAYS: [i64; 7] = [0, 2, 5, 8, 11, 14, 30];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_literal_model_of_the_rules(events in prop::collection::vec(arb_event(), 0..12)) {
        let e = model_engine();
        for ev in &events {
            ev.record_in(&e, "s");
        }
        for purpose in MODEL_PURPOSES {
            for (field, special) in model_fields(purpose) {
                let terms = model_terms(purpose, special);
                for now in QUERY_DAYS {
                    let d = e.decide("s", purpose, field, day(now));
                    prop_assert_eq!(
                        d.is_allowed(),
                        model_allows(&events, &terms, now),
                        "{} {} on day {}: engine says {:?}", purpose, field, now, d.reason
                    );
                }
            }
        }
    }

    #[test]
    fn recording_order_does_not_change_any_answer(
        events in prop::collection::vec(arb_event(), 0..12),
        seed in any::<u64>(),
    ) {
        // Distinct times: with equal times the order of recording decides, by design.
        let events: Vec<Ev> = events.into_iter().enumerate().map(|(i, mut ev)| {
            ev.day = ev.day * 16 + i as i64;
            ev
        }).collect();
        let mut shuffled = events.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let (a, b) = (model_engine(), model_engine());
        for ev in &events {
            ev.record_in(&a, "s");
        }
        for ev in &shuffled {
            ev.record_in(&b, "s");
        }
        prop_assert_eq!(a.consent_history("s").unwrap(), b.consent_history("s").unwrap());
        for purpose in MODEL_PURPOSES {
            for (field, _) in model_fields(purpose) {
                for now in (0..12 * 16 + 200).step_by(23) {
                    prop_assert_eq!(
                        a.decide("s", purpose, field, day(now)),
                        b.decide("s", purpose, field, day(now))
                    );
                }
            }
        }
    }

    #[test]
    fn grant_on_the_parent_equals_grants_on_every_child(
        history in prop::collection::vec(arb_event(), 0..8),
        grant in arb_event(),
    ) {
        // Other events on the parent only, so that nothing distinguishes the children.
        let history: Vec<Ev> = history.into_iter().map(|mut ev| { ev.purpose = "m"; ev }).collect();
        let grant = Ev { purpose: "m", action: ConsentAction::Grant, ..grant };
        let (parent, children) = (model_engine(), model_engine());
        for ev in &history {
            ev.record_in(&parent, "s");
            ev.record_in(&children, "s");
        }
        grant.record_in(&parent, "s");
        for child in ["m.e", "m.e.x", "m.s"] {
            Ev { purpose: child, ..grant.clone() }.record_in(&children, "s");
        }
        for child in ["m.e", "m.e.x", "m.s"] {
            for now in QUERY_DAYS {
                let p = parent.decide("s", child, "on_children", day(now));
                let c = children.decide("s", child, "on_children", day(now));
                prop_assert_eq!(p.effect, c.effect, "{} on day {}: {:?} vs {:?}", child, now, p.reason, c.reason);
            }
        }
    }
}
