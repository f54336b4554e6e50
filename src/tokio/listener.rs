//! `sslsocket::tokio::SslListener`: bind, and accept TCP at once; each
//! handshake runs where its socket is first used.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use ::tokio::net::{TcpListener, ToSocketAddrs};

use super::socket::SslSocket;
use crate::config::SslConfig;
use crate::error::operation::Operation;
use crate::error::Error;
use crate::verify::mode::Role;

/// A TLS server socket for tokio programs: a `tokio::net::TcpListener` and
/// a server [`SslConfig`].
///
/// [`accept`](Self::accept) returns as soon as TCP is accepted; the
/// handshake runs where the caller awaits
/// [`handshake`](SslSocket::handshake) or first reads, so a slow client
/// never holds the accept loop.
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
    pub async fn bind(addr: impl ToSocketAddrs, config: &SslConfig) -> Result<SslListener, Error> {
        if config.role() != Role::Server {
            return Err(Error::WrongRole(Role::Server));
        }
        let tcp = TcpListener::bind(addr).await.map_err(|source| Error::Io {
            during: Operation::Bind,
            source,
        })?;
        Ok(SslListener {
            tcp,
            config: config.clone(),
        })
    }

    /// Accepts one TCP connection: a server socket ready for its handshake.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when accepting fails.
    #[doc(alias = "SSL_accept")]
    pub async fn accept(&self) -> Result<(SslSocket, SocketAddr), Error> {
        let (tcp, addr) = self.tcp.accept().await.map_err(|source| Error::Io {
            during: Operation::Accept,
            source,
        })?;
        Ok((SslSocket::new_server(&self.config, tcp)?, addr))
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The socket's I/O error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }

    /// The configuration each accepted socket uses.
    pub fn config(&self) -> &SslConfig {
        &self.config
    }
}

impl fmt::Debug for SslListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("tokio::SslListener")
            .field("local_addr", &self.tcp.local_addr().ok())
            .field("config", &self.config)
            .finish()
    }
}
