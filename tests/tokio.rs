//! `sslsocket::tokio` over real loopback handshakes: the verify-mode rows
//! against the blocking socket and `openssl s_server`, post-handshake
//! requests awaited, a trickling client against the handshake timeout, a
//! thousand connections on one thread, reads cancelled mid-record, split
//! halves reading and writing at once, each operation under its own
//! deadline whatever futures were dropped before it, and a request queued
//! by `verify_client_post_handshake` sent by `handshake()` or `flush()`;
//! each end's own certificate and its peer's, as data.
#![cfg(feature = "tokio")]

mod common;

use common::openssl_cli;
use std::io::Read;
use std::thread;
use std::time::{Duration, Instant};

use common::{
    build, cert_der, cert_info, client_builder, client_with_cert, default_server, server_builder,
};
use sslsocket::tokio::{SslListener, SslSocket};
use sslsocket::{Error, Operation, PeerVerification, SslConfig, TlsVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CLIENT_SUBJECT: &str = "CN=sslsocket test client";

/// What the async server saw of one connection: its handshake's outcome,
/// then whether the exchange went through and its peer's certificate state.
#[derive(Debug)]
struct Served {
    handshake: Result<(), String>,
    exchanged: bool,
    peer: PeerVerification,
    subject: Option<String>,
}

/// One async server connection: handshake, `hello` →, ← `ping`, close.
async fn serve_one(listener: SslListener) -> Served {
    let (mut tls, _) = listener.accept().await.expect("accept");
    let handshake = tls.handshake().await;
    let mut exchanged = false;
    if handshake.is_ok() {
        let mut ping = [0u8; 4];
        exchanged = tls.write_all(b"hello").await.is_ok()
            && tls.read_exact(&mut ping).await.is_ok()
            && &ping == b"ping";
        let _ = tls.shutdown().await;
    }
    Served {
        handshake: handshake.map_err(|e| format!("{e:?}")),
        exchanged,
        peer: tls.peer_verification(),
        subject: tls.peer_subject(),
    }
}

/// The blocking client half: connect, ← `hello`, `ping` →.
fn blocking_client(config: SslConfig, port: u16) -> Result<(), Error> {
    let mut tls = sslsocket::SslSocket::connect(&config, &format!("localhost:{port}"))?;
    let hello = common::recv_exact(&mut tls, 5)?;
    assert_eq!(hello, b"hello");
    tls.send_all(b"ping")?;
    Ok(())
}

#[tokio::test]
async fn server_verify_mode_rows_against_the_blocking_client() {
    use PeerVerification::*;
    // (mode, version, client has a certificate, handshake ok, what the server sees)
    let rows = [
        (0, TlsVersion::Tls1_3, true, true, NoCertificate),
        (1, TlsVersion::Tls1_3, true, true, Verified),
        (1, TlsVersion::Tls1_3, false, true, NoCertificate),
        (3, TlsVersion::Tls1_3, true, true, Verified),
        (3, TlsVersion::Tls1_3, false, false, NoCertificate),
        (9, TlsVersion::Tls1_3, true, true, NoCertificate),
        (9, TlsVersion::Tls1_2, true, true, Verified),
        (3, TlsVersion::Tls1_2, false, false, NoCertificate),
    ];
    for (mode, version, with_cert, ok, peer) in rows {
        let row = format!("mode {mode} {version} client cert {with_cert}");
        let mut b = default_server();
        b.set_verify_mode(mode).unwrap().set_version(version);
        let listener = SslListener::bind("127.0.0.1:0", &build(&b)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = if with_cert {
            client_with_cert("client.pem", "client.key")
        } else {
            client_builder()
        };
        let client = build(&client);
        let client = tokio::task::spawn_blocking(move || blocking_client(client, port));
        let served = serve_one(listener).await;
        let client = client.await.unwrap();
        assert_eq!(served.handshake.is_ok(), ok, "{row}: {served:?}");
        assert_eq!(served.exchanged, ok, "{row}: {served:?}");
        assert_eq!(client.is_ok(), ok, "{row}: client {client:?}");
        if ok {
            assert_eq!(served.peer, peer, "{row}");
            let subject = (peer == Verified).then(|| CLIENT_SUBJECT.to_owned());
            assert_eq!(served.subject, subject, "{row}");
        } else {
            assert!(
                served
                    .handshake
                    .as_ref()
                    .unwrap_err()
                    .contains("PeerCertificateRequired"),
                "{row}: {served:?}"
            );
        }
    }
}

/// A blocking server that presents `chain`/`key` to one client and reports nothing.
fn bad_server(chain: &str, key: &str) -> (u16, thread::JoinHandle<()>) {
    let listener =
        sslsocket::SslListener::bind("127.0.0.1:0", &build(&server_builder(chain, key))).unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        if let Ok((mut tls, _)) = listener.accept() {
            let _ = tls.send_all(b"hello");
            let _ = tls.shutdown();
        }
    });
    (port, h)
}

#[tokio::test]
async fn client_modes_0_and_1_against_bad_servers() {
    // (certificate, key, the verify result the client finds)
    let servers = [
        ("wrong-host-chain.pem", "wrong-host.key", 62),
        ("untrusted-server.pem", "untrusted-server.key", 20),
    ];
    for (chain, key, code) in servers {
        for mode in [0, 1] {
            let (port, h) = bad_server(chain, key);
            let mut b = client_builder();
            b.set_verify_mode(mode).unwrap();
            let r = SslSocket::connect(&build(&b), &format!("localhost:{port}")).await;
            match (mode, r) {
                (0, Ok(mut tls)) => {
                    assert_eq!(tls.verify_result().code(), code, "{chain}");
                    let mut hello = [0u8; 5];
                    tls.read_exact(&mut hello).await.unwrap();
                    assert_eq!(&hello, b"hello");
                }
                (1, Err(Error::VerifyFailed { failure })) => {
                    assert_eq!(failure.result.code(), code, "{chain}");
                }
                (_, other) => panic!("{chain} mode {mode}: {other:?}"),
            }
            h.join().unwrap();
        }
    }
}

#[tokio::test]
async fn the_async_client_against_openssl_s_server() {
    for (flag, version) in [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")] {
        let server = openssl_cli::SServer::localhost(&[flag, "-naccept", "1"]);
        let port = server.addr().rsplit_once(':').unwrap().1.to_owned();
        let mut tls = SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}"))
            .await
            .unwrap();
        assert_eq!(tls.version(), version);
        assert!(tls.verify_result().is_ok());
        assert_eq!(tls.peer_subject().as_deref(), Some("CN=localhost"));
        tls.write_all(b"Q\n").await.unwrap();
        let _ = tls.shutdown().await;
        drop(tls);
        let _ = server.finish();
    }
}

#[tokio::test]
async fn a_client_certificate_requested_after_the_handshake_is_awaited() {
    // TLS 1.3 post-handshake authentication (mode 9), TLS 1.2 renegotiation.
    for (version, mode) in [(TlsVersion::Tls1_3, 9), (TlsVersion::Tls1_2, 1)] {
        let mut b = default_server();
        b.set_verify_mode(mode).unwrap().set_version(version);
        let listener = SslListener::bind("127.0.0.1:0", &build(&b)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = build(&client_with_cert("client.pem", "client.key"));
        let client = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, Error> {
            let mut tls = sslsocket::SslSocket::connect(&client, &format!("localhost:{port}"))?;
            let mut got = Vec::new();
            tls.read_to_end(&mut got).map_err(|e| Error::Io {
                during: Operation::Read,
                source: e,
            })?;
            Ok(got)
        });
        let (mut tls, _) = listener.accept().await.unwrap();
        tls.handshake().await.unwrap();
        let started = Instant::now();
        let got = tls
            .request_client_certificate(Some(Duration::from_secs(5)))
            .await
            .unwrap_or_else(|e| panic!("{version}: {e:?}"));
        assert!(started.elapsed() < Duration::from_secs(2), "{version}");
        let subject = got.map(|c| sslsocket::name_to_string(c.subject_name()));
        assert_eq!(subject.as_deref(), Some(CLIENT_SUBJECT), "{version}");
        assert_eq!(tls.peer_verification(), PeerVerification::Verified);
        tls.write_all(b"done").await.unwrap();
        tls.shutdown().await.unwrap();
        assert_eq!(client.await.unwrap().unwrap(), b"done", "{version}");
    }
}

#[tokio::test]
async fn a_trickling_client_meets_the_handshake_timeout_while_others_are_served() {
    let mut b = default_server();
    b.set_handshake_timeout(Some(Duration::from_secs(1)));
    let listener = SslListener::bind("127.0.0.1:0", &build(&b)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let trickler = common::trickle(addr, common::client_hello());
    // The accept loop hands each connection to a task of its own.
    let server = tokio::spawn(async move {
        let mut results = Vec::new();
        for _ in 0..2 {
            let (mut tls, _) = listener.accept().await.unwrap();
            results.push(tokio::spawn(async move {
                let started = Instant::now();
                let r = tls.handshake().await;
                if r.is_ok() {
                    tls.write_all(b"hello").await.unwrap();
                    let _ = tls.shutdown().await;
                }
                (r, started.elapsed())
            }));
        }
        let mut out = Vec::new();
        for r in results {
            out.push(r.await.unwrap());
        }
        out
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let honest = Instant::now();
    let mut tls = SslSocket::connect(
        &build(&client_builder()),
        &format!("localhost:{}", addr.port()),
    )
    .await
    .unwrap();
    let mut hello = [0u8; 5];
    tls.read_exact(&mut hello).await.unwrap();
    assert!(
        honest.elapsed() < Duration::from_millis(900),
        "{:?}",
        honest.elapsed()
    );
    let out = server.await.unwrap();
    let (trickled, took) = &out[0];
    match trickled {
        Err(Error::Timeout {
            operation: Operation::Handshake,
            after: Some(t),
        }) => assert_eq!(*t, Duration::from_secs(1)),
        other => panic!("{other:?}"),
    }
    assert!(*took < Duration::from_secs(2), "{took:?}");
    assert!(out[1].0.is_ok(), "{:?}", out[1]);
    trickler.join().unwrap();
}

/// Raises the soft limit on open descriptors to at least `n`.
fn allow_descriptors(n: libc::rlim_t) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the one struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < n {
            lim.rlim_cur = n.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_thousand_connections_on_one_thread() {
    const N: usize = 1000;
    allow_descriptors(4 * N as libc::rlim_t + 256);
    let listener = SslListener::bind("127.0.0.1:0", &build(&default_server()))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut tls, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 1024];
                if tls.read_exact(&mut buf).await.is_ok() {
                    let _ = tls.write_all(&buf).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    let config = build(&client_builder());
    let started = Instant::now();
    let clients: Vec<_> = (0..N)
        .map(|i| {
            let config = config.clone();
            tokio::spawn(async move {
                let mut tls = SslSocket::connect(&config, &format!("localhost:{port}")).await?;
                let data: Vec<u8> = (0..1024).map(|j| (i + j) as u8).collect();
                tls.write_all(&data).await.unwrap();
                let mut back = Vec::new();
                tls.read_to_end(&mut back).await.unwrap();
                assert_eq!(back, data, "connection {i}");
                Ok::<_, Error>(())
            })
        })
        .collect();
    let mut done = 0;
    for c in clients {
        c.await.unwrap().unwrap();
        done += 1;
    }
    assert_eq!(done, N);
    eprintln!("{N} connections in {:?}", started.elapsed());
}

#[tokio::test]
async fn a_read_cancelled_mid_record_loses_nothing() {
    const LEN: usize = 40_000;
    let data: Vec<u8> = (0..LEN).map(|i| (i * 7 % 251) as u8).collect();
    let listener = sslsocket::SslListener::bind("127.0.0.1:0", &build(&default_server())).unwrap();
    let server_addr = listener.local_addr().unwrap();
    let sent = data.clone();
    let server = thread::spawn(move || {
        let (mut tls, _) = listener.accept().unwrap();
        tls.send_all(&sent).unwrap();
        tls.shutdown().unwrap();
        let mut rest = Vec::new();
        let _ = tls.read_to_end(&mut rest);
    });
    // A proxy that hands the server's bytes on 500 at a time, 5 ms apart,
    // so that records arrive in pieces.
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_port = proxy.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (client, _) = proxy.accept().await.unwrap();
        let upstream = TcpStream::connect(server_addr).await.unwrap();
        let (mut from_client, mut to_client) = client.into_split();
        let (mut from_server, mut to_server) = upstream.into_split();
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
            let _ = to_server.shutdown().await;
        });
        let mut buf = [0u8; 500];
        loop {
            match from_server.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to_client.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }
        let _ = to_client.shutdown().await;
    });
    let mut tls = SslSocket::connect(
        &build(&client_builder()),
        &format!("localhost:{proxy_port}"),
    )
    .await
    .unwrap();
    let (mut got, mut cancelled) = (Vec::new(), 0);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout(Duration::from_millis(2), tls.read(&mut buf)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => panic!("after {} bytes: {e:?}", got.len()),
            Err(_) => cancelled += 1,
        }
    }
    assert!(cancelled > 10, "reads cancelled: {cancelled}");
    assert_eq!(got.len(), LEN);
    assert!(got == data, "the bytes arrived in order");
    tls.shutdown().await.unwrap();
    drop(tls);
    server.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_halves_read_and_write_at_once() {
    const LEN: usize = 8 << 20;
    let listener = SslListener::bind("127.0.0.1:0", &build(&default_server()))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    // Both ends write 8 MiB before reading anything back: without reads
    // and writes at the same time, both would fill their buffers and stop.
    async fn both_ways<S>(tls: S, seed: u8) -> Vec<u8>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
    {
        let (mut r, mut w) = tokio::io::split(tls);
        let writer = tokio::spawn(async move {
            let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i as u8) ^ seed).collect();
            for _ in 0..LEN / chunk.len() {
                w.write_all(&chunk).await.unwrap();
            }
            w.shutdown().await.unwrap();
        });
        let mut got = Vec::new();
        r.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        got
    }
    let server = tokio::spawn(async move {
        let (tls, _) = listener.accept().await.unwrap();
        both_ways(tls, 0x55).await
    });
    let mut tls = SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}"))
        .await
        .unwrap();
    tls.key_update(true).await.unwrap();
    let from_server = both_ways(tls, 0xaa).await;
    let from_client = server.await.unwrap();
    for (got, seed) in [(from_server, 0x55u8), (from_client, 0xaa)] {
        assert_eq!(got.len(), LEN);
        assert!(got
            .chunks(64 * 1024)
            .all(|c| c.iter().enumerate().all(|(i, &b)| b == (i as u8) ^ seed)));
    }
}

#[tokio::test]
async fn timeouts_and_roles_are_the_blocking_ones() {
    // A read that waits past the read timeout.
    let mut b = default_server();
    b.set_read_timeout(Some(Duration::from_millis(300)));
    let listener = SslListener::bind("127.0.0.1:0", &build(&b)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = tokio::spawn(async move {
        let mut tls = SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}"))
            .await
            .unwrap();
        // Says nothing, and waits for the server to give up.
        let mut buf = [0u8; 1];
        let _ = tls.read(&mut buf).await;
    });
    let (mut tls, _) = listener.accept().await.unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let e = tls.read(&mut buf).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut, "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(tls);
    client.await.unwrap();

    // A client configuration cannot listen, nor a server one connect.
    let e = SslListener::bind("127.0.0.1:0", &build(&client_builder()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::WrongRole(_)), "{e:?}");
}

/// An async server asking for certificates after the handshake (TLS 1.3,
/// `PEER | POST_HANDSHAKE`), with a 10 s read timeout, and a blocking
/// client with a certificate that connects, sends `late` after `late_after`
/// (if given) and stays until `release` is sent to; it never reads, so it
/// never answers a request.
async fn a_request_and_a_quiet_client(
    late_after: Option<Duration>,
) -> (
    SslSocket,
    std::sync::mpsc::Sender<()>,
    thread::JoinHandle<()>,
) {
    let mut b = default_server();
    b.set_verify_mode(9)
        .unwrap()
        .set_version(TlsVersion::Tls1_3)
        .set_read_timeout(Some(Duration::from_secs(10)));
    let listener = SslListener::bind("127.0.0.1:0", &build(&b)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = build(&client_with_cert("client.pem", "client.key"));
    let (release, released) = std::sync::mpsc::channel::<()>();
    let client = thread::spawn(move || {
        let mut tls = sslsocket::SslSocket::connect(&client, &format!("localhost:{port}")).unwrap();
        if let Some(after) = late_after {
            thread::sleep(after);
            tls.send_all(b"late").unwrap();
        }
        let _ = released.recv_timeout(Duration::from_secs(30));
    });
    let (mut tls, _) = listener.accept().await.unwrap();
    tls.handshake().await.unwrap();
    (tls, release, client)
}

/// A read dropped while it waited leaves nothing behind: the certificate
/// request that follows waits its own 500 ms (polled again and again, it
/// keeps the deadline it started with), not what was left of the read's
/// 10 s.
#[tokio::test]
async fn a_certificate_request_after_a_dropped_read_waits_its_own_limit() {
    let (mut tls, release, client) = a_request_and_a_quiet_client(None).await;
    let mut buf = [0u8; 16];
    let dropped = tokio::time::timeout(Duration::from_millis(100), tls.read(&mut buf)).await;
    assert!(dropped.is_err(), "nothing to read: {dropped:?}");
    let limit = Duration::from_millis(500);
    let started = Instant::now();
    let request = tls.request_client_certificate(Some(limit));
    tokio::pin!(request);
    let r = loop {
        if let Ok(r) = tokio::time::timeout(Duration::from_millis(50), &mut request).await {
            break r;
        }
    };
    let took = started.elapsed();
    eprintln!("request_client_certificate(500 ms) after a dropped read: {r:?} after {took:?}");
    assert!(
        matches!(
            r,
            Err(Error::Timeout {
                operation: Operation::PostHandshakeAuth,
                after: Some(after),
            }) if after == limit
        ),
        "{r:?}"
    );
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(1500),
        "the request took {took:?}"
    );
    release.send(()).unwrap();
    client.join().unwrap();
}

/// A certificate request dropped while it waited leaves nothing behind:
/// the read that follows waits its own 10 s for data that comes after
/// 1 s, not what was left of the request's 300 ms.
#[tokio::test]
async fn a_read_after_a_dropped_certificate_request_waits_its_own_limit() {
    let (mut tls, release, client) =
        a_request_and_a_quiet_client(Some(Duration::from_secs(1))).await;
    let started = Instant::now();
    let request = tls.request_client_certificate(Some(Duration::from_millis(300)));
    let dropped = tokio::time::timeout(Duration::from_millis(100), request).await;
    assert!(dropped.is_err(), "the client does not answer: {dropped:?}");
    let mut buf = [0u8; 16];
    let read = tls.read(&mut buf).await;
    let took = started.elapsed();
    eprintln!("a read (10 s) after a dropped request: {read:?} after {took:?}");
    let n = read.unwrap_or_else(|e| panic!("after {took:?}: {e:?}"));
    assert_eq!(&buf[..n], b"late");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    release.send(()).unwrap();
    client.join().unwrap();
}

/// A read dropped while it waited, whose deadline then passes, leaves
/// nothing to a read made after another operation: the read waits its own
/// 300 ms for data that comes 200 ms after it started.
#[tokio::test]
async fn a_read_after_another_operation_starts_afresh() {
    let (mut tls, release, client) =
        a_request_and_a_quiet_client(Some(Duration::from_millis(700))).await;
    tls.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 16];
    let dropped = tokio::time::timeout(Duration::from_millis(100), tls.read(&mut buf)).await;
    assert!(dropped.is_err(), "nothing to read yet: {dropped:?}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    tls.key_update(false).await.unwrap();
    let started = Instant::now();
    let read = tls.read(&mut buf).await;
    eprintln!(
        "a read (300 ms) after a key update: {read:?} after {:?}",
        started.elapsed()
    );
    assert_eq!(&buf[..read.unwrap()], b"late");
    release.send(()).unwrap();
    client.join().unwrap();
}

/// C's idiom on the async face: after `verify_client_post_handshake`,
/// `handshake().await` or `flush().await` sends the request at once, and
/// `openssl s_client -enable_pha` sees it while the server waits on
/// something else than its socket; the read that processes the answer fires
/// `PostHandshakeAuth`.
#[tokio::test]
async fn a_queued_request_goes_out_with_handshake_or_flush() {
    use sslsocket::HandshakeEvent;
    for flush in [false, true] {
        let (config, events) = common::post_handshake_server();
        let listener = SslListener::bind("127.0.0.1:0", &config).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (mut client, lines) = openssl_cli::SClient::start_pha_watched(port);
        let (mut tls, _) = listener.accept().await.unwrap();
        tls.handshake().await.unwrap();
        tls.verify_client_post_handshake().unwrap();
        if flush {
            tls.flush().await.unwrap();
        } else {
            tls.handshake().await.unwrap();
        }
        let sent = Instant::now();
        // Waits on something else than the socket while s_client looks.
        let seen = tokio::task::spawn_blocking(move || {
            openssl_cli::wait_for_line(&lines, "CertificateRequest", Duration::from_secs(3))
        })
        .await
        .unwrap();
        client.type_line("after");
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !got.ends_with(b"after\n") {
            match tls.read(&mut buf).await.unwrap() {
                0 => break,
                n => got.extend_from_slice(&buf[..n]),
            }
        }
        let has_certificate = tls.peer_certificate().is_some();
        drop(tls);
        let out = client.finish();
        openssl_cli::assert_request_seen(&format!("flush {flush}"), sent, seen, &out);
        assert!(has_certificate, "flush {flush}");
        let answered = HandshakeEvent::PostHandshakeAuth { certificate: true };
        assert_eq!(
            events.count(&answered),
            1,
            "flush {flush}: {:?}",
            events.items()
        );
    }
}

#[tokio::test]
async fn both_async_ends_read_their_own_certificate_and_their_peers() {
    let mut b = default_server();
    b.set_verify_mode(3).unwrap();
    let listener = SslListener::bind("127.0.0.1:0", &build(&b)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut tls, _) = listener.accept().await.unwrap();
        tls.handshake().await.unwrap();
        let seen = (
            tls.peer_certificate_info(),
            tls.certificate_info(),
            tls.certificate().map(|c| c.to_der().unwrap()),
        );
        tls.write_all(b"hello").await.unwrap();
        let _ = tls.shutdown().await;
        seen
    });
    let client = build(&client_with_cert("client.pem", "client.key"));
    let mut tls = SslSocket::connect(&client, &format!("localhost:{port}"))
        .await
        .unwrap();
    assert_eq!(tls.peer_certificate_info(), Some(cert_info("server.pem")));
    assert_eq!(tls.certificate_info(), Some(cert_info("client.pem")));
    assert_eq!(
        tls.certificate().map(|c| c.to_der().unwrap()),
        Some(cert_der("client.pem"))
    );
    let mut hello = [0u8; 5];
    tls.read_exact(&mut hello).await.unwrap();
    let (peer, own, own_der) = server.await.unwrap();
    assert_eq!(peer, Some(cert_info("client.pem")));
    assert_eq!(own, Some(cert_info("server.pem")));
    assert_eq!(own_der, Some(cert_der("server.pem")));
}
