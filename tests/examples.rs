//! The README's main command, `cargo run --example shop`, runs and shows what it promises.

use std::process::Command;

use zweck::policy::Policy;
use zweck::{Engine, KeyRing};

fn run_example(name: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "example {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn row<'a>(out: &'a str, section: &str, field: &str) -> &'a str {
    let start = out.find(section).unwrap_or_else(|| panic!("section {section:?} missing:\n{out}"));
    out[start..]
        .lines()
        .find(|l| l.trim_start().starts_with(field))
        .unwrap_or_else(|| panic!("row {field} missing in {section}:\n{out}"))
}

#[test]
fn shop_example_shows_each_purpose_side_by_side_and_the_withdrawal() {
    let out = run_example("shop");
    let before = "What each purpose sees";
    let after = "After the customer unsubscribed";
    // Delivery sees the street; analytics a generalised IP and postcode; fraud the masked card.
    assert!(row(&out, before, "street").contains("Oranienstraße 12"));
    assert!(row(&out, before, "ip_address").contains("203.0.113.0/24"));
    assert!(row(&out, before, "postcode").contains("10***"));
    assert!(row(&out, before, "card_number").contains("****4242"));
    assert!(row(&out, before, "birth_date").contains("30-39"));
    // Undeclared fields never pass.
    assert_eq!(row(&out, before, "loyalty_notes").matches("unknown_field").count(), 6);
    // The newsletter sees the email until the customer unsubscribes, then nothing.
    assert!(row(&out, before, "name").matches("Jane Doe").count() == 3);
    assert!(row(&out, after, "name").contains("consent_withdrawn"));
    assert!(row(&out, after, "email").contains("consent_withdrawn"));
    // Explicit consent releases the special-category field to personalisation only.
    assert!(row(&out, after, "dietary_needs").contains("lactose-free"));
    // The pseudonym shown is the one the contract gives for the same key, domain and value.
    let policy =
        Policy::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json")).unwrap();
    let engine = Engine::new(policy, KeyRing::new(1, b"zweck demo key - never use in production!").unwrap());
    let token = engine.pseudonymise("analytics", b"c-1042").unwrap();
    assert!(row(&out, before, "customer_id").contains(&token[..20]), "{token}");
    // The evidence trail.
    assert!(out.contains("withdraw marketing.email"), "{out}");
    assert!(out.contains("(explicit)"));
}
