//! The callbacks OpenSSL makes into the crate for a context's connections:
//! state changes (the info callback) and a request for the certificate to
//! send (the certificate callback). The layer above implements the traits;
//! the trampolines here only turn the C arguments into references.

use foreign_types::ForeignTypeRef;
use libc::c_int;
use openssl::ssl::SslRef;

unsafe extern "C" {
    fn SSL_CTX_set_info_callback(
        ctx: *mut openssl_sys::SSL_CTX,
        cb: Option<unsafe extern "C" fn(*const openssl_sys::SSL, c_int, c_int)>,
    );
    fn SSL_CTX_set_cert_cb(
        ctx: *mut openssl_sys::SSL_CTX,
        cb: Option<unsafe extern "C" fn(*mut openssl_sys::SSL, *mut libc::c_void) -> c_int>,
        arg: *mut libc::c_void,
    );
}

/// What the info callback (`SSL_CTX_set_info_callback`) reports to: the
/// layer above implements it, so this file names none of its types.
/// Implementations must not panic (they run inside OpenSSL).
pub(crate) trait InfoHandler {
    /// A state change of `ssl`: OpenSSL's `where` bits and `ret` value.
    fn on_info(ssl: &SslRef, where_: c_int, ret: c_int);
}

/// What the certificate callback (`SSL_CTX_set_cert_cb`) asks. Must not panic.
pub(crate) trait CertHandler {
    /// `ssl` is about to send its certificate; `false` aborts the handshake.
    fn on_certificate_request(ssl: &mut SslRef) -> bool;
}

unsafe extern "C" fn info_trampoline<H: InfoHandler>(
    ssl: *const openssl_sys::SSL,
    where_: c_int,
    ret: c_int,
) {
    if ssl.is_null() {
        return;
    }
    // SAFETY: OpenSSL calls back with the live `SSL*` whose state changed;
    // we only borrow it for the duration of the call. The handler catches
    // panics from application code.
    let ssl = unsafe { SslRef::from_ptr(ssl.cast_mut()) };
    H::on_info(ssl, where_, ret);
}

unsafe extern "C" fn cert_trampoline<H: CertHandler>(
    ssl: *mut openssl_sys::SSL,
    _arg: *mut libc::c_void,
) -> c_int {
    if ssl.is_null() {
        return 0;
    }
    // SAFETY: OpenSSL calls back with the live `SSL*` that is preparing its
    // certificate, and nothing else touches it during the callback. The
    // handler catches panics from application code.
    let ssl = unsafe { SslRef::from_ptr_mut(ssl) };
    c_int::from(H::on_certificate_request(ssl))
}

/// Reports state changes of the context's connections to `H`
/// (`SSL_CTX_set_info_callback`).
pub(crate) fn set_info_callback<H: InfoHandler>(b: &mut openssl::ssl::SslContextBuilder) {
    // SAFETY: `b` owns a live `SSL_CTX*`; the trampoline is a plain function
    // valid for the whole program.
    unsafe { SSL_CTX_set_info_callback(b.as_ptr(), Some(info_trampoline::<H>)) }
}

/// Lets `H` pick the certificate a client sends when asked
/// (`SSL_CTX_set_cert_cb`).
pub(crate) fn set_cert_callback<H: CertHandler>(b: &mut openssl::ssl::SslContextBuilder) {
    // SAFETY: `b` owns a live `SSL_CTX*`; the trampoline is a plain function
    // valid for the whole program and takes no argument.
    unsafe { SSL_CTX_set_cert_cb(b.as_ptr(), Some(cert_trampoline::<H>), std::ptr::null_mut()) }
}
