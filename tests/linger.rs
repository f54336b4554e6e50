//! A connection that fails with input unread closes as `openssl s_server`
//! closes it: the peer reads the alert that says why (and the tickets sent
//! before it), not a reset that destroys them; and a peer that never closes
//! holds the server no longer than the lingering bound.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use sslsocket::{Error, SslConfig, SslSocket, TlsVersion};

/// A record header of `kind` announcing `len` bytes, and those bytes (zeros).
fn record(kind: u8, len: usize) -> Vec<u8> {
    common::record(kind, &vec![0; len])
}

/// Our client completes a handshake with our server (which then reads),
/// writes `bad` under the TLS layer in one call, waits for the server to
/// fail and close, and reads: the error it gets, and how long the server's
/// socket took to drop after its read failed.
fn client_reads_after(
    version: TlsVersion,
    bad: Vec<u8>,
    close_after: bool,
) -> (Error, Error, Duration) {
    client_reads_after_serving(version, bad, close_after, |config, tcp| {
        let mut s = SslSocket::upgrade_server(&config, tcp).unwrap();
        let mut buf = [0u8; 64];
        let e = s.recv(&mut buf).unwrap_err();
        let started = Instant::now();
        drop(s);
        (e, started.elapsed())
    })
}

/// As [`client_reads_after`], the server being `serve` (its error, and how
/// long it took from the failure to the end of the connection).
fn client_reads_after_serving(
    version: TlsVersion,
    bad: Vec<u8>,
    close_after: bool,
    serve: impl FnOnce(SslConfig, TcpStream) -> (Error, Duration) + Send + 'static,
) -> (Error, Error, Duration) {
    let mut sb = default_server();
    sb.set_version(version);
    let config = build(&sb);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        serve(config, tcp)
    });
    let mut c =
        SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}")).unwrap();
    // The tickets (TLS 1.3) stay unread until the alert is read.
    c.get_mut().write_all(&bad).unwrap();
    if close_after {
        thread::sleep(Duration::from_millis(200));
    } else {
        // A peer that keeps its side open and sends on.
        let tcp: TcpStream = c.get_ref().try_clone().unwrap();
        thread::spawn(move || {
            let mut tcp = tcp;
            let junk = vec![0u8; 1024];
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(3) {
                if tcp.write_all(&junk).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(5));
            }
        });
        thread::sleep(Duration::from_millis(200));
    }
    let mut buf = [0u8; 64];
    let got = c.recv(&mut buf).unwrap_err();
    let (server_err, dropped) = join_within(server, Duration::from_secs(5), "the server");
    (got, server_err, dropped)
}

/// A record longer than any record may be, after the handshake: the
/// server fails with `record_overflow`, and the client reads that alert
/// (it was a reset: the rest of the record unread made the close one).
#[test]
fn the_alert_for_an_oversized_record_reaches_the_client() {
    for (version, len) in [(TlsVersion::Tls1_3, 16_641), (TlsVersion::Tls1_2, 18_433)] {
        let (got, server_err, dropped) = client_reads_after(version, record(23, len), true);
        assert!(
            matches!(server_err, Error::Tls { .. }),
            "{version}: {server_err:?}"
        );
        assert_alert(&got, "record_overflow");
        assert!(
            dropped < Duration::from_millis(800),
            "{version}: the drop took {dropped:?}"
        );
    }
}

/// A ChangeCipherSpec after the handshake (TLS 1.3): `unexpected_message`,
/// read by the client.
#[test]
fn the_alert_for_a_late_change_cipher_spec_reaches_the_client() {
    let mut ccs = vec![20, 3, 3, 0, 1, 1];
    // More behind it, unread when the server fails.
    ccs.extend(record(23, 4000));
    let (got, _, _) = client_reads_after(TlsVersion::Tls1_3, ccs, true);
    assert_alert(&got, "unexpected_message");
}

/// A peer that sends a bad record and then keeps sending, never closing:
/// the alert still reaches it, and the server's drop ends within the
/// lingering bound (0.5 s) however long the peer goes on.
#[test]
fn a_peer_that_never_closes_holds_the_server_no_longer_than_the_bound() {
    let (got, _, dropped) = client_reads_after(TlsVersion::Tls1_3, record(23, 16_641), false);
    assert_alert(&got, "record_overflow");
    assert!(
        dropped >= Duration::from_millis(400) && dropped < Duration::from_millis(800),
        "the drop took {dropped:?}"
    );
}

/// A non-blocking socket's drop does not wait: it shuts the sending side
/// down and reads what has arrived, so the alert still reaches a peer
/// whose bad record had arrived whole.
#[test]
fn a_non_blocking_socket_closes_without_waiting_and_the_alert_arrives() {
    let (got, _, dropped) = client_reads_after_serving(
        TlsVersion::Tls1_3,
        record(23, 16_641),
        true,
        |config, tcp| {
            let mut s = SslSocket::upgrade_server(&config, tcp).unwrap();
            s.set_nonblocking(true).unwrap();
            let mut buf = [0u8; 64];
            let started = Instant::now();
            let e = loop {
                match s.recv(&mut buf) {
                    Err(e) if e.is_would_block() => {
                        assert!(started.elapsed() < Duration::from_secs(5), "no failure");
                        thread::sleep(Duration::from_millis(5));
                    }
                    r => break r.unwrap_err(),
                }
            };
            let started = Instant::now();
            drop(s);
            (e, started.elapsed())
        },
    );
    assert_alert(&got, "record_overflow");
    assert!(
        dropped < Duration::from_millis(100),
        "the drop took {dropped:?}"
    );
}

/// The async face: the failed read lingers (its error comes once the peer
/// has closed, or after the bound), and the client reads the alert.
#[cfg(feature = "tokio")]
#[test]
fn the_async_face_delivers_the_alert_too() {
    for close_after in [true, false] {
        let (got, server_err, took) = client_reads_after_serving(
            TlsVersion::Tls1_3,
            record(23, 16_641),
            close_after,
            |config, tcp| {
                runtime().block_on(async move {
                    use tokio::io::AsyncReadExt;
                    let mut s = accept_async(&config, tcp).await;
                    let mut buf = [0u8; 64];
                    let started = Instant::now();
                    let e = s.read(&mut buf).await.unwrap_err();
                    let e = e.into_inner().unwrap().downcast::<Error>().unwrap();
                    (*e, started.elapsed())
                })
            },
        );
        assert!(matches!(server_err, Error::Tls { .. }), "{server_err:?}");
        assert_alert(&got, "record_overflow");
        assert!(
            took < Duration::from_millis(900),
            "the failed read took {took:?}"
        );
    }
}

/// A server that answers a request and closes (sending close_notify) while
/// the request's last record is still on its way (a client writing the
/// request line and the blank line as two records, as tlsfuzzer does): the
/// client reads the whole answer and our close_notify, and its own
/// close_notify, sent after reading, finds the connection still there, as
/// with `openssl s_server -www` (it was a reset: the late record arrived
/// after the close, and the client's send failed with a broken pipe).
#[test]
fn a_request_whose_last_record_comes_late_is_answered_and_closed_cleanly() {
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut sb = default_server();
        sb.set_version(version);
        let config = build(&sb);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            let mut s = SslSocket::upgrade_server(&config, tcp).unwrap();
            let line = read_line(&mut s).unwrap();
            s.send_all(b"HTTP/1.0 200 ok\r\n\r\nhello\n").unwrap();
            s.shutdown().unwrap();
            drop(s);
            line
        });
        let mut c =
            SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}")).unwrap();
        c.send_all(b"GET / HTTP/1.0\r\n").unwrap();
        thread::sleep(Duration::from_millis(50));
        c.send_all(b"\r\n").unwrap();
        thread::sleep(Duration::from_millis(50));
        let mut answer = Vec::new();
        let mut buf = [0u8; 256];
        loop {
            match c.recv(&mut buf) {
                Ok(0) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
                Err(e) => panic!("{version}: {e:?} after {answer:?}"),
            }
        }
        assert_eq!(answer, b"HTTP/1.0 200 ok\r\n\r\nhello\n", "{version}");
        c.shutdown()
            .unwrap_or_else(|e| panic!("{version}: our close_notify: {e:?}"));
        // The server still reads (and discards): no reset comes back for
        // what the client sends on.
        for _ in 0..2 {
            thread::sleep(Duration::from_millis(50));
            let r = c.get_mut().write(b"\x15");
            assert!(r.is_ok(), "{version}: {r:?}");
        }
        let line = join_within(server, Duration::from_secs(5), "the server");
        assert_eq!(line, "GET / HTTP/1.0\r\n", "{version}");
    }
}
