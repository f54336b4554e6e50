//! The stream as OpenSSL sees it: reads pass through (and may would-block);
//! writes are never refused. What the descriptor does not take at once is
//! kept here and sent by the engine when the descriptor is writable.
//!
//! OpenSSL cannot interleave its own writes (a KeyUpdate answer, a
//! post-handshake Certificate, written from inside `SSL_read`) with an
//! application write left half-sent by a would-block (`SSL_R_BAD_LENGTH`),
//! and two threads of one connection produce exactly that. With no write
//! ever half-sent inside OpenSSL, reading and writing proceed independently.
//!
//! What is kept is bounded on the reading side instead: while more than
//! [`OUT_CAP`] waits to go out, reads are refused ("would block"), so a peer
//! that floods records OpenSSL must answer (KeyUpdates) and never reads
//! stops being read. And one attempt reads at most its budget, so a flood of
//! records that carry no data cannot keep one `SSL_read` going: OpenSSL
//! returns, and the engine checks the deadline
//! ([`Engine`](crate::engine::Engine)).
//!
//! OpenSSL reads a record in two parts, its 5-byte header and then its
//! body. A small read is served from what one `read(2)` of up to
//! [`READ_AHEAD`] bytes brought, so that a small record, or several,
//! costs one system call instead of two; a read as large as the buffer goes
//! straight to the descriptor, as before. The Wire refuses to read (budget,
//! out-cap) only when it would have to touch the descriptor, so it never
//! says "would block" while bytes wait in it: a caller told to wait for
//! readability has nothing left here (the engine's `pending` counts what
//! does wait here between calls).

use std::io::{self, Read, Write};

/// Capacity kept after the bytes waiting have been sent; more is given back.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Reads are refused while more than this waits to go out: what OpenSSL
/// answers from inside reads (KeyUpdates, post-handshake Certificates) to
/// a peer that does not read is bounded by it, plus the answers to one
/// record and to what one read ahead brought ([`READ_AHEAD`]).
pub(crate) const OUT_CAP: usize = 256 * 1024;

/// The most one small read takes from the descriptor: several small
/// records, or the start of a large one. What OpenSSL has not taken yet is
/// kept in a buffer of its size, given back once emptied, so that an idle
/// connection holds none.
const READ_AHEAD: usize = 4 * 1024;

thread_local! {
    /// Where a small read lands before OpenSSL takes its part: one per
    /// thread, so that a read ahead neither allocates nor zeroes
    /// [`READ_AHEAD`] bytes each time.
    static SCRATCH: std::cell::RefCell<Box<[u8; READ_AHEAD]>> =
        std::cell::RefCell::new(Box::new([0u8; READ_AHEAD]));
}

/// `f` on the thread's scratch buffer, or on one of its own when that is
/// in use or gone (a read from a thread-local destructor).
fn with_scratch<T>(mut f: impl FnMut(&mut [u8]) -> T) -> T {
    let r = SCRATCH.try_with(|scratch| {
        let mut s = scratch.try_borrow_mut().ok()?;
        Some(f(&mut s[..]))
    });
    match r {
        Ok(Some(v)) => v,
        _ => f(&mut [0u8; READ_AHEAD]),
    }
}

/// A stream with the bytes it could not send yet, and those it received
/// and OpenSSL has not taken yet.
pub(crate) struct Wire<S> {
    pub(crate) inner: S,
    out: Vec<u8>,
    sent: usize,
    /// Bytes received ahead: `ahead[ahead_pos..]` is still to be taken.
    ahead: Box<[u8]>,
    ahead_pos: u32,
    /// Read exactly what OpenSSL asks for, never ahead (the stream may
    /// carry something other than TLS after the records OpenSSL reads).
    pub(crate) exact: bool,
    /// What the current attempt may still read (`u32::MAX`: no limit).
    left: u32,
}

impl<S> Wire<S> {
    pub(crate) fn new(inner: S) -> Wire<S> {
        Wire {
            inner,
            out: Vec::new(),
            sent: 0,
            ahead: Box::default(),
            ahead_pos: 0,
            exact: false,
            left: u32::MAX,
        }
    }

    /// Starts an attempt that may read at most `budget` bytes.
    pub(crate) fn begin_attempt(&mut self, budget: Option<usize>) {
        self.left = budget.map_or(u32::MAX, |b| u32::try_from(b).unwrap_or(u32::MAX - 1));
    }

    /// Bytes written by OpenSSL and not yet taken by the descriptor.
    pub(crate) fn waiting(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Bytes received from the descriptor and not yet taken by OpenSSL
    /// (whole records, or the start of one).
    pub(crate) fn received(&self) -> usize {
        self.ahead.len() - self.ahead_pos as usize
    }
}

impl<S: Write> Wire<S> {
    /// Sends what is waiting, as far as the descriptor takes it; `Ok(true)`
    /// once nothing is left.
    pub(crate) fn push(&mut self) -> io::Result<bool> {
        while self.sent < self.out.len() {
            match self.inner.write(&self.out[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out.capacity() > KEEP_CAPACITY {
            self.out = Vec::new();
        } else {
            self.out.clear();
        }
        self.sent = 0;
        Ok(true)
    }
}

impl<S: Read> Wire<S> {
    /// One read from the stream into `buf`, unless too much waits to go
    /// out or the attempt's budget is spent: then "would block".
    fn read_inner(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let unlimited = self.left == u32::MAX;
        let left = if unlimited {
            buf.len()
        } else {
            self.left as usize
        };
        if self.waiting() > OUT_CAP || left == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let take = buf.len().min(left);
        loop {
            match self.inner.read(&mut buf[..take]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(n) => {
                    if !unlimited {
                        // n ≤ take ≤ left: fits.
                        self.left -= n.min(left) as u32;
                    }
                    return Ok(n);
                }
                r => return r,
            }
        }
    }
}

impl<S: Read> Wire<S> {
    /// One read of up to [`READ_AHEAD`] bytes, of which `buf` gets the
    /// start: (bytes given, bytes read). Read into the thread's scratch
    /// buffer (zeroed once, not per read); only what `buf` did not take is
    /// kept, in a buffer of its size.
    fn read_ahead(&mut self, buf: &mut [u8]) -> io::Result<(usize, usize)> {
        let (given, got, rest) = with_scratch(|ahead| {
            let got = self.read_inner(ahead)?;
            let given = got.min(buf.len());
            buf[..given].copy_from_slice(&ahead[..given]);
            Ok::<_, io::Error>((given, got, Box::<[u8]>::from(&ahead[given..got])))
        })?;
        if !rest.is_empty() {
            self.ahead = rest;
            self.ahead_pos = 0;
        }
        Ok((given, got))
    }

    /// Before OpenSSL is called to read: when nothing was received ahead,
    /// one read of what the stream has, kept for OpenSSL: how many bytes
    /// came (0: the stream ended; OpenSSL's own read sees that again).
    /// "Would block" here spares OpenSSL a read that would fail. Nothing is
    /// read in `exact` mode.
    pub(crate) fn fill(&mut self) -> io::Result<usize> {
        if self.received() > 0 || self.exact {
            return Ok(self.received());
        }
        self.read_ahead(&mut []).map(|(_, got)| got)
    }
}

impl<S: Read> Read for Wire<S> {
    /// Hands out what was received ahead first; then reads from the
    /// stream, unless too much waits to go out or the attempt's budget is
    /// spent: then "would block", and OpenSSL returns to the engine with
    /// what it has (a partial record stays inside it).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.received() == 0 && (self.exact || buf.len() >= READ_AHEAD) {
            return self.read_inner(buf);
        }
        if self.received() == 0 {
            return self.read_ahead(buf).map(|(given, _)| given);
        }
        let n = buf.len().min(self.received());
        let pos = self.ahead_pos as usize;
        buf[..n].copy_from_slice(&self.ahead[pos..pos + n]);
        // Within READ_AHEAD: fits.
        self.ahead_pos += n as u32;
        if self.received() == 0 {
            self.ahead = Box::default();
            self.ahead_pos = 0;
        }
        Ok(n)
    }
}

impl<S: Write> Write for Wire<S> {
    /// Takes all of `buf`: straight to the descriptor when nothing is
    /// waiting and it accepts, kept otherwise.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        if self.waiting() == 0 {
            loop {
                match self.inner.write(rest) {
                    Ok(n) => {
                        rest = &rest[n..];
                        if rest.is_empty() || n == 0 {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        self.out.extend_from_slice(rest);
        Ok(buf.len())
    }

    /// OpenSSL flushes its BIO after each flight; sending what is waiting is
    /// the engine's job, when the descriptor is writable.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
