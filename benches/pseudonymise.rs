//! Throughput of pseudonymisation across value sizes (8 B to 4 KiB) and batch sizes: one token into
//! a buffer, batches, newline-packed input, and reference rows that show where the time goes.
//!
//! * `reference/bare_midstate`: two `sha2::compress256` calls from precomputed midstates on a block
//!   with the padding in place, no token text (values up to 55 bytes, one block): the floor.
//! * `reference/midstate_digest`: zweck's digest, without token formatting.
//! * `reference/hmac_crate_clone`: the `hmac` crate keyed once, cloned per value (the usual way to
//!   reuse a keyed HMAC); what zweck's midstate code replaces.
//! * `reference/ring_keyed`: `ring::hmac::sign` with a key made once (peer comparison).
//!
//! * `threads/1`, `threads/2`: whole batches on one and on two threads (the scaling figure).
//!
//! Run with `cargo bench --bench pseudonymise`; add a filter such as `-- batch/64` to run a part.
//! `examples/throughput.rs` puts the same rows side by side in one run with their ratios.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha2::digest::generic_array::GenericArray;
use sha2::Sha256;
use zweck::pseudo::{DomainKey, KeyRing};

const VALUE_SIZES: [usize; 8] = [8, 16, 32, 55, 64, 256, 1024, 4096];
const BATCH_SIZES: [usize; 4] = [1, 2, 64, 4096];

fn domain_key() -> DomainKey {
    let secret: Vec<u8> = (0u8..32).collect();
    match KeyRing::new(1, &secret) {
        Ok(ring) => ring.domain_key("bench"),
        Err(e) => panic!("bench key: {e}"),
    }
}

/// `count` distinct printable values of `size` bytes, without newlines.
fn values(count: usize, size: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let mut v: Vec<u8> = (0..size).map(|j| b'a' + ((i * 7 + j) % 26) as u8).collect();
            for (slot, digit) in v.iter_mut().zip(i.to_string().bytes()) {
                *slot = digit;
            }
            v
        })
        .collect()
}

fn single(c: &mut Criterion) {
    let key = domain_key();
    let mut group = c.benchmark_group("token_into");
    for size in VALUE_SIZES {
        let value = &values(1, size)[0];
        let mut out = [0u8; 64];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), value, |b, value| {
            b.iter(|| key.pseudonymise_into(black_box(value), &mut out))
        });
    }
    group.finish();
}

fn batch(c: &mut Criterion) {
    let key = domain_key();
    for batch in BATCH_SIZES {
        let mut group = c.benchmark_group(format!("batch/{batch}"));
        for size in VALUE_SIZES {
            let owned = values(batch, size);
            let refs: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
            let mut out = vec![0u8; batch * (key.token_len() + 1)];
            group.throughput(Throughput::Elements(batch as u64));
            group.bench_with_input(BenchmarkId::from_parameter(size), &refs, |b, refs| {
                b.iter(|| key.pseudonymise_batch(black_box(refs), &mut out))
            });
        }
        group.finish();
    }
}

fn packed(c: &mut Criterion) {
    const LINES: usize = 4096;
    let key = domain_key();
    let mut group = c.benchmark_group("packed/4096");
    for size in VALUE_SIZES {
        let mut input = Vec::with_capacity(LINES * (size + 1));
        for v in values(LINES, size) {
            input.extend_from_slice(&v);
            input.push(b'\n');
        }
        let mut out = vec![0u8; LINES * (key.token_len() + 1)];
        group.throughput(Throughput::Elements(LINES as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &input, |b, input| {
            b.iter(|| key.pseudonymise_packed(black_box(input), &mut out))
        });
    }
    group.finish();
}

/// SHA-256 initial hash value (FIPS 180-4, §5.3.3).
const IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

/// The floor: HMAC-SHA256 of a value of at most 55 bytes from midstates, padding precomputed.
fn bare_midstate(inner: &[u32; 8], outer: &[u32; 8], block: &mut [u8; 64], value: &[u8]) -> [u32; 8] {
    block[..value.len()].copy_from_slice(value);
    let mut s = *inner;
    compress(&mut s, block);
    let mut ob = [0u8; 64];
    for (w, d) in s.iter().zip(ob.chunks_exact_mut(4)) {
        d.copy_from_slice(&w.to_be_bytes());
    }
    ob[32] = 0x80;
    ob[56..].copy_from_slice(&768u64.to_be_bytes());
    let mut o = *outer;
    compress(&mut o, &ob);
    o
}

fn reference(c: &mut Criterion) {
    let key = domain_key();
    let mac_key = [0x42u8; 32];
    let keyed = match <Hmac<Sha256> as Mac>::new_from_slice(&mac_key) {
        Ok(mac) => mac,
        Err(e) => panic!("bench key: {e}"),
    };
    let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &mac_key);
    let pad = |b: u8| -> [u8; 64] { std::array::from_fn(|i| mac_key.get(i).copied().unwrap_or(0) ^ b) };
    let (mut inner, mut outer) = (IV, IV);
    compress(&mut inner, &pad(0x36));
    compress(&mut outer, &pad(0x5c));
    let mut group = c.benchmark_group("reference");
    for size in VALUE_SIZES {
        let value = &values(1, size)[0];
        group.throughput(Throughput::Bytes(size as u64));
        if size <= 55 {
            let mut block = [0u8; 64];
            block[size] = 0x80;
            block[56..].copy_from_slice(&((64 + size as u64) * 8).to_be_bytes());
            group.bench_with_input(BenchmarkId::new("bare_midstate", size), value, |b, value| {
                b.iter(|| bare_midstate(&inner, &outer, &mut block, black_box(value)))
            });
        }
        group.bench_with_input(BenchmarkId::new("ring_keyed", size), value, |b, value| {
            b.iter(|| ring::hmac::sign(&ring_key, black_box(value)))
        });
        group.bench_with_input(BenchmarkId::new("hmac_crate_clone", size), value, |b, value| {
            b.iter(|| {
                let mut mac = keyed.clone();
                mac.update(black_box(value));
                mac.finalize().into_bytes()
            })
        });
        group.bench_with_input(BenchmarkId::new("midstate_digest", size), value, |b, value| {
            b.iter(|| key.digest(black_box(value)))
        });
    }
    group.finish();
}

/// One and two threads, each hashing whole batches of 4096 values of 16 bytes, timed from before the
/// threads start until the last one is done; criterion's per-element time (elements = values hashed
/// by all threads) gives the scaling as `threads/1` ÷ `threads/2`.
fn threads(c: &mut Criterion) {
    const BATCH: usize = 4096;
    let key = domain_key();
    let owned = values(BATCH, 16);
    let refs: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
    let mut group = c.benchmark_group("threads");
    for workers in [1usize, 2] {
        group.throughput(Throughput::Elements((workers * BATCH) as u64));
        group.bench_with_input(BenchmarkId::from_parameter(workers), &workers, |b, &workers| {
            b.iter_custom(|iters| {
                let start = std::time::Instant::now();
                std::thread::scope(|scope| {
                    for _ in 0..workers {
                        scope.spawn(|| {
                            let mut out = vec![0u8; BATCH * (key.token_len() + 1)];
                            for _ in 0..iters {
                                let _ = black_box(key.pseudonymise_batch(black_box(&refs), &mut out));
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = single, batch, packed, reference, threads }
criterion_main!(benches);
