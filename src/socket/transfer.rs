//! The socket's I/O: the handshake, reads and writes, peeking and waiting,
//! the close, each one operation of the engine under its deadline.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use crate::conn::engine::Engine;
use crate::conn::post_handshake::without_delay;
use crate::error::operation::Operation;
use crate::error::Error;

use super::SslSocket;

impl<S: Read + Write + AsFd> SslSocket<S> {
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
            return without_delay(&mut self.engine, Engine::handshake);
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
        crate::conn::engine::deadline::send_all(buf, |b| self.send(b))
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
            without_delay(&mut self.engine, Engine::flush)
        } else {
            self.engine.flush()
        };
        r.map_err(io::Error::from)
    }
}
