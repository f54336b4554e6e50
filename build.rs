//! Reads the OpenSSL version that openssl-sys found and turns it into cfg flags.
//!
//! `openssl-sys` exports `DEP_OPENSSL_VERSION_NUMBER` (hex, `0xMNNFFPPS`) for
//! OpenSSL, and `DEP_OPENSSL_LIBRESSL_VERSION_NUMBER` for LibreSSL; BoringSSL
//! sets `DEP_OPENSSL_BORINGSSL`. TLS 1.3 post-handshake authentication needs
//! OpenSSL 1.1.1, so anything older is a build error that says so.

use std::env;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ossl300)");
    println!("cargo::rerun-if-env-changed=DEP_OPENSSL_VERSION_NUMBER");
    println!("cargo::rerun-if-env-changed=DEP_OPENSSL_LIBRESSL_VERSION_NUMBER");
    println!("cargo::rerun-if-env-changed=DEP_OPENSSL_BORINGSSL");

    if env::var_os("DEP_OPENSSL_BORINGSSL").is_some() {
        panic!(
            "\n\nsslsocket: BoringSSL was found, but sslsocket needs OpenSSL 1.1.1 or later.\n\
             BoringSSL has no SSL_verify_client_post_handshake, SSL_renegotiate or the\n\
             SSL_VERIFY_POST_HANDSHAKE mode that sslsocket promises. Install OpenSSL's\n\
             development files (Debian/Ubuntu: `apt-get install libssl-dev pkg-config`)\n\
             or point OPENSSL_DIR at an OpenSSL installation.\n\n"
        );
    }
    if let Ok(v) = env::var("DEP_OPENSSL_LIBRESSL_VERSION_NUMBER") {
        panic!(
            "\n\nsslsocket: LibreSSL {v} was found, but sslsocket needs OpenSSL 1.1.1 or later.\n\
             LibreSSL does not implement TLS 1.3 post-handshake authentication\n\
             (SSL_verify_client_post_handshake). Install OpenSSL's development files\n\
             (Debian/Ubuntu: `apt-get install libssl-dev pkg-config`) or point OPENSSL_DIR\n\
             at an OpenSSL installation.\n\n"
        );
    }

    let Ok(raw) = env::var("DEP_OPENSSL_VERSION_NUMBER") else {
        panic!(
            "\n\nsslsocket: openssl-sys did not report an OpenSSL version\n\
             (DEP_OPENSSL_VERSION_NUMBER is unset). openssl-sys must be a direct\n\
             dependency of this crate; check that it built.\n\n"
        );
    };
    let version = u64::from_str_radix(raw.trim_start_matches("0x"), 16).unwrap_or_else(|_| {
        panic!("sslsocket: cannot parse DEP_OPENSSL_VERSION_NUMBER={raw:?} as hex")
    });

    if version < 0x1010_1000 {
        let major = version >> 28;
        let minor = (version >> 20) & 0xff;
        let fix = (version >> 12) & 0xff;
        panic!(
            "\n\nsslsocket: OpenSSL {major}.{minor}.{fix} (0x{version:x}) was found, but sslsocket needs\n\
             OpenSSL 1.1.1 or later: TLS 1.3 and its post-handshake client authentication\n\
             (SSL_verify_client_post_handshake, SSL_VERIFY_POST_HANDSHAKE) first appeared there.\n\
             Install a newer OpenSSL (Debian/Ubuntu: `apt-get install libssl-dev pkg-config`)\n\
             or point OPENSSL_DIR at one.\n\n"
        );
    }
    if version >= 0x3000_0000 {
        println!("cargo::rustc-cfg=ossl300");
    }
}
