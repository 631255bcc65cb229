//! The bad-input matrix of the C ABI: every function declared in `include/zweck.h`, called with each
//! pointer NULL, each string not UTF-8, each JSON argument malformed or of the wrong shape, sizes 0
//! and huge, and integers outside their range, returns the status its documentation promises, leaves
//! a last error that names the parameter or the problem, and leaves every output untouched.
//!
//! The table in `functions()` lists each function's parameters with a kind (engine handle, C string,
//! record JSON, bytes + length, output buffer, time, `*_out` pointer, ...). The cases are generated
//! from the kinds, plus a few per parameter where the documentation promises something specific, and
//! each case gets exactly one parameter wrong with all others valid, so it exercises one check. One
//! valid call per function shows that the baseline succeeds. Each case runs on a fresh engine made
//! from `examples/shop_policy.json`.
//!
//! Huge lengths come with a non-NULL pointer that cannot be read (address 1): a function that read
//! or wrote through it before checking the length would crash the test instead of failing it.
//!
//! The outcome of every case is written to `docs/c-api-matrix.md`, one row per function, parameter
//! and class of bad input. Run `ZWECK_UPDATE_MATRIX=1 cargo test --test ffi_matrix` to regenerate
//! it; otherwise the test fails when the file and the results drift apart.
#![allow(unsafe_code)] // the point of this file is to call the C ABI

use std::ffi::{c_char, c_void, CStr};
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut, NonNull};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use zweck::ffi::access::{
    zweck_decide, zweck_decision, zweck_reason_explain, zweck_reason_str, zweck_treatment_str, zweck_view,
};
use zweck::ffi::audit::{zweck_audit_flush, zweck_audit_verify};
use zweck::ffi::consent::{
    zweck_consent_grant, zweck_consent_history, zweck_consent_object, zweck_consent_withdraw,
};
use zweck::ffi::engine::{
    zweck_engine, zweck_engine_free, zweck_engine_new, zweck_engine_new_with_options, zweck_engine_open,
    zweck_key_version,
};
use zweck::ffi::error::zweck_last_error_message;
use zweck::ffi::options::{
    zweck_engine_options, zweck_engine_options_add_key, zweck_engine_options_free, zweck_engine_options_new,
    zweck_engine_options_set_audit, zweck_engine_options_set_journal, zweck_engine_options_set_vault,
};
use zweck::ffi::policy::{zweck_notice, zweck_processing_records};
use zweck::ffi::pseudonym::{
    zweck_pseudonym_len, zweck_pseudonymise, zweck_pseudonymise_batch, zweck_pseudonymise_field,
    zweck_pseudonymise_packed,
};
use zweck::ffi::rights::{
    zweck_compact, zweck_compact_stats, zweck_reidentify, zweck_retention_due, zweck_rotate_key,
    zweck_subject_export, zweck_subject_forget, zweck_subject_is_erased,
};
use zweck::ffi::signals::{zweck_gpc_record, zweck_tcf_decode, zweck_tcf_record};
use zweck::ffi::status::{zweck_status, zweck_status_str};
use zweck::ffi::string::zweck_string_free;
use zweck::ffi::version::zweck_version;

use zweck_status::{
    BufferTooSmall, Denied, InvalidArgument, InvalidJson, InvalidUtf8, InvalidValue, KeyInvalid,
    MalformedToken, PolicyInvalid, TcfInvalid, UnknownField, UnknownPurpose,
};

const POLICY: &str = include_str!("../examples/shop_policy.json");
const CUSTOMER: &str = include_str!("../examples/shop_customer.json");
const KEY: &[u8; 32] = b"bad-input matrix key, 32 bytes!!";
/// 2026-05-28T20:26:40Z: after the TC string's LastUpdated, within every consent's lifetime.
const NOW: i64 = 1_780_000_000;
/// The range `include/zweck.h` documents for times: the years 1 to 9999.
const MIN_UNIX: i64 = -62_135_596_800;
const MAX_UNIX: i64 = 253_402_300_799;
/// A TCF v2.2 service-specific string, LastUpdated 2025-06-02, consent to purposes 1 to 4, taken from
/// this repository's `tests/c/api_test.c`.
const TC_STRING: &str = "CQSYR8AQSYR8AAcACBDEB4FgAPAAAAAAAAYgAAQAAAAgAAAA";
/// Not UTF-8 from offset 2 on.
const BAD_UTF8: &[u8] = b"ab\xff";
/// What every output slot and buffer holds before a call; still there afterwards means untouched.
const SENTINEL: u8 = 0xA5;
/// Room behind every output slot, to see writes past the end of the value.
const SLOT_WORDS: usize = 8;
/// Capacity of every output buffer; valid calls pass half of it, so overruns show.
const BUFFER_CAP: usize = 256;
const BUFFER_LEN: usize = BUFFER_CAP / 2;
/// Two values for the batch functions.
const BATCH: [&[u8]; 2] = [b"a@example.com", b"b@example.com"];
const PACKED: &[u8] = b"a@example.com\nb@example.com\n";
/// A token line is `k1_` + 32 hex digits + one byte (NUL or newline).
const LINE: usize = 36;

// ---------------------------------------------------------------------------------------------
// What a case expects and what a call returned

/// What a call should come back with.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    /// A `zweck_status`.
    Status(zweck_status),
    /// Exactly this static text (the `*_str` functions).
    Text(&'static str),
    /// Some non-NULL static UTF-8 text.
    AnyText,
    /// A `void` function that must simply return.
    Nothing,
}

/// The outcome a case expects, and the words its last error must contain when it is a failure.
#[derive(Clone, Debug)]
struct Expect {
    outcome: Outcome,
    needles: Vec<String>,
}

fn ok() -> Expect {
    Expect { outcome: Outcome::Status(zweck_status::Ok), needles: Vec::new() }
}

fn fails<S: Into<String>>(status: zweck_status, needles: impl IntoIterator<Item = S>) -> Expect {
    Expect { outcome: Outcome::Status(status), needles: needles.into_iter().map(Into::into).collect() }
}

fn text(expected: &'static str) -> Expect {
    Expect { outcome: Outcome::Text(expected), needles: Vec::new() }
}

fn nothing() -> Expect {
    Expect { outcome: Outcome::Nothing, needles: Vec::new() }
}

/// A parameter's name as messages quote it.
fn tick(name: &str) -> String {
    format!("`{name}`")
}

/// What a call returned.
enum Returned {
    Status(zweck_status),
    Text(*const c_char),
    Nothing,
}

/// The names `include/zweck.h` gives the status values, by value.
const STATUS_NAMES: [&str; 20] = [
    "OK",
    "INVALID_ARGUMENT",
    "INVALID_UTF8",
    "INVALID_JSON",
    "POLICY_INVALID",
    "UNKNOWN_PURPOSE",
    "UNKNOWN_FIELD",
    "KEY_INVALID",
    "UNKNOWN_KEY_VERSION",
    "MALFORMED_TOKEN",
    "BUFFER_TOO_SMALL",
    "INVALID_VALUE",
    "IO",
    "CORRUPT",
    "LOCKED",
    "DENIED",
    "TCF_INVALID",
    "PANIC",
    "SUBJECT_ERASED",
    "AUDIT_BROKEN",
];

fn status_name(status: zweck_status) -> &'static str {
    STATUS_NAMES.get(status as usize).copied().unwrap_or("?")
}

impl Outcome {
    fn describe(&self) -> String {
        match self {
            Outcome::Status(status) => status_name(*status).to_owned(),
            Outcome::Text(text) => format!("\"{text}\""),
            Outcome::AnyText => "static text".to_owned(),
            Outcome::Nothing => "returns".to_owned(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments: owned values that live for one call

/// Which pointer an argument passes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ptr {
    /// The argument's own data.
    Data,
    Null,
    /// Non-NULL, aligned, and unreadable (address 1 for bytes): reading or writing it crashes.
    Dangling,
}

/// What an output slot holds on success, which says how to check and release it.
#[derive(Clone, Copy, Debug)]
enum Out {
    /// An owned `char *` with JSON text.
    Json,
    /// An owned `char *` with other text (Markdown).
    Text,
    Engine,
    Options,
    U32,
    Usize,
    I32,
    Decision,
    Stats,
}

impl Out {
    fn size(self) -> usize {
        match self {
            Out::Json | Out::Text | Out::Engine | Out::Options => size_of::<*mut c_void>(),
            Out::U32 => size_of::<u32>(),
            Out::Usize => size_of::<usize>(),
            Out::I32 => size_of::<i32>(),
            Out::Decision => size_of::<zweck_decision>(),
            Out::Stats => size_of::<zweck_compact_stats>(),
        }
    }
}

/// One argument of a call. Output storage is allocated with `Box::into_raw` so that the pointers the
/// C functions write through are not derived from shared references; `Drop` releases it.
enum Arg {
    Handle(*mut c_void),
    /// A NUL-terminated string (the bytes include the NUL), or NULL.
    Text(Option<Vec<u8>>),
    Bytes {
        data: Vec<u8>,
        ptr: Ptr,
        len: usize,
    },
    Buffer {
        storage: *mut u8,
        ptr: Ptr,
        len: usize,
    },
    Slices {
        /// Keeps the values alive for `ptrs`.
        _data: Vec<Vec<u8>>,
        ptrs: Vec<*const u8>,
        lens: Vec<usize>,
        values: Ptr,
        lens_ptr: Ptr,
        count: usize,
    },
    I32(i32),
    U32(u32),
    I64(i64),
    Out {
        slot: *mut [u64; SLOT_WORDS],
        kind: Out,
    },
}

impl Arg {
    fn text(bytes: &[u8]) -> Arg {
        assert!(!bytes.contains(&0), "a C string argument cannot hold a NUL byte");
        let mut owned = bytes.to_vec();
        owned.push(0);
        Arg::Text(Some(owned))
    }

    fn bytes(data: &[u8], ptr: Ptr, len: usize) -> Arg {
        Arg::Bytes { data: data.to_vec(), ptr, len }
    }

    fn buffer(ptr: Ptr, len: usize) -> Arg {
        let storage = Box::into_raw(vec![SENTINEL; BUFFER_CAP].into_boxed_slice()).cast::<u8>();
        Arg::Buffer { storage, ptr, len }
    }

    /// The batch values, with `ptr_at` overriding single element pointers.
    fn slices(lens: &[usize], ptr_at: &[(usize, Ptr)], values: Ptr, lens_ptr: Ptr, count: usize) -> Arg {
        let data: Vec<Vec<u8>> = BATCH.iter().map(|v| v.to_vec()).collect();
        let mut ptrs: Vec<*const u8> = data.iter().map(|v| v.as_ptr()).collect();
        for &(index, ptr) in ptr_at {
            ptrs[index] = match ptr {
                Ptr::Data => ptrs[index],
                Ptr::Null => null(),
                Ptr::Dangling => NonNull::<u8>::dangling().as_ptr(),
            };
        }
        Arg::Slices { _data: data, ptrs, lens: lens.to_vec(), values, lens_ptr, count }
    }

    fn out(kind: Out) -> Arg {
        Arg::Out { slot: Box::into_raw(Box::new([u64::from_ne_bytes([SENTINEL; 8]); SLOT_WORDS])), kind }
    }

    fn null_out(kind: Out) -> Arg {
        Arg::Out { slot: null_mut(), kind }
    }

    fn what(&self) -> &'static str {
        match self {
            Arg::Handle(_) => "handle",
            Arg::Text(_) => "text",
            Arg::Bytes { .. } => "bytes",
            Arg::Buffer { .. } => "buffer",
            Arg::Slices { .. } => "slices",
            Arg::I32(_) => "i32",
            Arg::U32(_) => "u32",
            Arg::I64(_) => "i64",
            Arg::Out { .. } => "out",
        }
    }

    /// Whether every byte of a slot or buffer still holds the sentinel from `from` on.
    fn untouched_from(&self, from: usize) -> bool {
        // SAFETY: `slot` and `storage` are live allocations of the stated sizes.
        unsafe {
            match self {
                Arg::Out { slot, .. } if !slot.is_null() => {
                    let bytes = std::slice::from_raw_parts(slot.cast::<u8>(), SLOT_WORDS * 8);
                    bytes[from.min(bytes.len())..].iter().all(|&b| b == SENTINEL)
                }
                Arg::Buffer { storage, .. } => {
                    let bytes = std::slice::from_raw_parts(*storage, BUFFER_CAP);
                    bytes[from.min(bytes.len())..].iter().all(|&b| b == SENTINEL)
                }
                _ => true,
            }
        }
    }

    /// Checks an output after the call: untouched on failure; on success written within its size
    /// and not beyond, and released if it is owned.
    fn check_output(&self, succeeded: bool, problems: &mut Vec<String>) {
        match self {
            Arg::Out { slot, kind } if !slot.is_null() => {
                if !succeeded {
                    if !self.untouched_from(0) {
                        problems.push(format!("wrote its {kind:?} output although it failed"));
                    }
                    return;
                }
                if !self.untouched_from(kind.size()) {
                    problems.push(format!("wrote past the end of its {kind:?} output"));
                }
                // SAFETY: the slot is live and, on success, starts with a value of `kind`.
                let first = unsafe { std::slice::from_raw_parts(slot.cast::<u8>(), kind.size()) };
                if first.iter().all(|&b| b == SENTINEL) {
                    problems.push(format!("returned OK without writing its {kind:?} output"));
                    return;
                }
                // SAFETY: as above; owned results came from zweck and are released once here.
                unsafe { release(slot.cast(), *kind, problems) };
            }
            Arg::Buffer { ptr, len, .. } => {
                if !succeeded && !self.untouched_from(0) {
                    problems.push("wrote to its output buffer although it failed".to_owned());
                } else if succeeded && *ptr == Ptr::Data && !self.untouched_from(*len) {
                    problems.push(format!("wrote past the {len} bytes of its output buffer"));
                }
            }
            _ => {}
        }
    }
}

/// Releases (and checks) what a successful call wrote to an output slot.
///
/// # Safety
/// `slot` holds a value of `kind` written by zweck that nobody has released yet.
unsafe fn release(slot: *const c_void, kind: Out, problems: &mut Vec<String>) {
    unsafe {
        match kind {
            Out::Json | Out::Text => {
                let string = *slot.cast::<*mut c_char>();
                if string.is_null() {
                    problems.push("returned OK with a NULL string".to_owned());
                    return;
                }
                match CStr::from_ptr(string).to_str() {
                    Err(_) => problems.push("returned a string that is not UTF-8".to_owned()),
                    Ok(json) if matches!(kind, Out::Json) => {
                        if let Err(err) = serde_json::from_str::<serde_json::Value>(json) {
                            problems.push(format!("returned a string that is not JSON ({err})"));
                        }
                    }
                    Ok(_) => {}
                }
                zweck_string_free(string);
            }
            Out::Engine => zweck_engine_free(*slot.cast::<*mut zweck_engine>()),
            Out::Options => zweck_engine_options_free(*slot.cast::<*mut zweck_engine_options>()),
            Out::U32 | Out::Usize | Out::I32 | Out::Decision | Out::Stats => {}
        }
    }
}

impl Drop for Arg {
    fn drop(&mut self) {
        // SAFETY: both came from `Box::into_raw` with these types and are released once.
        unsafe {
            match self {
                Arg::Buffer { storage, .. } => {
                    drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(*storage, BUFFER_CAP)));
                }
                Arg::Out { slot, .. } if !slot.is_null() => drop(Box::from_raw(*slot)),
                _ => {}
            }
        }
    }
}

/// The arguments of one call, one per matrix parameter (a bytes + length pair is one parameter).
struct Args(Vec<Arg>);

impl Args {
    fn get(&self, index: usize) -> &Arg {
        &self.0[index]
    }

    fn wrong(&self, index: usize, wanted: &str) -> ! {
        panic!(
            "matrix table error: argument {index} is {}, the call reads it as {wanted}",
            self.get(index).what()
        )
    }

    fn handle<T>(&self, index: usize) -> *mut T {
        match self.get(index) {
            Arg::Handle(ptr) => ptr.cast(),
            _ => self.wrong(index, "a handle"),
        }
    }

    fn text(&self, index: usize) -> *const c_char {
        match self.get(index) {
            Arg::Text(Some(bytes)) => bytes.as_ptr().cast(),
            Arg::Text(None) => null(),
            _ => self.wrong(index, "text"),
        }
    }

    fn bytes(&self, index: usize) -> (*const u8, usize) {
        match self.get(index) {
            Arg::Bytes { data, ptr, len } => (pointer(*ptr, data.as_ptr()), *len),
            _ => self.wrong(index, "bytes"),
        }
    }

    fn buffer(&self, index: usize) -> (*mut c_char, usize) {
        match self.get(index) {
            Arg::Buffer { storage, ptr, len } => {
                (pointer(*ptr, storage.cast_const()).cast_mut().cast(), *len)
            }
            _ => self.wrong(index, "a buffer"),
        }
    }

    fn slices(&self, index: usize) -> (*const *const u8, *const usize, usize) {
        match self.get(index) {
            Arg::Slices { ptrs, lens, values, lens_ptr, count, .. } => {
                (pointer(*values, ptrs.as_ptr()), pointer(*lens_ptr, lens.as_ptr()), *count)
            }
            _ => self.wrong(index, "slices"),
        }
    }

    fn out<T>(&self, index: usize) -> *mut T {
        match self.get(index) {
            Arg::Out { slot, .. } => slot.cast(),
            _ => self.wrong(index, "an output"),
        }
    }

    fn i32(&self, index: usize) -> i32 {
        match self.get(index) {
            Arg::I32(value) => *value,
            _ => self.wrong(index, "an i32"),
        }
    }

    fn u32(&self, index: usize) -> u32 {
        match self.get(index) {
            Arg::U32(value) => *value,
            _ => self.wrong(index, "a u32"),
        }
    }

    fn i64(&self, index: usize) -> i64 {
        match self.get(index) {
            Arg::I64(value) => *value,
            _ => self.wrong(index, "an i64"),
        }
    }
}

fn pointer<T>(ptr: Ptr, data: *const T) -> *const T {
    match ptr {
        Ptr::Data => data,
        Ptr::Null => null(),
        Ptr::Dangling => NonNull::<T>::dangling().as_ptr(),
    }
}

// ---------------------------------------------------------------------------------------------
// The world a case runs in: a fresh engine and options object, a scratch directory

#[derive(Clone, Copy, Debug)]
enum Fixture {
    /// An engine from `examples/shop_policy.json`.
    Shop,
    /// The shop policy plus a `"tcf"` mapping, for `zweck_tcf_record`.
    ShopWithTcf,
    /// The shop policy with the vault on, and a fraud pseudonym a view released.
    ShopWithVault,
}

struct World {
    engine: *mut zweck_engine,
    options: *mut zweck_engine_options,
    token: String,
    dir: Option<PathBuf>,
}

fn check_ok(status: zweck_status, what: &str) {
    assert_eq!(status, zweck_status::Ok, "fixture step {what} failed: {}", last_error());
}

/// A new engine from `policy` under `KEY`, version 1.
fn new_engine(policy: &str) -> *mut zweck_engine {
    let policy = c_string(policy);
    let mut engine = null_mut();
    // SAFETY: valid, NUL-terminated inputs and a valid output slot.
    check_ok(
        unsafe { zweck_engine_new(policy.as_ptr().cast(), KEY.as_ptr(), KEY.len(), 1, &mut engine) },
        "zweck_engine_new",
    );
    engine
}

fn c_string(text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    bytes
}

fn policy_with_tcf() -> &'static str {
    static POLICY_WITH_TCF: OnceLock<String> = OnceLock::new();
    POLICY_WITH_TCF.get_or_init(|| {
        let mut policy: serde_json::Value = serde_json::from_str(POLICY).unwrap_or_default();
        policy["tcf"] = serde_json::json!({"purposes": {"1": ["marketing"]}});
        policy.to_string()
    })
}

impl World {
    fn new(fixture: Fixture) -> World {
        let mut world = World { engine: null_mut(), options: null_mut(), token: String::new(), dir: None };
        // SAFETY: valid output slot.
        check_ok(unsafe { zweck_engine_options_new(&mut world.options) }, "zweck_engine_options_new");
        match fixture {
            Fixture::Shop => world.engine = new_engine(POLICY),
            Fixture::ShopWithTcf => world.engine = new_engine(policy_with_tcf()),
            Fixture::ShopWithVault => world.open_vault_engine(),
        }
        world
    }

    fn open_vault_engine(&mut self) {
        let mut options = null_mut();
        let policy = c_string(POLICY);
        let customer = c_string(CUSTOMER);
        let mut view: *mut c_char = null_mut();
        // SAFETY: valid inputs and output slots; the options and the view are released here.
        unsafe {
            check_ok(zweck_engine_options_new(&mut options), "zweck_engine_options_new");
            check_ok(zweck_engine_options_set_vault(options, 1), "zweck_engine_options_set_vault");
            check_ok(
                zweck_engine_new_with_options(
                    policy.as_ptr().cast(),
                    KEY.as_ptr(),
                    KEY.len(),
                    1,
                    options,
                    &mut self.engine,
                ),
                "zweck_engine_new_with_options",
            );
            zweck_engine_options_free(options);
            check_ok(
                zweck_view(
                    self.engine,
                    customer.as_ptr().cast(),
                    c"c-1042".as_ptr(),
                    c"fraud".as_ptr(),
                    NOW,
                    &mut view,
                ),
                "zweck_view",
            );
            let json: serde_json::Value =
                serde_json::from_str(CStr::from_ptr(view).to_str().unwrap_or_default()).unwrap_or_default();
            zweck_string_free(view);
            self.token = json["record"]["customer_id"].as_str().unwrap_or_default().to_owned();
        }
        assert!(self.token.starts_with("k1_"), "the fraud view released no pseudonym: {:?}", self.token);
    }

    /// A path for a journal that does not exist yet, in a directory removed with the world.
    fn journal_path(&mut self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = self.dir.get_or_insert_with(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
                "ffi_matrix-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
            dir
        });
        dir.join("shop.journal").to_string_lossy().into_owned()
    }

    /// The `head` of a report on the engine's audit chain, as an anchor for `zweck_audit_verify`.
    fn audit_head(&self) -> String {
        let mut report: *mut c_char = null_mut();
        // SAFETY: live engine, valid output slot; the report is released here.
        unsafe {
            check_ok(zweck_audit_verify(self.engine, null(), &mut report), "zweck_audit_verify");
            let json: serde_json::Value =
                serde_json::from_str(CStr::from_ptr(report).to_str().unwrap_or_default()).unwrap_or_default();
            zweck_string_free(report);
            json["head"].to_string()
        }
    }

    /// Erases `subject` (right to be forgotten) before the call.
    fn erase(&self, subject: &str) {
        let subject = c_string(subject);
        let mut receipt: *mut c_char = null_mut();
        // SAFETY: live engine, NUL-terminated strings, valid output slot; the receipt is released here.
        unsafe {
            check_ok(
                zweck_subject_forget(
                    self.engine,
                    subject.as_ptr().cast(),
                    c"test".as_ptr(),
                    NOW,
                    &mut receipt,
                ),
                "zweck_subject_forget",
            );
            zweck_string_free(receipt);
        }
    }

    /// Adds a 40-byte key under `version` to the world's options.
    fn add_key(&self, version: u32) {
        let key = [3u8; 40];
        // SAFETY: live options object, 40 readable bytes.
        let status = unsafe { zweck_engine_options_add_key(self.options, version, key.as_ptr(), key.len()) };
        check_ok(status, "zweck_engine_options_add_key");
    }

    /// An engine for a call to release.
    fn spare_engine(&self) -> *mut c_void {
        new_engine(POLICY).cast()
    }

    /// An options object for a call to release.
    fn spare_options(&self) -> *mut c_void {
        let mut options = null_mut();
        // SAFETY: valid output slot.
        check_ok(unsafe { zweck_engine_options_new(&mut options) }, "zweck_engine_options_new");
        options.cast()
    }

    /// An owned string for a call to release.
    fn spare_string(&self) -> *mut c_void {
        let mut notice: *mut c_char = null_mut();
        // SAFETY: live engine, valid output slot.
        check_ok(unsafe { zweck_notice(self.engine, &mut notice) }, "zweck_notice");
        notice.cast()
    }

    /// Sets the last error to a message no case produces, so a case's message is known to be its own.
    fn reset_last_error(&self) -> String {
        // SAFETY: live options object.
        let status = unsafe { zweck_engine_options_set_audit(self.options, 12345) };
        assert_eq!(status, InvalidArgument);
        last_error()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // SAFETY: both handles came from zweck, or are NULL, and are released once.
        unsafe {
            zweck_engine_free(self.engine);
            zweck_engine_options_free(self.options);
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn last_error() -> String {
    // SAFETY: never NULL; valid until the next failing call on this thread, and copied at once.
    unsafe { CStr::from_ptr(zweck_last_error_message()) }.to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------------------------
// Parameters and the cases generated from their kinds

/// The class of bad input a case belongs to; the doc groups its rows by class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Valid,
    Null,
    NotUtf8,
    Empty,
    TooLong,
    MalformedJson,
    WrongShapeJson,
    Unusable,
    SizeZero,
    WrongSize,
    HugeSize,
    OutOfRange,
    EdgeOfRange,
    AnyValue,
    OtherValid,
}

impl Class {
    const ALL: [Class; 15] = [
        Class::Valid,
        Class::Null,
        Class::NotUtf8,
        Class::Empty,
        Class::TooLong,
        Class::MalformedJson,
        Class::WrongShapeJson,
        Class::Unusable,
        Class::SizeZero,
        Class::WrongSize,
        Class::HugeSize,
        Class::OutOfRange,
        Class::EdgeOfRange,
        Class::AnyValue,
        Class::OtherValid,
    ];

    fn label(self) -> &'static str {
        match self {
            Class::Valid => "valid call",
            Class::Null => "NULL",
            Class::NotUtf8 => "not UTF-8",
            Class::Empty => "empty",
            Class::TooLong => "too long",
            Class::MalformedJson => "malformed JSON",
            Class::WrongShapeJson => "JSON of the wrong shape",
            Class::Unusable => "unknown or unusable value",
            Class::SizeZero => "size 0",
            Class::WrongSize => "wrong size",
            Class::HugeSize => "huge size",
            Class::OutOfRange => "out of range",
            Class::EdgeOfRange => "edge of range",
            Class::AnyValue => "any value",
            Class::OtherValid => "other valid value",
        }
    }
}

/// Makes an argument for a call, possibly from the world (its engine, a journal path, a token).
type Value = Rc<dyn Fn(&mut World) -> Arg>;

fn value(make: impl Fn(&mut World) -> Arg + 'static) -> Value {
    Rc::new(make)
}

fn fixed_text(bytes: &[u8]) -> Value {
    let bytes = bytes.to_vec();
    value(move |_| Arg::text(&bytes))
}

struct Case {
    class: Class,
    input: String,
    value: Value,
    expect: Expect,
}

struct Param {
    name: &'static str,
    kind: &'static str,
    /// The C parameters it stands for, as the header names them.
    c_names: Vec<&'static str>,
    valid: Value,
    cases: Vec<Case>,
}

impl Param {
    /// The longest accepted text: `len` bytes.
    fn longest(self, len: usize) -> Param {
        self.text_case(Class::EdgeOfRange, format!("{len} bytes"), &vec![b'x'; len], ok())
    }

    fn new(name: &'static str, kind: &'static str, valid: Value) -> Param {
        Param { name, kind, c_names: vec![name], valid, cases: Vec::new() }
    }

    fn case(mut self, class: Class, input: impl Into<String>, value: Value, expect: Expect) -> Param {
        self.cases.push(Case { class, input: input.into(), value, expect });
        self
    }

    /// A text case: `bytes` (without NUL) as the argument.
    fn text_case(self, class: Class, input: impl Into<String>, bytes: &[u8], expect: Expect) -> Param {
        self.case(class, input, fixed_text(bytes), expect)
    }

    fn empty(self, expect: Expect) -> Param {
        self.text_case(Class::Empty, "\"\"", b"", expect)
    }

    fn too_long(self, len: usize, expect: Expect) -> Param {
        self.text_case(Class::TooLong, format!("{len} bytes"), &vec![b'x'; len], expect)
    }

    fn int_case(self, class: Class, input: impl Into<String>, arg: fn() -> Arg, expect: Expect) -> Param {
        self.case(class, input, value(move |_| arg()), expect)
    }
}

fn engine() -> Param {
    Param::new("engine", "engine handle", value(|w| Arg::Handle(w.engine.cast()))).case(
        Class::Null,
        "NULL",
        value(|_| Arg::Handle(null_mut())),
        fails(InvalidArgument, ["`engine`", "NULL"]),
    )
}

/// An options object; `nullable` when NULL means the defaults.
fn options(nullable: bool) -> Param {
    let null = if nullable { ok() } else { fails(InvalidArgument, ["`options`", "NULL"]) };
    let kind = if nullable { "options handle, NULL for defaults" } else { "options handle" };
    Param::new("options", kind, value(|w| Arg::Handle(w.options.cast()))).case(
        Class::Null,
        "NULL",
        value(|_| Arg::Handle(null_mut())),
        null,
    )
}

/// A handle or string the function releases; NULL does nothing.
fn released(name: &'static str, kind: &'static str, make: fn(&World) -> *mut c_void) -> Param {
    Param::new(name, kind, value(move |w| Arg::Handle(make(w)))).case(
        Class::Null,
        "NULL",
        value(|_| Arg::Handle(null_mut())),
        nothing(),
    )
}

/// A required NUL-terminated UTF-8 string.
fn text_param(name: &'static str, kind: &'static str, valid: Value) -> Param {
    Param::new(name, kind, valid)
        .case(
            Class::Null,
            "NULL",
            value(|_| Arg::Text(None)),
            fails(InvalidArgument, [tick(name), "NULL".into()]),
        )
        .text_case(
            Class::NotUtf8,
            "\"ab\\xff\"",
            BAD_UTF8,
            fails(InvalidUtf8, [tick(name), "UTF-8".into(), "offset 2".into()]),
        )
}

fn string(name: &'static str, valid: &'static str) -> Param {
    text_param(name, "C string", fixed_text(valid.as_bytes()))
}

/// A customer id: 1 to 256 bytes without control characters.
fn subject(erased: Expect) -> Param {
    let invalid = || fails(InvalidArgument, ["subject id"]);
    string("subject", "c-1042")
        .longest(256)
        .empty(invalid())
        .too_long(257, invalid())
        .text_case(Class::Unusable, "\"c-\\n1\" (control character)", b"c-\n1", invalid())
        .case(
            Class::Unusable,
            "an erased subject",
            value(|w| {
                w.erase("c-1042");
                Arg::text(b"c-1042")
            }),
            erased,
        )
}

fn erased() -> Expect {
    fails(zweck_status::SubjectErased, ["erased"])
}

/// A purpose key the policy must declare.
fn purpose(valid: &'static str) -> Param {
    string("purpose", valid).empty(fails(UnknownPurpose, ["unknown purpose"])).text_case(
        Class::Unusable,
        "\"markting\"",
        b"markting",
        fails(UnknownPurpose, ["\"markting\""]),
    )
}

/// A field name the policy must declare.
fn field(valid: &'static str) -> Param {
    string("field", valid).empty(fails(UnknownField, ["unknown field"])).text_case(
        Class::Unusable,
        "\"emial\"",
        b"emial",
        fails(UnknownField, ["\"emial\""]),
    )
}

/// A free-text statement of 1 to 1024 bytes (consent source, erasure reason).
fn statement(name: &'static str, valid: &'static str, what: &'static str) -> Param {
    string(name, valid)
        .longest(1024)
        .empty(fails(InvalidArgument, [what]))
        .text_case(Class::Empty, "\" \" (blank)", b" ", fails(InvalidArgument, [what]))
        .too_long(1025, fails(InvalidArgument, [what]))
}

/// A pseudonymisation domain: 1 to 256 bytes.
fn domain() -> Param {
    string("domain", "analytics")
        .longest(256)
        .empty(fails(InvalidArgument, ["domain"]))
        .too_long(257, fails(InvalidArgument, ["domain"]))
}

/// A journal file path.
fn journal_path(name: &'static str) -> Param {
    text_param(name, "file path", value(|w| Arg::text(w.journal_path().as_bytes())))
}

fn tc_string() -> Param {
    string("tc_string", TC_STRING).empty(fails(TcfInvalid, ["TC string"])).text_case(
        Class::Unusable,
        "\"not a TC string!\"",
        b"not a TC string!",
        fails(TcfInvalid, ["TC string"]),
    )
}

/// The policy document.
fn policy_json() -> Param {
    let invalid = || fails(PolicyInvalid, ["policy"]);
    text_param("policy_json", "policy JSON", fixed_text(POLICY.as_bytes()))
        .empty(invalid())
        .text_case(Class::MalformedJson, "`{`", b"{", invalid())
        .text_case(Class::MalformedJson, "`{\"name\": `", b"{\"name\": ", invalid())
        .text_case(Class::WrongShapeJson, "`[]`", b"[]", invalid())
        .text_case(Class::WrongShapeJson, "`\"shop\"`", b"\"shop\"", invalid())
        .text_case(Class::WrongShapeJson, "`{}`", b"{}", invalid())
        .text_case(
            Class::WrongShapeJson,
            "`{\"name\": 1, \"purposes\": {}}`",
            b"{\"name\": 1, \"purposes\": {}}",
            invalid(),
        )
}

/// A customer record: a JSON object. An optional record may be NULL.
fn record(valid: &'static str, optional: bool) -> Param {
    let name = "record_json";
    let kind = if optional { "record JSON, NULL for none" } else { "record JSON" };
    let null = if optional { ok() } else { fails(InvalidArgument, ["`record_json`", "NULL"]) };
    let malformed = || fails(InvalidJson, ["`record_json`", "not valid JSON"]);
    let shape = || fails(InvalidJson, ["`record_json`", "not an object"]);
    Param::new(name, kind, fixed_text(valid.as_bytes()))
        .case(Class::Null, "NULL", value(|_| Arg::Text(None)), null)
        .text_case(
            Class::NotUtf8,
            "\"ab\\xff\"",
            BAD_UTF8,
            fails(InvalidUtf8, ["`record_json`", "UTF-8", "offset 2"]),
        )
        .empty(malformed())
        .text_case(Class::MalformedJson, "`{`", b"{", malformed())
        .text_case(Class::MalformedJson, "`{\"email\": `", b"{\"email\": ", malformed())
        .text_case(Class::WrongShapeJson, "`[]`", b"[]", shape())
        .text_case(Class::WrongShapeJson, "`42`", b"42", shape())
        .text_case(Class::WrongShapeJson, "`\"jane\"`", b"\"jane\"", shape())
        .text_case(Class::WrongShapeJson, "`null`", b"null", shape())
}

/// An audit head from an earlier report, or NULL.
fn anchor() -> Param {
    let not_head = || fails(InvalidJson, ["`anchor_json`"]);
    Param::new("anchor_json", "audit head JSON, NULL for none", value(|_| Arg::Text(None)))
        .text_case(
            Class::NotUtf8,
            "\"ab\\xff\"",
            BAD_UTF8,
            fails(InvalidUtf8, ["`anchor_json`", "UTF-8", "offset 2"]),
        )
        .empty(not_head())
        .text_case(Class::MalformedJson, "`{`", b"{", not_head())
        .text_case(Class::WrongShapeJson, "`[]`", b"[]", not_head())
        .text_case(Class::WrongShapeJson, "`{}`", b"{}", not_head())
        .text_case(
            Class::WrongShapeJson,
            "`{\"count\": \"x\", \"mac\": 1}`",
            b"{\"count\": \"x\", \"mac\": 1}",
            not_head(),
        )
        .text_case(
            Class::WrongShapeJson,
            "`{\"count\": 0, \"mac\": \"zz\"}`",
            b"{\"count\": 0, \"mac\": \"zz\"}",
            not_head(),
        )
        .text_case(
            Class::WrongShapeJson,
            "`{\"count\": 0, \"mac\": <64 uppercase hex digits>}`",
            format!("{{\"count\": 0, \"mac\": \"{}\"}}", "AB".repeat(32)).as_bytes(),
            not_head(),
        )
        .case(
            Class::OtherValid,
            "the head of an earlier report",
            value(|w| Arg::text(w.audit_head().as_bytes())),
            ok(),
        )
}

/// A `(const uint8_t *, size_t)` pair; `zero` is what length 0 gives.
fn bytes(name: &'static str, len_name: &'static str, valid: &'static [u8], zero: Expect) -> Param {
    let mut param =
        Param::new(name, "bytes + length", value(move |_| Arg::bytes(valid, Ptr::Data, valid.len())))
            .case(
                Class::Null,
                format!("NULL, `{len_name}` = {}", valid.len()),
                value(move |_| Arg::bytes(valid, Ptr::Null, valid.len())),
                fails(InvalidArgument, [tick(name), "NULL".into()]),
            )
            .case(
                Class::SizeZero,
                format!("`{len_name}` = 0"),
                value(move |_| Arg::bytes(valid, Ptr::Data, 0)),
                zero.clone(),
            )
            .case(
                Class::SizeZero,
                format!("NULL, `{len_name}` = 0"),
                value(move |_| Arg::bytes(valid, Ptr::Null, 0)),
                zero,
            );
    for (label, len) in [("SIZE_MAX", usize::MAX), ("PTRDIFF_MAX + 1", isize::MAX as usize + 1)] {
        param = param.case(
            Class::HugeSize,
            format!("unreadable pointer, `{len_name}` = {label}"),
            value(move |_| Arg::bytes(valid, Ptr::Dangling, len)),
            fails(InvalidArgument, [tick(name), "PTRDIFF_MAX".into()]),
        );
    }
    param.c_names.push(len_name);
    param
}

/// A master secret: 32 to 64 bytes.
fn key() -> Param {
    let invalid = || fails(KeyInvalid, ["invalid key"]);
    bytes("key", "key_len", KEY, invalid())
        .case(Class::WrongSize, "31 bytes", value(|_| Arg::bytes(&[7; 31], Ptr::Data, 31)), invalid())
        .case(Class::WrongSize, "65 bytes", value(|_| Arg::bytes(&[7; 65], Ptr::Data, 65)), invalid())
}

/// A caller's output buffer `(char *, size_t)`; `short` is one byte less than the result needs.
fn buffer(short: usize) -> Param {
    let too_small = || fails(BufferTooSmall, ["too small", "needed"]);
    let mut param =
        Param::new("out", "output buffer + length", value(|_| Arg::buffer(Ptr::Data, BUFFER_LEN)))
            .case(
                Class::Null,
                format!("NULL, `out_len` = {BUFFER_LEN}"),
                value(|_| Arg::buffer(Ptr::Null, BUFFER_LEN)),
                fails(InvalidArgument, ["`out`", "NULL"]),
            )
            .case(Class::SizeZero, "`out_len` = 0", value(|_| Arg::buffer(Ptr::Data, 0)), too_small())
            .case(Class::SizeZero, "NULL, `out_len` = 0", value(|_| Arg::buffer(Ptr::Null, 0)), too_small())
            .case(
                Class::WrongSize,
                format!("`out_len` = {short}, one byte short"),
                value(move |_| Arg::buffer(Ptr::Data, short)),
                too_small(),
            );
    for (label, len) in [("SIZE_MAX", usize::MAX), ("PTRDIFF_MAX + 1", isize::MAX as usize + 1)] {
        param = param.case(
            Class::HugeSize,
            format!("unwritable pointer, `out_len` = {label}"),
            value(move |_| Arg::buffer(Ptr::Dangling, len)),
            fails(InvalidArgument, ["`out`", "PTRDIFF_MAX"]),
        );
    }
    param.c_names.push("out_len");
    param
}

/// `(const uint8_t *const *values, const size_t *lens, size_t count)`.
fn slices() -> Param {
    let lens = [BATCH[0].len(), BATCH[1].len()];
    let mut param = Param::new(
        "values",
        "array of bytes + lengths + count",
        value(move |_| Arg::slices(&lens, &[], Ptr::Data, Ptr::Data, 2)),
    )
    .case(
        Class::Null,
        "`values` NULL, `count` = 2",
        value(move |_| Arg::slices(&lens, &[], Ptr::Null, Ptr::Data, 2)),
        fails(InvalidArgument, ["`values`", "NULL"]),
    )
    .case(
        Class::Null,
        "`lens` NULL, `count` = 2",
        value(move |_| Arg::slices(&lens, &[], Ptr::Data, Ptr::Null, 2)),
        fails(InvalidArgument, ["`lens`", "NULL"]),
    )
    .case(
        Class::Null,
        "`values[1]` NULL, `lens[1]` = 13",
        value(move |_| Arg::slices(&lens, &[(1, Ptr::Null)], Ptr::Data, Ptr::Data, 2)),
        fails(InvalidArgument, ["`values[1]`", "NULL"]),
    )
    .case(
        Class::SizeZero,
        "`values`, `lens` NULL, `count` = 0",
        value(move |_| Arg::slices(&lens, &[], Ptr::Null, Ptr::Null, 0)),
        ok(),
    )
    .case(
        Class::SizeZero,
        "`values[0]` NULL, `lens[0]` = 0",
        value(move |_| Arg::slices(&[0, lens[1]], &[(0, Ptr::Null)], Ptr::Data, Ptr::Data, 2)),
        ok(),
    )
    .case(
        Class::HugeSize,
        "unreadable `values[1]`, `lens[1]` = SIZE_MAX",
        value(move |_| Arg::slices(&[lens[0], usize::MAX], &[(1, Ptr::Dangling)], Ptr::Data, Ptr::Data, 2)),
        fails(InvalidArgument, ["`lens[1]`", "PTRDIFF_MAX"]),
    );
    for (label, count) in [("SIZE_MAX", usize::MAX), ("PTRDIFF_MAX + 1", isize::MAX as usize + 1)] {
        param = param.case(
            Class::HugeSize,
            format!("unreadable arrays, `count` = {label}"),
            value(move |_| Arg::slices(&lens, &[], Ptr::Dangling, Ptr::Dangling, count)),
            fails(InvalidArgument, ["count", "too large"]),
        );
    }
    param.c_names.extend(["lens", "count"]);
    param
}

/// Unix seconds within the years 1 to 9999.
fn time(name: &'static str, valid: i64) -> Param {
    let out_of_range = || fails(InvalidArgument, [tick(name), "years 1 to 9999".into()]);
    Param::new(name, "time", value(move |_| Arg::I64(valid)))
        .case(Class::OutOfRange, "year 0 (min - 1)", value(|_| Arg::I64(MIN_UNIX - 1)), out_of_range())
        .case(Class::OutOfRange, "year 10000 (max + 1)", value(|_| Arg::I64(MAX_UNIX + 1)), out_of_range())
        .case(Class::OutOfRange, "INT64_MIN", value(|_| Arg::I64(i64::MIN)), out_of_range())
        .case(Class::OutOfRange, "INT64_MAX", value(|_| Arg::I64(i64::MAX)), out_of_range())
}

impl Param {
    /// The first and last second of the documented range, and what they give.
    fn edges(self, first: Expect, last: Expect) -> Param {
        self.case(Class::EdgeOfRange, "0001-01-01T00:00:00Z", value(|_| Arg::I64(MIN_UNIX)), first).case(
            Class::EdgeOfRange,
            "9999-12-31T23:59:59Z",
            value(|_| Arg::I64(MAX_UNIX)),
            last,
        )
    }
}

/// An `int32_t` flag: 0 false, anything else true.
fn flag(name: &'static str, valid: i32) -> Param {
    let mut param = Param::new(name, "int flag", value(move |_| Arg::I32(valid)));
    for (label, v) in [("-1", -1), ("2", 2), ("INT32_MIN", i32::MIN), ("INT32_MAX", i32::MAX)] {
        param = param.case(Class::AnyValue, label, value(move |_| Arg::I32(v)), ok());
    }
    param
}

/// A `zweck_audit_mode` value passed as `int32_t`.
fn audit_mode() -> Param {
    let mut param = Param::new("mode", "enum as int", value(|_| Arg::I32(2))).case(
        Class::EdgeOfRange,
        "0 (OFF)",
        value(|_| Arg::I32(0)),
        ok(),
    );
    for (label, v) in [("-1", -1), ("3", 3), ("INT32_MIN", i32::MIN), ("INT32_MAX", i32::MAX)] {
        param = param.case(
            Class::OutOfRange,
            label,
            value(move |_| Arg::I32(v)),
            fails(InvalidArgument, ["`mode`", "zweck_audit_mode"]),
        );
    }
    param
}

/// A `uint32_t` version or number.
fn number(name: &'static str, valid: u32) -> Param {
    Param::new(name, "uint32", value(move |_| Arg::U32(valid)))
}

/// An `int32_t` code that a `*_str` function names; `past_end` is the first unknown value.
fn code(name: &'static str, past_end: i32, unknown: &'static str) -> Param {
    let mut param = Param::new(name, "enum as int", value(|_| Arg::I32(0))).case(
        Class::EdgeOfRange,
        (past_end - 1).to_string(),
        value(move |_| Arg::I32(past_end - 1)),
        any_text(),
    );
    for (label, v) in [
        ("-1".to_owned(), -1),
        (past_end.to_string(), past_end),
        ("INT32_MIN".into(), i32::MIN),
        ("INT32_MAX".into(), i32::MAX),
    ] {
        param = param.case(Class::OutOfRange, label, value(move |_| Arg::I32(v)), text(unknown));
    }
    param
}

fn any_text() -> Expect {
    Expect { outcome: Outcome::AnyText, needles: Vec::new() }
}

/// A `*_out` parameter.
fn out(name: &'static str, kind: Out) -> Param {
    Param::new(name, "out pointer", value(move |_| Arg::out(kind))).case(
        Class::Null,
        "NULL",
        value(move |_| Arg::null_out(kind)),
        fails(InvalidArgument, [tick(name), "NULL".into()]),
    )
}

// ---------------------------------------------------------------------------------------------
// The table: every function of include/zweck.h

type Call = fn(&Args) -> Returned;

struct Function {
    name: &'static str,
    fixture: Fixture,
    params: Vec<Param>,
    call: Call,
    valid: Expect,
}

fn status_fn(name: &'static str, fixture: Fixture, params: Vec<Param>, call: Call) -> Function {
    Function { name, fixture, params, call, valid: ok() }
}

fn text_fn(name: &'static str, params: Vec<Param>, call: Call) -> Function {
    Function { name, fixture: Fixture::Shop, params, call, valid: any_text() }
}

fn void_fn(name: &'static str, params: Vec<Param>, call: Call) -> Function {
    Function { name, fixture: Fixture::Shop, params, call, valid: nothing() }
}

use Fixture::{Shop, ShopWithTcf, ShopWithVault};

fn functions() -> Vec<Function> {
    vec![
        text_fn("zweck_version", vec![], |_| Returned::Text(zweck_version())),
        text_fn("zweck_last_error_message", vec![], |_| Returned::Text(zweck_last_error_message())),
        text_fn("zweck_status_str", vec![code("status", 20, "unknown status")], |a| {
            Returned::Text(zweck_status_str(a.i32(0)))
        }),
        void_fn("zweck_string_free", vec![released("string", "owned string", World::spare_string)], |a| {
            // SAFETY: NULL or a string from zweck, released once.
            unsafe { zweck_string_free(a.handle(0)) };
            Returned::Nothing
        }),
        status_fn(
            "zweck_engine_new",
            Shop,
            vec![
                policy_json(),
                key(),
                number("key_version", 1).int_case(Class::EdgeOfRange, "0", || Arg::U32(0), ok()).int_case(
                    Class::EdgeOfRange,
                    "UINT32_MAX",
                    || Arg::U32(u32::MAX),
                    ok(),
                ),
                out("engine_out", Out::Engine),
            ],
            |a| {
                let (key, key_len) = a.bytes(1);
                // SAFETY: the arguments honour the contract except where a case breaks it on purpose.
                Returned::Status(unsafe { zweck_engine_new(a.text(0), key, key_len, a.u32(2), a.out(3)) })
            },
        ),
        status_fn(
            "zweck_engine_open",
            Shop,
            vec![
                policy_json(),
                key(),
                number("key_version", 1),
                journal_path("journal_path").empty(fails(InvalidArgument, ["`journal_path`", "empty"])).case(
                    Class::Unusable,
                    "a path in a missing directory",
                    value(|w| Arg::text(format!("{}.missing/shop.journal", w.journal_path()).as_bytes())),
                    fails(zweck_status::Io, ["journal"]),
                ),
                out("engine_out", Out::Engine),
            ],
            |a| {
                let (key, key_len) = a.bytes(1);
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_engine_open(a.text(0), key, key_len, a.u32(2), a.text(3), a.out(4))
                })
            },
        ),
        status_fn(
            "zweck_engine_new_with_options",
            Shop,
            vec![
                policy_json(),
                key(),
                number("key_version", 1),
                options(true)
                    .case(
                        Class::Unusable,
                        "an added key with the current key's version",
                        value(|w| {
                            w.add_key(1);
                            Arg::Handle(w.options.cast())
                        }),
                        fails(KeyInvalid, ["1"]),
                    )
                    .case(
                        Class::Unusable,
                        "a journal in a missing directory",
                        value(|w| {
                            let path = c_string(&format!("{}.missing/shop.journal", w.journal_path()));
                            // SAFETY: live options object, NUL-terminated path.
                            let status =
                                unsafe { zweck_engine_options_set_journal(w.options, path.as_ptr().cast()) };
                            check_ok(status, "zweck_engine_options_set_journal");
                            Arg::Handle(w.options.cast())
                        }),
                        fails(zweck_status::Io, ["journal"]),
                    ),
                out("engine_out", Out::Engine),
            ],
            |a| {
                let (key, key_len) = a.bytes(1);
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_engine_new_with_options(a.text(0), key, key_len, a.u32(2), a.handle(3), a.out(4))
                })
            },
        ),
        void_fn(
            "zweck_engine_free",
            vec![released("engine", "engine handle to release", World::spare_engine)],
            |a| {
                // SAFETY: NULL or a live engine, released once.
                unsafe { zweck_engine_free(a.handle(0)) };
                Returned::Nothing
            },
        ),
        status_fn("zweck_key_version", Shop, vec![engine(), out("version_out", Out::U32)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_key_version(a.handle(0), a.out(1)) })
        }),
        status_fn("zweck_engine_options_new", Shop, vec![out("options_out", Out::Options)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_engine_options_new(a.out(0)) })
        }),
        void_fn(
            "zweck_engine_options_free",
            vec![released("options", "options handle to release", World::spare_options)],
            |a| {
                // SAFETY: NULL or a live options object, released once.
                unsafe { zweck_engine_options_free(a.handle(0)) };
                Returned::Nothing
            },
        ),
        status_fn(
            "zweck_engine_options_set_journal",
            Shop,
            vec![options(false), journal_path("path").empty(fails(InvalidArgument, ["`path`", "empty"]))],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe { zweck_engine_options_set_journal(a.handle(0), a.text(1)) })
            },
        ),
        status_fn("zweck_engine_options_set_vault", Shop, vec![options(false), flag("enabled", 1)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_engine_options_set_vault(a.handle(0), a.i32(1)) })
        }),
        status_fn(
            "zweck_engine_options_add_key",
            Shop,
            vec![
                options(false),
                number("version", 2)
                    .int_case(Class::EdgeOfRange, "UINT32_MAX", || Arg::U32(u32::MAX), ok())
                    .case(
                        Class::Unusable,
                        "2, already added",
                        value(|w| {
                            w.add_key(2);
                            Arg::U32(2)
                        }),
                        fails(KeyInvalid, ["already added"]),
                    ),
                key(),
            ],
            |a| {
                let (key, key_len) = a.bytes(2);
                // SAFETY: as above.
                Returned::Status(unsafe { zweck_engine_options_add_key(a.handle(0), a.u32(1), key, key_len) })
            },
        ),
        status_fn("zweck_engine_options_set_audit", Shop, vec![options(false), audit_mode()], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_engine_options_set_audit(a.handle(0), a.i32(1)) })
        }),
        status_fn(
            "zweck_consent_grant",
            Shop,
            vec![
                engine(),
                subject(erased()),
                purpose("marketing"),
                time("at", NOW).edges(ok(), ok()),
                notice_version(),
                statement("source", "cookie banner v3", "consent source"),
                time("expires", 0)
                    .case(
                        Class::OtherValid,
                        "a year after `at`",
                        value(|_| Arg::I64(NOW + 365 * 86_400)),
                        ok(),
                    )
                    .case(
                        Class::Unusable,
                        "= `at`",
                        value(|_| Arg::I64(NOW)),
                        fails(InvalidArgument, ["expir"]),
                    )
                    .case(
                        Class::Unusable,
                        "before `at`",
                        value(|_| Arg::I64(NOW - 1)),
                        fails(InvalidArgument, ["expir"]),
                    )
                    .edges(fails(InvalidArgument, ["expir"]), ok()),
                flag("explicit_consent", 0),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_consent_grant(
                        a.handle(0),
                        a.text(1),
                        a.text(2),
                        a.i64(3),
                        a.u32(4),
                        a.text(5),
                        a.i64(6),
                        a.i32(7),
                    )
                })
            },
        ),
        status_fn(
            "zweck_consent_withdraw",
            Shop,
            vec![
                engine(),
                subject(erased()),
                purpose("marketing"),
                time("at", NOW).edges(ok(), ok()),
                notice_version(),
                statement("source", "unsubscribe link", "consent source"),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_consent_withdraw(a.handle(0), a.text(1), a.text(2), a.i64(3), a.u32(4), a.text(5))
                })
            },
        ),
        status_fn(
            "zweck_consent_object",
            Shop,
            vec![
                engine(),
                subject(erased()),
                purpose("analytics"),
                time("at", NOW).edges(ok(), ok()),
                notice_version(),
                statement("source", "account settings", "consent source"),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_consent_object(a.handle(0), a.text(1), a.text(2), a.i64(3), a.u32(4), a.text(5))
                })
            },
        ),
        status_fn(
            "zweck_consent_history",
            Shop,
            vec![engine(), subject(ok()), out("history_out", Out::Json)],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe { zweck_consent_history(a.handle(0), a.text(1), a.out(2)) })
            },
        ),
        status_fn(
            "zweck_decide",
            Shop,
            vec![
                engine(),
                subject(ok()),
                purpose("marketing.email"),
                field("email"),
                time("at", NOW).edges(ok(), ok()),
                out("decision_out", Out::Decision),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_decide(a.handle(0), a.text(1), a.text(2), a.text(3), a.i64(4), a.out(5))
                })
            },
        ),
        text_fn("zweck_reason_str", vec![code("reason", 17, "unknown reason")], |a| {
            Returned::Text(zweck_reason_str(a.i32(0)))
        }),
        text_fn("zweck_reason_explain", vec![code("reason", 17, "unknown reason")], |a| {
            Returned::Text(zweck_reason_explain(a.i32(0)))
        }),
        text_fn("zweck_treatment_str", vec![code("treatment", 5, "unknown treatment")], |a| {
            Returned::Text(zweck_treatment_str(a.i32(0)))
        }),
        status_fn(
            "zweck_view",
            Shop,
            vec![
                engine(),
                record(CUSTOMER, false).text_case(
                    Class::Unusable,
                    "`{\"postcode\": {\"a\": 1}}` (value unfit for its rule)",
                    b"{\"postcode\": {\"a\": 1}}",
                    fails(InvalidValue, ["postcode"]),
                ),
                subject(ok()),
                purpose("analytics"),
                // The shop customer's birth date (1988) lies in the future in year 1 and more than 150
                // years back in 9999: the age band cannot be computed, as documented.
                time("at", NOW).edges(
                    fails(InvalidValue, ["birth date lies in the future"]),
                    fails(InvalidValue, ["more than 150 years"]),
                ),
                out("view_out", Out::Json),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_view(a.handle(0), a.text(1), a.text(2), a.text(3), a.i64(4), a.out(5))
                })
            },
        ),
        status_fn(
            "zweck_pseudonymise",
            Shop,
            vec![
                engine(),
                domain(),
                bytes("value", "value_len", b"jane@example.com", ok()),
                buffer(LINE - 1),
                out("written_out", Out::Usize),
            ],
            |a| {
                let (value, value_len) = a.bytes(2);
                let (out, out_len) = a.buffer(3);
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_pseudonymise(a.handle(0), a.text(1), value, value_len, out, out_len, a.out(4))
                })
            },
        ),
        status_fn(
            "zweck_pseudonymise_field",
            Shop,
            vec![
                engine(),
                field("email"),
                purpose("analytics").text_case(
                    Class::Unusable,
                    "\"order\" (does not pseudonymise the field)",
                    b"order",
                    fails(InvalidArgument, ["order"]),
                ),
                string("value", "Jane@Example.com").empty(ok()),
                buffer(LINE - 1),
                out("written_out", Out::Usize),
            ],
            |a| {
                let (out, out_len) = a.buffer(4);
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_pseudonymise_field(
                        a.handle(0),
                        a.text(1),
                        a.text(2),
                        a.text(3),
                        out,
                        out_len,
                        a.out(5),
                    )
                })
            },
        ),
        status_fn(
            "zweck_pseudonymise_batch",
            Shop,
            vec![engine(), domain(), slices(), buffer(2 * LINE - 1), out("written_out", Out::Usize)],
            |a| {
                let (values, lens, count) = a.slices(2);
                let (out, out_len) = a.buffer(3);
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_pseudonymise_batch(
                        a.handle(0),
                        a.text(1),
                        values,
                        lens,
                        count,
                        out,
                        out_len,
                        a.out(4),
                    )
                })
            },
        ),
        status_fn(
            "zweck_pseudonymise_packed",
            Shop,
            vec![
                engine(),
                domain(),
                bytes("input", "input_len", PACKED, ok()),
                buffer(2 * LINE - 1),
                out("written_out", Out::Usize),
            ],
            |a| {
                let (input, input_len) = a.bytes(2);
                let (out, out_len) = a.buffer(3);
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_pseudonymise_packed(
                        a.handle(0),
                        a.text(1),
                        input,
                        input_len,
                        out,
                        out_len,
                        a.out(4),
                    )
                })
            },
        ),
        status_fn("zweck_pseudonym_len", Shop, vec![engine(), out("len_out", Out::Usize)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_pseudonym_len(a.handle(0), a.out(1)) })
        }),
        status_fn(
            "zweck_subject_export",
            Shop,
            vec![
                engine(),
                subject(ok()),
                record(CUSTOMER, true),
                time("at", NOW).edges(ok(), ok()),
                out("export_out", Out::Json),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_subject_export(a.handle(0), a.text(1), a.text(2), a.i64(3), a.out(4))
                })
            },
        ),
        status_fn(
            "zweck_subject_forget",
            Shop,
            vec![
                engine(),
                subject(erased()),
                statement("reason", "customer request via account page", "erasure reason"),
                time("at", NOW).edges(ok(), ok()),
                out("receipt_out", Out::Json),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_subject_forget(a.handle(0), a.text(1), a.text(2), a.i64(3), a.out(4))
                })
            },
        ),
        status_fn(
            "zweck_subject_is_erased",
            Shop,
            vec![engine(), string("subject", "c-1042").empty(ok()), out("erased_out", Out::I32)],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe { zweck_subject_is_erased(a.handle(0), a.text(1), a.out(2)) })
            },
        ),
        status_fn(
            "zweck_retention_due",
            Shop,
            vec![
                engine(),
                record(CUSTOMER, false),
                time("collected_at", NOW - 400 * 86_400).edges(ok(), ok()),
                time("at", NOW).edges(ok(), ok()),
                out("steps_out", Out::Json),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_retention_due(a.handle(0), a.text(1), a.i64(2), a.i64(3), a.out(4))
                })
            },
        ),
        status_fn(
            "zweck_reidentify",
            ShopWithVault,
            vec![
                engine(),
                text_param("token", "C string", value(|w| Arg::text(w.token.as_bytes())))
                    .empty(fails(MalformedToken, ["malformed token"]))
                    .text_case(
                        Class::Unusable,
                        "\"not-a-token\"",
                        b"not-a-token",
                        fails(MalformedToken, ["malformed token"]),
                    )
                    .text_case(
                        Class::Unusable,
                        "a well-formed token the vault does not know",
                        b"k1_00000000000000000000000000000000",
                        fails(Denied, ["vault"]),
                    ),
                purpose("fraud").text_case(
                    Class::Unusable,
                    "\"analytics\" (may not re-identify)",
                    b"analytics",
                    fails(Denied, ["analytics"]),
                ),
                time("at", NOW).edges(ok(), ok()),
                out("result_out", Out::Json),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_reidentify(a.handle(0), a.text(1), a.text(2), a.i64(3), a.out(4))
                })
            },
        ),
        status_fn(
            "zweck_rotate_key",
            Shop,
            vec![
                engine(),
                number("version", 2)
                    .int_case(
                        Class::Unusable,
                        "1 (the current version)",
                        || Arg::U32(1),
                        fails(KeyInvalid, ["1"]),
                    )
                    .int_case(Class::EdgeOfRange, "UINT32_MAX", || Arg::U32(u32::MAX), ok()),
                key(),
            ],
            |a| {
                let (key, key_len) = a.bytes(2);
                // SAFETY: as above.
                Returned::Status(unsafe { zweck_rotate_key(a.handle(0), a.u32(1), key, key_len) })
            },
        ),
        status_fn("zweck_compact", Shop, vec![engine(), out("stats_out", Out::Stats)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_compact(a.handle(0), a.out(1)) })
        }),
        status_fn(
            "zweck_tcf_record",
            ShopWithTcf,
            vec![
                engine(),
                subject(erased()),
                tc_string(),
                time("at", NOW).edges(fails(TcfInvalid, ["future"]), ok()),
                out("summary_out", Out::Json),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_tcf_record(a.handle(0), a.text(1), a.text(2), a.i64(3), a.out(4))
                })
            },
        ),
        status_fn("zweck_tcf_decode", Shop, vec![tc_string(), out("decoded_out", Out::Json)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_tcf_decode(a.text(0), a.out(1)) })
        }),
        status_fn(
            "zweck_gpc_record",
            Shop,
            vec![
                engine(),
                subject(erased()),
                time("at", NOW).edges(ok(), ok()),
                statement("source", "Sec-GPC header", "source"),
                out("purposes_out", Out::Json),
            ],
            |a| {
                // SAFETY: as above.
                Returned::Status(unsafe {
                    zweck_gpc_record(a.handle(0), a.text(1), a.i64(2), a.text(3), a.out(4))
                })
            },
        ),
        status_fn("zweck_notice", Shop, vec![engine(), out("notice_out", Out::Text)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_notice(a.handle(0), a.out(1)) })
        }),
        status_fn("zweck_processing_records", Shop, vec![engine(), out("records_out", Out::Json)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_processing_records(a.handle(0), a.out(1)) })
        }),
        status_fn("zweck_audit_flush", Shop, vec![engine()], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_audit_flush(a.handle(0)) })
        }),
        status_fn("zweck_audit_verify", Shop, vec![engine(), anchor(), out("report_out", Out::Json)], |a| {
            // SAFETY: as above.
            Returned::Status(unsafe { zweck_audit_verify(a.handle(0), a.text(1), a.out(2)) })
        }),
    ]
}

/// The privacy-notice version a consent event was given under; 0 means the purpose's current one.
fn notice_version() -> Param {
    number("notice_version", 0)
        .int_case(Class::OtherValid, "3 (the current version)", || Arg::U32(3), ok())
        .int_case(Class::EdgeOfRange, "UINT32_MAX", || Arg::U32(u32::MAX), ok())
}

// ---------------------------------------------------------------------------------------------
// Running the matrix

/// One case's result.
struct Row {
    function: &'static str,
    param: &'static str,
    kind: &'static str,
    class: Class,
    input: String,
    observed: String,
}

struct Results {
    functions: usize,
    rows: Vec<Row>,
    failures: Vec<String>,
}

fn results() -> &'static Results {
    static RESULTS: OnceLock<Results> = OnceLock::new();
    RESULTS.get_or_init(run_matrix)
}

fn run_matrix() -> Results {
    let functions = functions();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for function in &functions {
        let valid = Case {
            class: Class::Valid,
            input: "every argument valid".into(),
            // Never used: the valid case replaces no parameter.
            value: value(|_| Arg::I32(0)),
            expect: function.valid.clone(),
        };
        let cases = std::iter::once((None, &valid)).chain(
            function.params.iter().enumerate().flat_map(|(i, p)| p.cases.iter().map(move |c| (Some(i), c))),
        );
        for (param, case) in cases {
            let (observed, problems) = run_case(function, param, case);
            let (param_name, kind) =
                param.map_or(("—", ""), |i| (function.params[i].name, function.params[i].kind));
            for problem in problems {
                failures.push(format!("{}({param_name} = {}): {problem}", function.name, case.input));
            }
            rows.push(Row {
                function: function.name,
                param: param_name,
                kind,
                class: case.class,
                input: case.input.clone(),
                observed,
            });
        }
    }
    Results { functions: functions.len(), rows, failures }
}

/// Runs one case on a fresh world; returns what came back and every way it broke its promise.
fn run_case(function: &Function, wrong: Option<usize>, case: &Case) -> (String, Vec<String>) {
    let mut world = World::new(function.fixture);
    let args = Args(
        function
            .params
            .iter()
            .enumerate()
            .map(
                |(i, param)| {
                    if Some(i) == wrong {
                        (case.value)(&mut world)
                    } else {
                        (param.valid)(&mut world)
                    }
                },
            )
            .collect(),
    );
    let reset = world.reset_last_error();
    let returned = (function.call)(&args);
    let message = last_error();

    let mut problems = Vec::new();
    let observed = match returned {
        Returned::Status(status) => Outcome::Status(status),
        Returned::Nothing => Outcome::Nothing,
        // SAFETY: the `*_str` functions return NULL or static NUL-terminated text.
        Returned::Text(ptr) => match unsafe { ptr.as_ref().map(|_| CStr::from_ptr(ptr)) } {
            None => {
                problems.push("returned NULL text".to_owned());
                Outcome::AnyText
            }
            Some(text) => match text.to_str() {
                Err(_) => {
                    problems.push("returned text that is not UTF-8".to_owned());
                    Outcome::AnyText
                }
                Ok(text) => match case.expect.outcome {
                    Outcome::Text(expected) if expected == text => Outcome::Text(expected),
                    Outcome::Text(expected) => {
                        problems.push(format!("returned \"{text}\", expected \"{expected}\""));
                        Outcome::AnyText
                    }
                    _ => Outcome::AnyText,
                },
            },
        },
    };
    if observed != case.expect.outcome {
        problems.push(format!(
            "returned {}, expected {}",
            observed.describe(),
            case.expect.outcome.describe()
        ));
    }
    let succeeded = observed == Outcome::Status(zweck_status::Ok);
    if let Outcome::Status(status) = observed {
        if status != zweck_status::Ok {
            if message == reset {
                problems.push("failed without setting the last error".to_owned());
            }
            if observed == case.expect.outcome {
                for needle in &case.expect.needles {
                    if !message.contains(needle.as_str()) {
                        problems.push(format!("last error {message:?} does not mention {needle:?}"));
                    }
                }
            }
        }
    }
    for arg in &args.0 {
        arg.check_output(succeeded, &mut problems);
    }
    drop(args);
    drop(world);
    (observed.describe(), problems)
}

// ---------------------------------------------------------------------------------------------
// The header: every declared function, with its parameter names

/// `include/zweck.h` without comments: each function name with its parameter names, in order.
fn declared_functions() -> Vec<(String, Vec<String>)> {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/zweck.h"))
        .unwrap_or_else(|e| panic!("cannot read include/zweck.h: {e}"));
    let mut code = String::new();
    let mut rest = header.as_str();
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    code.push_str(rest);
    let code: String =
        code.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");

    let mut declared = Vec::new();
    let mut search = code.as_str();
    while let Some(at) = search.find("zweck_") {
        let after = &search[at..];
        let name_len = after.find(|c: char| !(c == '_' || c.is_ascii_alphanumeric())).unwrap_or(after.len());
        let name = &after[..name_len];
        let tail = after[name_len..].trim_start();
        if let Some(params) = tail.strip_prefix('(') {
            let close = params.find(')').unwrap_or(params.len());
            let names = params[..close]
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty() && *p != "void")
                .map(|p| p.rsplit([' ', '*']).next().unwrap_or(p).to_owned())
                .collect();
            declared.push((name.to_owned(), names));
        }
        search = &after[name_len..];
    }
    declared
}

#[test]
fn every_declared_function_has_a_matrix_entry_with_its_parameters() {
    let declared = declared_functions();
    assert!(declared.len() >= 40, "found only {} functions in include/zweck.h", declared.len());
    let table = functions();
    let mut problems = Vec::new();
    for (name, params) in &declared {
        match table.iter().find(|f| f.name == name) {
            None => problems
                .push(format!("{name} is declared in include/zweck.h but has no entry in functions()")),
            Some(function) => {
                let listed: Vec<&str> =
                    function.params.iter().flat_map(|p| p.c_names.iter().copied()).collect();
                if listed != *params {
                    problems.push(format!(
                        "{name}: the header's parameters are {params:?}, the matrix lists {listed:?}"
                    ));
                }
            }
        }
    }
    for function in &table {
        if !declared.iter().any(|(name, _)| name == function.name) {
            problems
                .push(format!("{} has a matrix entry but is not declared in include/zweck.h", function.name));
        }
    }
    assert!(problems.is_empty(), "the matrix does not match include/zweck.h:\n  {}", problems.join("\n  "));
}

#[test]
fn bad_input_gets_the_documented_status_a_naming_message_and_no_output() {
    let results = results();
    println!(
        "bad-input matrix: {} functions, {} cases, {} failures",
        results.functions,
        results.rows.len(),
        results.failures.len()
    );
    assert!(
        results.failures.is_empty(),
        "{} of {} cases broke the documented contract:\n  {}",
        results.failures.len(),
        results.rows.len(),
        results.failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// docs/c-api-matrix.md

fn render(results: &Results) -> String {
    let mut doc = String::new();
    let cases = results.rows.len();
    let valid = results.rows.iter().filter(|r| r.class == Class::Valid).count();
    doc.push_str("# The C API's bad-input matrix\n\n");
    doc.push_str(
        "Generated by `tests/ffi_matrix.rs` from the outcome of every case; do not edit by hand. Regenerate \
         it with\n`ZWECK_UPDATE_MATRIX=1 cargo test --test ffi_matrix` and commit the result.\n\n",
    );
    doc.push_str(
        "Each case calls one function of `include/zweck.h` on a fresh engine (from \
         `examples/shop_policy.json`)\nwith exactly one argument wrong and all others valid. Every case \
         checks the returned status, that the\nlast error names the parameter or the problem, and that no \
         `*_out` value or output buffer was written\nunless the call succeeded. Huge lengths come with a \
         pointer that cannot be read or written, so a\nfunction that touched it before checking the \
         length would crash the test. Statuses are `ZWECK_STATUS_*`.\n\n",
    );
    doc.push_str(&format!(
        "**Totals:** {} functions, {cases} cases ({valid} valid calls, {} bad or edge inputs), {} failures.\n\n",
        results.functions,
        cases - valid,
        results.failures.len()
    ));
    doc.push_str("| class | cases |\n|---|---:|\n");
    for class in Class::ALL {
        let n = results.rows.iter().filter(|r| r.class == class).count();
        if n > 0 {
            doc.push_str(&format!("| {} | {n} |\n", class.label()));
        }
    }
    let mut function = "";
    let mut index = 0;
    while index < results.rows.len() {
        let row = &results.rows[index];
        if row.function != function {
            function = row.function;
            doc.push_str(&format!(
                "\n## `{function}`\n\n| parameter | bad input | inputs | status |\n|---|---|---|---|\n"
            ));
        }
        let group: Vec<&Row> = results.rows[index..]
            .iter()
            .take_while(|r| r.function == row.function && r.param == row.param && r.class == row.class)
            .collect();
        index += group.len();
        let inputs: Vec<&str> = group.iter().map(|r| r.input.as_str()).collect();
        let mut statuses: Vec<&str> = Vec::new();
        for r in &group {
            if !statuses.contains(&r.observed.as_str()) {
                statuses.push(&r.observed);
            }
        }
        let param = if row.kind.is_empty() {
            row.param.to_owned()
        } else {
            format!("`{}` ({})", row.param, row.kind)
        };
        doc.push_str(&format!(
            "| {param} | {} | {} | {} |\n",
            row.class.label(),
            inputs.join("; ").replace('|', "\\|"),
            statuses.join(", ")
        ));
    }
    doc
}

#[test]
fn docs_c_api_matrix_md_matches_the_results() {
    let rendered = render(results());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/c-api-matrix.md");
    if std::env::var_os("ZWECK_UPDATE_MATRIX").is_some_and(|v| v == "1") {
        std::fs::write(&path, &rendered).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if rendered != checked_in {
        let first_difference = rendered
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| rendered.lines().count().min(checked_in.lines().count()));
        panic!(
            "docs/c-api-matrix.md is out of date with tests/ffi_matrix.rs and the C API (first difference at \
             line {}).\nRegenerate it with `ZWECK_UPDATE_MATRIX=1 cargo test --test ffi_matrix`, review the \
             diff, and commit docs/.",
            first_difference + 1
        );
    }
}
