#!/usr/bin/env bash
# Minimizes each target's AFL++ queue (fuzz/out/TARGET/default/queue/,
# left by scripts/fuzz.sh) into fuzz/corpus/TARGET/ with afl-cmin: the
# smallest set of inputs that keeps the coverage, which `cargo test`
# replays (tests/fuzz_corpus.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fuzz-deps.sh
export CARGO_TARGET_DIR="$PWD/target/afl"
(cd fuzz && cargo afl build --release --quiet)
bin="$CARGO_TARGET_DIR/release/sslsocket-fuzz"
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
for queue in fuzz/out/*/default/queue; do
    t=$(basename "$(dirname "$(dirname "$queue")")")
    rm -rf "fuzz/corpus/$t"
    cargo afl cmin -i "$queue" -o "fuzz/corpus/$t" -t 5000 -- "$bin" "$t" > "fuzz/out/$t.cmin.log" 2>&1
    echo "$t: $(ls "fuzz/corpus/$t" | wc -l) inputs, $(du -sh "fuzz/corpus/$t" | cut -f1)"
done
