//! `sslsocket::tokio::SslSocket`: the blocking socket's connection for
//! tokio programs. It drives the same engine attempts; where the blocking
//! socket polls its descriptor, this one returns `Poll::Pending` (the
//! stream has registered the task) and keeps the operation's deadline as a
//! tokio timer.
//!
//! This file makes the socket and holds its async methods and the one
//! attempt they all poll (`poll_step`); the deadlines are in `deadline.rs`,
//! `AsyncRead` and `AsyncWrite` in `read_write.rs`.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::net::TcpStream;
use ::tokio::time::{sleep_until, Instant, Sleep};
use openssl::ssl::Ssl;
use openssl::x509::X509;

use super::deadline::{Deadline, Kind};
use super::io::{AsyncIo, Side};
use crate::config::SslConfig;
use crate::conn::engine::{Engine, Step};
use crate::conn::post_handshake::{self, Exchange};
use crate::error::operation::Operation;
use crate::error::Error;
use crate::verify::mode::Role;

/// A TLS connection for tokio programs, in either role, over a
/// `tokio::net::TcpStream` (the default) or any `AsyncRead + AsyncWrite`
/// stream: the blocking [`SslSocket`](crate::SslSocket)'s verification
/// semantics, inspection calls, post-handshake requests and deadlines,
/// with [`AsyncRead`] and [`AsyncWrite`] (whose `poll_shutdown` sends
/// close_notify).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sslsocket::tokio::{SslListener, SslSocket};
/// use sslsocket::SslConfig;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let mut server = SslConfig::server();
/// server
///     .set_certificate_file("certs/server-chain.pem")
///     .set_private_key_file("certs/server.key");
/// let listener = SslListener::bind("127.0.0.1:0", &server.build()?).await?;
/// let port = listener.local_addr()?.port();
/// tokio::spawn(async move {
///     // accept() returns once TCP is accepted; the handshake runs here.
///     let (mut tls, _) = listener.accept().await?;
///     let mut hello = [0u8; 5];
///     tls.read_exact(&mut hello).await?;
///     tls.write_all(b"world").await?;
///     tls.shutdown().await?;
///     Ok::<_, std::io::Error>(())
/// });
///
/// let mut client = SslConfig::client();
/// client.set_ca_file("certs/ca.pem");
/// let mut tls = SslSocket::connect(&client.build()?, &format!("localhost:{port}")).await?;
/// assert_eq!(tls.verify_result().name(), "X509_V_OK");
/// tls.write_all(b"hello").await?;
/// let mut reply = String::new();
/// tls.read_to_string(&mut reply).await?;
/// assert_eq!(reply, "world");
/// # Ok(())
/// # }
/// ```
///
/// Each operation's time limit (the configuration's handshake, read and
/// write timeouts, or the one given to
/// [`request_client_certificate`](Self::request_client_certificate)) runs
/// from when that operation starts until it finishes, and gives
/// [`Error::Timeout`]; an operation never waits under another's limit.
///
/// The async methods keep their deadline in their future: polled again,
/// the future goes on with it; dropped, nothing of it remains. Reads and
/// writes through [`AsyncRead`] and [`AsyncWrite`] have no future of
/// their own, so the socket keeps the deadline of the one under way on
/// each side, from its first poll until a poll finishes it; a read (write,
/// flush, shutdown) polled again continues it, and any other operation
/// starts afresh: one of another kind on that side, any async method of
/// the socket, or a changed timeout. A read future dropped before it
/// finished loses nothing (what arrived stays for the next read), but a
/// read started again right after it cannot be told from the same read
/// polled again, and continues its deadline.
pub struct SslSocket<S = TcpStream> {
    pub(crate) engine: Engine<AsyncIo<S>>,
    /// The operation under way through `AsyncRead` (first) and
    /// `AsyncWrite` (second), with its deadline.
    pub(crate) polled: [Option<Kind>; 2],
    /// Their deadlines, for those with a limit (boxed: an idle connection,
    /// or one without limits, carries none).
    pub(crate) deadlines: Option<Box<[Option<Deadline>; 2]>>,
    /// A failed operation's lingering close, before its error is returned
    /// (boxed: rare, and an idle connection should not carry its room).
    lingering: Option<Box<Lingering>>,
}

/// The lingering close of a connection that failed after this end sent a
/// fatal alert ([`linger`](crate::conn::linger)): the stream's sending side is
/// shut down, and what the peer still sends is read and discarded until
/// it closes, at most [`LINGER`](crate::conn::linger::LINGER) or the failed
/// operation's deadline; then the operation returns its error.
#[derive(Debug)]
struct Lingering {
    error: Option<Error>,
    shut_down: bool,
    timer: Pin<Box<Sleep>>,
}

impl SslSocket<TcpStream> {
    /// Connects to `addr` (`"host:port"`) and performs the handshake as a
    /// client: the host part is sent as SNI and checked, as the blocking
    /// [`connect`](crate::SslSocket::connect) does.
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] or [`Error::Timeout`] for the TCP connection, and
    /// the handshake's errors.
    #[doc(alias("SSL_connect", "connectSSL", "connectINETSSL", "create_connection"))]
    pub async fn connect(config: &SslConfig, addr: &str) -> Result<SslSocket, Error> {
        let connect = TcpStream::connect(addr);
        let tcp = match config.timeouts().connect {
            Some(t) => ::tokio::time::timeout(t, connect)
                .await
                .map_err(|_| Error::Timeout {
                    operation: Operation::Connect,
                    after: Some(t),
                })?,
            None => connect.await,
        }
        .map_err(|source| Error::Connect {
            addr: addr.to_owned(),
            source,
        })?;
        let ssl = config.new_ssl(Role::Client, Some(crate::socket::host_of(addr)), |_| {
            addr.to_owned()
        })?;
        // Boxed while the handshake runs, as in `accept`.
        let mut socket = Box::new(SslSocket::assemble(config, ssl, tcp)?);
        socket.handshake().await?;
        Ok(*socket)
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
}

impl<S: AsyncRead + AsyncWrite + Unpin> SslSocket<S> {
    /// A client connection over `stream`, ready for its handshake, which
    /// [`handshake`](Self::handshake) or the first read or write performs.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] for a server configuration, [`Error::Tls`] when
    /// OpenSSL refuses the name.
    #[doc(alias("SSL_new", "SSL_set_connect_state"))]
    pub fn new_client(
        config: &SslConfig,
        stream: S,
        server_name: Option<&str>,
    ) -> Result<SslSocket<S>, Error> {
        let ssl = config.new_ssl(Role::Client, server_name, |name| {
            name.unwrap_or_default().to_owned()
        })?;
        SslSocket::assemble(config, ssl, stream)
    }

    /// A server connection over an accepted `stream`, ready for its
    /// handshake. No byte is read or sent before.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] for a client configuration.
    #[doc(alias("SSL_new", "SSL_set_accept_state"))]
    pub fn new_server(config: &SslConfig, stream: S) -> Result<SslSocket<S>, Error> {
        let ssl = config.new_ssl(Role::Server, None, |_| String::new())?;
        SslSocket::assemble(config, ssl, stream)
    }

    /// [`new_server`](Self::new_server) and [`handshake`](Self::handshake)
    /// in one call.
    ///
    /// # Errors
    ///
    /// As [`handshake`](Self::handshake).
    #[doc(alias("SSL_accept", "upgradeServerToSSL"))]
    pub async fn accept(config: &SslConfig, stream: S) -> Result<SslSocket<S>, Error> {
        // Boxed while the handshake runs: the task awaiting this future
        // is as large as its largest state for the connection's whole life.
        let mut socket = Box::new(SslSocket::new_server(config, stream)?);
        socket.handshake().await?;
        Ok(*socket)
    }

    fn assemble(config: &SslConfig, ssl: (Ssl, bool), stream: S) -> Result<SslSocket<S>, Error> {
        Ok(SslSocket {
            engine: Engine::without_descriptor(config, ssl, AsyncIo::new(stream))?,
            polled: [None, None],
            deadlines: None,
            lingering: None,
        })
    }

    /// Performs the handshake (`SSL_do_handshake`) within the handshake
    /// timeout. Once it is complete there is nothing to do, except after
    /// [`verify_client_post_handshake`](Self::verify_client_post_handshake),
    /// whose CertificateRequest it sends at once, as in C.
    ///
    /// # Errors
    ///
    /// The handshake errors of the blocking socket:
    /// [`Error::VerifyFailed`], [`Error::AlertReceived`],
    /// [`Error::Timeout`], [`Error::ServerNameRequired`], …
    #[doc(alias("SSL_do_handshake", "do_handshake"))]
    pub async fn handshake(&mut self) -> Result<(), Error> {
        self.polled = [None, None];
        self.deadlines = None;
        if self.engine.handshake_idle() {
            return Ok(());
        }
        // Boxed: the future, and a task awaiting it, stays small.
        let mut deadline = Box::new(Deadline::start(self.engine.timeouts().handshake));
        poll_fn(|cx| {
            self.poll_step(cx, Side::Reader, Operation::Handshake, &mut deadline, |e| {
                e.handshake_step()
            })
        })
        .await
    }

    /// Queues a TLS 1.3 CertificateRequest, as the blocking
    /// [`verify_client_post_handshake`](crate::SslSocket::verify_client_post_handshake)
    /// does; it goes out with the next I/O ([`handshake`](Self::handshake)
    /// or `flush` sends it at once), and a later read processes the answer
    /// and fires [`HandshakeEvent::PostHandshakeAuth`](crate::HandshakeEvent::PostHandshakeAuth).
    /// Call it once the handshake is complete.
    ///
    /// # Errors
    ///
    /// [`Error::PostHandshake`] saying why the request cannot be made.
    #[doc(alias = "SSL_verify_client_post_handshake")]
    pub fn verify_client_post_handshake(&mut self) -> Result<(), Error> {
        post_handshake::queue_request(&mut self.engine)
    }

    /// Asks the client for its certificate now and waits for the answer
    /// (TLS 1.3 post-handshake authentication, or a renegotiation on
    /// TLS 1.2), within `timeout`, as the blocking
    /// [`request_client_certificate`](crate::SslSocket::request_client_certificate)
    /// does: the client's certificate, or `Ok(None)` when it sent none and
    /// the mode allows that.
    ///
    /// # Errors
    ///
    /// As the blocking call's.
    #[doc(alias("SSL_verify_client_post_handshake", "SSL_renegotiate"))]
    pub async fn request_client_certificate(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<X509>, Error> {
        self.handshake().await?;
        post_handshake::begin_request(&mut self.engine)?;
        let mut exchange = Exchange::default();
        let mut deadline = Deadline::start(timeout);
        let r = poll_fn(|cx| {
            self.poll_step(
                cx,
                Side::Reader,
                Operation::PostHandshakeAuth,
                &mut deadline,
                |e| exchange.step(e),
            )
        })
        .await;
        post_handshake::finish_request(&mut self.engine, r)
    }

    /// Sends a TLS 1.3 KeyUpdate (`SSL_key_update`), asking the peer to
    /// update its keys too with `request_peer`, all within one write timeout.
    ///
    /// # Errors
    ///
    /// [`Error::NotTls13`] on TLS 1.2 and older, [`Error::Timeout`].
    #[doc(alias = "SSL_key_update")]
    pub async fn key_update(&mut self, request_peer: bool) -> Result<(), Error> {
        self.handshake().await?;
        let mut deadline = Deadline::start(self.engine.timeouts().write);
        poll_fn(|cx| {
            self.poll_step(cx, Side::Writer, Operation::KeyUpdate, &mut deadline, |e| {
                e.key_update_room_step()
            })
        })
        .await?;
        self.engine.schedule_key_update(request_peer)?;
        poll_fn(|cx| {
            self.poll_step(cx, Side::Writer, Operation::KeyUpdate, &mut deadline, |e| {
                e.key_update_write_step()
            })
        })
        .await
    }

    /// One attempt at `step` for the task of `side`: its result, or
    /// `Pending` with the stream (or, when OpenSSL asked to be called again
    /// at once, the task itself) and `deadline` set to wake the task;
    /// [`Error::Timeout`] once `deadline` has passed.
    pub(crate) fn poll_step<T>(
        &mut self,
        cx: &mut Context<'_>,
        side: Side,
        operation: Operation,
        deadline: &mut Deadline,
        step: impl FnOnce(&mut Engine<AsyncIo<S>>) -> Step<T>,
    ) -> Poll<Result<T, Error>> {
        if self.lingering.is_some() {
            return self.poll_linger(cx).map(Err);
        }
        self.engine.get_mut().register(side, cx);
        match step(&mut self.engine) {
            Step::Done(Err(e))
                if crate::config::hooks::record::alert_sent(self.engine.ssl()).is_some() =>
            {
                self.engine.get_mut().done(side);
                let limit = Instant::now() + crate::conn::linger::LINGER;
                let until = deadline.at.map_or(limit, |at| at.min(limit));
                self.lingering = Some(Box::new(Lingering {
                    error: Some(e),
                    shut_down: false,
                    timer: Box::pin(sleep_until(until)),
                }));
                self.poll_linger(cx).map(Err)
            }
            Step::Done(r) => {
                self.engine.get_mut().done(side);
                Poll::Ready(r)
            }
            Step::Wait(_) => {
                if !self.engine.get_mut().pending {
                    cx.waker().wake_by_ref();
                }
                if deadline.poll_expired(cx) {
                    self.engine.get_mut().done(side);
                    return Poll::Ready(Err(Error::Timeout {
                        operation,
                        after: deadline.limit,
                    }));
                }
                Poll::Pending
            }
        }
    }
}

/// Looking at what comes next without taking it.
impl<S: AsyncRead + AsyncWrite + Unpin> SslSocket<S> {
    /// Reads application data into `buf` without removing it (`SSL_peek`),
    /// as the blocking [`peek`](crate::SslSocket::peek) does: the next read
    /// or peek returns the same bytes; within the read timeout; `Ok(0)`
    /// once the peer has sent close_notify (or when `buf` is empty).
    ///
    /// # Errors
    ///
    /// As a read: [`Error::UnexpectedEof`], [`Error::AlertReceived`],
    /// [`Error::Timeout`], [`Error::Io`].
    #[doc(alias("SSL_peek", "SSL_peek_ex", "MSG_PEEK"))]
    pub async fn peek(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.handshake().await?;
        let mut deadline = Deadline::start(self.engine.timeouts().read);
        poll_fn(|cx| {
            self.poll_step(cx, Side::Reader, Operation::Read, &mut deadline, |e| {
                e.peek_step(buf)
            })
        })
        .await
    }

    /// Waits at most `timeout` until a read would return at once (Qore's
    /// `isDataAvailable`), as the blocking
    /// [`wait_readable`](crate::SslSocket::wait_readable) does: `true` at
    /// once when decrypted bytes are pending, when application data
    /// arrives (records without data are processed on the way and never
    /// make it `true`), or at close_notify or the end of the stream;
    /// `false` only after the whole wait. `Some(Duration::ZERO)` checks
    /// once without waiting; `None` waits without limit.
    ///
    /// # Errors
    ///
    /// The read errors ([`Error::AlertReceived`], [`Error::Io`]), and the
    /// handshake's before it is done.
    #[doc(alias("isDataAvailable", "is_data_available"))]
    pub async fn wait_readable(&mut self, timeout: Option<Duration>) -> Result<bool, Error> {
        self.handshake().await?;
        let once = timeout == Some(Duration::ZERO);
        let mut deadline = Deadline::start(timeout);
        poll_fn(|cx| {
            let r = self.poll_step(cx, Side::Reader, Operation::Read, &mut deadline, |e| {
                e.readable_step()
            });
            match r {
                // (A failed attempt's lingering close still runs to its end.)
                Poll::Pending if once && self.lingering.is_none() => {
                    self.engine.get_mut().done(Side::Reader);
                    Poll::Ready(Ok(false))
                }
                Poll::Ready(Err(Error::Timeout { .. })) => Poll::Ready(Ok(false)),
                r => r,
            }
        })
        .await
    }
}

// Renegotiation (TLS 1.2 and older), started by this end in either role.
impl<S: AsyncRead + AsyncWrite + Unpin> SslSocket<S> {
    /// Renegotiates now, on TLS 1.2 and older, in either role, and waits
    /// until the new handshake is complete, within `timeout`, as the
    /// blocking [`renegotiate`](crate::SslSocket::renegotiate) does:
    /// application data the peer sends meanwhile is kept for the next
    /// reads; it works whenever the peer accepts.
    ///
    /// # Errors
    ///
    /// As the blocking call's: [`Error::NotTls12`] at once on TLS 1.3 (the
    /// connection goes on), [`Error::RenegotiationRefused`],
    /// [`Error::Timeout`], …
    #[doc(alias(
        "SSL_renegotiate",
        "rehandshake",
        "rehandshake_timeout",
        "SSL_do_handshake"
    ))]
    pub async fn renegotiate(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        self.handshake().await?;
        crate::conn::renegotiation::begin(&mut self.engine)?;
        let mut exchange = crate::conn::renegotiation::exchange();
        let mut deadline = Deadline::start(timeout);
        let r = poll_fn(|cx| {
            self.poll_step(
                cx,
                Side::Reader,
                Operation::Renegotiation,
                &mut deadline,
                |e| exchange.step(e),
            )
        })
        .await;
        crate::conn::renegotiation::finish(&mut self.engine, r)
    }
}

// The configuration a socket was made from.
impl<S> SslSocket<S> {
    /// The configuration this socket was made from (Python's
    /// `SSLSocket.context`), as the blocking
    /// [`config`](crate::SslSocket::config).
    #[doc(alias("context", "SSL_get_SSL_CTX"))]
    pub fn config(&self) -> &SslConfig {
        self.engine.config()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> SslSocket<S> {
    /// One poll of the lingering close: the error it holds once the peer
    /// has closed or the time is up (a second operation polling it then
    /// gets [`Error::UnexpectedEof`]: the connection is over).
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<Error> {
        let Some(l) = self.lingering.as_mut() else {
            return Poll::Ready(Error::UnexpectedEof);
        };
        let stream = &mut self.engine.get_mut().inner;
        loop {
            if l.error.is_none() || l.timer.as_mut().poll(cx).is_ready() {
                break;
            }
            if !l.shut_down {
                match Pin::new(&mut *stream).poll_shutdown(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(())) => l.shut_down = true,
                    Poll::Ready(Err(_)) => break,
                }
            }
            let mut sink = [0u8; 4096];
            let mut buf = ReadBuf::new(&mut sink);
            match Pin::new(&mut *stream).poll_read(cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) if buf.filled().is_empty() => break,
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) => break,
            }
        }
        Poll::Ready(l.error.take().unwrap_or(Error::UnexpectedEof))
    }
}

impl<S> SslSocket<S> {
    crate::conn::inspection::inspection_methods!();

    crate::conn::settings::settings_methods!();

    /// The stream underneath.
    pub fn get_ref(&self) -> &S {
        &self.engine.get_ref().inner
    }

    /// The stream underneath, mutably. Reading or writing it directly
    /// corrupts the TLS stream.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.engine.get_mut().inner
    }

    fn engine(&self) -> &Engine<AsyncIo<S>> {
        &self.engine
    }

    fn engine_mut(&mut self) -> &mut Engine<AsyncIo<S>> {
        &mut self.engine
    }
}

impl<S> fmt::Debug for SslSocket<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("tokio::SslSocket")
            .field("role", &self.role())
            .field("version", &self.version())
            .field("cipher", &self.cipher_name())
            .field("verify_mode", &self.get_verify_mode())
            .field("verify_result", &self.verify_result())
            .finish()
    }
}
