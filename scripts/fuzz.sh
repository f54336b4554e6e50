#!/usr/bin/env bash
# Fuzzes sslsocket with AFL++ (cargo afl, stable toolchain), one target
# after another on one core, and prints each target's figures.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 600); targets default to all four
# (server_handshake client_handshake established parsers). Seeds are
# recorded from real handshakes into fuzz/seeds/, the committed corpus
# (fuzz/corpus/) is added to them, and each run's findings go to
# fuzz/out/TARGET/default/ (queue/, crashes/, hangs/, fuzzer_stats).
# `bash scripts/fuzz-corpus.sh` then minimizes the queues into fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/fuzz-deps.sh

secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(server_handshake client_handshake established parsers)

export CARGO_TARGET_DIR="$PWD/target/afl"
(cd fuzz && cargo afl build --release --quiet)
bin="$CARGO_TARGET_DIR/release/sslsocket-fuzz"

rm -rf fuzz/seeds
"$bin" seeds fuzz/seeds

# afl-fuzz on a shared machine: no CPU binding, no frequency or core
# dump checks, a log instead of the screen.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
mkdir -p fuzz/out
for t in "${targets[@]}"; do
    input="fuzz/out/$t.input"
    rm -rf "$input" "fuzz/out/$t"
    mkdir -p "$input"
    cp fuzz/seeds/"$t"/* "$input"/
    if [ -d "fuzz/corpus/$t" ]; then cp fuzz/corpus/"$t"/* "$input"/ 2>/dev/null || true; fi
    echo "fuzzing $t for ${secs}s" >&2
    cargo afl fuzz -i "$input" -o "fuzz/out/$t" -V "$secs" -t 5000 -- "$bin" "$t" \
        > "fuzz/out/$t.log" 2>&1 || { tail -30 "fuzz/out/$t.log" >&2; exit 1; }
    stats="fuzz/out/$t/default/fuzzer_stats"
    printf '%s: ' "$t"
    awk -F' *: *' '$1 ~ /^(run_time|execs_done|execs_per_sec|corpus_count|edges_found|total_edges|bitmap_cvg|saved_crashes|saved_hangs|stability)$/ { printf "%s=%s ", $1, $2 } END { print "" }' "$stats"
done
