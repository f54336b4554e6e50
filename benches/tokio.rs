//! `cargo bench --features tokio --bench tokio`: `sslsocket::tokio` against
//! `tokio-openssl`, the same OpenSSL through the openssl crate's stream.
//!
//! Server and client each run a current-thread tokio runtime on a thread of
//! their own, over loopback, with the same certificates, TLS 1.3 and one
//! suite on both implementations; both clients verify the chain and the
//! host name against the one test CA; TCP_NODELAY is on at both ends of
//! every connection (as in `benches/compare`'s echo: the echo's first
//! message follows a one-byte one, which Nagle would hold for a delayed ACK). Every figure is measured round by
//! round, the two implementations back to back in each round (which goes
//! first alternates), and reported as the median of the rounds and the
//! median of the rounds' ratios sslsocket / tokio-openssl (for memory,
//! tokio-openssl / sslsocket, so that above 1 is better in every row).
//!
//! Flags: `--quick` (or `SSLSOCKET_BENCH_QUICK=1`; three short rounds: judges nothing, still asserts that
//! resumed handshakes resumed), `--rounds N`, `--only ID` (the figures whose
//! id, printed in brackets, contains ID), `--imp sslsocket|tokio-openssl`
//! (one implementation only, for profilers), `--no-handshake-timeout` (our
//! server without its default handshake deadline).

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/common/pki.rs"]
mod pki;
#[path = "../tests/common/process.rs"]
mod process;
// The configurations: the compare bench's, TLS 1.3 ECDSA, the reference
// client trusting the test CA alone.
#[allow(dead_code)]
#[path = "compare/setup.rs"]
mod setup;

use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use openssl::ssl::{Ssl, SslConnector, SslSession};
use sslsocket::SslConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use setup::{Imp, Knobs, Proto, BULK_CHUNK, ECHO_SIZE};

/// A TLS stream of either implementation, after its handshake.
trait Tls: AsyncRead + AsyncWrite + Unpin + Send {
    fn ssl(&self) -> &openssl::ssl::SslRef;
}

impl Tls for sslsocket::tokio::SslSocket {
    fn ssl(&self) -> &openssl::ssl::SslRef {
        sslsocket::tokio::SslSocket::ssl(self)
    }
}

impl Tls for tokio_openssl::SslStream<TcpStream> {
    fn ssl(&self) -> &openssl::ssl::SslRef {
        tokio_openssl::SslStream::ssl(self)
    }
}

type Conn = Box<dyn Tls>;

/// `--no-handshake-timeout`: the server without its default 30 s handshake
/// deadline (whose tokio timer costs one wake-up of the runtime per
/// handshake), to see what the deadline costs.
static NO_HANDSHAKE_TIMEOUT: OnceLock<bool> = OnceLock::new();

/// TLS 1.3 ECDSA; `client_resume` for the client, `own_store` for the
/// reference client.
fn knobs(client_resume: bool) -> Knobs {
    Knobs {
        client_resume,
        own_store: true,
        no_handshake_timeout: NO_HANDSHAKE_TIMEOUT.get().copied().unwrap_or(false),
        ..Knobs::default()
    }
}

/// What the server does with a connection, chosen by its first byte.
async fn serve(mut tls: Conn) {
    let mut what = [0u8; 1];
    if tls.read_exact(&mut what).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    match what[0] {
        // Echo until the client closes.
        b'E' => loop {
            match tls.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tls.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        },
        // Take everything, then say so.
        b'S' => {
            while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {}
            let _ = tls.write_all(b"K").await;
        }
        // Idle until the client closes.
        _ => while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {},
    }
    let _ = tls.shutdown().await;
}

/// Starts a server of `imp` on its own thread; returns its port.
fn start_server(imp: Imp) -> u16 {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            match imp {
                Imp::Ss => {
                    let config = setup::ss_server(Proto::TLS13_ECDSA, knobs(false));
                    let listener = sslsocket::tokio::SslListener::bind("127.0.0.1:0", &config)
                        .await
                        .unwrap();
                    tx.send(listener.local_addr().unwrap().port()).unwrap();
                    loop {
                        let (mut tls, _) = listener.accept().await.unwrap();
                        tls.get_ref().set_nodelay(true).unwrap();
                        tokio::spawn(async move {
                            if tls.handshake().await.is_ok() {
                                serve(Box::new(tls)).await;
                            }
                        });
                    }
                }
                Imp::Plain => {
                    let acceptor = setup::plain_acceptor(Proto::TLS13_ECDSA, knobs(false));
                    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                    tx.send(listener.local_addr().unwrap().port()).unwrap();
                    loop {
                        let (tcp, _) = listener.accept().await.unwrap();
                        tcp.set_nodelay(true).unwrap();
                        let ssl = Ssl::new(acceptor.context()).unwrap();
                        tokio::spawn(async move {
                            let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
                            if Pin::new(&mut tls).accept().await.is_ok() {
                                serve(Box::new(tls)).await;
                            }
                        });
                    }
                }
            }
        })
    });
    rx.recv().expect("the server's port")
}

/// A client of one implementation, keeping what resumption needs.
struct Client {
    imp: Imp,
    port: u16,
    ours: SslConfig,
    reference: SslConnector,
    session: Option<SslSession>,
    resume: bool,
}

impl Client {
    fn new(imp: Imp, port: u16, resume: bool) -> Client {
        Client {
            imp,
            port,
            ours: setup::ss_client(Proto::TLS13_ECDSA, knobs(resume)),
            reference: setup::plain_connector(Proto::TLS13_ECDSA, knobs(resume)),
            session: None,
            resume,
        }
    }

    async fn connect(&mut self) -> Conn {
        let addr = format!("localhost:{}", self.port);
        match self.imp {
            Imp::Ss => {
                let tls = sslsocket::tokio::SslSocket::connect(&self.ours, &addr)
                    .await
                    .expect("sslsocket connect");
                tls.get_ref().set_nodelay(true).unwrap();
                Box::new(tls)
            }
            Imp::Plain => {
                let tcp = TcpStream::connect(&addr).await.unwrap();
                tcp.set_nodelay(true).unwrap();
                let mut ssl = self
                    .reference
                    .configure()
                    .unwrap()
                    .into_ssl("localhost")
                    .unwrap();
                if let Some(s) = self.session.as_ref().filter(|_| self.resume) {
                    // SAFETY: the session came from a connection of this
                    // same connector's context.
                    unsafe { ssl.set_session(s).unwrap() };
                }
                let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
                Pin::new(&mut tls)
                    .connect()
                    .await
                    .expect("tokio-openssl connect");
                Box::new(tls)
            }
        }
    }

    /// A handshake, its tickets read, and a clean close: whether it resumed.
    async fn handshake(&mut self) -> bool {
        let mut tls = self.connect().await;
        tls.write_all(b"H").await.unwrap();
        tls.shutdown().await.unwrap();
        let mut rest = Vec::new();
        let _ = tls.read_to_end(&mut rest).await;
        if self.resume {
            self.session = tls.ssl().session().map(|s| s.to_owned());
        }
        tls.ssl().session_reused()
    }
}

/// Runs `f` on a fresh current-thread runtime.
fn block_on<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Handshakes per second over `n` connections, one after the other; every
/// one resumed when `resume` (asserted), none otherwise.
fn handshakes(imp: Imp, port: u16, resume: bool, n: usize) -> f64 {
    block_on(async {
        let mut client = Client::new(imp, port, resume);
        if resume {
            client.handshake().await;
        }
        let started = Instant::now();
        for i in 0..n {
            let resumed = client.handshake().await;
            assert_eq!(resumed, resume, "{imp:?} handshake {i}");
        }
        n as f64 / started.elapsed().as_secs_f64()
    })
}

/// MB/s of `total` bytes written in 16 KiB chunks, until the server has them all.
fn bulk(imp: Imp, port: u16, total: usize) -> f64 {
    block_on(async {
        let mut tls = Client::new(imp, port, false).connect().await;
        tls.write_all(b"S").await.unwrap();
        let chunk = vec![0x5au8; BULK_CHUNK];
        let started = Instant::now();
        for _ in 0..total / BULK_CHUNK {
            tls.write_all(&chunk).await.unwrap();
        }
        tls.shutdown().await.unwrap();
        let mut ack = Vec::new();
        tls.read_to_end(&mut ack).await.unwrap();
        assert_eq!(ack, b"K");
        total as f64 / started.elapsed().as_secs_f64() / 1e6
    })
}

/// 64-byte round trips per second over one connection.
fn echo(imp: Imp, port: u16, n: usize) -> f64 {
    block_on(async {
        let mut tls = Client::new(imp, port, false).connect().await;
        tls.write_all(b"E").await.unwrap();
        let msg = [7u8; ECHO_SIZE];
        let mut back = [0u8; ECHO_SIZE];
        let started = Instant::now();
        for _ in 0..n {
            tls.write_all(&msg).await.unwrap();
            tls.read_exact(&mut back).await.unwrap();
        }
        let rate = n as f64 / started.elapsed().as_secs_f64();
        tls.shutdown().await.unwrap();
        rate
    })
}

/// Bytes the allocator has handed out and not had back.
fn heap() -> f64 {
    process::heap() as f64
}

/// KiB of heap per idle connection, both ends (the server in this process
/// too), over `n` connections that have shaken hands and read their tickets.
fn memory(imp: Imp, port: u16, n: usize) -> f64 {
    block_on(async {
        let mut client = Client::new(imp, port, false);
        let before = heap();
        let mut open = Vec::with_capacity(n);
        for _ in 0..n {
            let mut tls = client.connect().await;
            tls.write_all(b"I").await.unwrap();
            tls.flush().await.unwrap();
            open.push(tls);
        }
        // Let the server's tasks reach their idle read.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let per = (heap() - before) / n as f64 / 1024.0;
        drop(open);
        tokio::time::sleep(Duration::from_millis(100)).await;
        per
    })
}

struct Figure {
    id: &'static str,
    what: &'static str,
    unit: &'static str,
    lower_is_better: bool,
    ours: Vec<f64>,
    reference: Vec<f64>,
}

impl Figure {
    /// The median of the rounds' ratios (each round's pair ran back to back).
    fn ratio(&self) -> f64 {
        let pairs = self.ours.iter().zip(&self.reference);
        common::median(
            &pairs
                .map(|(o, r)| if self.lower_is_better { r / o } else { o / r })
                .collect::<Vec<_>>(),
        )
    }

    fn print(&self) {
        let range = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{lo:.1}..{hi:.1}")
        };
        println!(
            "[{}] {} ({}): sslsocket::tokio {:.1} ({}), tokio-openssl {:.1} ({}), ratio {:.3}",
            self.id,
            self.what,
            self.unit,
            common::median(&self.ours),
            range(&self.ours),
            common::median(&self.reference),
            range(&self.reference),
            self.ratio()
        );
    }
}

fn main() {
    let flags = common::Flags::parse((3, 21));
    let (quick, rounds) = (flags.quick, flags.rounds);
    let _ = NO_HANDSHAKE_TIMEOUT.set(flags.has("--no-handshake-timeout"));
    let imp_only = flags.imp.as_deref().map(|v| match v {
        "sslsocket" => Imp::Ss,
        "tokio-openssl" => Imp::Plain,
        other => panic!("--imp takes sslsocket or tokio-openssl, not {other}"),
    });
    let (hs, bulk_total, echoes, conns) = if quick {
        (10, 2 << 20, 100, 20)
    } else {
        (150, 32 << 20, 3000, 200)
    };
    let ports = [
        (Imp::Ss, start_server(Imp::Ss)),
        (Imp::Plain, start_server(Imp::Plain)),
    ];
    let mut figures = [
        ("hs_full", "full handshakes", "per s", false),
        ("hs_resumed", "resumed handshakes", "per s", false),
        ("bulk", "bulk transfer", "MB/s", false),
        ("echo", "64-byte echo round trips", "per s", false),
        ("memory", "heap per idle connection, both ends", "KiB", true),
    ]
    .map(|(id, what, unit, lower_is_better)| Figure {
        id,
        what,
        unit,
        lower_is_better,
        ours: Vec::new(),
        reference: Vec::new(),
    });
    println!(
        "sslsocket::tokio against tokio-openssl, {rounds} rounds, interleaved{}",
        if quick {
            " (quick: judges nothing)"
        } else {
            ""
        }
    );
    // Figure by figure, the two implementations one right after the other
    // in every round (which goes first alternates), so that each round's
    // pair sees the same machine.
    for f in figures.iter_mut() {
        if !flags.selected(f.id) {
            continue;
        }
        for round in 0..rounds {
            let order = if round % 2 == 0 {
                ports
            } else {
                [ports[1], ports[0]]
            };
            for (imp, port) in order {
                if imp_only.is_some_and(|i| i != imp) {
                    continue;
                }
                let v = match f.id {
                    "hs_full" => handshakes(imp, port, false, hs),
                    "hs_resumed" => handshakes(imp, port, true, hs),
                    "bulk" => bulk(imp, port, bulk_total),
                    "echo" => echo(imp, port, echoes),
                    _ => memory(imp, port, conns),
                };
                match imp {
                    Imp::Ss => f.ours.push(v),
                    Imp::Plain => f.reference.push(v),
                }
            }
        }
    }
    for f in &figures {
        match (f.ours.is_empty(), f.reference.is_empty()) {
            (false, false) => f.print(),
            (true, true) => {}
            _ => println!(
                "[{}] {} ({}): {:.1}",
                f.id,
                f.what,
                f.unit,
                common::median(&[f.ours.clone(), f.reference.clone()].concat())
            ),
        }
    }
}
