#!/usr/bin/env bash
# Runs the tlsfuzzer conformance suite against the `s_server` example
# (`--www`) and against `openssl s_server -www`, side by side, with the same
# certificates and settings, and prints one line per script: both outcomes
# and the names of the cases whose outcome differs.
#
#   bash scripts/tlsfuzzer.sh TLSFUZZER_DIR [VENV_DIR]
#
# TLSFUZZER_DIR is a checkout of the tlsfuzzer repository (only its
# tlsfuzzer/ and scripts/ folders are used). VENV_DIR (default
# TLSFUZZER_DIR/../tlsfuzzer-venv) is a Python virtual environment with
# tlslite-ng 0.9.0b2 and ecdsa; it is made if missing. tlsfuzzer is a
# developer's tool here, not part of CI: nothing of it is kept in this
# repository.
#
# Four server set-ups, each run by both servers on free loopback ports:
#   rsa    the RSA-2048 test PKI's server chain (certs/rsa/)
#   sha1   as rsa, with the cipher list DEFAULT:@SECLEVEL=0, for the scripts
#          whose TLS 1.2 ClientHello has no signature_algorithms (so SHA-1,
#          which OpenSSL 3's default security level refuses with
#          handshake_failure before anything the script tests); openssl also
#          gets -min_protocol TLSv1.2, the crate's default minimum, which
#          security level 0 would otherwise open up to TLS 1.0
#   ecdsa  the ECDSA P-256 test PKI's server chain (certs/)
#   auth   as rsa, and a client certificate is requested (verify mode 1,
#          PEER: asked for, verified when sent, not required), trusting
#          both test roots
# Every script runs first against openssl, then against ours, with the same
# arguments and the same random seed, so that sampled and fuzzed cases are
# the same on both. Scripts run one after another, each under a time limit.
#
# Environment:
#   OUT       where logs go (default /tmp/tlsfuzzer-runs/DATE); OUT/summary.txt
#             gets the per-script lines, OUT/LAYOUT/SCRIPT.{openssl,ours}.log
#             the scripts' output, OUT/LAYOUT.{openssl,ours}.server.log the
#             servers' output
#   ONLY      a regular expression: run only the scripts whose name matches
#   LIMIT     seconds allowed to one script against one server (default 600)
#   CA_NAMES  1: in the auth set-up our server names its CAs in the
#             CertificateRequest (--ca-file, the crate's default); otherwise
#             it names none (--verify-ca-file), as openssl's -verifyCAfile
#   OURS_ARGS      extra flags for our s_server
#   OPENSSL_ARGS   extra flags for openssl s_server
#   SEED      the random seed given to every script (default 1)
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
TLSFUZZER=$(cd "$1" && pwd)
VENV=${2:-$TLSFUZZER/../tlsfuzzer-venv}
[ -d "$TLSFUZZER/tlsfuzzer" ] && [ -d "$TLSFUZZER/scripts" ] || {
    echo "tlsfuzzer.sh: $TLSFUZZER has no tlsfuzzer/ and scripts/ folders" >&2
    exit 2
}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/tlsfuzzer-runs/$(date +%Y%m%d-%H%M%S)}
LIMIT=${LIMIT:-600}
SEED=${SEED:-1}
ONLY=${ONLY:-.}
read -r -a OURS_EXTRA <<<"${OURS_ARGS:-}"
read -r -a OPENSSL_EXTRA <<<"${OPENSSL_ARGS:-}"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# --- the Python environment -------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    echo "making the virtual environment $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'tlslite-ng==0.9.0b2' ecdsa
fi
PY="$VENV/bin/python"
"$PY" -c 'import tlslite, ecdsa' || {
    echo "tlsfuzzer.sh: $VENV lacks tlslite-ng or ecdsa" >&2
    exit 2
}

# --- our server and the test PKI ---------------------------------------------
bash "$ROOT/scripts/deps.sh"
(cd "$ROOT" && cargo build --quiet --release --example s_server)
OURS_BIN="$ROOT/target/release/examples/s_server"
CERTS="$ROOT/certs"
for f in server-chain.pem server.pem server.key intermediate.pem ca.pem client.pem client.key; do
    if [ ! -f "$CERTS/$f" ] || [ ! -f "$CERTS/rsa/$f" ]; then
        bash "$CERTS/generate.sh"
        break
    fi
done
# Client certificates of either key type verify against this file.
cat "$CERTS/rsa/ca.pem" "$CERTS/ca.pem" >"$OUT/client-cas.pem"

commit=$(git -C "$TLSFUZZER" rev-parse HEAD 2>/dev/null || echo unknown)
{
    echo "tlsfuzzer $commit"
    echo "openssl: $(openssl version)"
    echo "ours: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "seed $SEED, limit ${LIMIT}s per script and server"
} | tee "$OUT/summary.txt"

# --- the scripts --------------------------------------------------------------
# LAYOUT SCRIPT ARGS... (besides -h and -p). @RK@/@RC@ and @EK@/@EC@ are
# the RSA and ECDSA client key and certificate. `-n 0` runs every case where
# a script would otherwise sample; a smaller -n is sampling, for the scripts
# that take over a few minutes with every case.
RK="$CERTS/rsa/client.key" RC="$CERTS/rsa/client.pem"
EK="$CERTS/client.key" EC="$CERTS/client.pem"
# The signature algorithms OpenSSL 3.0 lists in a CertificateRequest.
CR13="ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384 ecdsa_secp521r1_sha512 ed25519 ed448"
CR13+=" rsa_pss_pss_sha256 rsa_pss_pss_sha384 rsa_pss_pss_sha512 rsa_pss_rsae_sha256"
CR13+=" rsa_pss_rsae_sha384 rsa_pss_rsae_sha512 rsa_pkcs1_sha256 rsa_pkcs1_sha384"
CR13+=" rsa_pkcs1_sha512 ecdsa_sha224 rsa_pkcs1_sha224"
CR12="$CR13 dsa_sha224 dsa_sha256 dsa_sha384 dsa_sha512"
PLAN=$(
    cat <<'PLAN'
rsa test-aes-gcm-nonces -d
rsa test-alpn-negotiation -d
rsa test-atypical-padding -d
rsa test-ccs -d
rsa test-chacha20 -n 0 --extra-exts
rsa test-client-compatibility -n 0 -d
rsa test-client-hello-max-size -d
rsa test-connection-abort -d
rsa test-conversation -d
rsa test-cve-2004-0079
rsa test-cve-2016-2107 -d
rsa test-cve-2016-6309 -d
rsa test-cve-2016-7054 -n 0
rsa test-dhe-rsa-key-exchange-signatures -n 0
rsa test-dhe-rsa-key-exchange-with-bad-messages
rsa test-downgrade-protection -d --server-max-protocol TLSv1.3
rsa test-early-application-data -d
rsa test-ecdhe-rsa-key-exchange-with-bad-messages
rsa test-encrypt-then-mac -d
rsa test-encrypt-then-mac-renegotiation -d
rsa test-export-ciphers-rejected -d
rsa test-extended-master-secret-extension -d
rsa test-fallback-scsv -d --tls-1.3
rsa test-ffdhe-expected-params
rsa test-fuzzed-MAC -d
rsa test-fuzzed-ciphertext -d
rsa test-fuzzed-padding -d
rsa test-fuzzed-plaintext -n 0 -d
rsa test-hello-request-by-client -d
rsa test-interleaved-CKE-with-CCS
rsa test-interleaved-application-data-and-fragmented-handshakes-in-renegotiation -d
rsa test-interleaved-application-data-in-renegotiation -d
rsa test-invalid-client-hello-w-record-overflow -n 0 -d
rsa test-invalid-compression-methods -d
rsa test-invalid-content-type -d
rsa test-invalid-server-name-extension -d
rsa test-invalid-server-name-extension-resumption -d
rsa test-large-hello -n 200 -d
rsa test-large-number-of-extensions -d
rsa test-legacy-renegotiation -d
rsa test-lucky13
rsa test-message-skipping -d
rsa test-no-heartbeat -d
rsa test-no-mlkem-in-old-tls -d
rsa test-ocsp-stapling -d --no-status
rsa test-point-extension
rsa test-record-layer-fragmentation -d
rsa test-renegotiation-changed-clienthello -d
rsa test-renegotiation-disabled -d
rsa test-renegotiation-disabled-client-cert -d -k @RK@ -c @RC@
rsa test-resumption-with-wrong-ciphers -d
rsa test-session-ticket-resumption -d
rsa test-sessionID-resumption -d
rsa test-sig-algs
rsa test-sig-algs-renegotiation-resumption -d
rsa test-signature-algorithms
rsa test-ssl-death-alert -d
rsa test-sslv2hello-protocol -d
rsa test-tls13-0rtt-garbage
rsa test-tls13-ccs
rsa test-tls13-certificate-compression
rsa test-tls13-connection-abort
rsa test-tls13-conversation
rsa test-tls13-count-tickets -t 2
rsa test-tls13-crfg-curves
rsa test-tls13-dhe-shared-secret-padding -n 0
rsa test-tls13-ecdhe-curves
rsa test-tls13-empty-alert
rsa test-tls13-ffdhe-groups
rsa test-tls13-ffdhe-sanity
rsa test-tls13-finished -n 0
rsa test-tls13-finished-plaintext -n 0
rsa test-tls13-hrr
rsa test-tls13-invalid-ciphers -n 0
rsa test-tls13-keyshare-omitted
rsa test-tls13-keyupdate -n 0
rsa test-tls13-keyupdate-from-server
rsa test-tls13-large-number-of-extensions -n 0
rsa test-tls13-legacy-version
rsa test-tls13-multiple-ccs-messages
rsa test-tls13-no-unknown-groups -n 0
rsa test-tls13-nociphers
rsa test-tls13-obsolete-curves
rsa test-tls13-pkcs-signature
rsa test-tls13-record-layer-limits -n 0
rsa test-tls13-record-padding
rsa test-tls13-rsa-signatures
rsa test-tls13-serverhello-random
rsa test-tls13-session-resumption
rsa test-tls13-shuffled-extentions
rsa test-tls13-signature-algorithms -n 0
rsa test-tls13-symetric-ciphers -n 0
rsa test-tls13-unencrypted-alert
rsa test-tls13-unrecognised-groups
rsa test-tls13-version-negotiation -n 0 -d
rsa test-tls13-zero-content-type
rsa test-tls13-zero-length-data
rsa test-truncating-of-client-hello -d
rsa test-version-numbers -d
rsa test-x25519
rsa test-zero-length-data -d
sha1 test-bleichenbacher-workaround -n 0
sha1 test-clienthello-md5
sha1 test-dhe-key-share-random
sha1 test-dhe-no-shared-secret-padding -n 0
sha1 test-dhe-rsa-key-exchange
sha1 test-ecdhe-padded-shared-secret -n 0
sha1 test-ecdhe-rsa-key-exchange
sha1 test-ecdhe-rsa-key-share-random
sha1 test-empty-extensions
sha1 test-extensions
sha1 test-ffdhe-negotiation
sha1 test-fuzzed-finished
sha1 test-invalid-cipher-suites
sha1 test-invalid-client-hello -n 0
sha1 test-invalid-rsa-key-exchange-messages
sha1 test-invalid-session-id
sha1 test-invalid-version
sha1 test-message-duplication
sha1 test-openssl-3712
sha1 test-serverhello-random
sha1 test-truncating-of-finished
sha1 test-truncating-of-kRSA-client-key-exchange
sha1 test-unsupported-curve-fallback
ecdsa test-conversation -d
ecdsa test-tls13-conversation
ecdsa test-ecdsa-sig-flexibility
ecdsa test-signature-algorithms --ecdsa
ecdsa test-tls13-ecdsa-support
auth test-certificate-malformed -n 0 -d -k @RK@ -c @RC@
auth test-certificate-request -d -k @RK@ -c @RC@ -T "rsa_sign dss_sign ecdsa_sign" -s "@CR12@"
auth test-certificate-verify -d -k @RK@ -c @RC@
auth test-certificate-verify-malformed -d -k @RK@ -c @RC@
auth test-certificate-verify-malformed-sig -d -k @RK@ -c @RC@
auth test-ecdsa-in-certificate-verify -n 0 -k @EK@ -c @EC@
auth test-extended-master-secret-extension-with-client-cert -d -k @RK@ -c @RC@
auth test-rsa-pss-sigs-on-certificate-verify -n 0 -k @RK@ -c @RC@
auth test-rsa-sigs-on-certificate-verify -d -k @RK@ -c @RC@
auth test-tls13-certificate-request -k @RK@ -c @RC@ -s "@CR13@"
auth test-tls13-certificate-verify -n 0 -k @RK@ -c @RC@
auth test-tls13-ecdsa-in-certificate-verify -n 0 -k @EK@ -c @EC@
PLAN
)

# Scripts that do not apply to a TLS 1.2/1.3 server of these settings; listed
# so that the plan above and this list together name every script.
NOT_APPLICABLE=$(
    cat <<'NA'
test-SSLv3-padding SSL 3.0 only
test-sslv2-connection SSLv2 only
test-sslv2-force-cipher SSLv2 only
test-sslv2-force-cipher-3des SSLv2 only
test-sslv2-force-cipher-non3des SSLv2 only
test-sslv2-force-export-cipher SSLv2 only
test-TLSv1_2-rejected-without-TLSv1_2 needs a server with TLS 1.2 disabled (-no_tls1_2)
test-tls13-non-support needs a server without TLS 1.3 (-no_tls1_3)
test-tls13-psk_ke needs an external PSK on the server (-psk)
test-tls13-psk_dhe_ke needs an external PSK on the server (-psk)
test-tls13-post-handshake-auth openssl s_server -www never asks for a certificate after the handshake
test-record-size-limit OpenSSL 3.0 has no record_size_limit; needs the exact size of each server's page
test-aesccm AES-CCM suites are not in OpenSSL's default cipher list (needs -cipher)
test-heartbeat OpenSSL has no heartbeat (test-no-heartbeat runs instead)
test-lengths needs an echo server (openssl s_server without -www)
test-tls13-lengths needs an echo server (openssl s_server without -www)
test-tls13-client-certificate-compression certificate compression needs OpenSSL 3.2
test-dsa-in-certificate-verify needs a DSA client certificate
test-dsa-sig-flexibility needs a DSA server certificate
test-eddsa-in-certificate-verify needs an Ed25519/Ed448 client certificate
test-tls13-eddsa-in-certificate-verify needs an Ed25519/Ed448 client certificate
test-tls13-eddsa needs an Ed25519/Ed448 server certificate
test-tls13-rsapss-signatures needs an RSASSA-PSS server key
test-tls13-mldsa-in-certificate-verify ML-DSA is not in OpenSSL 3.0
test-tls13-mlkem ML-KEM is not in OpenSSL 3.0 (and needs kyber-py)
test-tls13-ecdhe-brainpool-curves TLS 1.3 brainpool groups need OpenSSL 3.2
test-tls13-ecdsa-brainpool-in-certificate-verify TLS 1.3 brainpool signatures need OpenSSL 3.2 and a brainpool client certificate
test-bleichenbacher-timing-marvin timing measurement (tcpdump on an interface, hours of samples)
test-bleichenbacher-timing-pregenerate timing measurement (tcpdump on an interface, hours of samples)
test-tls13-minerva timing measurement (tcpdump on an interface, hours of samples)
NA
)

# Every script is either planned or listed as not applicable.
for s in "$TLSFUZZER"/scripts/test-*.py; do
    s=$(basename "$s" .py)
    if ! grep -q " $s\( \|$\)" <<<"$PLAN" && ! grep -q "^$s " <<<"$NOT_APPLICABLE"; then
        echo "tlsfuzzer.sh: $s is new: add it to the plan or to NOT_APPLICABLE" | tee -a "$OUT/summary.txt" >&2
    fi
done

# --- the servers --------------------------------------------------------------
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# layout -> cert, key and verify arguments for each server
layout_args() {
    local dir=$CERTS
    [ "$1" = ecdsa ] || dir=$CERTS/rsa
    OURS_LAYOUT=(--cert "$dir/server-chain.pem" --key "$dir/server.key")
    OPENSSL_LAYOUT=(-cert "$dir/server.pem" -cert_chain "$dir/intermediate.pem" -key "$dir/server.key")
    if [ "$1" = sha1 ]; then
        OURS_LAYOUT+=(--cipher "DEFAULT:@SECLEVEL=0")
        OPENSSL_LAYOUT+=(-cipher "DEFAULT:@SECLEVEL=0" -min_protocol TLSv1.2)
    fi
    if [ "$1" = auth ]; then
        # --verify-ca-file trusts without naming the CAs, as -verifyCAfile;
        # CA_NAMES=1 names them (--ca-file, the crate's default).
        local ca_flag=--verify-ca-file
        [ "${CA_NAMES:-0}" = 1 ] && ca_flag=--ca-file
        OURS_LAYOUT+=("$ca_flag" "$OUT/client-cas.pem" --verify-mode 1)
        OPENSSL_LAYOUT+=(-verify 1 -verifyCAfile "$OUT/client-cas.pem")
    fi
}

OURS_PID="" OPENSSL_PID="" OURS_PORT="" OPENSSL_PORT=""
start_ours() {
    local log="$OUT/$1.ours.server.log"
    "$OURS_BIN" --accept 127.0.0.1:0 --www "${OURS_LAYOUT[@]}" "${OURS_EXTRA[@]}" >>"$log" 2>&1 </dev/null &
    OURS_PID=$!
    OURS_PORT=""
    for _ in $(seq 100); do
        OURS_PORT=$(grep -m1 '"event":"listening"' "$log" | sed 's/.*"addr":"[^"]*:\([0-9]*\)".*/\1/' || true)
        [ -n "$OURS_PORT" ] && return
        sleep 0.1
    done
    echo "tlsfuzzer.sh: our s_server did not start (see $log)" >&2
    exit 1
}
start_openssl() {
    local log="$OUT/$1.openssl.server.log"
    OPENSSL_PORT=$(free_port)
    openssl s_server -www -accept "127.0.0.1:$OPENSSL_PORT" "${OPENSSL_LAYOUT[@]}" "${OPENSSL_EXTRA[@]}" \
        >>"$log" 2>&1 </dev/null &
    OPENSSL_PID=$!
    for _ in $(seq 100); do
        grep -q '^ACCEPT' "$log" && return
        sleep 0.1
    done
    echo "tlsfuzzer.sh: openssl s_server did not start (see $log)" >&2
    exit 1
}
stop_servers() {
    for pid in $OURS_PID $OPENSSL_PID; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    OURS_PID="" OPENSSL_PID=""
}
trap stop_servers EXIT

# Runs one script against one server: LOG PORT SCRIPT ARGS...
run_script() {
    local log=$1 port=$2 script=$3
    shift 3
    local start=$SECONDS rc=0
    (cd "$TLSFUZZER" && timeout -k 10 "$LIMIT" "$PY" -c '
import random, runpy, sys
random.seed(int(sys.argv[1]))
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
' "$SEED" "scripts/$script.py" -h 127.0.0.1 -p "$port" "$@") </dev/null >"$log" 2>&1 || rc=$?
    echo "# rc=$rc seconds=$((SECONDS - start))" >>"$log"
}

# Compares two logs: prints "outcome-openssl | outcome-ours | differences".
COMPARE='
import re, sys
def cases(path):
    """[(name, passed)] in order; a name met again gets #2, #3..."""
    out, seen, cur, ok = [], {}, None, False
    lines = open(path, errors="replace").read().splitlines()
    rc = next((l for l in reversed(lines) if l.startswith("# rc=")), "# rc=?")
    done = any(l == "Test end" for l in lines)
    def close():
        if cur is not None:
            out.append((cur, ok))
    for l in lines:
        m = re.match(r"^(.*) \.\.\.$", l) or re.match(r"^\"(.*)\" (repeat \d+)(?:\.\.\.)?$", l)
        if m and not l.startswith(" "):
            close()
            name = " ".join(m.groups())
            seen[name] = seen.get(name, 0) + 1
            cur, ok = name + ("" if seen[name] == 1 else "#%d" % seen[name]), False
        elif cur is not None and (l == "OK" or l.startswith("OK-expected")):
            ok = True
        elif l == "Test end":
            close()
            cur = None
    close()
    return out, done, rc.split()[1]
def outcome(c, done, rc):
    p = sum(1 for _, ok in c if ok)
    s = "%d/%d pass" % (p, len(c))
    if not done:
        s += " (" + ("timed out" if rc == "rc=124" else "no summary, " + rc) + ")"
    return s
a, ad, arc = cases(sys.argv[1])
b, bd, brc = cases(sys.argv[2])
da, db = dict(a), dict(b)
diff = []
for name, ok in a:
    if name in db and db[name] != ok:
        diff.append(("-" if ok else "+") + name)
only_a = [n for n, _ in a if n not in db]
only_b = [n for n, _ in b if n not in da]
same = sum(1 for n, ok in a if n in db and db[n] == ok)
# Cases named after random values (fuzzed bytes) differ in name from one
# run to the next: those are compared by their numbers of passes and fails.
pa = sum(1 for n in only_a if da[n]); pb = sum(1 for n in only_b if db[n])
same += min(pa, pb) + min(len(only_a) - pa, len(only_b) - pb)
line = "openssl %s | ours %s | same %d" % (outcome(a, ad, arc), outcome(b, bd, brc), same)
if diff:
    line += " | differ %d: %s" % (len(diff), "; ".join(diff))
if only_a or only_b:
    line += " | by count: openssl %d/%d pass, ours %d/%d pass" % (pa, len(only_a), pb, len(only_b))
print(line)
'

total_start=$SECONDS
for layout in rsa sha1 ecdsa auth; do
    scripts=$(awk -v l="$layout" -v re="$ONLY" '$1 == l && $2 ~ re' <<<"$PLAN")
    [ -n "$scripts" ] || continue
    layout_args "$layout"
    mkdir -p "$OUT/$layout"
    start_ours "$layout"
    start_openssl "$layout"
    while read -r _ script args; do
        args=${args//@RK@/$RK}
        args=${args//@RC@/$RC}
        args=${args//@EK@/$EK}
        args=${args//@EC@/$EC}
        shown=$args
        args=${args//@CR12@/$CR12}
        args=${args//@CR13@/$CR13}
        eval "argv=($args)" # the plan's own quoting
        note=""
        kill -0 "$OURS_PID" 2>/dev/null || { start_ours "$layout"; note+=" [ours restarted]"; }
        kill -0 "$OPENSSL_PID" 2>/dev/null || { start_openssl "$layout"; note+=" [openssl restarted]"; }
        base="$OUT/$layout/$script"
        run_script "$base.openssl.log" "$OPENSSL_PORT" "$script" "${argv[@]}"
        run_script "$base.ours.log" "$OURS_PORT" "$script" "${argv[@]}"
        result=$("$PY" -c "$COMPARE" "$base.openssl.log" "$base.ours.log")
        printf '%-6s %s %s | %s%s\n' "$layout" "$script" "$shown" "$result" "$note" |
            sed "s#$CERTS/#certs/#g" | tee -a "$OUT/summary.txt"
    done <<<"$scripts"
    stop_servers
done

echo "not applicable:" >>"$OUT/summary.txt"
sed 's/^/  /' <<<"$NOT_APPLICABLE" >>"$OUT/summary.txt"
echo "total $((SECONDS - total_start)) s; logs in $OUT" | tee -a "$OUT/summary.txt"
