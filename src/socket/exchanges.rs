//! The socket's exchanges after the handshake: asking the client for its
//! certificate (TLS 1.3 post-handshake authentication, or a renegotiation
//! on TLS 1.2) and renegotiating; the exchanges themselves are the
//! connection layer's (`conn::post_handshake`, `conn::renegotiation`).

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::time::Duration;

use openssl::x509::X509;

use crate::conn::engine::Waits;
use crate::conn::post_handshake::{
    begin_request, finish_request, queue_request, without_delay, Exchange,
};
use crate::error::{Error, Operation};

use super::SslSocket;

// Asking the client for its certificate after the handshake.
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
    /// [`Error::PostHandshake`] with
    /// [`PostHandshakeError::NotServer`](crate::error::PostHandshakeError::NotServer),
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

// Renegotiation (TLS 1.2 and older), started by this end in either role.
impl<S: Read + Write + AsFd> SslSocket<S> {
    /// Renegotiates now, on TLS 1.2 and older, in either role, and waits
    /// until the new handshake is complete (C's `SSL_renegotiate` then
    /// `SSL_do_handshake` until it succeeds, python-nss's `rehandshake`): a
    /// server sends HelloRequest, a client its ClientHello. Returns once
    /// the peer's Finished has been processed; afterwards
    /// [`peer_certificate`](Self::peer_certificate),
    /// [`verify_result`](Self::verify_result) and
    /// [`cipher_name`](Self::cipher_name) describe the new handshake, and
    /// the handshake callback has seen
    /// [`Started`](crate::HandshakeEvent::Started) and
    /// [`Completed`](crate::HandshakeEvent::Completed) with
    /// `renegotiation: true`.
    ///
    /// It works whenever the peer accepts:
    /// [`set_renegotiation`](crate::SslConfigBuilder::set_renegotiation)
    /// governs only what the peer may start. A server asks for the client's
    /// certificate in the new handshake as its verify mode says;
    /// [`request_client_certificate`](Self::request_client_certificate) is
    /// the call that returns it.
    ///
    /// Application data the peer sends meanwhile is kept, in order, for
    /// the next reads, as [`request_client_certificate`](Self::request_client_certificate)
    /// keeps it (up to [`set_post_handshake_buffer_limit`](crate::SslConfigBuilder::set_post_handshake_buffer_limit),
    /// 1 MiB by default). `timeout` bounds the whole call (`None`, or a
    /// duration too large to add to the clock, waits without limit), in
    /// non-blocking mode too; after [`Error::Timeout`] or
    /// [`Error::PostHandshakeBufferFull`] the renegotiation stays under way
    /// and the next reads complete it.
    ///
    /// # Errors
    ///
    /// [`Error::NotTls12`] at once on TLS 1.3, which has no renegotiation
    /// (nothing is sent and the connection goes on: [`key_update`](Self::key_update)
    /// changes keys, [`request_client_certificate`](Self::request_client_certificate)
    /// asks for a client certificate); [`Error::RenegotiationRefused`] when
    /// the peer refuses (an OpenSSL server refuses its clients'
    /// renegotiations unless allowed; OpenSSL then ends the connection);
    /// [`Error::Timeout`]; [`Error::Unavailable`] when the peer does not
    /// support secure renegotiation (RFC 5746); [`Error::InvalidState`]
    /// while a handshake is under way; [`Error::PostHandshakeBufferFull`];
    /// the handshake errors ([`Error::VerifyFailed`], [`Error::AlertReceived`],
    /// [`Error::CallbackPanicked`], …).
    #[doc(alias(
        "SSL_renegotiate",
        "rehandshake",
        "rehandshake_timeout",
        "SSL_do_handshake"
    ))]
    pub fn renegotiate(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        self.handshake()?;
        let engine = &mut self.engine;
        crate::conn::renegotiation::begin(engine)?;
        let mut exchange = crate::conn::renegotiation::exchange();
        let r = crate::conn::post_handshake::without_delay(engine, |e| {
            e.drive(Operation::Renegotiation, timeout, Waits::Poll, |e| {
                exchange.step(e)
            })
        });
        crate::conn::renegotiation::finish(engine, r)
    }
}
