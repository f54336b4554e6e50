//! Asking a client for its certificate after the handshake: TLS 1.3
//! post-handshake authentication, TLS 1.2 renegotiation, on the I/O engine.

use std::io::{Read, Write};
use std::os::fd::AsFd;

use openssl::x509::X509;

use crate::config::hooks::record;
use crate::config::hooks::trampolines;
use crate::config::options;
use crate::conn::engine::{Engine, Step};
use crate::conn::inspection;
use crate::error::operation::Operation;
use crate::error::post_handshake::PostHandshakeError;
use crate::error::Error;
use crate::sys::ffi;
use crate::sys::reasons::{
    SSL_R_EXTENSION_NOT_RECEIVED, SSL_R_INVALID_CONFIG, SSL_R_NOT_SERVER, SSL_R_REQUEST_PENDING,
    SSL_R_REQUEST_SENT, SSL_R_STILL_IN_INIT, SSL_R_WRONG_SSL_VERSION,
};
use crate::verify::mode::VerifyMode;

/// Runs `send` with Nagle's algorithm off when the descriptor is a TCP
/// socket that has it on. OpenSSL writes a post-handshake request (and,
/// after the answer, new session tickets) as small records after others
/// the peer has not acknowledged yet: with Nagle on, each would wait for
/// the peer's delayed ACK (40 ms).
pub(crate) fn without_delay<S: Read + Write + AsFd, T>(
    engine: &mut Engine<S>,
    send: impl FnOnce(&mut Engine<S>) -> T,
) -> T {
    let nagle = ffi::fd::tcp_nodelay(engine.as_fd()) == Some(false);
    if nagle {
        ffi::fd::set_tcp_nodelay(engine.as_fd(), true);
    }
    let r = send(engine);
    if nagle {
        ffi::fd::set_tcp_nodelay(engine.as_fd(), false);
    }
    r
}

/// Starts a request for the client's certificate on a handshaken server
/// connection: TLS 1.3 post-handshake authentication, or a secure
/// renegotiation on TLS 1.2; what the client sends is then watched for its
/// Finished. [`Exchange`] drives it, [`finish_request`] ends it.
pub(crate) fn begin_request<S>(engine: &mut Engine<S>) -> Result<(), Error> {
    check_can_request(engine, true)?;
    if inspection::is_tls13(engine.ssl()) {
        queue(engine)?;
    } else {
        schedule_renegotiation(engine)?;
    }
    ffi::handshake::watch_handshake(engine.ssl_mut());
    Ok(())
}

/// Ends a request [`begin_request`] started, `r` being how its exchange
/// went: the client's certificate, or the first error (a hook that
/// panicked during the exchange before anything else).
pub(crate) fn finish_request<S>(
    engine: &mut Engine<S>,
    r: Result<(), Error>,
) -> Result<Option<X509>, Error> {
    ffi::handshake::unwatch_handshake(engine.ssl_mut());
    if let Some(panicked) = engine.take_panic() {
        return Err(panicked);
    }
    r?;
    let certificate = engine.ssl().peer_certificate();
    trampolines::emit(
        engine.ssl(),
        crate::config::hooks::types::HandshakeEvent::PostHandshakeAuth {
            certificate: certificate.is_some(),
        },
    );
    // A hook that panicked on the event just emitted, too.
    if let Some(panicked) = engine.take_panic() {
        return Err(panicked);
    }
    Ok(certificate)
}

/// TLS 1.2 and older: schedules a secure server-initiated renegotiation.
fn schedule_renegotiation<S>(engine: &mut Engine<S>) -> Result<(), Error> {
    let ssl = engine.ssl();
    if !ffi::handshake::secure_renegotiation_support(ssl) {
        return Err(PostHandshakeError::InsecureRenegotiation.into());
    }
    if !ssl.is_init_finished() || !record::renegotiation_idle(ssl) {
        return Err(PostHandshakeError::RequestPending.into());
    }
    // The server refuses peers' renegotiations (SSL_OP_NO_RENEGOTIATION)
    // unless set_renegotiation(true), not its own.
    let ssl = engine.ssl_mut();
    options::renegotiate_own(ssl).map_err(PostHandshakeError::Refused)?;
    record::expect_own_renegotiation(ssl);
    engine.cert_requests = engine.cert_requests.saturating_add(1);
    record::verify_failure(engine.ssl(), true);
    Ok(())
}

/// Whether a server may ask for a certificate now (the checks OpenSSL would
/// make, with errors that say which); `honour_client_once` refuses a second
/// request under `CLIENT_ONCE` before OpenSSL is asked.
fn check_can_request<S>(
    engine: &Engine<S>,
    honour_client_once: bool,
) -> Result<(), PostHandshakeError> {
    let ssl = engine.ssl();
    if !ssl.is_server() {
        return Err(PostHandshakeError::NotServer);
    }
    let mode = crate::verify::mode::verify_mode(ssl);
    if !mode.contains(VerifyMode::PEER) {
        return Err(PostHandshakeError::ModeWithoutPeer { mode });
    }
    if honour_client_once && mode.contains(VerifyMode::CLIENT_ONCE) && engine.cert_requests > 0 {
        return Err(PostHandshakeError::AlreadyRequested);
    }
    Ok(())
}

/// Queues a TLS 1.3 CertificateRequest on a handshaken server connection
/// (`SSL_verify_client_post_handshake`) for `verify_client_post_handshake`:
/// the next I/O sends it (a handshake or flush at once), and the read that
/// processes the client's answer fires the `PostHandshakeAuth` event.
pub(crate) fn queue_request<S>(engine: &mut Engine<S>) -> Result<(), Error> {
    queue(engine)?;
    record::await_answer(engine.ssl());
    Ok(())
}

/// Queues a TLS 1.3 CertificateRequest (`SSL_verify_client_post_handshake`),
/// with errors that say why OpenSSL refused.
fn queue<S>(engine: &mut Engine<S>) -> Result<(), Error> {
    check_can_request(engine, false)?;
    let version = engine.ssl().version_str();
    if !inspection::is_tls13(engine.ssl()) {
        return Err(PostHandshakeError::NotTls13 { version }.into());
    }
    let mode = crate::verify::mode::verify_mode(engine.ssl());
    if let Err(stack) = ffi::handshake::verify_client_post_handshake(engine.ssl_mut()) {
        let reason = stack.errors().first().map_or(0, |e| e.reason_code());
        return Err(match reason {
            SSL_R_EXTENSION_NOT_RECEIVED => PostHandshakeError::NotOffered,
            SSL_R_REQUEST_PENDING | SSL_R_REQUEST_SENT | SSL_R_STILL_IN_INIT => {
                PostHandshakeError::RequestPending
            }
            SSL_R_NOT_SERVER => PostHandshakeError::NotServer,
            SSL_R_WRONG_SSL_VERSION => PostHandshakeError::NotTls13 { version },
            SSL_R_INVALID_CONFIG if mode.contains(VerifyMode::CLIENT_ONCE) => {
                PostHandshakeError::AlreadyRequested
            }
            _ => PostHandshakeError::Refused(stack),
        }
        .into());
    }
    engine.cert_requests = engine.cert_requests.saturating_add(1);
    record::verify_failure(engine.ssl(), true);
    Ok(())
}

/// The exchange of a certificate request or a renegotiation this end
/// started, one attempt at a time: sends what was queued and reads until
/// the peer's Finished has been processed, keeping application data for
/// later reads.
///
/// A server drives the handshake itself whenever one is under way (its
/// HelloRequest, CertificateRequest, last flight); between them, and on a
/// client throughout, it reads (`SSL_read`), which drives the handshake
/// too: only a read lets OpenSSL take the application data a peer sends
/// before it has seen the request (before a server's ServerHello, a
/// client's ClientHello), where `SSL_do_handshake` would fail the
/// connection with `unexpected_message`.
#[derive(Debug)]
pub(crate) struct Exchange {
    send_first: bool,
    op: Operation,
}

impl Default for Exchange {
    fn default() -> Exchange {
        Exchange::new(Operation::PostHandshakeAuth)
    }
}

impl Exchange {
    /// The exchange of the operation `op` (for errors and time limits).
    pub(crate) fn new(op: Operation) -> Exchange {
        Exchange {
            send_first: true,
            op,
        }
    }

    /// One attempt: done once the peer has answered.
    pub(crate) fn step<S: Read + Write>(&mut self, e: &mut Engine<S>) -> Step<()> {
        loop {
            // A server drives the handshake (sends CertificateRequest /
            // HelloRequest, and its last flight on TLS 1.2), then reads.
            let drives = e.ssl().is_server() && (self.send_first || !e.ssl().is_init_finished());
            self.send_first = false;
            let step = if drives {
                e.rehandshake_step(self.op).map_done(|_| 0)
            } else {
                e.keep_step(self.op)
            };
            let answered = ffi::handshake::handshake_seen(e.ssl()) && e.ssl().is_init_finished();
            match step {
                Step::Done(Ok(_)) if answered => return Step::Done(Ok(())),
                Step::Done(Ok(_)) => continue,
                Step::Wait(_) if answered => return Step::Done(Ok(())),
                // The peer closed instead of answering.
                Step::Done(Err(_)) if e.received_close_notify() => {
                    return Step::Done(Err(Error::UnexpectedEof))
                }
                other => return other.map_done(|_| ()),
            }
        }
    }
}
