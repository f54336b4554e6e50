//! `SslListener`: bind, accept, handshake.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};

use crate::config::SslConfig;
use crate::error::{Error, Operation};
use crate::socket::SslSocket;
use crate::verify::Role;

/// A TLS server socket: a `TcpListener` and a server [`SslConfig`].
///
/// A handshake that fails is that connection's error; the listener keeps
/// accepting. To keep a slow client from holding up the others, accept the
/// TCP connection with [`accept_tcp`](Self::accept_tcp) and run
/// [`SslSocket::accept`] on another thread.
pub struct SslListener {
    tcp: TcpListener,
    config: SslConfig,
}

impl SslListener {
    /// Binds to `addr` (`"127.0.0.1:0"` picks a free port).
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] for a client configuration, [`Error::Io`] when
    /// the address cannot be bound.
    pub fn bind<A: ToSocketAddrs>(addr: A, config: &SslConfig) -> Result<SslListener, Error> {
        if config.role() != Role::Server {
            return Err(Error::WrongRole(
                "SslListener needs a configuration made by SslConfig::server()",
            ));
        }
        let tcp = TcpListener::bind(addr).map_err(|source| Error::Io {
            during: Operation::Bind,
            source,
        })?;
        Ok(SslListener::from_tcp(tcp, config))
    }

    /// Wraps a listener that is already bound.
    pub fn from_tcp(tcp: TcpListener, config: &SslConfig) -> SslListener {
        SslListener {
            tcp,
            config: config.clone(),
        }
    }

    /// Accepts one connection and performs the server handshake.
    ///
    /// # Errors
    ///
    /// The handshake's error for that connection (see
    /// [`SslSocket::upgrade_server`]); the listener itself stays usable.
    pub fn accept(&self) -> Result<(SslSocket, SocketAddr), Error> {
        let (tcp, addr) = self.accept_tcp()?;
        Ok((SslSocket::accept(&self.config, tcp)?, addr))
    }

    /// Accepts one TCP connection without a handshake.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] from `accept(2)`.
    pub fn accept_tcp(&self) -> Result<(TcpStream, SocketAddr), Error> {
        self.tcp.accept().map_err(|source| Error::Io {
            during: Operation::Accept,
            source,
        })
    }

    /// The bound address (the real port after binding port 0).
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }

    /// The configuration accepted connections use.
    pub fn config(&self) -> &SslConfig {
        &self.config
    }

    /// The TCP listener underneath.
    pub fn get_ref(&self) -> &TcpListener {
        &self.tcp
    }

    /// An endless iterator of handshake results, one per connection.
    pub fn incoming(&self) -> impl Iterator<Item = Result<SslSocket, Error>> + '_ {
        std::iter::repeat_with(move || self.accept().map(|(s, _)| s))
    }
}

impl fmt::Debug for SslListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslListener")
            .field("local_addr", &self.local_addr().ok())
            .field("config", &self.config)
            .finish()
    }
}
