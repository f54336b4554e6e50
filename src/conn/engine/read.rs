//! Reads: one attempt at a read or a peek (`SSL_read`, `SSL_peek`, data
//! kept by the post-handshake exchange first), at finding something to
//! read, at keeping data for later reads; and each whole call within the
//! read timeout.

use std::io::{Read, Write};
use std::time::Duration;

use openssl::ssl::{ErrorCode, ShutdownState};

use crate::conn::engine::deadline::Deadline;
use crate::conn::engine::{Engine, Kept, Step, Waits, READ_BUDGET};
use crate::conn::wire::OUT_CAP;
use crate::error::operation::Operation;
use crate::error::want::Want;
use crate::error::Error;
use crate::sys::ffi;

/// A read waits (to write) while more than this is waiting to go out: what
/// OpenSSL answers from inside reads (KeyUpdates, post-handshake
/// Certificates) to a peer that does not read is bounded too (the Wire
/// refuses to read past it even inside one `SSL_read`).
const READ_WAITS_ABOVE: usize = OUT_CAP;

impl<S: Read + Write> Engine<S> {
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
        let before = ffi::connection::bytes_read(self.ssl());
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
                if crate::config::options::ignores_unexpected_eof(self.ssl()) =>
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
            let consumed = ffi::connection::bytes_read(self.ssl()).wrapping_sub(before);
            if consumed > n as u64 + 128 {
                ffi::connection::release_idle_buffers(self.ssl_mut());
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
            || ffi::connection::has_pending(self.ssl())
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
}
