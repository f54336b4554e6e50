//! The I/O engine: every OpenSSL call of a connection runs on a
//! non-blocking descriptor. One attempt either finishes or says what it
//! waits for ([`Step::Wait`]); a driver then returns "would block"
//! (non-blocking mode) or polls the descriptor until the operation's
//! deadline, taken once per call, as CPython's `_ssl.c` does. The blocking
//! socket, the duplex halves and the post-handshake exchange all drive the
//! same attempts; none has a loop around `SSL_read` of its own.
//!
//! This file holds the [`Engine`] and what every operation shares: making
//! one, what it says about itself, one attempt (`attempt`, `push`), the
//! driver (`drive`, [`Waits`]); `deadline.rs` the deadlines and the wait on
//! the descriptor until one passes. The operations'
//! steps, each with its whole call, are by idea: `handshake.rs` (the
//! handshake and what it checks before the first byte), `read.rs` (reads,
//! peeks, readiness, data kept for later), `write.rs` (writes, flushes,
//! KeyUpdates), `close.rs` (close_notify, draining for `unwrap`, and what
//! dropping the engine does).

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use openssl::ssl::{self, ErrorCode, ShutdownState, Ssl, SslRef, SslStream};

use crate::conn::engine::deadline::{wait, Deadline};
use crate::conn::wire::{Wire, OUT_CAP};

use crate::config::hooks::record;
use crate::config::timeouts::Timeouts;
use crate::config::SslConfig;
use crate::error::from_openssl::classify;
use crate::error::operation::Operation;
use crate::error::want::Want;
use crate::error::Error;
use crate::sys::ffi;

mod close;
pub(crate) mod deadline;
mod handshake;
mod read;
mod write;

/// The outcome of one attempt at an operation.
#[derive(Debug)]
pub(crate) enum Step<T> {
    /// Finished, well or not.
    Done(Result<T, Error>),
    /// OpenSSL needs the descriptor to be readable or writable first.
    Wait(Want),
}

impl<T> Step<T> {
    /// The same step with `f` applied to a successful result.
    pub(crate) fn map_done<U>(self, f: impl FnOnce(T) -> U) -> Step<U> {
        match self {
            Step::Done(r) => Step::Done(r.map(f)),
            Step::Wait(w) => Step::Wait(w),
        }
    }
}

/// How a driver waits when an attempt cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waits {
    /// Non-blocking mode: return [`Error::WouldBlock`].
    Report,
    /// Poll the descriptor until the deadline.
    Poll,
    /// As `Poll`, except that an operation without a time limit runs on a
    /// blocking descriptor, sleeping in `read(2)`/`write(2)` as a plain
    /// socket does instead of trying, polling and trying again.
    BlockIfUnbounded,
}

/// How many times in a row an attempt is repeated at once when OpenSSL
/// asks to be called again without its descriptor having blocked (it
/// processed a record that carried no application data).
const IMMEDIATE_RETRIES: usize = 64;

/// The most one attempt reads from a non-blocking descriptor: a peer that
/// floods records without data (KeyUpdates that ask for no answer, empty
/// records) cannot keep one `SSL_read` going; the driver checks the
/// deadline between attempts, and a non-blocking call returns.
pub(super) const READ_BUDGET: usize = 32 * 1024;

/// Application data kept by the engine: `data[pos..]` is still to be
/// handed out.
#[derive(Default)]
pub(super) struct Kept {
    pub(super) data: Vec<u8>,
    pub(super) pos: usize,
}

/// One TLS connection over a stream whose descriptor the engine keeps
/// non-blocking, with what a face needs around it.
pub(crate) struct Engine<S> {
    stream: SslStream<Wire<S>>,
    fd: RawFd,
    /// Whether the descriptor was non-blocking when the engine got it.
    was_nonblocking: bool,
    /// Whether it is now.
    fd_nonblocking: bool,
    /// Split into halves: the descriptor stays non-blocking.
    pub(crate) split: bool,
    /// Non-blocking mode of the face: report "would block" instead of waiting.
    pub(crate) nonblocking: bool,
    /// The time limits, when they differ from the configuration's
    /// (boxed: most connections keep the configuration's).
    own_timeouts: Option<Box<Timeouts>>,
    handshaken: bool,
    /// A client that checks host names and was given none: its handshake
    /// is refused while its mode verifies ([`Error::ServerNameRequired`]).
    needs_server_name: bool,
    close_notify_sent: bool,
    /// Application data read while the post-handshake exchange waited,
    /// handed out by the next reads before anything else.
    /// (Boxed: rare, and an idle connection should not carry its room.)
    buffered: Option<Box<Kept>>,
    /// CertificateRequests this server has sent on the connection, up to
    /// 65,535 (only whether there was one matters).
    pub(crate) cert_requests: u16,
    /// An operation timed out with bytes still waiting to go out: the peer
    /// does not take them, and dropping the engine tries once more only.
    gave_up_sending: bool,
    /// The descriptor goes back to the caller: dropping the engine leaves
    /// it as it is (no lingering close).
    handed_back: bool,
    /// Sends what is waiting and marks the connection shut down when the
    /// engine is dropped (made where `S` is known to be writable).
    finish: fn(&mut Engine<S>),
    /// The configuration the connection was made from.
    config: SslConfig,
}

impl<S: Read + Write + AsFd> Engine<S> {
    /// Takes over `stream` for the connection `ssl` (made by
    /// [`SslConfig::new_ssl`]); from now on the engine decides whether its
    /// descriptor blocks. No byte is sent.
    ///
    /// `nonblocking` is the descriptor's mode when the caller knows it (a
    /// socket std just made is blocking); otherwise it is asked for.
    pub(crate) fn new(
        config: &SslConfig,
        (ssl, needs_server_name): (Ssl, bool),
        stream: S,
        nonblocking: Option<bool>,
    ) -> Result<Engine<S>, Error> {
        let fd = stream.as_fd().as_raw_fd();
        let was_nonblocking = match nonblocking {
            Some(known) => known,
            None => ffi::fd::fd_is_nonblocking(stream.as_fd()).map_err(|source| Error::Io {
                during: Operation::Handshake,
                source,
            })?,
        };
        Engine::assemble(
            config,
            (ssl, needs_server_name),
            stream,
            fd,
            was_nonblocking,
        )
    }

    /// The descriptor, borrowed.
    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.get_ref().inner.as_fd()
    }
}

impl<S> Engine<S> {
    /// Makes the descriptor blocking or not, with a system call only when
    /// that changes.
    pub(crate) fn set_fd_mode(&mut self, nonblocking: bool, op: Operation) -> Result<(), Error> {
        if self.fd_nonblocking != nonblocking {
            ffi::fd::set_fd_nonblocking(self.fd, nonblocking)
                .map_err(|source| Error::Io { during: op, source })?;
            self.fd_nonblocking = nonblocking;
        }
        Ok(())
    }

    /// Sets the connection's verify mode (`SSL_set_verify`); the session a
    /// client offers meets the mode in force when its handshake begins
    /// ([`session::withdraw_unverified`]).
    ///
    /// [`session::withdraw_unverified`]: crate::config::session::withdraw_unverified
    pub(crate) fn set_verify_mode(&mut self, mode: crate::verify::mode::VerifyMode) {
        self.ssl_mut().set_verify(mode.to_openssl());
    }

    /// The configuration the connection was made from.
    pub(crate) fn config(&self) -> &SslConfig {
        &self.config
    }

    /// The most the post-handshake exchange keeps of the application data
    /// it reads (the configuration's limit).
    pub(crate) fn buffer_limit(&self) -> usize {
        self.config.inner().post_handshake_buffer_limit
    }

    /// The time limits of the connection's operations.
    pub(crate) fn timeouts(&self) -> &Timeouts {
        match &self.own_timeouts {
            Some(own) => own,
            None => &self.config.inner().timeouts,
        }
    }

    /// The time limits, to change them for this connection alone.
    pub(crate) fn timeouts_mut(&mut self) -> &mut Timeouts {
        let config = &self.config;
        self.own_timeouts
            .get_or_insert_with(|| Box::new(config.inner().timeouts))
    }

    /// The descriptor polled.
    pub(crate) fn fd(&self) -> RawFd {
        self.fd
    }

    pub(crate) fn ssl(&self) -> &SslRef {
        self.stream.ssl()
    }

    pub(crate) fn ssl_mut(&mut self) -> &mut SslRef {
        ffi::connection::ssl_mut(&mut self.stream)
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.stream.get_ref().inner
    }

    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.stream.get_mut().inner
    }

    /// Bytes OpenSSL wrote that the descriptor has not taken yet.
    pub(crate) fn waiting_out(&self) -> usize {
        self.stream.get_ref().waiting()
    }

    /// What a non-blocking caller must wait for when an attempt waits for
    /// `want`: when OpenSSL waits to read while bytes are waiting to go out,
    /// either readiness moves the connection on (the peer may be waiting for
    /// those bytes, or may send before it reads), so the caller must wait
    /// for both.
    pub(crate) fn reported_want(&self, want: Want) -> Want {
        match want {
            Want::Read if self.waiting_out() > 0 => Want::ReadOrWrite,
            want => want,
        }
    }

    /// Whether the handshake has completed.
    pub(crate) fn handshaken(&self) -> bool {
        self.handshaken
    }

    /// Whether a handshake step has nothing to do: the handshake has
    /// completed and OpenSSL has queued nothing for it to send.
    pub(crate) fn handshake_idle(&self) -> bool {
        self.handshaken && !ffi::handshake::handshake_message_queued(self.ssl())
    }

    /// Bytes a read takes without touching the descriptor: decrypted
    /// ([`decrypted`](Self::decrypted)), and received but not yet
    /// processed (records read ahead, which may turn out to carry no data
    /// or be incomplete: a read then says "would block" and this is 0).
    pub(crate) fn pending(&self) -> usize {
        self.decrypted() + self.received()
    }

    /// Decrypted bytes ready to read (`SSL_pending`, plus data kept).
    pub(crate) fn decrypted(&self) -> usize {
        self.ssl().pending() + self.buffered_len()
    }

    /// Bytes received from the descriptor that OpenSSL has not taken yet.
    pub(crate) fn received(&self) -> usize {
        self.stream.get_ref().received()
    }

    /// Application data kept and not yet handed out.
    pub(crate) fn buffered_len(&self) -> usize {
        self.buffered.as_ref().map_or(0, |k| k.data.len() - k.pos)
    }

    /// The limit each operation gets.
    pub(crate) fn limit(&self, op: Operation) -> Option<Duration> {
        match op {
            Operation::Handshake => self.timeouts().handshake,
            Operation::Write | Operation::KeyUpdate | Operation::Shutdown => self.timeouts().write,
            _ => self.timeouts().read,
        }
    }

    /// The error for a failed OpenSSL call: a hook's panic first, else
    /// what the failure was, with the verify result and the alert sent.
    fn error(&self, e: ssl::Error, op: Operation) -> Error {
        if let Some(panicked) = self.take_panic() {
            return panicked;
        }
        let ssl = self.ssl();
        classify(
            e,
            op,
            self.limit(op),
            ssl,
            record::verify_failure(ssl, false),
            record::alert_sent(ssl),
        )
    }

    /// A hook's panic not yet reported, as an error.
    pub(crate) fn take_panic(&self) -> Option<Error> {
        record::take_panic(self.ssl())
            .map(|(callback, message)| Error::CallbackPanicked { callback, message })
    }
}

impl<S: Read + Write> Engine<S> {
    /// Takes over `stream`, which has no descriptor to poll, for a face
    /// that waits on its own (the async one): every wait is reported, and
    /// dropping the engine tries once to send what is waiting.
    #[cfg(feature = "tokio")]
    pub(crate) fn without_descriptor(
        config: &SslConfig,
        ssl: (Ssl, bool),
        stream: S,
    ) -> Result<Engine<S>, Error> {
        let mut engine = Engine::assemble(config, ssl, stream, -1, true)?;
        engine.nonblocking = true;
        // Its reads fill one buffer only.
        engine.stream.get_mut().vectored = false;
        Ok(engine)
    }

    fn assemble(
        config: &SslConfig,
        (ssl, needs_server_name): (Ssl, bool),
        stream: S,
        fd: RawFd,
        was_nonblocking: bool,
    ) -> Result<Engine<S>, Error> {
        let stream = SslStream::new(ssl, Wire::new(stream)).map_err(|source| Error::Tls {
            during: Operation::Handshake,
            source,
        })?;
        Ok(Engine {
            stream,
            fd,
            was_nonblocking,
            fd_nonblocking: was_nonblocking,
            split: false,
            nonblocking: false,
            own_timeouts: None,
            handshaken: false,
            needs_server_name,
            close_notify_sent: false,
            buffered: None,
            cert_requests: 0,
            gave_up_sending: false,
            handed_back: false,
            finish: Engine::finish_on_drop,
            config: config.clone(),
        })
    }

    /// Whether the peer's close_notify has arrived.
    pub(crate) fn received_close_notify(&mut self) -> bool {
        self.stream.get_shutdown().contains(ShutdownState::RECEIVED)
    }

    /// One attempt at `f`, repeated at once while OpenSSL asks for that
    /// without its descriptor having blocked.
    fn attempt<T>(
        &mut self,
        op: Operation,
        mut f: impl FnMut(&mut SslStream<Wire<S>>) -> Result<T, ssl::Error>,
    ) -> Step<T> {
        let budget = self.fd_nonblocking.then_some(READ_BUDGET);
        self.stream.get_mut().begin_attempt(budget);
        let mut tries = 0;
        loop {
            let before = self.received();
            let e = match f(&mut self.stream) {
                Ok(v) => return Step::Done(Ok(v)),
                Err(e) => e,
            };
            tries += 1;
            let want = match e.code() {
                // The Wire refused to read while too much waits to go out:
                // what moves the connection on is writing.
                ErrorCode::WANT_READ if self.waiting_out() > OUT_CAP => Want::Write,
                ErrorCode::WANT_READ => Want::Read,
                ErrorCode::WANT_WRITE => Want::Write,
                _ => return Step::Done(Err(self.error(e, op))),
            };
            match e.io_error().map(|io| io.kind()) {
                // Bytes read ahead are never waited for on the descriptor
                // (it may have nothing more): go on while OpenSSL takes them.
                None if tries < IMMEDIATE_RETRIES || self.received() < before => continue,
                None => return Step::Wait(Want::Read),
                Some(std::io::ErrorKind::WouldBlock) => return Step::Wait(want),
                Some(_) => return Step::Done(Err(self.error(e, op))),
            }
        }
    }

    /// Sends what is waiting to go out, as far as the descriptor takes it:
    /// `Ok(true)` when nothing is left.
    fn push(&mut self, op: Operation) -> Result<bool, Error> {
        self.stream
            .get_mut()
            .push()
            .map_err(|source| Error::Io { during: op, source })
    }

    /// `step`, finished only once what it wrote has gone out.
    fn pushed<T>(&mut self, op: Operation, step: Step<T>) -> Step<T> {
        match step {
            Step::Done(Ok(v)) => match self.push(op) {
                Ok(true) => Step::Done(Ok(v)),
                Ok(false) => Step::Wait(Want::Write),
                Err(e) => Step::Done(Err(e)),
            },
            other => {
                // Whatever it was, what it wrote goes out as far as it can.
                let _ = self.push(op);
                other
            }
        }
    }

    /// How this face waits: reports in non-blocking mode, else blocks or
    /// polls.
    pub(crate) fn waits(&self) -> Waits {
        if self.nonblocking {
            Waits::Report
        } else {
            Waits::BlockIfUnbounded
        }
    }

    /// Runs `step` to its end: with [`Waits::Report`] the first wait is
    /// [`Error::WouldBlock`]; otherwise each wait polls the descriptor, all
    /// of them within one deadline, `limit` from now (see
    /// [`Waits::BlockIfUnbounded`] for an operation without a limit).
    pub(crate) fn drive<T>(
        &mut self,
        op: Operation,
        limit: Option<Duration>,
        waits: Waits,
        step: impl FnMut(&mut Self) -> Step<T>,
    ) -> Result<T, Error> {
        self.drive_until(op, Deadline::after(limit), waits, step)
    }

    /// As [`drive`](Self::drive), within a deadline already running.
    fn drive_until<T>(
        &mut self,
        op: Operation,
        deadline: Deadline,
        waits: Waits,
        step: impl FnMut(&mut Self) -> Step<T>,
    ) -> Result<T, Error> {
        let r = self.drive_steps(op, deadline, waits, step);
        self.note_timeout(r)
    }

    /// Notes an operation's timeout with bytes still waiting to go out
    /// (see `gave_up_sending`), and passes its result on.
    pub(crate) fn note_timeout<T>(&mut self, r: Result<T, Error>) -> Result<T, Error> {
        if matches!(r, Err(Error::Timeout { .. })) && self.waiting_out() > 0 {
            self.gave_up_sending = true;
        }
        r
    }

    fn drive_steps<T>(
        &mut self,
        op: Operation,
        deadline: Deadline,
        waits: Waits,
        mut step: impl FnMut(&mut Self) -> Step<T>,
    ) -> Result<T, Error> {
        let block = waits == Waits::BlockIfUnbounded && deadline.limit.is_none() && !self.split;
        // A descriptor that must block is made so only once an attempt on
        // it as it is has to wait: an operation whose bytes are there (the
        // request after the handshake, the answer and close_notify going
        // out) changes no mode, and the close after it finds the
        // descriptor non-blocking as it needs it.
        if !block {
            self.set_fd_mode(true, op)?;
        }
        loop {
            match step(self) {
                Step::Done(r) => return r,
                Step::Wait(want) if waits == Waits::Report => {
                    return Err(Error::WouldBlock {
                        operation: op,
                        want: self.reported_want(want),
                    })
                }
                Step::Wait(_) if block && self.fd_nonblocking => self.set_fd_mode(false, op)?,
                // On a blocking descriptor an attempt waits only when the
                // descriptor's own timeout (SO_RCVTIMEO / SO_SNDTIMEO, set
                // by whoever made the stream) fired.
                Step::Wait(_) if block => {
                    return Err(Error::Timeout {
                        operation: op,
                        after: None,
                    })
                }
                Step::Wait(want) => {
                    let also_write = self.waiting_out() > 0;
                    wait(self.fd, want, also_write, &deadline, op, None)?
                }
            }
        }
    }

    /// Puts the descriptor back in blocking mode if it was when the engine
    /// took it (for a stream handed back to the caller).
    pub(crate) fn restore_blocking(&mut self) -> Result<(), Error> {
        self.set_fd_mode(self.was_nonblocking, Operation::Shutdown)
    }
}
