//! Where the memory of an idle connection goes.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;

use openssl::ssl::{Ssl, SslContextRef, SslSession, SslStream};
use openssl::x509::X509;
use sslsocket::SslSocket;

use crate::{conn::*, memory::*, process::*, report::*, setup::*};

/// Where the memory of an idle connection goes, from malloc's in-use bytes
/// (and RSS for whole connections).
pub(crate) fn breakdown(n: usize) -> Vec<(String, Option<f64>, Option<f64>)> {
    raise_nofile(2 * n as u64 + 256);
    let p = Proto::TLS13_ECDSA;
    let mut rows: Vec<(String, Option<f64>, Option<f64>)> = Vec::new();
    let mut row = |item: String, a: Option<f64>, b: Option<f64>| {
        println!(
            "  {:<76} {:>9} {:>9}",
            item,
            a.map_or("-".into(), kib),
            b.map_or("-".into(), kib)
        );
        rows.push((item, a, b));
    };
    println!();
    println!(
        "Memory breakdown [breakdown], KiB per connection or object (malloc in use unless \
         marked RSS; {n} connections or objects)"
    );
    println!("  {:<76} {:>9} {:>9}", "item", "sslsocket", "openssl");

    // Whole connections under variations: (label, protocol, knobs, sslsocket too).
    let d = Knobs::default();
    let knob = |set: fn(&mut Knobs)| {
        let mut k = d;
        set(&mut k);
        k
    };
    let (tls12, rsa) = (Proto { tls13: false, ..p }, Proto { key: Key::Rsa, ..p });
    let variants: [(&str, Proto, Knobs, bool); 10] = [
        (
            "  SSL_free_buffers on both ends after the reply",
            p,
            knob(|k| k.free_buffers = true),
            true,
        ),
        (
            "TLS1.3 ECDSA, full handshake (the memory figure)",
            p,
            d,
            true,
        ),
        (
            "  client resumes (sslsocket's cache / openssl set_session)",
            p,
            knob(|k| k.client_resume = true),
            true,
        ),
        (
            "  client does not verify (mode NONE, no host-name check)",
            p,
            knob(|k| k.client_verify_none = true),
            true,
        ),
        (
            "  server session cache off and no tickets",
            p,
            knob(|k| k.server_cache_off = true),
            true,
        ),
        (
            "  client has a certificate (not asked for)",
            p,
            knob(|k| k.client_cert = true),
            true,
        ),
        (
            "  RELEASE_BUFFERS cleared on both contexts",
            p,
            knob(|k| k.keep_buffers = true),
            false,
        ),
        (
            "  client store holds only ca.pem (no system CA paths)",
            p,
            knob(|k| k.own_store = true),
            false,
        ),
        ("TLS1.2 ECDSA, full handshake", tls12, d, true),
        ("TLS1.3 RSA-2048, full handshake", rsa, d, true),
    ];
    for (label, proto, k, with_ss) in variants {
        let run = |imp: Imp| {
            let (s, c) = make_pair(imp, proto, k);
            FREE_BUFFERS.with(|f| f.set(k.free_buffers));
            let o = mem_round(n, s, c);
            FREE_BUFFERS.with(|f| f.set(false));
            o
        };
        let a = with_ss.then(|| run(Imp::Ss));
        let b = run(Imp::Plain);
        let resumed = if k.client_resume {
            format!(" ({}/{n} resumed)", b.resumed)
        } else {
            String::new()
        };
        type Side = (String, fn(&MemOut) -> f64);
        let sides: [Side; 4] = [
            (format!("both ends{resumed}"), |o| o.heap_both),
            ("client end".into(), |o| o.heap_client),
            ("server end".into(), |o| o.heap_server),
            ("both ends, RSS".into(), |o| o.rss_both),
        ];
        for (side, f) in sides {
            row(format!("{label}: {side}"), a.map(|o| f(&o)), Some(f(&b)));
        }
    }
    let tcp = mem_round(n, Server::Tcp, Client::Tcp);
    row(
        "plain TCP connection pair, no TLS: both ends".into(),
        None,
        Some(tcp.heap_both),
    );

    // The pieces.
    let ss_c = ss_client(p, d);
    let ss_s = ss_server(p, d);
    let pl_c = plain_connector(p, d);
    let pl_s = plain_acceptor(p, d);
    let bare = |ctx: &SslContextRef| heap_per(n, || Ssl::new(ctx).expect("SSL_new"));
    row(
        "SSL_new on the client context (bare SSL object)".into(),
        Some(bare(ss_c.context())),
        Some(bare(pl_c.context())),
    );
    row(
        "SSL_new on the server context (bare SSL object)".into(),
        Some(bare(ss_s.context())),
        Some(bare(pl_s.context())),
    );
    row(
        "SSL_new + SslStream::new (adds the Rust BIO and its method)".into(),
        None,
        Some(heap_per(n, || {
            let ssl = Ssl::new(pl_c.context()).expect("SSL_new");
            SslStream::new(ssl, io::Cursor::new(Vec::<u8>::new())).expect("SslStream")
        })),
    );
    let dir = p.key.dir();
    let pem = |f: &str| std::fs::read(dir.join(f)).expect("certificate file");
    for (what, file) in [
        ("server leaf", "server.pem"),
        ("intermediate", "intermediate.pem"),
    ] {
        let bytes = pem(file);
        row(
            format!("X509 {what}: decoded"),
            None,
            Some(heap_per(n, || X509::from_pem(&bytes).unwrap())),
        );
        row(
            format!("X509 {what}: decoded, extensions cached, public key decoded"),
            None,
            Some(heap_per(n, || {
                let x = X509::from_pem(&bytes).unwrap();
                let _ = x.subject_key_id();
                drop(x.public_key());
                x
            })),
        );
    }
    // A client session as the plain client holds it after the reply.
    let (server, mut client) = make_pair(
        Imp::Plain,
        p,
        Knobs {
            client_resume: true,
            ..d
        },
    );
    let (listener, addr) = listen();
    let h = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let mut c = server.accept(tcp);
        let mut b = [0u8; 1];
        c.read_exact(&mut b).unwrap();
        c.write_all(&b).unwrap();
        c.close();
    });
    let mut c = client.connect(&addr);
    let mut b = [0u8; 1];
    c.write_all(b"s").unwrap();
    c.read_exact(&mut b).unwrap();
    let der = c
        .ssl()
        .and_then(|s| s.session())
        .map(|s| s.to_der().unwrap())
        .unwrap();
    c.close();
    h.join().unwrap();
    row(
        format!(
            "SSL_SESSION with ticket and server leaf, decoded from {} DER bytes",
            der.len()
        ),
        None,
        Some(heap_per(n, || SslSession::from_der(&der).unwrap())),
    );
    println!(
        "  Rust structs, not on the heap: size_of SslSocket {} B, SslStream<TcpStream> {} B",
        std::mem::size_of::<SslSocket>(),
        std::mem::size_of::<SslStream<TcpStream>>()
    );
    rows
}
