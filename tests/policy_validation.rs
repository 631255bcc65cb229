//! How a policy is validated: every rejection names the place in the document and the fix, and a
//! valid policy compiles to the inherited settings and tags its text describes.

use serde_json::{json, Value};
use zweck::policy::{
    FieldSpec, LegalBasis, Policy, PolicyDocument, PurposeFlag, PurposeSpec, Treatment, MAX_DEPTH,
    MAX_ENTRIES, MAX_POLICY_BYTES,
};
use zweck::pseudo::{MaskStyle, Normaliser};
use zweck::{Error, Period};

/// A valid policy that the failure tests change in one place each.
fn base() -> Value {
    json!({
        "name": "Example shop",
        "purposes": [
            {"key": "orders", "description": "Deliver your orders", "basis": "contract"},
            {"key": "marketing", "description": "Offers you asked for", "basis": "consent",
             "notice_version": 2, "max_consent_age": "13 months", "retention": "2 years"},
            {"key": "marketing.email", "description": "Newsletter by email"},
            {"key": "analytics", "description": "Shop statistics", "basis": "legitimate_interests"}
        ],
        "fields": [
            {"name": "email", "category": "user.contact.email",
             "purposes": {"orders": "plain", "marketing": "plain"}}
        ]
    })
}

fn compile(doc: &Value) -> zweck::Result<Policy> {
    Policy::from_json(&doc.to_string())
}

/// The path and message of a policy error, failing the test on anything else.
fn rejection(result: zweck::Result<Policy>) -> (String, String) {
    match result {
        Err(Error::Policy { path, message }) => (path, message),
        Err(other) => panic!("expected a policy error, got {other:?}"),
        Ok(p) => panic!("expected a policy error, but the policy compiled: {}", p.to_json()),
    }
}

fn rejection_of(doc: &Value) -> (String, String) {
    rejection(compile(doc))
}

/// Asserts the path exactly and that the message contains every fragment.
#[track_caller]
fn assert_rejected(doc: &Value, want_path: &str, fragments: &[&str]) {
    let (path, message) = rejection_of(doc);
    assert_eq!(path, want_path, "message: {message}");
    for f in fragments {
        assert!(message.contains(f), "{message:?} should contain {f:?}");
    }
}

fn purpose_mut(doc: &mut Value, i: usize) -> &mut Value {
    &mut doc["purposes"][i]
}

fn email_field_mut(doc: &mut Value) -> &mut Value {
    &mut doc["fields"][0]
}

fn with_purposes(doc: &mut Value, purposes: Value) {
    doc["purposes"] = purposes;
}

// ----- field tags -----

#[test]
fn unknown_purpose_in_a_tag_suggests_the_near_miss() {
    let mut doc = base();
    email_field_mut(&mut doc)["purposes"] = json!({"marketing.emial": "plain"});
    let err = compile(&doc).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"policy: fields.email.purposes: unknown purpose "marketing.emial"; did you mean "marketing.email"?"#
    );
    assert_rejected(
        &doc,
        "fields.email.purposes",
        &[r#"unknown purpose "marketing.emial"; did you mean "marketing.email"?"#],
    );
}

#[test]
fn unknown_purpose_without_a_near_miss_says_to_declare_it() {
    let mut doc = base();
    email_field_mut(&mut doc)["purposes"] = json!({"loyalty_programme": "plain"});
    let (path, message) = rejection_of(&doc);
    assert_eq!(path, "fields.email.purposes");
    assert_eq!(message, r#"unknown purpose "loyalty_programme"; declare it under "purposes" first"#);
}

#[test]
fn purpose_tagged_twice_in_one_field_is_rejected_not_merged() {
    let mut doc = base();
    let fields = r#"[{"name": "email", "category": "user.contact.email",
        "purposes": {"marketing": "plain", "marketing": {"pseudonymise": "ads"}}}]"#;
    doc["fields"] = json!(null);
    let text = doc.to_string().replace(r#""fields":null"#, &format!(r#""fields":{fields}"#));
    let (path, message) = rejection(Policy::from_json(&text));
    assert_eq!(path, "fields.email.purposes.marketing");
    assert_eq!(message, r#"purpose "marketing" is tagged twice for field "email""#);
}

#[test]
fn unknown_treatment_lists_the_treatments() {
    let mut doc = base();
    email_field_mut(&mut doc)["purposes"] = json!({"marketing.email": "hash"});
    assert_rejected(
        &doc,
        "fields.email.purposes.marketing.email",
        &["unknown variant `hash`", "`plain`", "`pseudonymise`", "`mask`", "`generalise`"],
    );
}

#[test]
fn unknown_mask_style_lists_the_styles() {
    let mut doc = base();
    email_field_mut(&mut doc)["purposes"] = json!({"marketing": {"mask": "stars"}});
    assert_rejected(
        &doc,
        "fields.email.purposes.marketing.mask",
        &["unknown variant `stars`", "`email`", "`last4`"],
    );
}

#[test]
fn unknown_normaliser_lists_the_normalisers() {
    let mut doc = base();
    email_field_mut(&mut doc)["normaliser"] = json!("zip");
    assert_rejected(&doc, "fields.email.normaliser", &["unknown normaliser \"zip\"", "email, phone, text"]);
}

#[test]
fn pseudonymisation_domain_must_have_a_name() {
    for domain in [String::new(), "   ".to_string(), "d".repeat(257)] {
        let mut doc = base();
        email_field_mut(&mut doc)["purposes"] = json!({"analytics": {"pseudonymise": domain}});
        assert_rejected(&doc, "fields.email.purposes.analytics", &["1 to 256 bytes", "\"analytics\""]);
    }
    let mut doc = base();
    email_field_mut(&mut doc)["purposes"] = json!({"analytics": {"pseudonymise": "d".repeat(256)}});
    compile(&doc).unwrap();
}

// ----- special-category data -----

fn special_health_field(tags: Value) -> Value {
    json!({"name": "allergies", "category": "user.health", "special": true, "purposes": tags})
}

#[test]
fn special_category_field_cannot_serve_a_contract_purpose() {
    let mut doc = base();
    doc["fields"] = json!([special_health_field(json!({"orders": "plain"}))]);
    assert_rejected(
        &doc,
        "fields.allergies.purposes.orders",
        &["special-category field \"allergies\"", "\"orders\"", "contract", "Art. 9", "remove the tag"],
    );
}

#[test]
fn special_category_field_cannot_serve_a_legitimate_interests_purpose() {
    let mut doc = base();
    doc["fields"] = json!([special_health_field(json!({"analytics": "plain"}))]);
    assert_rejected(&doc, "fields.allergies.purposes.analytics", &["legitimate_interests", "consent-based"]);
}

#[test]
fn special_category_field_cannot_reach_a_contract_child_through_its_parent_tag() {
    let mut doc = base();
    with_purposes(
        &mut doc,
        json!([
            {"key": "compliance", "description": "Record keeping", "basis": "legal_obligation"},
            {"key": "compliance.shipping", "description": "Dangerous goods shipping", "basis": "contract"}
        ]),
    );
    doc["fields"] = json!([special_health_field(json!({"compliance": "plain"}))]);
    assert_rejected(
        &doc,
        "fields.allergies.purposes.compliance",
        &["would reach purpose \"compliance.shipping\"", "contract"],
    );
}

#[test]
fn special_category_field_may_serve_consent_and_legal_obligation_purposes() {
    let mut doc = base();
    doc["purposes"].as_array_mut().unwrap().push(json!(
        {"key": "tax", "description": "Invoices", "basis": "legal_obligation"}
    ));
    doc["fields"] = json!([special_health_field(json!({"marketing": "plain", "tax": "plain"}))]);
    let policy = compile(&doc).unwrap();
    assert!(policy.field(policy.field_id("allergies").unwrap()).is_special());
}

// ----- purpose keys and the hierarchy -----

#[test]
fn malformed_purpose_keys_are_rejected_with_the_rule() {
    let cases = [
        ("Marketing", "must start with a lowercase letter"),
        ("marketing..email", "empty segment"),
        ("marketing.", "empty segment"),
        (".marketing", "empty segment"),
        ("1marketing", "must start with a lowercase letter"),
        ("marketing.2fa", "must start with a lowercase letter"),
        ("e mail", "character ' ' is not allowed"),
        ("marketing.eMail", "character 'M' is not allowed"),
        ("", "key is empty"),
    ];
    for (key, fragment) in cases {
        let mut doc = base();
        purpose_mut(&mut doc, 0)["key"] = json!(key);
        let (path, message) = rejection_of(&doc);
        assert_eq!(path, "purposes[0].key", "{key:?}: {message}");
        assert!(message.contains(fragment), "{key:?}: {message}");
    }
}

#[test]
fn duplicate_purpose_is_rejected() {
    let mut doc = base();
    doc["purposes"].as_array_mut().unwrap().push(json!(
        {"key": "orders", "description": "Again", "basis": "contract"}
    ));
    assert_rejected(&doc, "purposes.orders", &["duplicate purpose \"orders\"", "declared once"]);
}

#[test]
fn undeclared_parent_is_rejected() {
    let mut doc = base();
    doc["purposes"].as_array_mut().unwrap().push(json!(
        {"key": "support.chat", "description": "Chat support", "basis": "contract"}
    ));
    assert_rejected(
        &doc,
        "purposes.support.chat",
        &["parent purpose \"support\" is not declared", "declare it"],
    );
}

#[test]
fn hierarchy_deeper_than_the_limit_is_rejected() {
    let keys: Vec<String> = (1..=MAX_DEPTH + 1).map(|n| vec!["p"; n].join(".")).collect();
    let purposes: Vec<Value> =
        keys.iter().map(|k| json!({"key": k, "description": "Deep", "basis": "consent"})).collect();
    let mut doc = base();
    doc["fields"] = json!([]);
    doc["purposes"] = json!(purposes[..MAX_DEPTH]);
    compile(&doc).expect("exactly MAX_DEPTH levels are allowed");
    doc["purposes"] = json!(purposes);
    assert_rejected(&doc, &format!("purposes.{}", keys[MAX_DEPTH]), &["deeper than 16 levels"]);
}

#[test]
fn root_purpose_without_a_basis_is_rejected_with_the_choices() {
    let mut doc = base();
    purpose_mut(&mut doc, 0).as_object_mut().unwrap().remove("basis");
    assert_rejected(
        &doc,
        "purposes.orders.basis",
        &["top-level purpose needs a legal basis", "consent", "contract", "legitimate_interests"],
    );
}

#[test]
fn child_with_a_weaker_basis_than_its_parent_is_rejected() {
    let cases = [
        ("marketing", "consent", "contract"),
        ("marketing", "consent", "legitimate_interests"),
        ("orders", "contract", "legitimate_interests"),
    ];
    for (parent, parent_basis, child_basis) in cases {
        let mut doc = base();
        doc["purposes"].as_array_mut().unwrap().push(json!(
            {"key": format!("{parent}.child"), "description": "Child", "basis": child_basis}
        ));
        let (path, message) = rejection_of(&doc);
        assert_eq!(path, format!("purposes.{parent}.child.basis"), "{message}");
        assert!(
            message.contains(&format!("({parent_basis}) on the weaker basis {child_basis}")),
            "{message}"
        );
        assert!(message.contains("same basis as its parent"), "{message}");
    }
}

#[test]
fn child_may_restate_or_refine_a_non_consent_basis() {
    let mut doc = base();
    doc["purposes"].as_array_mut().unwrap().extend([
        json!({"key": "marketing.sms", "description": "Texts", "basis": "consent"}),
        json!({"key": "orders.returns", "description": "Returns", "basis": "legal_obligation"}),
    ]);
    let policy = compile(&doc).unwrap();
    let returns = policy.purpose(policy.purpose_id("orders.returns").unwrap());
    assert_eq!(returns.basis(), LegalBasis::LegalObligation);
}

#[test]
fn notice_version_zero_is_rejected() {
    let mut doc = base();
    purpose_mut(&mut doc, 1)["notice_version"] = json!(0);
    assert_rejected(&doc, "purposes.marketing.notice_version", &["notice versions start at 1"]);
}

#[test]
fn zero_maximum_consent_age_is_rejected() {
    for zero in ["0 months", "0 days", "P0D"] {
        let mut doc = base();
        purpose_mut(&mut doc, 1)["max_consent_age"] = json!(zero);
        assert_rejected(&doc, "purposes.marketing.max_consent_age", &["never counts", "omit the setting"]);
    }
}

#[test]
fn empty_description_is_rejected() {
    for blank in ["", "  \t"] {
        let mut doc = base();
        purpose_mut(&mut doc, 2)["description"] = json!(blank);
        assert_rejected(
            &doc,
            "purposes.marketing.email.description",
            &["describe the purpose", "privacy notice"],
        );
    }
}

#[test]
fn malformed_data_use_is_rejected() {
    let mut doc = base();
    purpose_mut(&mut doc, 1)["data_use"] = json!("Marketing.Advertising");
    assert_rejected(&doc, "purposes.marketing.data_use", &["lowercase"]);
}

#[test]
fn flag_listed_twice_is_rejected() {
    let mut doc = base();
    purpose_mut(&mut doc, 1)["flags"] = json!(["sale", "sharing", "sale"]);
    assert_rejected(&doc, "purposes.marketing.flags", &["listed twice"]);
}

// ----- fields -----

#[test]
fn duplicate_field_is_rejected() {
    let mut doc = base();
    doc["fields"].as_array_mut().unwrap().push(json!(
        {"name": "email", "category": "user.contact.email", "purposes": {}}
    ));
    assert_rejected(&doc, "fields.email", &["duplicate field \"email\"", "declared once"]);
}

#[test]
fn malformed_field_names_are_rejected() {
    let too_long = "f".repeat(129);
    for name in ["", "1st_line", "e mail", "e.mail", "-email", "emäil", too_long.as_str()] {
        let mut doc = base();
        email_field_mut(&mut doc)["name"] = json!(name);
        let (path, message) = rejection_of(&doc);
        assert_eq!(path, "fields[0].name", "{name:?}: {message}");
        assert!(message.contains("not a valid field name"), "{message}");
        assert!(message.contains("ASCII letters, digits, '_' or '-'"), "{message}");
    }
    for name in ["_id", "post-code", "Email2", "f".repeat(128).as_str()] {
        let mut doc = base();
        email_field_mut(&mut doc)["name"] = json!(name);
        compile(&doc).unwrap_or_else(|e| panic!("{name:?} should be valid: {e}"));
    }
}

#[test]
fn malformed_category_is_rejected() {
    for category in ["User.Contact", "user..contact", "", "user contact"] {
        let mut doc = base();
        email_field_mut(&mut doc)["category"] = json!(category);
        let (path, message) = rejection_of(&doc);
        assert_eq!(path, "fields.email.category", "{category:?}: {message}");
    }
}

// ----- the document as a whole -----

#[test]
fn policy_without_a_name_is_rejected() {
    for blank in ["", "   "] {
        let mut doc = base();
        doc["name"] = json!(blank);
        assert_rejected(&doc, "name", &["needs a name", "privacy notice"]);
    }
    let mut doc = base();
    doc.as_object_mut().unwrap().remove("name");
    assert_rejected(&doc, "(document)", &["missing field `name`"]);
}

#[test]
fn policy_without_purposes_is_rejected() {
    let mut doc = base();
    doc["purposes"] = json!([]);
    doc["fields"] = json!([]);
    assert_rejected(&doc, "purposes", &["declare at least one purpose"]);
}

#[test]
fn too_many_purposes_are_rejected() {
    let purposes: Vec<PurposeSpec> = (0..=MAX_ENTRIES)
        .map(|i| PurposeSpec::new(format!("p{i}"), Some(LegalBasis::Consent), "Numbered"))
        .collect();
    let doc = purposes.into_iter().fold(PolicyDocument::new("Big"), PolicyDocument::purpose);
    let (path, message) = rejection(Policy::from_document(doc));
    assert_eq!(path, "(document)");
    assert!(message.contains("at most 4096 purposes"), "{message}");
}

#[test]
fn unknown_keys_are_rejected_everywhere_with_the_known_ones() {
    let mut doc = base();
    doc["version"] = json!(2);
    assert_rejected(&doc, "version", &["unknown field `version`", "`name`", "`purposes`", "`fields`"]);

    let mut doc = base();
    purpose_mut(&mut doc, 1)["colour"] = json!("red");
    assert_rejected(&doc, "purposes.marketing.colour", &["unknown field `colour`", "`basis`", "`retention`"]);

    let mut doc = base();
    email_field_mut(&mut doc)["sensitive"] = json!(true);
    assert_rejected(&doc, "fields.email.sensitive", &["unknown field `sensitive`", "`special`"]);

    let mut doc = base();
    doc["controller"] = json!({"name": "Shop GmbH", "contact": "privacy@shop.example", "phone": "1"});
    assert_rejected(&doc, "controller.phone", &["unknown field `phone`", "`dpo`"]);
}

#[test]
fn malformed_json_is_rejected_as_not_json() {
    let text = base().to_string();
    // A syntax error inside the document: the path points near it.
    let broken = text.replacen(r#""basis":"contract"}"#, r#""basis":"contract",}"#, 1);
    assert_ne!(broken, text);
    let (path, message) = rejection(Policy::from_json(&broken));
    assert!(message.starts_with("not valid JSON: trailing comma at line 1"), "{message}");
    assert_eq!(path, "(document)", "the message carries line and column instead");

    for (text, fragment) in [
        (String::new(), "EOF while parsing"),
        (format!("{text} x"), "trailing characters"),
        (format!("{text}{text}"), "trailing characters"),
    ] {
        let (path, message) = rejection(Policy::from_json(&text));
        assert_eq!(path, "(document)", "{message}");
        assert!(message.starts_with("not valid JSON: "), "{message}");
        assert!(message.contains(fragment), "{message}");
    }
}

#[test]
fn syntax_error_paths_name_places_in_the_document() {
    let (path, _) = rejection(Policy::from_json("{"));
    assert_eq!(path, "(document)");
    let text = base().to_string().replacen(r#""basis":"contract"}"#, r#""basis":"contract",}"#, 1);
    let (path, _) = rejection(Policy::from_json(&text));
    assert!(!path.contains('?') && !path.contains('['), "{path}");
}

/// An edit of the base document.
type Change = fn(&mut Value);

#[test]
fn values_of_the_wrong_type_are_rejected_with_the_expected_type() {
    let cases: [(&str, Change, &str); 5] = [
        (
            "purposes.marketing.notice_version",
            |d| d["purposes"][1]["notice_version"] = json!("2"),
            "expected u32",
        ),
        ("purposes", |d| d["purposes"] = json!({}), "expected a sequence"),
        ("fields.email.special", |d| d["fields"][0]["special"] = json!("yes"), "expected a boolean"),
        ("fields.email.purposes", |d| d["fields"][0]["purposes"] = json!(["orders"]), "expected an object"),
        ("name", |d| d["name"] = json!(7), "expected a string"),
    ];
    for (want_path, change, fragment) in cases {
        let mut doc = base();
        change(&mut doc);
        let (path, message) = rejection_of(&doc);
        assert_eq!(path, want_path, "{message}");
        assert!(message.contains("invalid type"), "{message}");
        assert!(message.contains(fragment), "{message}");
    }
}

#[test]
fn invalid_period_strings_are_rejected_with_examples() {
    for (setting, bad) in [
        ("max_consent_age", "13 monhts"),
        ("max_consent_age", "13"),
        ("retention", "P"),
        ("retention", "-1 days"),
        ("retention", "forever"),
    ] {
        let mut doc = base();
        purpose_mut(&mut doc, 1)[setting] = json!(bad);
        let (path, message) = rejection_of(&doc);
        assert_eq!(path, format!("purposes.marketing.{setting}"), "{message}");
        assert!(message.contains(&format!("{bad:?} is not a period")), "{message}");
        assert!(message.contains(r#""13 months""#), "{message}");
    }
}

#[test]
fn unknown_legal_basis_lists_the_bases() {
    let mut doc = base();
    purpose_mut(&mut doc, 1)["basis"] = json!("consnt");
    assert_rejected(&doc, "purposes.marketing.basis", &["unknown variant `consnt`", "`consent`"]);
}

#[test]
fn oversized_document_is_rejected_before_parsing() {
    let text = base().to_string();
    let padded = format!("{text}{}", " ".repeat(MAX_POLICY_BYTES - text.len()));
    assert_eq!(padded.len(), MAX_POLICY_BYTES);
    Policy::from_json(&padded).expect("a document of exactly the limit is accepted");
    let oversized = format!("{padded} ");
    let (path, message) = rejection(Policy::from_json(&oversized));
    assert_eq!(path, "(document)");
    assert_eq!(message, format!("policy is {} bytes; the limit is {MAX_POLICY_BYTES}", MAX_POLICY_BYTES + 1));
}

/// A file in the temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("zweck-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).expect("the temporary directory is writable");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn policy_file_with_invalid_utf8_is_rejected_with_the_byte_offset() {
    let mut bytes = br#"{"name": "Caf"#.to_vec();
    bytes.push(0xe9); // Latin-1 'é'
    bytes.extend_from_slice(br#"", "purposes": [], "fields": []}"#);
    let file = TempFile::new("latin1.json", &bytes);
    let (path, message) = rejection(Policy::from_file(&file.0));
    assert_eq!(path, "(document)");
    assert!(message.contains(&file.0.display().to_string()), "{message}");
    assert!(message.contains("is not UTF-8 (byte 13)"), "{message}");
}

#[test]
fn policy_file_is_read_and_validated() {
    let file = TempFile::new("valid.json", base().to_string().as_bytes());
    let policy = Policy::from_file(&file.0).unwrap();
    assert_eq!(policy.name(), "Example shop");
}

#[test]
fn missing_policy_file_is_an_io_error_naming_the_file() {
    let missing = std::env::temp_dir().join(format!("zweck-{}-does-not-exist.json", std::process::id()));
    match Policy::from_file(&missing) {
        Err(err @ Error::Io { .. }) => {
            let text = err.to_string();
            let Error::Io { action, path, source } = err else { unreachable!() };
            assert_eq!(action, "reading policy");
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert!(text.starts_with("reading policy "), "{text}");
            assert!(text.contains("does-not-exist.json"), "{text}");
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

// ----- what a valid policy compiles to -----

#[test]
fn children_inherit_basis_notice_version_consent_age_and_retention() {
    let mut doc = base();
    doc["purposes"].as_array_mut().unwrap().extend([
        json!({"key": "marketing.email.weekly", "description": "Weekly digest"}),
        json!({"key": "marketing.sms", "description": "Texts", "notice_version": 3, "retention": "6 months"}),
    ]);
    let policy = compile(&doc).unwrap();
    let p = |k: &str| policy.purpose(policy.purpose_id(k).unwrap());
    for key in ["marketing.email", "marketing.email.weekly"] {
        assert_eq!(p(key).basis(), LegalBasis::Consent, "{key}");
        assert_eq!(p(key).notice_version(), 2, "{key}");
        assert_eq!(p(key).max_consent_age(), Some(Period::months(13)), "{key}");
        assert_eq!(p(key).retention(), Some(Period::years(2)), "{key}");
    }
    let sms = p("marketing.sms");
    assert_eq!((sms.notice_version(), sms.retention()), (3, Some(Period::months(6))));
    assert_eq!(sms.max_consent_age(), Some(Period::months(13)));
    let orders = p("orders");
    assert_eq!((orders.notice_version(), orders.max_consent_age(), orders.retention()), (1, None, None));
    assert_eq!(
        p("marketing.email.weekly").chain_keys().iter().map(|k| &**k).collect::<Vec<_>>(),
        ["marketing.email.weekly", "marketing.email", "marketing"]
    );
    assert!(p("marketing.email.weekly").is_covered_by(policy.purpose_id("marketing").unwrap()));
    assert!(!p("marketing").is_covered_by(policy.purpose_id("marketing.email").unwrap()));
}

#[test]
fn tags_pass_from_parent_to_child_never_from_child_to_parent() {
    let mut doc = base();
    doc["fields"].as_array_mut().unwrap().push(json!(
        {"name": "newsletter_topics", "category": "user.preferences", "purposes": {"marketing.email": "plain"}}
    ));
    let policy = compile(&doc).unwrap();
    let marketing = policy.purpose_id("marketing").unwrap();
    let email_purpose = policy.purpose_id("marketing.email").unwrap();
    let email = policy.field_id("email").unwrap();
    let topics = policy.field_id("newsletter_topics").unwrap();

    let inherited = policy.tag(email, email_purpose).expect("the parent's tag reaches the child");
    assert_eq!(inherited.treatment, Treatment::Plain);
    assert_eq!(inherited.declared_on, marketing);
    assert!(policy.tag(topics, email_purpose).is_some());
    assert!(policy.tag(topics, marketing).is_none(), "a child's tag never reaches the parent");
    assert!(policy.tag(email, policy.purpose_id("analytics").unwrap()).is_none(), "untagged");
}

#[test]
fn a_child_tag_overrides_the_parent_tag() {
    let mut doc = base();
    email_field_mut(&mut doc)["purposes"] =
        json!({"marketing": "plain", "marketing.email": {"pseudonymise": "newsletter"}});
    let policy = compile(&doc).unwrap();
    let email = policy.field_id("email").unwrap();
    let child = policy.purpose_id("marketing.email").unwrap();
    let tag = policy.tag(email, child).unwrap();
    assert_eq!(tag.treatment, Treatment::Pseudonymise("newsletter".into()));
    assert_eq!(tag.declared_on, child);
    assert_eq!(
        policy.tag(email, policy.purpose_id("marketing").unwrap()).unwrap().treatment,
        Treatment::Plain
    );
}

#[test]
fn ids_are_dense_in_declaration_order_and_stable() {
    let mut doc = base();
    // A child declared before its parent still compiles, and keeps its place.
    doc["purposes"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"key": "orders.returns", "description": "Returns"}));
    doc["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "postcode", "category": "user.contact.address",
        "purposes": {"orders": "plain"}}));
    let text = doc.to_string();
    let a = Policy::from_json(&text).unwrap();
    let b = Policy::from_json(&text).unwrap();
    for (i, p) in a.purposes().iter().enumerate() {
        assert_eq!(p.id().index(), i);
        assert_eq!(a.purpose_id(p.key()), Some(p.id()));
        assert_eq!(b.purpose_id(p.key()), Some(p.id()));
        assert_eq!(p.key(), doc["purposes"][i]["key"].as_str().unwrap());
    }
    for (i, f) in a.fields().iter().enumerate() {
        assert_eq!(f.id().index(), i);
        assert_eq!(b.field_id(f.name()), Some(f.id()));
    }
    assert_eq!(a.purposes().len(), 5);
    assert_eq!(a.fields().len(), 2);
    let returns = a.purpose(a.purpose_id("orders.returns").unwrap());
    assert_eq!(returns.parent(), a.purpose_id("orders"));
    assert_eq!(returns.basis(), LegalBasis::Contract);
}

#[test]
fn rust_built_document_compiles_to_the_same_policy_as_json() {
    let json = r#"{
      "name": "Example shop",
      "controller": {"name": "Example GmbH", "contact": "privacy@shop.example"},
      "purposes": [
        {"key": "orders", "description": "Deliver your orders", "basis": "contract", "retention": "10 years"},
        {"key": "marketing", "description": "Offers you asked for", "basis": "consent",
         "notice_version": 2, "max_consent_age": "13 months", "data_use": "marketing.advertising",
         "flags": ["targeted_advertising"]},
        {"key": "marketing.email", "description": "Newsletter by email"},
        {"key": "fraud", "description": "Fraud investigation", "basis": "legitimate_interests", "reidentify": true}
      ],
      "fields": [
        {"name": "email", "category": "user.contact.email", "normaliser": "email",
         "purposes": {"orders": "plain", "marketing": {"mask": "email"},
                      "fraud": {"pseudonymise": "fraud"}}},
        {"name": "allergies", "category": "user.health", "special": true,
         "purposes": {"marketing.email": "plain"}}
      ]
    }"#;
    let from_json = Policy::from_json(json).unwrap();
    let built = PolicyDocument::new("Example shop")
        .controller(zweck::policy::Controller {
            name: "Example GmbH".into(),
            contact: "privacy@shop.example".into(),
            dpo: None,
        })
        .purpose(
            PurposeSpec::new("orders", Some(LegalBasis::Contract), "Deliver your orders")
                .retention(Period::years(10)),
        )
        .purpose(
            PurposeSpec::new("marketing", Some(LegalBasis::Consent), "Offers you asked for")
                .notice_version(2)
                .max_consent_age(Period::months(13))
                .data_use("marketing.advertising")
                .flag(PurposeFlag::TargetedAdvertising),
        )
        .purpose(PurposeSpec::new("marketing.email", None, "Newsletter by email"))
        .purpose(
            PurposeSpec::new("fraud", Some(LegalBasis::LegitimateInterests), "Fraud investigation")
                .reidentify(true),
        )
        .field(
            FieldSpec::new("email", "user.contact.email")
                .normaliser(Normaliser::Email)
                .tag("orders", Treatment::Plain)
                .tag("marketing", Treatment::Mask(MaskStyle::Email))
                .tag("fraud", Treatment::Pseudonymise("fraud".into())),
        )
        .field(
            FieldSpec::new("allergies", "user.health").special(true).tag("marketing.email", Treatment::Plain),
        );
    let from_rust = Policy::from_document(built.clone()).unwrap();
    assert_eq!(from_rust.document(), from_json.document());
    assert_eq!(&built, from_json.document());
    assert_eq!(from_rust.to_json(), from_json.to_json());
    // And the compiled form agrees field by field and purpose by purpose.
    for (a, b) in from_rust.purposes().iter().zip(from_json.purposes()) {
        assert_eq!(
            (a.id(), a.key(), a.basis(), a.notice_version(), a.max_consent_age(), a.retention()),
            (b.id(), b.key(), b.basis(), b.notice_version(), b.max_consent_age(), b.retention())
        );
        assert_eq!((a.data_use(), a.flags(), a.reidentifies()), (b.data_use(), b.flags(), b.reidentifies()));
        for f in from_json.fields() {
            assert_eq!(from_rust.tag(f.id(), a.id()), from_json.tag(f.id(), b.id()));
        }
    }
    // The serialised document reads back to the same policy.
    let again = Policy::from_json(&from_rust.to_json()).unwrap();
    assert_eq!(again.document(), from_json.document());
}

#[test]
fn rust_built_document_is_validated_like_json() {
    let doc = PolicyDocument::new("Shop")
        .purpose(PurposeSpec::new("marketing", Some(LegalBasis::Consent), "Offers"))
        .field(FieldSpec::new("email", "user.contact.email").tag("marketnig", Treatment::Plain));
    let (path, message) = rejection(Policy::from_document(doc));
    assert_eq!(path, "fields.email.purposes");
    assert_eq!(message, r#"unknown purpose "marketnig"; did you mean "marketing"?"#);
}

#[test]
fn policy_written_as_an_array_is_rejected() {
    let text = r#"["Shop", null, [{"key": "m", "description": "Offers", "basis": "consent"}], []]"#;
    let (path, message) = rejection(Policy::from_json(text));
    assert_eq!(path, "(document)");
    assert!(message.contains("object"), "{message}");
}
