//! The end of a connection: one attempt at sending close_notify and at
//! draining the peer's data until its own, the whole close within its
//! timeouts (and, for `unwrap`, the drain), and what dropping the engine
//! does: send what waits, keep the session resumable, linger so the last
//! alert is read.

use std::io::{Read, Write};
use std::time::Duration;

use openssl::ssl::{ErrorCode, ShutdownState};

use crate::config::hooks::record;
use crate::conn::engine::deadline::{wait, Deadline};
use crate::conn::engine::{Engine, Step, Waits};
use crate::conn::linger;
use crate::error::operation::Operation;
use crate::error::Error;

impl<S: Read + Write> Engine<S> {
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

    /// What dropping the engine does: sends what is still waiting, then
    /// marks a live connection as shut down (no alert is sent).
    ///
    /// A connection dropped without close_notify would make OpenSSL mark its
    /// session unresumable (`SSL_free` on a connection not shut down); a
    /// connection that failed fatally was already removed by OpenSSL, so
    /// marking the rest as shut down only keeps good sessions resumable.
    pub(super) fn finish_on_drop(&mut self) {
        self.send_waiting_on_drop();
        if self.handshaken && self.ssl().is_init_finished() {
            let state = self.stream.get_shutdown();
            self.stream.set_shutdown(state | ShutdownState::SENT);
        }
        self.linger_on_drop();
    }

    /// A lingering close ([`linger`](crate::conn::linger)) when the connection
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
        let alert_sent = record::alert_sent(self.ssl()).is_some();
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
}

impl<S> Drop for Engine<S> {
    /// Sends what is still waiting to go out (within the write timeout, or
    /// 10 s without one) and keeps the session resumable.
    fn drop(&mut self) {
        (self.finish)(self);
    }
}
