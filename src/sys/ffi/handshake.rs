//! A connection's handshake: where its state machine stands, the
//! post-handshake messages it schedules (CertificateRequest, HelloRequest,
//! KeyUpdate), and a watch on the handshake messages it receives.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use foreign_types::ForeignTypeRef;
use libc::c_int;
use openssl::error::ErrorStack;
use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslRef};

use super::cvt;

unsafe extern "C" {
    fn SSL_in_init(ssl: *const openssl_sys::SSL) -> c_int;
    fn SSL_in_before(ssl: *const openssl_sys::SSL) -> c_int;
    fn SSL_get_state(ssl: *const openssl_sys::SSL) -> c_int;
}

/// `TLS_ST_OK` and `TLS_ST_SR_FINISHED` of `OSSL_HANDSHAKE_STATE` (`ssl.h`),
/// which openssl-sys does not declare.
const TLS_ST_OK: c_int = 1;
const TLS_ST_SR_FINISHED: c_int = 32;

/// Whether OpenSSL has a handshake message queued that the next
/// `SSL_do_handshake` writes without reading anything first: a
/// CertificateRequest after `SSL_verify_client_post_handshake` (or a
/// KeyUpdate after `SSL_key_update`). The handshake is marked in progress
/// (`SSL_in_init`) while its state machine is still at rest (`TLS_ST_OK`).
pub(crate) fn handshake_message_queued(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*` for the whole call; both functions
    // only read its state.
    unsafe { SSL_in_init(ssl.as_ptr()) == 1 && SSL_get_state(ssl.as_ptr()) == TLS_ST_OK }
}

/// Whether a server's state machine is at the client's Finished
/// (`SSL_get_state` is `TLS_ST_SR_FINISHED`), as the info callback reports
/// it before processing the message.
pub(crate) fn reading_client_finished(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*` for the whole call; this only reads
    // its state.
    unsafe { SSL_get_state(ssl.as_ptr()) == TLS_ST_SR_FINISHED }
}

/// Whether the connection's handshake has not begun (`SSL_in_before`).
pub(crate) fn handshake_not_begun(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*` for the whole call; the function only
    // reads its state.
    unsafe { SSL_in_before(ssl.as_ptr()) == 1 }
}

unsafe extern "C" {
    fn SSL_verify_client_post_handshake(ssl: *mut openssl_sys::SSL) -> c_int;
    fn SSL_renegotiate(ssl: *mut openssl_sys::SSL) -> c_int;
    fn SSL_key_update(ssl: *mut openssl_sys::SSL, updatetype: c_int) -> c_int;
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

/// `SSL_CTRL_GET_RI_SUPPORT` (`ssl.h`), which openssl-sys does not declare.
const SSL_CTRL_GET_RI_SUPPORT: c_int = 76;

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

/// Schedules a TLS 1.3 KeyUpdate (`SSL_key_update`), asking the peer to
/// update its keys too when `request_peer`; sent on the next I/O.
pub(crate) fn key_update(ssl: &mut SslRef, request_peer: bool) -> Result<(), ErrorStack> {
    const SSL_KEY_UPDATE_NOT_REQUESTED: c_int = 0;
    const SSL_KEY_UPDATE_REQUESTED: c_int = 1;
    let kind = if request_peer {
        SSL_KEY_UPDATE_REQUESTED
    } else {
        SSL_KEY_UPDATE_NOT_REQUESTED
    };
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // OpenSSL only checks the state and marks the update pending.
    cvt(unsafe { SSL_key_update(ssl.as_ptr(), kind) })
}

unsafe extern "C" {
    fn SSL_set_msg_callback(ssl: *mut openssl_sys::SSL, cb: Option<MsgCallback>);
}

type MsgCallback = unsafe extern "C" fn(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const libc::c_void,
    len: libc::size_t,
    ssl: *mut openssl_sys::SSL,
    arg: *mut libc::c_void,
);

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
