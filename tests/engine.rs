//! The I/O engine under every socket: deadlines that bound whole
//! operations, non-blocking mode in a poll loop, sockets made without I/O,
//! full duplex, key update and streams other than TCP, over real loopback
//! handshakes (TCP and Unix socket pairs).

mod common;

use common::openssl_cli;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use sslsocket::{
    Error, Operation, SslConfig, SslListener, SslSocket, TlsVersion, VerifyMode, Want,
};

// The README's poll loop, word for word (checked below).
include!("common/poll_loop.rs");

/// Waits until one of `fds` is ready as asked, at most `ms` milliseconds.
fn poll(fds: &[(RawFd, Want)], ms: i32) {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|&(fd, want)| libc::pollfd {
            fd,
            events: match want {
                Want::Read => libc::POLLIN,
                Want::Write => libc::POLLOUT,
                Want::ReadOrWrite => libc::POLLIN | libc::POLLOUT,
            },
            revents: 0,
        })
        .collect();
    // SAFETY: `p` is a live, initialised array of `p.len()` pollfds.
    let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, ms) };
    assert!(r >= 0, "poll: {}", std::io::Error::last_os_error());
}

#[test]
fn the_handshake_timeout_bounds_the_whole_handshake() {
    let hello = client_hello();
    let mut b = default_server();
    b.set_handshake_timeout(Some(Duration::from_secs(1)));
    let listener = SslListener::bind("127.0.0.1:0", &build(&b)).unwrap();
    let addr = listener.local_addr().unwrap();
    let trickler = trickle(addr, hello);
    let started = Instant::now();
    let e = listener.accept().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            e,
            Error::Timeout {
                operation: Operation::Handshake,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(took < Duration::from_secs(2), "accept took {took:?}");
    drop(listener);
    trickler.join().unwrap();
}

/// The server pattern of the docs: accept TCP, hand the handshake to a
/// worker. A trickling client holds its worker, not the others.
#[test]
fn a_trickling_client_does_not_delay_the_others() {
    let hello = client_hello();
    let mut b = default_server();
    b.set_handshake_timeout(Some(Duration::from_secs(1)));
    let config = build(&b);
    let listener = SslListener::bind("127.0.0.1:0", &config).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let mut workers = Vec::new();
        for _ in 0..2 {
            let (tcp, _) = listener.accept_tcp().unwrap();
            let config = config.clone();
            workers.push(thread::spawn(move || {
                let mut tls = SslSocket::upgrade_server(&config, tcp)?;
                serve_exchange(&mut tls).map(|_| ())
            }));
        }
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .collect::<Vec<_>>()
    });
    let trickler = trickle(addr, hello);
    thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let mut honest = SslSocket::connect(
        &build(&client_builder()),
        &format!("localhost:{}", addr.port()),
    )
    .unwrap();
    client_exchange(&mut honest).unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(900),
        "the honest client waited {took:?}"
    );
    drop(honest);
    let results = server.join().unwrap();
    assert!(results[0].is_err(), "the trickler: {:?}", results[0]);
    assert!(results[1].is_ok(), "the honest client: {:?}", results[1]);
    trickler.join().unwrap();
}

/// A TLS 1.3 peer that floods KeyUpdate(update_requested) and never reads:
/// the answers fill the socket, and a read (which must write them) still
/// ends within its timeout.
#[test]
fn a_key_update_flood_cannot_stretch_a_read() {
    let (a, b) = UnixStream::pair().unwrap();
    let mut sb = default_server();
    sb.set_read_timeout(Some(Duration::from_secs(1)));
    let server_config = build(&sb);
    let mut cb = client_builder();
    cb.set_write_timeout(Some(Duration::from_secs(3)));
    let client_config = build(&cb);
    let flooder = thread::spawn(move || {
        let mut c = SslSocket::new_client(&client_config, b, Some("localhost")).unwrap();
        c.handshake().unwrap();
        let started = Instant::now();
        let mut sent = 0u64;
        while started.elapsed() < Duration::from_secs(4) {
            // OpenSSL allows 32 KeyUpdates in a row without data.
            let r = c.key_update(true).and_then(|()| {
                sent += 1;
                if sent % 16 == 0 {
                    c.send_all(b"x")
                } else {
                    Ok(())
                }
            });
            if r.is_err() {
                break;
            }
        }
        sent
    });
    let mut s = SslSocket::new_server(&server_config, a).unwrap();
    s.handshake().unwrap();
    let mut longest = Duration::ZERO;
    let mut timed_out = false;
    let mut buf = [0u8; 64];
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let t = Instant::now();
        let r = s.recv(&mut buf);
        longest = longest.max(t.elapsed());
        match r {
            Ok(0) => break,
            Ok(_) => {}
            Err(Error::Timeout {
                operation: Operation::Read,
                ..
            }) => {
                timed_out = true;
                break;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    drop(s);
    let sent = flooder.join().unwrap();
    assert!(
        timed_out,
        "the answers never filled the socket ({sent} key updates)"
    );
    assert!(
        longest < Duration::from_secs(2),
        "a read lasted {longest:?}"
    );
}

/// `unwrap()` against a peer that trickles data and never sends
/// close_notify ends within the read timeout.
#[test]
fn shutdown_into_inner_against_a_trickling_peer_is_bounded() {
    let mut sb = default_server();
    sb.set_read_timeout(Some(Duration::from_secs(1)));
    let listener = SslListener::bind("127.0.0.1:0", &build(&sb)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = thread::spawn(move || {
        let mut c =
            SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}")).unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(4) {
            if c.send_all(b".").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(25));
        }
    });
    let (s, _) = listener.accept().unwrap();
    let started = Instant::now();
    let e = s.shutdown_into_inner().unwrap_err();
    let took = started.elapsed();
    assert!(e.is_timeout(), "{e:?}");
    assert!(took < Duration::from_secs(2), "unwrap took {took:?}");
    client.join().unwrap();
}

/// Drives a non-blocking socket's operation: `Ok` once done, the readiness
/// it waits for otherwise.
fn attempt<T>(r: Result<T, Error>, blocked: &mut usize) -> Result<Option<T>, Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_would_block() => {
            *blocked += 1;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn payload(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 24) as u8)
        .collect()
}

/// Our non-blocking client against `openssl s_server`, and our non-blocking
/// server against `openssl s_client`.
#[test]
fn non_blocking_against_the_openssl_programs() {
    use openssl_cli::{cert, SClient, SServer};
    let server = SServer::localhost(&["-naccept", "1", "-rev"]);
    let tcp = TcpStream::connect(server.addr()).unwrap();
    let mut tls = SslSocket::new_client(&build(&client_builder()), tcp, Some("localhost")).unwrap();
    tls.set_nonblocking(true).unwrap();
    let mut blocked = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match attempt(tls.handshake(), &mut blocked).unwrap() {
            Some(()) => break,
            None => poll(&[(tls.as_raw_fd(), Want::Read)], 100),
        }
        assert!(Instant::now() < deadline);
    }
    // s_server sends nothing until it has a line: a read now must report
    // that it would block, however fast the server was so far.
    let mut buf = [0u8; 64];
    let before = blocked;
    assert!(attempt(tls.recv(&mut buf), &mut blocked).unwrap().is_none());
    assert_eq!(blocked, before + 1);
    while attempt(tls.send(b"hello\n"), &mut blocked)
        .unwrap()
        .is_none()
    {
        poll(&[(tls.as_raw_fd(), Want::Write)], 100);
    }
    let mut got = Vec::new();
    while !got.ends_with(b"\n") {
        assert!(Instant::now() < deadline, "got {got:?}");
        match attempt(tls.recv(&mut buf), &mut blocked).unwrap() {
            Some(n) => got.extend_from_slice(&buf[..n]),
            None => poll(&[(tls.as_raw_fd(), Want::Read)], 100),
        }
    }
    assert_eq!(got, b"olleh\n");
    assert!(blocked > 0);
    drop(tls);
    drop(server);

    // Our server, non-blocking, echoing a line to s_client.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = SClient::start(port, &["-CAfile", &cert("ca.pem")], b"ping\n");
    let (tcp, _) = listener.accept().unwrap();
    let mut tls = SslSocket::new_server(&build(&default_server()), tcp).unwrap();
    tls.set_nonblocking(true).unwrap();
    let mut got = Vec::new();
    while !got.ends_with(b"\n") {
        assert!(
            Instant::now() < deadline + Duration::from_secs(10),
            "got {got:?}"
        );
        match attempt(tls.recv(&mut buf), &mut blocked).unwrap() {
            Some(n) => got.extend_from_slice(&buf[..n]),
            None => poll(&[(tls.as_raw_fd(), Want::Read)], 100),
        }
    }
    assert_eq!(got, b"ping\n");
    while attempt(tls.send(b"pong\n"), &mut blocked)
        .unwrap()
        .is_none()
    {
        poll(&[(tls.as_raw_fd(), Want::Write)], 100);
    }
    while attempt(tls.shutdown(), &mut blocked).unwrap().is_none() {
        poll(&[(tls.as_raw_fd(), Want::Write)], 100);
    }
    drop(tls);
    let out = client.finish();
    assert!(out.mentions("pong"), "{}", out.dump());
}

/// A server socket made without I/O does its handshake on the first read;
/// a client's mode set on the socket before its handshake applies to it.
#[test]
fn sockets_made_without_io_handshake_when_first_used() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server_config = build(&wrong_host_server());
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut s = SslSocket::new_server(&server_config, tcp).unwrap();
        assert!(!s.is_secure(), "no handshake yet");
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        assert!(s.is_secure());
        s.write_all(&b).unwrap();
        s.shutdown().unwrap();
    });
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // PEER from the configuration would refuse a certificate for another
    // host; the socket's own NONE applies to this handshake.
    let mut c = SslSocket::new_client(&build(&client_builder()), tcp, Some("localhost")).unwrap();
    c.set_verify_mode(VerifyMode::NONE).unwrap();
    c.write_all(b"lazy").unwrap();
    assert_eq!(c.get_verify_mode(), VerifyMode::NONE);
    assert_eq!(
        c.verify_result().code(),
        62,
        "the mismatch is still reported"
    );
    let mut b = [0u8; 4];
    c.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"lazy");
    server.join().unwrap();
}

/// TLS over a `UnixStream::pair()`, then the stream handed back in the clear.
#[test]
fn tls_over_a_unix_socket_pair() {
    let (a, b) = UnixStream::pair().unwrap();
    let server = thread::spawn(move || {
        let mut s = SslSocket::upgrade_server(&build(&default_server()), a).unwrap();
        let got = recv_all(&mut s, 5);
        s.send_all(b"world").unwrap();
        let version = s.version();
        let mut plain: UnixStream = s.shutdown_into_inner().unwrap();
        let mut clear = [0u8; 5];
        plain.read_exact(&mut clear).unwrap();
        (got, version, clear)
    });
    let mut c = SslSocket::upgrade_client(&build(&client_builder()), b, Some("localhost")).unwrap();
    assert_eq!(c.verify_result().code(), 0);
    c.send_all(b"hello").unwrap();
    let mut reply = String::new();
    c.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "world");
    let mut plain = c.shutdown_into_inner().unwrap();
    plain.write_all(b"clear").unwrap();
    let (got, version, clear) = server.join().unwrap();
    assert_eq!(got, b"hello");
    assert_eq!(version, "TLSv1.3");
    assert_eq!(&clear, b"clear");
}

fn recv_all<S: Read + Write + std::os::fd::AsFd>(s: &mut SslSocket<S>, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    s.read_exact(&mut v).unwrap();
    v
}

/// TLS 1.3 key updates from either end, requested or not, and a clear
/// error on TLS 1.2.
#[test]
fn key_update_both_ways_and_not_on_tls12() {
    let srv = Server::start(&build(&default_server()), |s| {
        let mut b = [0u8; 2];
        s.read_exact(&mut b).unwrap();
        s.key_update(false).unwrap();
        s.write_all(b"ok").unwrap();
        s.read_exact(&mut b).unwrap();
        b
    });
    let mut c = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    c.key_update(true).unwrap();
    c.write_all(b"k1").unwrap();
    let mut b = [0u8; 2];
    c.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"ok");
    c.key_update(false).unwrap();
    c.write_all(b"k2").unwrap();
    let (_, got) = srv.join().unwrap();
    assert_eq!(&got, b"k2");

    let mut sb = default_server();
    sb.set_version(TlsVersion::Tls1_2);
    let srv = exchange_server(&build(&sb));
    let mut c = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    let e = c.key_update(true).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotTls13 {
                operation: Operation::KeyUpdate,
                version: "TLSv1.2"
            }
        ),
        "{e:?}"
    );
    client_exchange(&mut c).unwrap();
    expect_exchanged(srv.join());
}

/// Writes `data` from one thread while another reads `expect` bytes, on
/// one connection; returns what was read.
fn duplex<S>(
    tls: SslSocket<S>,
    data: Vec<u8>,
    expect: usize,
    mid: fn(&mut sslsocket::WriteHalf<S>),
) -> (SslSocket<S>, Vec<u8>)
where
    S: Read + Write + std::os::fd::AsFd + Send + 'static,
{
    let (mut r, mut w) = tls.split();
    let writer = thread::spawn(move || {
        let half = data.len() / 2;
        for chunk in data[..half].chunks(100_000) {
            w.write_all(chunk).unwrap();
        }
        mid(&mut w);
        for chunk in data[half..].chunks(100_000) {
            w.write_all(chunk).unwrap();
        }
        w
    });
    let mut got = Vec::with_capacity(expect);
    let mut buf = vec![0u8; 64 * 1024];
    while got.len() < expect {
        let n = r.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {} bytes", got.len());
        got.extend_from_slice(&buf[..n]);
    }
    let w = writer.join().unwrap();
    let mut tls = r.reunite(w).unwrap();
    // Each end then sends one byte and reads the other's: what either end
    // wrote from inside its reads (a KeyUpdate answer, a Certificate) went
    // out before that byte, so it has been processed when the byte is
    // read, and neither end closes with records of the other still unread.
    tls.write_all(b"E").unwrap();
    let mut end = [0u8; 1];
    tls.read_exact(&mut end).unwrap();
    assert_eq!(&end, b"E");
    (tls, got)
}

fn duplex_run(
    n: usize,
    version: TlsVersion,
    client_mid: fn(&mut sslsocket::WriteHalf<TcpStream>),
    server_mid: fn(&mut sslsocket::WriteHalf<TcpStream>),
) -> (bool, bool) {
    let mut sb = default_server();
    sb.set_version(version).set_verify_mode(9).unwrap();
    sb.set_read_timeout(Some(Duration::from_secs(20)))
        .set_write_timeout(Some(Duration::from_secs(20)));
    let listener = SslListener::bind("127.0.0.1:0", &build(&sb)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (to_server, to_client) = (payload(n, 7), payload(n, 9));
    let (ts, tc) = (to_server.clone(), to_client.clone());
    let server = thread::spawn(move || {
        let (tls, _) = listener.accept().unwrap();
        let (tls, got) = duplex(tls, tc, n, server_mid);
        assert!(got == ts, "the server read other bytes");
        tls.peer_certificate().is_some()
    });
    let mut cb = client_with_cert("client.pem", "client.key");
    cb.set_read_timeout(Some(Duration::from_secs(20)))
        .set_write_timeout(Some(Duration::from_secs(20)));
    let tls = SslSocket::connect(&build(&cb), &format!("localhost:{port}")).unwrap();
    let (tls, got) = duplex(tls, to_server, n, client_mid);
    assert!(got == to_client, "the client read other bytes");
    let client_ok = tls.verify_result().is_ok();
    (client_ok, server.join().unwrap())
}

#[test]
fn full_duplex_64_mib_each_way() {
    let (client_ok, _) = duplex_run(64 << 20, TlsVersion::Tls1_3, |_| {}, |_| {});
    assert!(client_ok);
}

#[test]
fn full_duplex_with_a_key_update_and_a_certificate_request_in_the_middle() {
    let (_, got_certificate) = duplex_run(
        16 << 20,
        TlsVersion::Tls1_3,
        |w| w.key_update(true).unwrap(),
        |w| {
            w.key_update(true).unwrap();
            w.verify_client_post_handshake().unwrap();
        },
    );
    assert!(
        got_certificate,
        "the server's read half processed the answer"
    );
}

#[test]
fn hundreds_of_duplex_connections_small_and_large_writes() {
    let config = build(&default_server());
    let listener = SslListener::bind("127.0.0.1:0", &config).unwrap();
    let port = listener.local_addr().unwrap().port();
    const CONNECTIONS: usize = 200;
    let sizes = |i: usize| [1, 17, 1000, 16 * 1024 + 3, 70_000][i % 5];
    let server = thread::spawn(move || {
        for i in 0..CONNECTIONS {
            let (tls, _) = listener.accept().unwrap();
            let n = sizes(i) * 8;
            let (_, got) = duplex(tls, payload(n, i as u32), n, |_| {});
            assert!(got == payload(n, 1000 + i as u32), "connection {i}");
        }
    });
    let client = build(&client_builder());
    for i in 0..CONNECTIONS {
        let tls = SslSocket::connect(&client, &format!("localhost:{port}")).unwrap();
        let n = sizes(i) * 8;
        let (_, got) = duplex(tls, payload(n, 1000 + i as u32), n, |_| {});
        assert!(got == payload(n, i as u32), "connection {i}");
    }
    server.join().unwrap();
}

#[test]
fn reunite_refuses_halves_of_two_connections() {
    let a = UnixStream::pair().unwrap();
    let b = UnixStream::pair().unwrap();
    let config = build(&default_server());
    let (r1, w1) = SslSocket::new_server(&config, a.0).unwrap().split();
    let (r2, w2) = SslSocket::new_server(&config, b.0).unwrap().split();
    let sslsocket::ReuniteError(r1, w2) = r1.reunite(w2).unwrap_err();
    assert!(r1.reunite(w1).is_ok());
    assert!(r2.reunite(w2).is_ok());
}

/// Both halves are `Send`.
#[test]
fn halves_are_send() {
    fn send<T: Send>() {}
    send::<sslsocket::ReadHalf<TcpStream>>();
    send::<sslsocket::WriteHalf<UnixStream>>();
    let _ = SslConfig::client;
}

/// Dropping one half leaves the other working; close_notify goes out once
/// however often it is asked for.
#[test]
fn a_half_alone_and_close_notify_once() {
    let srv = Server::start(&build(&default_server()), |s| {
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        (got, s.received_close_notify())
    });
    let tls = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    let (r, mut w) = tls.split();
    drop(r);
    w.write_all(b"one half").unwrap();
    w.shutdown().unwrap();
    w.shutdown().unwrap();
    assert!(w.write_all(b"after").is_err(), "no data after close_notify");
    drop(w);
    let (_, (got, clean)) = srv.join().unwrap();
    assert_eq!(got, b"one half");
    assert!(clean, "the server saw close_notify");
}

/// Bytes a write half leaves waiting (the descriptor was full) go out
/// while the read half waits: the reader is woken to send them.
#[test]
fn bytes_left_by_one_half_go_out_while_the_other_waits() {
    const N: usize = 4 << 20;
    let (a, b) = UnixStream::pair().unwrap();
    let server = thread::spawn(move || {
        let mut s = SslSocket::upgrade_server(&build(&default_server()), a).unwrap();
        let got = recv_all(&mut s, N);
        s.write_all(b"ok").unwrap();
        got == payload(N, 3)
    });
    let tls = SslSocket::upgrade_client(&build(&client_builder()), b, Some("localhost")).unwrap();
    let (mut r, mut w) = tls.split();
    let reader = thread::spawn(move || {
        let mut b = [0u8; 2];
        r.read_exact(&mut b).map(|_| b)
    });
    // Let the reader sit in its wait first.
    thread::sleep(Duration::from_millis(50));
    w.send_all(&payload(N, 3)).unwrap();
    let got = reader.join().unwrap();
    assert_eq!(got.unwrap(), *b"ok");
    assert!(server.join().unwrap(), "the server read other bytes");
    drop(w);
}

/// A timeout set on the stream itself (SO_RCVTIMEO) by whoever made it
/// still bounds a read when the configuration sets none.
#[test]
fn a_timeout_set_on_the_stream_is_honoured() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let srv = Server::start(&build(&default_server()), move |_| {
        let _ = rx.recv_timeout(Duration::from_secs(10));
    });
    let tcp = TcpStream::connect(srv.addr()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut cb = SslConfig::client();
    cb.set_ca_file(cert("ca.pem")).set_use_system_ca(false);
    let mut c = SslSocket::upgrade_client(&build(&cb), tcp, Some("localhost")).unwrap();
    let started = Instant::now();
    let e = c.recv(&mut [0u8; 8]).unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    tx.send(()).unwrap();
    drop(c);
    srv.join().unwrap();
}

/// Key updates retried in non-blocking mode against a peer that does not
/// read pile nothing up: past a bound they would block, and memory stays put.
#[test]
fn non_blocking_key_updates_against_a_silent_peer_are_bounded() {
    let (a, b) = UnixStream::pair().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let server = thread::spawn(move || {
        // Handshakes, then reads nothing.
        let s = SslSocket::upgrade_server(&build(&default_server()), a).unwrap();
        let _ = rx.recv_timeout(Duration::from_secs(20));
        drop(s);
    });
    let mut c = SslSocket::upgrade_client(&build(&client_builder()), b, Some("localhost")).unwrap();
    c.set_nonblocking(true).unwrap();
    let rss = || process::rss() as u64 >> 10;
    let mut blocked = 0;
    let mut before = None;
    for _ in 0..200_000 {
        match c.key_update(false) {
            Ok(()) => {}
            Err(e) if e.is_would_block() => {
                blocked += 1;
                // Measured from well after the first refusal, once the
                // allocator has settled.
                if blocked == 10_000 {
                    before = Some(rss());
                }
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(blocked > 10_000, "blocked only {blocked} times");
    // A retry that would block schedules nothing: memory stays put (each
    // KeyUpdate piled up would be another record waiting).
    let grew = rss().saturating_sub(before.unwrap());
    assert!(
        grew < 1024,
        "RSS grew {grew} KiB over {blocked} refused retries"
    );
    c.set_nonblocking(false).unwrap();
    c.set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    drop(c);
    tx.send(()).unwrap();
    server.join().unwrap();
}

/// `unwrap()` of a non-blocking socket waits for the close_notify exchange
/// (within the timeouts) instead of failing with would-block.
#[test]
fn shutdown_into_inner_of_a_non_blocking_socket() {
    let srv = Server::start(&build(&default_server()), |s| {
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        // Reads to close_notify, answers with its own.
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        s.shutdown().unwrap();
        b
    });
    let mut c = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    c.write_all(b"ping").unwrap();
    c.set_nonblocking(true).unwrap();
    let plain = c.shutdown_into_inner().unwrap();
    assert_eq!(plain.peer_addr().unwrap(), srv.addr());
    let (_, got) = srv.join().unwrap();
    assert_eq!(&got, b"ping");
}

/// Both ends non-blocking in one poll loop (the README's), each sending
/// 32 MiB while it reads the other's 32 MiB.
#[test]
fn both_ends_pipelining_in_the_readme_poll_loop() {
    const N: usize = 32 << 20;
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let (client, server) = non_blocking_pair(version, false);
        let (to_server, to_client) = (payload(N, 3), payload(N, 4));
        let mut conns = [
            Conn::new(client, to_server.clone(), N),
            Conn::new(server, to_client.clone(), N),
        ];
        run(&mut conns, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{version}: {e}"));
        assert!(conns[0].got == to_client, "{version}: the client's bytes");
        assert!(conns[1].got == to_server, "{version}: the server's bytes");
    }
}

/// A client and a server, both non-blocking, over TCP on loopback; with
/// `fixed_buffers`, 64 KiB socket buffers that do not grow (Linux grows
/// them by itself otherwise, so a full socket may take more later).
fn non_blocking_pair(version: TlsVersion, fixed_buffers: bool) -> (SslSocket, SslSocket) {
    let mut sb = default_server();
    sb.set_version(version);
    let a = TcpListener::bind("127.0.0.1:0").unwrap();
    let client_tcp = TcpStream::connect(a.local_addr().unwrap()).unwrap();
    let (server_tcp, _) = a.accept().unwrap();
    if fixed_buffers {
        for fd in [client_tcp.as_raw_fd(), server_tcp.as_raw_fd()] {
            for option in [libc::SO_SNDBUF, libc::SO_RCVBUF] {
                let size: libc::c_int = 64 * 1024;
                // SAFETY: `fd` is an open socket; `size` lives for the call
                // and its length is given.
                let r = unsafe {
                    libc::setsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        option,
                        (&size as *const libc::c_int).cast(),
                        std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                    )
                };
                assert_eq!(r, 0, "setsockopt: {}", std::io::Error::last_os_error());
            }
        }
    }
    let mut server = SslSocket::new_server(&build(&sb), server_tcp).unwrap();
    let mut client =
        SslSocket::new_client(&build(&client_builder()), client_tcp, Some("localhost")).unwrap();
    server.set_nonblocking(true).unwrap();
    client.set_nonblocking(true).unwrap();
    (client, server)
}

/// A peer that does one thing at a time, as a simple server does: reads a
/// request, writes its answer, reads the next request, closes. It waits
/// for exactly what its one blocked call says.
struct OneAtATime {
    tls: SslSocket,
    /// (read this many bytes, then write these), in order.
    script: Vec<(usize, Vec<u8>)>,
    got: Vec<u8>,
    read_now: usize,
    written: usize,
    closed: bool,
    wait: Option<Want>,
}

impl OneAtATime {
    fn step(&mut self, revents: libc::c_short) -> Result<(), Error> {
        if let Some(w) = self.wait {
            let readable = revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0;
            let writable = revents & (libc::POLLOUT | libc::POLLERR) != 0;
            let pending = self.tls.pending() > 0;
            if !(w.wants_readable() && (readable || pending) || w.wants_writable() && writable) {
                return Ok(());
            }
        }
        self.wait = None;
        let mut buf = [0u8; 16 * 1024];
        while let Some((want, answer)) = self.script.first() {
            if self.read_now < *want {
                let n = (*want - self.read_now).min(buf.len());
                match self.tls.recv(&mut buf[..n]) {
                    Ok(0) => return Err(Error::UnexpectedEof),
                    Ok(n) => {
                        self.got.extend_from_slice(&buf[..n]);
                        self.read_now += n;
                    }
                    Err(e) if e.is_would_block() => {
                        self.wait = e.would_block();
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                }
            } else if self.written < answer.len() {
                let end = (self.written + 16 * 1024).min(answer.len());
                match self.tls.send(&answer[self.written..end]) {
                    Ok(n) => self.written += n,
                    Err(e) if e.is_would_block() => {
                        self.wait = e.would_block();
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                }
            } else {
                self.script.remove(0);
                self.read_now = 0;
                self.written = 0;
            }
        }
        if !self.closed {
            match self.tls.shutdown() {
                Ok(()) => self.closed = true,
                Err(e) if e.is_would_block() => self.wait = e.would_block(),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The pipelining case both ways, TLS 1.3 and 1.2: one end (the README's
/// loop) sends a short request and then 32 MiB more at once while it
/// reads; the other answers the short request with 32 MiB before it reads
/// on. The pipelining end's read waits to read while its 32 MiB wait to go
/// out: it must wait for either readiness (polling for writable alone
/// waited forever, as the other end writes and does not read).
#[test]
fn a_pipelining_peer_and_a_one_at_a_time_peer_in_one_poll_loop_never_stall() {
    const N: usize = 32 << 20;
    const REQUEST: usize = 64;
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        for pipelining_client in [true, false] {
            let (client, server) = non_blocking_pair(version, true);
            let (pipeliner, other) = if pipelining_client {
                (client, server)
            } else {
                (server, client)
            };
            let requests = payload(REQUEST + N, 5);
            let answer = payload(N, 6);
            let mut conn = Conn::new(pipeliner, requests.clone(), N);
            let mut one = OneAtATime {
                tls: other,
                script: vec![(REQUEST, answer.clone()), (N, Vec::new())],
                got: Vec::new(),
                read_now: 0,
                written: 0,
                closed: false,
                wait: None,
            };
            let case = format!("{version}, pipelining client {pipelining_client}");
            conn.step(0).unwrap();
            one.step(0).unwrap();
            let progress = |c: &Conn<TcpStream>, o: &OneAtATime| {
                (
                    c.sent,
                    c.got.len(),
                    c.closed,
                    o.written,
                    o.got.len(),
                    o.closed,
                )
            };
            let (mut last, mut since) = (progress(&conn, &one), Instant::now());
            while !(conn.closed && one.closed) {
                let events = |w: Option<Want>| {
                    w.map_or(0, |w| {
                        (if w.wants_readable() { libc::POLLIN } else { 0 })
                            | (if w.wants_writable() { libc::POLLOUT } else { 0 })
                    })
                };
                let mut fds = [
                    libc::pollfd {
                        fd: conn.tls.as_raw_fd(),
                        events: conn.events(),
                        revents: 0,
                    },
                    libc::pollfd {
                        fd: one.tls.as_raw_fd(),
                        events: events(one.wait),
                        revents: 0,
                    },
                ];
                let now = conn.tls.pending() > 0 || one.tls.pending() > 0;
                // SAFETY: `fds` is a live array of two initialised pollfds.
                unsafe { libc::poll(fds.as_mut_ptr(), 2, if now { 1 } else { 100 }) };
                conn.step(fds[0].revents).unwrap();
                one.step(fds[1].revents).unwrap();
                if progress(&conn, &one) != last {
                    (last, since) = (progress(&conn, &one), Instant::now());
                }
                assert!(
                    since.elapsed() < Duration::from_secs(5),
                    "{case}: stalled for 5 s; the pipelining end waits for {:?}, the other for {:?}",
                    conn.waits,
                    one.wait
                );
            }
            assert!(conn.got == answer, "{case}: the answer");
            assert!(one.got == requests, "{case}: the requests");
        }
    }
}

/// The poll loop the README shows is the one tested above.
#[test]
fn the_readme_shows_the_tested_poll_loop() {
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(include_str!("common/poll_loop.rs")),
        "README.md must show tests/common/poll_loop.rs word for word"
    );
}

/// A server whose peer stopped reading, its socket full: `close()` and
/// `shutdown_into_inner()` are bounded by one write timeout, not by one
/// for the close_notify and another for dropping the same bytes. (A Unix
/// socket pair: its buffers do not grow as TCP's do.)
#[test]
fn closing_against_a_peer_that_stopped_reading_takes_one_write_timeout() {
    for unwrap in [false, true] {
        let mut sb = default_server();
        sb.set_write_timeout(Some(Duration::from_secs(1)))
            .set_read_timeout(Some(Duration::from_secs(1)));
        let (a, b) = UnixStream::pair().unwrap();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let client = thread::spawn(move || {
            let mut c =
                SslSocket::new_client(&build(&client_builder()), b, Some("localhost")).unwrap();
            c.handshake().unwrap();
            // Holds the connection open, reading nothing.
            let _ = stopped.recv_timeout(Duration::from_secs(10));
            drop(c);
        });
        let mut s = SslSocket::new_server(&build(&sb), a).unwrap();
        s.handshake().unwrap();
        s.set_nonblocking(true).unwrap();
        let chunk = vec![7u8; 16 * 1024];
        loop {
            match s.send(&chunk) {
                Ok(_) => {}
                Err(e) if e.would_block() == Some(Want::Write) => break,
                Err(e) => panic!("{e:?}"),
            }
        }
        s.set_nonblocking(false).unwrap();
        let started = Instant::now();
        let r = if unwrap {
            s.shutdown_into_inner().map(drop)
        } else {
            s.close()
        };
        let took = started.elapsed();
        let _ = stop.send(());
        client.join().unwrap();
        assert!(
            matches!(r, Err(Error::Timeout { .. })),
            "unwrap {unwrap}: {r:?}"
        );
        assert!(
            took < Duration::from_millis(1500),
            "unwrap {unwrap}: took {took:?}"
        );
    }
}

/// Whether `O_NONBLOCK` is set on `fd` now.
fn fd_nonblocking(fd: RawFd) -> bool {
    // SAFETY: F_GETFL reads the flags of a descriptor the caller keeps open.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    assert!(flags >= 0, "F_GETFL: {}", std::io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

/// A server with the default handshake timeout and no read or write
/// timeout, as a plain server runs: the handshake polls a non-blocking
/// descriptor; a read or a send whose bytes are there (the request right
/// after the handshake, the answer going out) changes no mode, and only a
/// read that must wait makes the descriptor blocking to sleep in read(2).
#[test]
fn a_read_whose_bytes_are_there_changes_no_descriptor_mode() {
    let mut b = default_server();
    b.set_read_timeout(None).set_write_timeout(None);
    let listener = SslListener::bind("127.0.0.1:0", &build(&b)).unwrap();
    let addr = listener.local_addr().unwrap();
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let client = thread::spawn(move || {
        let mut c = SslSocket::connect(
            &build(&client_builder()),
            &format!("localhost:{}", addr.port()),
        )
        .unwrap();
        c.write_all(b"GET /\n").unwrap();
        wait.recv().unwrap();
        c.write_all(b"later\n").unwrap();
        let mut answer = Vec::new();
        c.read_to_end(&mut answer).unwrap();
        answer
    });
    let (mut s, _) = listener.accept().unwrap();
    let fd = s.get_ref().as_raw_fd();
    assert!(fd_nonblocking(fd), "the handshake runs non-blocking");
    // The request is there: read at once, no mode changed.
    poll(&[(fd, Want::Read)], 10_000);
    let mut got = Vec::new();
    while !got.ends_with(b"\n") {
        let mut buf = [0u8; 64];
        let n = s.recv(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"GET /\n");
    assert!(
        fd_nonblocking(fd),
        "a read whose bytes were there made the descriptor blocking"
    );
    // A read that must wait sleeps in read(2) on a blocking descriptor.
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        go.send(()).unwrap();
    });
    let mut buf = [0u8; 64];
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"later\n");
    assert!(
        !fd_nonblocking(fd),
        "a read that waited ran on a blocking descriptor"
    );
    sender.join().unwrap();
    s.write_all(b"ok").unwrap();
    s.shutdown().unwrap();
    drop(s);
    assert_eq!(client.join().unwrap(), b"ok");
}

/// The stream `shutdown_into_inner` hands back is in the caller's blocking
/// mode, whichever modes the operations before it ran in: blocking as
/// given, or non-blocking as given.
#[test]
fn the_stream_handed_back_keeps_the_callers_blocking_mode() {
    for given_nonblocking in [false, true] {
        let mut b = default_server();
        b.set_read_timeout(None).set_write_timeout(None);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || {
            let mut c = SslSocket::connect(
                &build(&client_builder()),
                &format!("localhost:{}", addr.port()),
            )
            .unwrap();
            c.write_all(b"ping").unwrap();
            let mut b = [0u8; 4];
            c.read_exact(&mut b).unwrap();
            // Answers the close_notify with its own.
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).unwrap();
            c.shutdown().unwrap();
            b
        });
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_nonblocking(given_nonblocking).unwrap();
        let config = build(&b);
        let mut s = SslSocket::new_server(&config, tcp).unwrap();
        // The handshake (under its timeout), a read and a write (none),
        // blocking as the socket is in blocking mode.
        let mut got = [0u8; 4];
        s.handshake().unwrap();
        s.read_exact(&mut got).unwrap();
        s.write_all(b"pong").unwrap();
        let plain = s.shutdown_into_inner().unwrap();
        assert_eq!(
            fd_nonblocking(plain.as_raw_fd()),
            given_nonblocking,
            "the stream went back in another mode than it came"
        );
        assert_eq!(&got, b"ping");
        assert_eq!(&client.join().unwrap(), b"pong");
    }
}
