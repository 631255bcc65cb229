//! Concurrency stress: many threads granting, withdrawing and objecting on one journal-backed engine
//! while others read, then three views of the result must agree.
//!
//! Writers draw random subjects, purposes of `examples/shop_policy.json` and consent details, and
//! keep every event the engine acknowledged (`Ok`). Each event gets a distinct time from a global
//! counter, so the ledger's order (time, then recording order) does not depend on which thread won
//! the race for the writer lock, and a sequential replay can reproduce it. At the end:
//!
//! * (a) the live engine,
//! * (b) the same journal reopened, and
//! * (c) a fresh in-memory engine with every acknowledged event recorded one by one in time order
//!
//! must give the same decision for every subject × purpose × field at several times, and the same
//! consent history per subject; the audit chain of (a) and (b) must verify. Readers meanwhile check
//! that events dated later never change a decision about an earlier time.
//!
//! The whole run is bounded: it happens on a worker thread, and the test fails if it has not
//! finished after [`DEADLINE`] (a deadlock becomes a failure, not a hung test run). Timing never
//! decides anything else.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use zweck::access::{Applied, Effect, Reason};
use zweck::consent::{Consent, ConsentAction, ConsentEvent};
use zweck::policy::{LegalBasis, Policy};
use zweck::store::JournalOptions;
use zweck::{Engine, KeyRing, Timestamp};

const SHOP_POLICY: &str = include_str!("../examples/shop_policy.json");
const SECRET: [u8; 32] = *b"stress-test master secret 32 byt";
const WRITERS: usize = 6;
const READERS: usize = 2;
const OPS_PER_WRITER: usize = 400;
const SUBJECTS: usize = 12;
/// Most read rounds per reader (each round: two decisions, a view and a history).
const READ_ROUNDS: usize = 3_000;
/// First event time: 2026-01-01T00:00:00Z. Event `n` happens `n` minutes later.
const T0: i64 = 1_767_225_600;
const STEP: i64 = 60;
const DEADLINE: Duration = Duration::from_secs(120);

/// A small deterministic generator (SplitMix64), so that a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn policy() -> Policy {
    Policy::from_json(SHOP_POLICY).expect("examples/shop_policy.json is valid")
}

fn ring() -> KeyRing {
    KeyRing::new(1, &SECRET).expect("32-byte secret")
}

fn subject(i: usize) -> String {
    format!("customer-{i}")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zweck-stress-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

type Answer = (Effect, Applied, Reason);

/// Every decision of `engine` over the grid, keyed by (subject, purpose, field, time).
fn decisions(engine: &Engine, times: &[Timestamp]) -> BTreeMap<(String, String, String, i64), Answer> {
    let policy = engine.policy();
    let mut out = BTreeMap::new();
    for s in (0..SUBJECTS).map(subject) {
        for p in policy.purposes() {
            for f in policy.fields() {
                for &t in times {
                    let d = engine.decide(&s, p.key(), f.name(), t);
                    out.insert(
                        (s.clone(), p.key().to_string(), f.name().to_string(), t.unix()),
                        (d.effect, d.treatment, d.reason),
                    );
                }
            }
        }
    }
    out
}

fn histories(engine: &Engine) -> Vec<Vec<ConsentEvent>> {
    (0..SUBJECTS).map(|i| engine.consent_history(&subject(i)).expect("valid subject")).collect()
}

/// What a decision at a time before every event must be: no event can have touched it.
fn before_any_event(policy: &Policy, purpose: &str, field: &str, d: &Answer) -> bool {
    let p = policy.purpose(policy.purpose_id(purpose).expect("declared"));
    let tagged = policy.field_id(field).and_then(|f| policy.tag(f, p.id())).is_some();
    // An untagged field is denied whatever the consent state.
    if !tagged {
        return d.0 == Effect::Deny;
    }
    match p.basis() {
        LegalBasis::Consent => d.0 == Effect::Deny,
        _ => true,
    }
}

struct Outcome {
    acknowledged: Vec<ConsentEvent>,
    refused: u64,
    reads: u64,
    read_checks: u64,
}

fn run(dir: &std::path::Path) -> (Arc<Engine>, Outcome) {
    let path = dir.join("stress.journal");
    let opts = JournalOptions { group_commit: Some(Duration::from_millis(1)), ..JournalOptions::default() };
    let engine = Arc::new(
        Engine::builder(policy(), ring()).journal_with(&path, opts.clone()).open().expect("open journal"),
    );
    let purposes: Arc<Vec<String>> =
        Arc::new(engine.policy().purposes().iter().map(|p| p.key().to_string()).collect());
    let clock = Arc::new(AtomicI64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicU64::new(0));

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (engine, purposes, clock, refused) =
                (Arc::clone(&engine), Arc::clone(&purposes), Arc::clone(&clock), Arc::clone(&refused));
            thread::spawn(move || {
                let mut rng = Rng(0x5eed_0000 + w as u64);
                let mut acked = Vec::new();
                for _ in 0..OPS_PER_WRITER {
                    let at = Timestamp::from_unix(T0 + STEP * clock.fetch_add(1, Ordering::SeqCst));
                    // One operation in twenty names a purpose the policy lacks and must be refused.
                    let purpose = if rng.chance(5) {
                        "marketing.telepathy".to_string()
                    } else {
                        purposes[rng.below(purposes.len())].clone()
                    };
                    let action = match rng.below(10) {
                        0..=4 => ConsentAction::Grant,
                        5..=7 => ConsentAction::Withdraw,
                        _ => ConsentAction::Object,
                    };
                    let event = ConsentEvent {
                        subject: subject(rng.below(SUBJECTS)),
                        purpose,
                        action,
                        at,
                        notice_version: 1 + rng.below(3) as u32,
                        source: format!("writer {w}"),
                        expires: rng
                            .chance(20)
                            .then(|| Timestamp::from_unix(at.unix() + 86_400 * (1 + rng.below(60) as i64))),
                        explicit: rng.chance(40),
                        evidence: rng.chance(10).then(|| format!("form {}", rng.below(1000))),
                    };
                    let mut consent = Consent::at(event.at)
                        .source(event.source.clone())
                        .notice_version(event.notice_version);
                    if let Some(e) = event.expires {
                        consent = consent.expires(e);
                    }
                    if event.explicit {
                        consent = consent.explicit();
                    }
                    if let Some(e) = &event.evidence {
                        consent = consent.evidence(e.clone());
                    }
                    let result = match action {
                        ConsentAction::Grant => engine.grant(&event.subject, &event.purpose, consent),
                        ConsentAction::Withdraw => engine.withdraw(&event.subject, &event.purpose, consent),
                        ConsentAction::Object => engine.object(&event.subject, &event.purpose, consent),
                    };
                    match result {
                        Ok(()) => acked.push(event),
                        Err(_) => {
                            assert_eq!(event.purpose, "marketing.telepathy", "a valid event was refused");
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                acked
            })
        })
        .collect();

    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (engine, purposes, done) = (Arc::clone(&engine), Arc::clone(&purposes), Arc::clone(&done));
            thread::spawn(move || {
                let mut rng = Rng(0xbead_0000 + r as u64);
                let policy = engine.policy();
                let fields: Vec<String> = policy.fields().iter().map(|f| f.name().to_string()).collect();
                let before = Timestamp::from_unix(T0 - 1);
                let (mut reads, mut checks) = (0u64, 0u64);
                let record = serde_json::json!({
                    "customer_id": "c-77", "email": "jane@example.com", "postcode": "10115",
                    "birth_date": "1990-02-03", "ip_address": "192.0.2.7", "order_history": [1, 2]
                });
                let record = record.as_object().expect("object").clone();
                // Bounded, so that the audit entries the reads add stay proportionate to the writes.
                for _ in 0..READ_ROUNDS {
                    if done.load(Ordering::Acquire) {
                        break;
                    }
                    let s = subject(rng.below(SUBJECTS));
                    let p = &purposes[rng.below(purposes.len())];
                    let f = &fields[rng.below(fields.len())];
                    let d = engine.decide(&s, p, f, before);
                    assert!(
                        before_any_event(policy, p, f, &(d.effect, d.treatment, d.reason)),
                        "a decision before every event changed: {s} {p} {f}: {:?}",
                        d.reason
                    );
                    let _ = engine.decide(&s, p, f, Timestamp::from_unix(T0 + STEP * rng.below(3000) as i64));
                    let view = engine.view(&record, &s, p, before).expect("view of a valid record");
                    for (name, _) in &view.record {
                        let d = engine.decide(&s, p, name, before);
                        assert!(d.is_allowed(), "view released {name} that decide denies");
                        checks += 1;
                    }
                    let history = engine.consent_history(&s).expect("valid subject");
                    assert!(history.windows(2).all(|w| w[0].at <= w[1].at), "history out of time order");
                    reads += 4;
                    checks += 2;
                }
                (reads, checks)
            })
        })
        .collect();

    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.join().expect("writer thread"));
    }
    done.store(true, Ordering::Release);
    let (mut reads, mut read_checks) = (0, 0);
    for r in readers {
        let (n, c) = r.join().expect("reader thread");
        reads += n;
        read_checks += c;
    }
    let refused = refused.load(Ordering::Relaxed);
    (engine, Outcome { acknowledged, refused, reads, read_checks })
}

#[test]
fn concurrent_consent_writes_equal_a_sequential_replay_of_the_acknowledged_events() {
    let dir = scratch("replay");
    let (tx, rx) = mpsc::channel();
    let worker_dir = dir.clone();
    thread::spawn(move || {
        let result = std::panic::catch_unwind(|| check(&worker_dir));
        let _ = tx.send(result.map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-text panic".to_string())
        }));
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("stress run failed: {message}"),
        Err(_) => panic!("stress run did not finish within {DEADLINE:?}: deadlock or livelock"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn check(dir: &std::path::Path) {
    let started = std::time::Instant::now();
    let (live, outcome) = run(dir);
    eprintln!("stress: concurrent phase took {:?}", started.elapsed());
    let mut events = outcome.acknowledged;
    events.sort_by_key(|e| e.at);
    assert!(events.windows(2).all(|w| w[0].at < w[1].at), "event times must be distinct");
    let last = events.last().map_or(T0, |e| e.at.unix());
    let times: Vec<Timestamp> = [
        T0 - 1,
        T0 + (last - T0) / 3,
        T0 + 2 * (last - T0) / 3,
        last,
        last + 45 * 86_400,
        last + 420 * 86_400,
    ]
    .into_iter()
    .map(Timestamp::from_unix)
    .collect();

    // (c) A fresh in-memory engine given the acknowledged events one by one, in time order.
    let sequential = Engine::new(policy(), ring());
    for e in &events {
        sequential.record(e.clone()).expect("an acknowledged event records again");
    }
    let expected = decisions(&sequential, &times);
    let expected_histories = histories(&sequential);
    let mut by_subject: Vec<Vec<ConsentEvent>> = vec![Vec::new(); SUBJECTS];
    for e in &events {
        let i: usize = e.subject["customer-".len()..].parse().expect("subject index");
        by_subject[i].push(e.clone());
    }
    assert_eq!(expected_histories, by_subject, "the replay's histories are the acknowledged events");

    // (a) The live engine.
    let live = Arc::try_unwrap(live).unwrap_or_else(|_| panic!("every thread has let go of the engine"));
    let mut checks = 0usize;
    let got = decisions(&live, &times);
    checks += compare("live engine", &expected, &got);
    assert_eq!(histories(&live), expected_histories, "live histories differ from the replay");
    let audit = live.verify_audit(None).expect("live audit chain verifies");
    drop(live);

    // (b) The journal reopened.
    let opts = JournalOptions { group_commit: Some(Duration::from_millis(1)), ..JournalOptions::default() };
    let reopened = Engine::builder(policy(), ring())
        .journal_with(dir.join("stress.journal"), opts)
        .open()
        .expect("reopen");
    let got = decisions(&reopened, &times);
    checks += compare("reopened journal", &expected, &got);
    assert_eq!(histories(&reopened), expected_histories, "reopened histories differ from the replay");
    let reaudit = reopened.verify_audit(None).expect("reopened audit chain verifies");

    let allowed = expected.values().filter(|a| a.0 == Effect::Allow).count();
    eprintln!(
        "stress: {WRITERS} writers, {READERS} readers; {} writes acknowledged, {} refused as intended; \
         {} concurrent reads with {} invariant checks; {} decisions compared per engine ({} allowed) \
         over {} subjects x {} times, {checks} comparisons in total; audit chain {:?} live, {:?} reopened",
        events.len(),
        outcome.refused,
        outcome.reads,
        outcome.read_checks,
        expected.len(),
        allowed,
        SUBJECTS,
        times.len(),
        audit,
        reaudit,
    );
    assert!(allowed > 0 && allowed < expected.len(), "the grid must hold both answers to mean anything");
}

/// Asserts that `got` equals `expected` decision by decision; returns how many were compared.
fn compare(
    what: &str,
    expected: &BTreeMap<(String, String, String, i64), Answer>,
    got: &BTreeMap<(String, String, String, i64), Answer>,
) -> usize {
    assert_eq!(expected.len(), got.len(), "{what}: grid sizes differ");
    for (key, want) in expected {
        assert_eq!(got.get(key), Some(want), "{what} disagrees with the sequential replay at {key:?}");
    }
    expected.len()
}
