//! `renegotiate()`, TLS 1.2 renegotiation started by this end in either
//! role, over real loopback handshakes: between our own ends (with the
//! peer's data flowing meanwhile, kept in order), against `openssl
//! s_server` (which refuses a client's renegotiation unless run with
//! `-client_renegotiation`) and `openssl s_client` (which accepts a
//! server's unless run with `-no_renegotiation`), within its timeout, with
//! one `Started`/`Completed` pair of handshake events per renegotiation,
//! and refused at once on TLS 1.3 with the connection still usable.

mod common;

use common::openssl_cli;
use std::time::{Duration, Instant};

use common::{
    build, client_builder, client_exchange, default_server, recv_exact, serve_exchange, Log,
    Server, T, TIMEOUT,
};
use openssl_cli::{cert, SClient, SServer};
use sslsocket::{Alert, Error, HandshakeEvent, Operation, SslConfigBuilder, SslSocket, TlsVersion};

/// What the application data flowing during a renegotiation is made of.
fn bulk(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// More than a few records, far less than the default buffer limit.
const BULK: usize = 256 * 1024;

/// `b` on TLS 1.2, logging its handshake events.
fn logged(mut b: SslConfigBuilder) -> (SslConfigBuilder, Log<HandshakeEvent>) {
    let events = Log::new();
    let log = events.clone();
    b.set_version(TlsVersion::Tls1_2)
        .set_handshake_callback(move |e, _| log.push(*e));
    (b, events)
}

/// The handshake events of a connection that renegotiated once.
fn renegotiated_once() -> Vec<HandshakeEvent> {
    vec![
        HandshakeEvent::Started {
            renegotiation: false,
        },
        HandshakeEvent::Completed {
            renegotiation: false,
            resumed: false,
        },
        HandshakeEvent::Started {
            renegotiation: true,
        },
        HandshakeEvent::Completed {
            renegotiation: true,
            resumed: false,
        },
    ]
}

#[test]
fn a_client_renegotiates_and_keeps_what_the_server_sent_meanwhile() {
    // Whatever the client lets its server start: its own renegotiation
    // goes through, reported as one.
    for client_allows in [true, false] {
        let (mut sb, server_events) = logged(default_server());
        sb.set_renegotiation(true);
        let server = build(&sb);
        let srv = Server::start(&server, |s| -> Result<Vec<u8>, Error> {
            // Sent before the client's ClientHello is read: the client
            // receives it while it waits for the ServerHello.
            s.send_all(&bulk(BULK))?;
            // The renegotiation runs inside this read.
            let got = recv_exact(s, 4)?;
            s.send_all(b"end")?;
            s.shutdown()?;
            Ok(got)
        });
        let (mut cb, client_events) = logged(client_builder());
        cb.set_renegotiation(client_allows);
        let client = build(&cb);
        let mut tls = SslSocket::connect(&client, &srv.localhost()).unwrap();
        let cipher = tls.cipher_name();
        tls.renegotiate(T)
            .unwrap_or_else(|e| panic!("client allows {client_allows}: {e:?}"));
        assert_eq!(tls.cipher_name(), cipher);
        assert!(
            recv_exact(&mut tls, BULK).unwrap() == bulk(BULK),
            "in order"
        );
        tls.send_all(b"done").unwrap();
        assert_eq!(recv_exact(&mut tls, 4).unwrap(), b"end");
        drop(tls);
        let (_, got) = srv.join().unwrap();
        assert_eq!(got.unwrap(), b"done");
        assert_eq!(client_events.items(), renegotiated_once());
        assert_eq!(server_events.items(), renegotiated_once());
        assert_eq!(client.session_stats().connect_renegotiate, 1);
        assert_eq!(server.session_stats().accept_renegotiate, 1);
    }
}

#[test]
fn a_server_renegotiates_and_keeps_what_the_client_sent_meanwhile() {
    let (mut sb, server_events) = logged(default_server());
    // A server that refuses its clients' renegotiations starts its own.
    sb.set_renegotiation(false);
    let server = build(&sb);
    let srv = Server::start(&server, |s| -> Result<Vec<u8>, Error> {
        s.renegotiate(T)?;
        let got = recv_exact(s, BULK)?;
        s.send_all(b"end")?;
        s.shutdown()?;
        Ok(got)
    });
    let (cb, client_events) = logged(client_builder());
    let mut tls = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    // Sent while the HelloRequest is on its way; answered by the read.
    tls.send_all(&bulk(BULK)).unwrap();
    assert_eq!(recv_exact(&mut tls, 3).unwrap(), b"end");
    drop(tls);
    let (_, got) = srv.join().unwrap();
    assert!(got.unwrap() == bulk(BULK), "in order");
    assert_eq!(client_events.items(), renegotiated_once());
    // One pair, although OpenSSL reports sending the HelloRequest as a
    // handshake of its own.
    assert_eq!(server_events.items(), renegotiated_once());
}

#[test]
fn a_renegotiation_the_peer_refuses_says_so() {
    // Our server refuses its client's (the default).
    let (sb, server_events) = logged(default_server());
    let srv = Server::start(&build(&sb), |s| s.recv(&mut [0u8; 16]));
    let (cb, client_events) = logged(client_builder());
    let mut tls = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    let e = tls.renegotiate(T).unwrap_err();
    assert!(matches!(e, Error::RenegotiationRefused { .. }), "{e:?}");
    assert!(e.to_string().contains("no_renegotiation"), "{e}");
    drop(tls);
    let (_, read) = srv.join().unwrap();
    // OpenSSL ends the connection on the refusal.
    assert_eq!(
        read.unwrap_err().alert(),
        Some(Alert::HANDSHAKE_FAILURE),
        "the server's read"
    );
    assert!(server_events
        .items()
        .contains(&HandshakeEvent::RenegotiationRefused));
    assert!(!client_events.items().iter().any(|e| matches!(
        e,
        HandshakeEvent::Completed {
            renegotiation: true,
            ..
        }
    )));

    // Our client refuses its server's.
    let (sb, _) = logged(default_server());
    let srv = Server::start(&build(&sb), |s| s.renegotiate(T));
    let (mut cb, client_events) = logged(client_builder());
    cb.set_renegotiation(false);
    let mut tls = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    let read = tls.recv(&mut [0u8; 16]);
    let (_, r) = srv.join().unwrap();
    let e = r.unwrap_err();
    assert!(matches!(e, Error::RenegotiationRefused { .. }), "{e:?}");
    assert_eq!(read.unwrap_err().alert(), Some(Alert::HANDSHAKE_FAILURE));
    assert!(client_events
        .items()
        .contains(&HandshakeEvent::RenegotiationRefused));
}

#[test]
fn tls13_refuses_at_once_and_the_connection_goes_on() {
    let mut sb = default_server();
    sb.set_version(TlsVersion::Tls1_3).set_renegotiation(true);
    let srv = Server::start(&build(&sb), |s| {
        let started = Instant::now();
        let refused = s.renegotiate(T);
        let took = started.elapsed();
        (refused, took, serve_exchange(s))
    });
    let mut tls = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    let started = Instant::now();
    let refused = tls.renegotiate(T);
    let took = started.elapsed();
    client_exchange(&mut tls).unwrap();
    let (_, (server_refused, server_took, exchanged)) = srv.join().unwrap();
    assert_eq!(exchanged.unwrap(), b"ping");
    for (e, took) in [(refused, took), (server_refused, server_took)] {
        let e = e.unwrap_err();
        assert!(
            matches!(
                e,
                Error::NotTls12 {
                    operation: Operation::Renegotiation,
                    version: "TLSv1.3"
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("key_update"), "{e}");
        assert!(took < Duration::from_millis(100), "{took:?}");
    }
}

#[test]
fn a_renegotiation_that_times_out_completes_in_later_reads() {
    let (mut sb, _) = logged(default_server());
    sb.set_renegotiation(true);
    let srv = Server::start(&build(&sb), |s| -> Result<(), Error> {
        // Reads nothing while the client's renegotiation times out.
        std::thread::sleep(Duration::from_millis(600));
        s.send_all(b"hello")?;
        // The ClientHello is answered inside this read.
        assert_eq!(recv_exact(s, 4)?, b"ping");
        s.shutdown()
    });
    let (cb, client_events) = logged(client_builder());
    let mut tls = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    let limit = Duration::from_millis(300);
    let started = Instant::now();
    let e = tls.renegotiate(Some(limit)).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            e,
            Error::Timeout {
                operation: Operation::Renegotiation,
                after: Some(l)
            } if l == limit
        ),
        "{e:?}"
    );
    eprintln!("timed out after {took:?}");
    assert!(
        took >= limit && took < limit + Duration::from_millis(500),
        "{took:?}"
    );
    // The renegotiation goes on: the next read takes what the server sent
    // before it read the ClientHello, the next write (and the read of the
    // close) what it answered.
    assert_eq!(recv_exact(&mut tls, 5).unwrap(), b"hello");
    tls.send_all(b"ping").unwrap();
    assert_eq!(recv_exact(&mut tls, 1).unwrap(), b"");
    srv.join().unwrap().1.unwrap();
    assert_eq!(client_events.items(), renegotiated_once());
}

#[test]
fn a_server_flooding_a_renegotiating_client_fills_the_buffer_and_no_more() {
    const LIMIT: usize = 64 * 1024;
    let (mut sb, _) = logged(default_server());
    sb.set_renegotiation(true);
    // Built before the connection: sent as fast as the socket takes it,
    // and the ClientHello is never read.
    let flood = bulk(8 * 1024 * 1024);
    let srv = Server::start(&build(&sb), move |s| {
        let _ = s.send_all(&flood);
    });
    let (mut cb, _) = logged(client_builder());
    cb.set_post_handshake_buffer_limit(LIMIT);
    let mut tls = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    let started = Instant::now();
    let e = tls.renegotiate(T).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(e, Error::PostHandshakeBufferFull { limit: LIMIT }),
        "{e:?}"
    );
    eprintln!("buffer full after {took:?}");
    assert!(took < TIMEOUT, "{took:?}");
    // What was kept comes first, in order.
    assert!(recv_exact(&mut tls, LIMIT).unwrap() == bulk(LIMIT));
    drop(tls);
    let _ = srv.join();
}

/// `openssl s_server -tls1_2 -msg ARGS`, serving one connection.
fn s_server(args: &[&str]) -> SServer {
    let mut all = vec!["-naccept", "1", "-tls1_2", "-msg"];
    all.extend_from_slice(args);
    SServer::localhost(&all)
}

/// How many ClientHellos s_client or s_server (with `-msg`) logged.
fn client_hellos(out: &openssl_cli::Output) -> usize {
    out.stdout
        .lines()
        .filter(|l| l.contains("Handshake") && l.ends_with("ClientHello"))
        .count()
}

#[test]
fn against_openssl_s_server() {
    // s_server refuses a client's renegotiation by default.
    let server = s_server(&[]);
    let mut tls = SslSocket::connect(&build(&client_builder()), &server.addr()).unwrap();
    let e = tls.renegotiate(T).unwrap_err();
    assert!(matches!(e, Error::RenegotiationRefused { .. }), "{e:?}");
    drop(tls);
    let out = server.finish();
    assert_eq!(client_hellos(&out), 2, "{}", out.dump());

    // With -client_renegotiation it accepts; what it sent before reading
    // the ClientHello is kept.
    let mut server = s_server(&["-client_renegotiation"]);
    let (cb, events) = logged(client_builder());
    let mut tls = SslSocket::connect(&build(&cb), &server.addr()).unwrap();
    server.type_line("hello");
    tls.renegotiate(T).unwrap();
    assert_eq!(recv_exact(&mut tls, 6).unwrap(), b"hello\n");
    tls.send_all(b"ping\n").unwrap();
    let _ = tls.close();
    let out = server.finish();
    assert_eq!(client_hellos(&out), 2, "{}", out.dump());
    assert!(out.mentions("ping"), "{}", out.dump());
    assert_eq!(events.items(), renegotiated_once());
}

#[test]
fn against_openssl_s_client() {
    let ca = cert("ca.pem");
    // s_client accepts a server's renegotiation by default; what it sends
    // meanwhile is kept.
    let (sb, events) = logged(default_server());
    let srv = Server::start(&build(&sb), |s| -> Result<Vec<u8>, Error> {
        s.renegotiate(T)?;
        let got = recv_exact(s, 6)?;
        s.send_all(b"after\n")?;
        s.shutdown()?;
        Ok(got)
    });
    let out = SClient::start(srv.port(), &["-tls1_2", "-msg", "-CAfile", &ca], b"early\n").finish();
    let (_, got) = srv.join().unwrap();
    assert_eq!(got.unwrap(), b"early\n", "{}", out.dump());
    assert!(out.mentions("after"), "{}", out.dump());
    assert_eq!(client_hellos(&out), 2, "{}", out.dump());
    assert_eq!(events.items(), renegotiated_once());

    // -no_renegotiation refuses it.
    let srv = Server::start(&build(&default_server()), |s| s.renegotiate(T));
    let out = SClient::start(
        srv.port(),
        &["-tls1_2", "-no_renegotiation", "-CAfile", &ca],
        b"",
    )
    .finish();
    let (_, r) = srv.join().unwrap();
    let e = r.unwrap_err();
    assert!(
        matches!(e, Error::RenegotiationRefused { .. }),
        "{e:?}\n{}",
        out.dump()
    );
}

#[cfg(feature = "tokio")]
mod tokio_face {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(flavor = "current_thread")]
    async fn the_async_socket_renegotiates_in_either_role() {
        // An async client, a blocking server that allows it.
        let (mut sb, _) = logged(default_server());
        sb.set_renegotiation(true);
        let srv = Server::start(&build(&sb), |s| -> Result<Vec<u8>, Error> {
            s.send_all(&bulk(BULK))?;
            let got = recv_exact(s, 4)?;
            s.shutdown()?;
            Ok(got)
        });
        let (cb, events) = logged(client_builder());
        let mut tls = sslsocket::tokio::SslSocket::connect(&build(&cb), &srv.localhost())
            .await
            .unwrap();
        tls.renegotiate(T).await.unwrap();
        let mut got = vec![0u8; BULK];
        tls.read_exact(&mut got).await.unwrap();
        assert!(got == bulk(BULK), "in order");
        tls.write_all(b"done").await.unwrap();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest).await.unwrap();
        assert_eq!(srv.join().unwrap().1.unwrap(), b"done");
        assert_eq!(events.items(), renegotiated_once());

        // An async server, a blocking client.
        let (sb, events) = logged(default_server());
        let config = build(&sb);
        let listener = sslsocket::tokio::SslListener::bind("127.0.0.1:0", &config)
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = std::thread::spawn(move || {
            let mut tls =
                SslSocket::connect(&build(&client_builder()), &format!("localhost:{port}"))
                    .unwrap();
            tls.send_all(&bulk(BULK)).unwrap();
            recv_exact(&mut tls, 3).unwrap()
        });
        let (mut tls, _) = listener.accept().await.unwrap();
        tls.handshake().await.unwrap();
        tls.renegotiate(T).await.unwrap();
        let mut got = vec![0u8; BULK];
        tls.read_exact(&mut got).await.unwrap();
        assert!(got == bulk(BULK), "in order");
        tls.write_all(b"end").await.unwrap();
        tls.shutdown().await.unwrap();
        assert_eq!(client.join().unwrap(), b"end");
        assert_eq!(events.items(), renegotiated_once());
        assert!(std::ptr::eq(tls.config().context(), config.context()));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_async_socket_refuses_on_tls13_and_goes_on() {
        let srv = Server::start(&build(&default_server()), serve_exchange);
        let mut tls =
            sslsocket::tokio::SslSocket::connect(&build(&client_builder()), &srv.localhost())
                .await
                .unwrap();
        let e = tls.renegotiate(T).await.unwrap_err();
        assert!(matches!(e, Error::NotTls12 { .. }), "{e:?}");
        assert!(e.to_string().contains("key_update"), "{e}");
        let mut hello = [0u8; 5];
        tls.read_exact(&mut hello).await.unwrap();
        tls.write_all(b"ping").await.unwrap();
        let mut pong = [0u8; 4];
        tls.read_exact(&mut pong).await.unwrap();
        assert_eq!(&pong, b"pong");
        assert_eq!(srv.join().unwrap().1.unwrap(), b"ping");
    }
}

/// Asks the server at `addr` to renegotiate (TLS 1.2, a raw peer: OpenSSL's
/// own client gives up at a refusal), then sends `line` as tlsfuzzer's
/// `test-renegotiation-disabled` does: the first record that comes back,
/// and the application data after it.
fn renegotiate_then_send(addr: std::net::SocketAddr, line: &[u8]) -> ((u8, Vec<u8>), Vec<u8>) {
    let mut raw = common::tls12::RawTls12::connect(addr);
    // A ClientHello, as a renegotiation: a server that refuses does so
    // before it parses one.
    raw.send(22, &[1, 0, 0, 4, 3, 3, 0, 0]);
    raw.send(23, line);
    let first = raw.recv().expect("an answer to the ClientHello");
    let mut data = Vec::new();
    while !data.ends_with(b"\n") {
        match raw.recv() {
            Some((23, d)) => data.extend(d),
            other => panic!("{other:?} after {data:?}"),
        }
    }
    (first, data)
}

/// A client that asks to renegotiate and goes on: `openssl s_server`
/// answers with a `no_renegotiation` warning and serves the request that
/// follows, and so does our server.
#[test]
fn a_refused_client_renegotiation_is_a_warning_and_the_connection_goes_on() {
    let warning = (21, vec![1, 100]);
    let server = s_server(&["-rev"]);
    let (first, data) = renegotiate_then_send(server.addr().parse().unwrap(), b"hello\n");
    assert_eq!(first, warning, "openssl s_server");
    assert_eq!(data, b"olleh\n", "openssl s_server");

    let (b, events) = logged(common::default_server());
    let listener = sslsocket::SslListener::bind("127.0.0.1:0", &common::build(&b)).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let line = common::read_line(&mut s).unwrap();
        s.send_all(b"ok\n").unwrap();
        line
    });
    let (first, data) = renegotiate_then_send(addr, b"GET /\n");
    assert_eq!(first, warning, "ours");
    assert_eq!(data, b"ok\n", "ours");
    assert_eq!(
        common::join_within(server, Duration::from_secs(5), "the server"),
        "GET /\n"
    );
    assert!(
        events
            .items()
            .contains(&HandshakeEvent::RenegotiationRefused),
        "{:?}",
        events.items()
    );
}
