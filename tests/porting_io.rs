//! Python's `settimeout`/`gettimeout`, C's `SSL_peek` and Qore's
//! `isDataAvailable` as porters find them: one call for every time limit
//! and its read-back, a client handshake bounded by default, peeking, and
//! waiting for data over real handshakes (our own peers and the `openssl`
//! programs), on the blocking socket, its read half and the async socket.

mod common;

use common::openssl_cli;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{
    build, client_builder, client_with_cert, default_server, post_handshake_server, Server, TIMEOUT,
};
use openssl_cli::{SClient, SServer};
use sslsocket::{Error, Operation, SslConfig, SslSocket, Timeouts, TlsVersion, Want};

/// The wait the timed tests ask for.
const WAIT: Duration = Duration::from_millis(300);

/// How late past its time a wait may return on a loaded machine.
const SLACK: Duration = Duration::from_millis(700);

/// "At once", on a loaded machine.
const AT_ONCE: Duration = Duration::from_millis(100);

const SECS_30: Option<Duration> = Some(Duration::from_secs(30));

/// Asserts that `took` is the whole of `wait`, and not much more.
#[track_caller]
fn assert_whole_wait(took: Duration, wait: Duration) {
    assert!(took >= wait, "returned early: {took:?} < {wait:?}");
    assert!(took < wait + SLACK, "returned late: {took:?}");
}

/// Runs `f` and returns its result with how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let r = f();
    (r, started.elapsed())
}

/// A server (the usual one, on `version`) that runs `f` on its connection,
/// and our client connected to it.
fn pair<T: Send + 'static>(
    version: TlsVersion,
    f: impl FnOnce(&mut SslSocket) -> T + Send + 'static,
) -> (Server<T>, SslSocket) {
    let mut b = default_server();
    b.set_version(version);
    let server = Server::start(&build(&b), f);
    let client = SslSocket::connect(&build(&client_builder()), &server.localhost())
        .unwrap_or_else(|e| panic!("{version}: connect: {e:?}"));
    (server, client)
}

/// A server connection (the usual server, on `version`) that runs `first`,
/// then stays open and says nothing until [`end`](Held::end).
struct Held<T: Send + 'static> {
    release: mpsc::Sender<()>,
    server: Server<T>,
}

impl<T: Send + 'static> Held<T> {
    fn start(
        version: TlsVersion,
        first: impl FnOnce(&mut SslSocket) -> T + Send + 'static,
    ) -> Held<T> {
        let (release, rx) = mpsc::channel::<()>();
        let mut b = default_server();
        b.set_version(version);
        let server = Server::start(&build(&b), move |s| {
            let t = first(s);
            let _ = rx.recv_timeout(Duration::from_secs(10));
            t
        });
        Held { release, server }
    }

    /// Our blocking client, connected to it.
    fn client(&self) -> SslSocket {
        SslSocket::connect(&build(&client_builder()), &self.server.localhost())
            .unwrap_or_else(|e| panic!("connect: {e:?}"))
    }

    /// Lets the server go on, drops `client` (either face), and returns what
    /// `first` returned.
    fn end(self, client: impl Sized) -> T {
        let _ = self.release.send(());
        drop(client);
        self.server.join().unwrap().1
    }
}

/// Waits (at most 5 s) until `fd` is readable.
fn poll_readable(fd: &impl AsRawFd) {
    let mut p = [libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }];
    // SAFETY: `p` is a live array of one pollfd whose descriptor stays open
    // for the whole call.
    let r = unsafe { libc::poll(p.as_mut_ptr(), 1, TIMEOUT.as_millis() as libc::c_int) };
    assert_eq!(r, 1, "not readable within {TIMEOUT:?}");
}

// 1. One timeout.

/// A configuration's defaults, in the table of `Timeouts`: a handshake is
/// bounded by 30 s in either role, nothing else is.
#[test]
fn a_handshake_is_bounded_at_30_s_by_default_in_either_role() {
    let expected = Timeouts {
        connect: None,
        handshake: SECS_30,
        read: None,
        write: None,
    };
    let client = SslConfig::client().build().unwrap();
    assert_eq!(client.timeouts(), expected, "client");
    let mut server = SslConfig::server();
    server
        .set_certificate_file(common::cert("server-chain.pem"))
        .set_private_key_file(common::cert("server.key"));
    assert_eq!(build(&server).timeouts(), expected, "server");
    // A socket starts from its configuration's limits.
    let mut c = SslConfig::client();
    c.set_ca_file(common::cert("ca.pem"));
    let srv = Server::start(&build(&default_server()), |_| ());
    let s = SslSocket::connect(&build(&c), &srv.localhost()).unwrap();
    assert_eq!(s.timeouts(), expected);
    drop(s);
    srv.join().unwrap();
}

/// `set_timeout` on the builder sets all four limits; each setter still
/// sets its own afterwards.
#[test]
fn set_timeout_on_the_builder_sets_every_limit() {
    let t = Some(Duration::from_millis(1500));
    let mut b = SslConfig::client();
    b.set_timeout(t);
    let all = Timeouts {
        connect: t,
        handshake: t,
        read: t,
        write: t,
    };
    assert_eq!(build(&b).timeouts(), all);
    b.set_read_timeout(None);
    assert_eq!(build(&b).timeouts(), Timeouts { read: None, ..all });
    b.set_timeout(None);
    assert_eq!(build(&b).timeouts(), Timeouts::default());
}

/// `set_timeout` on a socket sets the handshake, read and write limits,
/// `timeouts()` reads them back, zero is refused (and changes nothing), and
/// the read limit set so bounds a read.
#[test]
fn set_timeout_on_a_socket_sets_its_limits_and_timeouts_reads_them_back() {
    let held = Held::start(TlsVersion::Tls1_3, |_| ());
    let mut c = held.client();
    let from_config = c.timeouts();
    assert_eq!(from_config, build(&client_builder()).timeouts());
    c.set_timeout(Some(WAIT)).unwrap();
    let set = Timeouts {
        connect: from_config.connect,
        handshake: Some(WAIT),
        read: Some(WAIT),
        write: Some(WAIT),
    };
    assert_eq!(c.timeouts(), set);
    let e = c.set_timeout(Some(Duration::ZERO)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e:?}");
    assert_eq!(c.timeouts(), set, "a refused zero changes nothing");
    // The server says nothing: the read ends at the limit set.
    let (r, took) = timed(|| c.recv(&mut [0u8; 16]));
    match r {
        Err(Error::Timeout {
            operation: Operation::Read,
            after,
        }) => assert_eq!(after, Some(WAIT)),
        other => panic!("{other:?}"),
    }
    assert_whole_wait(took, WAIT);
    c.set_timeout(None).unwrap();
    let none = Timeouts {
        connect: from_config.connect,
        handshake: None,
        read: None,
        write: None,
    };
    assert_eq!(c.timeouts(), none);
    held.end(c);
}

/// A TCP listener that accepts and then says nothing, for as long as the
/// test holds its sender.
fn silent_server() -> (
    std::net::SocketAddr,
    mpsc::Sender<()>,
    thread::JoinHandle<()>,
) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let h = thread::spawn(move || {
        let (tcp, _) = l.accept().unwrap();
        let _ = rx.recv_timeout(Duration::from_secs(20));
        drop(tcp);
    });
    (addr, tx, h)
}

/// A client's handshake against a server that never answers ends at its
/// limit, set on the configuration with `set_timeout`, or on the socket
/// before its handshake; without one it would be the 30 s default.
#[test]
fn a_client_handshake_against_a_silent_server_times_out() {
    let (addr, tx, h) = silent_server();
    let mut b = client_builder();
    b.set_timeout(Some(WAIT));
    let (r, took) = timed(|| SslSocket::connect(&build(&b), &format!("localhost:{}", addr.port())));
    match r {
        Err(Error::Timeout {
            operation: Operation::Handshake,
            after,
        }) => assert_eq!(after, Some(WAIT)),
        other => panic!("{other:?}"),
    }
    assert_whole_wait(took, WAIT);
    tx.send(()).unwrap();
    h.join().unwrap();

    // The socket's own setter, before the handshake, with the default
    // configuration's limits otherwise.
    let (addr, tx, h) = silent_server();
    let mut c = SslConfig::client();
    c.set_ca_file(common::cert("ca.pem"));
    let tcp = TcpStream::connect(addr).unwrap();
    let mut s = SslSocket::new_client(&build(&c), tcp, Some("localhost")).unwrap();
    assert_eq!(s.timeouts().handshake, SECS_30);
    s.set_timeout(Some(WAIT)).unwrap();
    let (r, took) = timed(|| s.handshake());
    assert!(
        matches!(
            r,
            Err(Error::Timeout {
                operation: Operation::Handshake,
                ..
            })
        ),
        "{r:?}"
    );
    assert_whole_wait(took, WAIT);
    tx.send(()).unwrap();
    h.join().unwrap();
}

// 2. peek.

/// A peek returns the bytes the next read returns, as often as asked, on
/// both protocol versions; the data stays pending meanwhile.
#[test]
fn peek_then_read_returns_the_same_bytes() {
    for version in common::VERSIONS {
        let held = Held::start(version, |s| s.send_all(b"hello, peek").unwrap());
        let mut c = held.client();
        let mut first = [0u8; 64];
        let n = c.peek(&mut first).unwrap();
        assert_eq!(&first[..n], b"hello, peek", "{version}");
        assert_eq!(c.pending(), n, "{version}: peeked bytes stay pending");
        let mut again = [0u8; 5];
        assert_eq!(c.peek(&mut again).unwrap(), 5, "{version}");
        assert_eq!(&again, b"hello", "{version}");
        let mut got = [0u8; 64];
        let m = c.recv(&mut got).unwrap();
        assert_eq!(&got[..m], b"hello, peek", "{version}");
        assert_eq!(c.pending(), 0, "{version}");
        assert_eq!(c.peek(&mut []).unwrap(), 0, "{version}: an empty buffer");
        held.end(c);
    }
}

/// A peek against `openssl s_server`: the line typed on its standard input
/// is peeked, then read, whole.
#[test]
fn peek_then_read_against_s_server() {
    let mut server = SServer::localhost(&["-naccept", "1", "-tls1_3"]);
    let mut c = SslSocket::connect(&build(&client_builder()), &server.addr()).unwrap();
    server.type_line("from s_server");
    let mut peeked = [0u8; 64];
    let n = c.peek(&mut peeked).unwrap();
    assert_eq!(&peeked[..n], b"from s_server\n");
    let got = common::recv_exact(&mut c, n).unwrap();
    assert_eq!(got, &peeked[..n]);
    drop(c);
    let _ = server.finish();
}

/// In non-blocking mode a peek with nothing to return reports what it
/// waits for; once the descriptor is readable it returns the data, and the
/// read after it the same.
#[test]
fn peek_in_non_blocking_mode() {
    let (tx, rx) = mpsc::channel::<()>();
    let (srv, mut c) = pair(TlsVersion::Tls1_3, move |s| {
        let _ = rx.recv_timeout(Duration::from_secs(10));
        s.send_all(b"later").unwrap();
        let _ = s.recv(&mut [0u8; 1]);
    });
    c.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 16];
    // Session tickets may come first: the call processes what is there.
    let e = c.peek(&mut buf).unwrap_err();
    assert!(e.is_would_block(), "{e:?}");
    assert!(
        matches!(e.would_block(), Some(Want::Read | Want::ReadOrWrite)),
        "{e:?}"
    );
    tx.send(()).unwrap();
    let n = loop {
        poll_readable(&c);
        match c.peek(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.is_would_block() => {}
            Err(e) => panic!("{e:?}"),
        }
    };
    assert_eq!(&buf[..n], b"later");
    let mut got = [0u8; 16];
    assert_eq!(c.recv(&mut got).unwrap(), n);
    assert_eq!(&got[..n], b"later");
    c.set_nonblocking(false).unwrap();
    drop(c);
    srv.join().unwrap();
}

/// A peek waits within the read timeout, as a read does.
#[test]
fn a_peek_ends_at_the_read_timeout() {
    let held = Held::start(TlsVersion::Tls1_2, |_| ());
    let mut c = held.client();
    c.set_read_timeout(Some(WAIT)).unwrap();
    let (r, took) = timed(|| c.peek(&mut [0u8; 8]));
    assert!(
        matches!(
            r,
            Err(Error::Timeout {
                operation: Operation::Read,
                ..
            })
        ),
        "{r:?}"
    );
    assert_whole_wait(took, WAIT);
    held.end(c);
}

// 3. wait_readable.

/// With nothing coming, `false` only after the whole wait; `Some(ZERO)`
/// checks once without waiting.
#[test]
fn wait_readable_is_false_only_after_the_whole_wait() {
    for version in common::VERSIONS {
        let held = Held::start(version, |_| ());
        let mut c = held.client();
        let (r, took) = timed(|| c.wait_readable(Some(WAIT)));
        assert!(!r.unwrap(), "{version}");
        assert_whole_wait(took, WAIT);
        eprintln!("{version}: wait_readable({WAIT:?}) = false after {took:?}");
        let (r, took) = timed(|| c.wait_readable(Some(Duration::ZERO)));
        assert!(!r.unwrap(), "{version}");
        assert!(took < AT_ONCE, "{version}: ZERO waited {took:?}");
        held.end(c);
    }
}

/// Decrypted bytes pending (part of a record read, or peeked) make it
/// `true` at once, with or without a wait given.
#[test]
fn wait_readable_is_true_at_once_with_pending_data() {
    let held = Held::start(TlsVersion::Tls1_3, |s| s.send_all(&[7u8; 100]).unwrap());
    let mut c = held.client();
    let mut ten = [0u8; 10];
    assert_eq!(c.recv(&mut ten).unwrap(), 10);
    assert_eq!(c.pending(), 90);
    for t in [Some(Duration::ZERO), Some(TIMEOUT), None] {
        let (r, took) = timed(|| c.wait_readable(t));
        assert!(r.unwrap(), "{t:?}");
        assert!(took < AT_ONCE, "{t:?}: {took:?}");
    }
    assert_eq!(common::recv_exact(&mut c, 90).unwrap(), [7u8; 90]);
    held.end(c);
}

/// Data that arrives during the wait ends it at once, whatever was left.
#[test]
fn wait_readable_returns_when_data_arrives_mid_wait() {
    for (t, what) in [(Some(TIMEOUT), "5 s"), (None, "no limit")] {
        let (srv, mut c) = pair(TlsVersion::Tls1_3, |s| {
            thread::sleep(WAIT);
            s.send_all(b"now").unwrap();
            let _ = s.recv(&mut [0u8; 1]);
        });
        let (r, took) = timed(|| c.wait_readable(t));
        assert!(r.unwrap(), "{what}");
        assert!(took < WAIT + SLACK, "{what}: {took:?}");
        eprintln!("{what}: data sent after {WAIT:?}, wait_readable true after {took:?}");
        let mut got = [0u8; 8];
        let (n, took) = timed(|| c.recv(&mut got).unwrap());
        assert_eq!(&got[..n], b"now");
        assert!(took < AT_ONCE, "{what}: the read after took {took:?}");
        drop(c);
        srv.join().unwrap();
    }
}

/// TLS 1.3 session tickets alone are processed (the session becomes
/// resumable) and do not make it `true`: our own server (two tickets) and
/// `openssl s_server -num_tickets 5`.
#[test]
fn session_tickets_alone_do_not_make_wait_readable_true() {
    let held = Held::start(TlsVersion::Tls1_3, |_| ());
    let mut c = held.client();
    let (r, took) = timed(|| c.wait_readable(Some(WAIT)));
    assert!(!r.unwrap(), "tickets made it true");
    assert_whole_wait(took, WAIT);
    assert!(c.session().is_some(), "the tickets were not processed");
    held.end(c);

    let server = SServer::localhost(&["-naccept", "1", "-tls1_3", "-num_tickets", "5"]);
    let mut c = SslSocket::connect(&build(&client_builder()), &server.addr()).unwrap();
    let (r, took) = timed(|| c.wait_readable(Some(WAIT)));
    assert!(!r.unwrap(), "s_server's tickets made it true");
    assert_whole_wait(took, WAIT);
    assert!(
        c.session().is_some(),
        "s_server's tickets were not processed"
    );
    drop(c);
    let _ = server.finish();
}

/// KeyUpdates that ask for an answer, with no data: processed and
/// answered during the wait, which still ends `false`; the connection
/// goes on in the new keys both ways.
#[test]
fn key_updates_alone_do_not_make_wait_readable_true() {
    let (tx, rx) = mpsc::channel::<()>();
    let (srv, mut c) = pair(TlsVersion::Tls1_3, move |s| {
        for _ in 0..50 {
            s.key_update(true).unwrap();
        }
        s.flush().unwrap();
        let _ = rx.recv_timeout(Duration::from_secs(10));
        s.send_all(b"after").unwrap();
        common::recv_exact(s, 4).unwrap()
    });
    let (r, took) = timed(|| c.wait_readable(Some(WAIT)));
    assert!(!r.unwrap(), "KeyUpdates made it true");
    assert_whole_wait(took, WAIT);
    tx.send(()).unwrap();
    assert!(c.wait_readable(Some(TIMEOUT)).unwrap());
    assert_eq!(common::recv_exact(&mut c, 5).unwrap(), b"after");
    c.send_all(b"back").unwrap();
    let (_, got) = srv.join().unwrap();
    assert_eq!(got, b"back");
}

/// The peer's close_notify makes it `true` at once, and the next read
/// returns 0 at once; so does the end of its stream without close_notify,
/// and the next read says so at once.
#[test]
fn wait_readable_is_true_at_close_notify_and_at_eof() {
    for close_notify in [true, false] {
        let held = Held::start(TlsVersion::Tls1_3, move |s| {
            thread::sleep(Duration::from_millis(100));
            if close_notify {
                s.shutdown().unwrap();
            } else {
                s.get_ref().shutdown(Shutdown::Write).unwrap();
            }
        });
        let mut c = held.client();
        let (r, took) = timed(|| c.wait_readable(Some(TIMEOUT)));
        assert!(r.unwrap(), "close_notify {close_notify}");
        assert!(took < SLACK, "close_notify {close_notify}: {took:?}");
        // Asked again, still at once.
        let (r, took) = timed(|| c.wait_readable(Some(TIMEOUT)));
        assert!(r.unwrap() && took < AT_ONCE, "{took:?}");
        let (r, took) = timed(|| c.recv(&mut [0u8; 8]));
        assert!(
            took < AT_ONCE,
            "close_notify {close_notify}: read took {took:?}"
        );
        if close_notify {
            assert_eq!(r.unwrap(), 0);
            assert!(c.received_close_notify());
        } else {
            assert!(matches!(r, Err(Error::UnexpectedEof)), "{r:?}");
        }
        held.end(c);
    }
}

/// Our server waiting on `openssl s_client`: `false` while it says nothing,
/// `true` when the typed line arrives, which a peek and a read then return.
#[test]
fn a_server_waits_for_s_client() {
    let l = common::bind(&build(&default_server()));
    let port = l.local_addr().unwrap().port();
    let ca = common::cert("ca.pem").display().to_string();
    let mut client = SClient::start(port, &["-CAfile", &ca], b"");
    let (mut s, _) = l.accept().unwrap();
    let (r, took) = timed(|| s.wait_readable(Some(WAIT)));
    assert!(!r.unwrap());
    assert_whole_wait(took, WAIT);
    client.type_line("typed");
    assert!(s.wait_readable(Some(TIMEOUT)).unwrap());
    let mut buf = [0u8; 16];
    let n = s.peek(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"typed\n");
    assert_eq!(common::recv_exact(&mut s, n).unwrap(), b"typed\n");
    drop(s);
    let _ = client.finish();
}

/// Application data a server kept while its certificate request waited
/// counts as readable, and a peek returns it without taking it.
#[test]
fn data_kept_during_a_certificate_request_is_readable() {
    let (config, _) = post_handshake_server();
    let l = common::bind(&config);
    let addr = format!("localhost:{}", l.local_addr().unwrap().port());
    let client = build(&client_with_cert("client.pem", "client.key"));
    let c = thread::spawn(move || -> Result<Vec<u8>, Error> {
        let mut s = SslSocket::connect(&client, &addr)?;
        s.send_all(b"early data")?;
        // Reading processes the request and answers it.
        let got = common::recv_exact(&mut s, 2)?;
        s.shutdown()?;
        Ok(got)
    });
    let (mut s, _) = l.accept().unwrap();
    s.request_client_certificate(common::T).unwrap().unwrap();
    s.send_all(b"ok").unwrap();
    assert_eq!(s.pending(), 10, "the data is kept");
    let (r, took) = timed(|| s.wait_readable(Some(Duration::ZERO)));
    assert!(r.unwrap());
    assert!(took < AT_ONCE, "{took:?}");
    let mut buf = [0u8; 32];
    let n = s.peek(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"early data");
    assert_eq!(s.pending(), 10, "a peek takes nothing");
    let m = s.recv(&mut buf).unwrap();
    assert_eq!(&buf[..m], b"early data");
    assert_eq!(c.join().unwrap().unwrap(), b"ok");
}

// 4. The read half.

/// The read half waits and peeks while the write half sends a flood the
/// server stops reading for a while: `false` for the wait with nothing
/// coming, `true` when the server's line arrives (the writer still
/// blocked), the peek and the read return it.
#[test]
fn the_read_half_peeks_and_waits_while_the_write_half_writes() {
    const FLOOD: usize = 32 << 20;
    let (srv, c) = pair(TlsVersion::Tls1_3, |s| {
        common::recv_exact(s, 1 << 20).unwrap();
        thread::sleep(Duration::from_millis(600));
        s.send_all(b"hello").unwrap();
        common::recv_exact(s, FLOOD - (1 << 20)).unwrap();
        s.send_all(b"done").unwrap();
        let _ = s.recv(&mut [0u8; 1]);
    });
    let (mut r, mut w) = c.split();
    let written = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&written);
    let writer = thread::spawn(move || {
        let flood = vec![0x5au8; FLOOD];
        w.send_all(&flood).unwrap();
        w.flush().unwrap();
        flag.store(true, Ordering::SeqCst);
        w
    });
    let (got, took) = timed(|| r.wait_readable(Some(WAIT)));
    assert!(!got.unwrap(), "nothing was sent yet");
    assert_whole_wait(took, WAIT);
    let (got, took) = timed(|| r.wait_readable(Some(TIMEOUT)));
    assert!(got.unwrap());
    assert!(
        !written.load(Ordering::SeqCst),
        "the wait ended only after the writer ({took:?})"
    );
    let (got, took) = timed(|| r.wait_readable(Some(Duration::ZERO)));
    assert!(got.unwrap() && took < AT_ONCE, "{took:?}");
    let mut buf = [0u8; 16];
    let n = r.peek(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello");
    let m = r.recv(&mut buf).unwrap();
    assert_eq!(&buf[..m], b"hello");
    assert!(r.wait_readable(Some(Duration::from_secs(20))).unwrap());
    let n = r.peek(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"done");
    let mut w = writer.join().unwrap();
    let mut done = [0u8; 4];
    r.read_exact(&mut done).unwrap();
    assert_eq!(&done, b"done");
    w.shutdown().unwrap();
    drop((r, w));
    srv.join().unwrap();
}

// 5. The async socket.

#[cfg(feature = "tokio")]
mod async_face {
    use super::*;
    use sslsocket::tokio::SslSocket as AsyncSocket;

    /// Our async client, connected to `held`.
    async fn connect_to<T: Send + 'static>(held: &Held<T>) -> AsyncSocket {
        AsyncSocket::connect(&build(&client_builder()), &held.server.localhost())
            .await
            .unwrap()
    }

    /// `set_timeout` and `timeouts` on the async socket, zero refused.
    #[tokio::test]
    async fn set_timeout_and_timeouts_on_the_async_socket() {
        let held = Held::start(TlsVersion::Tls1_3, |_| ());
        let mut c = connect_to(&held).await;
        assert_eq!(c.timeouts(), build(&client_builder()).timeouts());
        c.set_timeout(Some(WAIT)).unwrap();
        assert_eq!(c.timeouts().read, Some(WAIT));
        assert_eq!(c.timeouts().write, Some(WAIT));
        assert_eq!(c.timeouts().handshake, Some(WAIT));
        let e = c.set_timeout(Some(Duration::ZERO)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(c.timeouts().read, Some(WAIT));
        held.end(c);
    }

    /// peek, then read, the same bytes; `wait_readable` false after the
    /// whole wait, at once with `ZERO`, true when data arrives mid-wait
    /// and at once while it is pending, true at close_notify.
    #[tokio::test]
    async fn peek_and_wait_readable_on_the_async_socket() {
        use tokio::io::AsyncReadExt;
        let (tx, rx) = mpsc::channel::<()>();
        let srv = Server::start(&build(&default_server()), move |s| {
            let _ = rx.recv_timeout(Duration::from_secs(10));
            thread::sleep(WAIT);
            s.send_all(b"async peek").unwrap();
            let _ = rx.recv_timeout(Duration::from_secs(10));
            s.shutdown().unwrap();
            let _ = rx.recv_timeout(Duration::from_secs(10));
        });
        let mut c = AsyncSocket::connect(&build(&client_builder()), &srv.localhost())
            .await
            .unwrap();
        // Tickets only, so far.
        let started = Instant::now();
        assert!(!c.wait_readable(Some(WAIT)).await.unwrap());
        assert_whole_wait(started.elapsed(), WAIT);
        assert!(c.session().is_some(), "the tickets were processed");
        let started = Instant::now();
        assert!(!c.wait_readable(Some(Duration::ZERO)).await.unwrap());
        assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
        tx.send(()).unwrap();
        let started = Instant::now();
        assert!(c.wait_readable(Some(TIMEOUT)).await.unwrap());
        let took = started.elapsed();
        assert!(took >= WAIT && took < WAIT + SLACK, "{took:?}");
        let mut buf = [0u8; 32];
        let n = c.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"async peek");
        let started = Instant::now();
        assert!(c.wait_readable(None).await.unwrap());
        assert!(started.elapsed() < AT_ONCE);
        let mut got = [0u8; 32];
        let m = c.read(&mut got).await.unwrap();
        assert_eq!(&got[..m], b"async peek");
        tx.send(()).unwrap();
        assert!(c.wait_readable(Some(TIMEOUT)).await.unwrap());
        let started = Instant::now();
        assert_eq!(c.read(&mut got).await.unwrap(), 0);
        assert!(started.elapsed() < AT_ONCE);
        tx.send(()).unwrap();
        drop(c);
        srv.join().unwrap();
    }

    /// An async peek ends at the read timeout.
    #[tokio::test]
    async fn an_async_peek_ends_at_the_read_timeout() {
        let held = Held::start(TlsVersion::Tls1_3, |_| ());
        let mut c = connect_to(&held).await;
        c.set_read_timeout(Some(WAIT)).unwrap();
        let started = Instant::now();
        let r = c.peek(&mut [0u8; 8]).await;
        assert!(
            matches!(
                r,
                Err(Error::Timeout {
                    operation: Operation::Read,
                    ..
                })
            ),
            "{r:?}"
        );
        assert_whole_wait(started.elapsed(), WAIT);
        held.end(c);
    }
}
