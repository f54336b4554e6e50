//! Load, bounded in count and time: 64 client threads make 2,048 handshakes
//! with an echo of data each, in four rounds, against one listener served
//! by 64 workers. No failure, no descriptor leaked, and memory that does
//! not grow from round to round.
//!
//! This file holds one test, so that nothing else in its process opens
//! descriptors or allocates meanwhile.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use sslsocket::{SslListener, SslSocket};

const CLIENTS: usize = 64;
const PER_CLIENT: usize = 8;
const ROUNDS: usize = 4;
/// Bytes each connection echoes.
const DATA: usize = 16 * 1024;
/// How much more memory round 3 may hold than round 1.
const RSS_BOUND_KIB: u64 = 4 * 1024;

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn rss_kib() -> u64 {
    process::rss() as u64 >> 10
}

#[test]
fn two_thousand_handshakes_from_64_threads_leak_nothing() {
    let config = build(&default_server());
    let client = build(&client_builder());
    let total = CLIENTS * PER_CLIENT * ROUNDS;
    let fds_before = open_descriptors();
    let listener = SslListener::bind("127.0.0.1:0", &config).unwrap();
    let port = listener.local_addr().unwrap().port();

    // Each worker claims a connection before accepting it, so that the
    // workers accept exactly `total` and then end.
    let unclaimed = Arc::new(AtomicUsize::new(total));
    let served = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (listener, unclaimed, served) = (
                listener.try_clone().unwrap(),
                unclaimed.clone(),
                served.clone(),
            );
            thread::spawn(move || {
                while unclaimed
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let (mut tls, _) = listener.accept().expect("a handshake");
                    let got = recv_exact(&mut tls, DATA).expect("the client's data");
                    tls.send_all(&got).expect("the echo");
                    tls.shutdown().expect("close_notify");
                    served.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    drop(listener);

    let started = Instant::now();
    let mut rss = Vec::new();
    for round in 0..ROUNDS {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let client = client.clone();
                thread::spawn(move || {
                    let data: Vec<u8> = (0..DATA).map(|k| (k * 7 + i + round) as u8).collect();
                    for _ in 0..PER_CLIENT {
                        let mut tls = SslSocket::connect(&client, &format!("localhost:{port}"))
                            .expect("a handshake");
                        tls.send_all(&data).expect("the data");
                        let echo = recv_exact(&mut tls, DATA).expect("the echo");
                        assert!(echo == data, "the echo differs");
                    }
                })
            })
            .collect();
        for c in clients {
            join_within(c, Duration::from_secs(60), "a client");
        }
        rss.push(rss_kib());
        eprintln!(
            "round {}: {} handshakes in {:?}, RSS {} KiB",
            round + 1,
            (round + 1) * CLIENTS * PER_CLIENT,
            started.elapsed(),
            rss[round]
        );
    }
    for w in workers {
        join_within(w, Duration::from_secs(10), "a worker");
    }
    assert_eq!(
        served.load(Ordering::SeqCst),
        total,
        "every connection served"
    );
    assert_eq!(open_descriptors(), fds_before, "descriptors leaked");
    let grew = rss[2].saturating_sub(rss[0]);
    assert!(
        grew <= RSS_BOUND_KIB,
        "RSS grew {grew} KiB from round 1 to round 3 ({rss:?} KiB)"
    );
    eprintln!(
        "{total} handshakes in {:?}; RSS per round {rss:?} KiB",
        started.elapsed()
    );
}
