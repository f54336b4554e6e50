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
# The shell afl-cmin: the Python one (what `cargo afl cmin` runs) finds no
# tuples with this persistent-mode binary.
afl_bin=$(dirname "$(find "${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs" \
    -path '*afl.rs-0.18.2/afl/bin/afl-cmin.bash' | head -1)")
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_PATH="$afl_bin" PATH="$afl_bin:$PATH"
for queue in fuzz/out/*/default/queue; do
    t=$(basename "$(dirname "$(dirname "$queue")")")
    out="fuzz/out/$t.cmin"
    rm -rf "$out"
    if ! afl-cmin.bash -i "$queue" -o "$out" -t 5000 -- "$bin" "$t" > "fuzz/out/$t.cmin.log" 2>&1 ||
        [ -z "$(ls -A "$out" 2>/dev/null)" ]; then
        echo "$t: afl-cmin failed, fuzz/corpus/$t kept (see fuzz/out/$t.cmin.log)" >&2
        continue
    fi
    rm -rf "fuzz/corpus/$t"
    mv "$out" "fuzz/corpus/$t"
    echo "$t: $(ls "fuzz/corpus/$t" | wc -l) inputs, $(du -sh "fuzz/corpus/$t" | cut -f1)"
done
