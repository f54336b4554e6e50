#!/usr/bin/env bash
# The reference measurements, each figure beside what users would pick
# instead or cannot beat, in one run:
#  - benches/anchors (a cargo project of its own, so that the crate's tests
#    never build rustls or aws-lc): echo CPU per round trip against rustls
#    and plain TCP, bulk CPU per GB against rustls and the AES-256-GCM limit
#    of `openssl speed`, idle async connections against tokio-openssl and
#    tokio-rustls;
#  - the server comparison (cargo bench --bench server -- --nginx): server
#    CPU per connection of the s_server example, openssl s_server and nginx
#    in every `openssl s_time` case.
# nginx comes from Debian's package (installed with apt-get if missing).
#
# Usage: bash scripts/bench-anchors.sh [--quick]   (quick: small, judges nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
if [[ "${1:-}" == "--quick" ]]; then
    quick=(--quick)
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends nginx
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx is missing (apt-get install nginx)" >&2; exit 1; }

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== $(openssl version), $("$nginx" -v 2>&1), $(rustc --version)"
echo "== cargo run --release --manifest-path benches/anchors/Cargo.toml -- ${quick[*]}"
cargo run --quiet --release --manifest-path benches/anchors/Cargo.toml -- "${quick[@]}"
echo "== cargo bench --bench server -- --nginx $nginx ${quick[*]}"
cargo bench --quiet --bench server -- --nginx "$nginx" "${quick[@]}"
