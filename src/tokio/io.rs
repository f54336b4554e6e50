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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Which task a waker belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Reader,
    Writer,
}

/// The task of one side, and whether it waits.
#[derive(Debug, Default)]
struct Slot {
    waker: Mutex<Option<Waker>>,
    waiting: AtomicBool,
}

/// The tasks to wake when the stream is ready: each side's, while it waits.
#[derive(Debug, Default)]
struct Tasks {
    reader: Slot,
    writer: Slot,
}

impl Tasks {
    fn slot(&self, side: Side) -> &Slot {
        match side {
            Side::Reader => &self.reader,
            Side::Writer => &self.writer,
        }
    }
}

impl Wake for Tasks {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        for slot in [&self.reader, &self.writer] {
            if slot.waiting.swap(false, Ordering::AcqRel) {
                let waker = slot.waker.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(w) = waker.as_ref() {
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
    waker: Waker,
    /// The stream was pending during the current attempt.
    pub(crate) pending: bool,
}

impl<S> AsyncIo<S> {
    pub(crate) fn new(inner: S) -> AsyncIo<S> {
        let tasks = Arc::new(Tasks::default());
        AsyncIo {
            inner,
            waker: Waker::from(Arc::clone(&tasks)),
            tasks,
            pending: false,
        }
    }

    /// Makes `cx`'s task the one woken for `side`, before an attempt; it
    /// waits until [`done`](Self::done) or its wake-up.
    pub(crate) fn register(&mut self, side: Side, cx: &Context<'_>) {
        let slot = self.tasks.slot(side);
        {
            let mut waker = slot.waker.lock().unwrap_or_else(|p| p.into_inner());
            if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *waker = Some(cx.waker().clone());
            }
        }
        slot.waiting.store(true, Ordering::Release);
        self.pending = false;
    }

    /// The task of `side` no longer waits: its attempt finished.
    pub(crate) fn done(&mut self, side: Side) {
        self.tasks
            .slot(side)
            .waiting
            .store(false, Ordering::Release);
    }

    fn poll<T>(
        &mut self,
        f: impl FnOnce(Pin<&mut S>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> io::Result<T>
    where
        S: Unpin,
    {
        let mut cx = Context::from_waker(&self.waker);
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
