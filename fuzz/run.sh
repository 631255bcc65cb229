#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and prints executions and crashes per target.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# SECONDS is the time per target (default 120). Each target starts from its hand-made seeds in
# fuzz/seeds/<target>/ plus whatever earlier runs left in fuzz/corpus/<target>/ (gitignored), with
# AddressSanitizer (and LeakSanitizer), optimisations and debug assertions (overflow checks) on.
# A crash is written to fuzz/artifacts/<target>/ (gitignored); reproduce it with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# then fix it, and copy the input to fuzz/regressions/<target>/, where tests/fuzz_regressions.rs
# replays it under plain `cargo test`.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; without nightly the stable
# compiler is used with RUSTC_BOOTSTRAP=1. Set CARGO_TARGET_DIR to keep the build out of fuzz/target.
set -u -o pipefail

seconds="${1:-120}"
shift || true
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.." || exit 2

all_targets=(policy_json tcf_decode token_parse record_view journal_open ffi_entry)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: run 'cargo install cargo-fuzz'" >&2
    exit 2
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo=(cargo +nightly)
else
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
fi
target_dir=(--target-dir "${CARGO_TARGET_DIR:-$here/target}")
build_flags=(-O -a)

if ! "${cargo[@]}" fuzz build "${build_flags[@]}" "${target_dir[@]}"; then
    echo "building the fuzz targets failed" >&2
    exit 2
fi

logs="$here/artifacts/logs"
mkdir -p "$logs"
status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "$here/corpus/$t" "$here/artifacts/$t"
    before=$(find "$here/artifacts/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    log="$logs/$t.log"
    echo "== $t: ${seconds}s" >&2
    "${cargo[@]}" fuzz run "${build_flags[@]}" "${target_dir[@]}" "$t" \
        "$here/corpus/$t" "$here/seeds/$t" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    after=$(find "$here/artifacts/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    found=$((after - before))
    corpus=$(find "$here/corpus/$t" -type f | wc -l)
    line=$(printf '%-14s %10s execs  %3d new crashes  %5d corpus files  exit %d' "$t" "${execs:-?}" "$found" "$corpus" "$rc")
    summary+=("$line")
    echo "$line" >&2
    if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
        status=1
        grep -m1 -A3 'panicked at\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|ERROR: libFuzzer' "$log" >&2 || true
        echo "   log: $log" >&2
    fi
done
echo
echo "fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$status"
