//! Raw peers for hostile tests: bytes on a TCP socket, written and read by
//! the test itself, not by a TLS library.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use sslsocket::{Error, SslConfigBuilder, SslSocket};

use super::join_within;
use super::peers::{build, client_builder, client_exchange};

/// Every thread of a hostile test ends within this.
pub(crate) const THREADS: Duration = Duration::from_secs(10);

/// The bytes a client sends first: its ClientHello, as our client makes it.
pub(crate) fn client_hello() -> Vec<u8> {
    client_hello_of(client_builder())
}

/// The ClientHello of a client built from `b`.
pub(crate) fn client_hello_of(mut b: SslConfigBuilder) -> Vec<u8> {
    let raw = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = raw.local_addr().unwrap();
    b.set_handshake_timeout(Some(Duration::from_millis(300)));
    let config = build(&b);
    let client = thread::spawn(move || {
        let _ = SslSocket::connect(&config, &format!("localhost:{}", addr.port()));
    });
    let (mut tcp, _) = raw.accept().unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut hello = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = tcp.read(&mut buf) {
        if n == 0 {
            break;
        }
        hello.extend_from_slice(&buf[..n]);
    }
    client.join().unwrap();
    assert!(hello.len() > 100, "a ClientHello: {} bytes", hello.len());
    hello
}

/// Removes extension `kind` from a ClientHello in one record, fixing the lengths.
pub(crate) fn remove_extension(hello: &mut Vec<u8>, kind: u16) {
    let body = 9; // record header (5) and handshake header (4)
    let mut at = body + 2 + 32;
    at += 1 + hello[at] as usize;
    at += 2 + u16::from_be_bytes([hello[at], hello[at + 1]]) as usize;
    at += 1 + hello[at] as usize;
    let exts = at;
    let end = exts + 2 + u16::from_be_bytes([hello[exts], hello[exts + 1]]) as usize;
    let mut i = exts + 2;
    while i + 4 <= end {
        let t = u16::from_be_bytes([hello[i], hello[i + 1]]);
        let len = u16::from_be_bytes([hello[i + 2], hello[i + 3]]) as usize;
        if t == kind {
            hello.drain(i..i + 4 + len);
            let shrink = |v: &mut Vec<u8>, at: usize, width: usize| {
                let mut n = 0usize;
                for b in &v[at..at + width] {
                    n = n << 8 | *b as usize;
                }
                n -= 4 + len;
                for k in 0..width {
                    v[at + k] = (n >> (8 * (width - 1 - k))) as u8;
                }
            };
            shrink(hello, exts, 2);
            shrink(hello, 6, 3);
            shrink(hello, 3, 2);
            return;
        }
        i += 4 + len;
    }
    panic!("no extension {kind}");
}

/// A client that sends a real ClientHello one byte every 25 ms.
pub(crate) fn trickle(addr: std::net::SocketAddr, hello: Vec<u8>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let Ok(mut tcp) = TcpStream::connect(addr) else {
            return;
        };
        for b in hello {
            if tcp.write_all(&[b]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(25));
        }
    })
}

/// A raw TCP peer: connects, sends `bytes`, then reads until the server
/// closes (bounded); returns its port and what the server sent.
pub(crate) fn raw(addr: SocketAddr, bytes: &[u8]) -> (u16, Vec<u8>) {
    raw_peer(addr, bytes, false)
}

/// As [`raw`], also closing its sending side after `bytes` when `close`.
pub(crate) fn raw_peer(addr: impl ToSocketAddrs, bytes: &[u8], close: bool) -> (u16, Vec<u8>) {
    let mut tcp = TcpStream::connect(addr).unwrap();
    let port = tcp.local_addr().unwrap().port();
    tcp.set_read_timeout(Some(THREADS / 2)).unwrap();
    let _ = tcp.write_all(bytes); // the server may refuse before reading it all
    if close {
        let _ = tcp.shutdown(Shutdown::Write);
    }
    // Until the server closes (EOF, or a reset after an alert).
    let mut got = Vec::new();
    let _ = tcp.read_to_end(&mut got);
    (port, got)
}

/// Our client's handshake, then `bytes` raw on its TCP connection, which
/// stays open until the server closes it; returns the client's port.
pub(crate) fn raw_after_handshake(addr: SocketAddr, bytes: &[u8]) -> u16 {
    let tls = SslSocket::connect(
        &build(&client_builder()),
        &format!("localhost:{}", addr.port()),
    )
    .unwrap();
    let port = tls.local_addr().unwrap().port();
    let mut tcp = tls.get_ref().try_clone().unwrap();
    // The socket keeps its descriptor non-blocking.
    tcp.set_nonblocking(false).unwrap();
    // The server may refuse (and reset) before it has read it all.
    let _ = tcp.write_all(bytes);
    let _ = tcp.shutdown(Shutdown::Write);
    tcp.set_read_timeout(Some(THREADS / 2)).unwrap();
    let _ = tcp.read_to_end(&mut Vec::new());
    port
}

/// Makes closing `tcp` send a reset (SO_LINGER with a zero timeout).
pub(crate) fn reset_on_close(tcp: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is open (borrowed from `tcp`) and `linger` is
    // a live value of the size passed.
    let r = unsafe {
        libc::setsockopt(
            tcp.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "SO_LINGER: {}", io::Error::last_os_error());
}

/// A man in the middle for one connection to `target`: what the client
/// sends goes to the server through `forward`, what the server sends goes
/// back unchanged. Returns the address for the client and the thread,
/// which ends with its server-side connection's port.
pub(crate) fn proxy(
    target: SocketAddr,
    mut forward: impl FnMut(&[u8], &mut TcpStream) -> io::Result<()> + Send + 'static,
) -> (SocketAddr, JoinHandle<u16>) {
    let front = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = front.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut client, _) = front.accept().unwrap();
        let mut server = TcpStream::connect(target).unwrap();
        server.set_nodelay(true).unwrap();
        let port = server.local_addr().unwrap().port();
        for s in [&client, &server] {
            s.set_read_timeout(Some(THREADS / 2)).unwrap();
        }
        let (mut back_from, mut back_to) =
            (server.try_clone().unwrap(), client.try_clone().unwrap());
        let back = thread::spawn(move || {
            let _ = io::copy(&mut back_from, &mut back_to);
            let _ = back_to.shutdown(Shutdown::Write);
        });
        let mut buf = [0u8; 16 * 1024];
        loop {
            match client.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if forward(&buf[..n], &mut server).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = server.shutdown(Shutdown::Both);
        let _ = client.shutdown(Shutdown::Both);
        join_within(back, THREADS, "the proxy's way back");
        port
    });
    (addr, handle)
}

/// Our client through `proxy`, running the standard exchange; returns the
/// proxy's server-side port and the client's result.
pub(crate) fn proxied_client(
    target: SocketAddr,
    forward: impl FnMut(&[u8], &mut TcpStream) -> io::Result<()> + Send + 'static,
) -> (u16, Result<(), Error>) {
    let (front, mitm) = proxy(target, forward);
    let result = SslSocket::connect(
        &build(&client_builder()),
        &format!("localhost:{}", front.port()),
    )
    .and_then(|mut tls| client_exchange(&mut tls));
    (join_within(mitm, THREADS, "the proxy"), result)
}

/// Writes `bytes` one byte per write, `pause` after each.
pub(crate) fn byte_by_byte(pause: Duration) -> impl FnMut(&[u8], &mut TcpStream) -> io::Result<()> {
    move |bytes, to| {
        for b in bytes {
            to.write_all(std::slice::from_ref(b))?;
            if !pause.is_zero() {
                thread::sleep(pause);
            }
        }
        Ok(())
    }
}

/// A TLS record of `content_type`.
pub(crate) fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A raw server that reads the client's ClientHello and answers `reply`
/// (then resets, with `reset`, or waits for the client to leave).
pub(crate) fn raw_server(reply: Vec<u8>, reset: bool) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(THREADS / 2)).unwrap();
        let mut hello = [0u8; 4096];
        let _ = tcp.read(&mut hello);
        let _ = tcp.write_all(&reply);
        if reset {
            reset_on_close(&tcp);
        } else {
            let _ = tcp.read_to_end(&mut Vec::new());
        }
    });
    (addr, handle)
}
