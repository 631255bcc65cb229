//! Key material never leaves zweck: master secrets and the keys derived from them appear in no
//! `Debug` or `Display` output, no error, no panic message, no audit entry and no journal byte, and
//! the heap memory that held them is zeroed before it is given back.
//!
//! The zeroing checks use a global allocator that, while armed, scans every block freed by the
//! program for registered byte patterns (master secrets, the HKDF-derived domain and internal keys,
//! and the HMAC midstates keyed with each), with a positive control that a plain copy is found.
//!
//! What they cannot see, and what remains there: copies on the stack and in registers. HKDF keys an
//! `hmac::Hmac` on the stack per derivation, `DomainKey::digest` copies the inner midstate to the
//! stack per value, the audit chain keys an `Hmac` on the stack per entry, and SHA-256's compression
//! function keeps its own temporaries; `hmac` and `sha2` do not zero these. They live only for the
//! call and are overwritten by later calls, but a core dump taken mid-call would hold them. Key
//! material the C caller passes in stays in the caller's memory, which zweck never frees.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hmac::{Hmac, Mac};
use sha2::digest::generic_array::GenericArray;
use sha2::Sha256;
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::{AuditMode, DomainKey, Engine, Error, KeyRing, Timestamp};

const SHOP_POLICY: &str = include_str!("../examples/shop_policy.json");

/// Distinctive secrets: printable, so that a leak would also show as text.
const SECRET_1: &[u8; 32] = b"S3CRET-one-0123456789-abcdefghij";
const SECRET_2: &[u8; 40] = b"S3CRET-two-0123456789-abcdefghijklmnopqr";
const SECRET_3: &[u8; 64] = b"S3CRET-three-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLM";

// ----- the scanning allocator -----

/// Most patterns watched at once, and the longest.
const MAX_NEEDLES: usize = 96;
const NEEDLE_LEN: usize = 16;

struct Needles {
    patterns: [[u8; NEEDLE_LEN]; MAX_NEEDLES],
    names: [&'static str; MAX_NEEDLES],
    hits: [usize; MAX_NEEDLES],
    count: usize,
}

static NEEDLES: Mutex<Needles> = Mutex::new(Needles {
    patterns: [[0; NEEDLE_LEN]; MAX_NEEDLES],
    names: [""; MAX_NEEDLES],
    hits: [0; MAX_NEEDLES],
    count: 0,
});
static ARMED: AtomicBool = AtomicBool::new(false);
/// Serialises the tests that arm the scanner, since it is global to the test binary.
static SCANNING: Mutex<()> = Mutex::new(());

/// `System`, plus a scan of every freed block for the registered patterns while armed, and every
/// freed block zeroed.
struct ScanOnFree;

// SAFETY: every call is forwarded unchanged to `System`; the scan only reads, and the zeroing only
// writes, the block being freed, which is still allocated and `layout.size()` bytes long; neither
// allocates nor frees.
unsafe impl GlobalAlloc for ScanOnFree {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Acquire) && layout.size() >= NEEDLE_LEN {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until the call below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            let mut needles = NEEDLES.lock().unwrap_or_else(|p| p.into_inner());
            let n = needles.count;
            for i in 0..n {
                let pattern = needles.patterns[i];
                if block.windows(NEEDLE_LEN).any(|w| w == pattern) {
                    needles.hits[i] += 1;
                }
            }
        }
        // Zeroed before it goes back, armed or not: the tests' own copies of keys (the patterns they
        // watch for) are freed too, and a later test whose allocation reused such a block without
        // overwriting all of it would otherwise find them there and report a leak that is not one.
        // SAFETY: the block is live, writable and `layout.size()` bytes long until the call below.
        unsafe { std::ptr::write_bytes(ptr, 0, layout.size()) };
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: ScanOnFree = ScanOnFree;

/// An armed scanner; disarms and clears on drop.
struct Scanner {
    _serial: MutexGuard<'static, ()>,
}

/// Runs the tests of this binary one at a time: the scanner and the panic hook are global, and a
/// test that formats a secret must not free it while another test's scanner is armed.
fn serial() -> MutexGuard<'static, ()> {
    SCANNING.lock().unwrap_or_else(|p| p.into_inner())
}

impl Scanner {
    fn start() -> Scanner {
        let serial = serial();
        let mut needles = NEEDLES.lock().unwrap_or_else(|p| p.into_inner());
        needles.count = 0;
        needles.hits = [0; MAX_NEEDLES];
        drop(needles);
        Scanner { _serial: serial }
    }

    /// Watches for `bytes` (in windows of 16 bytes: each window is its own pattern).
    fn watch(&self, name: &'static str, bytes: &[u8]) {
        let mut needles = NEEDLES.lock().unwrap_or_else(|p| p.into_inner());
        for window in bytes.chunks_exact(NEEDLE_LEN) {
            let i = needles.count;
            assert!(i < MAX_NEEDLES, "too many patterns");
            needles.patterns[i].copy_from_slice(window);
            needles.names[i] = name;
            needles.count += 1;
        }
    }

    fn arm(&self) {
        ARMED.store(true, Ordering::Release);
    }

    /// Disarms and returns the names of the patterns found in freed memory, with hit counts.
    fn findings(&self) -> Vec<(&'static str, usize)> {
        ARMED.store(false, Ordering::Release);
        let needles = NEEDLES.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<(&'static str, usize)> = Vec::new();
        for i in 0..needles.count {
            if needles.hits[i] > 0 {
                match out.iter_mut().find(|(n, _)| *n == needles.names[i]) {
                    Some(entry) => entry.1 += needles.hits[i],
                    None => out.push((needles.names[i], needles.hits[i])),
                }
            }
        }
        out
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        ARMED.store(false, Ordering::Release);
    }
}

// ----- the keys zweck derives, computed independently -----

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// HKDF-SHA256 with a 32-byte output (RFC 5869: one expand block).
fn hkdf32(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let prk = hmac(salt, &[ikm]);
    hmac(&prk, &[info, &[1]])
}

/// The two SHA-256 midstates of HMAC keyed with the 32-byte `key`, as the bytes they occupy in
/// memory (`[u32; 8]` in native byte order).
fn midstates(key: &[u8; 32]) -> [Vec<u8>; 2] {
    let state = |pad: u8| {
        let mut block = [pad; 64];
        for (b, k) in block.iter_mut().zip(key) {
            *b ^= k;
        }
        let mut st: [u32; 8] =
            [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
        sha2::compress256(&mut st, &[*GenericArray::from_slice(&block)]);
        st.iter().flat_map(|w| w.to_ne_bytes()).collect::<Vec<u8>>()
    };
    [state(0x36), state(0x5c)]
}

fn domain_key_bytes(secret: &[u8], domain: &str) -> [u8; 32] {
    hkdf32(b"zweck/v1", secret, domain.as_bytes())
}

fn internal_key_bytes(secret: &[u8], label: &str) -> [u8; 32] {
    hkdf32(b"zweck/internal/v1", secret, label.as_bytes())
}

// ----- text checks -----

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every way a secret could show up in text: itself, hex either case, a Rust byte list, and
/// 8-byte pieces of each (a partial leak counts too).
fn forms(secret: &[u8]) -> Vec<String> {
    let mut forms = vec![
        String::from_utf8_lossy(secret).into_owned(),
        hex(secret),
        hex(secret).to_uppercase(),
        format!("{secret:?}"),
        format!("{:?}", secret.to_vec()),
    ];
    for piece in secret.chunks(8) {
        forms.push(String::from_utf8_lossy(piece).into_owned());
        forms.push(hex(piece));
        forms.push(format!("{piece:?}").trim_matches(|c| c == '[' || c == ']').to_string());
    }
    forms
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str, secrets: &[&[u8]]) {
    for secret in secrets {
        for form in forms(secret) {
            assert!(!text.contains(&form), "{what} shows key material ({form:?}): {text}");
        }
    }
}

fn every_key_form(secret: &[u8]) -> Vec<Vec<u8>> {
    let mut keys = vec![secret.to_vec()];
    for domain in ["marketing", "analytics", "fraud"] {
        let k = domain_key_bytes(secret, domain);
        keys.push(k.to_vec());
        keys.extend(midstates(&k));
    }
    for label in ["audit", "audit-subject", "erasure", "kcv"] {
        let k = internal_key_bytes(secret, label);
        keys.push(k.to_vec());
        keys.extend(midstates(&k));
    }
    keys
}

fn policy() -> Policy {
    Policy::from_json(SHOP_POLICY).expect("the shop policy is valid")
}

fn now() -> Timestamp {
    Timestamp::from_unix(1_780_315_200)
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zweck-secrets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

// ----- Debug, Display, errors -----

#[test]
fn debug_output_of_keys_and_engines_shows_no_key_material() {
    let _serial = serial();
    let mut ring = KeyRing::new(1, SECRET_1).expect("valid");
    ring.add_key(2, SECRET_2).expect("valid");
    ring.add_key(3, SECRET_3).expect("valid");
    let secrets: Vec<Vec<u8>> =
        [&SECRET_1[..], &SECRET_2[..], &SECRET_3[..]].iter().flat_map(|s| every_key_form(s)).collect();
    let secrets: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
    let key: DomainKey = ring.domain_key("marketing");
    let engine = Engine::new(policy(), ring.clone());
    let domain_from_engine = engine.domain_key("analytics").expect("valid domain");
    for (what, text) in [
        ("KeyRing {:?}", format!("{ring:?}")),
        ("KeyRing {:#?}", format!("{ring:#?}")),
        ("DomainKey {:?}", format!("{key:?}")),
        ("DomainKey {:#?}", format!("{key:#?}")),
        ("engine DomainKey {:?}", format!("{domain_from_engine:?}")),
        ("Engine {:?}", format!("{engine:?}")),
        ("Engine {:#?}", format!("{engine:#?}")),
    ] {
        assert_no_secret(what, &text, &secrets);
    }
}

/// Every failure that involves a key, with the error's `Display` and `Debug`.
fn key_errors() -> Vec<(&'static str, Error)> {
    let mut errors = Vec::new();
    let mut too_long = SECRET_3.to_vec();
    too_long.extend_from_slice(SECRET_1);
    errors.push(("secret too short", KeyRing::new(1, &SECRET_1[..31]).expect_err("short")));
    errors.push(("secret too long", KeyRing::new(1, &too_long).expect_err("long")));
    errors.push(("empty secret", KeyRing::new(1, &[]).expect_err("empty")));
    let mut ring = KeyRing::new(1, SECRET_1).expect("valid");
    errors.push(("duplicate version", ring.add_key(1, SECRET_2).expect_err("duplicate")));
    errors.push(("rotate to duplicate", ring.rotate(1, SECRET_3).expect_err("duplicate")));
    errors.push(("rotate too short", ring.rotate(2, &SECRET_2[..20]).expect_err("short")));
    errors.push(("unknown current", ring.set_current(9).expect_err("unknown")));
    errors.push(("unknown domain version", ring.domain_key_for("marketing", 9).expect_err("unknown")));
    errors
        .push(("unknown internal version", ring.internal_key(9, "audit").map(|_| ()).expect_err("unknown")));
    errors.push(("unknown check value", ring.key_check_value(9).map(|_| ()).expect_err("unknown")));
    let engine = Engine::new(policy(), ring.clone());
    errors.push(("engine rotate duplicate", engine.rotate_key(1, SECRET_2).expect_err("duplicate")));
    errors.push(("engine rotate long", engine.rotate_key(2, &too_long).expect_err("long")));

    // A journal reopened under the same version with a different secret, or without the version
    // its erasures and audit log were made under.
    let dir = scratch("errors");
    let path = dir.join("keys.journal");
    {
        // The audit log begins under version 1; the erasure happens under version 2.
        let ring = KeyRing::new(1, SECRET_1).expect("valid");
        let engine = Engine::builder(policy(), ring).journal(&path).open().expect("open");
        engine.grant("c-1", "marketing", Consent::at(now()).source("form")).expect("grant");
        engine.rotate_key(2, SECRET_2).expect("rotate");
        engine.forget_subject("c-1", "request", now()).expect("erase");
    }
    let other = KeyRing::new(2, SECRET_3).expect("valid");
    errors.push(("other secret, same version", open_err(&path, other)));
    let missing = KeyRing::new(7, SECRET_3).expect("valid");
    errors.push(("version missing", open_err(&path, missing)));
    let without_audit = KeyRing::new(2, SECRET_2).expect("valid");
    errors.push(("audit version missing", open_err(&path, without_audit)));
    let _ = std::fs::remove_dir_all(&dir);
    errors
}

fn open_err(path: &std::path::Path, ring: KeyRing) -> Error {
    match Engine::builder(policy(), ring).journal(path).open() {
        Ok(_) => panic!("a journal opened with the wrong keys must be refused"),
        Err(e) => e,
    }
}

#[test]
fn errors_on_every_key_failure_path_show_no_key_material() {
    let _serial = serial();
    let errors = key_errors();
    let all: Vec<Vec<u8>> =
        [&SECRET_1[..], &SECRET_2[..], &SECRET_3[..]].iter().flat_map(|s| every_key_form(s)).collect();
    let all: Vec<&[u8]> = all.iter().map(Vec::as_slice).collect();
    assert!(errors.len() >= 15, "{} key failure paths", errors.len());
    for (what, e) in &errors {
        assert_no_secret(what, &e.to_string(), &all);
        assert_no_secret(what, &format!("{e:?}"), &all);
        assert_no_secret(what, &format!("{e:#?}"), &all);
    }
}

#[test]
fn operations_given_bad_keys_do_not_panic_and_no_panic_message_shows_key_material() {
    let _serial = serial();
    let messages: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&messages);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.lock().unwrap_or_else(|p| p.into_inner()).push(info.to_string());
    }));
    let mut too_long = SECRET_3.to_vec();
    too_long.extend_from_slice(SECRET_2);
    let outcomes: Vec<(&str, bool)> = vec![
        ("short secret", catch_unwind(|| KeyRing::new(1, &SECRET_1[..1]).is_err()).unwrap_or(false)),
        ("long secret", catch_unwind(|| KeyRing::new(u32::MAX, &too_long).is_err()).unwrap_or(false)),
        (
            "duplicate",
            catch_unwind(|| {
                let mut r = KeyRing::new(0, SECRET_1).expect("valid");
                r.add_key(0, SECRET_1).is_err() && r.rotate(0, SECRET_2).is_err()
            })
            .unwrap_or(false),
        ),
        (
            "unknown versions",
            catch_unwind(|| {
                let r = KeyRing::new(1, SECRET_1).expect("valid");
                r.domain_key_for("", u32::MAX).is_err() && r.internal_key(0, "").is_err()
            })
            .unwrap_or(false),
        ),
        (
            "engine rotation",
            catch_unwind(AssertUnwindSafe(|| {
                let engine = Engine::builder(policy(), KeyRing::new(1, SECRET_1).expect("valid"))
                    .vault(true)
                    .open()
                    .expect("open");
                engine.rotate_key(1, SECRET_1).is_err()
                    && engine.rotate_key(2, &[]).is_err()
                    && engine.rotate_key(2, &too_long).is_err()
                    && engine.domain_key("").is_err()
            }))
            .unwrap_or(false),
        ),
    ];
    std::panic::set_hook(previous);
    let messages = messages.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for m in &messages {
        assert_no_secret("panic message", m, &[SECRET_1, SECRET_2, SECRET_3]);
    }
    assert!(messages.is_empty(), "bad keys must be errors, not panics: {messages:?}");
    for (what, ok) in outcomes {
        assert!(ok, "{what}: expected an error for every bad input");
    }
}

#[test]
fn journal_bytes_and_audit_log_hold_no_key_material() {
    let _serial = serial();
    let dir = scratch("journal");
    let path = dir.join("shop.journal");
    let mut ring = KeyRing::new(1, SECRET_1).expect("valid");
    ring.add_key(3, SECRET_3).expect("valid");
    let engine = Engine::builder(policy(), ring)
        .journal(&path)
        .vault(true)
        .audit(AuditMode::Full)
        .open()
        .expect("open");
    let t = now();
    engine.grant("c-1", "marketing", Consent::at(t).source("banner").explicit()).expect("grant");
    engine.object("c-2", "analytics", Consent::at(t).source("gpc")).expect("object");
    let record = r#"{"customer_id": "c-1", "email": "jane@example.com", "ip_address": "192.0.2.1"}"#;
    for purpose in ["marketing", "analytics", "fraud"] {
        engine.view_json(record, "c-1", purpose, t).expect("view");
    }
    engine.forget_subject("c-2", "customer request", t).expect("erase");
    engine.rotate_key(2, SECRET_2).expect("rotate");
    engine.view_json(record, "c-1", "fraud", t).expect("view after rotation");
    engine.flush_audit().expect("flush");
    let entries = engine.audit_entries().expect("entries");
    assert!(entries.len() > 5, "the audit log holds the operations");
    let log: String = entries.iter().map(|e| format!("{e:?}\n")).collect();
    engine.compact().expect("compact");
    engine.grant("c-1", "marketing.email", Consent::at(t).source("form")).expect("grant after compaction");
    drop(engine);
    let journal = std::fs::read(&path).expect("journal");
    let text = String::from_utf8_lossy(&journal).into_owned();
    for secret in [&SECRET_1[..], &SECRET_2[..], &SECRET_3[..]] {
        for key in every_key_form(secret) {
            assert!(!journal.windows(16).any(|w| key.windows(16).any(|k| k == w)), "journal holds key bytes");
            assert_no_secret("journal text", &text, &[&key]);
            assert_no_secret("audit log", &log, &[&key]);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ----- zeroing on drop -----

/// The scanner finds a secret in a block freed without zeroing: without this, a silent scanner
/// would pass every test below.
#[test]
fn scanner_detects_a_secret_freed_without_zeroing() {
    let scanner = Scanner::start();
    scanner.watch("control", &SECRET_1[..]);
    scanner.arm();
    let copy: Vec<u8> = std::hint::black_box(SECRET_1.to_vec());
    drop(std::hint::black_box(copy));
    let findings = scanner.findings();
    assert!(findings.iter().any(|(n, _)| *n == "control"), "the positive control was not detected");
}

#[test]
fn a_dropped_key_ring_leaves_no_secret_in_freed_memory() {
    let scanner = Scanner::start();
    scanner.watch("master secret 1", &SECRET_1[..]);
    scanner.watch("master secret 3", &SECRET_3[..]);
    let k = internal_key_bytes(SECRET_1, "kcv");
    scanner.watch("key check key", &k);
    scanner.arm();
    let mut ring = KeyRing::new(1, SECRET_1).expect("valid");
    ring.rotate(3, SECRET_3).expect("valid");
    let clone = ring.clone();
    let _ = clone.key_check_value(1).expect("held");
    drop(clone);
    ring.set_current(1).expect("held");
    drop(ring);
    assert_eq!(scanner.findings(), vec![], "key material left in freed heap memory");
}

#[test]
fn a_dropped_domain_key_leaves_no_keyed_state_in_freed_memory() {
    let scanner = Scanner::start();
    let k = domain_key_bytes(SECRET_2, "marketing");
    let [inner, outer] = midstates(&k);
    scanner.watch("master secret", &SECRET_2[..32]);
    scanner.watch("K_d", &k);
    scanner.watch("inner midstate", &inner);
    scanner.watch("outer midstate", &outer);
    scanner.arm();
    let ring = KeyRing::new(1, SECRET_2).expect("valid");
    let key = Box::new(ring.domain_key("marketing"));
    let keys: Vec<DomainKey> = (0..50).map(|_| (*key).clone()).collect();
    assert!(keys.iter().all(|k| k.verify(b"x", &key.pseudonymise(b"x"))));
    drop(keys);
    drop(key);
    drop(ring);
    assert_eq!(scanner.findings(), vec![], "key material left in freed heap memory");
}

/// Moving a key (a vector or a hash map growing) must not leave a stale copy of its keyed states in
/// the block the collection frees.
#[test]
fn growing_collections_of_domain_keys_leave_no_stale_keyed_state() {
    let scanner = Scanner::start();
    let k = domain_key_bytes(SECRET_1, "marketing");
    let [inner, outer] = midstates(&k);
    scanner.watch("inner midstate", &inner);
    scanner.watch("outer midstate", &outer);
    let ring = KeyRing::new(1, SECRET_1).expect("valid");
    let mut keys = Vec::new();
    let mut map = std::collections::HashMap::new();
    scanner.arm();
    for i in 0..100 {
        keys.push(ring.domain_key("marketing"));
        map.insert(i, ring.domain_key("marketing"));
    }
    drop(keys);
    drop(map);
    assert_eq!(scanner.findings(), vec![], "key material left in freed heap memory");
}

/// A heap-allocated engine (as a service or the C ABI holds it) with a journal, a vault, erasures,
/// the audit log and a key rotation: once dropped, no freed block holds the master secrets, the
/// domain keys, the internal keys or any of their HMAC midstates.
#[test]
fn a_dropped_engine_leaves_no_key_material_in_freed_memory() {
    let dir = scratch("zeroing");
    let path = dir.join("zeroing.journal");
    let scanner = Scanner::start();
    let mut watched = Vec::new();
    for (name, secret) in [("secret 1", &SECRET_1[..]), ("secret 2", &SECRET_2[..])] {
        scanner.watch(name, secret);
        for (label, key) in [
            ("domain marketing", domain_key_bytes(secret, "marketing")),
            ("domain analytics", domain_key_bytes(secret, "analytics")),
            ("domain fraud", domain_key_bytes(secret, "fraud")),
            ("domain extra", domain_key_bytes(secret, "newsletter-export")),
            ("audit chain key", internal_key_bytes(secret, "audit")),
            ("audit subject key", internal_key_bytes(secret, "audit-subject")),
            ("erasure key", internal_key_bytes(secret, "erasure")),
        ] {
            watched.push((format!("{label} ({name})"), key));
        }
    }
    for (label, key) in &watched {
        let [inner, outer] = midstates(key);
        let name = |part: &str| -> &'static str { Box::leak(format!("{label} {part}").into_boxed_str()) };
        scanner.watch(name("key"), key);
        scanner.watch(name("inner midstate"), &inner[..16]);
        scanner.watch(name("outer midstate"), &outer[..16]);
    }
    scanner.arm();
    {
        let ring = KeyRing::new(1, SECRET_1).expect("valid");
        let engine =
            Arc::new(Engine::builder(policy(), ring).journal(&path).vault(true).open().expect("open"));
        let t = now();
        engine.grant("c-1", "marketing", Consent::at(t).source("banner").explicit()).expect("grant");
        engine
            .view_json(r#"{"customer_id": "c-1", "email": "a@example.com"}"#, "c-1", "fraud", t)
            .expect("view");
        let _ = engine.pseudonymise("newsletter-export", b"a@example.com").expect("extra domain");
        // Enough further domains that the engine's cache of extra domain keys grows several times.
        for i in 0..100 {
            let _ = engine.pseudonymise(&format!("export-{i}"), b"a@example.com").expect("extra domain");
        }
        engine.forget_subject("c-2", "request", t).expect("erase");
        engine.rotate_key(2, SECRET_2).expect("rotate");
        let _ = engine.pseudonymise("newsletter-export", b"a@example.com").expect("extra domain");
        engine.forget_subject("c-3", "request", t).expect("erase");
        let _ = engine.decide("c-1", "marketing", "email", t);
        drop(engine);
    }
    let findings = scanner.findings();
    drop(scanner);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(findings, vec![], "key material left in freed heap memory");
}
