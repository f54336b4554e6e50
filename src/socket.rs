//! `SslSocket<S>`: a TLS connection over any stream with a descriptor, in
//! either role, blocking or not; `Read` and `Write` on the I/O engine.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::config::SslConfig;
use crate::conn::engine::{Engine, Waits};
use crate::error::{Error, Operation};
use crate::verify::mode::Role;

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
#[doc(alias("SSLSocket", "SSL"))]
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
    #[doc(alias("SSL_connect", "connectSSL", "connectINETSSL", "create_connection"))]
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
    #[doc(alias(
        "import_tcp_socket",
        "reset_handshake",
        "SSL_HANDSHAKE_AS_CLIENT",
        "SSL_HANDSHAKE_AS_SERVER",
        "SSL_set_fd"
    ))]
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
    #[doc(alias("getsockname", "get_sock_name", "getSocketInfo"))]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    #[doc(alias("getpeername", "get_peer_name", "getPeerInfo"))]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.get_ref().peer_addr()
    }

    /// Turns Nagle's algorithm off (`TCP_NODELAY`) or on.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    #[doc(alias("TCP_NODELAY", "setNoDelay", "PR_SockOpt_NoDelay", "set_socket_option"))]
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
    #[doc(alias("upgradeClientToSSL", "SSL_connect", "wrap_socket", "connectUNIXSSL"))]
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
    #[doc(alias("upgradeServerToSSL", "SSL_accept", "wrap_socket"))]
    pub fn upgrade_server(config: &SslConfig, stream: S) -> Result<SslSocket<S>, Error> {
        let mut socket = SslSocket::new_server(config, stream)?;
        socket.handshake()?;
        Ok(socket)
    }

    /// Performs the handshake (`SSL_do_handshake`), all of it within the
    /// handshake timeout. Once it is complete there is nothing to do, except
    /// after [`verify_client_post_handshake`](Self::verify_client_post_handshake),
    /// whose CertificateRequest it sends at once, as in C. In non-blocking
    /// mode it returns [`Error::WouldBlock`] when it must wait, and the next
    /// call resumes where this one stopped.
    ///
    /// # Errors
    ///
    /// The handshake errors of [`upgrade_client`](Self::upgrade_client) and
    /// [`upgrade_server`](Self::upgrade_server), [`Error::WouldBlock`].
    #[doc(alias(
        "SSL_do_handshake",
        "do_handshake",
        "force_handshake",
        "force_handshake_timeout"
    ))]
    pub fn handshake(&mut self) -> Result<(), Error> {
        if self.engine.handshaken() && !self.engine.handshake_idle() {
            return crate::conn::post_handshake::without_delay(&mut self.engine, Engine::handshake);
        }
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
    #[doc(alias(
        "SSL_read",
        "SSL_read_ex",
        "recv_into",
        "recvBinary",
        "SSL_ERROR_ZERO_RETURN",
        "SSLZeroReturnError"
    ))]
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
    #[doc(alias("SSL_write", "sendall", "sendBinary"))]
    pub fn send_all(&mut self, buf: &[u8]) -> Result<(), Error> {
        crate::conn::engine::send_all(buf, |b| self.send(b))
    }

    /// Sends close_notify (`SSL_shutdown`), once, within the write timeout.
    /// Reading afterwards still returns what the peer sends until its own
    /// close_notify. It is TLS's close (Qore's `shutdownSSL`), not
    /// `shutdown(2)` on the TCP connection (Python's and python-nss's
    /// `shutdown`), which stays open until the socket is dropped;
    /// [`shutdown_into_inner`](Self::shutdown_into_inner) also waits for the
    /// peer's close_notify (Python's `unwrap`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the peer has already gone, [`Error::Timeout`],
    /// [`Error::WouldBlock`].
    #[doc(alias("SSL_shutdown", "shutdownSSL"))]
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
    /// whatever the peer sends next in the clear. From the moment this call
    /// starts no byte past the records is read; bytes a peer sent in the
    /// clear before it had our close_notify may have been read ahead with
    /// its last records by an earlier read, and are lost.
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
        self.engine.hand_back();
        drop(self);
        Ok(S::from(fd))
    }
}

/// Looking at what comes next without taking it.
impl<S: Read + Write + AsFd> SslSocket<S> {
    /// Reads application data into `buf` without removing it (`SSL_peek`,
    /// the socket's `MSG_PEEK`): the next [`recv`](Self::recv) or `peek`
    /// returns the same bytes. As a read, it processes the records that
    /// carry no data on the way (session tickets, KeyUpdates, which it may
    /// have to answer), waits within the read timeout, returns
    /// [`Error::WouldBlock`] in non-blocking mode, and `Ok(0)` once the peer
    /// has sent close_notify (or when `buf` is empty). It returns at most
    /// what one record holds.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    #[doc(alias("SSL_peek", "SSL_peek_ex", "MSG_PEEK"))]
    pub fn peek(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.engine.peek(buf)
    }

    /// Waits at most `timeout` until a read would return at once (Qore's
    /// `Socket::isDataAvailable`): `true` at once when decrypted bytes are
    /// ready; otherwise it waits for application data,
    /// processing on the way any records that carry none (TLS 1.3 session
    /// tickets, KeyUpdates, a renegotiation request) and never returning
    /// `true` for such a record. `true` too once the peer's close_notify has
    /// come or its stream has ended: the next read then returns at once
    /// (`Ok(0)`, or [`Error::UnexpectedEof`]).
    ///
    /// `false` only after the whole wait. `Some(Duration::ZERO)` checks once
    /// without waiting; `None` waits without limit. The wait is this call's
    /// own, in non-blocking mode too (it is itself the poll), and the
    /// socket's read timeout plays no part; a handshake not yet done comes
    /// first, as before a read (in non-blocking mode it may report
    /// [`Error::WouldBlock`]).
    ///
    /// # Errors
    ///
    /// The read errors: [`Error::AlertReceived`] when the peer aborted,
    /// [`Error::Io`], and the handshake's errors before it is done.
    #[doc(alias("isDataAvailable", "is_data_available"))]
    pub fn wait_readable(&mut self, timeout: Option<Duration>) -> Result<bool, Error> {
        self.engine.wait_readable(timeout)
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
    #[doc(alias("setblocking", "PR_SockOpt_Nonblocking", "set_socket_option"))]
    pub fn set_nonblocking(&mut self, nonblocking: bool) -> Result<(), Error> {
        self.engine.nonblocking = nonblocking;
        Ok(())
    }

    /// Whether non-blocking mode is on.
    pub fn is_nonblocking(&self) -> bool {
        self.engine.nonblocking
    }

    crate::conn::settings::settings_methods!();

    crate::conn::inspection::inspection_methods!();

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

// The configuration a socket was made from.
impl<S> SslSocket<S> {
    /// The configuration this socket was made from (Python's
    /// `SSLSocket.context`, C's `SSL_get_SSL_CTX`): its
    /// [`ciphers`](SslConfig::ciphers), its context's
    /// [`session_stats`](SslConfig::session_stats), and more sockets of
    /// the same kind (cloning it is cheap).
    #[doc(alias("context", "SSL_get_SSL_CTX"))]
    pub fn config(&self) -> &SslConfig {
        self.engine.config()
    }
}

impl<S: AsFd> AsFd for SslSocket<S> {
    /// The descriptor to poll in non-blocking mode.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<S: AsFd> AsRawFd for SslSocket<S> {
    #[doc(alias("fileno", "getSocket"))]
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

    /// Sends what the descriptor has not taken yet (and a CertificateRequest
    /// queued by [`verify_client_post_handshake`](SslSocket::verify_client_post_handshake)),
    /// within the write timeout.
    fn flush(&mut self) -> io::Result<()> {
        let r = if self.engine.handshaken() && !self.engine.handshake_idle() {
            crate::conn::post_handshake::without_delay(&mut self.engine, Engine::flush)
        } else {
            self.engine.flush()
        };
        r.map_err(io::Error::from)
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
pub(crate) fn host_of(addr: &str) -> &str {
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
