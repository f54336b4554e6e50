//! The I/O engine: every OpenSSL call of a connection runs on a
//! non-blocking descriptor. One attempt either finishes or says what it
//! waits for ([`Step::Wait`]); a driver then returns "would block"
//! (non-blocking mode) or polls the descriptor until the operation's
//! deadline, taken once per call, as CPython's `_ssl.c` does. The blocking
//! socket, the duplex halves and the post-handshake exchange all drive the
//! same attempts; none has a loop around `SSL_read` of its own.

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use openssl::ssl::{self, ErrorCode, ShutdownState, Ssl, SslRef, SslStream};

use crate::wire::{Wire, OUT_CAP};

use crate::callbacks;
use crate::config::{SslConfig, Timeouts};
use crate::error::{classify, Error, Operation, Want};
use crate::ffi::{self, Polled};
use crate::inspection;
use crate::linger;

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

/// `None` or a non-zero duration, as std's socket timeouts take them.
pub(crate) fn nonzero(t: Option<Duration>) -> std::io::Result<Option<Duration>> {
    match t {
        Some(d) if d.is_zero() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "cannot set a 0 duration timeout",
        )),
        t => Ok(t),
    }
}

/// Calls `send` until all of `buf` is taken.
pub(crate) fn send_all(
    mut buf: &[u8],
    mut send: impl FnMut(&[u8]) -> Result<usize, Error>,
) -> Result<(), Error> {
    while !buf.is_empty() {
        let n = send(buf)?;
        buf = &buf[n..];
    }
    Ok(())
}

/// When an operation must be over, computed once when it starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Option<Instant>,
    limit: Option<Duration>,
}

impl Deadline {
    /// Whether the deadline has passed.
    pub(crate) fn expired(&self) -> bool {
        self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// `limit` from now; `None`, or a limit too large for the clock, never
    /// expires.
    pub(crate) fn after(limit: Option<Duration>) -> Deadline {
        Deadline {
            at: limit.and_then(|l| Instant::now().checked_add(l)),
            limit,
        }
    }
}

/// Waits until `fd` is ready for `want` (or writable too, with
/// `also_write`: bytes are waiting to go out), `wake` is readable, or the
/// deadline passes ([`Error::Timeout`] for `operation`).
pub(crate) fn wait(
    fd: RawFd,
    want: Want,
    also_write: bool,
    deadline: &Deadline,
    operation: Operation,
    wake: Option<RawFd>,
) -> Result<(), Error> {
    let timed_out = || Error::Timeout {
        operation,
        after: deadline.limit,
    };
    loop {
        let remaining = match deadline.at {
            None => None,
            Some(at) => match at.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Err(timed_out()),
            },
        };
        match ffi::poll_fd(
            fd,
            want.wants_readable(),
            want.wants_writable() || also_write,
            wake,
            remaining,
        ) {
            Ok(Polled::Ready | Polled::Woken) => return Ok(()),
            // poll(2) takes at most about 24.8 days: wait again until the
            // deadline itself has passed.
            Ok(Polled::TimedOut) => continue,
            Err(source) => {
                return Err(Error::Io {
                    during: operation,
                    source,
                })
            }
        }
    }
}

/// How many times in a row an attempt is repeated at once when OpenSSL
/// asks to be called again without its descriptor having blocked (it
/// processed a record that carried no application data).
const IMMEDIATE_RETRIES: usize = 64;

/// A write waits while more than this is waiting to go out.
const WRITE_WAITS_ABOVE: usize = 64 * 1024;

/// The most one write hands OpenSSL; `send` returns how much it took.
const WRITE_CHUNK: usize = 64 * 1024;

/// A read waits (to write) while more than this is waiting to go out: what
/// OpenSSL answers from inside reads (KeyUpdates, post-handshake
/// Certificates) to a peer that does not read is bounded too (the Wire
/// refuses to read past it even inside one `SSL_read`).
const READ_WAITS_ABOVE: usize = OUT_CAP;

/// The most one attempt reads from a non-blocking descriptor: a peer that
/// floods records without data (KeyUpdates that ask for no answer, empty
/// records) cannot keep one `SSL_read` going; the driver checks the
/// deadline between attempts, and a non-blocking call returns.
const READ_BUDGET: usize = 32 * 1024;

/// Application data kept by the engine: `data[pos..]` is still to be
/// handed out.
#[derive(Default)]
struct Kept {
    data: Vec<u8>,
    pos: usize,
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
            None => ffi::fd_is_nonblocking(stream.as_fd()).map_err(|source| Error::Io {
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
            ffi::set_fd_nonblocking(self.fd, nonblocking)
                .map_err(|source| Error::Io { during: op, source })?;
            self.fd_nonblocking = nonblocking;
        }
        Ok(())
    }

    /// Sets the connection's verify mode (`SSL_set_verify`); the session a
    /// client offers meets the mode in force when its handshake begins
    /// ([`session::withdraw_unverified`]).
    ///
    /// [`session::withdraw_unverified`]: crate::session::withdraw_unverified
    pub(crate) fn set_verify_mode(&mut self, mode: crate::VerifyMode) {
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
        ffi::ssl_mut(&mut self.stream)
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
        self.handshaken && !ffi::handshake_message_queued(self.ssl())
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
    fn limit(&self, op: Operation) -> Option<Duration> {
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
            callbacks::verify_failure(ssl, false),
            callbacks::alert_sent(ssl),
        )
    }

    /// A hook's panic not yet reported, as an error.
    pub(crate) fn take_panic(&self) -> Option<Error> {
        callbacks::take_panic(self.ssl())
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

    /// One attempt at sending what is waiting to go out, and a handshake
    /// message OpenSSL has queued (see [`handshake_step`](Self::handshake_step)).
    pub(crate) fn flush_step(&mut self) -> Step<()> {
        if self.handshaken && ffi::handshake_message_queued(self.ssl()) {
            return self.rehandshake_step(Operation::Write);
        }
        match self.push(Operation::Write) {
            Ok(true) => Step::Done(Ok(())),
            Ok(false) => Step::Wait(Want::Write),
            Err(e) => Step::Done(Err(e)),
        }
    }

    /// What dropping the engine does: sends what is still waiting, then
    /// marks a live connection as shut down (no alert is sent).
    ///
    /// A connection dropped without close_notify would make OpenSSL mark its
    /// session unresumable (`SSL_free` on a connection not shut down); a
    /// connection that failed fatally was already removed by OpenSSL, so
    /// marking the rest as shut down only keeps good sessions resumable.
    fn finish_on_drop(&mut self) {
        self.send_waiting_on_drop();
        if self.handshaken && self.ssl().is_init_finished() {
            let state = self.stream.get_shutdown();
            self.stream.set_shutdown(state | ShutdownState::SENT);
        }
        self.linger_on_drop();
    }

    /// A lingering close ([`linger`](crate::linger)) when the connection
    /// ends after this end sent a fatal alert or its close_notify while the
    /// peer's has not come, or with input unread: the peer then reads all
    /// that was sent (the alert that says why, the last answer) instead of
    /// a reset, which is what closing with input unread, or input arriving
    /// after the close, makes the kernel send. A non-blocking socket's owner
    /// does not wait: the sending side is shut down and what has arrived is
    /// read, nothing more.
    fn linger_on_drop(&mut self) {
        if self.fd < 0 || self.handed_back {
            return;
        }
        let alert_sent = callbacks::alert_sent(self.ssl()).is_some();
        let peer_open = !self.received_close_notify();
        let at_stake = alert_sent || (peer_open && self.close_notify_sent);
        if !at_stake && (!peer_open || !linger::input_waiting(self.fd)) {
            return;
        }
        if self.set_fd_mode(true, Operation::Shutdown).is_err() {
            return;
        }
        // Nor does a peer that left our bytes unread until they timed out:
        // it would not read an alert either.
        let wait = (!self.nonblocking || self.split) && !self.gave_up_sending;
        let fd = self.fd;
        linger::close_lingering(self.get_mut(), fd, wait, linger::LINGER);
    }

    /// The descriptor goes back to the caller when the engine is dropped:
    /// no lingering close.
    pub(crate) fn hand_back(&mut self) {
        self.handed_back = true;
    }

    fn send_waiting_on_drop(&mut self) {
        if self.waiting_out() == 0 {
            return;
        }
        // A non-blocking socket's owner does not wait, and bytes that
        // already timed out are not waited for twice: one try.
        if (self.nonblocking && !self.split) || self.gave_up_sending {
            let _ = self.push(Operation::Write);
            return;
        }
        let limit = self.timeouts().write.or(Some(Duration::from_secs(10)));
        let _ = self.drive(Operation::Write, limit, Waits::Poll, |e| e.flush_step());
    }

    /// One attempt at the handshake, which resumes where the last stopped;
    /// done once this side's last flight has gone out. Once handshaken, as
    /// `SSL_do_handshake`: sends what OpenSSL has queued (the
    /// CertificateRequest of `verify_client_post_handshake`), if anything.
    pub(crate) fn handshake_step(&mut self) -> Step<()> {
        if self.handshaken {
            if ffi::handshake_message_queued(self.ssl()) {
                return self.rehandshake_step(Operation::Handshake);
            }
            return Step::Done(Ok(()));
        }
        if let Err(e) = self.push(Operation::Handshake) {
            return Step::Done(Err(e));
        }
        // Nothing to check the certificate against: refuse before a byte is
        // sent rather than accept a certificate for any host. (In NONE mode
        // nothing is refused, so there is nothing to protect.)
        if self.needs_server_name && !inspection::verify_mode(self.ssl()).is_none() {
            return Step::Done(Err(Error::ServerNameRequired));
        }
        // A session not verified for the name checked is not resumed by a
        // connection that verifies (once, before the first byte).
        crate::session::withdraw_unverified(self.ssl_mut());
        let step = self.attempt(Operation::Handshake, |s| s.do_handshake());
        let step = self.pushed(Operation::Handshake, step);
        if let Step::Done(Ok(())) = step {
            if let Some(panicked) = self.take_panic() {
                return Step::Done(Err(panicked));
            }
            self.handshaken = true;
            let ssl = self.ssl();
            self.cert_requests =
                u16::from(ssl.is_server() && inspection::certificate_requested(ssl));
        }
        step
    }

    /// One attempt at a read: kept data first, then OpenSSL; `Ok(0)` once
    /// the peer's close_notify has arrived.
    pub(crate) fn read_step(&mut self, buf: &mut [u8]) -> Step<usize> {
        self.data_step(buf, false)
    }

    /// A read (`SSL_read`) or, with `peek`, a peek (`SSL_peek`: the bytes
    /// stay for the next read), one attempt of it.
    fn data_step(&mut self, buf: &mut [u8], peek: bool) -> Step<usize> {
        if !self.handshaken {
            return match self.handshake_step() {
                Step::Done(Ok(())) => self.data_step(buf, peek),
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Wait(w) => Step::Wait(w),
            };
        }
        if let Some(kept) = self
            .buffered
            .as_deref_mut()
            .filter(|k| k.pos < k.data.len())
        {
            let n = buf.len().min(kept.data.len() - kept.pos);
            buf[..n].copy_from_slice(&kept.data[kept.pos..kept.pos + n]);
            if !peek {
                kept.pos += n;
                if kept.pos == kept.data.len() {
                    self.buffered = None;
                }
            }
            return Step::Done(Ok(n));
        }
        match self.push(Operation::Read) {
            Ok(_) if self.waiting_out() > READ_WAITS_ABOVE => return Step::Wait(Want::Write),
            Ok(_) => {}
            Err(e) => return Step::Done(Err(e)),
        }
        if !buf.is_empty() {
            if let Some(wait) = self.ask_stream_first() {
                return wait;
            }
        }
        let before = ffi::bytes_read(self.ssl());
        let step = self.attempt(Operation::Read, |s| {
            // An empty buffer returns at once, as ssl_read does (SSL_peek_ex
            // would wait for a record).
            let r = if peek && buf.is_empty() {
                Ok(0)
            } else if peek {
                s.ssl_peek(buf)
            } else {
                s.ssl_read(buf)
            };
            match r {
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => Ok(0),
                r => r,
            }
        });
        // SSL_OP_IGNORE_UNEXPECTED_EOF looks for BIO_eof, which the stream's
        // BIO never reports: do here what OpenSSL does with the option, take
        // the end of the stream for a close_notify.
        let step = match step {
            Step::Done(Err(Error::UnexpectedEof))
                if crate::options::ignores_unexpected_eof(self.ssl()) =>
            {
                let state = self.stream.get_shutdown() | ShutdownState::RECEIVED;
                self.stream.set_shutdown(state);
                Step::Done(Ok(0))
            }
            step => step,
        };
        // Answers the read wrote (a KeyUpdate) go out as far as they can.
        if let Err(e) = self.push(Operation::Read) {
            if !matches!(step, Step::Done(Ok(_))) {
                return Step::Done(Err(e));
            }
        }
        if let Step::Done(Ok(n)) = step {
            // A hook that panicked while this read processed a handshake
            // message is this call's error; the data read stays for the next
            // (a peek's stays inside OpenSSL).
            if let Some(panicked) = self.take_panic() {
                if !peek {
                    self.buffered = Some(Box::new(Kept {
                        data: buf[..n].to_vec(),
                        pos: 0,
                    }));
                }
                return Step::Done(Err(panicked));
            }
        }
        // A read that processed post-handshake messages (TLS 1.3 session
        // tickets) leaves a 16 KiB write buffer that SSL_MODE_RELEASE_BUFFERS
        // never frees: give it back, whether data came with them or the
        // read now waits for it (tickets arrive before the first data, often
        // alone).
        let returned = match step {
            Step::Done(Ok(n)) => Some(n),
            Step::Wait(_) => Some(0),
            Step::Done(Err(_)) => None,
        };
        if let Some(n) = returned {
            let consumed = ffi::bytes_read(self.ssl()).wrapping_sub(before);
            if consumed > n as u64 + 128 {
                ffi::release_idle_buffers(self.ssl_mut());
            }
        }
        step
    }

    /// Before a read on a non-blocking descriptor calls OpenSSL with
    /// nothing to hand out (nothing decrypted, received or half-processed,
    /// no handshake message to send, no close_notify or failure that makes
    /// OpenSSL return at once): one read of what the stream has, kept for OpenSSL, as a read
    /// that would block costs OpenSSL more than it costs here. `Some`: the
    /// attempt ends there (it would block, or the stream failed).
    fn ask_stream_first<T>(&mut self) -> Option<Step<T>> {
        // (A blocking descriptor's read does not fail for want of bytes.)
        if !self.fd_nonblocking
            || ffi::has_pending(self.ssl())
            || !self.ssl().is_init_finished()
            || self.received_close_notify()
        {
            return None;
        }
        let budget = Some(READ_BUDGET);
        let wire = self.stream.get_mut();
        wire.begin_attempt(budget);
        let op = Operation::Read;
        match wire.fill() {
            Ok(_) => None,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Some(Step::Wait(Want::Read)),
            // As an error OpenSSL met reading it would be reported.
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                Some(Step::Done(Err(Error::Timeout {
                    operation: op,
                    after: self.limit(op),
                })))
            }
            Err(source) => Some(Step::Done(Err(Error::Io { during: op, source }))),
        }
    }

    /// One attempt at a peek (`SSL_peek`): as a read, except that the
    /// bytes stay for the next read or peek.
    pub(crate) fn peek_step(&mut self, buf: &mut [u8]) -> Step<usize> {
        self.data_step(buf, true)
    }

    /// One attempt at finding something for the next read to return at
    /// once: `Ok(true)` when decrypted bytes are ready, the peer's
    /// close_notify has come or its stream has ended; a record that yields
    /// no application data (a session ticket, a KeyUpdate) is processed and
    /// the attempt goes on, or waits.
    pub(crate) fn readable_step(&mut self) -> Step<bool> {
        if self.decrypted() > 0 || self.received_close_notify() {
            return Step::Done(Ok(true));
        }
        let mut one = [0u8; 1];
        match self.peek_step(&mut one) {
            // Data, or close_notify (0).
            Step::Done(Ok(_)) => Step::Done(Ok(true)),
            // The stream ended without close_notify: the next read says so
            // at once.
            Step::Done(Err(Error::UnexpectedEof)) => Step::Done(Ok(true)),
            Step::Done(Err(e)) => Step::Done(Err(e)),
            Step::Wait(w) => Step::Wait(w),
        }
    }

    /// One attempt at reading application data into the engine's own
    /// buffer, for the next reads, at most up to the buffer limit
    /// ([`Error::PostHandshakeBufferFull`] past it), for the post-handshake
    /// exchange `op`.
    pub(crate) fn keep_step(&mut self, op: Operation) -> Step<usize> {
        match self.push(op) {
            Ok(_) if self.waiting_out() > READ_WAITS_ABOVE => return Step::Wait(Want::Write),
            Ok(_) => {}
            Err(e) => return Step::Done(Err(e)),
        }
        let room = self.buffer_limit().saturating_sub(self.buffered_len());
        if room == 0 {
            // Full: a peek still processes the handshake records that may
            // come first, and fails only on more application data.
            let mut one = [0u8; 1];
            return match self.attempt(op, |s| s.ssl_peek(&mut one)) {
                Step::Done(Ok(0)) => Step::Done(Err(Error::UnexpectedEof)),
                Step::Done(Ok(_)) => Step::Done(Err(Error::PostHandshakeBufferFull {
                    limit: self.buffer_limit(),
                })),
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Wait(w) => Step::Wait(w),
            };
        }
        if let Some(kept) = self.buffered.as_deref_mut().filter(|k| k.pos > 0) {
            kept.data.drain(..kept.pos);
            kept.pos = 0;
        }
        let mut chunk = [0u8; 16 * 1024];
        let take = room.min(chunk.len());
        let step = self.attempt(op, |s| s.ssl_read(&mut chunk[..take]));
        let _ = self.push(op);
        match step {
            Step::Done(Ok(n)) => {
                self.buffered
                    .get_or_insert_with(Box::default)
                    .data
                    .extend_from_slice(&chunk[..n]);
                Step::Done(Ok(n))
            }
            other => other,
        }
    }

    /// One attempt at driving a handshake in progress after the first
    /// (a renegotiation, a post-handshake request being sent).
    pub(crate) fn rehandshake_step(&mut self, op: Operation) -> Step<()> {
        if let Err(e) = self.push(op) {
            return Step::Done(Err(e));
        }
        let step = self.attempt(op, |s| s.do_handshake());
        self.pushed(op, step)
    }

    /// One attempt at a write of `buf`, up to [`WRITE_CHUNK`] bytes: done
    /// when OpenSSL has taken them (what the descriptor did not take waits
    /// in the [`Wire`], and the next write waits while too much does).
    pub(crate) fn write_step(&mut self, buf: &[u8]) -> Step<usize> {
        if !self.handshaken {
            return match self.handshake_step() {
                Step::Done(Ok(())) => self.write_step(buf),
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Wait(w) => Step::Wait(w),
            };
        }
        match self.push(Operation::Write) {
            Ok(_) if self.waiting_out() > WRITE_WAITS_ABOVE => return Step::Wait(Want::Write),
            Ok(_) => {}
            Err(e) => return Step::Done(Err(e)),
        }
        let buf = &buf[..buf.len().min(WRITE_CHUNK)];
        let step = self.attempt(Operation::Write, |s| s.ssl_write(buf));
        let _ = self.push(Operation::Write);
        if let Step::Done(Ok(_)) = step {
            // A hook that panicked during this write (a handshake step it
            // drove) is this call's error, although the bytes went out.
            if let Some(panicked) = self.take_panic() {
                return Step::Done(Err(panicked));
            }
        }
        step
    }

    /// One attempt at sending close_notify (once; a renegotiation the peer
    /// started is finished first, as OpenSSL refuses to shut down in one).
    pub(crate) fn shutdown_step(&mut self) -> Step<()> {
        if !self.handshaken {
            return Step::Done(Ok(()));
        }
        if self.close_notify_sent {
            return self.flush_step();
        }
        if !self.ssl().is_init_finished() {
            match self.rehandshake_step(Operation::Shutdown) {
                Step::Done(Ok(())) => {}
                other => return other,
            }
        }
        let step = self.attempt(Operation::Shutdown, |s| match s.shutdown() {
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => Ok(()),
            r => r.map(|_| ()),
        });
        match step {
            Step::Done(Ok(())) => {
                if let Some(panicked) = self.take_panic() {
                    return Step::Done(Err(panicked));
                }
                self.close_notify_sent = true;
                self.flush_step()
            }
            other => other,
        }
    }

    /// One attempt at reading (and discarding) what the peer sends before
    /// its close_notify: `Ok(true)` once it has arrived.
    fn drain_step(&mut self) -> Step<bool> {
        self.buffered = None;
        if self.received_close_notify() {
            return Step::Done(Ok(true));
        }
        let mut sink = [0u8; 4096];
        self.read_step(&mut sink).map_done(|n| n == 0)
    }

    /// One attempt at making room: done while no more than a write's worth
    /// waits to go out.
    fn room_step(&mut self, op: Operation) -> Step<()> {
        match self.push(op) {
            Ok(_) if self.waiting_out() > WRITE_WAITS_ABOVE => Step::Wait(Want::Write),
            Ok(_) => Step::Done(Ok(())),
            Err(e) => Step::Done(Err(e)),
        }
    }

    /// One attempt at writing a scheduled KeyUpdate: done once OpenSSL has
    /// written it (into the Wire; it goes out with the next calls).
    fn key_update_step(&mut self) -> Step<()> {
        let step = self.attempt(Operation::KeyUpdate, |s| s.do_handshake());
        let _ = self.push(Operation::KeyUpdate);
        step
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

    /// The handshake, whole, within the handshake timeout (once complete,
    /// what OpenSSL queued for it, see [`handshake_step`](Self::handshake_step)).
    pub(crate) fn handshake(&mut self) -> Result<(), Error> {
        if self.handshake_idle() {
            return Ok(());
        }
        let limit = self.timeouts().handshake;
        self.drive(Operation::Handshake, limit, self.waits(), |e| {
            e.handshake_step()
        })
    }

    /// A read, whole (any writes it needs included), within the read
    /// timeout; the handshake first if it has not happened.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.handshake()?;
        let limit = self.timeouts().read;
        self.drive(Operation::Read, limit, self.waits(), |e| e.read_step(buf))
    }

    /// A peek (`SSL_peek`), whole, within the read timeout, as
    /// [`read`](Self::read) is.
    pub(crate) fn peek(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.handshake()?;
        let limit = self.timeouts().read;
        self.drive(Operation::Read, limit, self.waits(), |e| e.peek_step(buf))
    }

    /// Waits at most `timeout` (`None`: without limit) until a read would
    /// return at once ([`readable_step`](Self::readable_step)), whatever
    /// the face's mode: `Ok(false)` once the whole wait has passed; with
    /// `Some(Duration::ZERO)` after one attempt. The handshake first, as a
    /// read does it.
    pub(crate) fn wait_readable(&mut self, timeout: Option<Duration>) -> Result<bool, Error> {
        self.handshake()?;
        // Not a deadline of the connection's: a wait that ends is no
        // sign that the peer stopped taking bytes (no note_timeout).
        let deadline = Deadline::after(timeout);
        match self.drive_steps(Operation::Read, deadline, Waits::Poll, |e| {
            e.readable_step()
        }) {
            Err(Error::Timeout { .. }) => Ok(false),
            r => r,
        }
    }

    /// A write of the start of `buf` (up to [`WRITE_CHUNK`] bytes), within
    /// the write timeout; returns how much was taken.
    pub(crate) fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        self.handshake()?;
        let limit = self.timeouts().write;
        self.drive(Operation::Write, limit, self.waits(), |e| e.write_step(buf))
    }

    /// Sends what OpenSSL wrote and the descriptor has not taken yet,
    /// within the write timeout.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        let limit = self.timeouts().write;
        self.drive(Operation::Write, limit, self.waits(), |e| e.flush_step())
    }

    /// Sends close_notify, within the write timeout.
    pub(crate) fn shutdown(&mut self) -> Result<(), Error> {
        let limit = self.timeouts().write;
        self.drive(Operation::Shutdown, limit, self.waits(), |e| {
            e.shutdown_step()
        })
    }

    /// For `unwrap`, whatever the mode: sends close_notify, discards what
    /// the peer sends until its close_notify (all within one read timeout,
    /// checked after every record too, so a peer that keeps sending cannot
    /// stretch it), and sends what is still waiting; the two sends within
    /// one write timeout.
    pub(crate) fn close_and_drain(&mut self) -> Result<(), Error> {
        let r = self.close_and_drain_within();
        self.note_timeout(r)
    }

    fn close_and_drain_within(&mut self) -> Result<(), Error> {
        // What the peer sends after its close_notify is for the stream's
        // next owner: read no byte past the records.
        self.stream.get_mut().exact = true;
        let op = Operation::Shutdown;
        let sending = Deadline::after(self.timeouts().write);
        self.drive_until(op, sending, Waits::Poll, |e| e.shutdown_step())?;
        let deadline = Deadline::after(self.timeouts().read);
        self.set_fd_mode(true, op)?;
        loop {
            if deadline.expired() {
                return Err(Error::Timeout {
                    operation: op,
                    after: deadline.limit,
                });
            }
            match self.drain_step() {
                Step::Done(Ok(true)) => break,
                Step::Done(Ok(false)) => {}
                Step::Done(Err(e)) => return Err(e),
                Step::Wait(want) => {
                    let also_write = self.waiting_out() > 0;
                    wait(self.fd, want, also_write, &deadline, op, None)?
                }
            }
        }
        self.drive_until(op, sending, Waits::Poll, |e| e.flush_step())
    }

    /// Sends a TLS 1.3 KeyUpdate (`SSL_key_update`, then the handshake step
    /// that writes it), all within one write timeout: first waits (or, in
    /// non-blocking mode, reports) while too much waits to go out, so that
    /// retries cannot pile KeyUpdates up.
    pub(crate) fn key_update(&mut self, request_peer: bool) -> Result<(), Error> {
        self.handshake()?;
        let deadline = Deadline::after(self.timeouts().write);
        self.drive_until(Operation::KeyUpdate, deadline, self.waits(), |e| {
            e.room_step(Operation::KeyUpdate)
        })?;
        self.schedule_key_update(request_peer)?;
        self.drive_until(Operation::KeyUpdate, deadline, Waits::Poll, |e| {
            e.key_update_step()
        })
    }

    /// The write half's key update: making room, then writing it, as one
    /// step each (see [`key_update`](Self::key_update)).
    pub(crate) fn key_update_room_step(&mut self) -> Step<()> {
        self.room_step(Operation::KeyUpdate)
    }

    /// See [`key_update_room_step`](Self::key_update_room_step).
    pub(crate) fn key_update_write_step(&mut self) -> Step<()> {
        self.key_update_step()
    }

    /// Marks a TLS 1.3 KeyUpdate pending (`SSL_key_update`); the next
    /// handshake step sends it.
    pub(crate) fn schedule_key_update(&mut self, request_peer: bool) -> Result<(), Error> {
        if !inspection::is_tls13(self.ssl()) {
            return Err(Error::NotTls13 {
                operation: Operation::KeyUpdate,
                version: self.ssl().version_str(),
            });
        }
        ffi::key_update(self.ssl_mut(), request_peer).map_err(|source| Error::Tls {
            during: Operation::KeyUpdate,
            source,
        })
    }

    /// Puts the descriptor back in blocking mode if it was when the engine
    /// took it (for a stream handed back to the caller).
    pub(crate) fn restore_blocking(&mut self) -> Result<(), Error> {
        self.set_fd_mode(self.was_nonblocking, Operation::Shutdown)
    }
}

impl<S> Drop for Engine<S> {
    /// Sends what is still waiting to go out (within the write timeout, or
    /// 10 s without one) and keeps the session resumable.
    fn drop(&mut self) {
        (self.finish)(self);
    }
}
