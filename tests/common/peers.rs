//! Our own server and client, as the tests run them: configuration
//! builders with short timeouts over the test PKI, and a server on a
//! thread that serves one connection or several and hands back, for each,
//! the handshake result and what the server saw of its peer.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use sslsocket::{
    Error, PeerVerification, SslConfig, SslConfigBuilder, SslListener, SslSocket, TlsVersion,
    VerifyFailure, VerifyMode, VerifyResult,
};

use super::pki::cert;
use super::{Log, TIMEOUT};

/// `target/<profile>/examples/<name>`, next to the test's own binary: our
/// server and client as programs (`cargo test` builds the examples first).
pub(crate) fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .join("examples")
        .join(name)
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

/// The usual server on TLS 1.3 asking for no certificate during the
/// handshake (`PEER | POST_HANDSHAKE`), and the log of its handshake events.
pub(crate) fn post_handshake_server() -> (SslConfig, Log<sslsocket::HandshakeEvent>) {
    let events = Log::new();
    let log = events.clone();
    let mut b = default_server();
    b.set_version(TlsVersion::Tls1_3)
        .set_verify_mode(9)
        .unwrap_or_else(|e| panic!("mode 9: {e:?}"))
        .set_handshake_callback(move |e, _| log.push(*e));
    (build(&b), events)
}

/// A server for `other.example` (`wrong-host-chain.pem`, `wrong-host.key`):
/// a valid chain, for another host than `localhost`.
pub(crate) fn wrong_host_server() -> SslConfigBuilder {
    server_builder("wrong-host-chain.pem", "wrong-host.key")
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

/// A [`client_builder`] offering `client.pem` when `with_cert`, nothing otherwise.
pub(crate) fn client_offering(with_cert: bool) -> SslConfigBuilder {
    if with_cert {
        ClientCert::Trusted
    } else {
        ClientCert::None
    }
    .builder()
}

/// The certificate a test client offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientCert {
    /// No certificate.
    None,
    /// `client.pem`, signed by the trusted root.
    Trusted,
    /// `untrusted-client.pem`, issued by a root nobody trusts: 20 at a server.
    Untrusted,
    /// `expired-client.pem`: 10 at a server.
    Expired,
}

impl ClientCert {
    pub(crate) const ALL: [ClientCert; 4] = [
        ClientCert::None,
        ClientCert::Trusted,
        ClientCert::Untrusted,
        ClientCert::Expired,
    ];

    /// Its certificate and key under `certs/`.
    pub(crate) fn files(self) -> Option<(&'static str, &'static str)> {
        match self {
            ClientCert::None => None,
            ClientCert::Trusted => Some(("client.pem", "client.key")),
            ClientCert::Untrusted => Some(("untrusted-client.pem", "untrusted-client.key")),
            ClientCert::Expired => Some(("expired-client.pem", "expired-client.key")),
        }
    }

    /// Its subject, as [`SslSocket::peer_subject`] prints it.
    pub(crate) fn subject(self) -> &'static str {
        match self {
            ClientCert::None => "(none)",
            ClientCert::Trusted => "CN=sslsocket test client",
            ClientCert::Untrusted => "CN=sslsocket untrusted client",
            ClientCert::Expired => "CN=sslsocket expired client",
        }
    }

    /// A [`client_builder`] that offers it.
    pub(crate) fn builder(self) -> SslConfigBuilder {
        match self.files() {
            Some((pem, key)) => client_with_cert(pem, key),
            None => client_builder(),
        }
    }
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
    pub(crate) session_reused: bool,
    pub(crate) servername: Option<String>,
    pub(crate) alpn_protocol: Option<String>,
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
            session_reused: sock.session_reused(),
            servername: sock.servername().map(str::to_owned),
            alpn_protocol: sock.alpn_protocol(),
        }
    }

    /// Asserts that the peer's certificate verified and has `subject`.
    #[track_caller]
    pub(crate) fn assert_verified(&self, subject: &str) {
        assert_eq!(
            self.peer_verification,
            PeerVerification::Verified,
            "{self:?}"
        );
        assert_eq!(self.peer_subject.as_deref(), Some(subject), "{self:?}");
    }
}

/// What the server hands back for one connection: the handshake error, or
/// what it saw plus the closure's result.
pub(crate) type Outcome<T> = Result<(Seen, T), Error>;

/// How long a server waits for a client to connect, and a lingering one for
/// the client to close.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// How a [`Server`] serves its listener.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Serve {
    /// How many connections it accepts, one after the other.
    pub(crate) connections: usize,
    /// Whether it keeps each TCP connection open, after the handshake failed
    /// or the closure returned, until the client closes it (or [`WAIT`]), so
    /// that the client reads an alert before a reset can overtake it.
    pub(crate) linger: bool,
}

impl Serve {
    /// `n` connections, each closed as soon as it is served.
    pub(crate) fn connections(n: usize) -> Serve {
        Serve {
            connections: n,
            linger: false,
        }
    }

    /// The same, each kept open until the client closes it.
    pub(crate) fn lingering(self) -> Serve {
        Serve {
            linger: true,
            ..self
        }
    }
}

/// A server on its own thread that accepts connections one after the other
/// (each within [`WAIT`]), performs the handshake, records [`Seen`], then
/// runs a closure on the socket. Joined by [`join`](Self::join) or
/// [`join_all`](Self::join_all), or in `Drop` unless the test is already
/// panicking.
pub(crate) struct Server<T: Send + 'static> {
    addr: SocketAddr,
    /// Connections not accepted yet, for `Drop` to wake.
    unaccepted: Arc<AtomicUsize>,
    handle: Option<JoinHandle<Vec<Outcome<T>>>>,
}

impl<T: Send + 'static> Server<T> {
    /// Binds `127.0.0.1:0` and serves one connection.
    pub(crate) fn start<F>(config: &SslConfig, f: F) -> Server<T>
    where
        F: FnOnce(&mut SslSocket) -> T + Send + 'static,
    {
        Server::serve(bind(config), f)
    }

    /// Binds `127.0.0.1:0` and serves `n` connections with `f`.
    pub(crate) fn start_n<F>(config: &SslConfig, n: usize, f: F) -> Server<T>
    where
        F: FnMut(&mut SslSocket) -> T + Send + 'static,
    {
        Server::with(bind(config), Serve::connections(n), f)
    }

    /// Serves one connection on a listener bound by the caller (e.g. on `[::1]:0`).
    pub(crate) fn serve<F>(listener: SslListener, f: F) -> Server<T>
    where
        F: FnOnce(&mut SslSocket) -> T + Send + 'static,
    {
        let mut f = Some(f);
        Server::with(listener, Serve::connections(1), move |sock| {
            f.take().expect("one connection")(sock)
        })
    }

    /// Serves `listener` as `how` says, running `f` on every connection
    /// whose handshake succeeded.
    pub(crate) fn with<F>(listener: SslListener, how: Serve, mut f: F) -> Server<T>
    where
        F: FnMut(&mut SslSocket) -> T + Send + 'static,
    {
        let addr = listener.local_addr().expect("local_addr");
        let unaccepted = Arc::new(AtomicUsize::new(how.connections));
        let left = Arc::clone(&unaccepted);
        let handle = thread::spawn(move || {
            (0..how.connections)
                .map(|_| {
                    wait_for_client(listener.get_ref());
                    left.fetch_sub(1, Ordering::SeqCst);
                    let (accepted, kept) = if how.linger {
                        let tcp = listener.accept_tcp()?.0;
                        let kept = tcp.try_clone().expect("cloning the accepted socket");
                        (
                            SslSocket::upgrade_server(listener.config(), tcp),
                            Some(kept),
                        )
                    } else {
                        (listener.accept().map(|(sock, _)| sock), None)
                    };
                    let outcome = accepted.map(|mut sock| {
                        let seen = Seen::of(&sock);
                        (seen, f(&mut sock))
                    });
                    if let Some(tcp) = kept {
                        drain_until_closed(tcp);
                    }
                    outcome
                })
                .collect()
        });
        Server {
            addr,
            unaccepted,
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

    /// Waits for a one-connection server and returns what it saw.
    pub(crate) fn join(self) -> Outcome<T> {
        let mut all = self.join_all();
        assert_eq!(all.len(), 1, "a server of {} connections", all.len());
        all.remove(0)
    }

    /// Waits for the server and returns what it saw of each connection,
    /// panicking if any handshake failed.
    pub(crate) fn join_ok(self) -> Vec<(Seen, T)> {
        let all = self.join_all();
        let n = all.len();
        all.into_iter()
            .enumerate()
            .map(|(i, o)| o.unwrap_or_else(|e| panic!("server handshake {} of {n}: {e:?}", i + 1)))
            .collect()
    }

    /// Waits for the server thread and returns what it saw of each connection.
    pub(crate) fn join_all(mut self) -> Vec<Outcome<T>> {
        let handle = self.handle.take().expect("joined twice");
        match handle.join() {
            Ok(outcomes) => outcomes,
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
        // A test that did not make every connection: wake each accept still
        // to come with a connection that closes at once (HandshakeEof).
        for _ in 0..self.unaccepted.load(Ordering::SeqCst) {
            let _ = TcpStream::connect_timeout(&self.addr, TIMEOUT);
        }
        if let Err(panic) = handle.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// The usual server and our client connected over a Unix socket pair, handshaken.
pub(crate) fn handshaken_pair() -> (SslSocket<UnixStream>, SslSocket<UnixStream>) {
    let (a, b) = UnixStream::pair().unwrap();
    let client = thread::spawn(move || {
        let mut c = SslSocket::new_client(&build(&client_builder()), b, Some("localhost")).unwrap();
        c.handshake().unwrap();
        c
    });
    let mut s = SslSocket::new_server(&build(&default_server()), a).unwrap();
    s.handshake().unwrap();
    let c = client.join().unwrap();
    (s, c)
}

/// A current-thread tokio runtime with I/O and timers, for a test that
/// drives the async face from its own threads.
#[cfg(feature = "tokio")]
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Our async server's handshake on `tcp`, a connection the test accepted
/// itself; panics if it fails.
#[cfg(feature = "tokio")]
pub(crate) async fn accept_async(
    config: &SslConfig,
    tcp: TcpStream,
) -> sslsocket::tokio::SslSocket {
    tcp.set_nonblocking(true).unwrap();
    let tcp = tokio::net::TcpStream::from_std(tcp).unwrap();
    sslsocket::tokio::SslSocket::accept(config, tcp)
        .await
        .unwrap()
}

/// A listener on `127.0.0.1:0` for `config`.
pub(crate) fn bind(config: &SslConfig) -> SslListener {
    SslListener::bind("127.0.0.1:0", config)
        .unwrap_or_else(|e| panic!("binding 127.0.0.1:0: {e:?}"))
}

/// A listener on `127.0.0.1:0` for the usual server with `mode`, allowing
/// only `version`.
pub(crate) fn listener(mode: i32, version: TlsVersion) -> SslListener {
    let mut b = default_server();
    b.set_version(version)
        .set_verify_mode(mode)
        .unwrap_or_else(|e| panic!("mode {mode}: {e:?}"));
    bind(&build(&b))
}

/// Waits until a client connects to `listener`, panicking after [`WAIT`].
fn wait_for_client(listener: &TcpListener) {
    let mut fd = [libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }];
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // SAFETY: `fd` is a live, initialised array of one pollfd, and the
        // listener's descriptor stays open for the whole call.
        let r = unsafe { libc::poll(fd.as_mut_ptr(), 1, left.as_millis() as libc::c_int) };
        match r {
            1.. => return,
            0 => panic!("no client connected within {WAIT:?}"),
            _ => {
                let e = std::io::Error::last_os_error();
                assert_eq!(e.kind(), ErrorKind::Interrupted, "poll: {e}");
            }
        }
    }
}

/// Reads (and discards) until the peer closes, for at most [`WAIT`].
fn drain_until_closed(mut tcp: TcpStream) {
    let deadline = Instant::now() + WAIT;
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
}

/// The server half of a test that talks to the server in its own way:
/// sends back whatever it reads, until the client closes.
pub(crate) fn echo(sock: &mut SslSocket) {
    let mut buf = [0u8; 1024];
    while let Ok(n) = sock.recv(&mut buf) {
        if n == 0 || sock.send_all(&buf[..n]).is_err() {
            break;
        }
    }
}

/// The server half of a one-byte request: answers one byte with one byte,
/// then closes.
pub(crate) fn answer(s: &mut SslSocket) {
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    s.write_all(&b).unwrap();
    let _ = s.shutdown();
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

/// Reads up to and including the first `\n`, or to a clean close: an
/// empty string is the end of the stream, `"\n"` an empty line.
pub(crate) fn read_line(sock: &mut SslSocket) -> Result<String, Error> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        if sock.recv(&mut byte)? == 0 {
            break;
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
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

/// What [`exchange_server`] returns.
pub(crate) type ExchangeServer = Server<Result<Vec<u8>, Error>>;

/// A server running [`serve_exchange`].
pub(crate) fn exchange_server(config: &SslConfig) -> ExchangeServer {
    Server::start(config, serve_exchange)
}

/// Where a client connects: [`Server::localhost`] or [`Server::ip`].
pub(crate) type Target = fn(&ExchangeServer) -> String;

/// Connects with `client` to an [`exchange_server`] made from `server`, runs
/// the exchange, and returns what each end saw.
pub(crate) fn exchange(server: &SslConfig, client: &SslConfig, target: Target) -> (Seen, Seen) {
    let srv = exchange_server(server);
    let addr = target(&srv);
    let mut sock =
        SslSocket::connect(client, &addr).unwrap_or_else(|e| panic!("connecting to {addr}: {e:?}"));
    let client_seen = Seen::of(&sock);
    client_exchange(&mut sock).unwrap_or_else(|e| panic!("exchange with {addr}: {e:?}"));
    (expect_exchanged(srv.join()), client_seen)
}

/// Connects with `client` to an [`exchange_server`] made from `server`, and
/// asserts that the client refuses the server's certificate with verify
/// result `code` and that the server receives the alert named `alert`.
/// Returns the client's error.
pub(crate) fn refused(
    server: &SslConfig,
    client: &SslConfig,
    target: Target,
    code: i32,
    alert: &str,
) -> Error {
    let srv = exchange_server(server);
    let err = SslSocket::connect(client, &target(&srv)).unwrap_err();
    assert_eq!(err.verify_result().map(|r| r.code()), Some(code), "{err:?}");
    let server_err = expect_server_err(srv.join());
    assert_eq!(
        server_err.alert().map(|a| a.name()),
        Some(alert),
        "{server_err:?}"
    );
    err
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

/// Asserts that `err` is the alert named `name`, received from the peer.
#[track_caller]
pub(crate) fn assert_alert(err: &Error, name: &str) {
    assert_eq!(err.alert().map(|a| a.name()), Some(name), "{err:?}");
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
