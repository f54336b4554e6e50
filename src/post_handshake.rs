//! Asking a client for its certificate after the handshake: TLS 1.3
//! post-handshake authentication, TLS 1.2 renegotiation, on the I/O engine.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::time::Duration;

use openssl::x509::X509;

use crate::callbacks;
use crate::engine::{Engine, Step, Waits};
use crate::error::{Error, Operation, PostHandshakeError};
use crate::ffi;
use crate::inspection;
use crate::options;
use crate::reasons::{
    SSL_R_EXTENSION_NOT_RECEIVED, SSL_R_INVALID_CONFIG, SSL_R_NOT_SERVER, SSL_R_REQUEST_PENDING,
    SSL_R_REQUEST_SENT, SSL_R_STILL_IN_INIT, SSL_R_WRONG_SSL_VERSION,
};
use crate::socket::SslSocket;
use crate::verify::VerifyMode;

impl<S: Read + Write + AsFd> SslSocket<S> {
    /// Queues a TLS 1.3 CertificateRequest (`SSL_verify_client_post_handshake`,
    /// Python's `SSLSocket.verify_client_post_handshake`). The request goes
    /// out with the next I/O on this socket: [`handshake`](Self::handshake)
    /// or `flush` sends it at once (C's idiom is
    /// `SSL_verify_client_post_handshake` then `SSL_do_handshake`). The
    /// client's certificate is processed by a later read, which fires
    /// [`HandshakeEvent::PostHandshakeAuth`](crate::HandshakeEvent::PostHandshakeAuth);
    /// [`request_client_certificate`](Self::request_client_certificate)
    /// does the whole exchange in one call.
    ///
    /// The verify mode must include `PEER`; with `PEER | POST_HANDSHAKE` no
    /// certificate was requested during the handshake.
    ///
    /// # Errors
    ///
    /// [`Error::PostHandshake`] with [`PostHandshakeError::NotServer`],
    /// `NotTls13`, `NotOffered` (the client did not enable post-handshake
    /// auth), `RequestPending`, `ModeWithoutPeer`, or `AlreadyRequested`
    /// (OpenSSL refuses a second request under `CLIENT_ONCE`).
    #[doc(alias = "SSL_verify_client_post_handshake")]
    pub fn verify_client_post_handshake(&mut self) -> Result<(), Error> {
        self.handshake()?;
        queue_request(self.engine_mut())
    }

    /// Asks the client for its certificate now and waits for the answer:
    /// TLS 1.3 post-handshake authentication, or a secure server-initiated
    /// renegotiation on TLS 1.2. Returns the client's certificate, or
    /// `Ok(None)` when it sent none and the mode allows that.
    ///
    /// The call honours the verify mode: with `FAIL_IF_NO_PEER_CERT` a
    /// client that sends no certificate is an error and OpenSSL closes the
    /// connection with the proper alert; a certificate that does not verify
    /// is [`Error::VerifyFailed`]; with `CLIENT_ONCE` and a certificate
    /// already requested, nothing is sent and the call says so. It returns
    /// as soon as the client's Certificate, CertificateVerify and Finished
    /// have been processed. Application data the client sends meanwhile is
    /// kept, in order, for the next reads, up to the configuration's
    /// [`set_post_handshake_buffer_limit`](crate::SslConfigBuilder::set_post_handshake_buffer_limit)
    /// (1 MiB by default). A client that sends more before answering fails
    /// the call with [`Error::PostHandshakeBufferFull`]; the connection
    /// stays up and the request stays pending: the next reads return the
    /// data kept, then the rest of what the client sent, and process the
    /// client's certificate whenever it comes (then
    /// [`peer_certificate`](Self::peer_certificate) describes it). The same
    /// holds after [`Error::Timeout`].
    ///
    /// Any `timeout` is valid; one too large to add to the clock waits
    /// without limit, as `None` does.
    ///
    /// Afterwards [`peer_certificate`](Self::peer_certificate),
    /// [`peer_cert_chain`](Self::peer_cert_chain) and
    /// [`verify_result`](Self::verify_result) describe the certificate just received.
    ///
    /// # Errors
    ///
    /// [`Error::PostHandshake`] when the request cannot be made (see
    /// [`verify_client_post_handshake`](Self::verify_client_post_handshake),
    /// plus `InsecureRenegotiation`), [`Error::Timeout`] when the client does
    /// not answer in time, [`Error::PostHandshakeBufferFull`],
    /// [`Error::PeerCertificateRequired`], [`Error::VerifyFailed`],
    /// [`Error::CallbackPanicked`] for a hook that panicked during the
    /// exchange, and the other handshake errors.
    #[doc(alias("SSL_verify_client_post_handshake", "SSL_renegotiate"))]
    pub fn request_client_certificate(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<X509>, Error> {
        self.handshake()?;
        let engine = self.engine_mut();
        begin_request(engine)?;
        let mut exchange = Exchange::default();
        let r = without_delay(engine, |e| {
            e.drive(Operation::PostHandshakeAuth, timeout, Waits::Poll, |e| {
                exchange.step(e)
            })
        });
        finish_request(engine, r)
    }
}

/// Runs `send` with Nagle's algorithm off when the descriptor is a TCP
/// socket that has it on. OpenSSL writes a post-handshake request (and,
/// after the answer, new session tickets) as small records after others
/// the peer has not acknowledged yet: with Nagle on, each would wait for
/// the peer's delayed ACK (40 ms).
pub(crate) fn without_delay<S: Read + Write + AsFd, T>(
    engine: &mut Engine<S>,
    send: impl FnOnce(&mut Engine<S>) -> T,
) -> T {
    let nagle = ffi::tcp_nodelay(engine.as_fd()) == Some(false);
    if nagle {
        ffi::set_tcp_nodelay(engine.as_fd(), true);
    }
    let r = send(engine);
    if nagle {
        ffi::set_tcp_nodelay(engine.as_fd(), false);
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
    ffi::watch_handshake(engine.ssl_mut());
    Ok(())
}

/// Ends a request [`begin_request`] started, `r` being how its exchange
/// went: the client's certificate, or the first error (a hook that
/// panicked during the exchange before anything else).
pub(crate) fn finish_request<S>(
    engine: &mut Engine<S>,
    r: Result<(), Error>,
) -> Result<Option<X509>, Error> {
    ffi::unwatch_handshake(engine.ssl_mut());
    if let Some(panicked) = engine.take_panic() {
        return Err(panicked);
    }
    r?;
    let certificate = engine.ssl().peer_certificate();
    callbacks::emit(
        engine.ssl(),
        crate::HandshakeEvent::PostHandshakeAuth {
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
    if !ffi::secure_renegotiation_support(ssl) {
        return Err(PostHandshakeError::InsecureRenegotiation.into());
    }
    if !ssl.is_init_finished() || !callbacks::renegotiation_idle(ssl) {
        return Err(PostHandshakeError::RequestPending.into());
    }
    // The server refuses peers' renegotiations (SSL_OP_NO_RENEGOTIATION)
    // unless set_renegotiation(true), not its own.
    let ssl = engine.ssl_mut();
    options::renegotiate_own(ssl).map_err(PostHandshakeError::Refused)?;
    callbacks::expect_own_renegotiation(ssl);
    engine.cert_requests = engine.cert_requests.saturating_add(1);
    callbacks::verify_failure(engine.ssl(), true);
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
    let mode = inspection::verify_mode(ssl);
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
    callbacks::await_answer(engine.ssl());
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
    let mode = inspection::verify_mode(engine.ssl());
    if let Err(stack) = ffi::verify_client_post_handshake(engine.ssl_mut()) {
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
    callbacks::verify_failure(engine.ssl(), true);
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
            let answered = ffi::handshake_seen(e.ssl()) && e.ssl().is_init_finished();
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
