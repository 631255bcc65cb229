//! HMAC-SHA256 from precomputed midstates, with a fast path on the x86-64 SHA extensions (SHA-NI).
//!
//! A pseudonym of a short value costs two SHA-256 compressions (inner and outer hash), so the
//! compression *is* the cost. On CPUs with SHA-NI this module runs the whole HMAC (padding, inner
//! compression, outer block, outer compression) inside one function compiled for those
//! instructions: the chaining state stays in vector registers between the two hashes, the outer
//! block is assembled from registers without a round trip through memory, and no per-block feature
//! dispatch is paid. [`mac_pair`] runs two independent HMACs in lockstep, so the latency of one
//! `sha256rnds2` chain hides behind the other (the instruction's latency, not its throughput, bounds
//! a single message).
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

/// The MACs of two values under one key, computed in lockstep where the CPU allows it.
#[inline]
pub(crate) fn mac_pair(keys: &Midstates<'_>, a: &[u8], b: &[u8]) -> ([u32; 8], [u32; 8]) {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: as in `mac`: the CPU features `ni::mac_pair` needs were detected at run time.
        return unsafe { ni::mac_pair(keys, a, b) };
    }
    (mac_portable(keys, a), mac_portable(keys, b))
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
        // The message length includes the 64-byte key block; SHA-256 counts bits modulo 2^64.
        let bits = (value.len() as u64).wrapping_add(BLOCK_LEN as u64).wrapping_mul(8);
        let tail_len = if rest.len() < BLOCK_LEN - 8 { 1 } else { 2 };
        tail[tail_len - 1][BLOCK_LEN - 8..].copy_from_slice(&bits.to_be_bytes());
        Padded { full, tail, tail_len }
    }

    #[inline(always)]
    fn tail(&self) -> &[Block] {
        &self.tail[..self.tail_len]
    }
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
        __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_cvtsi64_si128, _mm_insert_epi64,
        _mm_loadu_si128, _mm_set_epi32, _mm_set_epi64x, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32,
        _mm_sha256rnds2_epu32, _mm_shuffle_epi32, _mm_shuffle_epi8, _mm_storeu_si128,
    };

    use super::{Block, Midstates, BLOCK_LEN};

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
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn compress2(sa: State, wa: [__m128i; 4], sb: State, wb: [__m128i; 4]) -> (State, State) {
        let (mut a, mut c) = (sa.abef, sa.cdgh);
        let (mut b, mut d) = (sb.abef, sb.cdgh);
        let [mut a0, mut a1, mut a2, mut a3] = wa;
        let [mut b0, mut b1, mut b2, mut b3] = wb;
        sixteen_rounds!(load, 0, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
        sixteen_rounds!(schedule, 4, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
        sixteen_rounds!(schedule, 8, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
        sixteen_rounds!(schedule, 12, (a, c, a0, a1, a2, a3), (b, d, b0, b1, b2, b3));
        (
            State { abef: _mm_add_epi32(a, sa.abef), cdgh: _mm_add_epi32(c, sa.cdgh) },
            State { abef: _mm_add_epi32(b, sb.abef), cdgh: _mm_add_epi32(d, sb.cdgh) },
        )
    }

    /// The outer block's message words: the inner digest, `0x80` and the length 768 bits.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn outer_message(inner: State) -> [__m128i; 4] {
        let [abcd, efgh] = state_words(inner);
        [abcd, efgh, _mm_set_epi32(0, 0, 0, 0x8000_0000u32 as i32), _mm_set_epi32(768, 0, 0, 0)]
    }

    /// The inner hash's input after the key block, read without staging the tail in memory: the
    /// value's whole blocks are loaded where they are, and the last one or two blocks (the rest of the
    /// value and the SHA-256 padding) are assembled in registers. Copying the tail into a buffer
    /// first would make the vector loads wait for the narrower stores to retire (a store-forwarding
    /// stall at the head of the dependency chain).
    struct Input<'a> {
        full: &'a [Block],
        rest: &'a [u8],
        /// The length field (message bits, key block included) as it sits in the last eight bytes
        /// of the block, read as a little-endian word.
        length_word: u64,
    }

    impl<'a> Input<'a> {
        #[inline]
        fn new(value: &'a [u8]) -> Self {
            let (full, rest) = value.as_chunks::<BLOCK_LEN>();
            let bits = (value.len() as u64).wrapping_add(BLOCK_LEN as u64).wrapping_mul(8);
            Input { full, rest, length_word: bits.swap_bytes() }
        }

        /// Blocks to compress: the whole ones, and one tail block, or two if the rest leaves no
        /// room for the padding byte and the length.
        #[inline]
        fn blocks(&self) -> usize {
            self.full.len() + if self.rest.len() < BLOCK_LEN - 8 { 1 } else { 2 }
        }

        /// The message words of the one or two tail blocks (the second is used only if
        /// [`blocks`](Self::blocks) counts it). Callers build these before loading any state: a
        /// call made while the state is live would force it into memory for the whole compression.
        #[inline]
        #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
        fn tail(&self) -> [[__m128i; 4]; 2] {
            let rest = self.rest;
            let one_block = rest.len() < BLOCK_LEN - 8;
            let len_first = if one_block { self.length_word } else { 0 };
            let w = |j| tail_word(rest, j);
            let g0 = _mm_insert_epi64(_mm_cvtsi64_si128(w(0) as i64), w(1) as i64, 1);
            let g1 = _mm_insert_epi64(_mm_cvtsi64_si128(w(2) as i64), w(3) as i64, 1);
            let g2 = _mm_insert_epi64(_mm_cvtsi64_si128(w(4) as i64), w(5) as i64, 1);
            let g3 = _mm_insert_epi64(_mm_cvtsi64_si128(w(6) as i64), (w(7) | len_first) as i64, 1);
            let zero = _mm_set_epi64x(0, 0);
            let last = _mm_set_epi64x(self.length_word as i64, 0);
            let be = byte_swap_mask();
            [
                [
                    _mm_shuffle_epi8(g0, be),
                    _mm_shuffle_epi8(g1, be),
                    _mm_shuffle_epi8(g2, be),
                    _mm_shuffle_epi8(g3, be),
                ],
                [zero, zero, zero, _mm_shuffle_epi8(last, be)],
            ]
        }

        /// The message words of block `i` (`i < blocks()`), given the [`tail`](Self::tail).
        #[inline]
        #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
        fn block(&self, i: usize, tail: &[[__m128i; 4]; 2]) -> [__m128i; 4] {
            match self.full.get(i) {
                Some(block) => message(block),
                None => tail[(i - self.full.len()).min(1)],
            }
        }
    }

    /// Word `j` (bytes `8j..8j+8`) of the tail block holding `rest`: its bytes there, and the
    /// `0x80` that ends the message if it falls in this word.
    #[inline(always)]
    fn tail_word(rest: &[u8], j: usize) -> u64 {
        let bytes = rest.get(8 * j..).unwrap_or(&[]);
        let mut w = le_upto8(&bytes[..bytes.len().min(8)]);
        if j == rest.len() / 8 {
            w |= 0x80 << (8 * (rest.len() % 8));
        }
        w
    }

    /// Up to eight bytes as a little-endian word, zero-extended, without reading outside `b`.
    #[inline(always)]
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

    /// HMAC-SHA256 of one value.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) fn mac(keys: &Midstates<'_>, value: &[u8]) -> [u32; 8] {
        let input = Input::new(value);
        let tail = input.tail();
        let mut inner = load_state(keys.inner);
        for i in 0..input.blocks() {
            inner = compress(inner, input.block(i, &tail));
        }
        store_state(compress(load_state(keys.outer), outer_message(inner)))
    }

    /// HMAC-SHA256 of two values under the same key, interleaved as far as both have blocks.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) fn mac_pair(keys: &Midstates<'_>, a: &[u8], b: &[u8]) -> ([u32; 8], [u32; 8]) {
        let (pa, pb) = (Input::new(a), Input::new(b));
        let (ta, tb) = (pa.tail(), pb.tail());
        let start = load_state(keys.inner);
        let (mut ia, mut ib) = (start, start);
        let common = pa.blocks().min(pb.blocks());
        for i in 0..common {
            (ia, ib) = compress2(ia, pa.block(i, &ta), ib, pb.block(i, &tb));
        }
        for i in common..pa.blocks() {
            ia = compress(ia, pa.block(i, &ta));
        }
        for i in common..pb.blocks() {
            ib = compress(ib, pb.block(i, &tb));
        }
        let outer = load_state(keys.outer);
        let (oa, ob) = compress2(outer, outer_message(ia), outer, outer_message(ib));
        (store_state(oa), store_state(ob))
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
