//! `SslSocket<S>`: a TLS connection over any stream with a descriptor, in
//! either role, blocking or not; `Read` and `Write` on the I/O engine.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::Duration;

use openssl::ssl::SslRef;
use openssl::x509::X509;

use crate::config::SslConfig;
use crate::engine::Engine;
use crate::error::{Error, Operation};
use crate::exporter::ChannelBinding;
use crate::inspection::{self, SecurityStatus};
use crate::parse::IntoVerifyMode;
use crate::revocation::VerifyFlags;
use crate::saved_session::Session;
use crate::verify::{Role, VerifyMode};
use crate::verify_result::{PeerVerification, VerifyFailure, VerifyResult};

/// A TLS connection, in either role, with OpenSSL's verification semantics
/// and the inspection calls C, Qore and Python code expect, over a
/// `TcpStream` (the default), a `UnixStream` or any stream that reads and
/// writes its own descriptor.
///
/// Make one with [`SslSocket::connect`] (client), an
/// [`SslListener`](crate::SslListener) (server), by upgrading a connected
/// stream with [`upgrade_client`](Self::upgrade_client) /
/// [`upgrade_server`](Self::upgrade_server), or without any I/O with
/// [`new_client`](Self::new_client) / [`new_server`](Self::new_server) and a
/// later [`handshake`](Self::handshake) (or first read or write). It
/// implements [`Read`] and [`Write`]; [`recv`](Self::recv) and
/// [`send`](Self::send) do the same with this crate's [`Error`].
///
/// A timeout bounds a whole operation (the handshake, a read with the
/// writes it needs, a write), not each system call: an operation with a
/// time limit runs on a non-blocking descriptor and polls it against one
/// deadline; one without sleeps in `read(2)`/`write(2)` as a plain socket
/// does. The socket owns the descriptor's blocking flag while it has it
/// ([`shutdown_into_inner`](SslSocket::shutdown_into_inner) gives it back as it came). In
/// [non-blocking mode](Self::set_nonblocking) every call that would wait
/// returns [`Error::WouldBlock`] instead, and the socket goes into
/// `poll`/`epoll` loops through [`AsFd`].
pub struct SslSocket<S = TcpStream> {
    engine: Engine<S>,
}

impl SslSocket<TcpStream> {
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
    #[doc(alias("SSL_connect", "connectSSL", "create_connection"))]
    pub fn connect(config: &SslConfig, addr: &str) -> Result<SslSocket, Error> {
        SslSocket::connect_with_peer_id(config, addr, addr)
    }

    /// As [`connect`](Self::connect), saving and resuming the session under
    /// `peer_id` instead of `addr` (python-nss's `set_sock_peer_id`):
    /// connections with the same id (and the same name checked) share a
    /// session.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    #[doc(alias = "set_sock_peer_id")]
    pub fn connect_with_peer_id(
        config: &SslConfig,
        addr: &str,
        peer_id: &str,
    ) -> Result<SslSocket, Error> {
        let tcp = tcp_connect(addr, config.timeouts().connect)?;
        let ssl = config.new_ssl(Role::Client, Some(host_of(addr)), |_| peer_id.to_owned())?;
        // A stream std just connected is blocking.
        let mut socket = SslSocket {
            engine: Engine::new(config, ssl, tcp, Some(false))?,
        };
        socket.handshake()?;
        Ok(socket)
    }

    /// Performs the handshake in the role given over a connected TCP
    /// socket's file descriptor obtained elsewhere (a C library, systemd, a
    /// parent process; python-nss's `import_tcp_socket` +
    /// `reset_handshake(as_server)`): [`upgrade_client`](Self::upgrade_client)
    /// or [`upgrade_server`](Self::upgrade_server) by `role`. `server_name`
    /// is used by a client only.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] when `role` is not the configuration's, and the
    /// errors of [`upgrade_client`](Self::upgrade_client) or
    /// [`upgrade_server`](Self::upgrade_server).
    #[doc(alias("import_tcp_socket", "SSL_set_fd"))]
    pub fn from_fd(
        config: &SslConfig,
        role: Role,
        fd: OwnedFd,
        server_name: Option<&str>,
    ) -> Result<SslSocket, Error> {
        let tcp = TcpStream::from(fd);
        match role {
            Role::Client => SslSocket::upgrade_client(config, tcp, server_name),
            Role::Server => SslSocket::upgrade_server(config, tcp),
        }
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    #[doc(alias = "getsockname")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    #[doc(alias = "getpeername")]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().peer_addr()
    }

    /// Turns Nagle's algorithm off (`TCP_NODELAY`) or on.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    #[doc(alias = "TCP_NODELAY")]
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.get_ref().set_nodelay(nodelay)
    }
}

impl<S: Read + Write + AsFd> SslSocket<S> {
    /// A client connection over `stream`, ready for its handshake: no byte
    /// is sent until [`handshake`](Self::handshake) or the first read or
    /// write (Python's `do_handshake_on_connect=False`). `server_name` is
    /// sent as SNI and checked, unless the configuration names another; a
    /// verify mode set on the socket before the handshake applies to it.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] for a server configuration, [`Error::Io`] when
    /// the descriptor cannot be made non-blocking, [`Error::Tls`] when
    /// OpenSSL refuses the name.
    #[doc(alias("SSL_new", "SSL_set_connect_state", "do_handshake_on_connect"))]
    pub fn new_client(
        config: &SslConfig,
        stream: S,
        server_name: Option<&str>,
    ) -> Result<SslSocket<S>, Error> {
        let ssl = config.new_ssl(Role::Client, server_name, |name| {
            peer_id_of(stream.as_fd(), name)
        })?;
        Ok(SslSocket {
            engine: Engine::new(config, ssl, stream, None)?,
        })
    }

    /// A server connection over an accepted `stream`, ready for its
    /// handshake, which [`handshake`](Self::handshake) or the first read or
    /// write performs. No byte is read or sent before.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] for a client configuration, [`Error::Io`] when
    /// the descriptor cannot be made non-blocking.
    #[doc(alias("SSL_new", "SSL_set_accept_state"))]
    pub fn new_server(config: &SslConfig, stream: S) -> Result<SslSocket<S>, Error> {
        SslSocket::new_server_with(config, stream, None)
    }

    /// As [`new_server`](Self::new_server), with the descriptor's blocking
    /// mode given when the caller knows it.
    pub(crate) fn new_server_with(
        config: &SslConfig,
        stream: S,
        nonblocking: Option<bool>,
    ) -> Result<SslSocket<S>, Error> {
        let ssl = config.new_ssl(Role::Server, None, |_| String::new())?;
        Ok(SslSocket {
            engine: Engine::new(config, ssl, stream, nonblocking)?,
        })
    }

    /// Performs a client handshake over an already-connected stream
    /// (Qore's `Socket::upgradeClientToSSL`): [`new_client`](Self::new_client)
    /// and [`handshake`](Self::handshake) in one call.
    ///
    /// # Errors
    ///
    /// [`Error::ServerNameRequired`], before anything is sent, when the
    /// configuration checks host names (the default), its mode verifies,
    /// and neither it nor `server_name` gives a name; otherwise as
    /// [`connect`](SslSocket::connect), less the TCP part.
    #[doc(alias("upgradeClientToSSL", "SSL_connect", "wrap_socket"))]
    pub fn upgrade_client(
        config: &SslConfig,
        stream: S,
        server_name: Option<&str>,
    ) -> Result<SslSocket<S>, Error> {
        let mut socket = SslSocket::new_client(config, stream, server_name)?;
        socket.handshake()?;
        Ok(socket)
    }

    /// Performs a server handshake over an accepted stream (Qore's
    /// `Socket::upgradeServerToSSL`): [`new_server`](Self::new_server) and
    /// [`handshake`](Self::handshake) in one call.
    ///
    /// # Errors
    ///
    /// [`Error::VerifyFailed`] when a client certificate fails verification,
    /// [`Error::PeerCertificateRequired`], [`Error::NotTls`],
    /// [`Error::HandshakeEof`], [`Error::Timeout`] and the others.
    #[doc(alias("upgradeServerToSSL", "SSL_accept"))]
    pub fn upgrade_server(config: &SslConfig, stream: S) -> Result<SslSocket<S>, Error> {
        let mut socket = SslSocket::new_server(config, stream)?;
        socket.handshake()?;
        Ok(socket)
    }

    /// Performs the handshake (`SSL_do_handshake`), all of it within the
    /// handshake timeout; nothing to do once it is complete. In non-blocking
    /// mode it returns [`Error::WouldBlock`] when it must wait, and the next
    /// call resumes where this one stopped.
    ///
    /// # Errors
    ///
    /// The handshake errors of [`upgrade_client`](Self::upgrade_client) and
    /// [`upgrade_server`](Self::upgrade_server), [`Error::WouldBlock`].
    #[doc(alias("SSL_do_handshake", "do_handshake", "force_handshake"))]
    pub fn handshake(&mut self) -> Result<(), Error> {
        self.engine.handshake()
    }

    /// Reads application data: `Ok(0)` once the peer has sent close_notify.
    /// The read timeout bounds the whole call, including any writes it has
    /// to make (a KeyUpdate answer, a renegotiation step).
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEof`] when the peer closed TCP without
    /// close_notify, [`Error::AlertReceived`] when it aborted (in TLS 1.3 a
    /// server's rejection of this client's certificate arrives here, not in
    /// `connect`), [`Error::Timeout`] past the read timeout,
    /// [`Error::WouldBlock`] in non-blocking mode.
    #[doc(alias("SSL_read", "SSL_read_ex"))]
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.engine.read(buf)
    }

    /// Writes the start of `buf` (`SSL_write`, up to 64 KiB), returning how
    /// much was taken, within the write timeout. What the descriptor does
    /// not take at once waits inside the socket (at most about 64 KiB
    /// before a write waits) and goes out with the next calls, or
    /// [`flush`](Write::flush), [`shutdown`](Self::shutdown) or drop (which
    /// waits for it at most the write timeout, 10 s without one). In
    /// non-blocking mode [`Error::WouldBlock`] means nothing was taken.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] past the write timeout, [`Error::AlertReceived`],
    /// [`Error::Io`], [`Error::WouldBlock`].
    #[doc(alias("SSL_write", "SSL_write_ex"))]
    pub fn send(&mut self, buf: &[u8]) -> Result<usize, Error> {
        self.engine.write(buf)
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    #[doc(alias("SSL_write", "sendall"))]
    pub fn send_all(&mut self, buf: &[u8]) -> Result<(), Error> {
        crate::engine::send_all(buf, |b| self.send(b))
    }

    /// Sends close_notify (`SSL_shutdown`), once, within the write timeout.
    /// Reading afterwards still returns what the peer sends until its own
    /// close_notify.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the peer has already gone, [`Error::Timeout`],
    /// [`Error::WouldBlock`].
    #[doc(alias = "SSL_shutdown")]
    pub fn shutdown(&mut self) -> Result<(), Error> {
        self.engine.shutdown()
    }

    /// Whether the peer's close_notify has been received: a read that
    /// returned `Ok(0)` was a clean close.
    #[doc(alias("SSL_get_shutdown", "SSL_RECEIVED_SHUTDOWN"))]
    pub fn received_close_notify(&mut self) -> bool {
        self.engine.received_close_notify()
    }

    /// Sends close_notify if not yet sent, then closes the connection.
    ///
    /// # Errors
    ///
    /// As [`shutdown`](Self::shutdown); the connection is closed either way.
    #[doc(alias("SSL_shutdown", "SSL_free"))]
    pub fn close(mut self) -> Result<(), Error> {
        self.shutdown()
    }

    /// Sends a TLS 1.3 KeyUpdate now (`SSL_key_update`): this side's
    /// sending keys change, and with `request_peer` the peer is asked to
    /// change its own (`SSL_KEY_UPDATE_REQUESTED`, else
    /// `SSL_KEY_UPDATE_NOT_REQUESTED`).
    ///
    /// # Errors
    ///
    /// [`Error::NotTls13`] on TLS 1.2 and older, [`Error::Timeout`] past the
    /// write timeout, [`Error::WouldBlock`], [`Error::Io`].
    #[doc(alias = "SSL_key_update")]
    pub fn key_update(&mut self, request_peer: bool) -> Result<(), Error> {
        self.engine.key_update(request_peer)
    }

    /// Ends TLS cleanly and hands back the plain stream (Python's
    /// `SSLSocket.unwrap`): sends close_notify (within the write timeout),
    /// reads until the peer's close_notify (application data still in
    /// flight is discarded; all of it within one read timeout), and returns
    /// the stream, blocking again if it was given so, which carries
    /// whatever the peer sends next in the clear.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEof`] if the peer closes without close_notify,
    /// [`Error::Timeout`] past the write or read timeout, and the I/O errors.
    #[doc(alias = "unwrap")]
    #[doc(alias = "SSL_shutdown")]
    pub fn shutdown_into_inner(mut self) -> Result<S, Error>
    where
        S: From<OwnedFd>,
    {
        let fd = self
            .get_ref()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|source| Error::Io {
                during: Operation::Shutdown,
                source,
            })?;
        self.engine.close_and_drain()?;
        // The copy shares the open file description, and so its flags.
        self.engine.restore_blocking()?;
        drop(self);
        Ok(S::from(fd))
    }
}

impl<S> SslSocket<S> {
    /// Turns non-blocking mode on or off. In non-blocking mode every call
    /// that would wait (the handshake, a read, a write, a shutdown, a key
    /// update) returns [`Error::WouldBlock`] at once, saying whether OpenSSL
    /// waits to read or to write (`io::ErrorKind::WouldBlock` through
    /// [`Read`] and [`Write`]); poll the descriptor ([`AsFd`]) for that and
    /// call again. Drain [`pending`](Self::pending) bytes before polling.
    /// (Split halves follow the mode too: each half then returns
    /// [`Error::WouldBlock`] instead of waiting.)
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for streams that need a call.
    #[doc(alias = "setblocking")]
    pub fn set_nonblocking(&mut self, nonblocking: bool) -> Result<(), Error> {
        self.engine.nonblocking = nonblocking;
        Ok(())
    }

    /// Whether non-blocking mode is on.
    pub fn is_nonblocking(&self) -> bool {
        self.engine.nonblocking
    }

    /// Sets the time limit for each read, the whole call; `None` waits forever.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero duration, as `TcpStream::set_read_timeout`.
    #[doc(alias("settimeout", "SO_RCVTIMEO"))]
    pub fn set_read_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.engine.timeouts.read = crate::engine::nonzero(t)?;
        Ok(())
    }

    /// Sets the time limit for each write, the whole call; `None` waits forever.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero duration, as `TcpStream::set_write_timeout`.
    #[doc(alias("settimeout", "SO_SNDTIMEO"))]
    pub fn set_write_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.engine.timeouts.write = crate::engine::nonzero(t)?;
        Ok(())
    }

    /// Sets the time limit for the whole handshake; `None` waits forever.
    /// For a socket made with [`new_client`](Self::new_client) or
    /// [`new_server`](Self::new_server), before its handshake.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero duration.
    pub fn set_handshake_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.engine.timeouts.handshake = crate::engine::nonzero(t)?;
        Ok(())
    }

    /// Sets the verify mode of this connection (`SSL_set_verify`): before
    /// the handshake of a socket made with [`new_client`](Self::new_client) /
    /// [`new_server`](Self::new_server) it applies to that handshake
    /// (Qore sets the mode per socket before connecting); afterwards to a
    /// later renegotiation or post-handshake request. The verify callback
    /// set on the configuration is kept, as OpenSSL keeps it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidVerifyMode`] for bits other than the five flags.
    #[doc(alias("SSL_set_verify", "setSslVerifyMode"))]
    pub fn set_verify_mode(&mut self, mode: impl IntoVerifyMode) -> Result<(), Error> {
        let mode: VerifyMode = mode.into_verify_mode()?;
        self.engine.ssl_mut().set_verify(mode.to_openssl());
        Ok(())
    }

    /// This connection's verify mode, read from OpenSSL (`SSL_get_verify_mode`).
    #[doc(alias("SSL_get_verify_mode", "getSslVerifyMode"))]
    pub fn get_verify_mode(&self) -> VerifyMode {
        inspection::verify_mode(self.ssl())
    }

    /// This connection's verification flags, read from OpenSSL
    /// (`SSL_get0_param`, `X509_VERIFY_PARAM_get_flags`).
    #[doc(alias("X509_VERIFY_PARAM_get_flags", "verify_flags"))]
    pub fn get_verify_flags(&self) -> VerifyFlags {
        inspection::verify_flags(self.ssl())
    }

    /// The verification result (`SSL_get_verify_result`), on both sides and
    /// in every mode: with `NONE` it says what verification found while the
    /// connection stays up. `X509_V_OK` also when the peer sent no
    /// certificate: see [`peer_verification`](Self::peer_verification).
    #[doc(alias("SSL_get_verify_result", "verifyPeerCertificate"))]
    pub fn verify_result(&self) -> VerifyResult {
        inspection::verify_result(self.ssl())
    }

    /// "No certificate", "verified" and "failed with code N", told apart.
    #[doc(alias = "SSL_get_verify_result")]
    pub fn peer_verification(&self) -> PeerVerification {
        inspection::peer_verification(self.ssl())
    }

    /// Where verification first failed (result, depth, subject, the alert
    /// sent for it), if it did.
    ///
    /// A resumed session verifies nothing and carries the result of the
    /// session it resumed: its failure is reported with
    /// [`resumed`](VerifyFailure::resumed) set, with the depth and subject
    /// when the session kept them (a client's sessions do) and
    /// [`location_known`](VerifyFailure::location_known) false otherwise.
    #[doc(alias = "X509_STORE_CTX_get_error_depth")]
    pub fn verify_failure(&self) -> Option<VerifyFailure> {
        inspection::verify_failure(self.ssl())
    }

    /// The peer's certificate (`SSL_get1_peer_certificate`), if it sent one.
    #[doc(alias(
        "SSL_get1_peer_certificate",
        "SSL_get_peer_certificate",
        "getPeerCertificate",
        "getpeercert"
    ))]
    pub fn peer_certificate(&self) -> Option<X509> {
        self.ssl().peer_certificate()
    }

    /// The peer's certificate subject in one line, e.g. `CN=localhost`.
    #[doc(alias = "X509_get_subject_name")]
    pub fn peer_subject(&self) -> Option<String> {
        inspection::peer_subject(self.ssl())
    }

    /// The chain the peer sent (`SSL_get_peer_cert_chain`). As in OpenSSL, a
    /// client's list starts with the server's certificate, while a server's
    /// list leaves the client's own certificate out.
    #[doc(alias = "SSL_get_peer_cert_chain")]
    pub fn peer_cert_chain(&self) -> Vec<X509> {
        inspection::peer_cert_chain(self.ssl())
    }

    /// The verified chain from the peer's certificate to the trust anchor
    /// (`SSL_get0_verified_chain`); empty unless `verify_result()` is
    /// `X509_V_OK`. (OpenSSL also keeps the partial chain it built for a
    /// failed verification; a caller in `NONE` mode must not take that for
    /// a verified one.)
    #[doc(alias("SSL_get0_verified_chain", "get_verified_chain"))]
    pub fn verified_chain(&self) -> Vec<X509> {
        inspection::verified_chain(self.ssl())
    }

    /// The negotiated protocol version as OpenSSL names it (`SSL_get_version`),
    /// e.g. `TLSv1.3`. This is not the cipher's version string.
    #[doc(alias = "SSL_get_version")]
    pub fn version(&self) -> &'static str {
        self.ssl().version_str()
    }

    /// The cipher's OpenSSL name, e.g. `TLS_AES_256_GCM_SHA384`.
    /// Qore: `Socket::getSSLCipherName()`; C: `SSL_CIPHER_get_name`.
    #[doc(alias("SSL_CIPHER_get_name", "getSSLCipherName", "cipher"))]
    pub fn cipher_name(&self) -> Option<&'static str> {
        self.ssl().current_cipher().map(|c| c.name())
    }

    /// The cipher's own version string (`SSL_CIPHER_get_version`), e.g.
    /// `TLSv1.2`, or `TLSv1.0` for `ECDHE-ECDSA-AES128-SHA` even on a TLS 1.2
    /// connection (OpenSSL 1.x said `TLSv1/SSLv3`): the protocol that
    /// introduced the cipher, not the negotiated one (see [`version`](Self::version)).
    /// Qore: `Socket::getSSLCipherVersion()`.
    #[doc(alias("SSL_CIPHER_get_version", "getSSLCipherVersion"))]
    pub fn cipher_version(&self) -> Option<&'static str> {
        self.ssl().current_cipher().map(|c| c.version())
    }

    /// The cipher's secret (symmetric key) bits, e.g. 256
    /// (`SSL_CIPHER_get_bits`).
    #[doc(alias = "SSL_CIPHER_get_bits")]
    pub fn cipher_bits(&self) -> Option<i32> {
        self.ssl().current_cipher().map(|c| c.bits().secret)
    }

    /// Bytes decrypted and ready to read without touching the socket
    /// (`SSL_pending`, plus data kept during a post-handshake request). A
    /// poll loop reads these before it polls.
    #[doc(alias = "SSL_pending")]
    pub fn pending(&self) -> usize {
        self.engine.pending()
    }

    /// Whether the TLS handshake is complete and no other is in progress
    /// (`SSL_is_init_finished`): false before the handshake of a socket made
    /// with [`new_client`](Self::new_client) / [`new_server`](Self::new_server),
    /// and during a renegotiation. Qore: `Socket::isSecure()`.
    #[doc(alias("SSL_is_init_finished", "isSecure"))]
    pub fn is_secure(&self) -> bool {
        self.engine.handshaken() && self.ssl().is_init_finished()
    }

    /// The host name the client asked for (SNI): on a server, what the
    /// client requested; on a client, what it sent.
    #[doc(alias("SSL_get_servername", "server_hostname"))]
    pub fn servername(&self) -> Option<&str> {
        inspection::servername(self.ssl())
    }

    /// The application protocol agreed by ALPN, e.g. `h2`.
    #[doc(alias("SSL_get0_alpn_selected", "selected_alpn_protocol"))]
    pub fn alpn_protocol(&self) -> Option<String> {
        inspection::alpn_protocol(self.ssl())
    }

    /// A summary of the connection's security, like python-nss's
    /// `get_security_status`.
    #[doc(alias = "get_security_status")]
    pub fn security_status(&self) -> SecurityStatus {
        inspection::security_status(self.ssl())
    }

    /// Whether the handshake resumed an earlier session
    /// (`SSL_session_reused`). A resumed session keeps the peer certificate
    /// and verify result of the session it resumed; nothing is verified again.
    #[doc(alias = "SSL_session_reused")]
    pub fn session_reused(&self) -> bool {
        self.ssl().session_reused()
    }

    /// `len` bytes of keying material for `label` and `context`, the same
    /// on both ends of the connection (RFC 5705; RFC 8446 §7.5 on TLS 1.3,
    /// where no context and an empty one are the same).
    /// `openssl s_client -keymatexport LABEL -keymatexportlen N` prints the
    /// value for `context` `None`.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] before the handshake is complete, for more than
    /// 65535 bytes, or when OpenSSL refuses.
    #[doc(alias = "SSL_export_keying_material")]
    pub fn export_keying_material(
        &self,
        label: &str,
        context: Option<&[u8]>,
        len: usize,
    ) -> Result<Vec<u8>, Error> {
        crate::exporter::export_keying_material(self.ssl(), label, context, len)
    }

    /// The channel binding data of `binding` for this connection, the same
    /// on both ends (Python's `get_channel_binding`, RFC 5929, RFC 9266).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`], saying why: before the handshake is complete;
    /// [`ChannelBinding::TlsUnique`] on TLS 1.3 (use `TlsExporter`) or on
    /// TLS 1.2 without Extended Master Secret; `TlsExporter` on TLS 1.2
    /// without it; `TlsServerEndPoint` for a certificate signed with no
    /// hash of its own (Ed25519).
    #[doc(alias("get_channel_binding", "SSL_get_finished", "SSL_get_peer_finished"))]
    pub fn channel_binding(&self, binding: ChannelBinding) -> Result<Vec<u8>, Error> {
        crate::exporter::channel_binding(self.ssl(), binding)
    }

    /// The OCSP response the server stapled (DER), on a client that asked
    /// for one ([`SslConfigBuilder::set_ocsp_stapling`](crate::SslConfigBuilder::set_ocsp_stapling));
    /// on a server, the one it sent. `None` when there was none.
    #[doc(alias = "SSL_get_tlsext_status_ocsp_resp")]
    pub fn ocsp_response(&self) -> Option<&[u8]> {
        inspection::ocsp_response(self.ssl())
    }

    /// This connection's `SSL_OP_*` options, read from OpenSSL (`SSL_get_options`).
    #[doc(alias = "SSL_get_options")]
    pub fn options(&self) -> crate::SslOptions {
        crate::ffi::ssl_options(self.ssl())
    }

    /// On a server, the ciphers its client offered that it has too, by
    /// OpenSSL name (`SSL_get_shared_ciphers`; Python's `shared_ciphers`);
    /// empty on a client.
    #[doc(alias = "SSL_get_shared_ciphers")]
    pub fn shared_ciphers(&self) -> Vec<String> {
        inspection::shared_ciphers(self.ssl())
    }

    /// The trusted CA certificates of the connection's configuration
    /// (Python's `get_ca_certs`; see [`SslConfig::ca_certificates`]).
    #[doc(alias("get_ca_certs", "X509_STORE_get0_objects"))]
    pub fn ca_certificates(&self) -> Vec<X509> {
        inspection::ca_certificates(self.ssl().ssl_context())
    }

    /// What the connection's trust store holds (Python's `cert_store_stats`).
    #[doc(alias = "X509_STORE_get0_objects")]
    pub fn cert_store_stats(&self) -> crate::CertStoreStats {
        inspection::cert_store_stats(self.ssl().ssl_context())
    }

    /// The peer's ephemeral key-exchange key, the group the handshake used
    /// (`SSL_get_peer_tmp_key`; what `openssl s_client` prints as
    /// `Server Temp Key: X25519, 253 bits`). `None` before the handshake
    /// and for a resumption without key exchange.
    #[doc(alias("SSL_get_peer_tmp_key", "SSL_get_server_tmp_key"))]
    pub fn peer_tmp_key(&self) -> Option<crate::TempKey> {
        inspection::peer_tmp_key(self.ssl())
    }

    /// The connection's session, to resume later
    /// ([`set_session`](Self::set_session), Python's `SSLSocket.session`),
    /// once it can be resumed: after the handshake on TLS 1.2, and on
    /// TLS 1.3 once a session ticket has arrived, which a client reads
    /// with the data after the handshake (`None` until then).
    #[doc(alias("SSL_get1_session", "SSL_get_session"))]
    pub fn session(&self) -> Option<Session> {
        crate::saved_session::session(self.ssl())
    }

    /// Offers `session` for resumption on a client socket made with
    /// [`new_client`](Self::new_client), before its handshake (Python's
    /// `wrap_socket(..., session=)`, C's `SSL_set_session`), instead of the
    /// one the configuration saved for the peer. The server may decline it
    /// and make a full handshake; [`session_reused`](Self::session_reused)
    /// tells afterwards. A session from another configuration, process or
    /// program (`openssl s_client -sess_out`) is fine, as in C.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] on a server socket or once the handshake
    /// has started; [`Error::Tls`] if OpenSSL refuses the session.
    #[doc(alias("SSL_set_session", "session"))]
    pub fn set_session(&mut self, session: &Session) -> Result<(), Error> {
        let call = "set_session";
        if self.ssl().is_server() {
            return Err(Error::InvalidState {
                call,
                reason: "only a client offers a session to resume",
            });
        }
        if self.engine.handshaken() || crate::ffi::handshake_started(self.ssl()) {
            return Err(Error::InvalidState {
                call,
                reason: "the handshake has started: set the session on a socket made with \
                         new_client, before its first I/O",
            });
        }
        crate::saved_session::set_session(self.engine.ssl_mut(), session)
    }

    /// Whether this end is the client or the server.
    #[doc(alias("SSL_is_server", "server_side"))]
    pub fn role(&self) -> Role {
        if self.ssl().is_server() {
            Role::Server
        } else {
            Role::Client
        }
    }

    /// The stream underneath (whose descriptor's blocking flag the socket
    /// sets as its operations need).
    pub fn get_ref(&self) -> &S {
        self.engine.get_ref()
    }

    /// The stream underneath, mutably. Reading or writing it directly
    /// corrupts the TLS stream, and it must not be replaced by another
    /// (the socket keeps its descriptor's number).
    pub fn get_mut(&mut self) -> &mut S {
        self.engine.get_mut()
    }

    /// The OpenSSL connection, for anything this crate does not wrap.
    pub fn ssl(&self) -> &SslRef {
        self.engine.ssl()
    }

    pub(crate) fn from_engine(engine: Engine<S>) -> SslSocket<S> {
        SslSocket { engine }
    }

    pub(crate) fn into_engine(self) -> Engine<S> {
        self.engine
    }

    pub(crate) fn engine(&self) -> &Engine<S> {
        &self.engine
    }

    pub(crate) fn engine_mut(&mut self) -> &mut Engine<S> {
        &mut self.engine
    }
}

impl<S: AsFd> AsFd for SslSocket<S> {
    /// The descriptor to poll in non-blocking mode.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<S: AsFd> AsRawFd for SslSocket<S> {
    fn as_raw_fd(&self) -> RawFd {
        self.engine.fd()
    }
}

impl<S: Read + Write + AsFd> Read for SslSocket<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf).map_err(io::Error::from)
    }
}

impl<S: Read + Write + AsFd> Write for SslSocket<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(buf).map_err(io::Error::from)
    }

    /// Sends what the descriptor has not taken yet, within the write timeout.
    fn flush(&mut self) -> io::Result<()> {
        self.engine.flush().map_err(io::Error::from)
    }
}

impl<S> fmt::Debug for SslSocket<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslSocket")
            .field("role", &self.role())
            .field("fd", &self.engine.fd())
            .field("version", &self.version())
            .field("cipher", &self.cipher_name())
            .field("verify_mode", &self.get_verify_mode())
            .field("verify_result", &self.verify_result())
            .field("nonblocking", &self.engine.nonblocking)
            .finish()
    }
}

/// The peer id a client session is saved under when none was given: the
/// name used (or the peer's IP address) and the port, as `connect` forms it
/// from `host:port`; for a stream that is not TCP, the name alone.
fn peer_id_of(fd: BorrowedFd<'_>, name: Option<&str>) -> String {
    let peer = fd
        .try_clone_to_owned()
        .ok()
        .map(TcpStream::from)
        .and_then(|tcp| tcp.peer_addr().ok());
    match (peer, name) {
        (Some(a), Some(name)) => format!("{name}:{}", a.port()),
        (Some(a), None) => a.to_string(),
        (None, name) => name.unwrap_or_default().to_owned(),
    }
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
