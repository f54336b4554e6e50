//! An async echo server on `sslsocket::tokio`: every connection in a task
//! of its own, the client-certificate verify mode from the command line,
//! and one JSON event per line on stdout.
//!
//! It prints `{"event":"listening","addr":…}` once bound, then for each
//! connection a `handshake` event (failures included: the server keeps
//! serving) and a `closed` event with the bytes echoed. `--once` exits
//! after the first connection.
//!
//! Usage: cargo run --features tokio --example tokio_echo -- [--accept ADDR:PORT]
//! [--cert F --key F] [--ca-file F] [--verify-mode N] [--once]
//!
//! ```text
//! cargo run --features tokio --example tokio_echo -- --verify-mode 3
//! openssl s_client -connect 127.0.0.1:PORT -CAfile certs/ca.pem \
//!     -cert certs/client.pem -key certs/client.key
//! ```

#[path = "common/mod.rs"]
#[allow(dead_code)] // the line splitting is for s_server and s_client
mod common;

use std::net::SocketAddr;

use common::{Args, Event};
use sslsocket::tokio::{SslListener, SslSocket};
use sslsocket::{SslConfig, VerifyMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const USAGE: &str = "\
usage: tokio_echo [--accept ADDR:PORT] [--cert F --key F] [--ca-file F] [--verify-mode N] [--once]

  --accept ADDR:PORT    address to listen on (default 127.0.0.1:0: a free port, printed first)
  --cert F --key F      server certificate chain and key (default certs/server-chain.pem,
                        certs/server.key)
  --ca-file F           trust client certificates that chain to the CAs in F
                        (default certs/ca.pem)
  --verify-mode N       OpenSSL's SSL_VERIFY_* integer or names (default 0): 1 asks for a
                        client certificate, 3 requires one, 9 asks after the handshake
  --once                exit after the first connection";

struct Options {
    accept: String,
    cert: String,
    key: String,
    ca_file: String,
    verify_mode: VerifyMode,
    once: bool,
}

fn parse_args() -> Options {
    let mut args = Args::new(USAGE);
    let mut o = Options {
        accept: "127.0.0.1:0".into(),
        cert: "certs/server-chain.pem".into(),
        key: "certs/server.key".into(),
        ca_file: "certs/ca.pem".into(),
        verify_mode: VerifyMode::NONE,
        once: false,
    };
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--accept" => o.accept = args.value(&flag),
            "--cert" => o.cert = args.value(&flag),
            "--key" => o.key = args.value(&flag),
            "--ca-file" => o.ca_file = args.value(&flag),
            "--verify-mode" => {
                let v = args.value(&flag);
                o.verify_mode = v
                    .parse()
                    .unwrap_or_else(|e| args.error(&format!("--verify-mode {v}: {e}")));
            }
            "--once" => o.once = true,
            other => args.error(&format!("unknown argument {other}")),
        }
    }
    o
}

/// Handshakes, reports, and echoes until the client closes.
async fn serve(mut tls: SslSocket, conn: u64, peer: SocketAddr, mode: VerifyMode) {
    let event = || {
        Event::new("handshake")
            .raw("conn", conn)
            .str("peer", &peer.to_string())
    };
    if let Err(e) = tls.handshake().await {
        common::handshake_failed(event(), mode, &e).emit();
        return;
    }
    common::handshake_ok!(event(), &tls).emit();
    let mut buf = vec![0u8; 16 * 1024];
    let mut echoed = 0u64;
    let end = loop {
        match tls.read(&mut buf).await {
            Ok(0) => break None,
            Ok(n) => {
                if let Err(e) = tls.write_all(&buf[..n]).await {
                    break Some(e);
                }
                echoed += n as u64;
            }
            Err(e) => break Some(e),
        }
    };
    let _ = tls.shutdown().await;
    let closed = Event::new("closed").raw("conn", conn).raw("bytes", echoed);
    match end {
        None => closed.raw("error", "null").emit(),
        Some(e) => closed.str("error", &e.to_string()).emit(),
    }
}

#[tokio::main]
async fn main() {
    let o = parse_args();
    let mut b = SslConfig::server();
    b.set_certificate_file(&o.cert)
        .set_private_key_file(&o.key)
        .set_ca_file(&o.ca_file);
    let config = b
        .set_verify_mode(o.verify_mode)
        .and_then(|b| b.build())
        .unwrap_or_else(|e| common::fatal("tokio_echo", &e));
    let listener = SslListener::bind(o.accept.as_str(), &config)
        .await
        .unwrap_or_else(|e| common::fatal("tokio_echo", &e));
    let addr = listener.local_addr().expect("local address");
    Event::new("listening")
        .str("addr", &addr.to_string())
        .emit();
    let mut conn = 0;
    loop {
        let (tls, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                Event::new("error").str("error", &e.to_string()).emit();
                continue;
            }
        };
        conn += 1;
        let task = tokio::spawn(serve(tls, conn, peer, o.verify_mode));
        if o.once {
            let _ = task.await;
            return;
        }
    }
}
