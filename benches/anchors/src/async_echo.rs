//! The async echo figure: 64-byte echo round trips over loopback with
//! TCP_NODELAY at both ends, as the blocking one, on the async faces:
//! sslsocket::tokio, tokio-rustls, plain tokio TCP. Client and server each
//! run a current-thread tokio runtime on a thread of their own (so
//! getrusage counts both ends), a fresh connection per measurement.

use std::thread;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::blocking::ECHO_SIZE;
use crate::idle::{runtime, Tls};
use crate::setup;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Stack {
    Ours,
    TokioRustls,
    Tcp,
}

impl Stack {
    pub(crate) const ALL: [Stack; 3] = [Stack::Ours, Stack::TokioRustls, Stack::Tcp];
}

async fn accept(stack: Stack, listener: std::net::TcpListener) -> Box<dyn Tls> {
    listener.set_nonblocking(true).unwrap();
    let listener = TcpListener::from_std(listener).unwrap();
    let (tcp, _) = listener.accept().await.expect("accept");
    tcp.set_nodelay(true).unwrap();
    match stack {
        Stack::Ours => Box::new(
            sslsocket::tokio::SslSocket::accept(&setup::ours_server(), tcp)
                .await
                .expect("sslsocket accept"),
        ),
        Stack::TokioRustls => Box::new(
            tokio_rustls::TlsAcceptor::from(setup::rustls_server())
                .accept(tcp)
                .await
                .expect("tokio-rustls accept"),
        ),
        Stack::Tcp => Box::new(tcp),
    }
}

async fn connect(stack: Stack, port: u16) -> Box<dyn Tls> {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    tcp.set_nodelay(true).unwrap();
    match stack {
        Stack::Ours => {
            let mut s = sslsocket::tokio::SslSocket::new_client(
                &setup::ours_client(),
                tcp,
                Some("localhost"),
            )
            .expect("sslsocket client");
            s.handshake().await.expect("sslsocket connect");
            Box::new(s)
        }
        Stack::TokioRustls => Box::new(
            tokio_rustls::TlsConnector::from(setup::rustls_client())
                .connect(setup::server_name(), tcp)
                .await
                .expect("tokio-rustls connect"),
        ),
        Stack::Tcp => Box::new(tcp),
    }
}

async fn echo_server(mut s: Box<dyn Tls>) {
    let mut buf = [0u8; ECHO_SIZE];
    while s.read_exact(&mut buf).await.is_ok() {
        s.write_all(&buf).await.unwrap();
        s.flush().await.unwrap();
    }
}

async fn round_trips(c: &mut Box<dyn Tls>, n: usize) {
    let mut buf = [7u8; ECHO_SIZE];
    for _ in 0..n {
        c.write_all(&buf).await.unwrap();
        c.flush().await.unwrap();
        c.read_exact(&mut buf).await.unwrap();
    }
}

/// `n` 64-byte echo round trips after a warm-up (the handshake and the
/// tickets included): (µs of CPU per round trip, both ends; round trips/s).
pub(crate) fn echo(stack: Stack, n: usize) -> (f64, f64) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    let server = thread::spawn(move || {
        runtime().block_on(async move { echo_server(accept(stack, listener).await).await })
    });
    runtime().block_on(async move {
        let mut c = connect(stack, port).await;
        round_trips(&mut c, 200).await;
        let (cpu, wall) = (crate::process::cpu_time(), Instant::now());
        round_trips(&mut c, n).await;
        let (cpu, wall) = (crate::process::cpu_time() - cpu, wall.elapsed());
        drop(c);
        server.join().expect("the echo server");
        (
            cpu.as_secs_f64() * 1e6 / n as f64,
            n as f64 / wall.as_secs_f64(),
        )
    })
}
