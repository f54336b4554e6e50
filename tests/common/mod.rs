//! A tiny loopback test harness, modelled on rust-openssl's `ssl/test/server.rs`:
//! certificate paths, client and server configuration builders with short
//! timeouts, and a one-connection server on a thread that hands back the
//! handshake result and what the server saw of its peer.
//!
//! Every socket made here has read, write and handshake timeouts of a few
//! seconds, so a bug fails a test instead of hanging it.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use sslsocket::{
    Error, PeerVerification, SslConfig, SslConfigBuilder, SslListener, SslSocket, VerifyFailure,
    VerifyMode, VerifyResult,
};

pub(crate) mod forge;

/// The generous limit every blocking step gets.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(5);

/// `certs/<name>` (e.g. `"server-chain.pem"`, `"rsa/ca.pem"`), from the crate root.
pub(crate) fn cert(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("certs")
        .join(name)
}

/// The bytes of `certs/<name>`.
pub(crate) fn cert_bytes(name: &str) -> Vec<u8> {
    std::fs::read(cert(name)).unwrap_or_else(|e| panic!("reading certs/{name}: {e:?}"))
}

/// Gives a builder this crate's test timeouts on every step.
pub(crate) fn with_timeouts(b: &mut SslConfigBuilder) -> &mut SslConfigBuilder {
    b.set_connect_timeout(Some(TIMEOUT))
        .set_handshake_timeout(Some(TIMEOUT))
        .set_read_timeout(Some(TIMEOUT))
        .set_write_timeout(Some(TIMEOUT))
}

/// A server builder with `certs/<chain>` and `certs/<key>`, trusting `certs/ca.pem`
/// for client certificates. The verify mode is left at its default (`NONE`).
pub(crate) fn server_builder(chain: &str, key: &str) -> SslConfigBuilder {
    let mut b = SslConfig::server();
    b.set_certificate_file(cert(chain))
        .set_private_key_file(cert(key))
        .set_ca_file(cert("ca.pem"));
    with_timeouts(&mut b);
    b
}

/// The usual server: `server-chain.pem` (leaf + intermediate), `server.key`.
pub(crate) fn default_server() -> SslConfigBuilder {
    server_builder("server-chain.pem", "server.key")
}

/// A client builder trusting `certs/ca.pem` only, mode left at its default (`PEER`).
pub(crate) fn client_builder() -> SslConfigBuilder {
    let mut b = SslConfig::client();
    b.set_ca_file(cert("ca.pem")).set_use_system_ca(false);
    with_timeouts(&mut b);
    b
}

/// A client builder with a certificate: `certs/<pem>` and `certs/<key>`.
pub(crate) fn client_with_cert(pem: &str, key: &str) -> SslConfigBuilder {
    let mut b = client_builder();
    b.set_certificate_file(cert(pem))
        .set_private_key_file(cert(key));
    b
}

/// Builds, panicking with the whole error on failure.
pub(crate) fn build(b: &SslConfigBuilder) -> SslConfig {
    b.build()
        .unwrap_or_else(|e| panic!("building {b:?}: {e:?}"))
}

/// What one end saw of its peer right after the handshake.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) version: &'static str,
    pub(crate) verify_mode: VerifyMode,
    pub(crate) verify_result: VerifyResult,
    pub(crate) peer_verification: PeerVerification,
    pub(crate) peer_subject: Option<String>,
    pub(crate) verify_failure: Option<VerifyFailure>,
    pub(crate) peer_chain_len: usize,
}

impl Seen {
    pub(crate) fn of(sock: &SslSocket) -> Seen {
        Seen {
            version: sock.version(),
            verify_mode: sock.get_verify_mode(),
            verify_result: sock.verify_result(),
            peer_verification: sock.peer_verification(),
            peer_subject: sock.peer_subject(),
            verify_failure: sock.verify_failure(),
            peer_chain_len: sock.peer_cert_chain().len(),
        }
    }
}

/// What the server thread hands back: the handshake error, or what it saw
/// plus the closure's result.
pub(crate) type Outcome<T> = Result<(Seen, T), Error>;

/// A server on its own thread that accepts exactly one connection, performs
/// the handshake with [`SslListener::accept`], records [`Seen`], then runs a
/// closure on the socket. Joined by [`join`](Self::join), or in `Drop` unless
/// the test is already panicking.
pub(crate) struct Server<T: Send + 'static> {
    addr: SocketAddr,
    handle: Option<JoinHandle<Outcome<T>>>,
}

impl<T: Send + 'static> Server<T> {
    /// Binds `127.0.0.1:0` and serves one connection.
    pub(crate) fn start<F>(config: &SslConfig, f: F) -> Server<T>
    where
        F: FnOnce(&mut SslSocket) -> T + Send + 'static,
    {
        let listener = SslListener::bind("127.0.0.1:0", config)
            .unwrap_or_else(|e| panic!("binding 127.0.0.1:0: {e:?}"));
        Server::serve(listener, f)
    }

    /// Serves one connection on a listener bound by the caller (e.g. on `[::1]:0`).
    pub(crate) fn serve<F>(listener: SslListener, f: F) -> Server<T>
    where
        F: FnOnce(&mut SslSocket) -> T + Send + 'static,
    {
        let addr = listener.local_addr().expect("local_addr");
        let handle = thread::spawn(move || {
            let (mut sock, _) = listener.accept()?;
            let seen = Seen::of(&sock);
            let out = f(&mut sock);
            Ok((seen, out))
        });
        Server {
            addr,
            handle: Some(handle),
        }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `localhost:PORT`: the name `server.pem` is issued for.
    pub(crate) fn localhost(&self) -> String {
        format!("localhost:{}", self.port())
    }

    /// `127.0.0.1:PORT` or `[::1]:PORT`.
    pub(crate) fn ip(&self) -> String {
        self.addr.to_string()
    }

    /// Waits for the server thread and returns what it saw.
    pub(crate) fn join(mut self) -> Outcome<T> {
        let handle = self.handle.take().expect("joined twice");
        match handle.join() {
            Ok(outcome) => outcome,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl<T: Send + 'static> Drop for Server<T> {
    fn drop(&mut self) {
        let Some(handle) = self.handle.take() else {
            return;
        };
        if thread::panicking() {
            return;
        }
        if !handle.is_finished() {
            // A test that never connected: wake the accept with a connection
            // that closes at once, so the thread ends with HandshakeEof.
            let _ = TcpStream::connect_timeout(&self.addr, TIMEOUT);
        }
        if let Err(panic) = handle.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// Reads until `n` bytes have arrived or the peer closed cleanly.
pub(crate) fn recv_exact(sock: &mut SslSocket, n: usize) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match sock.recv(&mut buf[got..])? {
            0 => break,
            k => got += k,
        }
    }
    buf.truncate(got);
    Ok(buf)
}

/// The server half of the standard exchange: `hello` →, ← `ping`, `pong` →, close_notify.
/// Returns what it read from the client.
pub(crate) fn serve_exchange(sock: &mut SslSocket) -> Result<Vec<u8>, Error> {
    sock.send_all(b"hello")?;
    let got = recv_exact(sock, 4)?;
    sock.send_all(b"pong")?;
    sock.shutdown()?;
    Ok(got)
}

/// The client half of the standard exchange. The first step is a read, so
/// under TLS 1.3 a server's late rejection of this client shows up here.
pub(crate) fn client_exchange(sock: &mut SslSocket) -> Result<(), Error> {
    let hello = recv_exact(sock, 5)?;
    assert_eq!(hello, b"hello", "greeting from the server");
    sock.send_all(b"ping")?;
    let pong = recv_exact(sock, 4)?;
    assert_eq!(pong, b"pong", "reply from the server");
    Ok(())
}

/// A server running [`serve_exchange`].
pub(crate) fn exchange_server(config: &SslConfig) -> Server<Result<Vec<u8>, Error>> {
    Server::start(config, serve_exchange)
}

/// Asserts that the server side of a successful exchange read `ping`, and
/// returns what the server saw of its peer.
pub(crate) fn expect_exchanged(outcome: Outcome<Result<Vec<u8>, Error>>) -> Seen {
    match outcome {
        Ok((seen, Ok(got))) => {
            assert_eq!(got, b"ping", "server read {got:?}; saw {seen:?}");
            seen
        }
        Ok((seen, Err(e))) => panic!("server exchange failed: {e:?}; saw {seen:?}"),
        Err(e) => panic!("server handshake failed: {e:?}"),
    }
}

/// The server handshake error, panicking if the handshake succeeded.
pub(crate) fn expect_server_err<T: std::fmt::Debug>(outcome: Outcome<T>) -> Error {
    match outcome {
        Ok((seen, out)) => {
            panic!("server handshake succeeded, expected an error: {seen:?} {out:?}")
        }
        Err(e) => e,
    }
}

/// A listener on `127.0.0.1:0` for the usual server with `mode`, allowing
/// only `version`.
pub(crate) fn listener(mode: i32, version: sslsocket::TlsVersion) -> SslListener {
    let mut b = default_server();
    b.set_version(version)
        .set_verify_mode(mode)
        .unwrap_or_else(|e| panic!("mode {mode}: {e:?}"));
    SslListener::bind("127.0.0.1:0", &build(&b)).unwrap_or_else(|e| panic!("bind: {e:?}"))
}

/// The bytes a client sends first: its ClientHello, as our client makes it.
pub(crate) fn recorded_client_hello() -> Vec<u8> {
    let raw = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = raw.local_addr().unwrap();
    let client = thread::spawn(move || {
        let mut b = client_builder();
        b.set_handshake_timeout(Some(Duration::from_millis(300)));
        let _ = SslSocket::connect(&build(&b), &format!("localhost:{}", addr.port()));
    });
    let (mut tcp, _) = raw.accept().unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut hello = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = tcp.read(&mut buf) {
        if n == 0 {
            break;
        }
        hello.extend_from_slice(&buf[..n]);
    }
    client.join().unwrap();
    assert!(hello.len() > 100, "a ClientHello: {} bytes", hello.len());
    hello
}

/// Joins `handle`, failing the test when the thread has not ended within
/// `limit`: no test leaves a thread blocked.
pub(crate) fn join_within<T>(handle: JoinHandle<T>, limit: Duration, what: &str) -> T {
    let deadline = Instant::now() + limit;
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "{what}: still running after {limit:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
