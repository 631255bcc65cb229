#!/usr/bin/env bash
# ThreadSanitizer run of zweck's concurrent code: the Rust tests that share one engine, store or
# ledger between threads, and the C ABI threads test (8 threads on one engine).
#
#   bash tests/tsan/run.sh
#
# Needs the nightly toolchain with rust-src (`rustup component add rust-src --toolchain nightly`):
# the standard library is rebuilt with TSan instrumentation (-Zbuild-std), without which every
# std synchronisation primitive would be reported as a false race. The C driver is not
# instrumented (GCC's libtsan is older than the LLVM instrumentation in the Rust build); it is
# linked with the TSan runtime that ships with the nightly toolchain, so every access the library
# makes is checked. Before anything else, a program with a deliberate data race must be reported,
# so a setup that detects nothing cannot pass. Takes 5-10 minutes; not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/../.."

host=$(rustc +nightly -vV | sed -n 's/^host: //p')
sysroot=$(rustc +nightly --print sysroot)
runtime="$sysroot/lib/rustlib/$host/lib/librustc-nightly_rt.tsan.a"
if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
    echo "tsan: rust-src is missing; run: rustup component add rust-src --toolchain nightly" >&2
    exit 2
fi
[ -f "$runtime" ] || { echo "tsan: no TSan runtime at $runtime" >&2; exit 2; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/tsan"
export RUSTFLAGS="-Zsanitizer=thread"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== positive control: a deliberate data race must be reported"
cat > "$work/race.rs" <<'RUST'
static mut COUNTER: u64 = 0;
fn main() {
    let bump = || {
        for _ in 0..10_000 {
            // A deliberate data race: two threads write the same location without synchronisation.
            unsafe { *std::ptr::addr_of_mut!(COUNTER) += 1 };
        }
    };
    let t = std::thread::spawn(bump);
    bump();
    t.join().unwrap();
}
RUST
# The control links the uninstrumented std (only its own code needs checking), hence the flag.
rustc +nightly -Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer --target "$host" -O \
    "$work/race.rs" -o "$work/race" 2>/dev/null || {
    echo "tsan: could not build the positive control" >&2; exit 2; }
if "$work/race" > "$work/race.log" 2>&1 || ! grep -q "WARNING: ThreadSanitizer: data race" "$work/race.log"; then
    echo "tsan: the deliberate race was not reported; this setup would detect nothing" >&2
    cat "$work/race.log" >&2
    exit 1
fi
echo "reported, as it must be"

echo "== Rust tests under TSan"
cargo +nightly test -Zbuild-std --target "$host" --lib --test stress --test rights --test journal --test access

echo "== C ABI threads test under TSan"
cargo +nightly rustc -Zbuild-std --target "$host" --release --lib --crate-type cdylib
lib="$CARGO_TARGET_DIR/$host/release"
ln -sf libzweck.so "$lib/libzweck.so.0"
cc -g -O1 -Iinclude -Itests/c tests/c/threads_test.c -o "$work/threads_test" -L"$lib" -lzweck \
    -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive -lpthread -ldl -lm -lstdc++
LD_LIBRARY_PATH="$lib" "$work/threads_test"
echo "tsan: no data race reported"
