//! A lingering close, as `openssl s_server` closes a connection: the
//! sending side is shut down first (the peer reads all that was sent, an
//! alert and the tickets before it included, then the end of the stream),
//! and what the peer still sends is read and discarded until it closes too,
//! for at most [`LINGER`]. Closing a socket with input unread makes the
//! kernel answer with a reset, and a reset destroys what the peer had not
//! read yet: the alert that says why the connection failed.

use std::io::{ErrorKind, Read};
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::sys::ffi::{self, fd::Polled};

/// The longest a close waits for the peer to close its side.
pub(crate) const LINGER: Duration = Duration::from_millis(500);

/// Whether input is waiting on `fd` now (or its end, or an error).
pub(crate) fn input_waiting(fd: RawFd) -> bool {
    matches!(
        ffi::fd::poll_fd(fd, true, false, None, Some(Duration::ZERO)),
        Ok(Polled::Ready)
    )
}

/// Shuts the sending side of `fd` down, then reads and discards from
/// `stream` (whose descriptor `fd` is, non-blocking) until the peer's end
/// of the stream: with `wait`, waiting for more; without, only what has
/// already arrived. Never longer than `limit`, however fast the peer sends.
pub(crate) fn close_lingering(stream: &mut impl Read, fd: RawFd, wait: bool, limit: Duration) {
    if ffi::fd::shutdown_write(fd).is_err() {
        return;
    }
    let until = Instant::now() + limit;
    let mut sink = [0u8; 4096];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) if Instant::now() >= until => return,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock && wait => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return;
                }
                match ffi::fd::poll_fd(fd, true, false, None, Some(left)) {
                    Ok(Polled::Ready) => {}
                    _ => return,
                }
            }
            Err(_) => return,
        }
    }
}
