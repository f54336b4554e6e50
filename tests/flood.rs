//! Floods of TLS 1.3 records that carry no data, sent as fast as the
//! machine allows: KeyUpdates made in advance by a raw OpenSSL client after
//! a real handshake with our server, then written in one `write_all` by a
//! peer that never reads. Whatever the mode (blocking, non-blocking, split),
//! a read ends within its timeout plus a second, one non-blocking call does
//! bounded work, and the process's memory stays flat.
//!
//! One test at a time (a lock): each measures the process's RSS.

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::raw::c_int;
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::*;
use foreign_types::ForeignTypeRef;
use sslsocket::openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode, SslVersion};
use sslsocket::{Error, Operation, SslSocket};

extern "C" {
    fn SSL_key_update(ssl: *mut openssl_sys::SSL, kind: c_int) -> c_int;
}

/// KeyUpdates in a flood: at about 10 µs each for OpenSSL to process, some
/// 3 s of work, longer than any bound below, and answers (when requested)
/// of some 8 MB, more than the memory bound.
const RECORDS: usize = 300_000;

/// The most the process's RSS may grow during a flood (the socket promises
/// 16 MiB however long the flood; it keeps far less).
const RSS_BOUND: u64 = 4 << 20;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the raw client writes: to the socket during the handshake, into
/// `capture` once it is set.
struct Tap {
    tcp: TcpStream,
    capture: Option<Vec<u8>>,
}

impl Read for Tap {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tcp.read(buf)
    }
}

impl Write for Tap {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.capture {
            Some(v) => {
                v.extend_from_slice(buf);
                Ok(buf.len())
            }
            None => self.tcp.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The process's resident set, in bytes.
fn rss() -> u64 {
    process::rss() as u64
}

/// Our server, handshaken with a raw OpenSSL client whose next `records`
/// KeyUpdates (each asking for an answer when `requested`) are made in
/// advance; the returned thread sends them all at once and never reads;
/// the connection stays open until the thread is joined (after the server
/// is dropped).
fn flooded_server(
    configure: impl FnOnce(&mut sslsocket::SslConfigBuilder),
    records: usize,
    requested: bool,
) -> (SslSocket, JoinHandle<SslStream<Tap>>) {
    let mut sb = default_server();
    configure(&mut sb);
    let config = build(&sb);
    flood(records, requested, move |accepted| {
        let mut s = SslSocket::upgrade_server(&config, accepted).unwrap();
        // The session tickets go out before the flood arrives.
        s.flush().unwrap();
        s
    })
}

/// As [`flooded_server`], with the server's handshake done by `handshake`
/// on another thread, over the accepted TCP stream.
fn flood<T: Send + 'static>(
    records: usize,
    requested: bool,
    handshake: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (T, JoinHandle<SslStream<Tap>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    let server = thread::spawn(move || handshake(accepted));
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.set_verify(SslVerifyMode::NONE);
    connector
        .set_min_proto_version(Some(SslVersion::TLS1_3))
        .unwrap();
    let ssl = connector
        .build()
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let mut client: SslStream<Tap> = SslStream::new(ssl, Tap { tcp, capture: None }).unwrap();
    client.connect().unwrap();
    let server = server.join().unwrap();
    client.get_mut().capture = Some(Vec::with_capacity(records * 28));
    for _ in 0..records {
        // SAFETY: the client's `SSL*` is live for the call; OpenSSL only
        // marks the update pending, and the handshake call below writes it.
        let r = unsafe { SSL_key_update(client.ssl().as_ptr(), c_int::from(requested)) };
        assert_eq!(r, 1, "SSL_key_update");
        client.do_handshake().unwrap();
    }
    let flood = client.get_mut().capture.take().unwrap();
    let mut tcp = client.get_ref().tcp.try_clone().unwrap();
    let flooder = thread::spawn(move || {
        let _ = tcp.write_all(&flood);
        client
    });
    (server, flooder)
}

/// Reads (blocking, 1 s read timeout) under a flood: the read times out
/// within the timeout plus a second, and the RSS grows by less than
/// [`RSS_BOUND`].
fn a_blocking_read_ends_within_its_timeout(requested: bool) {
    let _one = one_at_a_time();
    let (mut s, flooder) = flooded_server(
        |b| {
            b.set_read_timeout(Some(Duration::from_secs(1)));
        },
        RECORDS,
        requested,
    );
    let before = rss();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let r = s.recv(&mut buf);
    let took = started.elapsed();
    let grew = rss().saturating_sub(before);
    drop(s);
    flooder.join().unwrap();
    println!(
        "blocking, requested {requested}: the read returned after {took:?}, RSS +{} KiB: {r:?}",
        grew >> 10
    );
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
    assert!(took < Duration::from_secs(2), "the read took {took:?}");
    assert!(grew < RSS_BOUND, "RSS grew by {} KiB", grew >> 10);
}

/// KeyUpdate(update_requested) at full speed from a peer that never
/// reads: the answers fill the socket, then the Wire up to its cap, and the
/// read times out on time.
#[test]
fn a_key_update_flood_cannot_stretch_a_read() {
    a_blocking_read_ends_within_its_timeout(true);
}

/// KeyUpdate(update_not_requested) at full speed: nothing to answer, and
/// still the read ends on time (one attempt reads a bounded amount, and
/// the deadline is checked between attempts).
#[test]
fn a_flood_of_key_updates_needing_no_answer_cannot_stretch_a_read() {
    a_blocking_read_ends_within_its_timeout(false);
}

/// In non-blocking mode every call returns soon (would block or data) under
/// either flood, and memory stays flat.
#[test]
fn a_non_blocking_read_does_bounded_work_under_a_flood() {
    for requested in [true, false] {
        let _one = one_at_a_time();
        let (mut s, flooder) = flooded_server(|_| {}, RECORDS / 2, requested);
        s.set_nonblocking(true).unwrap();
        let before = rss();
        let started = Instant::now();
        let mut longest = Duration::ZERO;
        let mut calls = 0;
        let mut buf = [0u8; 64];
        while started.elapsed() < Duration::from_secs(2) {
            let t = Instant::now();
            let r = s.recv(&mut buf);
            longest = longest.max(t.elapsed());
            calls += 1;
            match r {
                Err(e) if e.is_would_block() => {
                    let want = e.would_block().unwrap();
                    if !want.wants_readable() {
                        // Only the peer's reading moves this on: it never does.
                        thread::sleep(Duration::from_millis(10));
                    }
                }
                r => panic!("requested {requested}: {r:?}"),
            }
        }
        let grew = rss().saturating_sub(before);
        drop(s);
        flooder.join().unwrap();
        println!(
            "non-blocking, requested {requested}: {calls} calls in 2 s, the longest {longest:?}, RSS +{} KiB",
            grew >> 10
        );
        assert!(
            longest < Duration::from_millis(250),
            "requested {requested}: a call took {longest:?} ({calls} calls)"
        );
        assert!(
            grew < RSS_BOUND,
            "requested {requested}: RSS grew by {} KiB",
            grew >> 10
        );
    }
}

/// Split: the read half is flooded on its thread; the write half's send
/// meets its own 1 s write timeout (sent, or timed out) all the same.
#[test]
fn the_write_half_meets_its_timeout_while_the_read_half_is_flooded() {
    for requested in [true, false] {
        let _one = one_at_a_time();
        let (s, flooder) = flooded_server(
            |b| {
                b.set_read_timeout(Some(Duration::from_secs(3)))
                    .set_write_timeout(Some(Duration::from_secs(1)));
            },
            RECORDS,
            requested,
        );
        let (mut reader, mut writer) = s.split();
        let before = rss();
        let reading = thread::spawn(move || {
            let mut buf = [0u8; 64];
            let started = Instant::now();
            let r = reader.recv(&mut buf);
            (r.map_err(|e| e.to_string()), started.elapsed(), reader)
        });
        thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let sent = writer.send(b"x");
        let took = started.elapsed();
        let (read, read_took, reader) = join_within(reading, Duration::from_secs(10), "the reader");
        let grew = rss().saturating_sub(before);
        drop((reader, writer));
        flooder.join().unwrap();
        println!(
            "split, requested {requested}: the send returned after {took:?} ({sent:?}), the read after {read_took:?}, RSS +{} KiB",
            grew >> 10
        );
        assert!(
            took < Duration::from_secs(2),
            "requested {requested}: the send took {took:?}: {sent:?}"
        );
        assert!(
            read_took < Duration::from_secs(4),
            "requested {requested}: the read took {read_took:?}: {read:?}"
        );
        assert!(read.is_err(), "requested {requested}: {read:?}");
        assert!(
            grew < RSS_BOUND,
            "requested {requested}: RSS grew by {} KiB",
            grew >> 10
        );
    }
}

/// The async face under both floods: a read with a 1 s timeout ends within
/// it plus a second (tokio's cooperative budget and the engine's bound
/// each end an attempt), memory flat.
#[cfg(feature = "tokio")]
#[test]
fn an_async_read_ends_within_its_timeout_under_a_flood() {
    use tokio::io::AsyncReadExt;
    for requested in [true, false] {
        let _one = one_at_a_time();
        let mut sb = default_server();
        sb.set_read_timeout(Some(Duration::from_secs(1)));
        let config = build(&sb);
        let ((rt, mut s), flooder) = flood(RECORDS, requested, move |accepted| {
            let rt = runtime();
            let s = rt.block_on(async {
                let mut s = accept_async(&config, accepted).await;
                tokio::io::AsyncWriteExt::flush(&mut s).await.unwrap();
                s
            });
            (rt, s)
        });
        let before = rss();
        let started = Instant::now();
        let mut buf = [0u8; 64];
        let r = rt.block_on(s.read(&mut buf));
        let took = started.elapsed();
        let grew = rss().saturating_sub(before);
        drop(s);
        drop(rt);
        flooder.join().unwrap();
        println!(
            "async, requested {requested}: the read returned after {took:?}, RSS +{} KiB: {r:?}",
            grew >> 10
        );
        assert!(r.is_err(), "requested {requested}: {r:?}");
        assert!(
            took < Duration::from_secs(2),
            "requested {requested}: the read took {took:?}"
        );
        assert!(
            grew < RSS_BOUND,
            "requested {requested}: RSS grew by {} KiB",
            grew >> 10
        );
    }
}
