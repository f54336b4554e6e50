//! Sessions: offering one for resumption (from this configuration's cache
//! or from anywhere), withdrawing it, and what a session says of itself.

use foreign_types::ForeignTypeRef;
use libc::c_int;
use openssl::ssl::SslRef;

use super::handshake::handshake_not_begun;

/// Offers `session` for resumption on a client connection (`SSL_set_session`).
///
/// Sessions come only from the cache of the same configuration, so they were
/// made with the same `SSL_CTX` as `ssl`.
pub(crate) fn set_session(
    ssl: &mut SslRef,
    session: &openssl::ssl::SslSessionRef,
) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `set_session` is unsafe because the session must come from a
    // connection using the same context; `SessionCache` is owned by one
    // configuration and only holds sessions of that configuration's context.
    unsafe { ssl.set_session(session) }
}

/// Offers a session made anywhere (read back from DER or PEM, or taken
/// from another configuration's connection) on a client connection
/// (`SSL_set_session`), as `openssl s_client -sess_in` does.
pub(crate) fn set_foreign_session(
    ssl: &mut SslRef,
    session: &openssl::ssl::SslSessionRef,
) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `set_session` is unsafe because a session must not be used
    // with another context where sessions point into their context
    // (BoringSSL's hold its `SSL_X509_METHOD`). OpenSSL's sessions are
    // self-contained (d2i_SSL_SESSION makes them with no context at all,
    // and SSL_set_session takes its own reference), and build.rs refuses
    // BoringSSL and LibreSSL.
    unsafe { ssl.set_session(session) }
}

unsafe extern "C" {
    fn SSL_SESSION_is_resumable(s: *const openssl_sys::SSL_SESSION) -> c_int;
    fn SSL_set_verify_result(ssl: *mut openssl_sys::SSL, v: libc::c_long);
    fn SSL_SESSION_get0_peer(s: *mut openssl_sys::SSL_SESSION) -> *mut openssl_sys::X509;
}

/// Whether a session can be resumed (`SSL_SESSION_is_resumable`): a
/// TLS 1.3 client's is not until a ticket has arrived.
pub(crate) fn session_is_resumable(session: &openssl::ssl::SslSessionRef) -> bool {
    // SAFETY: `session` is a live `SSL_SESSION*`, only read.
    unsafe { SSL_SESSION_is_resumable(session.as_ptr()) == 1 }
}

/// Withdraws the session a client connection offers for resumption
/// (`SSL_set_session(ssl, NULL)`): it then makes a full handshake. Only
/// before the handshake begins ([`handshake_not_begun`]).
///
/// `SSL_set_session` gave the connection the session's verify result;
/// it goes back to `X509_V_OK`, a new connection's, which the full
/// handshake replaces (`SSL_set_verify_result`).
pub(crate) fn withdraw_session(ssl: &mut SslRef) {
    debug_assert!(handshake_not_begun(ssl));
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // `SSL_set_session` with NULL only drops the connection's reference to
    // the session it offers, and `SSL_set_verify_result` only stores a number.
    unsafe {
        openssl_sys::SSL_set_session(ssl.as_ptr(), std::ptr::null_mut());
        SSL_set_verify_result(ssl.as_ptr(), libc::c_long::from(openssl_sys::X509_V_OK));
    }
}

/// The peer certificate a session keeps (`SSL_SESSION_get0_peer`): a
/// client's, the server's certificate; none for a session without one.
pub(crate) fn session_peer(
    session: &openssl::ssl::SslSessionRef,
) -> Option<&openssl::x509::X509Ref> {
    // SAFETY: `session` is a live `SSL_SESSION*`, only read; the certificate
    // returned is owned by the session (no reference is taken), so borrowing
    // it for the session's lifetime is sound. NULL is checked.
    unsafe {
        let cert = SSL_SESSION_get0_peer(session.as_ptr());
        (!cert.is_null()).then(|| openssl::x509::X509Ref::from_ptr(cert))
    }
}
