//! Memory of idle connections.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::thread;

use crate::{conn::*, process::*, setup::*};

/// Heap and RSS growth per connection for `n` idle TLS connections (both
/// ends in this process), in bytes.
#[derive(Clone, Copy, Default)]
pub(crate) struct MemOut {
    pub(crate) rss_both: f64,
    pub(crate) heap_both: f64,
    pub(crate) heap_client: f64,
    pub(crate) heap_server: f64,
    pub(crate) resumed: usize,
}

/// When `mem_round` is at: before the connections, all open, client ends closed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Baseline,
    Loaded,
    ClientsClosed,
}

thread_local! {
    /// The `free_buffers` knob of the current `mem_round`.
    pub(crate) static FREE_BUFFERS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub(crate) fn mem_round(n: usize, server: Server, client: Client) -> MemOut {
    mem_round_probed(n, server, client, &mut |_| {})
}

pub(crate) fn mem_round_probed(
    n: usize,
    server: Server,
    mut client: Client,
    probe: &mut dyn FnMut(Phase),
) -> MemOut {
    let free = FREE_BUFFERS.with(|f| f.get());
    let (listener, addr) = listen();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let h = thread::spawn(move || {
        let mut held: Vec<Conn> = Vec::with_capacity(n);
        // One connection first, so that OpenSSL's per-thread state exists
        // before the baseline.
        for i in 0..=n {
            let (tcp, _) = listener.accept().expect("accept");
            let mut c = server.accept(tcp);
            c.tcp().set_nodelay(true).expect("nodelay");
            let mut b = [0u8; 1];
            c.read_exact(&mut b).expect("server read");
            c.write_all(&b).expect("server write");
            if free {
                c.ssl().map(free_buffers);
            }
            if i == 0 {
                drop(c);
                started_tx.send(()).unwrap();
            } else {
                held.push(c);
            }
        }
        ready_tx.send(()).unwrap();
        go_rx.recv().unwrap();
        held.clear();
        ready_tx.send(()).unwrap();
        go_rx.recv().unwrap();
    });
    let mut held: Vec<Conn> = Vec::with_capacity(n);
    let mut b = [0u8; 1];
    let mut exchange = |client: &mut Client| {
        let mut c = client.connect(&addr);
        // As in the handshake test: no 40 ms Nagle/delayed-ACK stalls.
        c.tcp().set_nodelay(true).expect("nodelay");
        c.write_all(b"m").expect("client write");
        c.read_exact(&mut b).expect("client read");
        client.replied(&c);
        if free {
            c.ssl().map(free_buffers);
        }
        c
    };
    drop(exchange(&mut client));
    started_rx.recv().unwrap();
    trim();
    let (rss0, heap0) = (rss(), heap());
    probe(Phase::Baseline);
    for _ in 0..n {
        held.push(exchange(&mut client));
    }
    ready_rx.recv().unwrap();
    let (rss1, heap1) = (rss(), heap());
    probe(Phase::Loaded);
    let resumed = held.iter().filter(|c| c.reused()).count();
    held.clear();
    let heap2 = heap();
    probe(Phase::ClientsClosed);
    go_tx.send(()).unwrap();
    ready_rx.recv().unwrap();
    let heap3 = heap();
    go_tx.send(()).unwrap();
    h.join().expect("server thread");
    drop(held);
    trim();
    let per = |d: i64| d as f64 / n as f64;
    MemOut {
        rss_both: per(rss1 - rss0),
        heap_both: per(heap1 - heap0),
        heap_client: per(heap1 - heap2),
        heap_server: per(heap2 - heap3),
        resumed,
    }
}

/// Heap bytes per object for `n` objects made by `make`.
pub(crate) fn heap_per<T>(n: usize, mut make: impl FnMut() -> T) -> f64 {
    let mut v = Vec::with_capacity(n);
    trim();
    let h0 = heap();
    for _ in 0..n {
        v.push(make());
    }
    let h1 = heap();
    drop(v);
    trim();
    (h1 - h0) as f64 / n as f64
}
