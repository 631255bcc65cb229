//! The crash test: a child process appends to a journal and is killed with SIGKILL at a random moment;
//! every append it acknowledged must survive, whole and in order, and the journal must open and take
//! appends again.
//!
//! The child is this test binary itself, running the `#[ignore]`d test `crash_child_appends_until_killed`.
//! Both sides derive each append's records from its generation and sequence number, so the parent
//! knows exactly which records an acknowledgement stands for and where its frame ends in the file.
//!
//! A SIGKILL loses nothing the kernel already has, so on top of real kills the parent sometimes also
//! simulates a power failure: it truncates the file somewhere after the last acknowledged frame (where
//! an un-synced write could end) and sometimes appends zeros (a preallocated tail). Set
//! `ZWECK_CRASH_SEED` to replay a failing run.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zweck::store::{JournalOptions, JournalStore, RecordKind, Store};

const KILLS: u64 = 200;
/// Kills in a row against one journal before starting a fresh one, so recovery runs on journals that
/// already went through earlier crashes and cuts.
const CHAIN: u64 = 10;
/// Header of a journal, in bytes (see the format in the `store` module docs).
const HEADER_LEN: u64 = 16;
const JOURNAL_ENV: &str = "ZWECK_CRASH_CHILD_JOURNAL";
const GENERATION_ENV: &str = "ZWECK_CRASH_CHILD_GENERATION";
/// Prefix of the child's acknowledgement lines.
const ACK: &str = "zweck-ack ";

type Records = Vec<(RecordKind, Vec<u8>)>;

/// The records of append `seq` of child `generation`: mostly single records, some batches, mostly
/// small, a few large enough that a kill can land in the middle of writing them.
fn planned_append(generation: u64, seq: u64) -> Records {
    let mut rng = StdRng::seed_from_u64(generation << 32 | seq);
    let count = if rng.gen_bool(0.7) { 1 } else { rng.gen_range(2..=5) };
    (0..count)
        .map(|i| {
            let kind = RecordKind(rng.gen_range(1..=5));
            let len = if rng.gen_bool(0.05) { rng.gen_range(0..300_000) } else { rng.gen_range(0..2_000) };
            let mut payload = format!("g{generation} s{seq} r{i} ").into_bytes();
            payload.resize(len.max(payload.len()), 0);
            rng.fill(&mut payload[..]);
            (kind, payload)
        })
        .collect()
}

/// Bytes the append occupies in the journal: one frame, holding a batch if there are several records.
fn frame_len(records: &Records) -> u64 {
    let payload: u64 = match records.as_slice() {
        [(_, one)] => one.len() as u64,
        many => many.iter().map(|(_, p)| 5 + p.len() as u64).sum(),
    };
    9 + payload
}

fn replay(store: &JournalStore) -> Records {
    let mut out = Vec::new();
    store
        .replay(&mut |kind, bytes| {
            out.push((kind, bytes.to_vec()));
            Ok(())
        })
        .unwrap();
    out
}

/// Run by `acknowledged_appends_survive_sigkill_at_random_moments` in a child process: appends until
/// killed, printing each sequence number once its append is acknowledged.
#[test]
#[ignore = "runs only as the child of acknowledged_appends_survive_sigkill_at_random_moments"]
fn crash_child_appends_until_killed() {
    let (Some(path), Some(generation)) = (std::env::var_os(JOURNAL_ENV), std::env::var_os(GENERATION_ENV))
    else {
        return;
    };
    let generation: u64 = generation.to_str().and_then(|g| g.parse().ok()).unwrap();
    let (store, _) =
        JournalStore::open(&path, JournalOptions { sync: true, ..JournalOptions::default() }).unwrap();
    let mut out = std::io::stdout().lock();
    // Bounded so that an orphaned child cannot run forever; the parent kills long before.
    for seq in 0..2_000 {
        let records = planned_append(generation, seq);
        let refs: Vec<(RecordKind, &[u8])> = records.iter().map(|(k, p)| (*k, p.as_slice())).collect();
        store.append(&refs).unwrap();
        writeln!(out, "{ACK}{seq}").unwrap();
        out.flush().unwrap();
    }
}

struct Totals {
    kills: u64,
    acknowledged_records: u64,
    tails_cut: u64,
    torn_by_kill: u64,
}

#[test]
fn acknowledged_appends_survive_sigkill_at_random_moments() {
    let seed = std::env::var("ZWECK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen::<u64>());
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("crash-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("zweck.journal");
    let mut totals = Totals { kills: 0, acknowledged_records: 0, tails_cut: 0, torn_by_kill: 0 };

    let mut journal: Records = Vec::new();
    let mut acked_base = 0;
    for generation in 0..KILLS {
        if generation % CHAIN == 0 {
            let _ = fs::remove_file(&path);
            drop(JournalStore::open(&path, JournalOptions::default()).unwrap());
            journal.clear();
            acked_base = HEADER_LEN;
        }
        let context = format!("ZWECK_CRASH_SEED={seed}, generation {generation}");
        let acks = run_and_kill(&path, generation, &mut rng);
        assert!(
            acks.iter().enumerate().all(|(i, &s)| i as u64 == s),
            "{context}: acks out of order: {acks:?}"
        );
        let acked = acks.len() as u64;
        totals.kills += 1;

        // Where the acknowledged frames end, from the documented format.
        let acked_appends: Vec<Records> = (0..acked).map(|s| planned_append(generation, s)).collect();
        let acked_end = acked_base + acked_appends.iter().map(frame_len).sum::<u64>();
        let next = planned_append(generation, acked);
        let len = fs::metadata(&path).unwrap().len();
        assert!(len >= acked_end, "{context}: acknowledged bytes missing: file {len} < {acked_end}");
        if len > acked_end && len != acked_end + frame_len(&next) {
            totals.torn_by_kill += 1;
        }
        simulate_power_loss(&path, acked_end, len, &mut rng);

        let (store, report) = JournalStore::open(&path, JournalOptions::default())
            .unwrap_or_else(|e| panic!("{context}: reopening after the kill: {e}"));
        if let Some(cut) = &report.tail_cut {
            assert!(cut.offset >= acked_end, "{context}: cut at {} removes acknowledged bytes", cut.offset);
            totals.tails_cut += 1;
        }
        let found = replay(&store);
        assert_eq!(report.records, found.len() as u64, "{context}");
        let mut expected = journal.clone();
        expected.extend(acked_appends.into_iter().flatten());
        assert!(
            found.len() >= expected.len(),
            "{context}: {} records found, {} expected",
            found.len(),
            expected.len()
        );
        assert!(found[..expected.len()] == expected[..], "{context}: acknowledged records differ");
        let unacknowledged = &found[expected.len()..];
        assert!(
            unacknowledged.is_empty() || unacknowledged == next.as_slice(),
            "{context}: {} records beyond the acknowledged ones are not the one append in flight",
            unacknowledged.len()
        );
        totals.acknowledged_records += expected.len() as u64 - journal.len() as u64;

        // Still appendable, and the next child starts from a clean end.
        let marker = format!("parent after kill {generation}").into_bytes();
        store.append(&[(RecordKind::META, &marker)]).unwrap();
        journal = found;
        journal.push((RecordKind::META, marker));
        assert_eq!(replay(&store), journal, "{context}");
        acked_base = fs::metadata(&path).unwrap().len();
    }
    let _ = fs::remove_dir_all(&dir);
    eprintln!(
        "crash test: {} kills, {} acknowledged records, {} torn tails cut ({} torn by the kill itself, \
         the rest after simulated power loss); seed {seed}",
        totals.kills, totals.acknowledged_records, totals.tails_cut, totals.torn_by_kill
    );
}

/// Starts a child appending to `path`, kills it after a random number of acknowledgements or a random
/// short delay, and returns every sequence number it acknowledged before dying.
fn run_and_kill(path: &Path, generation: u64, rng: &mut StdRng) -> Vec<u64> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child_appends_until_killed",
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(JOURNAL_ENV, path)
        .env(GENERATION_ENV, generation.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // The harness prints "test <name> ... " without a newline before the test's own output.
            if let Some(seq) = line.find(ACK).and_then(|at| line[at + ACK.len()..].trim().parse().ok()) {
                if tx.send(seq).is_err() {
                    break;
                }
            }
        }
    });
    let mut acks = Vec::new();
    if rng.gen_bool(0.5) {
        let wanted = rng.gen_range(0..=12);
        while acks.len() < wanted {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(seq) => acks.push(seq),
                Err(_) => break,
            }
        }
    } else {
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..30_000)));
    }
    // SIGKILL on Unix. Acknowledgements printed before death are still in the pipe and read below.
    let _ = child.kill();
    child.wait().unwrap();
    reader.join().unwrap();
    acks.extend(rx.try_iter());
    acks
}

/// Half the time, cuts the file at a random point after the acknowledged frames (what a power
/// failure can do to writes that were never synced), sometimes followed by a zero-filled tail.
fn simulate_power_loss(path: &Path, acked_end: u64, len: u64, rng: &mut StdRng) {
    if !rng.gen_bool(0.5) {
        return;
    }
    let file = OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(rng.gen_range(acked_end..=len)).unwrap();
    if rng.gen_bool(0.5) {
        let cut = file.metadata().unwrap().len();
        file.set_len(cut + rng.gen_range(1..4096)).unwrap();
    }
}
