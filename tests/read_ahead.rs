//! Records read ahead: a read takes what waits on the descriptor in one
//! system call, so two records that arrived together are both out of the
//! kernel after the first read, and the descriptor is no longer readable
//! for the second. Every face must hand the second out without new input:
//! non-blocking mode (`pending` counts it, as the poll loop needs),
//! `wait_readable`, a read with a timeout (which polls), the split halves,
//! and the async socket. And `shutdown_into_inner` reads no byte past the
//! peer's close_notify.

mod common;

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::Duration;

use common::*;
use sslsocket::SslSocket;

/// Whether `fd` is readable now.
fn readable(fd: RawFd) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `p` is one live, initialised pollfd.
    let r = unsafe { libc::poll(&mut p, 1, 0) };
    assert!(r >= 0, "poll: {}", std::io::Error::last_os_error());
    r > 0
}

/// The pair of [`handshaken_pair`], with two records the client sent
/// (`"one"`, then `"two"`) waiting together on the server's descriptor.
/// The client is kept open.
fn two_records_waiting() -> (SslSocket<UnixStream>, SslSocket<UnixStream>) {
    let (s, mut c) = handshaken_pair();
    // Each send is a record of its own; a Unix socket queues both at once.
    c.send_all(b"one").unwrap();
    c.send_all(b"two").unwrap();
    assert!(readable(s.as_raw_fd()));
    (s, c)
}

/// After the first record is read, the second waits in the socket, not on
/// the descriptor: the read took both in one system call.
fn first_read_took_both(s: &mut SslSocket<UnixStream>) {
    let mut buf = [0u8; 16];
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"one");
    assert!(
        !readable(s.as_raw_fd()),
        "the second record is still on the descriptor: nothing was read ahead"
    );
}

#[test]
fn nonblocking_pending_counts_a_record_read_ahead() {
    let (mut s, _c) = two_records_waiting();
    s.set_nonblocking(true).unwrap();
    first_read_took_both(&mut s);
    // A poll loop polls only when this is 0: it must not be.
    assert!(s.pending() > 0, "a record waits inside, pending() says 0");
    let mut buf = [0u8; 16];
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two");
    let e = s.recv(&mut buf).unwrap_err();
    assert!(e.is_would_block(), "{e}");
    assert_eq!(s.pending(), 0, "nothing left inside, the loop may poll");
}

#[test]
fn wait_readable_sees_a_record_read_ahead() {
    let (mut s, _c) = two_records_waiting();
    first_read_took_both(&mut s);
    assert!(s.wait_readable(Some(Duration::ZERO)).unwrap());
    assert!(s.wait_readable(Some(Duration::from_millis(200))).unwrap());
    let mut buf = [0u8; 16];
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two");
    // Nothing more: a wait now is a real one.
    assert!(!s.wait_readable(Some(Duration::from_millis(50))).unwrap());
}

/// A record read ahead that carries no data (a KeyUpdate) makes
/// `pending` non-zero until a read or wait processes it, but never makes
/// `wait_readable` true.
#[test]
fn a_record_without_data_read_ahead_is_not_readable() {
    let (mut s, mut c) = handshaken_pair();
    c.send_all(b"one").unwrap();
    c.key_update(false).unwrap();
    first_read_took_both(&mut s);
    assert!(s.pending() > 0);
    assert!(!s.wait_readable(Some(Duration::from_millis(50))).unwrap());
    assert_eq!(s.pending(), 0);
}

/// With a read timeout every wait polls the descriptor: the second record
/// must come before any poll.
#[test]
fn a_read_with_a_timeout_takes_a_record_read_ahead() {
    let (mut s, _c) = two_records_waiting();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    first_read_took_both(&mut s);
    let mut buf = [0u8; 16];
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two");
}

#[test]
fn the_read_half_takes_a_record_read_ahead() {
    let (mut s, _c) = two_records_waiting();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    first_read_took_both(&mut s);
    let (mut r, _w) = s.split();
    assert!(r.pending() > 0);
    assert!(r.wait_readable(Some(Duration::ZERO)).unwrap());
    let mut buf = [0u8; 16];
    let n = r.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two");
}

/// The halves in non-blocking mode: `pending` as the whole socket's.
#[test]
fn a_nonblocking_read_half_takes_a_record_read_ahead() {
    let (mut s, _c) = two_records_waiting();
    s.set_nonblocking(true).unwrap();
    let (mut r, _w) = s.split();
    let mut buf = [0u8; 16];
    let n = r.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"one");
    assert!(r.pending() > 0, "a record waits inside, pending() says 0");
    let n = r.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two");
    assert!(r.recv(&mut buf).unwrap_err().is_would_block());
    assert_eq!(r.pending(), 0);
}

/// Large records: the read of a record's body takes what follows, up to
/// a whole record of the largest size and the next header, in the same
/// system call. The 8 KiB record and the small one sent right behind a
/// 16 KiB record come out of the kernel with it, and wait inside
/// (`pending`), not on the descriptor.
#[test]
fn a_large_records_last_read_takes_the_next_record() {
    let (mut s, mut c) = handshaken_pair();
    let big = vec![0x5a_u8; 16 * 1024];
    c.send_all(&big).unwrap();
    c.send_all(&big[..8 * 1024]).unwrap();
    c.send_all(b"three").unwrap();
    assert!(readable(s.as_raw_fd()));
    s.set_nonblocking(true).unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(n, big.len(), "one read hands out the whole record");
    assert!(buf == big);
    assert!(
        !readable(s.as_raw_fd()),
        "the next records are still on the descriptor: not read ahead"
    );
    assert!(
        s.pending() > 8 * 1024,
        "records wait inside, pending() says less"
    );
    let n = s.recv(&mut buf).unwrap();
    assert!(buf[..n] == big[..8 * 1024]);
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"three");
    assert!(s.recv(&mut buf).unwrap_err().is_would_block());
    assert_eq!(s.pending(), 0);
}

/// A Unix stream whose writes take 100 ms more: the peer answers a
/// close_notify before this end reads again.
struct SlowWrites(UnixStream);

impl Read for SlowWrites {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for SlowWrites {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        thread::sleep(Duration::from_millis(100));
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl AsFd for SlowWrites {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl From<OwnedFd> for SlowWrites {
    fn from(fd: OwnedFd) -> SlowWrites {
        SlowWrites(UnixStream::from(fd))
    }
}

/// `shutdown_into_inner` hands the stream back at the byte after the
/// peer's close_notify, although the peer's clear bytes came right behind
/// it: none was read ahead.
#[test]
fn shutdown_into_inner_reads_nothing_past_close_notify() {
    let (a, b) = UnixStream::pair().unwrap();
    let client = thread::spawn(move || {
        let mut c = SslSocket::new_client(&build(&client_builder()), b, Some("localhost")).unwrap();
        c.handshake().unwrap();
        let mut buf = [0u8; 16];
        let n = c.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"go");
        // Close_notify both ways, then the clear bytes at once.
        let mut plain: UnixStream = c.shutdown_into_inner().unwrap();
        plain.write_all(b"clear").unwrap();
        let mut rest = Vec::new();
        let _ = plain.read_to_end(&mut rest);
    });
    let mut s = SslSocket::new_server(&build(&default_server()), SlowWrites(a)).unwrap();
    s.handshake().unwrap();
    s.send_all(b"go").unwrap();
    // Our close_notify goes out; while the write lingers, the peer's
    // close_notify and its clear bytes arrive together.
    let plain: SlowWrites = s.shutdown_into_inner().unwrap();
    let mut plain = plain.0;
    plain
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut clear = [0u8; 5];
    plain
        .read_exact(&mut clear)
        .expect("the clear bytes were read past close_notify and lost");
    assert_eq!(&clear, b"clear");
    plain.shutdown(std::net::Shutdown::Both).unwrap();
    client.join().unwrap();
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn the_async_socket_takes_a_record_read_ahead() {
    use tokio::io::AsyncReadExt;
    let (a, b) = UnixStream::pair().unwrap();
    let (sent, both_sent) = std::sync::mpsc::channel();
    let (go, server_ready) = std::sync::mpsc::channel();
    let client = thread::spawn(move || {
        let mut c = SslSocket::new_client(&build(&client_builder()), b, Some("localhost")).unwrap();
        c.handshake().unwrap();
        // Not before the server's handshake is over: its last read would
        // take what came with the client's Finished.
        server_ready.recv().unwrap();
        c.send_all(b"one").unwrap();
        c.send_all(b"two").unwrap();
        sent.send(()).unwrap();
        // Open until the server has read both.
        let mut end = [0u8; 1];
        let _ = c.recv(&mut end);
    });
    a.set_nonblocking(true).unwrap();
    let fd = a.as_raw_fd();
    let a = tokio::net::UnixStream::from_std(a).unwrap();
    let mut s = sslsocket::tokio::SslSocket::new_server(&build(&default_server()), a).unwrap();
    s.handshake().await.unwrap();
    go.send(()).unwrap();
    // Both records wait on the descriptor before the first read.
    while both_sent.try_recv().is_err() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"one");
    assert!(!readable(fd), "nothing was read ahead");
    assert!(s.wait_readable(Some(Duration::ZERO)).await.unwrap());
    let within = Duration::from_secs(2);
    let n = tokio::time::timeout(within, s.read(&mut buf))
        .await
        .expect("the second record waited for new input")
        .unwrap();
    assert_eq!(&buf[..n], b"two");
    drop(s);
    client.join().unwrap();
}
