//! Throughput of pseudonymisation: one token into a buffer, batches, newline-packed input, and two
//! reference rows that show where the time goes.
//!
//! * `reference/hmac_crate_clone`: the `hmac` crate keyed once, cloned per value (the usual way to
//!   reuse a keyed HMAC); what zweck's midstate code replaces.
//! * `reference/midstate_digest`: zweck's bare digest, without token formatting.
//!
//! Run with `cargo bench --bench pseudonymise`; add a filter such as `-- batch/64` to run a part.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zweck::pseudo::{DomainKey, KeyRing};

const VALUE_SIZES: [usize; 6] = [8, 32, 55, 64, 256, 4096];
const BATCH_SIZES: [usize; 3] = [1, 64, 4096];

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

fn reference(c: &mut Criterion) {
    let key = domain_key();
    let keyed = match <Hmac<Sha256> as Mac>::new_from_slice(&[0x42; 32]) {
        Ok(mac) => mac,
        Err(e) => panic!("bench key: {e}"),
    };
    let mut group = c.benchmark_group("reference");
    for size in VALUE_SIZES {
        let value = &values(1, size)[0];
        group.throughput(Throughput::Bytes(size as u64));
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

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = single, batch, packed, reference }
criterion_main!(benches);
