//! The built-in fideslang vocabulary: contents, matching rule, typo hints and strictness.

use std::collections::HashSet;

use proptest::prelude::*;
use zweck::policy::vocab::{
    check_key, is_valid_key, Resolution, Strictness, Taxonomy, Vocabulary, FIDESLANG_COMMIT, MAX_KEY_LEN,
};

fn vocab() -> &'static Vocabulary {
    Vocabulary::fideslang()
}

fn resolve_key(taxonomy: Taxonomy, key: &str) -> Option<&'static str> {
    vocab().resolve(taxonomy, key).term().map(|t| t.key)
}

// Counts from ethyca/fideslang tests/fideslang/test_default_taxonomy.py (commit cd3bcf10), which
// expects 123 data categories (101 not deprecated) and 56 data uses for taxonomy version 3.2.0.
#[test]
fn ships_56_data_uses_and_123_data_categories_like_fideslang_3_2_0() {
    assert_eq!(vocab().terms(Taxonomy::DataUse).count(), 56);
    assert_eq!(vocab().terms(Taxonomy::DataCategory).count(), 123);
    let active = |t| vocab().terms(t).filter(|t| !t.is_deprecated()).count();
    assert_eq!(active(Taxonomy::DataUse), 55);
    assert_eq!(active(Taxonomy::DataCategory), 101);
    assert_eq!(FIDESLANG_COMMIT.len(), 40);
}

#[test]
fn every_taxonomy_is_a_tree_of_unique_well_formed_keys() {
    for taxonomy in Taxonomy::ALL {
        let keys: HashSet<&str> = vocab().terms(taxonomy).map(|t| t.key).collect();
        assert_eq!(keys.len(), vocab().terms(taxonomy).count(), "{taxonomy}: duplicate keys");
        for term in vocab().terms(taxonomy) {
            assert!(is_valid_key(term.key), "{taxonomy} {}: invalid key", term.key);
            assert!(!term.name.is_empty() && !term.description.is_empty(), "{taxonomy} {}", term.key);
            if let Some(parent) = term.parent_key() {
                assert!(keys.contains(parent), "{taxonomy} {}: parent {parent} is missing", term.key);
            }
        }
    }
}

#[test]
fn every_deprecated_term_points_to_a_current_one() {
    for taxonomy in Taxonomy::ALL {
        for term in vocab().terms(taxonomy) {
            if let Some(new) = term.replaced_by {
                let replacement = vocab().term(taxonomy, new);
                assert!(replacement.is_some_and(|r| !r.is_deprecated()), "{taxonomy} {} → {new}", term.key);
            }
        }
    }
}

#[test]
fn the_terms_a_shop_policy_needs_exist_with_their_published_names() {
    let name = |t, k| vocab().term(t, k).map(|t| t.name);
    assert_eq!(name(Taxonomy::DataUse, "marketing.advertising"), Some("Advertising, Marketing or Promotion"));
    assert_eq!(
        name(Taxonomy::DataUse, "marketing.communications.email"),
        Some("Marketing Email Communications")
    );
    assert_eq!(
        name(Taxonomy::DataUse, "personalize.content.profiling"),
        Some("Profiling for Personalization")
    );
    assert_eq!(name(Taxonomy::DataCategory, "user.contact.email"), Some("User Contact Email"));
    assert_eq!(name(Taxonomy::DataCategory, "user.behavior.purchase_history"), Some("Purchase History"));
    assert_eq!(
        vocab().term(Taxonomy::DataCategory, "user.contact.email").map(|t| t.description),
        Some("User's contact email address.")
    );
}

#[test]
fn taxonomies_are_separate() {
    assert!(vocab().term(Taxonomy::DataCategory, "marketing.advertising").is_none());
    assert!(vocab().term(Taxonomy::DataUse, "user.contact.email").is_none());
}

#[test]
fn a_taxonomy_key_resolves_exactly() {
    let r = vocab().resolve(Taxonomy::DataCategory, "user.contact.email");
    assert!(matches!(r, Resolution::Exact(t) if t.key == "user.contact.email"));
    assert!(matches!(vocab().resolve(Taxonomy::DataUse, "train_ai_system"), Resolution::Exact(_)));
}

#[test]
fn a_custom_refinement_resolves_to_its_nearest_declared_ancestor() {
    let r = vocab().resolve(Taxonomy::DataCategory, "user.contact.email.work");
    assert!(matches!(r, Resolution::Extends(t) if t.key == "user.contact.email"));
    assert_eq!(
        resolve_key(Taxonomy::DataUse, "marketing.advertising.first_party.targeted.retargeting.web"),
        Some("marketing.advertising.first_party.targeted")
    );
    assert_eq!(resolve_key(Taxonomy::DataUse, "marketing.loyalty_programme"), Some("marketing"));
    assert_eq!(check_key(Taxonomy::DataCategory, "user.contact.email.work"), None);
    assert_eq!(check_key(Taxonomy::DataUse, "marketing.loyalty_programme"), None);
}

#[test]
fn a_broader_key_than_the_taxonomy_offers_is_never_accepted() {
    // String prefixes of taxonomy keys are not dotted prefixes of them.
    for key in ["use", "user.contact.e", "marketing.adv", "essential.service.notif"] {
        let r = vocab().resolve(Taxonomy::DataCategory, key);
        let r_use = vocab().resolve(Taxonomy::DataUse, key);
        let exact = |r: Resolution<'_>| matches!(r, Resolution::Exact(_));
        assert!(!exact(r) && !exact(r_use), "{key}");
    }
    assert!(matches!(vocab().resolve(Taxonomy::DataCategory, "use"), Resolution::Unknown { .. }));
    assert_eq!(resolve_key(Taxonomy::DataCategory, "user.contact.e"), Some("user.contact"));
}

#[test]
fn an_unrelated_key_is_unknown_and_the_message_lists_the_top_level_keys() {
    assert_eq!(
        vocab().resolve(Taxonomy::DataCategory, "shoe_size"),
        Resolution::Unknown { suggestion: None }
    );
    let message = check_key(Taxonomy::DataCategory, "shoe_size").unwrap_or_default();
    assert!(message.contains("data category \"shoe_size\" is not in the fideslang taxonomy"), "{message}");
    assert!(message.contains("top-level keys: system, user"), "{message}");
}

#[test]
fn a_misspelt_key_gets_a_did_you_mean() {
    let message = check_key(Taxonomy::DataCategory, "user.contact.emial").unwrap_or_default();
    assert!(message.starts_with("data category \"user.contact.emial\""), "{message}");
    assert!(message.contains("did you mean \"user.contact.email\"?"), "{message}");

    assert_eq!(
        vocab().resolve(Taxonomy::DataUse, "marketnig.advertising"),
        Resolution::Unknown { suggestion: Some("marketing.advertising") }
    );
    let message = check_key(Taxonomy::DataUse, "marketnig.advertising").unwrap_or_default();
    assert!(message.contains("data use \"marketnig.advertising\""), "{message}");
    assert!(message.contains("did you mean \"marketing.advertising\"?"), "{message}");
}

#[test]
fn a_misspelling_inside_a_refinement_is_corrected_in_place() {
    let message = check_key(Taxonomy::DataCategory, "usr.contact.email.work").unwrap_or_default();
    assert!(message.contains("did you mean \"user.contact.email.work\"?"), "{message}");
    assert_eq!(
        vocab().resolve(Taxonomy::DataCategory, "usr.contact.email.work"),
        Resolution::Unknown { suggestion: Some("user.contact.email") }
    );
}

#[test]
fn deprecated_keys_resolve_but_are_reported_with_their_replacement() {
    let r = vocab().resolve(Taxonomy::DataCategory, "user.biometric");
    assert!(matches!(r, Resolution::Exact(t) if t.replaced_by == Some("user.biometrics")));
    let message = check_key(Taxonomy::DataUse, "personalize.profiling").unwrap_or_default();
    assert_eq!(
        message,
        "data use \"personalize.profiling\" is deprecated in fideslang; use \"personalize.content.profiling\" instead"
    );
    let message = check_key(Taxonomy::DataCategory, "user.biometric.face").unwrap_or_default();
    assert!(message.contains("refines \"user.biometric\", which is deprecated"), "{message}");
    assert!(message.contains("refine \"user.biometrics\" instead"), "{message}");
}

#[test]
fn malformed_keys_are_rejected_with_a_fix_where_one_is_obvious() {
    let message = check_key(Taxonomy::DataCategory, "User.Contact.Email").unwrap_or_default();
    assert!(message.starts_with("data category \"User.Contact.Email\" is not a valid key"), "{message}");
    assert!(message.contains("did you mean \"user.contact.email\"?"), "{message}");
    assert_eq!(
        vocab().resolve(Taxonomy::DataCategory, "User.Contact.Email"),
        Resolution::Unknown { suggestion: Some("user.contact.email") }
    );
    let message = check_key(Taxonomy::DataCategory, "user.contact.phone-number").unwrap_or_default();
    assert!(message.contains("did you mean \"user.contact.phone_number\"?"), "{message}");

    for key in ["", ".", "user.", ".user", "user..contact", "user contact", "user.contact.emaïl"] {
        assert!(!is_valid_key(key), "{key:?}");
        let message = check_key(Taxonomy::DataCategory, key).unwrap_or_default();
        assert!(message.contains("is not a valid key"), "{key:?}: {message}");
        assert!(!vocab().resolve(Taxonomy::DataCategory, key).is_accepted(), "{key:?}");
    }
}

#[test]
fn an_oversized_key_is_rejected_without_echoing_it_whole() {
    let key = format!("user.{}", "a".repeat(MAX_KEY_LEN));
    assert_eq!(vocab().resolve(Taxonomy::DataCategory, &key), Resolution::Unknown { suggestion: None });
    let message = check_key(Taxonomy::DataCategory, &key).unwrap_or_default();
    assert!(message.contains("at most 255"), "{message}");
    assert!(message.len() < 300, "{message}");
}

#[test]
fn strictness_deserialises_from_lowercase_names_and_defaults_to_warn() {
    let parse = |s: &str| serde_json::from_str::<Strictness>(s).ok();
    assert_eq!(parse("\"off\""), Some(Strictness::Off));
    assert_eq!(parse("\"warn\""), Some(Strictness::Warn));
    assert_eq!(parse("\"error\""), Some(Strictness::Error));
    assert_eq!(parse("\"Error\""), None);
    assert_eq!(parse("\"strict\""), None);
    assert_eq!(Strictness::default(), Strictness::Warn);
    assert_eq!(serde_json::to_string(&Strictness::Error).ok().as_deref(), Some("\"error\""));
}

#[test]
fn taxonomy_names_match_fideslang() {
    assert_eq!(serde_json::to_string(&Taxonomy::DataUse).ok().as_deref(), Some("\"data_use\""));
    assert_eq!(serde_json::from_str::<Taxonomy>("\"data_category\"").ok(), Some(Taxonomy::DataCategory));
    assert_eq!(Taxonomy::DataCategory.to_string(), "data category");
}

proptest! {
    #[test]
    fn every_taxonomy_key_refined_by_a_valid_segment_is_accepted(
        index in 0usize..123,
        segment in "[a-z0-9_]{1,20}",
    ) {
        let terms: Vec<_> = vocab().terms(Taxonomy::DataCategory).collect();
        let term = terms[index % terms.len()];
        let key = format!("{}.{segment}", term.key);
        let resolved = vocab().resolve(Taxonomy::DataCategory, &key).term().map(|t| t.key);
        // The refinement may itself be a deeper taxonomy key; either way it lies under `term`.
        prop_assert!(resolved.is_some_and(|k| k.starts_with(term.key)));
    }

    #[test]
    fn arbitrary_input_never_panics_and_only_valid_keys_are_accepted(key in "\\PC{0,80}") {
        for taxonomy in Taxonomy::ALL {
            let accepted = vocab().resolve(taxonomy, &key).is_accepted();
            prop_assert!(!accepted || is_valid_key(&key));
            let _ = check_key(taxonomy, &key);
        }
    }
}

mod policy_strictness {
    use zweck::policy::Policy;

    fn policy(strictness: &str, category: &str) -> zweck::Result<Policy> {
        Policy::from_json(&format!(
            r#"{{"name": "t", "vocabulary": "{strictness}",
                "purposes": [{{"key": "order", "description": "d", "basis": "contract", "data_use": "essential.service"}}],
                "fields": [{{"name": "email", "category": "{category}", "purposes": {{"order": "plain"}}}}]}}"#
        ))
    }

    #[test]
    fn error_strictness_rejects_a_category_outside_the_vocabulary_with_a_suggestion() {
        let e = policy("error", "user.contact.emial").unwrap_err().to_string();
        assert!(e.starts_with("policy: fields.email.category:"), "{e}");
        assert!(e.contains("user.contact.email"), "{e}");
    }

    #[test]
    fn warn_strictness_accepts_and_lists_a_warning() {
        let p = policy("warn", "shop.loyalty_level").unwrap();
        assert_eq!(p.warnings().len(), 1, "{:?}", p.warnings());
        assert!(p.warnings()[0].starts_with("fields.email.category:"), "{:?}", p.warnings());
    }

    #[test]
    fn off_strictness_accepts_silently_and_refinements_always_pass() {
        assert!(policy("off", "shop.loyalty_level").unwrap().warnings().is_empty());
        assert!(policy("error", "user.contact.email.work").unwrap().warnings().is_empty());
    }

    #[test]
    fn the_default_is_warn() {
        let p = Policy::from_json(
            r#"{"name": "t", "purposes": [{"key": "order", "description": "d", "basis": "contract", "data_use": "esential.service"}],
                "fields": []}"#,
        )
        .unwrap();
        assert_eq!(p.warnings().len(), 1);
        assert!(p.warnings()[0].contains("essential.service"), "{:?}", p.warnings());
    }

    #[test]
    fn the_shop_policy_speaks_the_vocabulary() {
        let p = Policy::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json")).unwrap();
        assert!(p.warnings().is_empty(), "{:?}", p.warnings());
    }
}
