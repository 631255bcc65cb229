//! Keyed pseudonyms into caller buffers: one value, many values, or newline-separated values.
//!
//! The single-value functions write a NUL-terminated token (like `snprintf`, `*written_out` excludes
//! the NUL); the batch functions write lines and no NUL, since their exact size is known up front.

use std::ffi::c_char;

use super::engine::zweck_engine;
use super::error::fail;
use super::status::zweck_status;

/// Length of a token under key `version`: `k<version>_` and 32 hex digits, the text form DESIGN.md
/// fixes as a public contract.
fn token_len(version: u32) -> usize {
    let digits = version.checked_ilog10().map_or(1, |d| d as usize + 1);
    digits + 2 + 32
}

/// Copies `token` and a NUL into `out`, or fails with BUFFER_TOO_SMALL, writing nothing.
fn write_c_token(token: &[u8], out: &mut [u8]) -> Result<usize, zweck_status> {
    let needed = token.len() + 1;
    match out.get_mut(..needed) {
        Some(dst) => {
            dst[..token.len()].copy_from_slice(token);
            dst[token.len()] = 0;
            Ok(token.len())
        }
        None => Err(fail(
            zweck_status::BufferTooSmall,
            format_args!(
                "output buffer `out` too small: {needed} bytes needed (a {}-byte token and its NUL), {} \
                 available; pass a buffer of at least {needed} bytes",
                token.len(),
                out.len()
            ),
        )),
    }
}

/// Writes the pseudonym of the bytes `value`/`value_len` in `domain` to `out`, followed by a NUL, and
/// its length without the NUL to `*written_out`.
///
/// The token is `k<version>_` and 32 lowercase hex digits: `HMAC-SHA256(HKDF(master key, domain),
/// value)`, reproducible with any standard HMAC-SHA256 (see the README). The same value gets the
/// same token in the same domain under the same key version, and unlinkable tokens in different
/// domains. The bytes are used as given; apply the field's normaliser first, or use
/// `zweck_pseudonymise_field`. A domain is 1 to 256 bytes of UTF-8, typically a purpose.
///
/// Buffer: `out_len` must be at least the token length plus 1 (36 bytes for key versions 0 to 9;
/// `zweck_pseudonym_len` gives the token length). A 64-byte buffer is always enough. If it is too
/// small, the function returns ZWECK_STATUS_BUFFER_TOO_SMALL, writes nothing, and the last error
/// says how many bytes are needed.
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument (`value` may be NULL with length 0) or
/// an empty or over-long domain; ZWECK_STATUS_INVALID_UTF8 if `domain` is not UTF-8;
/// ZWECK_STATUS_BUFFER_TOO_SMALL.
///
/// # Safety
/// `engine` is NULL or a live engine; `domain` is NULL or a NUL-terminated string; `value` is NULL or
/// points to `value_len` readable bytes; `out` is NULL or points to `out_len` writable bytes;
/// `written_out` is NULL or points to writable storage for one `size_t`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // flat scalar arguments suit C and PHP better than a struct
pub unsafe extern "C" fn zweck_pseudonymise(
    engine: *const zweck_engine,
    domain: *const c_char,
    value: *const u8,
    value_len: usize,
    out: *mut c_char,
    out_len: usize,
    written_out: *mut usize,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let domain = try_str!(domain);
        let value = try_bytes!(value, value_len);
        let out = try_buffer!(out, out_len);
        check_out!(written_out);
        let mut token = [0u8; 64];
        let len = try_result!(try_result!(
            engine.inner.with_domain_key(domain, |key| key.pseudonymise_into(value, &mut token))
        ));
        let written = try_status!(write_c_token(&token[..len], out));
        write_out!(written_out, written);
        zweck_status::Ok
    }
}

/// Writes the pseudonym the policy gives `field` for `purpose` to `out`, followed by a NUL, and its
/// length without the NUL to `*written_out`: the field's normaliser is applied first (e.g. email:
/// trimmed and lowercased), so the token equals the one `zweck_view` releases for that field.
///
/// Buffer: as `zweck_pseudonymise`.
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT for a NULL argument or if the policy does not pseudonymise
/// `field` for `purpose`; ZWECK_STATUS_INVALID_UTF8; ZWECK_STATUS_UNKNOWN_FIELD;
/// ZWECK_STATUS_UNKNOWN_PURPOSE; ZWECK_STATUS_BUFFER_TOO_SMALL.
///
/// # Safety
/// `engine` is NULL or a live engine; `field`, `purpose` and `value` are NULL or NUL-terminated
/// strings; `out` is NULL or points to `out_len` writable bytes; `written_out` is NULL or points to
/// writable storage for one `size_t`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // flat scalar arguments suit C and PHP better than a struct
pub unsafe extern "C" fn zweck_pseudonymise_field(
    engine: *const zweck_engine,
    field: *const c_char,
    purpose: *const c_char,
    value: *const c_char,
    out: *mut c_char,
    out_len: usize,
    written_out: *mut usize,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let field = try_str!(field);
        let purpose = try_str!(purpose);
        let value = try_str!(value);
        let out = try_buffer!(out, out_len);
        check_out!(written_out);
        let token = try_result!(engine.inner.pseudonymise_field(field, purpose, value));
        let written = try_status!(write_c_token(token.as_bytes(), out));
        write_out!(written_out, written);
        zweck_status::Ok
    }
}

/// Pseudonymises `count` values in `domain` in one call: `values[i]`/`lens[i]` is the i-th value's
/// bytes. Writes each token followed by `'\n'`, in input order, to `out` (no NUL terminator) and the
/// number of bytes written, `count * (token length + 1)`, to `*written_out`. No memory is allocated
/// per value, and the domain key is derived once.
///
/// Buffer: `out_len` must be at least `count * (zweck_pseudonym_len() + 1)`; otherwise the function
/// returns ZWECK_STATUS_BUFFER_TOO_SMALL, writes nothing, and the last error says how many bytes are
/// needed. `count` 0 writes nothing and sets `*written_out` to 0 (`values`, `lens` and `out` may
/// then be NULL).
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: as `zweck_pseudonymise`; a NULL `values[i]` with a non-zero `lens[i]` is
/// ZWECK_STATUS_INVALID_ARGUMENT naming the index.
///
/// # Safety
/// `engine` is NULL or a live engine; `domain` is NULL or a NUL-terminated string; `values` and `lens`
/// are NULL or point to `count` readable elements, and each non-NULL `values[i]` to `lens[i]`
/// readable bytes; `out` is NULL or points to `out_len` writable bytes; `written_out` is NULL or
/// points to writable storage for one `size_t`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // flat scalar arguments suit C and PHP better than a struct
pub unsafe extern "C" fn zweck_pseudonymise_batch(
    engine: *const zweck_engine,
    domain: *const c_char,
    values: *const *const u8,
    lens: *const usize,
    count: usize,
    out: *mut c_char,
    out_len: usize,
    written_out: *mut usize,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let domain = try_str!(domain);
        let values = try_byte_slices!(values, lens, count);
        let out = try_buffer!(out, out_len);
        check_out!(written_out);
        let written =
            try_result!(try_result!(engine.inner.with_domain_key(domain, |key| key.pseudonymise_batch(&values, out))));
        write_out!(written_out, written);
        zweck_status::Ok
    }
}

/// Pseudonymises newline-separated values in `domain`: `input`/`input_len` holds the values, each
/// ended by `'\n'` (a last value without `'\n'` counts too; an empty line in the middle is an empty
/// value; a `'\r'` is part of the value). Writes each token followed by `'\n'`, in input order, to
/// `out` (no NUL terminator) and the number of bytes written to `*written_out`. This is the form a
/// file or a PHP `implode("\n", $values)` has, with no array of pointers to build.
///
/// Buffer: `out_len` must be at least `(number of values) * (zweck_pseudonym_len() + 1)`; otherwise
/// ZWECK_STATUS_BUFFER_TOO_SMALL, nothing is written, and the last error gives the size needed.
/// Empty input writes nothing and sets `*written_out` to 0.
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: as `zweck_pseudonymise`.
///
/// # Safety
/// `engine` is NULL or a live engine; `domain` is NULL or a NUL-terminated string; `input` is NULL or
/// points to `input_len` readable bytes; `out` is NULL or points to `out_len` writable bytes;
/// `written_out` is NULL or points to writable storage for one `size_t`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // flat scalar arguments suit C and PHP better than a struct
pub unsafe extern "C" fn zweck_pseudonymise_packed(
    engine: *const zweck_engine,
    domain: *const c_char,
    input: *const u8,
    input_len: usize,
    out: *mut c_char,
    out_len: usize,
    written_out: *mut usize,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        let domain = try_str!(domain);
        let input = try_bytes!(input, input_len);
        let out = try_buffer!(out, out_len);
        check_out!(written_out);
        let written =
            try_result!(try_result!(engine.inner.with_domain_key(domain, |key| key.pseudonymise_packed(input, out))));
        write_out!(written_out, written);
        zweck_status::Ok
    }
}

/// Writes the length in bytes of the tokens the engine makes now, without NUL or newline, to
/// `*len_out`: `k<version>_` plus 32 hex digits, so 35 for key versions 0 to 9 and never more than
/// 44. Use it to size buffers for the batch functions. A `zweck_rotate_key` to a version with more
/// digits makes tokens longer.
///
/// Thread safety: may be called from any thread, concurrently with any other call on the engine.
///
/// Errors: ZWECK_STATUS_INVALID_ARGUMENT if an argument is NULL.
///
/// # Safety
/// `engine` is NULL or a live engine; `len_out` is NULL or points to writable storage for one
/// `size_t`.
#[no_mangle]
pub unsafe extern "C" fn zweck_pseudonym_len(
    engine: *const zweck_engine,
    len_out: *mut usize,
) -> zweck_status {
    ffi_panic_boundary! {
        let engine = try_ref!(engine);
        write_out!(len_out, token_len(engine.inner.key_version()));
        zweck_status::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyRing;

    #[test]
    fn token_len_is_the_length_of_the_tokens_keys_make() {
        for version in [0, 1, 9, 10, 99, 12_345, u32::MAX] {
            let key = KeyRing::new(version, &[1u8; 32]).map(|ring| ring.domain_key("d"));
            assert_eq!(key.map(|k| k.token_len()).ok(), Some(token_len(version)), "version {version}");
        }
    }

    #[test]
    fn a_short_buffer_gets_nothing_and_the_size_needed() {
        let mut out = [b'#'; 4];
        assert_eq!(write_c_token(b"k1_abcd", &mut out), Err(zweck_status::BufferTooSmall));
        assert_eq!(out, [b'#'; 4]);
        assert!(crate::ffi::error::last_error().unwrap_or_default().contains("8 bytes needed"));
        let mut out = [b'#'; 8];
        assert_eq!(write_c_token(b"k1_abcd", &mut out), Ok(7));
        assert_eq!(&out, b"k1_abcd\0");
    }
}
