//! Pseudonymisation throughput, measured side by side in one run, with the ratio table of
//! BENCHMARKS.md.
//!
//! ```text
//! cargo run --release --example throughput
//! ZWECK_ROUNDS=500 ZWECK_VALUE_LEN=32 cargo run --release --example throughput
//! ```
//!
//! Every round measures every row once, in turn, on the same values, so a change in machine load
//! during the run touches all rows alike; each row's figure is the median over the rounds, and each
//! ratio is a ratio of medians from this run, except the two-thread ratio: it is the median of the
//! per-round ratios of a one-worker and a two-worker run taken back to back (every 8th round), with
//! both workers drawing batches from one shared counter. The reference row is the least work an HMAC-SHA256 of
//! a short value can be: two `sha2::compress256` calls from precomputed midstates on a block whose
//! padding is already in place, no token text.
//!
//! Environment: `ZWECK_ROUNDS` (default 1500, about a minute), `ZWECK_VALUE_LEN` (bytes per value,
//! default 16, at most 55 so the reference stays one block), `ZWECK_BATCH` (values per measurement,
//! default 4096).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::digest::generic_array::GenericArray;
use sha2::Sha256;
use zweck::pseudo::{DomainKey, KeyRing};

/// SHA-256 initial hash value (FIPS 180-4, §5.3.3).
const IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

/// The bare reference: HMAC-SHA256 from midstates with the padding precomputed.
struct Bare {
    inner: [u32; 8],
    outer: [u32; 8],
    inner_block: [u8; 64],
    outer_block: [u8; 64],
    len: usize,
}

impl Bare {
    fn new(key: &[u8; 32], len: usize) -> Bare {
        let pad = |b: u8| -> [u8; 64] { std::array::from_fn(|i| key.get(i).copied().unwrap_or(0) ^ b) };
        let (mut inner, mut outer) = (IV, IV);
        compress(&mut inner, &pad(0x36));
        compress(&mut outer, &pad(0x5c));
        let mut inner_block = [0u8; 64];
        inner_block[len] = 0x80;
        inner_block[56..].copy_from_slice(&((64 + len as u64) * 8).to_be_bytes());
        let mut outer_block = [0u8; 64];
        outer_block[32] = 0x80;
        outer_block[56..].copy_from_slice(&768u64.to_be_bytes());
        Bare { inner, outer, inner_block, outer_block, len }
    }

    #[inline]
    fn mac(&mut self, value: &[u8]) -> [u32; 8] {
        self.inner_block[..self.len].copy_from_slice(value);
        let mut s = self.inner;
        compress(&mut s, &self.inner_block);
        for (w, dst) in s.iter().zip(self.outer_block.chunks_exact_mut(4)) {
            dst.copy_from_slice(&w.to_be_bytes());
        }
        let mut o = self.outer;
        compress(&mut o, &self.outer_block);
        o
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn sha_ni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("sha")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `count` distinct values of `len` bytes, without newlines.
fn values(count: usize, len: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let mut v: Vec<u8> = (0..len).map(|j| b'a' + ((i * 7 + j) % 26) as u8).collect();
            for (slot, digit) in v.iter_mut().rev().zip(i.to_string().bytes().rev()) {
                *slot = digit;
            }
            v
        })
        .collect()
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

/// Batches per worker thread and measurement, so that waking the threads is a small part of the time.
const REPEAT: usize = 64;
/// The thread rows are measured every this many rounds (each takes `REPEAT` batches per worker).
const THREAD_EVERY: usize = 8;

/// Worker threads that, when the main thread releases them, share `REPEAT` batches per worker over
/// all values: each takes the next batch from a shared counter until none is left, as a pool
/// working through an export would. When the host takes a core away for a moment, the other worker
/// takes more of the batches, so the wall time measures what the two cores did together, not how
/// long the unluckier thread waited.
struct Pair {
    start: Arc<Barrier>,
    done: Arc<Barrier>,
    stop: Arc<AtomicBool>,
    next: Arc<AtomicUsize>,
    workers: usize,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl Pair {
    fn new(key: &DomainKey, values: &Arc<Vec<Vec<u8>>>, workers: usize) -> Pair {
        let start = Arc::new(Barrier::new(workers + 1));
        let done = Arc::new(Barrier::new(workers + 1));
        let stop = Arc::new(AtomicBool::new(false));
        let next = Arc::new(AtomicUsize::new(0));
        let total = REPEAT * workers;
        let handles = (0..workers)
            .map(|_| {
                let (start, done, stop, next) = (start.clone(), done.clone(), stop.clone(), next.clone());
                let (key, values) = (key.clone(), values.clone());
                std::thread::spawn(move || {
                    let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
                    let mut out = vec![0u8; refs.len() * (key.token_len() + 1)];
                    loop {
                        start.wait();
                        if stop.load(Ordering::Acquire) {
                            return;
                        }
                        while next.fetch_add(1, Ordering::Relaxed) < total {
                            let _ = black_box(key.pseudonymise_batch(black_box(&refs), &mut out));
                        }
                        done.wait();
                    }
                })
            })
            .collect();
        Pair { start, done, stop, next, workers, handles }
    }

    /// Wall time for the workers to finish `REPEAT` batches each, between them.
    fn run(&self) -> Duration {
        self.next.store(0, Ordering::Relaxed);
        let t = Instant::now();
        self.start.wait();
        self.done.wait();
        t.elapsed()
    }

    /// Values hashed per [`run`](Self::run), given the batch size.
    fn values_per_run(&self, batch: usize) -> usize {
        REPEAT * self.workers * batch
    }

    fn finish(self) {
        self.stop.store(true, Ordering::Release);
        self.start.wait();
        for h in self.handles {
            let _ = h.join();
        }
    }
}

fn main() {
    let rounds = env_usize("ZWECK_ROUNDS", 1500).max(1);
    let len = env_usize("ZWECK_VALUE_LEN", 16).min(55);
    let batch = env_usize("ZWECK_BATCH", 4096).max(2);

    let secret: Vec<u8> = (0u8..32).collect();
    let key = match KeyRing::new(1, &secret) {
        Ok(ring) => ring.domain_key("bench"),
        Err(e) => panic!("bench key: {e}"),
    };
    let mac_key = [0x42u8; 32];
    let mut bare = Bare::new(&mac_key, len);
    let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &mac_key);
    let hmac_keyed = match <Hmac<Sha256> as Mac>::new_from_slice(&mac_key) {
        Ok(m) => m,
        Err(e) => panic!("hmac key: {e}"),
    };

    let owned = Arc::new(values(batch, len));
    let refs: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
    let mut packed = Vec::with_capacity(batch * (len + 1));
    for v in owned.iter() {
        packed.extend_from_slice(v);
        packed.push(b'\n');
    }
    let mut out = vec![0u8; batch * (key.token_len() + 1)];
    let mut token = [0u8; 64];
    let solo = Pair::new(&key, &owned, 1);
    let pair = Pair::new(&key, &owned, 2);

    let load_before = load_average();
    println!("machine: {} ({} logical CPUs), SHA-NI: {}", cpu_model(), num_cpus(), yes_no(sha_ni()));
    println!("load average before: {load_before}");
    println!(
        "values: {batch} distinct values of {len} bytes per measurement; {rounds} rounds (ZWECK_ROUNDS)"
    );

    const ROWS: [&str; 9] = [
        "reference: bare midstate HMAC (2 × compress256, no hex)",
        "zweck single token into a buffer",
        "zweck digest only (DomainKey::digest, no token text)",
        "zweck batch",
        "zweck packed (newline-separated)",
        "zweck batch, two threads (per value, wall time)",
        "ring HMAC, keyed once",
        "hmac crate, keyed once + clone",
        "zweck batch, one worker thread (the two-thread harness)",
    ];
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); ROWS.len()];
    let per_value = |d: Duration, n: usize| d.as_nanos() as f64 / n as f64;
    let warm_up = (rounds / 20).max(3);
    for round in 0..warm_up + rounds {
        let mut row = [0f64; ROWS.len()];

        let t = Instant::now();
        let mut sink = 0u32;
        for v in &refs {
            sink ^= bare.mac(black_box(v))[0];
        }
        black_box(sink);
        row[0] = per_value(t.elapsed(), batch);

        let t = Instant::now();
        for v in &refs {
            let _ = black_box(key.pseudonymise_into(black_box(v), &mut token));
        }
        row[1] = per_value(t.elapsed(), batch);

        let t = Instant::now();
        for v in &refs {
            black_box(key.digest(black_box(v)));
        }
        row[2] = per_value(t.elapsed(), batch);

        let t = Instant::now();
        let _ = black_box(key.pseudonymise_batch(black_box(&refs), &mut out));
        row[3] = per_value(t.elapsed(), batch);

        let t = Instant::now();
        let _ = black_box(key.pseudonymise_packed(black_box(&packed), &mut out));
        row[4] = per_value(t.elapsed(), batch);

        if round % THREAD_EVERY == 0 {
            row[5] = per_value(pair.run(), pair.values_per_run(batch));
            row[8] = per_value(solo.run(), solo.values_per_run(batch));
        } else {
            row[5] = f64::NAN;
            row[8] = f64::NAN;
        }

        let t = Instant::now();
        for v in &refs {
            black_box(ring::hmac::sign(&ring_key, black_box(v)));
        }
        row[6] = per_value(t.elapsed(), batch);

        let t = Instant::now();
        for v in &refs {
            let mut m = hmac_keyed.clone();
            m.update(black_box(v));
            black_box(m.finalize().into_bytes());
        }
        row[7] = per_value(t.elapsed(), batch);

        if round >= warm_up {
            for (s, x) in samples.iter_mut().zip(row) {
                s.push(x);
            }
        }
    }
    pair.finish();
    solo.finish();
    // The two-thread ratio is the median of each round's ratio: the one-worker and two-worker runs of
    // a round are taken back to back, so a neighbour on the host that slows the cores for a while
    // slows both sides of that round's ratio alike.
    let mut scaling: Vec<f64> =
        samples[8].iter().zip(&samples[5]).map(|(one, two)| one / two).filter(|r| !r.is_nan()).collect();
    let scaling = median(&mut scaling);
    for s in samples.iter_mut() {
        s.retain(|x| !x.is_nan());
    }
    let m: Vec<f64> = samples.iter_mut().map(|s| median(s)).collect();
    let load_after = load_average();

    // (row, ratio description, ratio, target, higher is better)
    let reference = m[0];
    let checks: [(usize, &str, f64, f64, bool); 9] = [
        (0, "—", 1.0, f64::NAN, true),
        (1, "time ÷ reference", m[1] / reference, 1.25, false),
        (2, "time ÷ reference", m[2] / reference, f64::NAN, false),
        (3, "throughput ÷ reference", reference / m[3], 0.9, true),
        (4, "throughput ÷ reference", reference / m[4], 0.9, true),
        (5, "throughput ÷ one worker thread (median of per-round ratios)", scaling, 1.8, true),
        (6, "ring time ÷ zweck single", m[6] / m[1], 1.6, true),
        (7, "hmac time ÷ zweck single", m[7] / m[1], f64::NAN, true),
        (8, "throughput ÷ one-call batch", m[3] / m[8], f64::NAN, true),
    ];
    println!();
    println!("| row | median ns/value | ratio | value | target | result |");
    println!("|---|---:|---|---:|---|---|");
    for (i, what, ratio, target, higher) in checks {
        let (value, target_text, result) = if target.is_nan() {
            (if i == 0 { "1.00".to_string() } else { format!("{ratio:.2}") }, "—".to_string(), "—")
        } else {
            let pass = if higher { ratio >= target } else { ratio <= target };
            let op = if higher { "≥" } else { "≤" };
            (format!("{ratio:.2}"), format!("{op} {target:.2}"), if pass { "PASS" } else { "MISS" })
        };
        println!("| {} | {:.1} | {what} | {value} | {target_text} | {result} |", ROWS[i], m[i]);
    }
    println!();
    println!("load average after: {load_after}");
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
