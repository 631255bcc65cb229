//! The text form of a pseudonym: `k<version>_<32 lowercase hex digits>`.
//!
//! The version prefix lets a reader of any stored token tell which master secret made it, so tokens
//! made before a key rotation can still be recognised (and re-pseudonymised) afterwards. Only the first
//! 16 bytes (128 bits) of the digest are written: enough that collisions among even billions of
//! customers are negligible, short enough for database keys and URLs.

use crate::error::{Error, Result};

/// Digest bytes that appear in a token.
pub(crate) const TOKEN_DIGEST_BYTES: usize = 16;
/// Hex digits after the `_`.
pub(crate) const TOKEN_HEX_LEN: usize = 2 * TOKEN_DIGEST_BYTES;
/// Longest prefix: `k` + ten decimal digits of `u32::MAX` + `_`.
pub(crate) const MAX_PREFIX_LEN: usize = 12;
/// Longest token text.
pub(crate) const MAX_TOKEN_LEN: usize = MAX_PREFIX_LEN + TOKEN_HEX_LEN;

/// Every byte's two lowercase hex digits, so encoding is one table load per byte.
static HEX_PAIRS: [[u8; 2]; 256] = hex_pairs();

const fn hex_pairs() -> [[u8; 2]; 256] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [DIGITS[i >> 4], DIGITS[i & 0xf]];
        i += 1;
    }
    table
}

/// The token prefix `k<version>_` as bytes, and its length.
pub(crate) fn prefix(version: u32) -> ([u8; MAX_PREFIX_LEN], usize) {
    let mut digits = [0u8; 10];
    let mut n = version;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = [0u8; MAX_PREFIX_LEN];
    out[0] = b'k';
    let count = digits.len() - start;
    out[1..=count].copy_from_slice(&digits[start..]);
    out[count + 1] = b'_';
    (out, count + 2)
}

/// `prefix` followed by the lowercase hex digits of `bytes`, in one allocation of the exact size.
pub(crate) fn hex_string(prefix: &str, bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(prefix.len() + 2 * bytes.len());
    out.extend_from_slice(prefix.as_bytes());
    for b in bytes {
        out.extend_from_slice(&HEX_PAIRS[usize::from(*b)]);
    }
    // `prefix` is a `str` and hex digits are ASCII, so the bytes are UTF-8 and the fallback is
    // never taken.
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the 32 hex digits of the first 16 digest bytes, taken from the big-endian SHA-256 state
/// words, into `out` ([`TOKEN_HEX_LEN`] bytes; callers pass exactly that many).
#[inline]
pub(crate) fn write_hex(state: &[u32; 8], out: &mut [u8]) {
    for (word, dst) in state[..TOKEN_DIGEST_BYTES / 4].iter().zip(out.chunks_exact_mut(8)) {
        for (byte, pair) in word.to_be_bytes().iter().zip(dst.chunks_exact_mut(2)) {
            pair.copy_from_slice(&HEX_PAIRS[usize::from(*byte)]);
        }
    }
}

/// The key version a token was made with.
///
/// Accepts exactly the form zweck writes: `k`, the version in decimal without leading zeros, `_`, and
/// 32 lowercase hex digits. Use it to find tokens made under an older key version after a rotation.
///
/// ```
/// use zweck::pseudo::token_key_version;
/// assert_eq!(token_key_version("k7_0123456789abcdef0123456789abcdef").unwrap(), 7);
/// assert!(token_key_version("k7_0123456789ABCDEF0123456789ABCDEF").is_err());
/// ```
///
/// # Errors
/// [`Error::MalformedToken`] saying what is wrong; the message quotes at most the first 80
/// characters of `token`.
pub fn token_key_version(token: &str) -> Result<u32> {
    let bad = |why: &str| Error::MalformedToken(format!("{} {why}", quote(token)));
    let rest = token
        .strip_prefix('k')
        .ok_or_else(|| bad("does not start with 'k' (expected k<version>_<32 hex digits>)"))?;
    let (digits, hex) = rest
        .split_once('_')
        .ok_or_else(|| bad("has no '_' after the key version (expected k<version>_<32 hex digits>)"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("has no decimal key version between 'k' and '_'"));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(bad("has a leading zero in its key version"));
    }
    let version: u32 = digits.parse().map_err(|_| bad("has a key version larger than 4294967295"))?;
    if hex.len() != TOKEN_HEX_LEN {
        return Err(bad(&format!(
            "has {} characters after '_'; a token has 32 hex digits",
            hex.chars().count()
        )));
    }
    if let Some(c) = hex.bytes().find(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        let why = if c.is_ascii_hexdigit() {
            "has uppercase hex digits; tokens are lowercase".to_string()
        } else {
            format!("has {:?} where a hex digit belongs", char::from(c))
        };
        return Err(bad(&why));
    }
    Ok(version)
}

/// `token` in quotes, cut to its first 80 characters so a wrong argument (say, a whole record) is
/// never copied wholesale into a message or a log.
fn quote(token: &str) -> String {
    const LIMIT: usize = 80;
    match token.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{:?}… ({} characters)", &token[..cut], token.chars().count()),
        None => format!("{token:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_spells_the_version_in_decimal() {
        for (v, want) in [(0, "k0_"), (1, "k1_"), (7, "k7_"), (42, "k42_"), (u32::MAX, "k4294967295_")] {
            let (p, n) = prefix(v);
            assert_eq!(&p[..n], want.as_bytes());
        }
    }

    #[test]
    fn hex_is_lowercase_and_big_endian() {
        let state = [0x0123_4567, 0x89ab_cdef, 0x00ff_10f0, 0xdead_beef, 1, 2, 3, 4];
        let mut out = [0u8; TOKEN_HEX_LEN];
        write_hex(&state, &mut out);
        assert_eq!(&out, b"0123456789abcdef00ff10f0deadbeef");
    }

    #[test]
    fn hex_string_puts_the_prefix_before_two_lowercase_digits_per_byte() {
        assert_eq!(hex_string("s_", &[0x00, 0x0f, 0xa0, 0xff]), "s_000fa0ff");
        assert_eq!(hex_string("", &[0xde, 0xad]), "dead");
        assert_eq!(hex_string("x", &[]), "x");
        let all: Vec<u8> = (0..=255).collect();
        let want: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex_string("", &all), want);
    }

    #[test]
    fn well_formed_tokens_give_their_version() {
        let hex = "0123456789abcdef0123456789abcdef";
        assert_eq!(token_key_version(&format!("k1_{hex}")).unwrap(), 1);
        assert_eq!(token_key_version(&format!("k0_{hex}")).unwrap(), 0);
        assert_eq!(token_key_version(&format!("k4294967295_{hex}")).unwrap(), u32::MAX);
    }

    #[test]
    fn malformed_tokens_say_what_is_wrong() {
        let hex = "0123456789abcdef0123456789abcdef";
        let cases = [
            (format!("x1_{hex}"), "does not start with 'k'"),
            (format!("k1{hex}"), "no '_'"),
            (format!("k_{hex}"), "no decimal key version"),
            (format!("kx_{hex}"), "no decimal key version"),
            (format!("k01_{hex}"), "leading zero"),
            (format!("k4294967296_{hex}"), "larger than"),
            ("k1_abc".to_string(), "has 3 characters after '_'"),
            (format!("k1_{hex}0"), "has 33 characters"),
            (format!("k1_{}", hex.to_uppercase()), "uppercase"),
            (format!("k1_{}g", &hex[1..]), "'g' where a hex digit belongs"),
            (String::new(), "does not start with 'k'"),
        ];
        for (token, want) in cases {
            let msg = token_key_version(&token).unwrap_err().to_string();
            assert!(msg.starts_with("malformed token: "), "{msg}");
            assert!(msg.contains(want), "{token}: {msg}");
        }
    }

    #[test]
    fn error_messages_quote_at_most_80_characters() {
        let long = format!("{}{}", "a".repeat(80), "SECRET-TAIL");
        let msg = token_key_version(&long).unwrap_err().to_string();
        assert!(!msg.contains("SECRET"), "{msg}");
        assert!(msg.contains(&"a".repeat(80)));
        assert!(msg.contains("91 characters"), "{msg}");
        // Multi-byte characters are cut on a character boundary, not a byte boundary.
        let wide = "é".repeat(200);
        assert!(token_key_version(&wide).unwrap_err().to_string().contains(&"é".repeat(80)));
    }
}
