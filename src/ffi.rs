//! The few OpenSSL calls the `openssl` crate does not offer safely.
//!
//! Every `unsafe` block of the crate is in this file, each with a `SAFETY:`
//! comment; `lib.rs` denies `unsafe_code` everywhere else.

use libc::c_int;
use openssl::x509::X509VerifyResult;

/// OpenSSL's text for a verification code (`X509_verify_cert_error_string`).
///
/// Callers pass only codes OpenSSL knows, or any code on OpenSSL 3.0+, where
/// the unknown-code text is a static string (1.1.1 formats it into a shared
/// static buffer).
pub(crate) fn verify_error_string(code: c_int) -> &'static str {
    // SAFETY: `from_raw` is unsafe only because `error_string` is not
    // thread-safe for codes OpenSSL does not know on releases before 3.0;
    // `VerifyResult::reason` calls this only for known codes there.
    let result = unsafe { X509VerifyResult::from_raw(code) };
    result.error_string()
}

/// Mutable access to the `SSL` inside a stream, which `openssl` only lends
/// immutably (`SslStream::ssl`). Needed to change the verify mode of a live
/// connection and for post-handshake calls.
pub(crate) fn ssl_mut<S>(stream: &mut openssl::ssl::SslStream<S>) -> &mut openssl::ssl::SslRef {
    use foreign_types::ForeignTypeRef;
    let ptr = stream.ssl().as_ptr();
    // SAFETY: `ptr` is the live `SSL*` owned by `stream`, which we borrow
    // mutably for the lifetime of the returned reference, so no other Rust
    // reference to the `SSL` can be used meanwhile. `SslRef` is an opaque
    // wrapper around that pointer.
    unsafe { openssl::ssl::SslRef::from_ptr_mut(ptr) }
}

unsafe extern "C" {
    fn SSL_set_post_handshake_auth(ssl: *mut openssl_sys::SSL, val: c_int);
}

/// Offers (or stops offering) TLS 1.3 post-handshake authentication on a
/// client connection (`SSL_set_post_handshake_auth`); must precede the handshake.
pub(crate) fn set_post_handshake_auth(ssl: &mut openssl::ssl::SslRef, offer: bool) {
    use foreign_types::ForeignTypeRef;
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // the function only sets a flag on it and keeps no pointer.
    unsafe { SSL_set_post_handshake_auth(ssl.as_ptr(), c_int::from(offer)) }
}
