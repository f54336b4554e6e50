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
//! ([`Engine`](crate::conn::engine::Engine)).
//!
//! OpenSSL reads a record in two parts, its 5-byte header and then its
//! body. A small read is served from what one `read(2)` of up to
//! [`READ_AHEAD`] bytes brought, so that a small record, or several,
//! costs one system call instead of two. A read as large as the buffer (a
//! large record's body, or its rest) goes straight into OpenSSL's buffer,
//! and what follows (up to a whole record and the next header) into a new
//! buffer in the same vectored read: a stream of 16 KiB records costs one
//! system call per record at most, one per two while they keep coming.
//! The Wire refuses to read (budget,
//! out-cap) only when it would have to touch the descriptor, so it never
//! says "would block" while bytes wait in it: a caller told to wait for
//! readability has nothing left here (the engine's `pending` counts what
//! does wait here between calls).

use std::io::{self, IoSliceMut, Read, Write};

/// Capacity kept after the bytes waiting have been sent; more is given back.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Reads are refused while more than this waits to go out: what OpenSSL
/// answers from inside reads (KeyUpdates, post-handshake Certificates) to
/// a peer that does not read is bounded by it, plus the answers to one
/// record and to what one read ahead brought ([`LARGE_AHEAD`]).
pub(crate) const OUT_CAP: usize = 256 * 1024;

/// The most one small read takes from the descriptor: several small
/// records, or the start of a large one. What OpenSSL has not taken yet is
/// kept in a buffer of its size, given back once emptied, so that an idle
/// connection holds none.
const READ_AHEAD: usize = 4 * 1024;

/// The most a large read (a record's body) takes beyond what was asked
/// for: a whole record of the largest size (16 KiB of data, 256 bytes of
/// expansion, its 5-byte header) and the next one's header, so that a
/// stream of 16 KiB records costs one system call per two records.
/// Allocated when needed and given back as [`READ_AHEAD`]'s remainder is.
const LARGE_AHEAD: usize = 16 * 1024 + 256 + 2 * 5;

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
    /// Bytes received ahead: `ahead[ahead_pos..ahead_end]` is still to be
    /// taken. Emptied, a [`LARGE_AHEAD`] buffer is kept only until the next
    /// read, when OpenSSL asked for more than it held: that read reuses it
    /// instead of allocating and zeroing another.
    ahead: Box<[u8]>,
    ahead_pos: u32,
    ahead_end: u32,
    /// Read exactly what OpenSSL asks for, never ahead (the stream may
    /// carry something other than TLS after the records OpenSSL reads).
    pub(crate) exact: bool,
    /// The stream reads into several buffers in one call (`readv(2)`); a
    /// stream that fills only the first (the async face's) gets no buffer
    /// for what follows a large read.
    pub(crate) vectored: bool,
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
            ahead_end: 0,
            exact: false,
            vectored: true,
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
        (self.ahead_end - self.ahead_pos) as usize
    }

    /// Keeps `ahead[..end]` as received (`end` is at most [`LARGE_AHEAD`]).
    fn keep(&mut self, ahead: Box<[u8]>, end: usize) {
        self.ahead = ahead;
        self.ahead_pos = 0;
        self.ahead_end = end as u32;
    }

    /// Gives back the read-ahead buffer.
    fn drop_ahead(&mut self) {
        self.keep(Box::default(), 0);
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
    /// One read from the stream into `buf`, and into `ahead` what comes
    /// after (one vectored read), unless too much waits to go out or the
    /// attempt's budget is spent: then "would block". Returns how much
    /// went into each.
    fn read_inner(&mut self, buf: &mut [u8], ahead: &mut [u8]) -> io::Result<(usize, usize)> {
        let unlimited = self.left == u32::MAX;
        let left = if unlimited {
            usize::MAX
        } else {
            self.left as usize
        };
        if self.waiting() > OUT_CAP || left == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let first = buf.len().min(left);
        let second = ahead.len().min(left - first);
        let (buf, ahead) = (&mut buf[..first], &mut ahead[..second]);
        loop {
            let r = if second == 0 {
                self.inner.read(buf)
            } else {
                self.inner
                    .read_vectored(&mut [IoSliceMut::new(buf), IoSliceMut::new(ahead)])
            };
            match r {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(n) => {
                    if !unlimited {
                        // n ≤ first + second ≤ left < u32::MAX: fits.
                        self.left -= n.min(left) as u32;
                    }
                    return Ok((n.min(first), n.saturating_sub(first)));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads into `buf` and up to [`LARGE_AHEAD`] bytes more, kept.
    fn read_with_ahead(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut ahead = std::mem::take(&mut self.ahead);
        self.drop_ahead();
        if ahead.len() != LARGE_AHEAD {
            ahead = vec![0u8; LARGE_AHEAD].into_boxed_slice();
        }
        let (got, more) = self.read_inner(buf, &mut ahead)?;
        if more > 0 {
            self.keep(ahead, more);
        }
        Ok(got)
    }

    /// One read of up to [`READ_AHEAD`] bytes, of which `buf` gets the
    /// start: (bytes given, bytes read). Read into the thread's scratch
    /// buffer (zeroed once, not per read); only what `buf` did not take is
    /// kept, in a buffer of its size.
    fn read_ahead(&mut self, buf: &mut [u8]) -> io::Result<(usize, usize)> {
        self.drop_ahead();
        let (given, got, rest) = with_scratch(|ahead| {
            let (got, _) = self.read_inner(ahead, &mut [])?;
            let given = got.min(buf.len());
            buf[..given].copy_from_slice(&ahead[..given]);
            Ok::<_, io::Error>((given, got, Box::<[u8]>::from(&ahead[given..got])))
        })?;
        if !rest.is_empty() {
            let end = rest.len();
            self.keep(rest, end);
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
        if self.received() == 0 && (self.exact || (!self.vectored && buf.len() >= READ_AHEAD)) {
            self.drop_ahead();
            return self.read_inner(buf, &mut []).map(|(got, _)| got);
        }
        if self.received() == 0 && buf.len() >= READ_AHEAD {
            // A large record's body, or its rest: the start of what follows
            // comes in the same call, kept.
            return self.read_with_ahead(buf);
        }
        if self.received() == 0 {
            return self.read_ahead(buf).map(|(given, _)| given);
        }
        let n = buf.len().min(self.received());
        let pos = self.ahead_pos as usize;
        buf[..n].copy_from_slice(&self.ahead[pos..pos + n]);
        // Within the buffer, at most LARGE_AHEAD: fits.
        self.ahead_pos += n as u32;
        if self.received() == 0 {
            if n < buf.len() && self.ahead.len() == LARGE_AHEAD {
                // OpenSSL asked for more than was here: the read that
                // follows at once reuses the buffer.
                self.ahead_pos = 0;
                self.ahead_end = 0;
            } else {
                self.drop_ahead();
            }
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
