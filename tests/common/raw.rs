//! Raw peers for hostile tests: bytes on a TCP socket, written and read by
//! the test itself, not by a TLS library.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use sslsocket::{SslConfigBuilder, SslSocket};

use super::peers::{build, client_builder};

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
