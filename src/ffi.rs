//! The few OpenSSL calls the `openssl` crate does not offer safely.
//!
//! Every `unsafe` block of the crate is in this file, each with a `SAFETY:`
//! comment; `lib.rs` denies `unsafe_code` everywhere else.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use foreign_types::ForeignTypeRef;
use libc::c_int;
use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslRef};
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
pub(crate) fn ssl_mut<S>(stream: &mut openssl::ssl::SslStream<S>) -> &mut SslRef {
    let ptr = stream.ssl().as_ptr();
    // SAFETY: `ptr` is the live `SSL*` owned by `stream`, which we borrow
    // mutably for the lifetime of the returned reference, so no other Rust
    // reference to the `SSL` can be used meanwhile. `SslRef` is an opaque
    // wrapper around that pointer.
    unsafe { SslRef::from_ptr_mut(ptr) }
}

unsafe extern "C" {
    fn SSL_set_post_handshake_auth(ssl: *mut openssl_sys::SSL, val: c_int);
}

/// Offers (or stops offering) TLS 1.3 post-handshake authentication on a
/// client connection (`SSL_set_post_handshake_auth`); must precede the handshake.
pub(crate) fn set_post_handshake_auth(ssl: &mut SslRef, offer: bool) {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // the function only sets a flag on it and keeps no pointer.
    unsafe { SSL_set_post_handshake_auth(ssl.as_ptr(), c_int::from(offer)) }
}

unsafe extern "C" {
    fn SSL_verify_client_post_handshake(ssl: *mut openssl_sys::SSL) -> c_int;
    fn SSL_renegotiate(ssl: *mut openssl_sys::SSL) -> c_int;
    fn SSL_set_msg_callback(ssl: *mut openssl_sys::SSL, cb: Option<MsgCallback>);
}

const SSL_CTRL_GET_RI_SUPPORT: c_int = 76;

type MsgCallback = unsafe extern "C" fn(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const libc::c_void,
    len: libc::size_t,
    ssl: *mut openssl_sys::SSL,
    arg: *mut libc::c_void,
);

fn cvt(r: c_int) -> Result<(), openssl::error::ErrorStack> {
    if r <= 0 {
        Err(openssl::error::ErrorStack::get())
    } else {
        Ok(())
    }
}

/// Queues a TLS 1.3 CertificateRequest (`SSL_verify_client_post_handshake`);
/// it is sent on the next I/O.
pub(crate) fn verify_client_post_handshake(
    ssl: &mut SslRef,
) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // OpenSSL only checks its state and queues a CertificateRequest.
    cvt(unsafe { SSL_verify_client_post_handshake(ssl.as_ptr()) })
}

/// Schedules a renegotiation (`SSL_renegotiate`, TLS 1.2 and older); a server
/// sends HelloRequest on the next handshake step.
pub(crate) fn renegotiate(ssl: &mut SslRef) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // OpenSSL only sets the renegotiation flags.
    cvt(unsafe { SSL_renegotiate(ssl.as_ptr()) })
}

/// Whether the peer supports secure renegotiation (RFC 5746,
/// `SSL_get_secure_renegotiation_support`).
pub(crate) fn secure_renegotiation_support(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*`; this control only reads a flag and
    // ignores the null argument.
    unsafe {
        openssl_sys::SSL_ctrl(
            ssl.as_ptr(),
            SSL_CTRL_GET_RI_SUPPORT,
            0,
            std::ptr::null_mut(),
        ) != 0
    }
}

/// Handshake messages a connection received while being watched; lives in
/// the connection's ex_data so it is valid for as long as the `SSL` is.
#[derive(Debug, Default)]
pub(crate) struct HandshakeSeen {
    /// A Finished message arrived from the peer.
    pub(crate) finished: AtomicBool,
}

fn seen_index() -> Index<Ssl, HandshakeSeen> {
    static INDEX: OnceLock<Index<Ssl, HandshakeSeen>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index().expect("OpenSSL ran out of ex_data indexes"))
}

unsafe extern "C" fn record_message(
    write_p: c_int,
    _version: c_int,
    content_type: c_int,
    buf: *const libc::c_void,
    len: libc::size_t,
    ssl: *mut openssl_sys::SSL,
    _arg: *mut libc::c_void,
) {
    const HANDSHAKE: c_int = 22;
    if write_p != 0 || content_type != HANDSHAKE || buf.is_null() || len == 0 || ssl.is_null() {
        return;
    }
    // SAFETY: OpenSSL passes `len` (> 0) readable bytes at `buf`; we read the first.
    let msg_type = unsafe { *buf.cast::<u8>() };
    // SAFETY: OpenSSL calls back with the live `SSL*` whose message it is
    // processing; we only read its ex_data through a shared reference.
    let ssl = unsafe { SslRef::from_ptr(ssl) };
    const FINISHED: u8 = 20;
    if let Some(seen) = ssl.ex_data(seen_index()) {
        if msg_type == FINISHED {
            seen.finished.store(true, Ordering::Relaxed);
        }
    }
}

/// Starts recording the handshake messages `ssl` receives
/// (`SSL_set_msg_callback`), forgetting what was recorded before.
pub(crate) fn watch_handshake(ssl: &mut SslRef) {
    ssl.set_ex_data(seen_index(), HandshakeSeen::default());
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably; the callback reads
    // only its arguments and the ex_data just set, which lives as long as
    // the `SSL`.
    unsafe { SSL_set_msg_callback(ssl.as_ptr(), Some(record_message)) }
}

/// Stops recording (the record stays readable).
pub(crate) fn unwatch_handshake(ssl: &mut SslRef) {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably; a null callback
    // turns message reporting off.
    unsafe { SSL_set_msg_callback(ssl.as_ptr(), None) }
}

/// Whether the watch has seen the peer's Finished.
pub(crate) fn handshake_seen(ssl: &SslRef) -> bool {
    ssl.ex_data(seen_index())
        .is_some_and(|s| s.finished.load(Ordering::Relaxed))
}

/// Waits until `fd` is readable (or writable, with `write`), at most
/// `timeout`. Returns `false` on timeout.
pub(crate) fn wait_fd(
    fd: std::os::fd::RawFd,
    write: bool,
    timeout: Option<std::time::Duration>,
) -> std::io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: if write { libc::POLLOUT } else { libc::POLLIN },
        revents: 0,
    };
    let ms = timeout.map_or(-1, |t| {
        c_int::try_from(t.as_millis().max(1)).unwrap_or(c_int::MAX)
    });
    loop {
        // SAFETY: `pfd` is one valid, initialised `pollfd` living on this stack frame.
        let r = unsafe { libc::poll(&mut pfd, 1, ms) };
        if r >= 0 {
            return Ok(r > 0);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

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
