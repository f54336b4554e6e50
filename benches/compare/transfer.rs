//! Bulk transfer, both directions at once on split halves, and 64-byte echo.

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use sslsocket::SslSocket;

use crate::{conn::*, setup::*};

/// One connection; the client writes 16 KiB records for `dur`; the server
/// counts what it receives. Returns MB/s (10^6 bytes) at the receiver and
/// the CPU time of both sides per GB (ms).
pub(crate) fn bulk_round(imp: Option<Imp>, dur: Duration) -> (f64, f64) {
    let (server, mut client) = pair_or_tcp(imp);
    let (listener, addr) = listen();
    let h = thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        let mut c = server.accept(tcp);
        let mut buf = vec![0u8; BULK_CHUNK];
        let mut total = 0u64;
        let t0 = Instant::now();
        loop {
            match c.read(&mut buf).expect("bulk read") {
                0 => break,
                n => total += n as u64,
            }
        }
        let elapsed = t0.elapsed();
        c.close();
        (total, elapsed)
    });
    let mut c = client.connect(&addr);
    if imp.is_some() {
        c.check(Proto::TLS13_ECDSA);
    }
    let chunk = vec![0xA5u8; BULK_CHUNK];
    let m = meter();
    let t = Instant::now();
    while t.elapsed() < dur {
        c.write_all(&chunk).expect("bulk write");
    }
    c.finish();
    let (bytes, elapsed) = h.join().expect("receiver thread");
    let (_, cpu) = m();
    (
        bytes as f64 / elapsed.as_secs_f64() / 1e6,
        cpu * 1e3 / (bytes as f64 / 1e9),
    )
}

/// sslsocket only: both ends split into halves, each end writing 16 KiB
/// chunks for `dur` while reading what the other writes. Returns MB/s summed
/// over both directions.
pub(crate) fn duplex_round(dur: Duration) -> f64 {
    let p = Proto::TLS13_ECDSA;
    let config = ss_server(p, Knobs::default());
    let client_config = ss_client(p, Knobs::default());
    let (listener, addr) = listen();
    // Each end: a writer thread for `dur`, then close_notify; the reader
    // counts bytes until the peer's close_notify.
    fn run(tls: SslSocket, dur: Duration) -> (u64, Duration) {
        let (mut r, mut w) = tls.split();
        let t0 = Instant::now();
        let writer = thread::spawn(move || {
            let chunk = vec![0x5Au8; BULK_CHUNK];
            while t0.elapsed() < dur {
                w.write_all(&chunk).expect("duplex write");
            }
            w.shutdown().expect("duplex close_notify");
        });
        let mut buf = vec![0u8; BULK_CHUNK];
        let mut total = 0u64;
        loop {
            match r.read(&mut buf).expect("duplex read") {
                0 => break,
                n => total += n as u64,
            }
        }
        let elapsed = t0.elapsed();
        writer.join().expect("duplex writer");
        (total, elapsed)
    }
    let h = thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        run(
            SslSocket::upgrade_server(&config, tcp).expect("sslsocket accept"),
            dur,
        )
    });
    let client = SslSocket::connect(&client_config, &addr).expect("sslsocket connect");
    let (to_client, t_client) = run(client, dur);
    let (to_server, t_server) = h.join().expect("duplex server");
    let elapsed = t_client.max(t_server).as_secs_f64();
    (to_client + to_server) as f64 / elapsed / 1e6
}

/// One connection, TCP_NODELAY on both ends; `n` round trips of 64 bytes.
/// Returns round trips/s and the CPU time of both ends per round trip (µs).
pub(crate) fn echo_round(imp: Option<Imp>, n: usize) -> (f64, f64) {
    let (server, mut client) = pair_or_tcp(imp);
    let (listener, addr) = listen();
    let h = thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        tcp.set_nodelay(true).expect("nodelay");
        let mut c = server.accept(tcp);
        let mut buf = [0u8; ECHO_SIZE];
        let mut count = 0usize;
        while c.read_exact(&mut buf).is_ok() {
            c.write_all(&buf).expect("echo write");
            count += 1;
        }
        c.close();
        count
    });
    let mut c = client.connect(&addr);
    c.tcp().set_nodelay(true).expect("nodelay");
    if imp.is_some() {
        c.check(Proto::TLS13_ECDSA);
    }
    let msg = [0x5Au8; ECHO_SIZE];
    let mut buf = [0u8; ECHO_SIZE];
    let m = meter();
    for _ in 0..n {
        c.write_all(&msg).expect("echo write");
        c.read_exact(&mut buf).expect("echo read");
    }
    let (secs, cpu) = m();
    assert_eq!(buf, msg);
    c.close();
    assert_eq!(h.join().expect("echo server"), n);
    (n as f64 / secs, cpu * 1e6 / n as f64)
}
