#!/usr/bin/env bash
# Runs each fuzz target (all of them, or those named) for FUZZ_SECONDS seconds
# (default 30), one after the other, with overflow checks and debug assertions on.
#
#   scripts/fuzz-smoke.sh                       # every target, 30 s each
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh diagnose
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). The
# seeds in fuzz/seeds/ come from the test vectors (scripts/fuzz-seeds.py); what a
# run discovers goes to fuzz/corpus/ and crashes to fuzz/artifacts/ (both ignored
# by git). Exits non-zero when a target crashes. CI does not run it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "needs a nightly toolchain and cargo-fuzz: cargo install cargo-fuzz" >&2
    exit 2
fi
seconds=${FUZZ_SECONDS:-30}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
mkdir -p logs
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "== $target: $seconds s"
    cargo +nightly fuzz run --debug-assertions "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
        >"logs/$target.log" 2>&1 || { tail -40 "logs/$target.log"; exit 1; }
    grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb" "logs/$target.log"
done
