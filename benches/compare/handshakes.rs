//! Handshakes per second and CPU per handshake, full and resumed.

use std::io::{Read, Write};
use std::thread;

use crate::{conn::*, setup::*};

pub(crate) struct HsOut {
    pub(crate) rate: f64,
    pub(crate) cpu_us: f64,
    /// Timed connections the client saw resumed.
    pub(crate) reused: usize,
    /// Timed connections the server saw resumed.
    pub(crate) server_reused: usize,
}

/// `warm` untimed then `n` timed sequential connections: TCP connect,
/// handshake, 1-byte request and reply, close.
pub(crate) fn hs_round(imp: Imp, p: Proto, k: Knobs, n: usize, warm: usize) -> HsOut {
    let (server, mut client) = make_pair(imp, p, k);
    let (listener, addr) = listen();
    let total = warm + n;
    let h = thread::spawn(move || {
        let mut reused = 0;
        for i in 0..total {
            let (tcp, _) = listener.accept().expect("accept");
            let mut c = server.accept(tcp);
            c.tcp().set_nodelay(true).expect("nodelay");
            if i >= warm && c.reused() {
                reused += 1;
            }
            let mut b = [0u8; 1];
            c.read_exact(&mut b).expect("server read");
            c.write_all(&b).expect("server write");
            c.close();
        }
        reused
    });
    let mut reused = 0;
    let mut m = meter();
    let mut b = [0u8; 1];
    for i in 0..total {
        if i == warm {
            m = meter();
        }
        let mut c = client.connect(&addr);
        // Without it a TLS 1.2 resumption waits 40 ms: the request would
        // follow the client's unacknowledged Finished (Nagle + delayed ACK).
        c.tcp().set_nodelay(true).expect("nodelay");
        if i == 0 || i + 1 == total {
            c.check(p);
        }
        if i >= warm && c.reused() {
            reused += 1;
        }
        c.write_all(b"q").expect("client write");
        c.read_exact(&mut b).expect("client read");
        client.replied(&c);
        c.close();
    }
    let (secs, _) = m();
    let server_reused = h.join().expect("server thread");
    let (_, cpu) = m();
    HsOut {
        rate: n as f64 / secs,
        cpu_us: cpu * 1e6 / n as f64,
        reused,
        server_reused,
    }
}
