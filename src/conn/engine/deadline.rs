//! An operation's deadline, taken once when it starts, and the wait on the
//! descriptor until it is ready or the deadline passes; with the two small
//! rules every face shares (a timeout of zero is refused, as std's sockets
//! refuse it; a whole buffer is sent by repeated sends).

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::error::operation::Operation;
use crate::error::want::Want;
use crate::error::Error;
use crate::sys::ffi::{self, fd::Polled};

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
    pub(crate) limit: Option<Duration>,
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
        match ffi::fd::poll_fd(
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
