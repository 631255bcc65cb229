//! HMAC-SHA256 from precomputed midstates, with a fast path on the x86-64 SHA extensions (SHA-NI).
//!
//! A pseudonym of a short value costs two SHA-256 compressions (inner and outer hash), so the
//! compression *is* the cost. On CPUs with SHA-NI this module runs the whole token computation
//! (padding, inner compression, outer block, outer compression, hex digits) inside one function
//! compiled for those instructions: the chaining state stays in vector registers between the two
//! hashes, the outer block and the hex digits are made from registers, the value's tail is read
//! from the value's own memory (never staged in a buffer, whose reload would stall), and no
//! per-block feature dispatch is paid. [`token_hex_pair`] runs two independent HMACs in lockstep,
//! so the latency of one `sha256rnds2` chain hides behind the other: one message alone is bound by
//! that latency, two in flight by the instruction's throughput.
//!
//! Everywhere else (other CPUs, other architectures) the same padding code runs on `sha2`'s
//! portable [`compress256`], which picks its own best implementation. Which path a call takes is
//! decided by runtime CPU feature detection, never at compile time, so one binary serves every x86-64
//! machine. Both paths produce plain RFC 2104 HMAC-SHA256; the tests check the fast path against the
//! portable one on random keys and values of every length from 0 to 299 bytes.
//!
//! This module and `src/ffi/` are the only places in the crate with `unsafe` code: here it is needed
//! to call functions compiled for CPU features the build target does not guarantee, and for the
//! unaligned vector loads and stores.
#![allow(unsafe_code)]

use sha2::compress256;
use sha2::digest::generic_array::GenericArray;

use super::token::{write_hex, TOKEN_HEX_LEN};

/// SHA-256 block size in bytes.
pub(crate) const BLOCK_LEN: usize = 64;

/// One SHA-256 input block.
pub(crate) type Block = [u8; BLOCK_LEN];

/// The two keyed chaining states of an HMAC key: after compressing `K ⊕ ipad` and `K ⊕ opad`.
pub(crate) struct Midstates<'a> {
    /// Inner state.
    pub(crate) inner: &'a [u32; 8],
    /// Outer state.
    pub(crate) outer: &'a [u32; 8],
}

/// Whether this CPU runs the SHA-NI path: detected on first use, then one relaxed load.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline]
pub(crate) fn accelerated() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    const UNKNOWN: u8 = 0;
    const NO: u8 = 1;
    const YES: u8 = 2;
    static DETECTED: AtomicU8 = AtomicU8::new(UNKNOWN);
    match DETECTED.load(Ordering::Relaxed) {
        UNKNOWN => {
            let yes = detect();
            DETECTED.store(if yes { YES } else { NO }, Ordering::Relaxed);
            yes
        }
        state => state == YES,
    }
}

#[cold]
fn detect() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse4.1")
            && std::arch::is_x86_feature_detected!("ssse3")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `HMAC-SHA256(K, value)` as the eight big-endian words of the digest.
#[inline]
pub(crate) fn mac(keys: &Midstates<'_>, value: &[u8]) -> [u32; 8] {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: `accelerated()` confirmed that the CPU supports SHA, SSE4.1 and SSSE3 (and SSE2 is
        // part of x86-64), the features `ni::mac` is compiled for.
        return unsafe { ni::mac(keys, value) };
    }
    mac_portable(keys, value)
}

/// The MACs of two values under one key, computed in lockstep where the CPU allows it (the
/// batch functions use [`token_hex_pair`]; this form is for the tests).
#[cfg(test)]
pub(crate) fn mac_pair(keys: &Midstates<'_>, a: &[u8], b: &[u8]) -> ([u32; 8], [u32; 8]) {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: as in `mac`: the CPU features `ni::mac_pair` needs were detected at run time.
        return unsafe { ni::mac_pair(keys, a, b) };
    }
    (mac_portable(keys, a), mac_portable(keys, b))
}

/// Writes the token's hex digits (the first 16 digest bytes in lowercase hex) for `value` into
/// `out`, straight from registers on the SHA-NI path.
#[inline]
pub(crate) fn token_hex_into(keys: &Midstates<'_>, value: &[u8], out: &mut [u8; TOKEN_HEX_LEN]) {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: as in `mac`: the CPU features `ni::mac_hex_into` needs were detected at run time.
        return unsafe { ni::mac_hex_into(keys, value, out) };
    }
    *out = hex_of(&mac_portable(keys, value));
}

/// The token's hex digits for `value`, as [`token_hex_into`] writes them.
#[cfg(test)]
pub(crate) fn token_hex(keys: &Midstates<'_>, value: &[u8]) -> [u8; TOKEN_HEX_LEN] {
    let mut out = [0u8; TOKEN_HEX_LEN];
    token_hex_into(keys, value, &mut out);
    out
}

/// [`token_hex`] of two values, computed in lockstep where the CPU allows it.
#[inline]
pub(crate) fn token_hex_pair(
    keys: &Midstates<'_>,
    a: &[u8],
    b: &[u8],
) -> ([u8; TOKEN_HEX_LEN], [u8; TOKEN_HEX_LEN]) {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: as in `mac`: the CPU features `ni::mac_hex_pair` needs were detected at run time.
        return unsafe { ni::mac_hex_pair(keys, a, b) };
    }
    (hex_of(&mac_portable(keys, a)), hex_of(&mac_portable(keys, b)))
}

/// The token hex digits of a digest state, portably.
pub(crate) fn hex_of(state: &[u32; 8]) -> [u8; TOKEN_HEX_LEN] {
    let mut out = [0u8; TOKEN_HEX_LEN];
    write_hex(state, &mut out);
    out
}

/// The portable path: `sha2`'s block function (which uses SHA-NI itself when it detects it, with
/// one dispatch per block).
pub(crate) fn mac_portable(keys: &Midstates<'_>, value: &[u8]) -> [u32; 8] {
    let padded = Padded::new(value);
    let mut inner = *keys.inner;
    for block in padded.full.iter().chain(padded.tail()) {
        compress_portable(&mut inner, block);
    }
    let mut outer = *keys.outer;
    compress_portable(&mut outer, &outer_block(&inner));
    outer
}

/// One block through `sha2`'s [`compress256`].
#[inline]
pub(crate) fn compress_portable(state: &mut [u32; 8], block: &Block) {
    compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

/// The inner hash's input after the key block: the value's whole blocks, borrowed, and the last
/// one or two blocks holding the rest of the value and the SHA-256 padding.
struct Padded<'a> {
    full: &'a [Block],
    tail: [Block; 2],
    tail_len: usize,
}

impl<'a> Padded<'a> {
    #[inline(always)]
    fn new(value: &'a [u8]) -> Self {
        let (full, rest) = value.as_chunks::<BLOCK_LEN>();
        let mut tail = [[0u8; BLOCK_LEN]; 2];
        tail[0][..rest.len()].copy_from_slice(rest);
        tail[0][rest.len()] = 0x80;
        let tail_len = if rest.len() < BLOCK_LEN - 8 { 1 } else { 2 };
        tail[tail_len - 1][BLOCK_LEN - 8..].copy_from_slice(&length_word(value.len()).to_le_bytes());
        Padded { full, tail, tail_len }
    }

    #[inline(always)]
    fn tail(&self) -> &[Block] {
        &self.tail[..self.tail_len]
    }
}

/// The SHA-256 length field of the inner hash (message bits, the 64-byte key block included,
/// modulo 2^64, big-endian) as the little-endian word that the last eight bytes of the block hold.
#[inline(always)]
fn length_word(value_len: usize) -> u64 {
    (value_len as u64).wrapping_add(BLOCK_LEN as u64).wrapping_mul(8).swap_bytes()
}

/// The outer hash's only block after the key block: the inner digest and the padding for
/// 64 + 32 bytes (768 bits).
#[inline(always)]
fn outer_block(inner: &[u32; 8]) -> Block {
    let mut block = [0u8; BLOCK_LEN];
    for (word, dst) in inner.iter().zip(block.chunks_exact_mut(4)) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    block[32] = 0x80;
    block[BLOCK_LEN - 8..].copy_from_slice(&768u64.to_be_bytes());
    block
}

#[cfg(target_arch = "x86_64")]
mod ni {
    //! The SHA-NI implementation. Every function here is compiled with `sha`, `sse2`, `ssse3` and
    //! `sse4.1` enabled and may only run on a CPU that has them; `super::accelerated()` checks.
    //!
    //! The state layout follows Intel's SHA extensions guide: the eight working variables live in two
    //! registers, `abef` (lanes F, E, B, A from low to high) and `cdgh` (H, G, D, C), and the message
    //! schedule in four registers of four words each.

    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_and_si128, _mm_blend_epi16, _mm_loadu_si128,
        _mm_or_si128, _mm_set1_epi8, _mm_set_epi32, _mm_set_epi64x, _mm_setzero_si128, _mm_sha256msg1_epu32,
        _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32, _mm_shuffle_epi32, _mm_shuffle_epi8, _mm_srli_epi16,
        _mm_storeu_si128, _mm_unpackhi_epi8, _mm_unpacklo_epi8,
    };

    use super::{length_word, Block, Midstates, BLOCK_LEN, TOKEN_HEX_LEN};

    /// SHA-256 round constants (FIPS 180-4, §4.2.2).
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// Chaining state in SHA-NI register layout.
    #[derive(Clone, Copy)]
    struct State {
        abef: __m128i,
        cdgh: __m128i,
    }

    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn load_state(state: &[u32; 8]) -> State {
        // SAFETY: `state` is 32 readable bytes; `_mm_loadu_si128` has no alignment requirement.
        let (dcba, hgfe) = unsafe {
            let p = state.as_ptr().cast::<__m128i>();
            (_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)))
        };
        let cdab = _mm_shuffle_epi32(dcba, 0xb1);
        let efgh = _mm_shuffle_epi32(hgfe, 0x1b);
        State { abef: _mm_alignr_epi8(cdab, efgh, 8), cdgh: _mm_blend_epi16(efgh, cdab, 0xf0) }
    }

    /// The state as message words `[A B C D]` and `[E F G H]` (lane 0 first), which is both how it is
    /// stored and how the outer hash reads the inner digest.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn state_words(s: State) -> [__m128i; 2] {
        let feba = _mm_shuffle_epi32(s.abef, 0x1b);
        let dchg = _mm_shuffle_epi32(s.cdgh, 0xb1);
        [_mm_blend_epi16(feba, dchg, 0xf0), _mm_alignr_epi8(dchg, feba, 8)]
    }

    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn store_state(s: State) -> [u32; 8] {
        let [dcba, hgfe] = state_words(s);
        let mut out = [0u32; 8];
        // SAFETY: `out` is 32 writable bytes; `_mm_storeu_si128` has no alignment requirement.
        unsafe {
            let p = out.as_mut_ptr().cast::<__m128i>();
            _mm_storeu_si128(p, dcba);
            _mm_storeu_si128(p.add(1), hgfe);
        }
        out
    }

    /// The `pshufb` mask that reverses the bytes of each 32-bit lane (big-endian words).
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn byte_swap_mask() -> __m128i {
        _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203)
    }

    /// A block's sixteen big-endian message words, four per register.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn message(block: &Block) -> [__m128i; 4] {
        let be = byte_swap_mask();
        let p = block.as_ptr().cast::<__m128i>();
        // SAFETY: `block` is 64 readable bytes, so offsets 0, 16, 32 and 48 each start 16 readable
        // bytes; `_mm_loadu_si128` has no alignment requirement.
        unsafe {
            [
                _mm_shuffle_epi8(_mm_loadu_si128(p), be),
                _mm_shuffle_epi8(_mm_loadu_si128(p.add(1)), be),
                _mm_shuffle_epi8(_mm_loadu_si128(p.add(2)), be),
                _mm_shuffle_epi8(_mm_loadu_si128(p.add(3)), be),
            ]
        }
    }

    /// Round constants `K[4i..4i+4]`, lane 0 first.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn k(i: usize) -> __m128i {
        _mm_set_epi32(K[4 * i + 3] as i32, K[4 * i + 2] as i32, K[4 * i + 1] as i32, K[4 * i] as i32)
    }

    /// Message words `W[i..i+4]` from `W[i-16..i]`, given as four groups oldest first.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn schedule(w0: __m128i, w1: __m128i, w2: __m128i, w3: __m128i) -> __m128i {
        let t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
        _mm_sha256msg2_epu32(t, w3)
    }

    /// Four rounds on the working variables `(abef, cdgh)` with message group `w` and the round
    /// constants of group `i`. State passes by value throughout: held behind a reference, it was
    /// kept in memory and every round paid a store-to-load round trip.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn rounds4(abef: __m128i, cdgh: __m128i, w: __m128i, i: usize) -> (__m128i, __m128i) {
        let t = _mm_add_epi32(w, k(i));
        let cdgh = _mm_sha256rnds2_epu32(cdgh, abef, t);
        let abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(t, 0x0e));
        (abef, cdgh)
    }

    /// Rounds `4i..4i+16` for each listed `(abef, cdgh, w0, w1, w2, w3)`: the message groups as
    /// they are (`load`) or after scheduling them from the previous sixteen words (`schedule`).
    /// Spelled out rather than looped so every constant index folds and everything stays in
    /// registers; with two states their rounds interleave.
    macro_rules! sixteen_rounds {
        (load, $i:expr, $(($a:ident, $c:ident, $w0:ident, $w1:ident, $w2:ident, $w3:ident)),+) => {
            $( ($a, $c) = rounds4($a, $c, $w0, $i); )+
            $( ($a, $c) = rounds4($a, $c, $w1, $i + 1); )+
            $( ($a, $c) = rounds4($a, $c, $w2, $i + 2); )+
            $( ($a, $c) = rounds4($a, $c, $w3, $i + 3); )+
        };
        (schedule, $i:expr, $(($a:ident, $c:ident, $w0:ident, $w1:ident, $w2:ident, $w3:ident)),+) => {
            $( $w0 = schedule($w0, $w1, $w2, $w3); ($a, $c) = rounds4($a, $c, $w0, $i); )+
            $( $w1 = schedule($w1, $w2, $w3, $w0); ($a, $c) = rounds4($a, $c, $w1, $i + 1); )+
            $( $w2 = schedule($w2, $w3, $w0, $w1); ($a, $c) = rounds4($a, $c, $w2, $i + 2); )+
            $( $w3 = schedule($w3, $w0, $w1, $w2); ($a, $c) = rounds4($a, $c, $w3, $i + 3); )+
        };
    }

    /// One block compression (64 rounds).
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn compress(s: State, w: [__m128i; 4]) -> State {
        let (mut a, mut c) = (s.abef, s.cdgh);
        let [mut w0, mut w1, mut w2, mut w3] = w;
        sixteen_rounds!(load, 0, (a, c, w0, w1, w2, w3));
        sixteen_rounds!(schedule, 4, (a, c, w0, w1, w2, w3));
        sixteen_rounds!(schedule, 8, (a, c, w0, w1, w2, w3));
        sixteen_rounds!(schedule, 12, (a, c, w0, w1, w2, w3));
        State { abef: _mm_add_epi32(a, s.abef), cdgh: _mm_add_epi32(c, s.cdgh) }
    }

    /// Two independent block compressions, interleaved round by round.
    ///
    /// # Safety
    /// As [`tail_group`]; `#[inline(always)]` because out of line its four states and eight message
    /// registers went through memory.
    #[inline(always)]
    unsafe fn compress2(sa: State, wa: [__m128i; 4], sb: State, wb: [__m128i; 4]) -> (State, State) {
        let (mut a, mut c) = (sa.abef, sa.cdgh);
        let (mut b, mut d) = (sb.abef, sb.cdgh);
        let [mut a0, mut a1, mut a2, mut a3] = wa;
        let [mut b0, mut b1, mut b2, mut b3] = wb;
        // SAFETY: the caller guarantees the CPU features that the intrinsics and helpers need.
        unsafe {
            sixteen_rounds!(load, 0, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
            sixteen_rounds!(schedule, 4, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
            sixteen_rounds!(schedule, 8, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
            sixteen_rounds!(schedule, 12, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
            (
                State { abef: _mm_add_epi32(a, sa.abef), cdgh: _mm_add_epi32(c, sa.cdgh) },
                State { abef: _mm_add_epi32(b, sb.abef), cdgh: _mm_add_epi32(d, sb.cdgh) },
            )
        }
    }

    /// The outer block's message words: the inner digest, `0x80` and the length 768 bits.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn outer_message(inner: State) -> [__m128i; 4] {
        let [abcd, efgh] = state_words(inner);
        [abcd, efgh, _mm_set_epi32(0, 0, 0, 0x8000_0000u32 as i32), _mm_set_epi32(768, 0, 0, 0)]
    }

    /// The tail of the inner hash's input (the value's last `rest.len() < 64` bytes and the SHA-256
    /// padding) as message words, built from loads of the value itself and of constant tables.
    ///
    /// Copying the tail into a zeroed buffer and loading it back, the obvious way, makes each
    /// 16-byte load wait for several narrower stores to retire (a failed store-to-load forward),
    /// and they retire only after everything before them: the next value's hash could not start
    /// until the previous one had finished. Loads from the value's own memory never wait so.
    struct Tail {
        first: [__m128i; 4],
        second: [__m128i; 4],
        blocks: usize,
    }

    /// `SHIFT[16 - k..32 - k]` as a `pshufb` mask moves the last `k` bytes of a 16-byte register to
    /// its front and zeroes the rest.
    static SHIFT: [u8; 32] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    ];
    /// `PAD[16 - j..32 - j]` is `0x80` at byte `j` and zero elsewhere.
    static PAD: [u8; 32] = {
        let mut t = [0u8; 32];
        t[16] = 0x80;
        t
    };

    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn load16(bytes: &[u8; 16]) -> __m128i {
        // SAFETY: `bytes` is 16 readable bytes; `_mm_loadu_si128` has no alignment requirement.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>()) }
    }

    /// Bytes `16g..16g + 16` of the tail block, before the byte swap.
    ///
    /// # Safety
    /// The CPU must have this module's features. [`tail_group`] and [`tail`] are `unsafe fn`s
    /// instead of `#[target_feature]` functions because only those may be `#[inline(always)]`: left
    /// to its own judgement, the compiler kept them out of line, each 16-byte group returned through
    /// memory, and a single value's hash paid four calls and their stack round trips.
    #[inline(always)]
    unsafe fn tail_group(rest: &[u8], g: usize) -> __m128i {
        let r = rest.len();
        let start = 16 * g;
        // SAFETY: the caller guarantees the CPU features that the intrinsics and `load16` need.
        unsafe {
            let zero = _mm_setzero_si128();
            let data = if let Some(whole) = rest.get(start..).and_then(|s| s.first_chunk::<16>()) {
                load16(whole)
            } else if start < r {
                let k = r - start;
                let mask = SHIFT.get(16 - k..).and_then(|s| s.first_chunk::<16>());
                match (rest.last_chunk::<16>(), mask) {
                    // The value's last 16 bytes, moved down so its byte `start` comes first.
                    (Some(last), Some(mask)) => _mm_shuffle_epi8(load16(last), load16(mask)),
                    // A value shorter than 16 bytes: assembled in general registers.
                    _ => {
                        let (lo, hi) = rest.split_at(r.min(8));
                        _mm_set_epi64x(le_upto8(hi) as i64, le_upto8(lo) as i64)
                    }
                }
            } else {
                zero
            };
            let pad = if r / 16 == g {
                PAD.get(16 - r % 16..).and_then(|s| s.first_chunk::<16>()).map_or(zero, |p| load16(p))
            } else {
                zero
            };
            _mm_or_si128(data, pad)
        }
    }

    /// The tail block(s) of the inner hash for the value's last `rest.len() < 64` bytes.
    ///
    /// # Safety
    /// As [`tail_group`].
    #[inline(always)]
    unsafe fn tail(rest: &[u8], length_word: u64) -> Tail {
        let one_block = rest.len() < BLOCK_LEN - 8;
        // SAFETY: the caller guarantees the CPU features that the intrinsics and `tail_group` need.
        unsafe {
            let be = byte_swap_mask();
            let length = _mm_set_epi64x(length_word as i64, 0);
            let g3 = tail_group(rest, 3);
            Tail {
                first: [
                    _mm_shuffle_epi8(tail_group(rest, 0), be),
                    _mm_shuffle_epi8(tail_group(rest, 1), be),
                    _mm_shuffle_epi8(tail_group(rest, 2), be),
                    _mm_shuffle_epi8(if one_block { _mm_or_si128(g3, length) } else { g3 }, be),
                ],
                second: [
                    _mm_setzero_si128(),
                    _mm_setzero_si128(),
                    _mm_setzero_si128(),
                    _mm_shuffle_epi8(length, be),
                ],
                blocks: if one_block { 1 } else { 2 },
            }
        }
    }

    /// Up to eight bytes as a little-endian word, zero-extended, without reading outside `b`.
    #[inline]
    fn le_upto8(b: &[u8]) -> u64 {
        let n = b.len();
        if let Some(w) = b.first_chunk::<8>() {
            u64::from_le_bytes(*w)
        } else if let (Some(lo), Some(hi)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            // Two overlapping reads; the overlap holds the same bytes in both, so OR is exact.
            u64::from(u32::from_le_bytes(*lo)) | u64::from(u32::from_le_bytes(*hi)) << (8 * (n - 4))
        } else if let (Some(&first), Some(&last)) = (b.first(), b.last()) {
            // One to three bytes: first, middle and last cover them all.
            let mid = b.get(n / 2).copied().unwrap_or(0);
            u64::from(first) | u64::from(mid) << (8 * (n / 2)) | u64::from(last) << (8 * (n - 1))
        } else {
            0
        }
    }

    /// The inner hash of `value` from the keyed inner state.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn inner_state(keys: &Midstates<'_>, value: &[u8]) -> State {
        let (full, rest) = value.as_chunks::<BLOCK_LEN>();
        // SAFETY: this function is compiled for, and only runs on, the features `tail` needs.
        let t = unsafe { tail(rest, length_word(value.len())) };
        let mut s = load_state(keys.inner);
        for block in full {
            s = compress(s, message(block));
        }
        s = compress(s, t.first);
        if t.blocks == 2 {
            s = compress(s, t.second);
        }
        s
    }

    /// Lowercase hex of the first 16 digest bytes, made in registers from the final state and
    /// stored into `out`.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn write_token_hex(s: State, out: &mut [u8; TOKEN_HEX_LEN]) {
        let [abcd, _] = state_words(s);
        let digest = _mm_shuffle_epi8(abcd, byte_swap_mask());
        let low4 = _mm_set1_epi8(0x0f);
        let high = _mm_and_si128(_mm_srli_epi16(digest, 4), low4);
        let low = _mm_and_si128(digest, low4);
        // "0123456789abcdef" as a byte table for `pshufb`.
        let digits = _mm_set_epi64x(0x6665_6463_6261_3938, 0x3736_3534_3332_3130);
        let (high, low) = (_mm_shuffle_epi8(digits, high), _mm_shuffle_epi8(digits, low));
        // SAFETY: `out` is 32 writable bytes, two unaligned 16-byte stores at offsets 0 and 16.
        unsafe {
            let p = out.as_mut_ptr().cast::<__m128i>();
            _mm_storeu_si128(p, _mm_unpacklo_epi8(high, low));
            _mm_storeu_si128(p.add(1), _mm_unpackhi_epi8(high, low));
        }
    }

    /// Lowercase hex of the first 16 digest bytes, made in registers from the final state.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn token_hex(s: State) -> [u8; TOKEN_HEX_LEN] {
        let mut out = [0u8; TOKEN_HEX_LEN];
        write_token_hex(s, &mut out);
        out
    }

    /// Writes the token hex digits of one value into `out`.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) fn mac_hex_into(keys: &Midstates<'_>, value: &[u8], out: &mut [u8; TOKEN_HEX_LEN]) {
        // SAFETY: this function is compiled for, and only runs on, the features `outer_state` needs.
        write_token_hex(unsafe { outer_state(keys, value) }, out);
    }

    /// The token hex digits of two values, hashed in lockstep.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) fn mac_hex_pair(
        keys: &Midstates<'_>,
        a: &[u8],
        b: &[u8],
    ) -> ([u8; TOKEN_HEX_LEN], [u8; TOKEN_HEX_LEN]) {
        // SAFETY: this function is compiled for, and only runs on, the features `outer_states` needs.
        let (sa, sb) = unsafe { outer_states(keys, a, b) };
        (token_hex(sa), token_hex(sb))
    }

    /// The outer hash's final state for one value.
    ///
    /// # Safety
    /// As [`tail_group`]; `#[inline(always)]` for the same reason: out of line, the state came back
    /// through memory.
    #[inline(always)]
    unsafe fn outer_state(keys: &Midstates<'_>, value: &[u8]) -> State {
        // SAFETY: the caller guarantees the CPU features that every function called here needs.
        unsafe {
            let inner = if value.len() < BLOCK_LEN - 8 {
                // A short value, the common case: its one block, with no call and no loop.
                compress(load_state(keys.inner), tail(value, length_word(value.len())).first)
            } else {
                inner_state(keys, value)
            };
            compress(load_state(keys.outer), outer_message(inner))
        }
    }

    /// The outer hashes' final states for two values, interleaved where both are short (one tail
    /// block, the common case for identifiers), else one after the other.
    ///
    /// # Safety
    /// As [`outer_state`].
    #[inline(always)]
    unsafe fn outer_states(keys: &Midstates<'_>, a: &[u8], b: &[u8]) -> (State, State) {
        let short = |v: &[u8]| v.len() < BLOCK_LEN - 8;
        // SAFETY: the caller guarantees the CPU features that every function called here needs.
        unsafe {
            let (ia, ib) = if short(a) && short(b) {
                let (ta, tb) = (tail(a, length_word(a.len())), tail(b, length_word(b.len())));
                let start = load_state(keys.inner);
                compress2(start, ta.first, start, tb.first)
            } else {
                (inner_state(keys, a), inner_state(keys, b))
            };
            let outer = load_state(keys.outer);
            compress2(outer, outer_message(ia), outer, outer_message(ib))
        }
    }

    /// HMAC-SHA256 of one value.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) fn mac(keys: &Midstates<'_>, value: &[u8]) -> [u32; 8] {
        // SAFETY: this function is compiled for, and only runs on, the features `outer_state` needs.
        store_state(unsafe { outer_state(keys, value) })
    }

    /// HMAC-SHA256 of two values under the same key, interleaved as far as both have blocks.
    #[cfg(test)]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) fn mac_pair(keys: &Midstates<'_>, a: &[u8], b: &[u8]) -> ([u32; 8], [u32; 8]) {
        // SAFETY: this function is compiled for, and only runs on, the features `outer_states` needs.
        let (sa, sb) = unsafe { outer_states(keys, a, b) };
        (store_state(sa), store_state(sb))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use proptest::prelude::*;
    use sha2::Sha256;

    /// The midstates of a 32-byte HMAC key, computed independently of `DomainKey`.
    fn midstates(key: &[u8; 32]) -> ([u32; 8], [u32; 8]) {
        const IV: [u32; 8] =
            [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
        let pad = |byte: u8| -> Block { std::array::from_fn(|i| key.get(i).copied().unwrap_or(0) ^ byte) };
        let (mut inner, mut outer) = (IV, IV);
        compress_portable(&mut inner, &pad(0x36));
        compress_portable(&mut outer, &pad(0x5c));
        (inner, outer)
    }

    fn words_to_bytes(words: [u32; 8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (w, dst) in words.iter().zip(out.chunks_exact_mut(4)) {
            dst.copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    fn reference(key: &[u8; 32], value: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    #[test]
    fn this_test_machine_reports_whether_it_has_sha_ni() {
        // Not an assertion about the machine: the fast-path tests below are only meaningful where it
        // runs, so say which path they exercised.
        eprintln!("SHA-NI fast path available: {}", accelerated());
    }

    #[test]
    fn portable_path_matches_the_hmac_crate_at_every_padding_boundary() {
        let key = [0x0bu8; 32];
        let (inner, outer) = midstates(&key);
        let keys = Midstates { inner: &inner, outer: &outer };
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000] {
            let value: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            assert_eq!(words_to_bytes(mac_portable(&keys, &value)), reference(&key, &value), "{len}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn fast_path_and_portable_path_agree(
            key in any::<[u8; 32]>(),
            a in prop::collection::vec(any::<u8>(), 0..300),
            b in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let (inner, outer) = midstates(&key);
            let keys = Midstates { inner: &inner, outer: &outer };
            let (want_a, want_b) = (mac_portable(&keys, &a), mac_portable(&keys, &b));
            prop_assert_eq!(words_to_bytes(want_a), reference(&key, &a));
            // `mac` and `mac_pair` take the SHA-NI path where the CPU has it.
            prop_assert_eq!(mac(&keys, &a), want_a);
            prop_assert_eq!(mac_pair(&keys, &a, &b), (want_a, want_b));
            prop_assert_eq!(mac_pair(&keys, &b, &a), (want_b, want_a));
            prop_assert_eq!(token_hex(&keys, &a), hex_of(&want_a));
            prop_assert_eq!(token_hex_pair(&keys, &a, &b), (hex_of(&want_a), hex_of(&want_b)));
        }
    }

    #[test]
    fn fast_path_and_portable_path_agree_on_every_length_up_to_300() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let (inner, outer) = midstates(&key);
        let keys = Midstates { inner: &inner, outer: &outer };
        let long: Vec<u8> = (0..300u32).map(|i| (i * 101 + 7) as u8).collect();
        for len in 0..300 {
            let value = &long[..len];
            let other = &long[300 - len..];
            let want = mac_portable(&keys, value);
            assert_eq!(mac(&keys, value), want, "length {len}");
            assert_eq!(mac_pair(&keys, value, other), (want, mac_portable(&keys, other)), "length {len}");
            assert_eq!(mac_pair(&keys, &long[..len % 70], value).1, want, "lengths {} and {len}", len % 70);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sha_ni_path_runs_directly_where_the_cpu_has_it() {
        if !accelerated() {
            return;
        }
        let key = [0x42u8; 32];
        let (inner, outer) = midstates(&key);
        let keys = Midstates { inner: &inner, outer: &outer };
        for len in [0, 8, 55, 56, 64, 200] {
            let value = vec![0xa5u8; len];
            // SAFETY: `accelerated()` confirmed the CPU features above.
            let fast = unsafe { ni::mac(&keys, &value) };
            assert_eq!(words_to_bytes(fast), reference(&key, &value), "length {len}");
        }
    }
}
