//! One connection, two threads: a reading half and a writing half that
//! work at the same time. OpenSSL is never entered by both at once (one
//! lock around the engine), and neither half holds that lock while it
//! waits on the descriptor.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::config::timeouts::Timeouts;
use crate::conn::engine::deadline::{self, Deadline};
use crate::conn::engine::{Engine, Step};
use crate::error::operation::Operation;
use crate::error::Error;
use crate::socket::SslSocket;
use crate::sys::ffi;

const READER: usize = 0;
/// How long a half leaves the lock to the other half queued for it: longer
/// than a scheduler's time slice, so that the other is scheduled.
const TURN_WAIT: Duration = Duration::from_millis(50);
const WRITER: usize = 1;

/// How a half's call treats a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// An operation's: reported in non-blocking mode; a timeout with bytes
    /// left to send is noted on the connection.
    Operation,
    /// The wait the caller asked for (`wait_readable`): made whatever the
    /// mode, and its end says nothing of the peer.
    Asked,
}

/// What both halves share.
struct Shared<S> {
    engine: Mutex<Engine<S>>,
    fd: RawFd,
    /// Per half: a socket pair whose first end that half polls beside the
    /// descriptor, so that the other half can wake it.
    wake: [(UnixStream, UnixStream); 2],
    /// Per half: whether it is waiting on the descriptor (set and read
    /// under the engine's lock).
    waiting: [AtomicBool; 2],
    /// Callers waiting for the lock. A half that loops (a read half fed a
    /// flood of records, one bounded attempt after another) lets them in
    /// before it takes the lock again.
    queued: AtomicUsize,
}

/// The reading half of a split [`SslSocket`]: [`Read`], on its own thread
/// while the [`WriteHalf`] writes on another.
///
/// The halves share one connection behind a lock that neither holds while
/// waiting for the descriptor; a renegotiation, post-handshake request or
/// KeyUpdate arriving meanwhile is handled by whichever half meets it.
/// Each half has its own timeout (the read timeout here, the write timeout
/// there) and the socket's non-blocking mode. Dropping one half leaves the
/// other working; [`reunite`](Self::reunite) gives the socket back.
pub struct ReadHalf<S> {
    shared: Arc<Shared<S>>,
}

/// The writing half of a split [`SslSocket`]: [`Write`], plus
/// [`shutdown`](Self::shutdown) (close_notify, sent once) and
/// [`key_update`](Self::key_update). See [`ReadHalf`].
pub struct WriteHalf<S> {
    shared: Arc<Shared<S>>,
}

/// [`ReadHalf::reunite`] was given the write half of another connection;
/// both halves are handed back.
pub struct ReuniteError<S>(pub ReadHalf<S>, pub WriteHalf<S>);

impl<S: Read + Write> SslSocket<S> {
    /// Splits the connection into a reading and a writing half, each usable
    /// from its own thread at the same time (python-nss's `SSL_ENABLE_FDX`);
    /// see [`ReadHalf`]. Both halves are `Send` when `S` is.
    #[doc(alias = "SSL_ENABLE_FDX")]
    pub fn split(self) -> (ReadHalf<S>, WriteHalf<S>) {
        split(self.into_engine())
    }
}

fn split<S>(mut engine: Engine<S>) -> (ReadHalf<S>, WriteHalf<S>) {
    // The halves poll; their descriptor never blocks (each call makes sure,
    // and reports it should the descriptor refuse).
    engine.split = true;
    let _ = engine.set_fd_mode(true, Operation::Read);
    let pair = || {
        let (rx, tx) = UnixStream::pair().expect("socketpair(2) for a duplex wake-up");
        let _ = rx.set_nonblocking(true);
        let _ = tx.set_nonblocking(true);
        (rx, tx)
    };
    let shared = Arc::new(Shared {
        fd: engine.fd(),
        engine: Mutex::new(engine),
        wake: [pair(), pair()],
        waiting: [AtomicBool::new(false), AtomicBool::new(false)],
        queued: AtomicUsize::new(0),
    });
    (
        ReadHalf {
            shared: Arc::clone(&shared),
        },
        WriteHalf { shared },
    )
}

impl<S> Shared<S> {
    /// The lock, after whoever is already queued for it (std's mutex is
    /// not fair: a half that releases and takes it again at once could
    /// keep the other out).
    fn lock(&self) -> MutexGuard<'_, Engine<S>> {
        let since = std::time::Instant::now();
        while self.queued.load(Ordering::SeqCst) > 0 && since.elapsed() < TURN_WAIT {
            std::thread::yield_now();
        }
        self.queued.fetch_add(1, Ordering::SeqCst);
        let guard = self.engine.lock().unwrap_or_else(|p| p.into_inner());
        self.queued.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// Wakes half `who` if it waits.
    fn wake(&self, who: usize) {
        let _ = (&self.wake[who].1).write(&[1]);
    }

    /// Empties half `who`'s wake-up pair.
    fn drain(&self, who: usize) {
        let mut sink = [0u8; 64];
        while matches!((&self.wake[who].0).read(&mut sink), Ok(n) if n > 0) {}
    }
}

impl<S: Read + Write> Shared<S> {
    /// Runs `step` for half `me` to its end: one attempt at a time under
    /// the lock, the waits outside it, all within one deadline (the limit
    /// `limit` picks from the timeouts, taken when the call starts). A
    /// step that moved the connection on (read from the descriptor,
    /// finished or started a handshake) wakes the other half if it waits,
    /// since what it waits for may now be inside OpenSSL.
    fn drive<T>(
        &self,
        me: usize,
        op: Operation,
        limit: fn(&Timeouts) -> Option<Duration>,
        step: impl FnMut(&mut Engine<S>) -> Step<T>,
    ) -> Result<T, Error> {
        self.drive_as(me, op, limit, Waiting::Operation, step)
    }

    /// As [`drive`](Self::drive), waiting as `how` says.
    fn drive_as<T>(
        &self,
        me: usize,
        op: Operation,
        limit: impl Fn(&Timeouts) -> Option<Duration>,
        how: Waiting,
        mut step: impl FnMut(&mut Engine<S>) -> Step<T>,
    ) -> Result<T, Error> {
        let other = 1 - me;
        let mut deadline: Option<Deadline> = None;
        loop {
            let (outcome, nonblocking, deadline_now, waiting_out, reported) = {
                let mut e = self.lock();
                // The halves must never block inside OpenSSL while holding
                // the lock (no system call when already so).
                e.set_fd_mode(true, op)?;
                let deadline =
                    *deadline.get_or_insert_with(|| Deadline::after(limit(e.timeouts())));
                // What the other half may be waiting for: data read into
                // OpenSSL or ahead of it, a handshake finished or started,
                // bytes left to send (which it must then watch the
                // descriptor for).
                let state = |e: &Engine<S>| {
                    (
                        ffi::connection::bytes_read(e.ssl()),
                        e.ssl().is_init_finished(),
                        e.waiting_out() > 0,
                        e.received(),
                    )
                };
                let before = state(&e);
                let outcome = step(&mut e);
                let after = state(&e);
                let nonblocking = e.nonblocking && how == Waiting::Operation;
                let waiting = matches!(outcome, Step::Wait(_)) && !nonblocking;
                self.waiting[me].store(waiting, Ordering::SeqCst);
                if before != after && self.waiting[other].load(Ordering::SeqCst) {
                    self.wake(other);
                }
                let waiting_out = e.waiting_out() > 0;
                let reported = match outcome {
                    Step::Wait(w) => e.reported_want(w),
                    Step::Done(_) => crate::error::want::Want::Read,
                };
                (outcome, nonblocking, deadline, waiting_out, reported)
            };
            match outcome {
                Step::Done(r) => return r,
                Step::Wait(_) if nonblocking => {
                    return Err(Error::WouldBlock {
                        operation: op,
                        want: reported,
                    })
                }
                Step::Wait(want) => {
                    let wake = self.wake[me].0.as_raw_fd();
                    let r =
                        deadline::wait(self.fd, want, waiting_out, &deadline_now, op, Some(wake));
                    self.drain(me);
                    if r.is_err() {
                        self.waiting[me].store(false, Ordering::SeqCst);
                        match how {
                            Waiting::Asked => r?,
                            Waiting::Operation => self.lock().note_timeout(r)?,
                        }
                    }
                }
            }
        }
    }

    /// The handshake, if the socket was split before it.
    fn handshake(&self, me: usize) -> Result<(), Error> {
        if self.lock().handshaken() {
            return Ok(());
        }
        self.drive(
            me,
            Operation::Handshake,
            |t| t.handshake,
            |e| e.handshake_step(),
        )
    }
}

impl<S: Read + Write> ReadHalf<S> {
    /// Reads application data, as [`SslSocket::recv`], within the read timeout.
    ///
    /// # Errors
    ///
    /// As [`SslSocket::recv`].
    #[doc(alias = "SSL_read")]
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.shared.handshake(READER)?;
        self.shared
            .drive(READER, Operation::Read, |t| t.read, |e| e.read_step(buf))
    }

    /// Reads application data without removing it, as [`SslSocket::peek`],
    /// within the read timeout, while the write half writes.
    ///
    /// # Errors
    ///
    /// As [`SslSocket::recv`].
    #[doc(alias("SSL_peek", "SSL_peek_ex", "MSG_PEEK"))]
    pub fn peek(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.shared.handshake(READER)?;
        self.shared
            .drive(READER, Operation::Read, |t| t.read, |e| e.peek_step(buf))
    }

    /// Waits at most `timeout` until a read would return at once, as
    /// [`SslSocket::wait_readable`] (Qore's `isDataAvailable`), while the
    /// write half writes: `false` only after the whole wait,
    /// `Some(Duration::ZERO)` checks once, `None` waits without limit.
    ///
    /// # Errors
    ///
    /// As [`SslSocket::wait_readable`].
    #[doc(alias("isDataAvailable", "is_data_available"))]
    pub fn wait_readable(&mut self, timeout: Option<Duration>) -> Result<bool, Error> {
        self.shared.handshake(READER)?;
        let r = self.shared.drive_as(
            READER,
            Operation::Read,
            |_| timeout,
            Waiting::Asked,
            |e| e.readable_step(),
        );
        match r {
            Err(Error::Timeout { .. }) => Ok(false),
            r => r,
        }
    }

    /// Bytes a read takes without touching the socket, as
    /// [`SslSocket::pending`].
    #[doc(alias = "SSL_pending")]
    #[doc(alias = "SSL_has_pending")]
    pub fn pending(&self) -> usize {
        self.shared.lock().pending()
    }

    /// Sets the read timeout of the connection (both halves see it).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero duration.
    pub fn set_read_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.shared.lock().timeouts_mut().read = deadline::nonzero(t)?;
        Ok(())
    }

    /// Puts the two halves of one connection back together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], holding both halves, when `write` belongs to
    /// another connection.
    pub fn reunite(self, write: WriteHalf<S>) -> Result<SslSocket<S>, ReuniteError<S>> {
        if !Arc::ptr_eq(&self.shared, &write.shared) {
            return Err(ReuniteError(self, write));
        }
        drop(write);
        let shared = Arc::try_unwrap(self.shared)
            .unwrap_or_else(|_| unreachable!("a connection has exactly two halves"));
        let mut engine = shared
            .engine
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        engine.split = false;
        Ok(SslSocket::from_engine(engine))
    }
}

impl<S: Read + Write> WriteHalf<S> {
    /// Writes the start of `buf` (up to 64 KiB), as [`SslSocket::send`],
    /// within the write timeout; returns how much was taken.
    ///
    /// # Errors
    ///
    /// As [`SslSocket::send`].
    #[doc(alias = "SSL_write")]
    pub fn send(&mut self, buf: &[u8]) -> Result<usize, Error> {
        self.shared.handshake(WRITER)?;
        self.shared
            .drive(WRITER, Operation::Write, |t| t.write, |e| e.write_step(buf))
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    #[doc(alias("SSL_write", "sendall"))]
    pub fn send_all(&mut self, buf: &[u8]) -> Result<(), Error> {
        crate::conn::engine::deadline::send_all(buf, |b| self.send(b))
    }

    /// Sends close_notify, once for the connection, within the write timeout.
    ///
    /// # Errors
    ///
    /// As [`SslSocket::shutdown`].
    #[doc(alias = "SSL_shutdown")]
    pub fn shutdown(&mut self) -> Result<(), Error> {
        self.shared.drive(
            WRITER,
            Operation::Shutdown,
            |t| t.write,
            |e| e.shutdown_step(),
        )
    }

    /// Sends a TLS 1.3 KeyUpdate now, as [`SslSocket::key_update`].
    ///
    /// # Errors
    ///
    /// As [`SslSocket::key_update`].
    #[doc(alias = "SSL_key_update")]
    pub fn key_update(&mut self, request_peer: bool) -> Result<(), Error> {
        self.shared.handshake(WRITER)?;
        self.shared.drive(
            WRITER,
            Operation::KeyUpdate,
            |t| t.write,
            |e| e.key_update_room_step(),
        )?;
        self.shared.lock().schedule_key_update(request_peer)?;
        self.shared.drive(
            WRITER,
            Operation::KeyUpdate,
            |t| t.write,
            |e| e.key_update_write_step(),
        )
    }

    /// Queues a TLS 1.3 post-handshake CertificateRequest and sends it, as
    /// [`SslSocket::verify_client_post_handshake`]; the read half processes
    /// the client's answer, after which [`ReadHalf::reunite`] gives a socket
    /// whose [`peer_certificate`](SslSocket::peer_certificate) describes it.
    ///
    /// # Errors
    ///
    /// As [`SslSocket::verify_client_post_handshake`], and the write errors.
    #[doc(alias = "SSL_verify_client_post_handshake")]
    pub fn verify_client_post_handshake(&mut self) -> Result<(), Error> {
        self.shared.handshake(WRITER)?;
        crate::conn::post_handshake::queue_request(&mut self.shared.lock())?;
        self.shared.drive(
            WRITER,
            Operation::PostHandshakeAuth,
            |t| t.write,
            |e| e.rehandshake_step(Operation::PostHandshakeAuth),
        )
    }

    /// Sets the write timeout of the connection (both halves see it).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero duration.
    pub fn set_write_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.shared.lock().timeouts_mut().write = deadline::nonzero(t)?;
        Ok(())
    }
}

impl<S: Read + Write> Read for ReadHalf<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf).map_err(io::Error::from)
    }
}

impl<S: Read + Write> Write for WriteHalf<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(buf).map_err(io::Error::from)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.shared
            .drive(WRITER, Operation::Write, |t| t.write, |e| e.flush_step())
            .map_err(io::Error::from)
    }
}

impl<S> fmt::Debug for ReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf")
            .field("fd", &self.shared.fd)
            .finish()
    }
}

impl<S> fmt::Debug for WriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf")
            .field("fd", &self.shared.fd)
            .finish()
    }
}

impl<S> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<S> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the two halves belong to different connections")
    }
}

impl<S> std::error::Error for ReuniteError<S> {}
