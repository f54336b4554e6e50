//! `SslListener`: bind, accept, handshake.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};

use crate::config::SslConfig;
use crate::error::operation::Operation;
use crate::error::Error;
use crate::socket::SslSocket;
use crate::verify::mode::Role;

/// A TLS server socket: a `TcpListener` and a server [`SslConfig`].
///
/// A handshake that fails is that connection's error; the listener keeps
/// accepting. [`accept`](Self::accept) and [`incoming`](Self::incoming) do
/// the handshake on the calling thread, so one slow or silent client holds
/// the loop for up to the handshake timeout (the whole handshake: 30 s by
/// default). A server with many clients accepts the TCP connection with
/// [`accept_tcp`](Self::accept_tcp) and hands the handshake to a worker
/// ([`SslSocket::new_server`] + [`handshake`](SslSocket::handshake), or
/// [`SslSocket::upgrade_server`]), or has several threads accept on clones of one
/// listener ([`try_clone`](Self::try_clone)):
///
/// ```no_run
/// use std::io::{Read, Write};
/// use sslsocket::{SslConfig, SslListener, SslSocket};
///
/// let mut b = SslConfig::server();
/// b.set_certificate_file("certs/server-chain.pem")
///     .set_private_key_file("certs/server.key");
/// let config = b.build()?;
/// let listener = SslListener::bind("127.0.0.1:4433", &config)?;
/// loop {
///     let (tcp, _) = listener.accept_tcp()?;
///     let config = config.clone();
///     std::thread::spawn(move || {
///         // The handshake runs here, under its deadline: a client that
///         // trickles bytes delays only this thread.
///         let Ok(mut tls) = SslSocket::upgrade_server(&config, tcp) else { return };
///         let mut line = [0u8; 64];
///         if let Ok(n) = tls.read(&mut line) {
///             let _ = tls.write_all(&line[..n]);
///         }
///     });
/// }
/// # #[allow(unreachable_code)]
/// # Ok::<(), sslsocket::Error>(())
/// ```
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
    #[doc(alias = "listen")]
    pub fn bind<A: ToSocketAddrs>(addr: A, config: &SslConfig) -> Result<SslListener, Error> {
        if config.role() != Role::Server {
            return Err(Error::WrongRole(Role::Server));
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
    #[doc(alias("SSL_accept", "acceptSSL"))]
    pub fn accept(&self) -> Result<(SslSocket, SocketAddr), Error> {
        let (tcp, addr) = self.accept_tcp()?;
        // accept(2) as std makes it gives a blocking socket.
        let mut tls = SslSocket::new_server_with(&self.config, tcp, Some(false))?;
        tls.handshake()?;
        Ok((tls, addr))
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

    /// Another handle on the same listening socket, with the same
    /// configuration, so that several threads can accept at once.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the descriptor cannot be duplicated.
    pub fn try_clone(&self) -> Result<SslListener, Error> {
        let tcp = self.tcp.try_clone().map_err(|source| Error::Io {
            during: Operation::Accept,
            source,
        })?;
        Ok(SslListener::from_tcp(tcp, &self.config))
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

    /// An endless iterator of handshake results, one per connection, each
    /// handshake on the calling thread (see the type's docs for a server
    /// that one slow client cannot stall).
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
