#!/usr/bin/env bash
# Installs what building and testing sslsocket needs: OpenSSL's headers and
# library (libssl-dev), pkg-config, the `openssl` program the tests use as
# a foreign peer, and the other foreign servers of tests/secure_defaults.rs:
# GnuTLS's `gnutls-serv` (gnutls-bin) and `python3` (a Python `ssl` server).
# Quick when everything is already there.
set -euo pipefail

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v gnutls-serv >/dev/null 2>&1 || need+=(gnutls-bin)
command -v python3 >/dev/null 2>&1 || need+=(python3)
dpkg-query -W -f='${Status}' libssl-dev 2>/dev/null | grep -q "install ok installed" || need+=(libssl-dev)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
