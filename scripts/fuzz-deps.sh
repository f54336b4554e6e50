#!/usr/bin/env bash
# Installs the fuzzer the fuzz/ crate runs on, if missing: cargo-afl (AFL++
# for Rust, on the stable toolchain) and the AFL++ runtime it builds. Quick
# when both are present.
set -euo pipefail
AFL_VERSION=0.18.2
if ! cargo afl --version 2>/dev/null | grep -q "$AFL_VERSION"; then
    cargo install --locked cargo-afl --version "$AFL_VERSION"
fi
# `cargo afl config --build` compiles AFL++ (afl-fuzz and its runtime) into
# cargo-afl's data directory; it needs only a C compiler and make.
if ! cargo afl fuzz -h >/dev/null 2>&1; then
    command -v make >/dev/null && command -v cc >/dev/null || {
        if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
        $SUDO apt-get update -qq && $SUDO apt-get install -y -qq build-essential
    }
    cargo afl config --build --force
fi
