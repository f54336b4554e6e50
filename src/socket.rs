//! `SslSocket`: a TLS connection over a `TcpStream`, in either role.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use openssl::ssl::{ErrorCode, ShutdownResult, ShutdownState, Ssl, SslRef, SslStream};
use openssl::x509::X509;

use crate::callbacks;
use crate::config::{SslConfig, Timeouts, TlsVersion};
use crate::error::{classify, Error, Operation};
use crate::names::name_to_string;
use crate::verify::{Role, VerifyMode};
use crate::verify_result::{PeerVerification, VerifyFailure, VerifyResult};

/// A TLS connection over TCP, in either role, with OpenSSL's verification
/// semantics and the inspection calls C, Qore and Python code expect.
///
/// Make one with [`SslSocket::connect`] (client), an
/// [`SslListener`](crate::SslListener) (server), or by upgrading a connected
/// `TcpStream` with [`upgrade_client`](Self::upgrade_client) /
/// [`upgrade_server`](Self::upgrade_server). It implements [`Read`] and
/// [`Write`]; [`recv`](Self::recv) and [`send`](Self::send) do the same with
/// this crate's [`Error`].
pub struct SslSocket {
    stream: SslStream<TcpStream>,
    role: Role,
    timeouts: Timeouts,
    /// Application data read while waiting for a post-handshake answer,
    /// handed out by the next reads before anything else.
    pub(crate) buffered: Vec<u8>,
    pub(crate) buffered_pos: usize,
    /// CertificateRequests this server has sent on the connection.
    pub(crate) cert_requests: u32,
    /// The most `buffered` may hold during a post-handshake request.
    pub(crate) buffer_limit: usize,
}

impl SslSocket {
    /// Connects to `addr` (`"host:port"`, `"127.0.0.1:443"`, `"[::1]:443"`)
    /// and performs the handshake as a client.
    ///
    /// The host part is sent as SNI and checked against the server's
    /// certificate (an IP address against its IP SANs), unless the
    /// configuration sets another name or turns the check off.
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] or [`Error::Timeout`] for the TCP connection; for the
    /// handshake, [`Error::VerifyFailed`] (with the verify result, depth and
    /// subject), [`Error::AlertReceived`], [`Error::Timeout`] and the others.
    pub fn connect(config: &SslConfig, addr: &str) -> Result<SslSocket, Error> {
        SslSocket::connect_with_peer_id(config, addr, addr)
    }

    /// As [`connect`](Self::connect), saving and resuming the session under
    /// `peer_id` instead of `addr` (python-nss's `set_sock_peer_id`):
    /// connections with the same id share a session.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub fn connect_with_peer_id(
        config: &SslConfig,
        addr: &str,
        peer_id: &str,
    ) -> Result<SslSocket, Error> {
        let tcp = tcp_connect(addr, config.timeouts().connect)?;
        handshake(
            config,
            tcp,
            Role::Client,
            Some(host_of(addr)),
            Some(peer_id),
            true,
        )
    }

    /// Performs a client handshake over an already-connected `TcpStream`
    /// (Qore's `Socket::upgradeClientToSSL`). `server_name` is sent as SNI
    /// and checked, unless the configuration names another.
    ///
    /// # Errors
    ///
    /// [`Error::ServerNameRequired`], before anything is sent, when the
    /// configuration checks host names (the default) and neither it nor
    /// `server_name` gives one; otherwise as [`connect`](Self::connect),
    /// less the TCP part.
    pub fn upgrade_client(
        config: &SslConfig,
        tcp: TcpStream,
        server_name: Option<&str>,
    ) -> Result<SslSocket, Error> {
        handshake(config, tcp, Role::Client, server_name, None, false)
    }

    /// Performs a server handshake over an accepted `TcpStream` (Qore's
    /// `Socket::upgradeServerToSSL`).
    ///
    /// # Errors
    ///
    /// [`Error::VerifyFailed`] when a client certificate fails verification,
    /// [`Error::PeerCertificateRequired`], [`Error::NotTls`],
    /// [`Error::HandshakeEof`], [`Error::Timeout`] and the others.
    pub fn upgrade_server(config: &SslConfig, tcp: TcpStream) -> Result<SslSocket, Error> {
        handshake(config, tcp, Role::Server, None, None, false)
    }

    /// Performs the handshake in the role given over a connected stream
    /// (python-nss's `import_tcp_socket` + `reset_handshake(as_server)`).
    /// `server_name` is used by a client only.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] when `role` is not the configuration's,
    /// [`Error::ServerNameRequired`] as for [`upgrade_client`](Self::upgrade_client),
    /// and the handshake errors.
    pub fn upgrade(
        config: &SslConfig,
        role: Role,
        tcp: TcpStream,
        server_name: Option<&str>,
    ) -> Result<SslSocket, Error> {
        handshake(config, tcp, role, server_name, None, false)
    }

    /// As [`upgrade`](Self::upgrade), over a connected TCP socket's file
    /// descriptor obtained elsewhere (a C library, systemd, a parent process).
    ///
    /// # Errors
    ///
    /// As [`upgrade`](Self::upgrade).
    pub fn from_fd(
        config: &SslConfig,
        role: Role,
        fd: std::os::fd::OwnedFd,
        server_name: Option<&str>,
    ) -> Result<SslSocket, Error> {
        SslSocket::upgrade(config, role, TcpStream::from(fd), server_name)
    }

    /// Ends TLS cleanly and hands back the plain TCP connection (Python's
    /// `SSLSocket.unwrap`): sends close_notify, reads until the peer's
    /// close_notify (application data still in flight is discarded), and
    /// returns the `TcpStream`, which carries whatever the peer sends next in
    /// the clear.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEof`] if the peer closes TCP without close_notify,
    /// [`Error::Timeout`] past the read timeout, and the I/O errors.
    pub fn unwrap(mut self) -> Result<TcpStream, Error> {
        let tcp = self.get_ref().try_clone().map_err(|source| Error::Io {
            during: Operation::Shutdown,
            source,
        })?;
        if !self.stream.get_shutdown().contains(ShutdownState::SENT) {
            self.shutdown()?;
        }
        let mut sink = [0u8; 4096];
        while !self.stream.get_shutdown().contains(ShutdownState::RECEIVED) {
            self.buffered.clear();
            self.buffered_pos = 0;
            if self.recv(&mut sink)? == 0 {
                break;
            }
        }
        drop(self);
        Ok(tcp)
    }

    /// Same as [`upgrade_server`](Self::upgrade_server).
    pub fn accept(config: &SslConfig, tcp: TcpStream) -> Result<SslSocket, Error> {
        handshake(config, tcp, Role::Server, None, None, false)
    }

    /// Reads application data: `Ok(0)` once the peer has sent close_notify.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEof`] when the peer closed TCP without
    /// close_notify, [`Error::AlertReceived`] when it aborted (in TLS 1.3 a
    /// server's rejection of this client's certificate arrives here, not in
    /// `connect`), [`Error::Timeout`] past the read timeout.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if self.buffered_pos < self.buffered.len() {
            let n = buf.len().min(self.buffered.len() - self.buffered_pos);
            buf[..n].copy_from_slice(&self.buffered[self.buffered_pos..self.buffered_pos + n]);
            self.buffered_pos += n;
            if self.buffered_pos == self.buffered.len() {
                self.buffered = Vec::new();
                self.buffered_pos = 0;
            }
            return Ok(n);
        }
        let before = crate::ffi::bytes_read(self.ssl());
        loop {
            match self.stream.ssl_read(buf) {
                Ok(n) => {
                    // A hook that panicked while this read processed a
                    // handshake message is this call's error; the data read
                    // stays for the next call.
                    if let Some(panicked) = take_panic(self.ssl()) {
                        self.buffered = buf[..n].to_vec();
                        self.buffered_pos = 0;
                        return Err(panicked);
                    }
                    // A read that also processed post-handshake messages
                    // (TLS 1.3 session tickets) leaves a 16 KiB write buffer
                    // that SSL_MODE_RELEASE_BUFFERS never frees: give it back.
                    let consumed = crate::ffi::bytes_read(self.ssl()).wrapping_sub(before);
                    if consumed > n as u64 + 128 {
                        crate::ffi::release_idle_buffers(self.ssl_mut());
                    }
                    return Ok(n);
                }
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => return Ok(0),
                Err(e) if e.code() == ErrorCode::WANT_READ && e.io_error().is_none() => {}
                Err(e) => return Err(self.error(e, Operation::Read)),
            }
        }
    }

    /// Writes application data, returning how much was written.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] past the write timeout, [`Error::AlertReceived`],
    /// [`Error::Io`].
    pub fn send(&mut self, buf: &[u8]) -> Result<usize, Error> {
        loop {
            match self.stream.ssl_write(buf) {
                // A hook that panicked during this write (a handshake step it
                // drove) is this call's error, although the bytes went out.
                Ok(_) if self.panicked() => return Err(self.panic_error()),
                Ok(n) => return Ok(n),
                Err(e) if e.code() == ErrorCode::WANT_WRITE && e.io_error().is_none() => {}
                Err(e) if e.code() == ErrorCode::WANT_READ && e.io_error().is_none() => {}
                Err(e) => return Err(self.error(e, Operation::Write)),
            }
        }
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn send_all(&mut self, mut buf: &[u8]) -> Result<(), Error> {
        while !buf.is_empty() {
            let n = self.send(buf)?;
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Sends close_notify (`SSL_shutdown`). Reading afterwards still returns
    /// what the peer sends until its own close_notify.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the peer has already gone.
    pub fn shutdown(&mut self) -> Result<(), Error> {
        // OpenSSL refuses SSL_shutdown in the middle of a handshake (a peer's
        // renegotiation that a read started): finish it first.
        if !self.ssl().is_init_finished() {
            if let Err(e) = self.stream.do_handshake() {
                return Err(self.error(e, Operation::Shutdown));
            }
        }
        match self.stream.shutdown() {
            Ok(_) if self.panicked() => Err(self.panic_error()),
            Ok(ShutdownResult::Sent) | Ok(ShutdownResult::Received) => Ok(()),
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => Ok(()),
            Err(e) => Err(self.error(e, Operation::Shutdown)),
        }
    }

    /// Sends close_notify if not yet sent, then closes the TCP connection.
    ///
    /// # Errors
    ///
    /// As [`shutdown`](Self::shutdown); the TCP connection is closed either way.
    pub fn close(mut self) -> Result<(), Error> {
        let r = if self.stream.get_shutdown().contains(ShutdownState::SENT) {
            Ok(())
        } else {
            self.shutdown()
        };
        let _ = self.stream.get_ref().shutdown(Shutdown::Both);
        r
    }

    /// Whether the peer's close_notify has been received: a read that
    /// returned `Ok(0)` was a clean close.
    pub fn received_close_notify(&mut self) -> bool {
        self.stream.get_shutdown().contains(ShutdownState::RECEIVED)
    }

    /// Sets the verify mode of this connection (`SSL_set_verify`), for a later
    /// renegotiation or post-handshake request. The verify callback set on
    /// the configuration is kept, as OpenSSL keeps it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifyMode`] for bits other than the five flags.
    pub fn set_verify_mode<M>(&mut self, mode: M) -> Result<(), Error>
    where
        M: TryInto<VerifyMode>,
        Error: From<M::Error>,
    {
        let mode: VerifyMode = mode.try_into()?;
        self.ssl_mut().set_verify(mode.to_openssl());
        Ok(())
    }

    /// This connection's verify mode, read from OpenSSL (`SSL_get_verify_mode`).
    pub fn get_verify_mode(&self) -> VerifyMode {
        VerifyMode::from_openssl(self.ssl().verify_mode().bits())
    }

    /// The verification result (`SSL_get_verify_result`), on both sides and
    /// in every mode: with `NONE` it says what verification found while the
    /// connection stays up. `X509_V_OK` also when the peer sent no
    /// certificate: see [`peer_verification`](Self::peer_verification).
    pub fn verify_result(&self) -> VerifyResult {
        VerifyResult::from_code(self.ssl().verify_result().as_raw())
    }

    /// The verify result's symbolic name, e.g. `X509_V_OK` or
    /// `X509_V_ERR_CERT_HAS_EXPIRED`. Qore: `Socket::verifyPeerCertificate()`.
    pub fn verify_result_name(&self) -> &'static str {
        self.verify_result().name()
    }

    /// "No certificate", "verified" and "failed with code N", told apart.
    pub fn peer_verification(&self) -> PeerVerification {
        if self.ssl().peer_certificate().is_none() {
            PeerVerification::NoCertificate
        } else {
            let r = self.verify_result();
            if r.is_ok() {
                PeerVerification::Verified
            } else {
                PeerVerification::Failed(r)
            }
        }
    }

    /// Where verification first failed (result, depth, subject), if it did.
    ///
    /// A resumed session verifies nothing and carries the result of the
    /// session it resumed: its failure is reported with
    /// [`resumed`](VerifyFailure::resumed) set, with the depth and subject
    /// when the session kept them (a client's sessions do) and
    /// [`location_known`](VerifyFailure::location_known) false otherwise.
    pub fn verify_failure(&self) -> Option<VerifyFailure> {
        if let Some(failure) = take_failure(self.ssl(), false) {
            return Some(failure);
        }
        let result = self.verify_result();
        if result.is_ok() || !self.session_reused() {
            return None;
        }
        let kept = callbacks::with_record(self.ssl(), |r| r.offered_failure.clone()).flatten();
        Some(match kept {
            Some(f) => VerifyFailure { resumed: true, ..f },
            None => VerifyFailure {
                resumed: true,
                location_known: false,
                subject: String::new(),
                ..VerifyFailure::new(result, 0, String::new())
            },
        })
    }

    /// The peer's certificate (`SSL_get1_peer_certificate`), if it sent one.
    pub fn peer_certificate(&self) -> Option<X509> {
        self.ssl().peer_certificate()
    }

    /// The peer's certificate subject in one line, e.g. `CN=localhost`.
    pub fn peer_subject(&self) -> Option<String> {
        self.ssl()
            .peer_certificate()
            .map(|c| name_to_string(c.subject_name()))
    }

    /// The chain the peer sent (`SSL_get_peer_cert_chain`). As in OpenSSL, a
    /// client's list starts with the server's certificate, while a server's
    /// list leaves the client's own certificate out.
    pub fn peer_cert_chain(&self) -> Vec<X509> {
        self.ssl()
            .peer_cert_chain()
            .map(|s| s.iter().map(|c| c.to_owned()).collect())
            .unwrap_or_default()
    }

    /// The verified chain from the peer's certificate to the trust anchor
    /// (`SSL_get0_verified_chain`); empty unless `verify_result()` is
    /// `X509_V_OK`. (OpenSSL also keeps the partial chain it built for a
    /// failed verification; a caller in `NONE` mode must not take that for
    /// a verified one.)
    pub fn verified_chain(&self) -> Vec<X509> {
        if !self.verify_result().is_ok() {
            return Vec::new();
        }
        self.ssl()
            .verified_chain()
            .map(|s| s.iter().map(|c| c.to_owned()).collect())
            .unwrap_or_default()
    }

    /// The negotiated protocol version as OpenSSL names it (`SSL_get_version`),
    /// e.g. `TLSv1.3`. This is not the cipher's version string.
    pub fn version(&self) -> &'static str {
        self.ssl().version_str()
    }

    /// The negotiated protocol version.
    pub fn tls_version(&self) -> Option<TlsVersion> {
        self.version().parse().ok()
    }

    /// The cipher's OpenSSL name, e.g. `TLS_AES_256_GCM_SHA384`.
    /// Qore: `Socket::getSSLCipherName()`; C: `SSL_CIPHER_get_name`.
    pub fn cipher_name(&self) -> Option<&'static str> {
        self.ssl().current_cipher().map(|c| c.name())
    }

    /// The cipher's own version string (`SSL_CIPHER_get_version`), e.g.
    /// `TLSv1.2`, or `TLSv1.0` for `ECDHE-ECDSA-AES128-SHA` even on a TLS 1.2
    /// connection (OpenSSL 1.x said `TLSv1/SSLv3`): the protocol that
    /// introduced the cipher, not the negotiated one (see [`version`](Self::version)).
    /// Qore: `Socket::getSSLCipherVersion()`.
    pub fn cipher_version(&self) -> Option<&'static str> {
        self.ssl().current_cipher().map(|c| c.version())
    }

    /// The cipher's secret (symmetric key) bits, e.g. 256
    /// (`SSL_CIPHER_get_bits`).
    pub fn cipher_bits(&self) -> Option<i32> {
        self.ssl().current_cipher().map(|c| c.bits().secret)
    }

    /// Bytes decrypted and ready to read without touching the socket (`SSL_pending`).
    pub fn pending(&self) -> usize {
        self.ssl().pending() + (self.buffered.len() - self.buffered_pos)
    }

    /// True once the TLS handshake is complete, which it always is for an
    /// `SslSocket`. Qore: `Socket::isSecure()`.
    pub fn is_secure(&self) -> bool {
        self.ssl().is_init_finished()
    }

    /// The host name the client asked for (SNI): on a server, what the
    /// client requested; on a client, what it sent.
    pub fn servername(&self) -> Option<&str> {
        self.ssl().servername(openssl::ssl::NameType::HOST_NAME)
    }

    /// The application protocol agreed by ALPN, e.g. `h2`.
    pub fn alpn_protocol(&self) -> Option<String> {
        self.ssl()
            .selected_alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// A summary of the connection's security, like python-nss's
    /// `get_security_status`.
    pub fn security_status(&self) -> SecurityStatus {
        let cipher = self.ssl().current_cipher();
        let peer = self.ssl().peer_certificate();
        SecurityStatus {
            on: self.is_secure(),
            version: self.version(),
            cipher: cipher.map(|c| c.name()),
            key_size: cipher.map_or(0, |c| c.bits().algorithm),
            secret_key_size: cipher.map_or(0, |c| c.bits().secret),
            issuer: peer.as_ref().map(|c| name_to_string(c.issuer_name())),
            subject: peer.as_ref().map(|c| name_to_string(c.subject_name())),
        }
    }

    /// Whether the handshake resumed an earlier session
    /// (`SSL_session_reused`). A resumed session keeps the peer certificate
    /// and verify result of the session it resumed; nothing is verified again.
    pub fn session_reused(&self) -> bool {
        self.ssl().session_reused()
    }

    /// Whether this end is the client or the server.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The TCP stream underneath.
    pub fn get_ref(&self) -> &TcpStream {
        self.stream.get_ref()
    }

    /// The TCP stream underneath, mutably. Reading or writing it directly
    /// corrupts the TLS stream.
    pub fn get_mut(&mut self) -> &mut TcpStream {
        self.stream.get_mut()
    }

    /// The OpenSSL connection, for anything this crate does not wrap.
    pub fn ssl(&self) -> &SslRef {
        self.stream.ssl()
    }

    pub(crate) fn ssl_mut(&mut self) -> &mut SslRef {
        crate::ffi::ssl_mut(&mut self.stream)
    }

    pub(crate) fn stream_mut(&mut self) -> &mut SslStream<TcpStream> {
        &mut self.stream
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().peer_addr()
    }

    /// Sets the time limit for each read; `None` waits forever.
    ///
    /// # Errors
    ///
    /// The socket's I/O error (a zero duration is refused).
    pub fn set_read_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.get_ref().set_read_timeout(t)?;
        self.timeouts.read = t;
        Ok(())
    }

    /// Sets the time limit for each write; `None` waits forever.
    ///
    /// # Errors
    ///
    /// The socket's I/O error (a zero duration is refused).
    pub fn set_write_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.get_ref().set_write_timeout(t)?;
        self.timeouts.write = t;
        Ok(())
    }

    /// Turns Nagle's algorithm off (`TCP_NODELAY`) or on.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.get_ref().set_nodelay(nodelay)
    }

    pub(crate) fn error(&self, e: openssl::ssl::Error, during: Operation) -> Error {
        if let Some(panicked) = take_panic(self.ssl()) {
            return panicked;
        }
        let timeout = match during {
            Operation::Write => self.timeouts.write,
            _ => self.timeouts.read,
        };
        classify(
            e,
            during,
            timeout,
            self.ssl(),
            take_failure(self.ssl(), false),
            alert_sent(self.ssl()),
        )
    }

    /// Whether a hook has panicked on this connection and not been reported yet.
    pub(crate) fn panicked(&self) -> bool {
        callbacks::with_record(self.ssl(), |r| r.panic.is_some()).unwrap_or(false)
    }

    /// The unreported panic of a hook as this call's error (see [`panicked`](Self::panicked)).
    pub(crate) fn panic_error(&self) -> Error {
        take_panic(self.ssl()).unwrap_or(Error::CallbackPanicked {
            callback: "unknown",
            message: String::new(),
        })
    }

    pub(crate) fn clear_verify_failure(&self) {
        take_failure(self.ssl(), true);
    }
}

/// Where verification failed on this connection, with the alert sent for it.
fn take_failure(ssl: &SslRef, clear: bool) -> Option<VerifyFailure> {
    callbacks::with_record(ssl, |r| {
        let failure = if clear {
            r.failure.take()
        } else {
            r.failure.clone()
        };
        failure.map(|f| VerifyFailure {
            alert_sent: r.alert_sent.map(crate::Alert::from_code),
            ..f
        })
    })
    .flatten()
}

/// The fatal alert this end sent on the connection, if any.
fn alert_sent(ssl: &SslRef) -> Option<u8> {
    callbacks::with_record(ssl, |r| r.alert_sent).flatten()
}

/// A hook that panicked on this connection, as an error.
pub(crate) fn take_panic(ssl: &SslRef) -> Option<Error> {
    callbacks::with_record(ssl, |r| r.panic.take())
        .flatten()
        .map(|(callback, message)| Error::CallbackPanicked { callback, message })
}

impl Drop for SslSocket {
    /// A connection dropped without close_notify would make OpenSSL mark its
    /// session unresumable (`SSL_free` on a connection not shut down); a
    /// connection that failed fatally was already removed by OpenSSL, so
    /// marking the rest as shut down only keeps good sessions resumable.
    fn drop(&mut self) {
        if self.ssl().is_init_finished() {
            let state = self.stream.get_shutdown();
            self.stream.set_shutdown(state | ShutdownState::SENT);
        }
    }
}

impl Read for SslSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf).map_err(io::Error::from)
    }
}

impl Write for SslSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(buf).map_err(io::Error::from)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.get_mut().flush()
    }
}

impl fmt::Debug for SslSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslSocket")
            .field("role", &self.role)
            .field("peer_addr", &self.peer_addr().ok())
            .field("version", &self.version())
            .field("cipher", &self.cipher_name())
            .field("verify_mode", &self.get_verify_mode())
            .field("verify_result", &self.verify_result())
            .finish()
    }
}

/// A summary of a connection's security (python-nss's `get_security_status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityStatus {
    /// Whether TLS is established.
    pub on: bool,
    /// The negotiated protocol version, e.g. `TLSv1.3`.
    pub version: &'static str,
    /// The cipher's OpenSSL name.
    pub cipher: Option<&'static str>,
    /// The cipher algorithm's key size in bits.
    pub key_size: i32,
    /// The secret (effective) key size in bits.
    pub secret_key_size: i32,
    /// The peer certificate's issuer, one line.
    pub issuer: Option<String>,
    /// The peer certificate's subject, one line.
    pub subject: Option<String>,
}

/// The host part of `host:port`, `[v6]:port` or a bare host.
fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            return &rest[..end];
        }
    }
    match addr.rsplit_once(':') {
        Some((host, _)) if !host.contains(':') => host,
        _ => addr,
    }
}

fn tcp_connect(addr: &str, timeout: Option<Duration>) -> Result<TcpStream, Error> {
    let connect_err = |source| Error::Connect {
        addr: addr.to_owned(),
        source,
    };
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(connect_err)?.collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address");
    for a in addrs {
        let r = match timeout {
            Some(t) => TcpStream::connect_timeout(&a, t),
            None => TcpStream::connect(a),
        };
        match r {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    if matches!(
        last.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    ) {
        return Err(Error::Timeout {
            operation: Operation::Connect,
            after: timeout,
        });
    }
    Err(connect_err(last))
}

fn handshake(
    config: &SslConfig,
    tcp: TcpStream,
    role: Role,
    server_name: Option<&str>,
    peer_id: Option<&str>,
    fresh: bool,
) -> Result<SslSocket, Error> {
    let inner = config.inner();
    if inner.role != role {
        return Err(Error::WrongRole(match role {
            Role::Client => "a client handshake needs a configuration made by SslConfig::client()",
            Role::Server => "a server handshake needs a configuration made by SslConfig::server()",
        }));
    }
    let setup = |e| Error::Tls {
        during: Operation::Handshake,
        source: e,
    };
    let mut ssl = Ssl::new(&inner.ctx).map_err(setup)?;
    callbacks::attach_record(&mut ssl);
    if role == Role::Client {
        let name = inner
            .server_name
            .as_deref()
            .or(server_name)
            .map(|n| n.trim_end_matches('.'));
        // Nothing to check the certificate against: refuse before a byte
        // is sent, rather than accept a certificate for any host.
        if inner.check_hostname && name.is_none_or(str::is_empty) {
            return Err(Error::ServerNameRequired);
        }
        if let Some(name) = name {
            match name.parse::<IpAddr>() {
                Ok(ip) if inner.check_hostname => ssl.param_mut().set_ip(ip).map_err(setup)?,
                Ok(_) => {}
                Err(_) => {
                    ssl.set_hostname(name).map_err(setup)?;
                    if inner.check_hostname {
                        ssl.param_mut().set_host(name).map_err(setup)?;
                    }
                }
            }
        }
        if inner.post_handshake_auth {
            crate::ffi::set_post_handshake_auth(&mut ssl, true);
        }
        if let Some(cache) = &inner.sessions {
            // getpeername(2) only when there is no peer id to use.
            let peer = match peer_id {
                Some(id) => id.to_owned(),
                None => match tcp.peer_addr() {
                    Ok(a) => a.to_string(),
                    Err(_) => String::new(),
                },
            };
            // The name checked belongs in the id: a session is offered again
            // only to a connection that checks the same name (or, with the
            // check off, to one that checks none).
            let checked = if inner.check_hostname { name } else { None };
            cache.prepare(&mut ssl, session_id(&peer, checked));
        }
    }
    let timeouts = inner.timeouts;
    let io_err = |source| Error::Io {
        during: Operation::Handshake,
        source,
    };
    // A socket this crate just opened has no timeouts: skip the setsockopt
    // calls that would only set "none" again.
    let skip_handshake = fresh && timeouts.handshake.is_none();
    if !skip_handshake {
        tcp.set_read_timeout(timeouts.handshake).map_err(io_err)?;
        tcp.set_write_timeout(timeouts.handshake).map_err(io_err)?;
    }
    let mut stream = SslStream::new(ssl, tcp).map_err(setup)?;
    let r = match role {
        Role::Client => stream.connect(),
        Role::Server => stream.accept(),
    };
    if let Some(panicked) = take_panic(stream.ssl()) {
        return Err(panicked);
    }
    if let Err(e) = r {
        let failure = take_failure(stream.ssl(), false);
        return Err(classify(
            e,
            Operation::Handshake,
            timeouts.handshake,
            stream.ssl(),
            failure,
            alert_sent(stream.ssl()),
        ));
    }
    if !(skip_handshake && timeouts.read.is_none()) {
        stream
            .get_ref()
            .set_read_timeout(timeouts.read)
            .map_err(io_err)?;
    }
    if !(skip_handshake && timeouts.write.is_none()) {
        stream
            .get_ref()
            .set_write_timeout(timeouts.write)
            .map_err(io_err)?;
    }
    let cert_requests = u32::from(role == Role::Server && certificate_requested(stream.ssl()));
    Ok(SslSocket {
        stream,
        role,
        timeouts,
        buffered: Vec::new(),
        buffered_pos: 0,
        cert_requests,
        buffer_limit: inner.post_handshake_buffer_limit,
    })
}

/// The key a client session is saved under: the peer and the host name its
/// certificate was checked against (none when the check is off).
fn session_id(peer: &str, checked_name: Option<&str>) -> String {
    match checked_name {
        Some(name) => format!("{peer} checked {name}"),
        None => format!("{peer} unchecked"),
    }
}

/// Whether a server's handshake included a CertificateRequest, by OpenSSL's
/// rule (`send_certificate_request`): the mode has `PEER`, the handshake was
/// not a resumption, and in TLS 1.3 `POST_HANDSHAKE` defers the request.
fn certificate_requested(ssl: &SslRef) -> bool {
    let mode = VerifyMode::from_openssl(ssl.verify_mode().bits());
    let tls13 = ssl.version_str() == "TLSv1.3";
    mode.contains(VerifyMode::PEER)
        && !ssl.session_reused()
        && !(tls13 && mode.contains(VerifyMode::POST_HANDSHAKE))
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_parts() {
        assert_eq!(host_of("localhost:443"), "localhost");
        assert_eq!(host_of("127.0.0.1:8443"), "127.0.0.1");
        assert_eq!(host_of("[::1]:443"), "::1");
        assert_eq!(host_of("example.com"), "example.com");
        assert_eq!(host_of("::1"), "::1");
    }
}
