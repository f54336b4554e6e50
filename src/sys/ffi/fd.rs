//! The socket under a connection, through libc: waiting on it, its
//! non-blocking flag, shutting its sending side, and `TCP_NODELAY`.

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use libc::c_int;

/// What [`poll_fd`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled {
    /// The descriptor is ready (or has an error or hang-up to report).
    Ready,
    /// The wake descriptor became readable first.
    Woken,
    /// The time ran out.
    TimedOut,
}

/// Waits until `fd` is readable (with `read`) or writable (with `write`),
/// or `wake` is readable, at most `timeout` (`None`: no limit).
pub(crate) fn poll_fd(
    fd: RawFd,
    read: bool,
    write: bool,
    wake: Option<RawFd>,
    timeout: Option<Duration>,
) -> std::io::Result<Polled> {
    let events = if read { libc::POLLIN } else { 0 } | if write { libc::POLLOUT } else { 0 };
    let mut fds = [
        libc::pollfd {
            fd,
            events,
            revents: 0,
        },
        libc::pollfd {
            fd: wake.unwrap_or(-1),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    let n: libc::nfds_t = if wake.is_some() { 2 } else { 1 };
    // Round up, so that a wait never ends before its deadline.
    let ms = timeout.map_or(-1, |t| {
        let ms = t.as_nanos().div_ceil(1_000_000);
        c_int::try_from(ms).unwrap_or(c_int::MAX)
    });
    // SAFETY: `fds` is an array of initialised `pollfd`s on this stack
    // frame, and `n` is at most its length.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), n, ms) };
    if r > 0 {
        return Ok(if fds[0].revents != 0 {
            Polled::Ready
        } else {
            Polled::Woken
        });
    }
    if r == 0 {
        return Ok(Polled::TimedOut);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::Interrupted {
        // A signal: the caller works out the time left and waits again.
        return Ok(Polled::TimedOut);
    }
    Err(e)
}

/// Whether `O_NONBLOCK` is set on `fd` (`fcntl(F_GETFL)`).
pub(crate) fn fd_is_nonblocking(fd: BorrowedFd<'_>) -> std::io::Result<bool> {
    // SAFETY: `fd` is borrowed, so open for the whole call; F_GETFL only
    // reads the file status flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(flags & libc::O_NONBLOCK != 0)
}

/// Sets or clears `O_NONBLOCK` on `fd` in one call (`ioctl(FIONBIO)`).
/// `fd` must be open; a closed one is an error (`EBADF`), never undefined.
pub(crate) fn set_fd_nonblocking(fd: RawFd, on: bool) -> std::io::Result<()> {
    let mut value = c_int::from(on);
    // SAFETY: ioctl takes any integer as a descriptor (a bad one fails with
    // EBADF); FIONBIO reads one `c_int` from the valid pointer given and
    // changes only that flag.
    if unsafe { libc::ioctl(fd, libc::FIONBIO, &mut value) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Shuts the sending side of socket `fd` down (`shutdown(SHUT_WR)`): the
/// peer reads what was sent, then the end of the stream. A descriptor that
/// is not a socket fails (`ENOTSOCK`), never undefined.
pub(crate) fn shutdown_write(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: shutdown takes any integer as a descriptor (a bad one fails
    // with EBADF or ENOTSOCK) and touches no memory of ours.
    if unsafe { libc::shutdown(fd, libc::SHUT_WR) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// `TCP_NODELAY` of `fd`, or `None` when it is not a TCP socket.
pub(crate) fn tcp_nodelay(fd: BorrowedFd<'_>) -> Option<bool> {
    let mut value: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `fd` is open for the call; `value` and `len` are valid for
    // writes of the sizes given.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&mut value as *mut c_int).cast(),
            &mut len,
        )
    };
    (r == 0).then_some(value != 0)
}

/// Sets `TCP_NODELAY` on `fd` (a TCP socket; errors are ignored).
pub(crate) fn set_tcp_nodelay(fd: BorrowedFd<'_>, on: bool) {
    let value = c_int::from(on);
    // SAFETY: `fd` is open for the call; `value` is a readable `c_int`
    // whose size is passed.
    let _ = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&value as *const c_int).cast(),
            std::mem::size_of::<c_int>() as libc::socklen_t,
        )
    };
}
