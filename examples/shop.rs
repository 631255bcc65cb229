//! The main job: a shop backend asks zweck what each purpose may see of one customer.
//!
//! Run with `cargo run --example shop`. It loads the shop policy shipped beside this file, records
//! consents as a cookie banner and a preferences page would, prints what each purpose sees of the
//! same customer record and why, then withdraws the newsletter consent and shows the difference.

use std::error::Error as _;

use serde_json::{json, Map, Value};
use zweck::access::{Effect, View};
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::{Engine, KeyRing, Timestamp};

/// Purposes shown side by side.
const PURPOSES: [&str; 6] =
    ["order.fulfilment", "support", "marketing.email", "marketing.personalisation", "analytics", "fraud"];
const WIDTH: usize = 22;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        let mut source = e.source();
        while let Some(s) = source {
            eprintln!("  caused by: {s}");
            source = s.source();
        }
        std::process::exit(1);
    }
}

fn run() -> zweck::Result<()> {
    let policy_path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json");
    let policy = Policy::from_file(policy_path)?;
    println!(
        "Policy \"{}\": {} purposes, {} fields",
        policy.name(),
        policy.purposes().len(),
        policy.fields().len()
    );
    for p in policy.purposes() {
        println!("  {:<27} {:<21} {}", p.key(), p.basis().as_str(), p.description());
    }

    // A real deployment loads its master secret from a secret store; this demo key is public.
    let keys = KeyRing::new(1, b"zweck demo key - never use in production!")?;
    let engine = Engine::new(policy, keys);

    let customer = "c-1042";
    let record: Map<String, Value> = match json!({
        "customer_id": "c-1042",
        "name": "Jane Doe",
        "email": "Jane.Doe@Example.com",
        "phone": "+49 170 1234567",
        "street": "Oranienstraße 12",
        "postcode": "10999",
        "birth_date": "1988-04-23",
        "ip_address": "203.0.113.77",
        "order_history": ["A-1001 running shoes", "A-1177 rain jacket"],
        "card_number": "4242 4242 4242 4242",
        "dietary_needs": "lactose-free",
        "loyalty_notes": "VIP, complained twice"
    }) {
        Value::Object(m) => m,
        _ => unreachable!("a json! object literal"),
    };

    // The cookie banner (notice version 3) and, later, the preferences page with an explicit consent
    // to use dietary needs for recommendations (special-category data, Art. 9 GDPR).
    let banner: Timestamp = "2026-03-02T09:15:00Z".parse()?;
    engine.grant(customer, "marketing", Consent::at(banner).source("cookie banner v3").notice_version(3))?;
    let prefs: Timestamp = "2026-03-05T18:40:00Z".parse()?;
    engine.grant(
        customer,
        "marketing.personalisation",
        Consent::at(prefs)
            .source("preferences page: dietary needs for recommendations")
            .notice_version(3)
            .explicit(),
    )?;

    let now: Timestamp = "2026-06-01T12:00:00Z".parse()?;
    println!("\nWhat each purpose sees of customer {customer} on {now}:");
    print_side_by_side(&engine, &record, customer, now)?;

    let unsubscribe: Timestamp = "2026-06-10T07:30:00Z".parse()?;
    engine.withdraw(
        customer,
        "marketing.email",
        Consent::at(unsubscribe).source("unsubscribe link in newsletter"),
    )?;
    let later: Timestamp = "2026-06-15T12:00:00Z".parse()?;
    println!("\nAfter the customer unsubscribed from the newsletter, on {later}:");
    print_side_by_side(&engine, &record, customer, later)?;

    println!("\nWhy, field by field, for marketing.email:");
    let view = engine.view(&record, customer, "marketing.email", later)?;
    for d in &view.decisions {
        let verdict = match d.verdict.effect {
            Effect::Allow => "allow",
            Effect::Deny => "deny ",
        };
        println!(
            "  {:<14} {verdict} {:<14} {}",
            d.field,
            format!("{:?}", d.verdict.treatment),
            d.verdict.reason.explain()
        );
    }

    println!("\nConsent history of {customer} (proof of consent, Art. 7(1) GDPR):");
    for e in engine.consent_history(customer)? {
        println!(
            "  {}  {:<8} {:<26} notice v{}  source: {}{}",
            e.at,
            e.action.as_str(),
            e.purpose,
            e.notice_version,
            e.source,
            if e.explicit { " (explicit)" } else { "" }
        );
    }
    Ok(())
}

fn print_side_by_side(
    engine: &Engine,
    record: &Map<String, Value>,
    customer: &str,
    now: Timestamp,
) -> zweck::Result<()> {
    let views: Vec<View> =
        PURPOSES.iter().map(|p| engine.view(record, customer, p, now)).collect::<zweck::Result<_>>()?;
    print!("  {:<14}", "field");
    for p in PURPOSES {
        print!(" {:<WIDTH$}", short(p));
    }
    println!();
    for field in record.keys() {
        print!("  {field:<14}");
        for v in &views {
            let cell = match v.record.get(field) {
                Some(value) => render(value),
                None => format!("- {}", v.decision(field).map(|d| d.reason.as_str()).unwrap_or("?")),
            };
            print!(" {:<WIDTH$}", clip(&cell));
        }
        println!();
    }
    Ok(())
}

fn short(purpose: &str) -> &str {
    match purpose {
        "marketing.personalisation" => "marketing.personal.",
        other => other,
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{} items]", items.len()),
        other => other.to_string(),
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= WIDTH {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(WIDTH - 1).collect();
        t.push('…');
        t
    }
}
