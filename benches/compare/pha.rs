//! Post-handshake certificate requests per second.

use std::thread;
use std::time::Duration;

use sslsocket::SslSocket;

use crate::{conn::*, setup::*};

/// `request_client_certificate` `n` times on one TLS 1.3 connection (mode
/// PEER|POST_HANDSHAKE = 9) against an sslsocket client that has a
/// certificate and keeps reading. `nodelay`: TCP_NODELAY on both ends.
/// Returns (requests/s, CPU µs per request).
pub(crate) fn pha_round(n: usize, nodelay: bool) -> (f64, f64) {
    let p = Proto::TLS13_ECDSA;
    let k = Knobs {
        client_cert: true,
        server_mode: Some(9),
        ..Knobs::default()
    };
    let server = ss_server(p, k);
    let client = ss_client(p, k);
    let (listener, addr) = listen();
    let h = thread::spawn(move || {
        let mut c = SslSocket::connect(&client, &addr).expect("connect");
        c.set_nodelay(nodelay).expect("nodelay");
        let mut buf = [0u8; 64];
        let mut got = 0;
        loop {
            match c.recv(&mut buf).expect("client read") {
                0 => break,
                n => got += n,
            }
        }
        let _ = c.close();
        got
    });
    let (tcp, _) = listener.accept().expect("accept");
    let mut s = SslSocket::upgrade_server(&server, tcp).expect("accept");
    s.set_nodelay(nodelay).expect("nodelay");
    assert!(
        s.peer_certificate().is_none(),
        "mode 9 asks after the handshake"
    );
    let timeout = Some(Duration::from_secs(10));
    let m = meter();
    for _ in 0..n {
        let cert = s
            .request_client_certificate(timeout)
            .expect("post-handshake request");
        assert!(cert.is_some(), "the client has a certificate");
    }
    let (secs, cpu) = m();
    assert_eq!(s.verify_result().code(), 0);
    s.send_all(b"done").expect("write");
    let _ = s.close();
    assert_eq!(h.join().expect("client thread"), 4);
    (n as f64 / secs, cpu * 1e6 / n as f64)
}
