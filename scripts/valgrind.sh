#!/usr/bin/env bash
# Runs the leak workload (tests/leaks.rs: handshake loop, post-handshake
# requests on TLS 1.3 and 1.2, duplex halves, accepting, rejecting and
# panicking hooks) under valgrind's memcheck. Fails on any definitely lost
# byte and on any invalid read or write. Installs valgrind if missing.
#
#   bash scripts/valgrind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if ! command -v valgrind >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends valgrind
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
bin=$(cargo test --test leaks --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "the leaks workload did not build" >&2; exit 1; }

log="$CARGO_TARGET_DIR/valgrind.log"
status=0
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
    --show-leak-kinds=definite --log-file="$log" "$bin" || status=$?
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|Invalid (read|write)" "$log" || true
echo "valgrind log: $log"
exit $status
