//! Cost of access decisions: `decide()` per field, the `Decider` fast path, and whole-record views.
//!
//! The policy has 30 fields and a purpose hierarchy three levels deep; the subject has a handful of
//! consent events, as a real customer would. Each figure is taken twice: with the audit trail off
//! (the cost of deciding) and in the default `AuditMode::Full` (deciding plus sealing an audit
//! entry per call).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::{Map, Value};
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::{AuditMode, Engine, KeyRing, Timestamp};

fn policy(fields: usize) -> Policy {
    let mut f = Vec::new();
    for i in 0..fields {
        let treatment = match i % 4 {
            0 => r#""plain""#.to_string(),
            1 => r#"{"pseudonymise": "analytics"}"#.to_string(),
            2 => r#"{"mask": {"keep_first": 2}}"#.to_string(),
            _ => r#""plain""#.to_string(),
        };
        f.push(format!(
            r#"{{"name": "field_{i}", "category": "user.custom", "purposes":
                {{"order": "plain", "marketing": {treatment}, "analytics": {{"pseudonymise": "analytics"}}}}}}"#
        ));
    }
    Policy::from_json(&format!(
        r#"{{"name": "bench", "vocabulary": "off", "purposes": [
            {{"key": "order", "description": "d", "basis": "contract"}},
            {{"key": "marketing", "description": "d", "basis": "consent", "notice_version": 2, "max_consent_age": "13 months"}},
            {{"key": "marketing.email", "description": "d"}},
            {{"key": "marketing.email.weekly", "description": "d"}},
            {{"key": "analytics", "description": "d", "basis": "legitimate_interests"}}],
           "fields": [{}]}}"#,
        f.join(",")
    ))
    .expect("bench policy")
}

fn engine(audit: AuditMode) -> Engine {
    let e = Engine::builder(policy(30), KeyRing::new(1, &[9u8; 32]).expect("key"))
        .audit(audit)
        .open()
        .expect("engine");
    let t: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
    for s in 0..1000 {
        let subject = format!("c-{s}");
        e.grant(&subject, "marketing", Consent::at(t).source("banner").notice_version(2)).expect("grant");
        e.withdraw(&subject, "marketing.email.weekly", Consent::at(t).source("unsubscribe"))
            .expect("withdraw");
        e.object(&subject, "analytics", Consent::at(t).source("account page")).expect("object");
    }
    e
}

fn bench(c: &mut Criterion) {
    let now: Timestamp = "2026-06-01T00:00:00Z".parse().expect("time");
    let names: Vec<String> = (0..30).map(|i| format!("field_{i}")).collect();
    let mut record = Map::new();
    for i in 0..20 {
        record.insert(format!("field_{i}"), Value::String(format!("value number {i} of the record")));
    }
    for (audit, label) in [(AuditMode::Off, "audit_off"), (AuditMode::Full, "audit_full")] {
        let e = engine(audit);
        let ids: Vec<_> = names.iter().filter_map(|n| e.policy().field_id(n)).collect();

        let mut g = c.benchmark_group(format!("decide/{label}"));
        for purpose in ["order", "marketing.email", "analytics"] {
            g.bench_with_input(BenchmarkId::new("single", purpose), &purpose, |b, p| {
                let mut i = 0;
                b.iter(|| {
                    i = (i + 1) % 30;
                    black_box(e.decide("c-500", p, &names[i], now))
                })
            });
            if purpose == "marketing.email" {
                // The grant is 392 days old: within the days (390 to 397) where 13 months after it
                // may or may not have passed, so the maximum consent age takes the calendar sum.
                let near: Timestamp = "2027-01-28T00:00:00Z".parse().expect("time");
                g.bench_with_input(BenchmarkId::new("single_near_max_age", purpose), &purpose, |b, p| {
                    let mut i = 0;
                    b.iter(|| {
                        i = (i + 1) % 30;
                        black_box(e.decide("c-500", p, &names[i], near))
                    })
                });
            }
            g.throughput(criterion::Throughput::Elements(30));
            g.bench_with_input(BenchmarkId::new("decider_30_fields_by_name", purpose), &purpose, |b, p| {
                b.iter(|| {
                    let d = e.decider("c-500", p, now);
                    for n in &names {
                        black_box(d.verdict_by_name(n));
                    }
                })
            });
            g.bench_with_input(BenchmarkId::new("decider_30_fields_by_id", purpose), &purpose, |b, p| {
                b.iter(|| {
                    let d = e.decider("c-500", p, now);
                    for &id in &ids {
                        black_box(d.verdict(id));
                    }
                })
            });
            g.throughput(criterion::Throughput::Elements(1));
        }
        g.finish();

        let mut g = c.benchmark_group(format!("view/{label}"));
        for purpose in ["order", "marketing.email", "analytics"] {
            g.bench_with_input(BenchmarkId::new("20_fields", purpose), &purpose, |b, p| {
                b.iter(|| black_box(e.view(&record, "c-500", p, now).expect("view")))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
