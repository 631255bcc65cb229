//! The panic boundary and the argument helpers every exported function is built from.
//!
//! The macros are `macro_rules!` so that cbindgen still sees each exported signature as written
//! (rustls-ffi's `ffi_panic_boundary!` works the same way). The argument helpers `return` a
//! [`zweck_status`] from the boundary's closure, so they only make sense inside it, and they refuse to
//! compile anywhere else: they call `requires_ffi_panic_boundary()`, a function that only
//! `ffi_panic_boundary!` defines.
//!
//! # Panic messages never carry data
//!
//! A panic payload that is a compile-time string (`panic!("literal")`, `Option::unwrap` on `None`)
//! is reported verbatim. A formatted payload (`panic!("{x}")`, `Result::unwrap` on an error, index out
//! of bounds) is withheld, because it may contain runtime values — customer data or key material —
//! and the last error travels to logs in the host. Rust's default panic hook still prints the full
//! message to the process's stderr; zweck installs no hook of its own because the hook is process-wide.

use std::any::Any;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::{fail, null_argument, set_last_error};
use super::status::zweck_status;

/// Runs an exported function's body, turning a panic into the function's panic value.
///
/// The body is the function's whole body; it may `return` early (from the closure the macro wraps it
/// in) and its value is the function's result. For `zweck_status` functions a panic yields
/// `ZWECK_STATUS_PANIC` and sets the last error to `internal panic: <message>`; for the rare
/// function that returns something else, see `PanicDefault`.
macro_rules! ffi_panic_boundary {
    ($($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| {
            /// Marks the inside of a panic boundary: the argument helpers call it, so using one
            /// outside `ffi_panic_boundary!` fails to compile.
            #[allow(dead_code)]
            #[inline(always)]
            fn requires_ffi_panic_boundary() {}
            $($body)*
        })) {
            ::std::result::Result::Ok(value) => value,
            ::std::result::Result::Err(payload) => $crate::ffi::boundary::on_panic(payload),
        }
    };
}

/// Returns early with the status of a `Result<T, zweck_status>` error, or yields the `T`.
///
/// The error path has already set the last error (every `Result<_, zweck_status>` in this module is
/// produced by `fail` or one of its wrappers).
macro_rules! try_status {
    ($result:expr) => {{
        requires_ffi_panic_boundary();
        match $result {
            ::std::result::Result::Ok(value) => value,
            ::std::result::Result::Err(status) => return status,
        }
    }};
}

/// Returns early with the mapped status of a `crate::Result<T>` error (setting the last error to its
/// `Display` text), or yields the `T`.
macro_rules! try_result {
    ($result:expr) => {{
        requires_ffi_panic_boundary();
        match $result {
            ::std::result::Result::Ok(value) => value,
            ::std::result::Result::Err(err) => return $crate::ffi::error::fail_with(&err),
        }
    }};
}

/// `try_ref!(ptr)` / `try_ref!(ptr, "name")`: a `*const T` parameter as `&T`; NULL returns
/// `ZWECK_STATUS_INVALID_ARGUMENT` naming the parameter.
macro_rules! try_ref {
    ($ptr:ident) => {
        try_ref!($ptr, stringify!($ptr))
    };
    ($ptr:expr, $name:expr) => {
        // SAFETY: the entry point's `# Safety` contract says a non-NULL `$ptr` points to a live,
        // aligned value of its type that nobody mutates during the call; `ref_arg` checks NULL.
        try_status!(unsafe { $crate::ffi::boundary::ref_arg($ptr, $name) })
    };
}

/// `try_mut!(ptr)` / `try_mut!(ptr, "name")`: a `*mut T` parameter as `&mut T`; NULL returns
/// `ZWECK_STATUS_INVALID_ARGUMENT` naming the parameter.
macro_rules! try_mut {
    ($ptr:ident) => {
        try_mut!($ptr, stringify!($ptr))
    };
    ($ptr:expr, $name:expr) => {
        // SAFETY: the entry point's `# Safety` contract says a non-NULL `$ptr` points to a live,
        // aligned value of its type that nothing else accesses during the call; `mut_arg` checks NULL.
        try_status!(unsafe { $crate::ffi::boundary::mut_arg($ptr, $name) })
    };
}

/// `try_str!(ptr)` / `try_str!(ptr, "name")`: a NUL-terminated `const char *` parameter as `&str`.
/// NULL returns `ZWECK_STATUS_INVALID_ARGUMENT`; invalid UTF-8 returns `ZWECK_STATUS_INVALID_UTF8`
/// naming the parameter and the byte offset of the first bad byte.
macro_rules! try_str {
    ($ptr:ident) => {
        try_str!($ptr, stringify!($ptr))
    };
    ($ptr:expr, $name:expr) => {
        // SAFETY: the entry point's `# Safety` contract says a non-NULL `$ptr` points to a
        // NUL-terminated string that stays unchanged during the call; `str_arg` checks NULL.
        try_status!(unsafe { $crate::ffi::boundary::str_arg($ptr, $name) })
    };
}

/// `try_bytes!(ptr, len)` / `try_bytes!(ptr, len, "name")`: a `(const uint8_t *, size_t)` pair as
/// `&[u8]`. Length 0 gives an empty slice whatever the pointer (NULL included); NULL with a non-zero
/// length, or a length above `PTRDIFF_MAX`, returns `ZWECK_STATUS_INVALID_ARGUMENT`.
macro_rules! try_bytes {
    ($ptr:ident, $len:expr) => {
        try_bytes!($ptr, $len, stringify!($ptr))
    };
    ($ptr:expr, $len:expr, $name:expr) => {
        // SAFETY: the entry point's `# Safety` contract says a non-NULL `$ptr` points to `$len`
        // readable bytes that stay unchanged during the call; `bytes_arg` checks NULL and the length.
        try_status!(unsafe { $crate::ffi::boundary::bytes_arg($ptr, $len, $name) })
    };
}

/// `try_opt_str!(ptr)` / `try_opt_str!(ptr, "name")`: a `const char *` parameter that may be NULL,
/// as `Option<&str>`: NULL is `None`; invalid UTF-8 returns `ZWECK_STATUS_INVALID_UTF8` like `try_str!`.
macro_rules! try_opt_str {
    ($ptr:ident) => {
        try_opt_str!($ptr, stringify!($ptr))
    };
    ($ptr:expr, $name:expr) => {
        if $ptr.is_null() {
            None
        } else {
            Some(try_str!($ptr, $name))
        }
    };
}

/// `try_buffer!(ptr, len)` / `try_buffer!(ptr, len, "name")`: a caller's output buffer
/// `(char *, size_t)` as `&mut [u8]`. Length 0 gives an empty buffer whatever the pointer (NULL
/// included); NULL with a non-zero length, or a length above `PTRDIFF_MAX`, returns
/// `ZWECK_STATUS_INVALID_ARGUMENT`. Nothing is written by the helper itself.
macro_rules! try_buffer {
    ($ptr:ident, $len:expr) => {
        try_buffer!($ptr, $len, stringify!($ptr))
    };
    ($ptr:expr, $len:expr, $name:expr) => {
        // SAFETY: the entry point's `# Safety` contract says a non-NULL `$ptr` points to `$len`
        // writable bytes that nothing else accesses during the call; `buffer_arg` checks NULL and the
        // length.
        try_status!(unsafe { $crate::ffi::boundary::buffer_arg($ptr.cast::<u8>(), $len, $name) })
    };
}

/// `try_byte_slices!(values, lens, count)`: C's `(const uint8_t *const *values, const size_t *lens,
/// size_t count)` as a `Vec<&[u8]>` (one allocation for the whole call). `values` and `lens` may be
/// NULL when `count` is 0; each `values[i]` may be NULL when `lens[i]` is 0. A bad element returns
/// `ZWECK_STATUS_INVALID_ARGUMENT` naming its index.
macro_rules! try_byte_slices {
    ($values:ident, $lens:ident, $count:expr) => {
        // SAFETY: the entry point's `# Safety` contract says non-NULL `$values` and `$lens` point to
        // `$count` readable elements, and each non-NULL `$values[i]` to `$lens[i]` readable bytes, all
        // unchanged during the call; `byte_slices_arg` checks NULLs and lengths.
        try_status!(unsafe {
            $crate::ffi::boundary::byte_slices_arg(
                $values,
                $lens,
                $count,
                stringify!($values),
                stringify!($lens),
            )
        })
    };
}

/// `check_out!(a_out, b_out, …)`: returns `ZWECK_STATUS_INVALID_ARGUMENT` naming the first NULL
/// output parameter. Use it at the top of functions with side effects, before any work.
macro_rules! check_out {
    ($($out:ident),+ $(,)?) => {{
        requires_ffi_panic_boundary();
        $(
            if $out.is_null() {
                return $crate::ffi::error::null_argument(stringify!($out));
            }
        )+
    }};
}

/// `write_out!(out, value)` or `write_out!(a_out, a; b_out, b; …)`: stores results in `*_out`
/// parameters. All pointers are NULL-checked before any value expression is evaluated or anything is
/// written, so a failure writes nothing and leaks nothing.
macro_rules! write_out {
    ($($out:ident, $value:expr);+ $(;)?) => {{
        check_out!($($out),+);
        $(
            // SAFETY: `$out` is non-NULL (checked above), and the entry point's `# Safety` contract
            // says it points to writable, aligned storage for one value of its type. `write` does not
            // read or drop the old contents, which C may have left uninitialised.
            unsafe { $out.write($value) };
        )+
    }};
}

/// `write_string_out!(out, string)`: hands `string` to C as an owned `char *` in `*out` (released
/// with `zweck_string_free`). A string with an interior NUL byte cannot be a C string: that returns
/// `ZWECK_STATUS_INVALID_VALUE` and writes nothing.
macro_rules! write_string_out {
    ($out:ident, $string:expr) => {{
        check_out!($out);
        let raw = try_status!($crate::ffi::string::into_raw_c_string($string, stringify!($out)));
        write_out!($out, raw);
    }};
}

/// What an exported function returns when its body panicked.
pub trait PanicDefault {
    /// The value returned after a caught panic.
    fn panic_default() -> Self;
}

impl PanicDefault for zweck_status {
    fn panic_default() -> Self {
        zweck_status::Panic
    }
}

impl PanicDefault for () {
    fn panic_default() -> Self {}
}

/// Functions returning `const char *` promise never to return NULL, so a panic yields `""`.
impl PanicDefault for *const c_char {
    fn panic_default() -> Self {
        c"".as_ptr()
    }
}

impl<T> PanicDefault for *mut T {
    fn panic_default() -> Self {
        std::ptr::null_mut()
    }
}

/// Records a caught panic as the last error and returns the function's panic value.
///
/// Called by `ffi_panic_boundary!`; not meant for direct use.
pub fn on_panic<T: PanicDefault>(payload: Box<dyn Any + Send>) -> T {
    set_last_error(&format!("internal panic: {}", panic_message(payload.as_ref())));
    // A payload's destructor could panic in turn; that second panic must not escape either.
    if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(second);
    }
    T::panic_default()
}

/// The text of a panic payload, or a placeholder when it may contain runtime data (see module docs).
fn panic_message(payload: &(dyn Any + Send)) -> &'static str {
    match payload.downcast_ref::<&'static str>() {
        Some(message) => message,
        None => "message withheld because it may contain data; see the process's stderr",
    }
}

/// `*const T` argument → `&T`, NULL → `ZWECK_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `ptr` is NULL or points to a live, aligned `T` not mutated for the lifetime `'a`.
pub unsafe fn ref_arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, zweck_status> {
    // SAFETY: guaranteed by the caller for a non-NULL `ptr`; `as_ref` returns None for NULL.
    match unsafe { ptr.as_ref() } {
        Some(value) => Ok(value),
        None => Err(null_argument(name)),
    }
}

/// `*mut T` argument → `&mut T`, NULL → `ZWECK_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `ptr` is NULL or points to a live, aligned `T` not accessed by anything else for the lifetime `'a`.
pub unsafe fn mut_arg<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, zweck_status> {
    // SAFETY: guaranteed by the caller for a non-NULL `ptr`; `as_mut` returns None for NULL.
    match unsafe { ptr.as_mut() } {
        Some(value) => Ok(value),
        None => Err(null_argument(name)),
    }
}

/// NUL-terminated `const char *` argument → `&str`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string not mutated for the lifetime `'a`.
pub unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, zweck_status> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: non-NULL and NUL-terminated, as the caller guarantees.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|err| {
        fail(
            zweck_status::InvalidUtf8,
            format_args!(
                "argument `{name}` is not valid UTF-8 (first invalid byte at offset {}); pass UTF-8 text",
                err.valid_up_to()
            ),
        )
    })
}

/// `(const uint8_t *, size_t)` argument → `&[u8]`.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes not mutated for the lifetime `'a`.
pub unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], zweck_status> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(fail(
            zweck_status::InvalidArgument,
            format_args!("argument `{name}` is NULL but its length is {len}; pass NULL only with length 0"),
        ));
    }
    if isize::try_from(len).is_err() {
        return Err(fail(
            zweck_status::InvalidArgument,
            format_args!("length of `{name}` is {len}, above PTRDIFF_MAX; pass the buffer's real length"),
        ));
    }
    // SAFETY: `ptr` is non-NULL and points to `len` readable bytes (caller's guarantee); `len` fits
    // in `isize`; `u8` needs no alignment.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `(const uint8_t *const *, const size_t *, size_t)` arguments → one slice per value.
///
/// # Safety
/// `values` and `lens` are NULL or point to `count` readable, aligned elements; each non-NULL
/// `values[i]` points to `lens[i]` readable bytes; nothing is mutated for the lifetime `'a`.
pub unsafe fn byte_slices_arg<'a>(
    values: *const *const u8,
    lens: *const usize,
    count: usize,
    values_name: &str,
    lens_name: &str,
) -> Result<Vec<&'a [u8]>, zweck_status> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if count > isize::MAX as usize / std::mem::size_of::<usize>() {
        return Err(fail(
            zweck_status::InvalidArgument,
            format_args!("count {count} is too large for `{values_name}`; pass the number of values"),
        ));
    }
    for (ptr, name) in [(values.cast::<u8>(), values_name), (lens.cast::<u8>(), lens_name)] {
        if ptr.is_null() {
            return Err(fail(
                zweck_status::InvalidArgument,
                format_args!("argument `{name}` is NULL but count is {count}; pass NULL only with count 0"),
            ));
        }
    }
    // SAFETY: both are non-NULL and point to `count` readable, aligned elements (caller's guarantee);
    // `count * size_of` fits in `isize` (checked above).
    let (values, lens) =
        unsafe { (std::slice::from_raw_parts(values, count), std::slice::from_raw_parts(lens, count)) };
    let mut slices = Vec::with_capacity(count);
    for (index, (&ptr, &len)) in values.iter().zip(lens).enumerate() {
        if len == 0 {
            slices.push(&[][..]);
            continue;
        }
        if ptr.is_null() {
            return Err(fail(
                zweck_status::InvalidArgument,
                format_args!(
                    "`{values_name}[{index}]` is NULL but `{lens_name}[{index}]` is {len}; pass NULL only with \
                     length 0"
                ),
            ));
        }
        if isize::try_from(len).is_err() {
            return Err(fail(
                zweck_status::InvalidArgument,
                format_args!(
                    "`{lens_name}[{index}]` is {len}, above PTRDIFF_MAX; pass the value's real length"
                ),
            ));
        }
        // SAFETY: `ptr` is non-NULL and points to `len` readable bytes (caller's guarantee); `len`
        // fits in `isize`; `u8` needs no alignment.
        slices.push(unsafe { std::slice::from_raw_parts(ptr, len) });
    }
    Ok(slices)
}

/// `(char *, size_t)` output buffer → `&mut [u8]`.
///
/// # Safety
/// `ptr` is NULL or points to `len` writable bytes that nothing else accesses for the lifetime `'a`.
pub unsafe fn buffer_arg<'a>(ptr: *mut u8, len: usize, name: &str) -> Result<&'a mut [u8], zweck_status> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(fail(
            zweck_status::InvalidArgument,
            format_args!("argument `{name}` is NULL but its length is {len}; pass NULL only with length 0"),
        ));
    }
    if isize::try_from(len).is_err() {
        return Err(fail(
            zweck_status::InvalidArgument,
            format_args!("length of `{name}` is {len}, above PTRDIFF_MAX; pass the buffer's real length"),
        ));
    }
    // SAFETY: `ptr` is non-NULL and points to `len` writable bytes that nothing else accesses
    // (caller's guarantee); `len` fits in `isize`; `u8` needs no alignment.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// Moves a value to the heap and hands it to C as an opaque handle; release it with `free_handle`.
pub fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Destroys a handle made by `into_handle`; NULL is a no-op, so `_free` functions accept NULL.
///
/// # Safety
/// `handle` is NULL or came from `into_handle::<T>` and has not been freed yet; nothing uses it after.
pub unsafe fn free_handle<T>(handle: *mut T) {
    if !handle.is_null() {
        // SAFETY: per the contract, `handle` is a live `Box<T>` pointer that is freed exactly once.
        drop(unsafe { Box::from_raw(handle) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::error::last_error;

    fn panics_with_literal() -> zweck_status {
        ffi_panic_boundary! { panic!("boom") }
    }

    fn panics_with_formatted_data() -> zweck_status {
        let secret = String::from("customer@example.com");
        ffi_panic_boundary! { panic!("leaking {secret}") }
    }

    unsafe fn takes_str(text: *const c_char) -> zweck_status {
        ffi_panic_boundary! {
            let text = try_str!(text);
            if text.is_empty() { zweck_status::InvalidValue } else { zweck_status::Ok }
        }
    }

    unsafe fn takes_bytes(data: *const u8, len: usize) -> zweck_status {
        ffi_panic_boundary! {
            let data = try_bytes!(data, len);
            if data.len() == len { zweck_status::Ok } else { zweck_status::InvalidValue }
        }
    }

    unsafe fn doubles(value: *const u32, doubled_out: *mut u32, tripled_out: *mut u32) -> zweck_status {
        ffi_panic_boundary! {
            let value = *try_ref!(value);
            write_out!(doubled_out, value * 2; tripled_out, value * 3);
            zweck_status::Ok
        }
    }

    unsafe fn greets(name: *const c_char, greeting_out: *mut *mut c_char) -> zweck_status {
        ffi_panic_boundary! {
            let name = try_str!(name, "name");
            write_string_out!(greeting_out, format!("hello {name}"));
            zweck_status::Ok
        }
    }

    #[test]
    fn a_literal_panic_becomes_status_panic_with_its_message() {
        assert_eq!(panics_with_literal(), zweck_status::Panic);
        assert_eq!(last_error().as_deref(), Some("internal panic: boom"));
    }

    #[test]
    fn a_formatted_panic_message_is_withheld_from_the_last_error() {
        assert_eq!(panics_with_formatted_data(), zweck_status::Panic);
        let message = last_error().unwrap_or_default();
        assert!(message.starts_with("internal panic: message withheld"), "{message}");
        assert!(!message.contains("customer@example.com"));
    }

    #[test]
    fn null_string_argument_is_named_in_the_error() {
        // SAFETY: NULL is allowed by the contract.
        assert_eq!(unsafe { takes_str(std::ptr::null()) }, zweck_status::InvalidArgument);
        assert_eq!(last_error().as_deref(), Some("argument `text` is NULL; pass a valid pointer"));
    }

    #[test]
    fn invalid_utf8_reports_parameter_and_offset() {
        let bytes = b"ab\xffcd\0";
        // SAFETY: NUL-terminated buffer that outlives the call.
        assert_eq!(unsafe { takes_str(bytes.as_ptr().cast()) }, zweck_status::InvalidUtf8);
        let message = last_error().unwrap_or_default();
        assert!(message.contains("`text`") && message.contains("offset 2"), "{message}");
    }

    #[test]
    fn empty_byte_input_may_be_null() {
        // SAFETY: NULL with length 0 is allowed.
        assert_eq!(unsafe { takes_bytes(std::ptr::null(), 0) }, zweck_status::Ok);
        let data = [1u8, 2, 3];
        // SAFETY: three readable bytes.
        assert_eq!(unsafe { takes_bytes(data.as_ptr(), 3) }, zweck_status::Ok);
    }

    #[test]
    fn null_bytes_with_a_length_or_a_huge_length_are_invalid_arguments() {
        // SAFETY: the helper rejects both before reading.
        assert_eq!(unsafe { takes_bytes(std::ptr::null(), 4) }, zweck_status::InvalidArgument);
        assert!(last_error().unwrap_or_default().contains("length is 4"));
        let data = [0u8];
        // SAFETY: rejected before any read.
        assert_eq!(unsafe { takes_bytes(data.as_ptr(), usize::MAX) }, zweck_status::InvalidArgument);
        assert!(last_error().unwrap_or_default().contains("PTRDIFF_MAX"));
    }

    #[test]
    fn outputs_are_written_only_when_every_output_pointer_is_valid() {
        let value = 7u32;
        let (mut doubled, mut tripled) = (0u32, 0u32);
        // SAFETY: valid pointers to locals.
        let status = unsafe { doubles(&value, &mut doubled, std::ptr::null_mut()) };
        assert_eq!(status, zweck_status::InvalidArgument);
        assert_eq!(doubled, 0, "nothing may be written when the call fails");
        assert!(last_error().unwrap_or_default().contains("`tripled_out`"));
        // SAFETY: valid pointers to locals.
        assert_eq!(unsafe { doubles(&value, &mut doubled, &mut tripled) }, zweck_status::Ok);
        assert_eq!((doubled, tripled), (14, 21));
    }

    #[test]
    fn owned_string_outputs_reach_c_and_are_freed_by_zweck_string_free() {
        let mut greeting: *mut c_char = std::ptr::null_mut();
        // SAFETY: NUL-terminated input, valid output slot.
        assert_eq!(unsafe { greets(c"ada".as_ptr(), &mut greeting) }, zweck_status::Ok);
        // SAFETY: `greeting` came from zweck and is freed once.
        unsafe {
            assert_eq!(CStr::from_ptr(greeting).to_str(), Ok("hello ada"));
            crate::ffi::string::zweck_string_free(greeting);
        }
    }

    #[test]
    fn handles_round_trip_and_free_accepts_null() {
        let handle = into_handle(String::from("state"));
        // SAFETY: fresh handle, freed once; NULL is a no-op.
        unsafe {
            assert_eq!(ref_arg(handle, "h").map(|s| s.as_str()), Ok("state"));
            free_handle(handle);
            free_handle::<String>(std::ptr::null_mut());
        }
    }
}
