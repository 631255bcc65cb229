//! What each fuzz target does with one input, shared by the libFuzzer targets in `fuzz/fuzz_targets/`
//! and by `tests/fuzz_regressions.rs`, which replays the seed and regression files through exactly
//! these functions under plain `cargo test`.
//!
//! Every function takes arbitrary bytes and must return normally: a panic here is a finding. Besides
//! "no panic", each checks properties that must hold for any input (a policy's own JSON parses again,
//! a journal that opens replays exactly its checksum-valid frames, a token that parses names its own
//! version, …), so the fuzzer also finds wrong answers, not only crashes.
//!
//! This file is compiled twice: as a module of the `zweck-fuzz` crate and, through `#[path]`, as a
//! module of the `fuzz_regressions` test of the main crate. It may use only `zweck` and `std`.

use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use serde_json::{Map, Value};
use zweck::consent::tcf::{validate, TcString};
use zweck::consent::Consent;
use zweck::policy::Policy;
use zweck::pseudo::token_key_version;
use zweck::store::{JournalOptions, JournalStore, Store};
use zweck::{AuditMode, Engine, Error, KeyRing, Timestamp};

/// The example shop policy: the richest policy in the repository.
pub const SHOP_POLICY: &str = include_str!("../../examples/shop_policy.json");

/// The master secret every target uses; its value is irrelevant to the properties checked.
const SECRET: [u8; 32] = [0x5a; 32];

/// 2026-06-01T12:00:00Z, the "now" of every target unless the input supplies one.
const NOW: i64 = 1_780_315_200;

fn ring() -> KeyRing {
    match KeyRing::new(1, &SECRET) {
        Ok(r) => r,
        Err(e) => panic!("a 32-byte secret is always accepted: {e}"),
    }
}

fn shop_policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| match Policy::from_json(SHOP_POLICY) {
        Ok(p) => p,
        Err(e) => panic!("examples/shop_policy.json must be valid: {e}"),
    })
}

/// The shop policy with a `"tcf"` mapping covering every kind of signal (vendor, publisher, custom).
fn tcf_policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let mut doc: Value = match serde_json::from_str(SHOP_POLICY) {
            Ok(v) => v,
            Err(e) => panic!("examples/shop_policy.json must be JSON: {e}"),
        };
        let mapping = serde_json::json!({
            "vendor_id": 755,
            "purposes": {"1": ["marketing"], "3": ["marketing.personalisation"],
                         "4": ["marketing.personalisation"], "7": ["analytics"]},
            "publisher_purposes": {"1": ["marketing.email"], "8": ["analytics"]},
            "custom_purposes": {"1": ["marketing.ads"]}
        });
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("tcf".into(), mapping);
        }
        match Policy::from_json(&doc.to_string()) {
            Ok(p) => p,
            Err(e) => panic!("the shop policy with a TCF mapping must be valid: {e}"),
        }
    })
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Splits `data` at the first `n - 1` newlines into `n` parts (missing parts are empty).
fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data.splitn(n, |&b| b == b'\n').map(text).collect();
    out.resize(n, String::new());
    out
}

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

/// Every error must render: `Display` and `Debug` of any error are exercised, never only matched.
fn render(e: &Error) {
    let shown = e.to_string();
    assert!(!shown.is_empty(), "an error with an empty message: {e:?}");
    let _ = format!("{e:?}");
}

// ----- policy_json -----

/// A policy document from arbitrary text. When it parses: its notice and records of processing
/// render, its own JSON parses again to the same JSON, and an engine built on it answers `decide`
/// and `view` for every purpose and field without panicking.
pub fn policy_json(data: &[u8]) {
    let json = text(data);
    let policy = match Policy::from_json(&json) {
        Ok(p) => p,
        Err(e) => return render(&e),
    };
    let _ = policy.privacy_notice();
    let _ = policy.processing_records();
    let own = policy.to_json();
    match Policy::from_json(&own) {
        Ok(again) => assert_eq!(again.to_json(), own, "a policy's JSON must be a fixed point"),
        Err(e) => panic!("a valid policy's own JSON must parse again: {e}\n{own}"),
    }
    let purposes: Vec<String> = policy.purposes().iter().map(|p| p.key().to_string()).collect();
    let fields: Vec<String> = policy.fields().iter().map(|f| f.name().to_string()).collect();
    let engine = match Engine::builder(policy, ring()).audit(AuditMode::Off).open() {
        Ok(e) => e,
        Err(e) => panic!("a valid policy must give an in-memory engine: {e}"),
    };
    let record: Map<String, Value> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let v = match i % 4 {
                0 => Value::from("jane.doe@example.com"),
                1 => Value::from("1990-02-03"),
                2 => Value::from(12345),
                _ => Value::from("10115"),
            };
            (f.clone(), v)
        })
        .collect();
    for purpose in &purposes {
        for field in &fields {
            let _ = engine.decide("c-1", purpose, field, now());
        }
        if let Err(e) = engine.grant("c-1", purpose, Consent::at(now()).explicit().source("fuzz")) {
            render(&e);
        }
        for field in &fields {
            let _ = engine.decide("c-1", purpose, field, now());
        }
        if let Err(e) = engine.view(&record, "c-1", purpose, now()) {
            render(&e);
        }
    }
}

// ----- tcf_decode -----

/// A TC string from arbitrary text. When it decodes: it validates, renders as JSON, answers
/// `vendor_allowed` for any vendor and purpose, and an engine with a TCF mapping records it or
/// refuses it with an error.
pub fn tcf_decode(data: &[u8]) {
    let s = text(data);
    let tc = match TcString::decode(&s) {
        Ok(tc) => tc,
        Err(e) => {
            let _ = e.to_string();
            let _ = format!("{e:?}");
            let wrapped: Error = e.into();
            return render(&wrapped);
        }
    };
    let issues = validate(&tc, now());
    for i in &issues {
        let _ = format!("{i:?}");
    }
    let json = tc.to_json();
    let _ = json.to_string();
    let extra = data.iter().fold(0u16, |a, &b| a.wrapping_mul(31).wrapping_add(u16::from(b)));
    for vendor in [0, 1, 755, u16::MAX, extra] {
        for purpose in [0, 1, 3, 7, 11, 12, u8::MAX] {
            let _ = tc.vendor_allowed(vendor, purpose);
        }
    }
    let engine = Engine::builder(tcf_policy().clone(), ring()).audit(AuditMode::Changes).open();
    let engine = match engine {
        Ok(e) => e,
        Err(e) => panic!("an in-memory engine always opens: {e}"),
    };
    match engine.record_tcf("c-1", &s, now()) {
        Ok(recorded) => {
            let _ = format!("{recorded:?}");
            // Recording the same string again is a duplicate, never a second set of events.
            let before = engine.consent_history("c-1").map(|h| h.len()).unwrap_or(0);
            if let Ok(again) = engine.record_tcf("c-1", &s, now()) {
                assert!(again.duplicate, "the same TC string recorded twice must be a duplicate");
            }
            let after = engine.consent_history("c-1").map(|h| h.len()).unwrap_or(0);
            assert_eq!(before, after, "a duplicate TC string must record nothing");
        }
        Err(e) => {
            render(&e);
            let history = engine.consent_history("c-1").map(|h| h.len()).unwrap_or(0);
            assert_eq!(history, 0, "a refused TC string must record nothing");
        }
    }
    for purpose in ["marketing", "marketing.personalisation", "analytics", "marketing.ads"] {
        let _ = engine.decide("c-1", purpose, "email", now());
    }
}

// ----- token_parse -----

/// A pseudonym token from arbitrary text: `token_key_version`, `DomainKey::verify`, batch
/// pseudonymisation of the bytes as a packed buffer, and re-identification through a vault.
pub fn token_parse(data: &[u8]) {
    let s = text(data);
    match token_key_version(&s) {
        Ok(v) => {
            let prefix = format!("k{v}_");
            assert!(s.starts_with(&prefix), "{s:?} parsed as version {v}");
            let hex = &s[prefix.len()..];
            assert_eq!(hex.len(), 32, "{s:?}");
            assert!(hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{s:?}");
        }
        Err(e) => {
            render(&e);
            // The message quotes at most 80 characters of the input.
            if s.chars().count() > 80 {
                // A quote of 81 or more characters would contain this, without its closing quote.
                let first81: String = s.chars().take(81).collect();
                let quoted = format!("{first81:?}");
                let open = &quoted[..quoted.len() - 1];
                assert!(!e.to_string().contains(open), "more than 80 characters of a token were quoted");
            }
        }
    }
    // Any value pseudonymises to a token of the key's own version that verifies against it.
    let version = data.iter().fold(0u32, |a, &b| a.wrapping_mul(257).wrapping_add(u32::from(b)));
    let mut keys = ring();
    if version != 1 {
        if let Err(e) = keys.rotate(version, &[0xa5; 40]) {
            panic!("a fresh version with a 40-byte secret must be accepted: {e}");
        }
    }
    let key = keys.domain_key("fuzz");
    let token = key.pseudonymise(data);
    assert_eq!(token_key_version(&token).ok(), Some(version), "{token}");
    assert!(key.verify(data, &token));
    assert_eq!(key.verify(data, &s), s == token);
    // The bytes as a packed, newline-separated batch: each line's token equals the single one.
    let lines = data.strip_suffix(b"\n").unwrap_or(data);
    let count = if data.is_empty() { 0 } else { lines.split(|&b| b == b'\n').count() };
    let mut out = vec![0u8; count * (key.token_len() + 1)];
    match key.pseudonymise_packed(data, &mut out) {
        Ok(n) => {
            assert_eq!(n, out.len());
            let stride = key.token_len() + 1;
            for (line, value) in out.chunks_exact(stride).zip(lines.split(|&b| b == b'\n')) {
                assert_eq!(&line[..stride - 1], key.pseudonymise(value).as_bytes());
                assert_eq!(line[stride - 1], b'\n');
            }
        }
        Err(e) => panic!("a buffer of the documented size must be enough: {e}"),
    }
    if count > 0 {
        let mut short = vec![0u8; out.len() - 1];
        assert!(key.pseudonymise_packed(data, &mut short).is_err());
    }
    // Re-identification parses the token before it looks it up.
    let engine = match Engine::builder(shop_policy().clone(), ring()).vault(true).open() {
        Ok(e) => e,
        Err(e) => panic!("an in-memory engine always opens: {e}"),
    };
    match engine.reidentify(&s, "fraud", now()) {
        Ok(found) => panic!("an empty vault resolved {s:?} to {found:?}"),
        Err(e) => render(&e),
    }
}

// ----- record_view -----

/// A customer record for a view, from `purpose\nsubject\nrecord JSON`: the engine has consent for
/// every purpose for subject `c-1`. A view either fails with an error or releases only fields the
/// policy tags for the purpose, each with an allowing decision; `decide` and `release` agree with it.
pub fn record_view(data: &[u8]) {
    let p = parts(data, 3);
    let (purpose, subject, record) = (&p[0], &p[1], &p[2]);
    let engine = view_engine();
    let view = match engine.view_json(record, subject, purpose, now()) {
        Ok(v) => v,
        Err(e) => return render(&e),
    };
    let policy = engine.policy();
    for (field, value) in &view.record {
        let decision = view.decision(field);
        let Some(decision) = decision else { panic!("released field {field} has no decision") };
        assert!(decision.effect == zweck::access::Effect::Allow, "{field} released but denied");
        let fid = policy.field_id(field);
        let pid = policy.purpose_id(purpose);
        assert!(fid.is_some() && pid.is_some(), "view released undeclared field {field}");
        let d = engine.decide(subject, purpose, field, now());
        assert!(d.is_allowed(), "view released {field} but decide denies it: {:?}", d.reason);
        let _ = value;
    }
    let input: Value = match serde_json::from_str(record) {
        Ok(v) => v,
        Err(e) => panic!("view_json accepted a record that is not JSON: {e}"),
    };
    if let Some(obj) = input.as_object() {
        for (field, value) in obj {
            match engine.release(subject, purpose, field, value, now()) {
                Ok((released, _)) => {
                    assert_eq!(
                        released.as_ref(),
                        view.record.get(field),
                        "release and view differ on {field}"
                    )
                }
                Err(e) => render(&e),
            }
            if let Err(e) = engine.pseudonymise_field(field, purpose, value.as_str().unwrap_or("")) {
                render(&e);
            }
        }
    }
}

fn view_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine = match Engine::builder(shop_policy().clone(), ring()).audit(AuditMode::Off).open() {
            Ok(e) => e,
            Err(e) => panic!("an in-memory engine always opens: {e}"),
        };
        let given = Timestamp::from_unix(NOW - 86_400);
        for p in shop_policy().purposes() {
            if let Err(e) = engine.grant("c-1", p.key(), Consent::at(given).explicit().source("fuzz")) {
                panic!("granting {} must work: {e}", p.key());
            }
        }
        engine
    })
}

// ----- journal_open -----

/// A journal file. The first byte picks the mode, the rest is the content:
///
/// * mode byte even: the rest is the journal file as it is (damaged headers, frames, checksums);
/// * mode byte odd: the rest is a list of records (`kind`, `length: u8`, payload; kind 0 ends a
///   group) written as checksum-valid frames (a group of two or more as one batch frame), so the
///   fuzzer reaches the engine's decoding of record payloads behind the checksums.
///
/// Bit 1 of the mode byte opens with a small `max_record_len` (64) to reach the oversized-frame paths.
///
/// Opening must give `Ok` or an error, never a panic. A store that opens must replay exactly the
/// checksum-valid frames of an independent reading of the bytes, cut nothing that is valid, and an
/// error must leave the file untouched.
pub fn journal_open(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let max_len = if mode & 2 != 0 { 64 } else { JournalOptions::default().max_record_len };
    let bytes = if mode & 1 == 1 { frames_from_records(rest) } else { rest.to_vec() };
    let path = scratch_journal();
    if let Err(e) = std::fs::write(&path, &bytes) {
        panic!("cannot write {}: {e}", path.display());
    }
    let expected = reference_scan(&bytes, max_len);
    let opts = JournalOptions { sync: false, max_record_len: max_len, ..JournalOptions::default() };
    match JournalStore::open(&path, opts.clone()) {
        Err(e) => {
            render(&e);
            assert!(
                matches!(expected, Reference::Corrupt),
                "open failed ({e}) but an independent reading finds {expected:?}"
            );
            assert!(matches!(e, Error::Corrupt { .. }), "a damaged journal must be Error::Corrupt: {e}");
            let after = std::fs::read(&path).unwrap_or_default();
            assert_eq!(after, bytes, "a failed open must leave the file untouched");
        }
        Ok((store, report)) => {
            let Reference::Valid { records, cut, file } = expected else {
                panic!("open accepted a journal an independent reading finds corrupt: {report:?}");
            };
            assert_eq!(report.tail_cut.as_ref().map(|c| c.offset), cut, "{report:?}");
            assert_eq!(report.records, records.len() as u64);
            let mut seen = Vec::new();
            let replayed = store.replay(&mut |kind, payload| {
                seen.push((kind.0, payload.to_vec()));
                Ok(())
            });
            if let Err(e) = replayed {
                panic!("a journal that opened must replay: {e}");
            }
            assert!(seen == records, "replay differs from the valid frames");
            drop(store);
            let after = std::fs::read(&path).unwrap_or_default();
            assert!(after == file, "the file after open is not the valid prefix");
            // The engine on top must open it or refuse it cleanly.
            let engine = Engine::builder(shop_policy().clone(), ring()).journal_with(&path, opts).open();
            match engine {
                Ok(engine) => {
                    let _ = engine.decide("c-1", "marketing.email", "email", now());
                    let _ = engine.consent_history("c-1");
                    if let Err(e) = engine.verify_audit(None) {
                        render(&e);
                    }
                }
                Err(e) => render(&e),
            }
        }
    }
    // The journal, its lock file and any compaction leftover, then the directory: nothing stays.
    for suffix in ["", ".lock", ".compact.tmp"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// A journal path in a directory of its own, distinct for each call, on a RAM disk if there is one.
fn scratch_journal() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = base.join(format!("zweck-fuzz-{}-{n}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join("fuzz.journal")
}

/// The journal header of format version 1 (see the `store` module docs).
pub fn journal_header() -> Vec<u8> {
    let mut h = b"ZWECKJ01".to_vec();
    h.extend_from_slice(&1u32.to_le_bytes());
    let crc = crc32c(&h);
    h.extend_from_slice(&crc.to_le_bytes());
    h
}

/// A frame: `length: u32 | kind: u8 | payload | CRC-32C`.
pub fn journal_frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(payload.len() + 9);
    f.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    f.push(kind);
    f.extend_from_slice(payload);
    let crc = crc32c(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

/// A batch frame (kind 0) holding `records`.
pub fn journal_batch(records: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut payload = Vec::new();
    for (kind, data) in records {
        payload.extend_from_slice(&(data.len() as u32).to_le_bytes());
        payload.push(*kind);
        payload.extend_from_slice(data);
    }
    journal_frame(0, &payload)
}

/// Header plus checksum-valid frames for the records encoded in `data` (see [`journal_open`]).
fn frames_from_records(data: &[u8]) -> Vec<u8> {
    let mut out = journal_header();
    let mut group: Vec<(u8, Vec<u8>)> = Vec::new();
    let flush = |group: &mut Vec<(u8, Vec<u8>)>, out: &mut Vec<u8>| {
        match group.len() {
            0 => {}
            1 => out.extend_from_slice(&journal_frame(group[0].0, &group[0].1)),
            _ => out.extend_from_slice(&journal_batch(group)),
        }
        group.clear();
    };
    let mut rest = data;
    while let Some((&kind, after)) = rest.split_first() {
        if kind == 0 {
            flush(&mut group, &mut out);
            rest = after;
            continue;
        }
        let Some((&len, body)) = after.split_first() else { break };
        let n = usize::from(len).min(body.len());
        group.push((kind, body[..n].to_vec()));
        rest = &body[n..];
    }
    flush(&mut group, &mut out);
    out
}

/// What an independent reading of a journal's bytes says opening must do.
#[derive(Debug)]
enum Reference {
    /// Opening must fail with `Error::Corrupt`.
    Corrupt,
    /// Opening must succeed with these records, cutting the tail at `cut`, leaving `file`.
    Valid { records: Vec<(u8, Vec<u8>)>, cut: Option<u64>, file: Vec<u8> },
}

/// A whole checksum-valid frame at `at` with a payload of at most `max` bytes: (kind, payload, end).
fn frame_at(b: &[u8], at: usize, max: u64) -> Option<(u8, &[u8], usize)> {
    let head = b.get(at..at + 5)?;
    let len = u64::from(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
    if len > max {
        return None;
    }
    let body_end = at.checked_add(5)?.checked_add(usize::try_from(len).ok()?)?;
    let stored = b.get(body_end..body_end.checked_add(4)?)?;
    let crc = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    (crc == crc32c(&b[at..body_end])).then(|| (head[4], &b[at + 5..body_end], body_end + 4))
}

fn reference_scan(b: &[u8], max_len: u32) -> Reference {
    let header = journal_header();
    if b.len() < header.len() {
        if b != &header[..b.len()] {
            return Reference::Corrupt;
        }
        let cut = (!b.is_empty()).then_some(0);
        return Reference::Valid { records: Vec::new(), cut, file: header };
    }
    if b[..16] != header[..] {
        return Reference::Corrupt;
    }
    let mut records = Vec::new();
    let mut at = 16;
    while at < b.len() {
        let Some((kind, payload, end)) = frame_at(b, at, u64::from(max_len)) else {
            // An oversized frame that is whole and valid was written with a larger limit.
            if frame_at(b, at, u64::MAX).is_some() {
                return Reference::Corrupt;
            }
            if (at + 1..b.len()).any(|o| frame_at(b, o, u64::from(max_len)).is_some()) {
                return Reference::Corrupt;
            }
            return Reference::Valid { records, cut: Some(at as u64), file: b[..at].to_vec() };
        };
        if kind == 0 {
            let mut rest = payload;
            while !rest.is_empty() {
                if rest.len() < 5 || rest[4] == 0 {
                    return Reference::Corrupt;
                }
                let n = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                if n > rest.len() - 5 {
                    return Reference::Corrupt;
                }
                records.push((rest[4], rest[5..5 + n].to_vec()));
                rest = &rest[5 + n..];
            }
        } else {
            records.push((kind, payload.to_vec()));
        }
        at = end;
    }
    Reference::Valid { records, cut: None, file: b.to_vec() }
}

/// CRC-32C (Castagnoli), bit by bit: deliberately not the store's table-driven code.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

// ----- ffi_entry -----

/// The C entry points with arbitrary arguments. The input is split at newlines into: a selector
/// byte string, subject, purpose, field, record JSON, domain, value, TC string, token, policy JSON.
/// Each call runs on a fresh engine made through `zweck_engine_new` (and freed), so LeakSanitizer
/// sees every allocation the C API makes. Checked: no call returns `ZWECK_STATUS_PANIC` (a panic
/// caught at the boundary is still a bug), every returned string is valid UTF-8 (JSON where
/// documented), outputs are written only on success, a NULL argument is refused, and buffers are
/// never overrun.
pub fn ffi_entry(data: &[u8]) {
    use std::mem::MaybeUninit;
    use std::ptr::{null, null_mut};
    use zweck::ffi::access::{zweck_decide, zweck_decision, zweck_reason_explain, zweck_reason_str};
    use zweck::ffi::access::{zweck_treatment_str, zweck_view};
    use zweck::ffi::consent::{zweck_consent_grant, zweck_consent_history, zweck_consent_object};
    use zweck::ffi::engine::{zweck_engine, zweck_engine_free, zweck_engine_new};
    use zweck::ffi::error::zweck_last_error_message;
    use zweck::ffi::pseudonym::{zweck_pseudonym_len, zweck_pseudonymise, zweck_pseudonymise_packed};
    use zweck::ffi::rights::zweck_reidentify;
    use zweck::ffi::signals::{zweck_tcf_decode, zweck_tcf_record};
    use zweck::ffi::status::{zweck_status, zweck_status_str};
    use zweck::ffi::string::zweck_string_free;
    use zweck::ffi::version::zweck_version;

    let p = parts(data, 10);
    let sel: Vec<u8> = p[0].bytes().chain(std::iter::repeat(0)).take(8).collect();
    let c = |s: &str| match CString::new(s.replace('\0', "")) {
        Ok(c) => c,
        Err(e) => panic!("NULs were removed: {e}"),
    };
    let (subject, purpose, field, record) = (c(&p[1]), c(&p[2]), c(&p[3]), c(&p[4]));
    let (domain, tc, token, policy_json) = (c(&p[5]), c(&p[7]), c(&p[8]), c(&p[9]));
    let value = p[6].as_bytes();
    let at = match sel[1] % 5 {
        0 => NOW,
        1 => i64::MAX,
        2 => i64::MIN,
        3 => -1,
        _ => i64::from_le_bytes([sel[2], sel[3], sel[4], sel[5], sel[6], sel[7], 0, 0]),
    };
    // Argument `i` of a call is passed as NULL when bit `i` of the mask is set.
    let nulls = u32::from(sel[0]);
    let maybe = |i: u32, ptr: *const std::ffi::c_char| if nulls & (1 << i) != 0 { null() } else { ptr };
    let ok = |status: zweck_status, call: &str| {
        assert!(status != zweck_status::Panic, "{call} panicked: {}", c_text(zweck_last_error_message()));
        if status != zweck_status::Ok {
            let message = c_text(zweck_last_error_message());
            assert!(!message.is_empty(), "{call} failed with {status:?} but left no message");
        }
        status == zweck_status::Ok
    };
    // Frees an owned string after checking it.
    let take = |s: *mut std::ffi::c_char, json: bool, call: &str| {
        assert!(!s.is_null(), "{call} succeeded without an output string");
        let text = c_text(s);
        if json {
            assert!(serde_json::from_str::<Value>(&text).is_ok(), "{call} returned invalid JSON: {text}");
        }
        // SAFETY: `s` came from the library and is freed once.
        unsafe { zweck_string_free(s) };
    };

    for word in data.chunks(4).take(4) {
        let mut b = [0u8; 4];
        b[..word.len()].copy_from_slice(word);
        let n = i32::from_le_bytes(b);
        for text in
            [zweck_status_str(n), zweck_reason_str(n), zweck_reason_explain(n), zweck_treatment_str(n)]
        {
            assert!(!c_text(text).is_empty(), "a name for {n} is empty");
        }
    }
    assert!(!c_text(zweck_version()).is_empty());

    let shop = c(SHOP_POLICY);
    let key = [0x5au8; 32];
    let mut engine: *mut zweck_engine = null_mut();
    // SAFETY: valid NUL-terminated strings, a 32-byte key, and a writable output pointer.
    let made = unsafe { zweck_engine_new(shop.as_ptr(), key.as_ptr(), key.len(), 1, &mut engine) };
    assert!(ok(made, "zweck_engine_new") && !engine.is_null(), "the shop policy must give an engine");

    // SAFETY (for every call below): `engine` is live, strings are NUL-terminated or NULL,
    // buffers are as long as stated, and output pointers are writable.
    unsafe {
        let source = c("fuzz");
        let granted = zweck_consent_grant(
            engine,
            maybe(0, subject.as_ptr()),
            maybe(1, purpose.as_ptr()),
            at,
            u32::from(sel[2] % 4),
            maybe(2, source.as_ptr()),
            if sel[3].is_multiple_of(2) { 0 } else { at.wrapping_add(86_400) },
            i32::from(sel[4] % 3) - 1,
        );
        ok(granted, "zweck_consent_grant");
        ok(
            zweck_consent_object(engine, subject.as_ptr(), purpose.as_ptr(), at, 0, source.as_ptr()),
            "zweck_consent_object",
        );

        let mut decision = MaybeUninit::<zweck_decision>::uninit();
        let status = zweck_decide(
            engine,
            maybe(3, subject.as_ptr()),
            maybe(4, purpose.as_ptr()),
            maybe(5, field.as_ptr()),
            at,
            decision.as_mut_ptr(),
        );
        if ok(status, "zweck_decide") {
            let d = decision.assume_init();
            let (effect, treatment) = (d.effect as i32, d.treatment as i32);
            assert!(effect != 0 || treatment == 0, "a denial must withhold the field");
        }

        let mut view: *mut std::ffi::c_char = null_mut();
        let status =
            zweck_view(engine, maybe(6, record.as_ptr()), subject.as_ptr(), purpose.as_ptr(), at, &mut view);
        if ok(status, "zweck_view") {
            take(view, true, "zweck_view");
        } else {
            assert!(view.is_null(), "zweck_view wrote its output on failure");
        }

        let mut history: *mut std::ffi::c_char = null_mut();
        if ok(zweck_consent_history(engine, subject.as_ptr(), &mut history), "zweck_consent_history") {
            take(history, true, "zweck_consent_history");
        }

        let mut token_len = 0usize;
        assert!(ok(zweck_pseudonym_len(engine, &mut token_len), "zweck_pseudonym_len"));
        // A buffer of a fuzzed size with a guard byte after it.
        let size = usize::from(sel[5]) % 80;
        let mut buf = vec![0x7fu8; size + 1];
        let mut written = usize::MAX;
        let status = zweck_pseudonymise(
            engine,
            maybe(7, domain.as_ptr()),
            value.as_ptr(),
            value.len(),
            buf.as_mut_ptr().cast(),
            size,
            &mut written,
        );
        if ok(status, "zweck_pseudonymise") {
            assert!(written < size, "token of {written} bytes in a buffer of {size}");
            assert_eq!(buf[written], 0, "a token is NUL-terminated");
        } else {
            assert_eq!(written, usize::MAX, "zweck_pseudonymise wrote its output on failure");
        }
        assert_eq!(buf[size], 0x7f, "zweck_pseudonymise wrote past the stated buffer length");

        let size = (usize::from(sel[6]) * 7) % 400;
        let mut buf = vec![0x7fu8; size + 1];
        let mut written = usize::MAX;
        let status = zweck_pseudonymise_packed(
            engine,
            domain.as_ptr(),
            value.as_ptr(),
            value.len(),
            buf.as_mut_ptr().cast(),
            size,
            &mut written,
        );
        if ok(status, "zweck_pseudonymise_packed") {
            assert!(written <= size, "{written} bytes written to a buffer of {size}");
        }
        assert_eq!(buf[size], 0x7f, "zweck_pseudonymise_packed wrote past the stated buffer length");

        let mut decoded: *mut std::ffi::c_char = null_mut();
        if ok(zweck_tcf_decode(maybe(8, tc.as_ptr()), &mut decoded), "zweck_tcf_decode") {
            take(decoded, true, "zweck_tcf_decode");
        }
        let mut recorded: *mut std::ffi::c_char = null_mut();
        if ok(zweck_tcf_record(engine, subject.as_ptr(), tc.as_ptr(), at, &mut recorded), "zweck_tcf_record")
        {
            take(recorded, true, "zweck_tcf_record");
        }

        let mut found: *mut std::ffi::c_char = null_mut();
        if ok(zweck_reidentify(engine, token.as_ptr(), purpose.as_ptr(), at, &mut found), "zweck_reidentify")
        {
            take(found, true, "zweck_reidentify");
        }

        zweck_engine_free(engine);

        // A policy and key from the input: refused cleanly or usable.
        let key_len = usize::from(sel[7]) % 80;
        let key: Vec<u8> = value.iter().copied().cycle().take(key_len).collect();
        let key_ptr = if key.is_empty() { null() } else { key.as_ptr() };
        let mut other: *mut zweck_engine = null_mut();
        let status =
            zweck_engine_new(maybe(9, policy_json.as_ptr()), key_ptr, key_len, u32::from(sel[1]), &mut other);
        if ok(status, "zweck_engine_new") {
            assert!(!other.is_null());
            zweck_engine_free(other);
        } else {
            assert!(other.is_null(), "zweck_engine_new wrote its output on failure");
        }
        zweck_engine_free(null_mut());
        zweck_string_free(null_mut());
    }
}

/// The text of a C string returned by the library (NULL reads as empty).
fn c_text(p: *const std::ffi::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the library returns NULL or a pointer to a NUL-terminated string that stays valid
    // until it is freed or, for the last error, until the next failing call on this thread.
    let s = unsafe { CStr::from_ptr(p) };
    match s.to_str() {
        Ok(s) => s.to_string(),
        Err(e) => panic!("the library returned a string that is not UTF-8: {e}"),
    }
}

/// Runs the target named `name` on `data`; `None` for an unknown name.
pub fn run(name: &str, data: &[u8]) -> Option<()> {
    match name {
        "policy_json" => policy_json(data),
        "tcf_decode" => tcf_decode(data),
        "token_parse" => token_parse(data),
        "record_view" => record_view(data),
        "journal_open" => journal_open(data),
        "ffi_entry" => ffi_entry(data),
        _ => return None,
    }
    Some(())
}

/// The names of all targets.
pub const TARGETS: &[&str] =
    &["policy_json", "tcf_decode", "token_parse", "record_view", "journal_open", "ffi_entry"];
