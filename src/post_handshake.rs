//! Asking a client for its certificate after the handshake: TLS 1.3
//! post-handshake authentication, TLS 1.2 renegotiation.

use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use libc::c_int;
use openssl::ssl::{ErrorCode, SslOptions};
use openssl::x509::X509;

use crate::error::{Error, Operation, PostHandshakeError};
use crate::ffi;
use crate::socket::SslSocket;
use crate::verify::{Role, VerifyMode};

const SSL_R_EXTENSION_NOT_RECEIVED: c_int = 279;
const SSL_R_INVALID_CONFIG: c_int = 283;
const SSL_R_NOT_SERVER: c_int = 284;
const SSL_R_REQUEST_PENDING: c_int = 285;
const SSL_R_REQUEST_SENT: c_int = 286;
const SSL_R_WRONG_SSL_VERSION: c_int = 266;
const SSL_R_STILL_IN_INIT: c_int = 121;

impl SslSocket {
    /// Queues a TLS 1.3 CertificateRequest (`SSL_verify_client_post_handshake`,
    /// Python's `SSLSocket.verify_client_post_handshake`). The request goes
    /// out with the next I/O on this socket and the client's certificate is
    /// processed by a later read; [`request_client_certificate`](Self::request_client_certificate)
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
    pub fn verify_client_post_handshake(&mut self) -> Result<(), Error> {
        self.check_can_request(false)?;
        let version = self.version();
        if version != "TLSv1.3" {
            return Err(PostHandshakeError::NotTls13 { version }.into());
        }
        let mode = self.get_verify_mode();
        if let Err(stack) = ffi::verify_client_post_handshake(self.ssl_mut()) {
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
                _ => PostHandshakeError::Refused(stack.to_string()),
            }
            .into());
        }
        self.cert_requests += 1;
        self.clear_verify_failure();
        Ok(())
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
    pub fn request_client_certificate(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<X509>, Error> {
        self.check_can_request(true)?;
        match self.version() {
            "TLSv1.3" => self.verify_client_post_handshake()?,
            "TLSv1.2" | "TLSv1.1" | "TLSv1" => {
                if !ffi::secure_renegotiation_support(self.ssl()) {
                    return Err(PostHandshakeError::InsecureRenegotiation.into());
                }
                // The server refuses peers' renegotiations
                // (SSL_OP_NO_RENEGOTIATION), which SSL_renegotiate checks
                // too; once scheduled, OpenSSL lets the answer to its own
                // HelloRequest through.
                ffi::set_ssl_options(self.ssl_mut(), SslOptions::NO_RENEGOTIATION, false);
                let scheduled = ffi::renegotiate(self.ssl_mut());
                ffi::set_ssl_options(self.ssl_mut(), SslOptions::NO_RENEGOTIATION, true);
                scheduled.map_err(|e| PostHandshakeError::Refused(e.to_string()))?;
                crate::callbacks::expect_own_renegotiation(self.ssl());
                self.cert_requests += 1;
                self.clear_verify_failure();
            }
            version => return Err(PostHandshakeError::NotTls13 { version }.into()),
        }
        ffi::watch_handshake(self.ssl_mut());
        let r = self.exchange(timeout);
        ffi::unwatch_handshake(self.ssl_mut());
        r?;
        let certificate = self.peer_certificate();
        crate::callbacks::emit(
            self.ssl(),
            crate::HandshakeEvent::PostHandshakeAuth {
                certificate: certificate.is_some(),
            },
        );
        // A hook that panicked during the exchange (or on the event just
        // emitted) is this call's error.
        if self.panicked() {
            return Err(self.panic_error());
        }
        Ok(certificate)
    }

    fn check_can_request(&self, honour_client_once: bool) -> Result<(), PostHandshakeError> {
        if self.role() != Role::Server {
            return Err(PostHandshakeError::NotServer);
        }
        let mode = self.get_verify_mode();
        if !mode.contains(VerifyMode::PEER) {
            return Err(PostHandshakeError::ModeWithoutPeer { mode });
        }
        if honour_client_once && mode.contains(VerifyMode::CLIENT_ONCE) && self.cert_requests > 0 {
            return Err(PostHandshakeError::AlreadyRequested);
        }
        Ok(())
    }

    /// Sends the queued request and reads until the client's Finished has
    /// been processed, keeping any application data for later reads.
    fn exchange(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        // A limit too large to add to the clock is no limit.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let limit = self.buffer_limit;
        let fd = self.get_ref().as_raw_fd();
        let timed_out = || Error::Timeout {
            operation: Operation::PostHandshakeAuth,
            after: timeout,
        };
        let io_err = |source| Error::Io {
            during: Operation::PostHandshakeAuth,
            source,
        };
        self.get_ref().set_nonblocking(true).map_err(io_err)?;
        // OpenSSL writes the request and, after the answer, new session
        // tickets as separate small records; with Nagle on, the second waits
        // for the client's delayed ACK (40 ms per request). Send at once for
        // the duration of the exchange.
        let nagle = !self.get_ref().nodelay().unwrap_or(true);
        if nagle {
            let _ = self.get_ref().set_nodelay(true);
        }
        let result = (|| {
            let mut want_write = true;
            loop {
                // Drive the handshake (sends CertificateRequest / HelloRequest,
                // and the server's last flight on TLS 1.2), then read.
                let step = if !self.ssl().is_init_finished() || want_write {
                    want_write = false;
                    self.stream_mut().do_handshake().map(|_| 0)
                } else {
                    // Application data the client sends meanwhile is kept,
                    // up to the configured limit; past it the request fails
                    // and the rest stays unread in the connection.
                    let room = limit.saturating_sub(self.buffered.len() - self.buffered_pos);
                    if room == 0 {
                        return Err(Error::PostHandshakeBufferFull { limit });
                    }
                    let mut chunk = [0u8; 16 * 1024];
                    let take = room.min(chunk.len());
                    let r = self.stream_mut().ssl_read(&mut chunk[..take]);
                    if let Ok(n) = r {
                        self.buffered.extend_from_slice(&chunk[..n]);
                    }
                    r
                };
                let finished_seen = ffi::handshake_seen(self.ssl());
                match step {
                    Ok(_) => {}
                    Err(e) if e.code() == ErrorCode::ZERO_RETURN => {
                        return Err(Error::UnexpectedEof)
                    }
                    Err(e)
                        if e.code() == ErrorCode::WANT_READ
                            || e.code() == ErrorCode::WANT_WRITE =>
                    {
                        if finished_seen && self.ssl().is_init_finished() {
                            return Ok(());
                        }
                        let remaining = match deadline {
                            Some(d) => match d.checked_duration_since(Instant::now()) {
                                Some(r) => Some(r),
                                None => return Err(timed_out()),
                            },
                            None => None,
                        };
                        let write = e.code() == ErrorCode::WANT_WRITE;
                        if !ffi::wait_fd(fd, write, remaining).map_err(io_err)? {
                            return Err(timed_out());
                        }
                        continue;
                    }
                    Err(e) => return Err(self.error(e, Operation::PostHandshakeAuth)),
                }
                if finished_seen && self.ssl().is_init_finished() {
                    return Ok(());
                }
            }
        })();
        if nagle {
            let _ = self.get_ref().set_nodelay(false);
        }
        let restore = self.get_ref().set_nonblocking(false).map_err(io_err);
        result.and(restore)
    }
}
