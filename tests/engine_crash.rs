//! Consent that survives crashes: a child process records consent events through `Engine::open`
//! and reports each acknowledged one; it is killed with SIGKILL at random moments, a hundred times;
//! after each reopen every acknowledged event is in the consent history, the decisions follow from
//! them, the audit chain verifies, and the journal keeps taking events.
//!
//! The child is this test binary running the `#[ignore]`d test `crash_child_records_consent`. Set
//! `ZWECK_CRASH_SEED` to replay a failing run.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zweck::consent::{Consent, ConsentAction};
use zweck::policy::Policy;
use zweck::{Engine, KeyRing, Timestamp};

const KILLS: u64 = 100;
const JOURNAL_ENV: &str = "ZWECK_ENGINE_CRASH_JOURNAL";
const START_ENV: &str = "ZWECK_ENGINE_CRASH_START";
const ACK: &str = "zweck-ack ";
const PURPOSES: [&str; 5] =
    ["marketing", "marketing.email", "marketing.personalisation", "analytics", "fraud"];

fn policy() -> Policy {
    Policy::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop_policy.json")).unwrap()
}

fn keys() -> KeyRing {
    KeyRing::new(1, b"crash test master secret, 32 b!!").unwrap()
}

/// Event `n` of the whole run: subject, purpose, action and a distinct time, derived from `n` alone
/// so that parent and child agree on what an acknowledgement stands for.
fn planned(n: u64) -> (String, &'static str, ConsentAction, Timestamp) {
    let mut rng = StdRng::seed_from_u64(n);
    let subject = format!("c-{}", rng.gen_range(0..12));
    let purpose = PURPOSES[rng.gen_range(0..PURPOSES.len())];
    let action = match rng.gen_range(0..10) {
        0..=5 => ConsentAction::Grant,
        6..=8 => ConsentAction::Withdraw,
        _ => ConsentAction::Object,
    };
    (subject, purpose, action, Timestamp::from_unix(1_767_225_600 + n as i64 * 60))
}

fn record(e: &Engine, n: u64) -> zweck::Result<()> {
    let (subject, purpose, action, at) = planned(n);
    let c = Consent::at(at).source(format!("crash test event {n}")).notice_version(3);
    match action {
        ConsentAction::Grant => e.grant(&subject, purpose, c),
        ConsentAction::Withdraw => e.withdraw(&subject, purpose, c),
        _ => e.object(&subject, purpose, c),
    }
}

#[test]
#[ignore = "runs only as the child of acknowledged_consent_survives_sigkill"]
fn crash_child_records_consent() {
    let (Some(path), Some(start)) = (std::env::var_os(JOURNAL_ENV), std::env::var_os(START_ENV)) else {
        return;
    };
    let start: u64 = start.to_string_lossy().parse().unwrap();
    let e = Engine::open(policy(), keys(), PathBuf::from(path)).unwrap();
    println!("zweck-child-ready");
    for n in start.. {
        record(&e, n).unwrap();
        println!("{ACK}{n}");
    }
}

fn spawn_child(journal: &Path, start: u64) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child_records_consent",
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(JOURNAL_ENV, journal)
        .env(START_ENV, start.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn acknowledged_consent_survives_sigkill() {
    let seed: u64 = std::env::var("ZWECK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = std::env::temp_dir().join(format!("zweck-engine-crash-{}-{seed}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("consent.journal");
    let mut next = 0u64;
    let mut acked: Vec<u64> = Vec::new();
    let mut cut = 0;
    for kill in 0..KILLS {
        let mut child = spawn_child(&journal, next);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Wait for the child to open the journal (it holds the lock while alive).
        // libtest prints "test <name> ... " without a newline before the test's own output.
        let ready = lines.by_ref().map_while(Result::ok).any(|l| l.ends_with("zweck-child-ready"));
        assert!(ready, "seed {seed}: child did not start");
        let wanted = rng.gen_range(0..8);
        let mut got = 0;
        while got < wanted {
            match lines.next() {
                Some(Ok(l)) if l.starts_with(ACK) => {
                    let n: u64 = l[ACK.len()..].parse().unwrap();
                    acked.push(n);
                    next = n + 1;
                    got += 1;
                }
                _ => break,
            }
        }
        if rng.gen_bool(0.5) {
            std::thread::sleep(Duration::from_micros(rng.gen_range(0..3000)));
        }
        child.kill().unwrap();
        // Acknowledgements already in the pipe count too.
        for l in lines.map_while(Result::ok) {
            if let Some(n) = l.strip_prefix(ACK) {
                let n: u64 = n.parse().unwrap();
                acked.push(n);
                next = n + 1;
            }
        }
        child.wait().unwrap();
        // An event written but not acknowledged may or may not be there; the next child skips it.
        next += 1;

        let e = Engine::open(policy(), keys(), &journal)
            .unwrap_or_else(|err| panic!("seed {seed}, kill {kill}: {err}"));
        if e.open_report().is_some_and(|r| r.tail_cut.is_some()) {
            cut += 1;
        }
        check(&e, &acked, seed, kill);
    }
    eprintln!(
        "engine crash test: {KILLS} kills, {} acknowledged consent events, {cut} torn tails cut, seed {seed}",
        acked.len()
    );
    assert!(acked.len() > KILLS as usize / 2, "too few events were acknowledged to mean anything");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every acknowledged event is in its subject's history; decisions equal those of a fresh engine fed
/// the same events; the audit chain verifies; the journal takes another event.
fn check(e: &Engine, acked: &[u64], seed: u64, kill: u64) {
    let mut by_subject: HashMap<String, Vec<u64>> = HashMap::new();
    for &n in acked {
        by_subject.entry(planned(n).0).or_default().push(n);
    }
    let reference = Engine::builder(policy(), keys()).audit(zweck::AuditMode::Off).open().unwrap();
    for (subject, ns) in &by_subject {
        let history = e.consent_history(subject).unwrap();
        for n in ns {
            let source = format!("crash test event {n}");
            assert!(
                history.iter().any(|h| h.source == source),
                "seed {seed}, kill {kill}: acknowledged event {n} of {subject} is missing"
            );
        }
        // Unacknowledged events that made it to disk are allowed, and count in the reference too.
        for h in &history {
            let n: u64 = h.source["crash test event ".len()..].parse().unwrap();
            record(&reference, n).unwrap();
        }
    }
    let now = Timestamp::from_unix(1_767_225_600 + 10_000_000);
    for subject in by_subject.keys() {
        for p in PURPOSES {
            assert_eq!(
                e.decide(subject, p, "customer_id", now).reason,
                reference.decide(subject, p, "customer_id", now).reason,
                "seed {seed}, kill {kill}: {subject} {p}"
            );
        }
    }
    e.verify_audit(None).unwrap_or_else(|err| panic!("seed {seed}, kill {kill}: {err}"));
}
