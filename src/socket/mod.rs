//! `SslSocket<S>`: a TLS connection over any stream with a descriptor, in
//! either role, blocking or not; `Read` and `Write` on the I/O engine.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::Duration;

mod exchanges;
mod transfer;

use crate::config::SslConfig;
use crate::conn::engine::Engine;
use crate::error::operation::Operation;
use crate::error::Error;
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
