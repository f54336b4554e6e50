//! A workload for leak and memory-error checking, as a plain program (no
//! test harness): `cargo test` runs it once, `scripts/valgrind.sh` runs it
//! under valgrind. It exercises the handshake loop (TLS 1.3 and 1.2, full
//! and resumed), post-handshake certificate requests (TLS 1.3
//! post-handshake auth, TLS 1.2 renegotiation), the duplex halves, and the
//! callback paths: every hook accepting, a rejecting verify hook and
//! panicking hooks. Each step checks that it happened.

mod common;

use std::os::unix::net::UnixStream;
use std::thread;

use common::*;
use sslsocket::{Error, HandshakeEvent, Identity, SniDecision, SslConfig, SslSocket, TlsVersion};

/// Runs `serve` on a server socket of `server` and the standard exchange
/// (or `client_side`) on a client of `client`, over a socket pair.
fn pair<T: Send + 'static>(
    server: &SslConfig,
    client: &SslConfig,
    serve: impl FnOnce(&mut SslSocket<UnixStream>) -> Result<T, Error> + Send + 'static,
    client_side: impl FnOnce(&mut SslSocket<UnixStream>) -> Result<(), Error>,
) -> (Result<T, Error>, Result<(), Error>) {
    let (a, b) = UnixStream::pair().unwrap();
    let server = server.clone();
    let s = thread::spawn(move || {
        SslSocket::upgrade_server(&server, a).and_then(|mut tls| serve(&mut tls))
    });
    let c = SslSocket::upgrade_client(client, b, Some("localhost"))
        .and_then(|mut tls| client_side(&mut tls));
    (s.join().unwrap(), c)
}

fn exchange_unix(tls: &mut SslSocket<UnixStream>) -> Result<Vec<u8>, Error> {
    tls.send_all(b"hello")?;
    let mut got = vec![0u8; 4];
    read_all(tls, &mut got)?;
    tls.send_all(b"pong")?;
    tls.shutdown()?;
    Ok(got)
}

fn client_unix(tls: &mut SslSocket<UnixStream>) -> Result<(), Error> {
    expect(tls, b"hello")?;
    ping_then(tls, b"pong")
}

/// Sends `ping`, reads `reply`, then the server's close_notify (sent last).
fn ping_then(tls: &mut SslSocket<UnixStream>, reply: &[u8]) -> Result<(), Error> {
    tls.send_all(b"ping")?;
    expect(tls, reply)?;
    assert_eq!(tls.recv(&mut [0u8; 1])?, 0);
    Ok(())
}

/// Reads `want.len()` bytes, which must be `want`.
fn expect(tls: &mut SslSocket<UnixStream>, want: &[u8]) -> Result<(), Error> {
    let mut got = vec![0u8; want.len()];
    read_all(tls, &mut got)?;
    assert_eq!(got, want);
    Ok(())
}

fn read_all(tls: &mut SslSocket<UnixStream>, buf: &mut [u8]) -> Result<(), Error> {
    let mut n = 0;
    while n < buf.len() {
        match tls.recv(&mut buf[n..])? {
            0 => return Err(Error::UnexpectedEof),
            k => n += k,
        }
    }
    Ok(())
}

fn handshake_loop() {
    for version in [TlsVersion::Tls1_3, TlsVersion::Tls1_2] {
        let mut sb = default_server();
        sb.set_version(version);
        let server = build(&sb);
        let client = build(&client_builder());
        let mut resumed = 0;
        for _ in 0..10 {
            let (s, c) = pair(
                &server,
                &client,
                |tls| exchange_unix(tls).map(|got| (got, tls.session_reused())),
                client_unix,
            );
            c.unwrap();
            let (got, reused) = s.unwrap();
            assert_eq!(got, b"ping");
            resumed += usize::from(reused);
        }
        assert!(resumed >= 8, "{version}: {resumed} of 10 resumed");
    }
}

fn post_handshake() {
    for (version, mode) in [(TlsVersion::Tls1_3, 9), (TlsVersion::Tls1_2, 1)] {
        let mut sb = default_server();
        sb.set_version(version).set_verify_mode(mode).unwrap();
        let client = build(&client_with_cert("client.pem", "client.key"));
        let (s, c) = pair(
            &build(&sb),
            &client,
            |tls| {
                let mut b = [0u8; 4];
                read_all(tls, &mut b)?;
                let cert = tls.request_client_certificate(Some(TIMEOUT))?;
                tls.send_all(b"done")?;
                tls.shutdown()?;
                Ok(cert.is_some())
            },
            |tls| ping_then(tls, b"done"),
        );
        c.unwrap();
        assert!(s.unwrap(), "{version}: the client's certificate");
    }
}

fn duplex() {
    const N: usize = 1 << 20;
    let (a, b) = UnixStream::pair().unwrap();
    let server = build(&default_server());
    let echo = |tls: SslSocket<UnixStream>, fill: u8| {
        let (mut r, mut w) = tls.split();
        let writer = thread::spawn(move || {
            w.send_all(&vec![fill; N]).unwrap();
            // What the descriptor has not taken yet goes out now, not
            // only with the next call.
            std::io::Write::flush(&mut w).unwrap();
            w
        });
        let mut got = vec![0u8; N];
        let mut n = 0;
        while n < N {
            n += r.recv(&mut got[n..]).unwrap();
        }
        let w = writer.join().unwrap();
        (r.reunite(w).unwrap(), got)
    };
    let s = thread::spawn(move || {
        let tls = SslSocket::upgrade_server(&server, a).unwrap();
        echo(tls, b's').1
    });
    let tls = SslSocket::upgrade_client(&build(&client_builder()), b, Some("localhost")).unwrap();
    let (tls, got) = echo(tls, b'c');
    assert!(got.iter().all(|&b| b == b's'));
    assert!(s.join().unwrap().iter().all(|&b| b == b'c'));
    drop(tls);
}

fn callbacks() {
    // Every hook installed and accepting, with a virtual host.
    let other = Identity::from_files(cert("wrong-host-chain.pem"), cert("wrong-host.key")).unwrap();
    let mut sb = default_server();
    sb.set_verify_mode(1)
        .unwrap()
        .set_verify_callback(|c| c.preverify_ok())
        .set_bad_certificate_callback(|_| false)
        .set_server_name_callback(move |name| match name {
            "other.example" => SniDecision::Use(other.clone()),
            "panic.example" => panic!("deliberate: SNI"),
            _ => SniDecision::Default,
        })
        .set_alpn_select_callback(|offered| offered.first().map(|p| p.to_string()))
        .set_handshake_callback(|event, _| {
            let _ = matches!(event, HandshakeEvent::Completed { .. });
        });
    let server = build(&sb);
    let mut cb = client_builder();
    cb.set_alpn_protocols(&["h2"])
        .unwrap()
        .set_client_certificate_callback(|_| {
            Identity::from_files(cert("client.pem"), cert("client.key")).ok()
        });
    let (s, c) = pair(&server, &build(&cb), exchange_unix, client_unix);
    c.unwrap();
    assert_eq!(s.unwrap(), b"ping");

    // A rejecting verify hook: the client refuses the server.
    let mut cb = client_builder();
    cb.set_verify_callback(|_| false);
    let (s, c) = pair(&server, &build(&cb), exchange_unix, client_unix);
    assert!(matches!(c, Err(Error::VerifyFailed { .. })), "{c:?}");
    assert!(s.is_err());

    // Panicking hooks: a verify hook on the client, the SNI hook on the server.
    let mut cb = client_builder();
    cb.set_verify_callback(|_| panic!("deliberate: verify"));
    let (_, c) = pair(&server, &build(&cb), exchange_unix, client_unix);
    assert!(matches!(c, Err(Error::CallbackPanicked { .. })), "{c:?}");
    let mut cb = client_builder();
    cb.set_server_name(Some("panic.example"))
        .set_check_hostname(false);
    let (s, _) = pair(&server, &build(&cb), exchange_unix, client_unix);
    assert!(matches!(s, Err(Error::CallbackPanicked { .. })), "{s:?}");
}

fn main() {
    // A test runner asking what is here (`--list`, as cargo-nextest does)
    // gets the one test, in libtest's terse format.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            println!("workload: test");
        }
        return;
    }
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let deliberate = info
            .payload()
            .downcast_ref::<&str>()
            .is_some_and(|m| m.starts_with("deliberate"));
        if !deliberate {
            quiet(info);
        }
    }));
    handshake_loop();
    post_handshake();
    duplex();
    callbacks();
    println!("leaks workload: 1 passed, 0 failed");
}
