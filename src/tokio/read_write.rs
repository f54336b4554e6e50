//! `AsyncRead` and `AsyncWrite` for the async socket: each poll is one
//! attempt of the engine, under the deadline of the operation under way on
//! its side (`poll_polled`).

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::deadline::{Deadline, Kind};
use super::io::{AsyncIo, Side};
use super::socket::SslSocket;
use crate::conn::engine::{Engine, Step};
use crate::error::Error;

impl<S: AsyncRead + AsyncWrite + Unpin> SslSocket<S> {
    /// One poll of the `AsyncRead`/`AsyncWrite` operation `kind` on `side`:
    /// under the deadline of the same operation if it is under way there
    /// (polled again), else under a new one, kept until it finishes.
    fn poll_polled<T>(
        &mut self,
        cx: &mut Context<'_>,
        side: Side,
        kind: Kind,
        step: impl FnOnce(&mut Engine<AsyncIo<S>>) -> Step<T>,
    ) -> Poll<Result<T, Error>> {
        let limit = self.engine.limit(kind.operation());
        let i = side as usize;
        let kept = self.deadlines.as_mut().and_then(|d| d[i].take());
        let same = self.polled[i] == Some(kind) && kept.as_ref().and_then(|d| d.limit) == limit;
        let mut deadline = match kept {
            Some(d) if same => d,
            _ => Deadline::start(limit),
        };
        let r = self.poll_step(cx, side, kind.operation(), &mut deadline, step);
        if r.is_pending() {
            self.polled[i] = Some(kind);
            if deadline.limit.is_some() {
                self.deadlines.get_or_insert_with(Box::default)[i] = Some(deadline);
            }
        } else {
            self.polled[i] = None;
        }
        if self
            .deadlines
            .as_ref()
            .is_some_and(|d| d.iter().all(Option::is_none))
        {
            self.deadlines = None;
        }
        r
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for SslSocket<S> {
    /// Reads application data (the handshake first, if it has not
    /// happened); nothing once the peer's close_notify has arrived.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.engine.handshaken() {
            ready!(this.poll_polled(cx, Side::Reader, Kind::Handshake, |e| {
                e.handshake_step()
            }))?;
        }
        let dst = buf.initialize_unfilled();
        let n = ready!(this.poll_polled(cx, Side::Reader, Kind::Read, |e| e.read_step(dst)))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for SslSocket<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.engine.handshaken() {
            ready!(this.poll_polled(cx, Side::Writer, Kind::Handshake, |e| {
                e.handshake_step()
            }))?;
        }
        let n = ready!(this.poll_polled(cx, Side::Writer, Kind::Write, |e| e.write_step(buf)))?;
        Poll::Ready(Ok(n))
    }

    /// Sends what OpenSSL wrote and the stream has not taken yet (and a
    /// CertificateRequest queued by
    /// [`verify_client_post_handshake`](SslSocket::verify_client_post_handshake)),
    /// then flushes the stream.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_polled(cx, Side::Writer, Kind::Flush, |e| e.flush_step()))?;
        Pin::new(&mut this.engine.get_mut().inner).poll_flush(cx)
    }

    /// Sends close_notify (once, within the write timeout), then shuts the
    /// stream's writing side down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_polled(cx, Side::Writer, Kind::Shutdown, |e| e.shutdown_step()))?;
        Pin::new(&mut this.engine.get_mut().inner).poll_shutdown(cx)
    }
}
