//! The C ABI: status codes, the thread-local last error, owned strings and the panic boundary.
//!
//! This module translates and nothing else: it turns C arguments into Rust values, calls the Rust
//! API, and turns the result into a [`zweck_status`](status::zweck_status) plus `*_out` values.
//! `build.rs` runs cbindgen over this directory to produce `include/zweck.h` (C and C++) and
//! `include/zweck_php.h` (PHP FFI); the doc comments of the exported items become the header's prose,
//! so they are written for C programmers: who owns what, for how long, and from which threads.
//!
//! # How to write an entry point
//!
//! Every exported function has the same shape, and the helpers make the shape hard to get wrong:
//!
//! ```ignore
//! /// Parses a policy document and returns a new policy handle.
//! ///
//! /// Ownership: `*policy_out` belongs to the caller; release it with `zweck_policy_free`.
//! /// Thread safety: may be called from any thread.
//! ///
//! /// # Safety
//! /// `json` is NULL or points to a NUL-terminated string; `policy_out` is NULL or points to
//! /// writable storage for one pointer.
//! #[no_mangle]
//! pub unsafe extern "C" fn zweck_policy_new(
//!     json: *const c_char,
//!     policy_out: *mut *mut zweck_policy,
//! ) -> zweck_status {
//!     ffi_panic_boundary! {
//!         let json = try_str!(json);                   // NULL / bad UTF-8 -> status + last error
//!         check_out!(policy_out);                       // before any work with side effects
//!         let policy = try_result!(Policy::from_json(json)); // crate::Error -> status + last error
//!         write_out!(policy_out, into_handle(zweck_policy { inner: policy }));
//!         zweck_status::Ok
//!     }
//! }
//! ```
//!
//! The rules, and what enforces them:
//!
//! 1. **The whole body sits inside `ffi_panic_boundary!`.** A panic becomes
//!    `ZWECK_STATUS_PANIC` with last error `internal panic: …` instead of aborting the host process
//!    (a PHP worker, a shop backend). The argument helpers below only compile inside the boundary,
//!    and the unit test `every_exported_function_body_is_a_panic_boundary` fails for any exported
//!    function in `src/ffi/` whose body does not start with the macro.
//! 2. **Every pointer goes through a helper:** `try_ref!`, `try_mut!`, `try_str!`,
//!    `try_bytes!` for inputs, `check_out!` / `write_out!` / `write_string_out!` for
//!    outputs. Each NULL-checks, sets the last error naming the parameter, and returns the status.
//!    Nothing else in `src/ffi/` dereferences a caller's pointer.
//! 3. **Every Rust error goes through `try_result!`** (or `error::fail_with`), which
//!    maps it with [`status_of`](status::status_of) and records its `Display` text as the last error.
//!    Other failures use `error::fail` with a message that names the input and the fix.
//! 4. **Outputs are written last and only on success.** A function with side effects (it appends,
//!    erases, rotates) calls `check_out!` on all its `*_out` parameters before doing anything, so a
//!    NULL output cannot turn a completed change into a reported failure.
//! 5. **Functions that take pointers are `unsafe extern "C" fn`** with a `# Safety` section stating
//!    what the C caller must guarantee; the helpers' `unsafe` blocks rely on exactly that contract.
//! 6. **Success leaves the last error alone;** only failures set it (like `errno`).
//!
//! Exported enums are fieldless `#[repr(C)]` enums with explicit values, and a parameter that C may
//! fill with any integer is taken as `i32`, never as the enum (an out-of-range enum value is undefined
//! behaviour in Rust).
#![allow(unsafe_code)]

#[macro_use]
mod boundary;

mod convert;

// The order of these modules is the order of the functions in the generated header: basics first,
// then the engine and what it does, roughly in the order a shop uses it.
pub mod version;

pub mod error;

pub mod status;

pub mod string;

pub mod engine;

pub mod options;

pub mod consent;

pub mod access;

pub mod pseudonym;

pub mod rights;

pub mod signals;

pub mod policy;

pub mod audit;

#[cfg(zweck_test_panic)]
pub mod test_panic;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `extern "C" fn` in `src/ffi/` must open its body with `ffi_panic_boundary!`. This is a
    /// source check rather than a type check because a forgotten boundary compiles fine and only
    /// shows when a panic aborts the host.
    #[test]
    fn every_exported_function_body_is_a_panic_boundary() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
        let mut checked = 0;
        let mut offenders = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "rs")) {
            let source = std::fs::read_to_string(path).unwrap_or_default();
            for (at, _) in source.match_indices("extern \"C\" fn ") {
                let line_start = source[..at].rfind('\n').map_or(0, |n| n + 1);
                if source[line_start..at].trim_start().starts_with("//") {
                    continue; // an example in a comment
                }
                let after = &source[at..];
                let name: String = after["extern \"C\" fn ".len()..]
                    .chars()
                    .take_while(|c| *c == '_' || c.is_alphanumeric())
                    .collect();
                let body = after.find('{').map(|open| after[open + 1..].trim_start());
                checked += 1;
                if !body.is_some_and(|b| b.starts_with("ffi_panic_boundary!")) {
                    offenders.push(format!("{}: {name}", path.display()));
                }
            }
        }
        assert!(checked >= 4, "found only {checked} exported functions in {}", dir.display());
        assert!(offenders.is_empty(), "bodies not wrapped in ffi_panic_boundary!: {offenders:?}");
    }
}
