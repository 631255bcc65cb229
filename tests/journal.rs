//! The journal's contract: what goes in comes back, crashes and damage are handled as documented,
//! compaction really removes bytes, and only one store at a time may hold a journal.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zweck::store::{CompactStats, JournalOptions, JournalStore, MemoryStore, OpenReport, RecordKind, Store};
use zweck::Error;

type Records = Vec<(RecordKind, Vec<u8>)>;

/// A fresh directory under cargo's scratch space, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("journal-{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn journal(&self) -> PathBuf {
        self.0.join("zweck.journal")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn open(path: &Path) -> (JournalStore, OpenReport) {
    match JournalStore::open(path, JournalOptions::default()) {
        Ok(opened) => opened,
        Err(e) => panic!("opening {}: {e}", path.display()),
    }
}

fn records_of(store: &dyn Store) -> Records {
    let mut out = Vec::new();
    store
        .replay(&mut |kind, bytes| {
            out.push((kind, bytes.to_vec()));
            Ok(())
        })
        .unwrap();
    out
}

fn owned(records: &[(RecordKind, &[u8])]) -> Records {
    records.iter().map(|(k, p)| (*k, p.to_vec())).collect()
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).unwrap().len()
}

/// A journal holding `before` followed by `last` (one append), and the offset where `last` begins.
fn journal_ending_with(path: &Path, before: &[&[(RecordKind, &[u8])]], last: &[(RecordKind, &[u8])]) -> u64 {
    let (store, _) = open(path);
    for append in before {
        store.append(append).unwrap();
    }
    let last_start = file_len(path);
    store.append(last).unwrap();
    last_start
}

const FIRST: &[(RecordKind, &[u8])] = &[(RecordKind::CONSENT, b"subject-1 granted marketing.email")];
const SECOND: &[(RecordKind, &[u8])] = &[(RecordKind::AUDIT, b"decision 1")];
const BATCH: &[(RecordKind, &[u8])] = &[
    (RecordKind::VAULT, b"token k1_abc -> alice@example.com"),
    (RecordKind::AUDIT, b"vault insert"),
    (RecordKind::META, b""),
];

#[test]
fn appended_records_replay_in_order_including_batches() {
    let scratch = Scratch::new("round-trip");
    let (store, report) = open(&scratch.journal());
    assert_eq!((report.records, report.tail_cut), (0, None));
    store.append(FIRST).unwrap();
    store.append(BATCH).unwrap();
    store.append(&[]).unwrap();
    store.append(SECOND).unwrap();
    let expected = [owned(FIRST), owned(BATCH), owned(SECOND)].concat();
    assert_eq!(records_of(&store), expected);
    assert_eq!(store.describe(), format!("journal {}", scratch.journal().display()));
    assert_eq!(store.path(), scratch.journal());
}

#[test]
fn reopened_journal_holds_every_record_and_reports_no_cut() {
    let scratch = Scratch::new("reopen");
    let path = scratch.journal();
    journal_ending_with(&path, &[FIRST, BATCH], SECOND);
    let (store, report) = open(&path);
    assert_eq!(report.records, 5);
    assert_eq!(report.bytes, file_len(&path));
    assert_eq!(report.tail_cut, None);
    assert_eq!(records_of(&store), [owned(FIRST), owned(BATCH), owned(SECOND)].concat());
}

#[test]
fn journal_and_lock_file_are_private_to_the_owner() {
    let scratch = Scratch::new("mode");
    let path = scratch.journal();
    let _store = open(&path);
    for p in [path.clone(), PathBuf::from(format!("{}.lock", path.display()))] {
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
    }
}

/// Truncates the journal's last frame at every byte offset: the torn frame is cut and reported, the
/// earlier records stay intact, and the journal takes appends again.
fn torn_last_append_is_cut_at_every_offset(last: &[(RecordKind, &[u8])]) {
    let scratch = Scratch::new("torn");
    let path = scratch.journal();
    let last_start = journal_ending_with(&path, &[FIRST, SECOND], last);
    let full = fs::read(&path).unwrap();
    let kept = [owned(FIRST), owned(SECOND)].concat();
    for cut in last_start + 1..full.len() as u64 {
        fs::write(&path, &full[..cut as usize]).unwrap();
        let (store, report) = open(&path);
        let tail = report.tail_cut.as_ref().unwrap_or_else(|| panic!("no cut reported for a tear at {cut}"));
        assert_eq!((tail.offset, tail.bytes_removed), (last_start, cut - last_start), "tear at {cut}");
        assert_eq!(report.records, 2);
        assert_eq!(file_len(&path), last_start);
        assert_eq!(records_of(&store), kept, "tear at {cut}");

        store.append(SECOND).unwrap();
        drop(store);
        let (store, report) = open(&path);
        assert_eq!(report.tail_cut, None);
        assert_eq!(records_of(&store), [kept.clone(), owned(SECOND)].concat());
    }
}

#[test]
fn torn_single_record_at_the_end_is_cut_at_every_byte_offset() {
    torn_last_append_is_cut_at_every_offset(FIRST);
}

#[test]
fn torn_batch_disappears_entirely_at_every_byte_offset() {
    torn_last_append_is_cut_at_every_offset(BATCH);
}

#[test]
fn flipped_bit_anywhere_in_the_last_frame_is_cut_and_reported() {
    let scratch = Scratch::new("flip-last");
    let path = scratch.journal();
    let last_start = journal_ending_with(&path, &[FIRST, SECOND], BATCH);
    let full = fs::read(&path).unwrap();
    for at in last_start as usize..full.len() {
        let mut damaged = full.clone();
        damaged[at] ^= 1 << (at % 8);
        fs::write(&path, &damaged).unwrap();
        let (store, report) = open(&path);
        let tail = report.tail_cut.unwrap_or_else(|| panic!("flip at {at} not reported"));
        assert_eq!(tail.offset, last_start, "flip at {at}");
        assert_eq!(records_of(&store), [owned(FIRST), owned(SECOND)].concat());
    }
}

#[test]
fn flipped_bit_in_a_middle_frame_refuses_to_open_and_names_the_offset() {
    let scratch = Scratch::new("flip-middle");
    let path = scratch.journal();
    let (store, _) = open(&path);
    store.append(FIRST).unwrap();
    let middle_start = file_len(&path);
    store.append(BATCH).unwrap();
    let middle_end = file_len(&path);
    store.append(SECOND).unwrap();
    drop(store);
    let full = fs::read(&path).unwrap();
    for at in middle_start as usize..middle_end as usize {
        let mut damaged = full.clone();
        damaged[at] ^= 1 << (at % 8);
        fs::write(&path, &damaged).unwrap();
        match JournalStore::open(&path, JournalOptions::default()) {
            Err(Error::Corrupt { offset, path: p, message }) => {
                assert_eq!(offset, middle_start, "flip at {at}: {message}");
                assert_eq!(p, path);
            }
            other => panic!("flip at {at}: expected Corrupt, got {other:?}"),
        }
        assert_eq!(fs::read(&path).unwrap(), damaged, "a refused journal must be left untouched");
    }
}

#[test]
fn zero_filled_tail_is_cut_and_reported() {
    let scratch = Scratch::new("zero-tail");
    let path = scratch.journal();
    journal_ending_with(&path, &[FIRST], SECOND);
    let good = fs::read(&path).unwrap();
    let mut preallocated = good.clone();
    preallocated.resize(good.len() + 4096, 0);
    fs::write(&path, &preallocated).unwrap();
    let (store, report) = open(&path);
    let tail = report.tail_cut.unwrap();
    assert_eq!((tail.offset, tail.bytes_removed), (good.len() as u64, 4096));
    assert_eq!(records_of(&store), [owned(FIRST), owned(SECOND)].concat());
    assert_eq!(fs::read(&path).unwrap(), good);
}

#[test]
fn zeroed_last_frame_is_cut_and_reported() {
    let scratch = Scratch::new("zeroed-frame");
    let path = scratch.journal();
    let last_start = journal_ending_with(&path, &[FIRST], BATCH) as usize;
    let mut bytes = fs::read(&path).unwrap();
    bytes[last_start..].fill(0);
    fs::write(&path, &bytes).unwrap();
    let (store, report) = open(&path);
    assert_eq!(report.tail_cut.unwrap().offset, last_start as u64);
    assert_eq!(records_of(&store), owned(FIRST));
}

#[test]
fn absurd_length_at_the_end_is_cut_without_allocating_it() {
    let scratch = Scratch::new("absurd-tail");
    let path = scratch.journal();
    journal_ending_with(&path, &[FIRST], SECOND);
    let good_len = file_len(&path);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    bytes.extend_from_slice(&[1, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE]);
    fs::write(&path, &bytes).unwrap();
    let (store, report) = open(&path);
    let tail = report.tail_cut.unwrap();
    assert_eq!(tail.offset, good_len);
    assert!(tail.reason.contains("max_record_len"), "{}", tail.reason);
    assert_eq!(records_of(&store).len(), 2);
}

#[test]
fn absurd_length_in_the_middle_is_corruption() {
    let scratch = Scratch::new("absurd-middle");
    let path = scratch.journal();
    let second_start = journal_ending_with(&path, &[FIRST], SECOND) as usize;
    let (store, _) = open(&path);
    store.append(BATCH).unwrap();
    drop(store);
    let mut bytes = fs::read(&path).unwrap();
    bytes[second_start..second_start + 4].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    fs::write(&path, &bytes).unwrap();
    match JournalStore::open(&path, JournalOptions::default()) {
        Err(Error::Corrupt { offset, .. }) => assert_eq!(offset, second_start as u64),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn record_written_with_a_larger_limit_is_not_cut_by_a_smaller_one() {
    let scratch = Scratch::new("limit");
    let path = scratch.journal();
    let big = vec![7u8; 10_000];
    let (store, _) = open(&path);
    store.append(&[(RecordKind::VAULT, &big)]).unwrap();
    drop(store);
    let small = JournalOptions { max_record_len: 1024, ..JournalOptions::default() };
    match JournalStore::open(&path, small) {
        Err(e @ Error::Corrupt { .. }) => assert!(e.to_string().contains("at least 10000"), "{e}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    let (store, report) = open(&path);
    assert_eq!(report.tail_cut, None);
    assert_eq!(records_of(&store), vec![(RecordKind::VAULT, big)]);
}

#[test]
fn records_above_the_limit_and_reserved_kinds_are_refused_and_change_nothing() {
    let scratch = Scratch::new("refused");
    let path = scratch.journal();
    let opts = JournalOptions { max_record_len: 64, ..JournalOptions::default() };
    let (store, _) = JournalStore::open(&path, opts).unwrap();
    store.append(FIRST).unwrap();
    let len = file_len(&path);
    let big = [0u8; 65];
    let half = [0u8; 40];
    let refused: [&[(RecordKind, &[u8])]; 3] = [
        &[(RecordKind::AUDIT, &big)],
        &[(RecordKind::AUDIT, &half), (RecordKind::AUDIT, &half)],
        &[(RecordKind::AUDIT, b"ok"), (RecordKind(0), b"reserved")],
    ];
    for append in refused {
        assert!(matches!(
            store.append(append),
            Err(Error::InvalidInput { what: "record" | "record kind", .. })
        ));
    }
    assert_eq!(file_len(&path), len);
    assert_eq!(records_of(&store), owned(FIRST));
}

#[test]
fn file_that_is_not_a_journal_is_refused_untouched() {
    let scratch = Scratch::new("foreign");
    let path = scratch.journal();
    let text = b"customer_id,email\n1,alice@example.com\n".to_vec();
    fs::write(&path, &text).unwrap();
    match JournalStore::open(&path, JournalOptions::default()) {
        Err(e @ Error::Corrupt { offset: 0, .. }) => {
            assert!(e.to_string().contains("not a zweck journal"), "{e}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    fs::write(&path, b"ZWE").unwrap();
    let (_, report) = open(&path);
    assert_eq!(report.tail_cut.map(|c| c.bytes_removed), Some(3), "an interrupted creation is completed");
    fs::write(&path, b"CSV").unwrap();
    assert!(matches!(JournalStore::open(&path, JournalOptions::default()), Err(Error::Corrupt { .. })));
    assert_eq!(fs::read(&path).unwrap(), b"CSV");
}

#[test]
fn compaction_replaces_content_and_dropped_bytes_leave_the_file() {
    let scratch = Scratch::new("compact");
    let path = scratch.journal();
    let marker = b"ERASED-SUBJECT-7f3a9c-alice@example.com";
    let (store, _) = open(&path);
    store.append(FIRST).unwrap();
    store.append(&[(RecordKind::VAULT, marker), (RecordKind::AUDIT, b"vault insert")]).unwrap();
    store.append(SECOND).unwrap();
    let before = fs::read(&path).unwrap();
    assert!(contains(&before, marker));

    let live = [owned(FIRST), owned(SECOND)].concat();
    let stats = store.compact(&mut live.clone().into_iter()).unwrap();
    assert_eq!((stats.records_before, stats.records_after), (4, 2));
    assert_eq!(stats.bytes_before, before.len() as u64);
    assert_eq!(stats.bytes_after, file_len(&path));
    assert!(stats.bytes_after < stats.bytes_before);
    assert!(!contains(&fs::read(&path).unwrap(), marker), "erased bytes must leave the journal file");
    assert!(!Path::new(&format!("{}.compact.tmp", path.display())).exists());
    assert_eq!(records_of(&store), live);

    store.append(BATCH).unwrap();
    drop(store);
    let (store, report) = open(&path);
    assert_eq!(report.tail_cut, None);
    assert_eq!(records_of(&store), [live, owned(BATCH)].concat());
}

#[test]
fn leftover_compaction_file_from_a_crash_is_removed_and_the_old_journal_kept() {
    let scratch = Scratch::new("compact-crash");
    let path = scratch.journal();
    journal_ending_with(&path, &[FIRST], SECOND);
    let tmp = PathBuf::from(format!("{}.compact.tmp", path.display()));
    fs::write(&tmp, b"ZWECKJ01 half-written compaction").unwrap();
    let (store, report) = open(&path);
    assert!(!tmp.exists());
    assert_eq!(report.tail_cut, None);
    assert_eq!(records_of(&store), [owned(FIRST), owned(SECOND)].concat());
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn second_open_in_the_same_process_is_locked_until_the_first_closes() {
    let scratch = Scratch::new("lock");
    let path = scratch.journal();
    let (first, _) = open(&path);
    match JournalStore::open(&path, JournalOptions::default()) {
        Err(e @ Error::Locked { .. }) => {
            let message = e.to_string();
            assert!(message.contains(&format!("{}.lock", path.display())), "{message}");
            assert!(message.contains("close that store"), "{message}");
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(first);
    let (_second, _) = open(&path);
}

const LOCKED_JOURNAL_ENV: &str = "ZWECK_TEST_LOCKED_JOURNAL";
const CHILD_SAW_LOCKED: &str = "child: journal is locked";

#[test]
fn second_open_from_another_process_is_locked() {
    let scratch = Scratch::new("lock-process");
    let path = scratch.journal();
    let (_held, _) = open(&path);
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_opens_a_journal_held_by_its_parent", "--nocapture", "--include-ignored"])
        .env(LOCKED_JOURNAL_ENV, &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(CHILD_SAW_LOCKED), "the child test did not run: {stdout}");
}

/// Run by `second_open_from_another_process_is_locked` in a child process.
#[test]
#[ignore = "runs only as the child of second_open_from_another_process_is_locked"]
fn child_opens_a_journal_held_by_its_parent() {
    let Some(path) = std::env::var_os(LOCKED_JOURNAL_ENV) else { return };
    match JournalStore::open(&path, JournalOptions::default()) {
        Err(Error::Locked { .. }) => println!("{CHILD_SAW_LOCKED}"),
        other => panic!("expected Locked, got {other:?}"),
    }
}

/// The same sequence of operations on any store, returning what it observed along the way.
fn exercise(store: &dyn Store) -> (Vec<Records>, CompactStats) {
    let mut seen = Vec::new();
    seen.push(records_of(store));
    store.append(FIRST).unwrap();
    store.append(BATCH).unwrap();
    assert!(store.append(&[(RecordKind(0), b"x")]).is_err());
    store.append(&[]).unwrap();
    seen.push(records_of(store));

    // The callback's error stops the replay and comes back unchanged.
    let mut calls = 0;
    let stopped = store.replay(&mut |_, _| {
        calls += 1;
        Err(Error::InvalidInput { what: "record", message: "stop".into() })
    });
    assert!(matches!(stopped, Err(Error::InvalidInput { .. })));
    assert_eq!(calls, 1);

    let stats = store.compact(&mut owned(BATCH).into_iter().skip(1)).unwrap();
    seen.push(records_of(store));
    store.append(SECOND).unwrap();
    assert!(store.compact(&mut std::iter::once((RecordKind(0), vec![]))).is_err());
    seen.push(records_of(store));
    (seen, stats)
}

#[test]
fn memory_store_behaves_like_the_journal() {
    let scratch = Scratch::new("same");
    let (journal, _) = open(&scratch.journal());
    let memory = MemoryStore::new();
    let (from_journal, journal_stats) = exercise(&journal);
    let (from_memory, memory_stats) = exercise(&memory);
    assert_eq!(from_journal, from_memory);
    assert_eq!(from_journal[3], [owned(&BATCH[1..]), owned(SECOND)].concat());
    assert_eq!(
        (journal_stats.records_before, journal_stats.records_after),
        (memory_stats.records_before, memory_stats.records_after)
    );
    assert_eq!(memory.describe(), "memory");
}

#[test]
fn group_commit_makes_every_concurrent_append_durable_in_each_threads_order() {
    const THREADS: u32 = 8;
    const APPENDS: u32 = 200;
    let scratch = Scratch::new("group");
    let path = scratch.journal();
    let opts = JournalOptions { group_commit: Some(Duration::from_millis(1)), ..JournalOptions::default() };
    let (store, _) = JournalStore::open(&path, opts).unwrap();
    let store = Arc::new(store);
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..APPENDS {
                    let payload = [t.to_le_bytes(), i.to_le_bytes()].concat();
                    if i % 10 == 0 {
                        store.append(&[(RecordKind::AUDIT, &payload), (RecordKind::META, &payload)]).unwrap();
                    } else {
                        store.append(&[(RecordKind::AUDIT, &payload)]).unwrap();
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let check = |records: Records| {
        let mut next = vec![0u32; THREADS as usize];
        for (kind, payload) in records {
            let t = u32::from_le_bytes(payload[..4].try_into().unwrap()) as usize;
            let i = u32::from_le_bytes(payload[4..].try_into().unwrap());
            if kind == RecordKind::META {
                assert_eq!(i + 1, next[t], "batch partner follows its record");
                continue;
            }
            assert_eq!(i, next[t], "thread {t} out of order");
            next[t] += 1;
        }
        assert_eq!(next, vec![APPENDS; THREADS as usize]);
    };
    check(records_of(&*store));
    drop(store);
    let (store, report) = open(&path);
    assert_eq!(report.records, u64::from(THREADS * (APPENDS + APPENDS / 10)));
    check(records_of(&store));
}

#[test]
fn a_path_that_names_no_file_is_refused_before_touching_the_file_system() {
    for bad in ["", "/", ".."] {
        let err = zweck::store::JournalStore::open(bad, zweck::store::JournalOptions::default()).unwrap_err();
        assert!(matches!(err, zweck::Error::InvalidInput { what: "journal path", .. }), "{bad:?}: {err}");
    }
    assert!(!std::path::Path::new(".lock").exists());
}
