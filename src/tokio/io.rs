//! An async stream as the engine sees it: `Read` and `Write` that say
//! "would block" where the stream is pending, as `tokio-openssl` adapts its
//! stream, with one waker that wakes both directions.
//!
//! A read may have to write (a KeyUpdate answer) and a write may have to
//! read (a renegotiation): with `tokio::io::split` the two directions run
//! in different tasks, and the stream keeps one waker per readiness. So
//! the stream is always polled with a waker that wakes the task reading
//! and the task writing; each then polls again and waits for what it needs.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Which task a waker belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Reader,
    Writer,
}

/// The tasks to wake when the stream is ready: each side's, while it waits
/// (one lock for both: an idle connection carries less).
#[derive(Debug, Default)]
struct Tasks {
    /// The reader's task, then the writer's.
    wakers: Mutex<[Option<Waker>; 2]>,
    /// One bit per side (`1 << side`): its task waits.
    waiting: AtomicU8,
}

impl Side {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl Wake for Tasks {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let waiting = self.waiting.swap(0, Ordering::AcqRel);
        if waiting == 0 {
            return;
        }
        let wakers = self.wakers.lock().unwrap_or_else(|p| p.into_inner());
        for side in [Side::Reader, Side::Writer] {
            if waiting & side.bit() != 0 {
                if let Some(w) = wakers[side as usize].as_ref() {
                    w.wake_by_ref();
                }
            }
        }
    }
}

/// The async stream, polled with the waker of both tasks.
pub(crate) struct AsyncIo<S> {
    pub(crate) inner: S,
    tasks: Arc<Tasks>,
    /// The stream was pending during the current attempt.
    pub(crate) pending: bool,
}

impl<S> AsyncIo<S> {
    pub(crate) fn new(inner: S) -> AsyncIo<S> {
        AsyncIo {
            inner,
            tasks: Arc::new(Tasks::default()),
            pending: false,
        }
    }

    /// Makes `cx`'s task the one woken for `side`, before an attempt; it
    /// waits until [`done`](Self::done) or its wake-up.
    pub(crate) fn register(&mut self, side: Side, cx: &Context<'_>) {
        {
            let mut wakers = self.tasks.wakers.lock().unwrap_or_else(|p| p.into_inner());
            let waker = &mut wakers[side as usize];
            if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *waker = Some(cx.waker().clone());
            }
        }
        self.tasks.waiting.fetch_or(side.bit(), Ordering::Release);
        self.pending = false;
    }

    /// The task of `side` no longer waits: its attempt finished.
    pub(crate) fn done(&mut self, side: Side) {
        self.tasks.waiting.fetch_and(!side.bit(), Ordering::Release);
    }

    fn poll<T>(
        &mut self,
        f: impl FnOnce(Pin<&mut S>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> io::Result<T>
    where
        S: Unpin,
    {
        // Made for the call (not kept: an idle connection carries less).
        let waker = Waker::from(Arc::clone(&self.tasks));
        let mut cx = Context::from_waker(&waker);
        match f(Pin::new(&mut self.inner), &mut cx) {
            Poll::Ready(r) => r,
            Poll::Pending => {
                self.pending = true;
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }
}

impl<S: AsyncRead + Unpin> Read for AsyncIo<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        self.poll(|s, cx| s.poll_read(cx, &mut buf))?;
        Ok(buf.filled().len())
    }
}

impl<S: AsyncWrite + Unpin> Write for AsyncIo<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.poll(|s, cx| s.poll_write(cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.poll(|s, cx| s.poll_flush(cx))
    }
}
