#!/usr/bin/env bash
# Regenerates the test PKI in this directory (ECDSA P-256) and in rsa/ (RSA-2048).
# Requires only the `openssl` program (tested with OpenSSL 3.0).
# Usage: bash certs/generate.sh          (works from any directory): everything
#        bash certs/generate.sh extras   only the files made from the existing
#                                        ECDSA CAs (see EXTRA_FILES), keeping the rest
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

# Fixed validity windows (GeneralizedTime input; encoded as UTCTime, < 2038, 32-bit safe).
VALID_FROM=20250101000000Z
VALID_UNTIL=20371231235959Z
EXPIRED_FROM=20200101000000Z
EXPIRED_UNTIL=20210101000000Z

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

GENERATED_FILES=(
    ca.pem ca.key
    intermediate.pem intermediate.key
    server.pem server.key server-chain.pem
    client.pem client.key
    expired.pem expired.key expired-chain.pem
    expired-client.pem expired-client.key
    untrusted-ca.pem untrusted-ca.key
    untrusted-server.pem untrusted-server.key
    untrusted-client.pem untrusted-client.key
    wrong-host.pem wrong-host.key wrong-host-chain.pem
    self-signed.pem self-signed.key
)

# OpenSSL configuration used for every `req` and `ca` invocation, so the
# result does not depend on the system openssl.cnf.
write_config() {
    local db="$1"
    cat > "$db/openssl.cnf" <<CNF
[ req ]
distinguished_name = req_dn
prompt             = no
utf8               = yes

[ req_dn ]
CN = placeholder

[ ca ]
default_ca = test_ca

[ test_ca ]
database        = $db/index.txt
new_certs_dir   = $db/newcerts
serial          = $db/serial
crlnumber       = $db/crlnumber
default_md      = sha256
policy          = policy_any
unique_subject  = no
copy_extensions = none
email_in_dn     = no
preserve        = yes
name_opt        = ca_default
cert_opt        = ca_default

[ policy_any ]
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ root_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ intermediate_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ server_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, \${ENV::LEAF_KEY_USAGE}
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:localhost, IP:127.0.0.1, IP:::1

[ wrong_host_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, \${ENV::LEAF_KEY_USAGE}
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:other.example

[ client_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, \${ENV::LEAF_KEY_USAGE}
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:client.test

[ self_signed_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, \${ENV::LEAF_KEY_USAGE}
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
subjectAltName         = DNS:localhost, IP:127.0.0.1, IP:::1

[ cn_only_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, \${ENV::LEAF_KEY_USAGE}
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ wildcard_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, \${ENV::LEAF_KEY_USAGE}
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:w*.sslsocket.test

[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
}

# new_key <path>: unencrypted PKCS#8 PEM private key of the current algorithm.
new_key() {
    case "$KEY_ALG" in
        ec)  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                 -pkeyopt ec_param_enc:named_curve -out "$1" ;;
        rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
    esac
    chmod 0644 "$1"
}

# issue <name> <subject> <extensions> <start> <end> <issuer-name|self>
#   Creates <name>.key and <name>.pem; the issuer is <issuer>.pem/<issuer>.key,
#   or the new key itself when <issuer> is "self".
issue() {
    local name="$1" subject="$2" ext="$3" start="$4" end="$5" issuer="$6"
    local csr="$DB/$name.csr"
    new_key "$name.key"
    openssl req -new -config "$DB/openssl.cnf" -key "$name.key" -subj "$subject" -out "$csr"
    # Fresh random positive serial for every certificate.
    printf '01%s\n' "$(openssl rand -hex 15)" > "$DB/serial"
    local signer=()
    if [[ "$issuer" == self ]]; then
        signer=(-selfsign -keyfile "$name.key")
    else
        signer=(-cert "$issuer.pem" -keyfile "$issuer.key")
    fi
    if ! openssl ca -batch -notext -config "$DB/openssl.cnf" -extfile "$DB/openssl.cnf" \
            -extensions "$ext" -md sha256 -startdate "$start" -enddate "$end" \
            "${signer[@]}" -in "$csr" -out "$name.pem" 2> "$DB/ca.log"; then
        cat "$DB/ca.log" >&2
        exit 1
    fi
}

build_pki() {
    local dir="$1" root_cn="$2"
    mkdir -p "$dir"
    (
        cd "$dir"
        DB="$WORK/$KEY_ALG"
        rm -rf "$DB"
        mkdir -p "$DB/newcerts"
        : > "$DB/index.txt"
        write_config "$DB"

        rm -f "${GENERATED_FILES[@]}"
        rm -rf ca-dir

        issue ca               "/CN=$root_cn"                          root_ca          "$VALID_FROM"   "$VALID_UNTIL"   self
        issue intermediate     "/CN=sslsocket Test Intermediate CA"     intermediate_ca  "$VALID_FROM"   "$VALID_UNTIL"   ca
        issue server           "/CN=localhost"                          server_leaf      "$VALID_FROM"   "$VALID_UNTIL"   intermediate
        issue client           "/CN=sslsocket test client"              client_leaf      "$VALID_FROM"   "$VALID_UNTIL"   ca
        issue expired          "/O=sslsocket expired/CN=localhost"      server_leaf      "$EXPIRED_FROM" "$EXPIRED_UNTIL" intermediate
        issue expired-client   "/CN=sslsocket expired client"           client_leaf      "$EXPIRED_FROM" "$EXPIRED_UNTIL" ca
        issue untrusted-ca     "/CN=sslsocket Untrusted Root CA"        root_ca          "$VALID_FROM"   "$VALID_UNTIL"   self
        issue untrusted-server "/O=sslsocket untrusted/CN=localhost"    server_leaf      "$VALID_FROM"   "$VALID_UNTIL"   untrusted-ca
        issue untrusted-client "/CN=sslsocket untrusted client"         client_leaf      "$VALID_FROM"   "$VALID_UNTIL"   untrusted-ca
        issue wrong-host       "/CN=other.example"                      wrong_host_leaf  "$VALID_FROM"   "$VALID_UNTIL"   intermediate
        issue self-signed      "/O=sslsocket self-signed/CN=localhost"  self_signed_leaf "$VALID_FROM"   "$VALID_UNTIL"   self

        cat server.pem     intermediate.pem > server-chain.pem
        cat expired.pem    intermediate.pem > expired-chain.pem
        cat wrong-host.pem intermediate.pem > wrong-host-chain.pem

        mkdir ca-dir
        cp ca.pem "ca-dir/$(openssl x509 -hash -noout -in ca.pem).0"
    )
}

# Made from the ECDSA PKI's CAs: revocation, encrypted keys, PKCS#12, OCSP,
# host-name check flags. `bash certs/generate.sh extras` remakes only these.
EXTRA_FILES=(
    revoked-client.pem revoked-client.key
    revoked-server.pem revoked-server.key revoked-server-chain.pem
    ca.crl intermediate.crl
    server-encrypted.key server-encrypted.der client-encrypted.key
    server.p12 server-empty-password.p12 server-unprotected.p12 client.p12
    server-ocsp.der
    cn-only.pem cn-only.key cn-only-chain.pem
    wildcard.pem wildcard.key wildcard-chain.pem
)
# The password of every encrypted key and password-protected PKCS#12 file.
KEY_PASSWORD=sslsocket-test

# crl <issuer> <revoked-certificate> <out>: a CRL of <issuer> listing one
# revoked certificate, valid over the same fixed window as the certificates.
crl() {
    local issuer="$1" revoked="$2" out="$3"
    local db="$WORK/crl-$issuer"
    rm -rf "$db"
    mkdir -p "$db/newcerts"
    : > "$db/index.txt"
    echo 1000 > "$db/crlnumber"
    write_config "$db"
    openssl ca -config "$db/openssl.cnf" -keyfile "$issuer.key" -cert "$issuer.pem" \
        -revoke "$revoked" -crl_reason keyCompromise 2> "$db/ca.log" || { cat "$db/ca.log" >&2; exit 1; }
    openssl ca -config "$db/openssl.cnf" -keyfile "$issuer.key" -cert "$issuer.pem" -gencrl \
        -crlexts crl_ext -md sha256 -crl_lastupdate "$VALID_FROM" -crl_nextupdate "$VALID_UNTIL" \
        -out "$out" 2> "$db/ca.log" || { cat "$db/ca.log" >&2; exit 1; }
}

build_extras() {
    DB="$WORK/extras"
    rm -rf "$DB"
    mkdir -p "$DB/newcerts"
    : > "$DB/index.txt"
    write_config "$DB"
    rm -f "${EXTRA_FILES[@]}"

    issue revoked-client "/CN=sslsocket revoked client"     client_leaf   "$VALID_FROM" "$VALID_UNTIL" ca
    issue revoked-server "/O=sslsocket revoked/CN=localhost" server_leaf  "$VALID_FROM" "$VALID_UNTIL" intermediate
    issue cn-only        "/CN=localhost"                     cn_only_leaf  "$VALID_FROM" "$VALID_UNTIL" intermediate
    issue wildcard       "/CN=w*.sslsocket.test"             wildcard_leaf "$VALID_FROM" "$VALID_UNTIL" intermediate
    cat revoked-server.pem intermediate.pem > revoked-server-chain.pem
    cat cn-only.pem        intermediate.pem > cn-only-chain.pem
    cat wildcard.pem       intermediate.pem > wildcard-chain.pem

    crl ca           revoked-client.pem ca.crl
    crl intermediate revoked-server.pem intermediate.crl

    # AES-256 encrypted PKCS#8, PEM and DER.
    openssl pkey -in server.key -aes256 -passout "pass:$KEY_PASSWORD" -out server-encrypted.key
    openssl pkey -in client.key -aes256 -passout "pass:$KEY_PASSWORD" -out client-encrypted.key
    openssl pkcs8 -topk8 -v2 aes256 -in server.key -passout "pass:$KEY_PASSWORD" \
        -outform DER -out server-encrypted.der

    # PKCS#12: leaf, key and intermediate in one file (OpenSSL 3 defaults:
    # AES-256-CBC, PBKDF2, HMAC-SHA256 MAC).
    openssl pkcs12 -export -in server.pem -inkey server.key -certfile intermediate.pem \
        -name localhost -passout "pass:$KEY_PASSWORD" -out server.p12
    openssl pkcs12 -export -in server.pem -inkey server.key -certfile intermediate.pem \
        -name localhost -passout pass: -out server-empty-password.p12
    openssl pkcs12 -export -in server.pem -inkey server.key -certfile intermediate.pem \
        -name localhost -keypbe NONE -certpbe NONE -nomac -passout pass: -out server-unprotected.p12
    openssl pkcs12 -export -in client.pem -inkey client.key \
        -name client -passout "pass:$KEY_PASSWORD" -out client.p12

    # A "good" OCSP response for server.pem, signed by its issuer.
    printf 'V\t%s\t\t%s\tunknown\t/CN=localhost\n' "371231235959Z" \
        "$(openssl x509 -in server.pem -noout -serial | cut -d= -f2)" > "$DB/ocsp-index.txt"
    openssl ocsp -issuer intermediate.pem -cert server.pem -no_nonce -reqout "$DB/ocsp-req.der"
    openssl ocsp -index "$DB/ocsp-index.txt" -rsigner intermediate.pem -rkey intermediate.key \
        -CA intermediate.pem -reqin "$DB/ocsp-req.der" -ndays 3650 -respout server-ocsp.der > /dev/null
    chmod 0644 "${EXTRA_FILES[@]}"
}

if [[ "${1:-all}" != extras ]]; then
    KEY_ALG=ec  LEAF_KEY_USAGE=digitalSignature                 build_pki .   "sslsocket Test Root CA"
    KEY_ALG=rsa LEAF_KEY_USAGE="digitalSignature, keyEncipherment" build_pki rsa "sslsocket Test RSA Root CA"
fi
KEY_ALG=ec LEAF_KEY_USAGE=digitalSignature build_extras

echo "Generated test PKI in $(pwd) and $(pwd)/rsa"
