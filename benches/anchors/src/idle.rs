//! Idle connections on the async faces: `n` TLS 1.3 connections open at
//! once, each having shaken hands and exchanged one byte each way (so the
//! client has read its tickets), then left waiting in a read. The server
//! runs in a child process (this program with `idle-server IMP`), so that
//! each end's heap is measured in a process of its own; both run a
//! current-thread tokio runtime.

use std::io::{BufRead, BufReader, Write};
use std::pin::Pin;
use std::process::{Child, ChildStdout, Command, Stdio};

use openssl::ssl::{Ssl, SslAcceptor, SslConnector, SslFiletype, SslMethod, SslVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::setup::{self, cert, SUITE};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Imp {
    Ours,
    TokioOpenssl,
    TokioRustls,
}

impl Imp {
    pub(crate) const ALL: [Imp; 3] = [Imp::Ours, Imp::TokioOpenssl, Imp::TokioRustls];

    fn arg(self) -> &'static str {
        match self {
            Imp::Ours => "sslsocket",
            Imp::TokioOpenssl => "tokio-openssl",
            Imp::TokioRustls => "tokio-rustls",
        }
    }
}

pub(crate) trait Tls: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Tls for T {}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn openssl_acceptor() -> SslAcceptor {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("acceptor");
    b.set_private_key_file(cert("server.key"), SslFiletype::PEM)
        .expect("server key");
    b.set_certificate_chain_file(cert("server-chain.pem"))
        .expect("server chain");
    b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    b.set_ciphersuites(SUITE).unwrap();
    b.build()
}

fn openssl_connector() -> SslConnector {
    let mut b = SslConnector::builder(SslMethod::tls()).expect("connector");
    b.set_ca_file(cert("ca.pem")).expect("ca.pem");
    b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    b.set_ciphersuites(SUITE).unwrap();
    b.build()
}

/// The plain `openssl` crate's server context, as the idle figure's.
pub(crate) fn openssl_acceptor_ctx() -> openssl::ssl::SslContext {
    openssl_acceptor().into_context()
}

/// The plain `openssl` crate's client, as the idle figure's.
pub(crate) fn openssl_connector_ctx() -> SslConnector {
    openssl_connector()
}

/// The child: serves `imp` on a free port (printed as `port N`) for up to
/// `n` connections, and answers each line on its stdin with `heap BYTES`.
pub(crate) fn serve(imp: &str, n: usize) {
    crate::process::raise_nofile(n as u64 + 100);
    std::thread::spawn(|| {
        for _ in std::io::stdin().lines().map_while(Result::ok) {
            println!("heap {}", crate::process::heap());
        }
        std::process::exit(0);
    });
    let imp = Imp::ALL
        .into_iter()
        .find(|i| i.arg() == imp)
        .unwrap_or_else(|| panic!("no implementation {imp}"));
    runtime().block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("port {}", listener.local_addr().unwrap().port());
        let (ours, openssl, rustls) = (
            setup::ours_server(),
            openssl_acceptor(),
            tokio_rustls::TlsAcceptor::from(setup::rustls_server()),
        );
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let (ours, openssl, rustls) = (ours.clone(), openssl.clone(), rustls.clone());
            tokio::spawn(async move {
                let tls: Box<dyn Tls> = match imp {
                    Imp::Ours => match sslsocket::tokio::SslSocket::accept(&ours, tcp).await {
                        Ok(tls) => Box::new(tls),
                        Err(_) => return,
                    },
                    Imp::TokioOpenssl => {
                        let ssl = Ssl::new(openssl.context()).unwrap();
                        let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
                        if Pin::new(&mut tls).accept().await.is_err() {
                            return;
                        }
                        Box::new(tls)
                    }
                    Imp::TokioRustls => match rustls.accept(tcp).await {
                        Ok(tls) => Box::new(tls),
                        Err(_) => return,
                    },
                };
                echo_bytes(tls).await;
            });
        }
    });
}

/// Echoes byte by byte until the peer closes.
async fn echo_bytes(mut tls: Box<dyn Tls>) {
    let mut b = [0u8; 1];
    while tls.read(&mut b).await.is_ok_and(|n| n > 0) {
        if tls.write_all(&b).await.is_err() || tls.flush().await.is_err() {
            return;
        }
    }
}

struct ServerProcess {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl ServerProcess {
    fn start(imp: Imp, n: usize) -> (ServerProcess, u16) {
        let mut child = Command::new(std::env::current_exe().expect("this program"))
            .args(["idle-server", imp.arg(), &n.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the idle server");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let port = Self::field(&mut out, "port") as u16;
        (ServerProcess { child, out }, port)
    }

    fn field(out: &mut BufReader<ChildStdout>, name: &str) -> f64 {
        // Skipping what else it prints (the open-files limit).
        let mut line = String::new();
        loop {
            line.clear();
            let read = out.read_line(&mut line).expect("the idle server's output");
            assert!(read > 0, "the idle server ended before printing {name}");
            if let Some(v) = line.strip_prefix(name) {
                return v.trim().parse().expect("a number");
            }
        }
    }

    fn heap(&mut self) -> f64 {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(b"heap\n").unwrap();
        stdin.flush().unwrap();
        Self::field(&mut self.out, "heap")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The client configurations, made once per measurement and shared by
/// its connections, as a program would.
struct Clients {
    ours: sslsocket::SslConfig,
    openssl: SslConnector,
    rustls: tokio_rustls::TlsConnector,
}

async fn connect(clients: &Clients, imp: Imp, port: u16) -> Box<dyn Tls> {
    let addr = format!("localhost:{port}");
    let tcp = || async {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        tcp
    };
    match imp {
        Imp::Ours => {
            let tls = sslsocket::tokio::SslSocket::connect(&clients.ours, &addr)
                .await
                .expect("sslsocket connect");
            tls.get_ref().set_nodelay(true).unwrap();
            Box::new(tls)
        }
        Imp::TokioOpenssl => {
            let ssl = clients
                .openssl
                .configure()
                .unwrap()
                .into_ssl("localhost")
                .unwrap();
            let mut tls = tokio_openssl::SslStream::new(ssl, tcp().await).unwrap();
            Pin::new(&mut tls)
                .connect()
                .await
                .expect("tokio-openssl connect");
            Box::new(tls)
        }
        Imp::TokioRustls => {
            let tls = clients
                .rustls
                .connect(setup::server_name(), tcp().await)
                .await
                .expect("tokio-rustls connect");
            Box::new(tls)
        }
    }
}

/// One byte each way: the client has read its tickets, the server waits.
async fn exchange(tls: &mut Box<dyn Tls>) {
    tls.write_all(b"I").await.unwrap();
    tls.flush().await.unwrap();
    let mut b = [0u8; 1];
    tls.read_exact(&mut b).await.unwrap();
}

/// KiB of heap per idle connection: (server, client), `n` open at once.
pub(crate) fn idle(imp: Imp, n: usize) -> (f64, f64) {
    crate::process::raise_nofile(n as u64 + 100);
    let (mut server, port) = ServerProcess::start(imp, n);
    let clients = Clients {
        ours: setup::ours_client(),
        openssl: openssl_connector(),
        rustls: tokio_rustls::TlsConnector::from(setup::rustls_client()),
    };
    runtime().block_on(async {
        // The runtimes' and the libraries' one-time allocations first.
        let mut warm = connect(&clients, imp, port).await;
        exchange(&mut warm).await;
        drop(warm);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let server_before = server.heap();
        let before = crate::process::heap() as f64;
        let mut open = Vec::with_capacity(n);
        for _ in 0..n {
            let mut tls = connect(&clients, imp, port).await;
            exchange(&mut tls).await;
            open.push(tls);
        }
        let client = (crate::process::heap() as f64 - before) / n as f64 / 1024.0;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let server = (server.heap() - server_before) / n as f64 / 1024.0;
        drop(open);
        (server, client)
    })
}
