//! Writes: one attempt at a write, at sending what waits to go out, at
//! making room and writing a KeyUpdate; and each whole call within the
//! write timeout.

use std::io::{Read, Write};

use crate::conn::engine::deadline::Deadline;
use crate::conn::engine::{Engine, Step, Waits};
use crate::conn::inspection;
use crate::error::operation::Operation;
use crate::error::want::Want;
use crate::error::Error;
use crate::sys::ffi;

/// A write waits while more than this is waiting to go out.
const WRITE_WAITS_ABOVE: usize = 64 * 1024;

/// The most one write hands OpenSSL; `send` returns how much it took.
const WRITE_CHUNK: usize = 64 * 1024;

impl<S: Read + Write> Engine<S> {
    /// One attempt at sending what is waiting to go out, and a handshake
    /// message OpenSSL has queued (see [`handshake_step`](Self::handshake_step)).
    pub(crate) fn flush_step(&mut self) -> Step<()> {
        if self.handshaken && ffi::handshake::handshake_message_queued(self.ssl()) {
            return self.rehandshake_step(Operation::Write);
        }
        match self.push(Operation::Write) {
            Ok(true) => Step::Done(Ok(())),
            Ok(false) => Step::Wait(Want::Write),
            Err(e) => Step::Done(Err(e)),
        }
    }

    /// One attempt at a write of `buf`, up to [`WRITE_CHUNK`] bytes: done
    /// when OpenSSL has taken them (what the descriptor did not take waits
    /// in the [`Wire`](crate::conn::wire::Wire), and the next write waits
    /// while too much does).
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
        ffi::handshake::key_update(self.ssl_mut(), request_peer).map_err(|source| Error::Tls {
            during: Operation::KeyUpdate,
            source,
        })
    }
}
