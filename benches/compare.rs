//! `cargo bench --bench compare`: sslsocket against the plain `openssl` crate.
//!
//! Everything runs over loopback (127.0.0.1), server and client on separate
//! threads of this one process, with the same certificates and the same
//! cipher on both implementations. Each figure is measured round by round,
//! interleaved (round 1 sslsocket, round 1 openssl, round 2 sslsocket, ...),
//! and reported as median, min and max per implementation with the ratio
//! sslsocket/openssl per round and of the medians. `BENCHMARKS.md` explains
//! every figure.
//!
//! Flags (anything else, such as the `--bench` that cargo passes, is ignored):
//!
//! * `--quick` (or `SSLSOCKET_BENCH_QUICK=1`): a short smoke run that judges
//!   no timings but still asserts that every "resumed" handshake resumed.
//! * `--json FILE`: also write the figures as JSON.
//! * `--rounds N`: rounds per figure (default 15, quick 3; the memory
//!   figures use at most 7 and the plain-TCP references at most 5).
//! * `--only TEXT`: run only the figures whose id contains TEXT (ids are
//!   printed in brackets, e.g. `hs_full_tls13_ecdsa`, `bulk`, `memory`).
//! * `--mem-trace`: instead of the figures, attribute the memory of idle
//!   connections to OpenSSL's allocation sites (`CRYPTO_set_mem_functions`).
//! * `--imp sslsocket|openssl`, `--n N`: measure one implementation only,
//!   N of everything (for profilers such as callgrind); `--reverse`: openssl
//!   first in every round (to look for order effects).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use openssl::ssl::{
    Ssl, SslAcceptor, SslConnector, SslContextBuilder, SslContextRef, SslFiletype, SslMethod,
    SslOptions, SslRef, SslSession, SslSessionCacheMode, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509VerifyResult, X509};
use sslsocket::{SslConfig, SslSocket, TlsVersion};

/// The one TLS 1.3 suite both implementations are limited to.
const TLS13_SUITE: &str = "TLS_AES_256_GCM_SHA384";
/// Size of each write in the bulk test.
const BULK_CHUNK: usize = 16 * 1024;
/// Size of each message in the echo test.
const ECHO_SIZE: usize = 64;

// ---------------------------------------------------------------------------
// Options and sizes

struct Opts {
    quick: bool,
    json: Option<PathBuf>,
    rounds: usize,
    only: Option<String>,
}

impl Opts {
    fn parse() -> Opts {
        let mut quick = std::env::var("SSLSOCKET_BENCH_QUICK")
            .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        let mut json = None;
        let mut rounds = None;
        let mut only = None;
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            if let Some(v) = a.strip_prefix("--json=") {
                json = Some(PathBuf::from(v));
                continue;
            }
            match a.as_str() {
                "--quick" => quick = true,
                "--reverse" => {
                    let _ = REVERSE.set(true);
                }
                "--json" => json = args.next().map(PathBuf::from),
                "--rounds" => rounds = args.next().and_then(|v| v.parse::<usize>().ok()),
                "--only" => only = args.next(),
                "--imp" => {
                    let imp = match args.next().as_deref() {
                        Some("sslsocket") => Some(Imp::Ss),
                        Some("openssl") => Some(Imp::Plain),
                        other => panic!("--imp takes sslsocket or openssl, not {other:?}"),
                    };
                    let _ = ONLY_IMP.set(imp);
                }
                "--n" => {
                    let n = args.next().and_then(|v| v.parse::<usize>().ok());
                    let _ = ONLY_N.set(n);
                }
                // cargo passes `--bench`; filters and other flags mean nothing here.
                _ => {}
            }
        }
        let rounds = rounds.unwrap_or(if quick { 3 } else { 15 }).max(1);
        Opts {
            quick,
            json,
            rounds,
            only,
        }
    }

    fn selected(&self, id: &str) -> bool {
        self.only.as_deref().is_none_or(|o| id.contains(o))
    }
}

/// `--n N`: the count of every count-based figure (for profilers).
static ONLY_N: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();

struct Sizes {
    /// Timed full handshakes per round.
    full: usize,
    /// Timed resumed handshakes per round.
    resumed: usize,
    /// Untimed connections before each handshake round.
    warm: usize,
    bulk: Duration,
    echo: usize,
    pha: usize,
    /// Idle connections held open in the memory test.
    conns: usize,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        let mut sz = Sizes::defaults(quick);
        if let Some(n) = ONLY_N.get().copied().flatten() {
            sz.full = n;
            sz.resumed = n;
            sz.echo = n;
            sz.pha = n;
            sz.conns = n;
        }
        sz
    }

    fn defaults(quick: bool) -> Sizes {
        if quick {
            Sizes {
                full: 16,
                resumed: 16,
                warm: 3,
                bulk: Duration::from_millis(200),
                echo: 300,
                pha: 30,
                conns: 100,
            }
        } else {
            Sizes {
                full: 150,
                resumed: 300,
                warm: 5,
                bulk: Duration::from_secs(1),
                echo: 10_000,
                pha: 500,
                conns: 1_000,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// What is measured: protocol, keys, knobs

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Key {
    Ecdsa,
    Rsa,
}

impl Key {
    fn dir(self) -> PathBuf {
        let certs = Path::new(env!("CARGO_MANIFEST_DIR")).join("certs");
        match self {
            Key::Ecdsa => certs,
            Key::Rsa => certs.join("rsa"),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Key::Ecdsa => "ECDSA P-256",
            Key::Rsa => "RSA-2048",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Key::Ecdsa => "ecdsa",
            Key::Rsa => "rsa",
        }
    }

    /// The TLS 1.2 cipher for this key type: AES-256-GCM as in TLS 1.3.
    fn cipher12(self) -> &'static str {
        match self {
            Key::Ecdsa => "ECDHE-ECDSA-AES256-GCM-SHA384",
            Key::Rsa => "ECDHE-RSA-AES256-GCM-SHA384",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Proto {
    tls13: bool,
    key: Key,
}

impl Proto {
    const TLS13_ECDSA: Proto = Proto {
        tls13: true,
        key: Key::Ecdsa,
    };

    fn tls(self) -> TlsVersion {
        if self.tls13 {
            TlsVersion::Tls1_3
        } else {
            TlsVersion::Tls1_2
        }
    }

    fn ssl_version(self) -> SslVersion {
        if self.tls13 {
            SslVersion::TLS1_3
        } else {
            SslVersion::TLS1_2
        }
    }

    fn version_name(self) -> &'static str {
        if self.tls13 {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        }
    }

    fn cipher(self) -> &'static str {
        if self.tls13 {
            TLS13_SUITE
        } else {
            self.key.cipher12()
        }
    }

    fn label(self) -> String {
        format!(
            "{} {}",
            if self.tls13 { "TLS1.3" } else { "TLS1.2" },
            self.key.label()
        )
    }

    fn id(self) -> String {
        format!(
            "{}_{}",
            if self.tls13 { "tls13" } else { "tls12" },
            self.key.id()
        )
    }
}

/// Variations of the two configurations, for the memory breakdown (and the
/// post-handshake test).
#[derive(Clone, Copy, Default)]
struct Knobs {
    /// Client resumes (sslsocket: its session cache; openssl: set_session).
    client_resume: bool,
    /// Client has a certificate (client.pem).
    client_cert: bool,
    /// Client does not verify the server (mode NONE, no host-name check).
    client_verify_none: bool,
    /// Server keeps no sessions and issues no tickets.
    server_cache_off: bool,
    /// Server trusts ca.pem and uses this verify mode.
    server_mode: Option<i32>,
    /// SSL_MODE_RELEASE_BUFFERS cleared on both contexts (openssl only).
    keep_buffers: bool,
    /// The plain client's store holds only ca.pem: no system CA paths, which
    /// `SslConnector::builder` adds and OpenSSL searches on every full
    /// handshake (openssl only).
    own_store: bool,
    /// Both ends call `SSL_free_buffers` once the request and reply are
    /// done (what sslsocket could do after a read that leaves nothing
    /// pending).
    free_buffers: bool,
}

unsafe extern "C" {
    fn SSL_free_buffers(ssl: *mut openssl_sys::SSL) -> libc::c_int;
}

/// `SSL_free_buffers`: releases the record buffers when nothing is pending.
fn free_buffers(ssl: &SslRef) -> bool {
    use foreign_types::ForeignTypeRef;
    // SAFETY: `ssl` is a live SSL owned by a connection of this thread; the
    // call refuses (returns 0) when records are pending or a handshake is
    // in progress, and otherwise only frees buffers OpenSSL reallocates on
    // the next read or write.
    unsafe { SSL_free_buffers(ssl.as_ptr()) == 1 }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Imp {
    Ss,
    Plain,
}

impl Imp {
    fn name(self) -> &'static str {
        match self {
            Imp::Ss => "sslsocket",
            Imp::Plain => "openssl",
        }
    }
}

fn ss_server(p: Proto, k: Knobs) -> SslConfig {
    let dir = p.key.dir();
    let mut b = SslConfig::server();
    b.set_certificate_file(dir.join("server-chain.pem"))
        .set_private_key_file(dir.join("server.key"))
        .set_version(p.tls())
        .set_ciphersuites(TLS13_SUITE)
        .set_cipher_list(p.key.cipher12());
    if k.server_cache_off {
        b.set_session_cache(false);
    }
    if let Some(mode) = k.server_mode {
        b.set_ca_file(dir.join("ca.pem"))
            .set_verify_mode(mode)
            .expect("verify mode");
    }
    assert!(!k.keep_buffers, "sslsocket always sets RELEASE_BUFFERS");
    b.build().expect("sslsocket server configuration")
}

fn ss_client(p: Proto, k: Knobs) -> SslConfig {
    let dir = p.key.dir();
    let mut b = SslConfig::client();
    b.set_ca_file(dir.join("ca.pem"))
        .set_version(p.tls())
        .set_ciphersuites(TLS13_SUITE)
        .set_cipher_list(p.key.cipher12())
        .set_session_cache(k.client_resume);
    if k.client_cert {
        b.set_certificate_file(dir.join("client.pem"))
            .set_private_key_file(dir.join("client.key"));
    }
    if k.client_verify_none {
        b.set_verify_mode(0).expect("verify mode");
        b.set_check_hostname(false);
    }
    b.build().expect("sslsocket client configuration")
}

/// Clears SSL_MODE_RELEASE_BUFFERS, which `SslAcceptor`/`SslConnector` set.
fn keep_buffers(b: &mut SslContextBuilder) {
    const SSL_CTRL_CLEAR_MODE: libc::c_int = 78;
    const SSL_MODE_RELEASE_BUFFERS: libc::c_long = 0x10;
    // SAFETY: `b` owns a live SSL_CTX that nothing else uses yet; this
    // control only clears a mode bit and ignores the null argument.
    unsafe {
        openssl_sys::SSL_CTX_ctrl(
            b.as_ptr(),
            SSL_CTRL_CLEAR_MODE,
            SSL_MODE_RELEASE_BUFFERS,
            std::ptr::null_mut(),
        );
    }
}

/// The plain crate's server, the way its documentation builds one.
fn plain_acceptor(p: Proto, k: Knobs) -> SslAcceptor {
    let dir = p.key.dir();
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("acceptor");
    b.set_private_key_file(dir.join("server.key"), SslFiletype::PEM)
        .expect("server key");
    b.set_certificate_chain_file(dir.join("server-chain.pem"))
        .expect("server chain");
    b.check_private_key().expect("key matches certificate");
    b.set_min_proto_version(Some(p.ssl_version())).unwrap();
    b.set_max_proto_version(Some(p.ssl_version())).unwrap();
    b.set_ciphersuites(TLS13_SUITE).unwrap();
    b.set_cipher_list(p.key.cipher12()).unwrap();
    if k.server_cache_off {
        b.set_session_cache_mode(SslSessionCacheMode::OFF);
        b.set_options(SslOptions::NO_TICKET);
    }
    if let Some(mode) = k.server_mode {
        b.set_ca_file(dir.join("ca.pem")).expect("CA file");
        b.set_verify(SslVerifyMode::from_bits_truncate(mode));
    }
    if k.keep_buffers {
        keep_buffers(&mut b);
    }
    b.build()
}

/// The plain crate's client, the way its documentation builds one.
fn plain_connector(p: Proto, k: Knobs) -> SslConnector {
    let dir = p.key.dir();
    let mut b = SslConnector::builder(SslMethod::tls()).expect("connector");
    if k.own_store {
        let pem = std::fs::read(dir.join("ca.pem")).expect("ca.pem");
        let mut store = X509StoreBuilder::new().expect("store");
        store
            .add_cert(X509::from_pem(&pem).expect("CA certificate"))
            .expect("add CA");
        b.set_cert_store(store.build());
    } else {
        b.set_ca_file(dir.join("ca.pem")).expect("CA file");
    }
    b.set_min_proto_version(Some(p.ssl_version())).unwrap();
    b.set_max_proto_version(Some(p.ssl_version())).unwrap();
    b.set_ciphersuites(TLS13_SUITE).unwrap();
    b.set_cipher_list(p.key.cipher12()).unwrap();
    if k.client_cert {
        b.set_private_key_file(dir.join("client.key"), SslFiletype::PEM)
            .unwrap();
        b.set_certificate_chain_file(dir.join("client.pem"))
            .unwrap();
    }
    if k.client_verify_none {
        b.set_verify(SslVerifyMode::NONE);
    }
    if k.keep_buffers {
        keep_buffers(&mut b);
    }
    b.build()
}

fn make_pair(imp: Imp, p: Proto, k: Knobs) -> (Server, Client) {
    match imp {
        Imp::Ss => (Server::Ss(ss_server(p, k)), Client::Ss(ss_client(p, k))),
        Imp::Plain => (
            Server::Plain(plain_acceptor(p, k)),
            Client::Plain {
                connector: plain_connector(p, k),
                resume: k.client_resume,
                verify_host: !k.client_verify_none,
                session: None,
            },
        ),
    }
}

// ---------------------------------------------------------------------------
// One connection, whichever implementation

enum Conn {
    Ss(SslSocket),
    Plain(SslStream<TcpStream>),
    Tcp(TcpStream),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Ss(s) => s.read(buf),
            Conn::Plain(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Ss(s) => s.write(buf),
            Conn::Plain(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Ss(s) => s.flush(),
            Conn::Plain(s) => s.flush(),
            Conn::Tcp(s) => s.flush(),
        }
    }
}

impl Conn {
    fn ssl(&self) -> Option<&SslRef> {
        match self {
            Conn::Ss(s) => Some(s.ssl()),
            Conn::Plain(s) => Some(s.ssl()),
            Conn::Tcp(_) => None,
        }
    }

    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Ss(s) => s.get_ref(),
            Conn::Plain(s) => s.get_ref(),
            Conn::Tcp(s) => s,
        }
    }

    /// `session_reused()` as each implementation spells it.
    fn reused(&self) -> bool {
        match self {
            Conn::Ss(s) => s.session_reused(),
            Conn::Plain(s) => s.ssl().session_reused(),
            Conn::Tcp(_) => false,
        }
    }

    /// Sends close_notify and closes the TCP connection.
    fn close(self) {
        match self {
            Conn::Ss(s) => {
                let _ = s.close();
            }
            Conn::Plain(mut s) => {
                let _ = s.shutdown();
                let _ = s.get_ref().shutdown(Shutdown::Both);
            }
            Conn::Tcp(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    /// Sends close_notify, waits for the peer's (reading whatever is still
    /// queued, so that closing does not turn into a reset), then closes.
    fn finish(mut self) {
        match &mut self {
            Conn::Ss(s) => {
                let _ = s.shutdown();
            }
            Conn::Plain(s) => {
                let _ = s.shutdown();
            }
            Conn::Tcp(s) => {
                let _ = s.shutdown(Shutdown::Write);
            }
        }
        let mut buf = [0u8; 4096];
        while matches!(self.read(&mut buf), Ok(n) if n > 0) {}
        self.close();
    }

    /// Asserts the negotiated version and cipher, and (when the client
    /// verifies) that the chain verified.
    fn check(&self, p: Proto) {
        let ssl = self.ssl().expect("a TLS connection");
        assert_eq!(ssl.version_str(), p.version_name(), "negotiated version");
        assert_eq!(
            ssl.current_cipher().map(|c| c.name()),
            Some(p.cipher()),
            "negotiated cipher"
        );
        assert_eq!(ssl.verify_result(), X509VerifyResult::OK, "verify result");
    }
}

#[derive(Clone)]
enum Server {
    Ss(SslConfig),
    Plain(SslAcceptor),
    Tcp,
}

impl Server {
    fn accept(&self, tcp: TcpStream) -> Conn {
        match self {
            Server::Ss(c) => Conn::Ss(SslSocket::upgrade_server(c, tcp).expect("sslsocket accept")),
            Server::Plain(a) => Conn::Plain(a.accept(tcp).expect("openssl accept")),
            Server::Tcp => Conn::Tcp(tcp),
        }
    }
}

enum Client {
    Ss(SslConfig),
    Plain {
        connector: SslConnector,
        resume: bool,
        verify_host: bool,
        session: Option<SslSession>,
    },
    Tcp,
}

impl Client {
    /// TCP connect to `addr` ("localhost:PORT") and the client handshake,
    /// verifying the chain and the host name "localhost".
    fn connect(&mut self, addr: &str) -> Conn {
        match self {
            Client::Ss(c) => Conn::Ss(SslSocket::connect(c, addr).expect("sslsocket connect")),
            Client::Plain {
                connector,
                resume,
                verify_host,
                session,
            } => {
                let tcp = TcpStream::connect(addr).expect("TCP connect");
                let mut cfg = connector.configure().expect("configure");
                if !*verify_host {
                    cfg.set_verify_hostname(false);
                }
                if let (true, Some(s)) = (*resume, session.as_ref()) {
                    // SAFETY: the session comes from an earlier connection
                    // made with this same connector, hence the same SSL_CTX.
                    unsafe { cfg.set_session(s) }.expect("set_session");
                }
                Conn::Plain(cfg.connect("localhost", tcp).expect("openssl connect"))
            }
            Client::Tcp => Conn::Tcp(TcpStream::connect(addr).expect("TCP connect")),
        }
    }

    /// Called once the reply was read (TLS 1.3 tickets have arrived by
    /// then): the plain client keeps the session for the next connection.
    fn replied(&mut self, c: &Conn) {
        if let (
            Client::Plain {
                resume: true,
                session,
                ..
            },
            Conn::Plain(s),
        ) = (self, c)
        {
            *session = s.ssl().session().map(ToOwned::to_owned);
        }
    }
}

fn listen() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = format!("localhost:{}", l.local_addr().expect("local addr").port());
    (l, addr)
}

// ---------------------------------------------------------------------------
// Process measurements

fn cpu_time() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable `rusage` for the whole call.
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(r, 0, "getrusage");
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// VmRSS of this process, in bytes.
fn rss() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Bytes the allocator has handed out and not had back (all arenas).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap() -> i64 {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as i64
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap() -> i64 {
    0
}

/// Gives free heap pages back to the system so RSS growth starts from a
/// clean baseline.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Makes sure `need` file descriptors can be open at once.
fn raise_nofile(need: u64) {
    // SAFETY: an all-zero `rlimit` is a valid value of this plain C struct.
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `lim` is a valid, writable `rlimit` for the whole call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return;
    }
    if lim.rlim_cur >= need as libc::rlim_t {
        return;
    }
    let want = (need as libc::rlim_t).min(lim.rlim_max);
    let new = libc::rlimit {
        rlim_cur: want,
        rlim_max: lim.rlim_max,
    };
    // SAFETY: `new` is a valid `rlimit`, only read by the call.
    let r = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) };
    println!(
        "open files: soft limit {} -> {} ({})",
        lim.rlim_cur,
        want,
        if r == 0 { "raised" } else { "setrlimit failed" }
    );
    assert!(
        want >= need as libc::rlim_t && r == 0,
        "need {need} open files; raise `ulimit -n`"
    );
}

// ---------------------------------------------------------------------------
// The measurements

struct HsOut {
    rate: f64,
    cpu_us: f64,
    /// Timed connections the client saw resumed.
    reused: usize,
    /// Timed connections the server saw resumed.
    server_reused: usize,
}

/// `warm` untimed then `n` timed sequential connections: TCP connect,
/// handshake, 1-byte request and reply, close.
fn hs_round(imp: Imp, p: Proto, k: Knobs, n: usize, warm: usize) -> HsOut {
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
    let mut t0 = Instant::now();
    let mut cpu0 = cpu_time();
    let mut b = [0u8; 1];
    for i in 0..total {
        if i == warm {
            t0 = Instant::now();
            cpu0 = cpu_time();
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
    let elapsed = t0.elapsed();
    let server_reused = h.join().expect("server thread");
    let cpu = cpu_time().saturating_sub(cpu0);
    HsOut {
        rate: n as f64 / elapsed.as_secs_f64(),
        cpu_us: cpu.as_secs_f64() * 1e6 / n as f64,
        reused,
        server_reused,
    }
}

/// One connection; the client writes 16 KiB records for `dur`; the server
/// counts what it receives. Returns MB/s (10^6 bytes) at the receiver and
/// the CPU time of both sides per GB (ms).
fn bulk_round(imp: Option<Imp>, dur: Duration) -> (f64, f64) {
    let p = Proto::TLS13_ECDSA;
    let (server, mut client) = match imp {
        Some(imp) => make_pair(imp, p, Knobs::default()),
        None => (Server::Tcp, Client::Tcp),
    };
    let (listener, addr) = listen();
    let h = thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        let mut c = server.accept(tcp);
        let mut buf = vec![0u8; BULK_CHUNK];
        let mut total = 0u64;
        let t0 = Instant::now();
        loop {
            match c.read(&mut buf).expect("bulk read") {
                0 => break,
                n => total += n as u64,
            }
        }
        let elapsed = t0.elapsed();
        c.close();
        (total, elapsed)
    });
    let mut c = client.connect(&addr);
    if imp.is_some() {
        c.check(p);
    }
    let chunk = vec![0xA5u8; BULK_CHUNK];
    let cpu0 = cpu_time();
    let t = Instant::now();
    while t.elapsed() < dur {
        c.write_all(&chunk).expect("bulk write");
    }
    c.finish();
    let (bytes, elapsed) = h.join().expect("receiver thread");
    let cpu = cpu_time().saturating_sub(cpu0);
    (
        bytes as f64 / elapsed.as_secs_f64() / 1e6,
        cpu.as_secs_f64() * 1e3 / (bytes as f64 / 1e9),
    )
}

/// sslsocket only: both ends split into halves, each end writing 16 KiB
/// chunks for `dur` while reading what the other writes. Returns MB/s summed
/// over both directions.
fn duplex_round(dur: Duration) -> f64 {
    let p = Proto::TLS13_ECDSA;
    let config = ss_server(p, Knobs::default());
    let client_config = ss_client(p, Knobs::default());
    let (listener, addr) = listen();
    // Each end: a writer thread for `dur`, then close_notify; the reader
    // counts bytes until the peer's close_notify.
    fn run(tls: SslSocket, dur: Duration) -> (u64, Duration) {
        let (mut r, mut w) = tls.split();
        let t0 = Instant::now();
        let writer = thread::spawn(move || {
            let chunk = vec![0x5Au8; BULK_CHUNK];
            while t0.elapsed() < dur {
                w.write_all(&chunk).expect("duplex write");
            }
            w.shutdown().expect("duplex close_notify");
        });
        let mut buf = vec![0u8; BULK_CHUNK];
        let mut total = 0u64;
        loop {
            match r.read(&mut buf).expect("duplex read") {
                0 => break,
                n => total += n as u64,
            }
        }
        let elapsed = t0.elapsed();
        writer.join().expect("duplex writer");
        (total, elapsed)
    }
    let h = thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        run(
            SslSocket::upgrade_server(&config, tcp).expect("sslsocket accept"),
            dur,
        )
    });
    let client = SslSocket::connect(&client_config, &addr).expect("sslsocket connect");
    let (to_client, t_client) = run(client, dur);
    let (to_server, t_server) = h.join().expect("duplex server");
    let elapsed = t_client.max(t_server).as_secs_f64();
    (to_client + to_server) as f64 / elapsed / 1e6
}

/// One connection, TCP_NODELAY on both ends; `n` round trips of 64 bytes.
fn echo_round(imp: Option<Imp>, n: usize) -> f64 {
    let p = Proto::TLS13_ECDSA;
    let (server, mut client) = match imp {
        Some(imp) => make_pair(imp, p, Knobs::default()),
        None => (Server::Tcp, Client::Tcp),
    };
    let (listener, addr) = listen();
    let h = thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        tcp.set_nodelay(true).expect("nodelay");
        let mut c = server.accept(tcp);
        let mut buf = [0u8; ECHO_SIZE];
        let mut count = 0usize;
        while c.read_exact(&mut buf).is_ok() {
            c.write_all(&buf).expect("echo write");
            count += 1;
        }
        c.close();
        count
    });
    let mut c = client.connect(&addr);
    c.tcp().set_nodelay(true).expect("nodelay");
    if imp.is_some() {
        c.check(p);
    }
    let msg = [0x5Au8; ECHO_SIZE];
    let mut buf = [0u8; ECHO_SIZE];
    let t0 = Instant::now();
    for _ in 0..n {
        c.write_all(&msg).expect("echo write");
        c.read_exact(&mut buf).expect("echo read");
    }
    let elapsed = t0.elapsed();
    assert_eq!(buf, msg);
    c.close();
    assert_eq!(h.join().expect("echo server"), n);
    n as f64 / elapsed.as_secs_f64()
}

/// `request_client_certificate` `n` times on one TLS 1.3 connection (mode
/// PEER|POST_HANDSHAKE = 9) against an sslsocket client that has a
/// certificate and keeps reading. `nodelay`: TCP_NODELAY on both ends.
/// Returns (requests/s, CPU µs per request).
fn pha_round(n: usize, nodelay: bool) -> (f64, f64) {
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
    let t0 = Instant::now();
    let cpu0 = cpu_time();
    for _ in 0..n {
        let cert = s
            .request_client_certificate(timeout)
            .expect("post-handshake request");
        assert!(cert.is_some(), "the client has a certificate");
    }
    let elapsed = t0.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    assert_eq!(s.verify_result().code(), 0);
    s.send_all(b"done").expect("write");
    let _ = s.close();
    assert_eq!(h.join().expect("client thread"), 4);
    (
        n as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / n as f64,
    )
}

/// Heap and RSS growth per connection for `n` idle TLS connections (both
/// ends in this process), in bytes.
#[derive(Clone, Copy, Default)]
struct MemOut {
    rss_both: f64,
    heap_both: f64,
    heap_client: f64,
    heap_server: f64,
    resumed: usize,
}

/// When `mem_round` is at: before the connections, all open, client ends closed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Baseline,
    Loaded,
    ClientsClosed,
}

thread_local! {
    /// The `free_buffers` knob of the current `mem_round`.
    static FREE_BUFFERS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn mem_round(n: usize, server: Server, client: Client) -> MemOut {
    mem_round_probed(n, server, client, &mut |_| {})
}

fn mem_round_probed(
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
fn heap_per<T>(n: usize, mut make: impl FnMut() -> T) -> f64 {
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

// ---------------------------------------------------------------------------
// Figures and reporting

#[derive(Clone, Copy, PartialEq, Eq)]
enum Judge {
    /// Not a target.
    None,
    /// sslsocket/openssl >= 0.98 (quicker is better).
    RatioAtLeast98,
    /// sslsocket <= openssl (less is better).
    NoMore,
}

struct Figure {
    id: String,
    title: String,
    unit: &'static str,
    ss: Vec<f64>,
    plain: Vec<f64>,
    judge: Judge,
    notes: Vec<String>,
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn median(v: &[f64]) -> f64 {
    let s = sorted(v);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn min(v: &[f64]) -> f64 {
    sorted(v).first().copied().unwrap_or(f64::NAN)
}

fn max(v: &[f64]) -> f64 {
    sorted(v).last().copied().unwrap_or(f64::NAN)
}

fn num(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

impl Figure {
    fn ratio(&self) -> Option<f64> {
        (!self.plain.is_empty()).then(|| median(&self.ss) / median(&self.plain))
    }

    /// The median of the per-round ratios (less sensitive to drift).
    fn round_ratio(&self) -> Option<f64> {
        let r: Vec<f64> = self
            .ss
            .iter()
            .zip(&self.plain)
            .map(|(a, b)| a / b)
            .collect();
        (!r.is_empty()).then(|| median(&r))
    }

    fn met(&self) -> Option<bool> {
        let r = self.ratio()?;
        match self.judge {
            Judge::None => None,
            Judge::RatioAtLeast98 => Some(r >= 0.98),
            Judge::NoMore => Some(r <= 1.0),
        }
    }

    fn print(&self) {
        println!();
        println!("{} [{}], {}", self.title, self.id, self.unit);
        if self.plain.is_empty() {
            println!("  {:>6} {:>12}", "round", "sslsocket");
            for (i, v) in self.ss.iter().enumerate() {
                println!("  {:>6} {:>12}", i + 1, num(*v));
            }
            for (name, f) in [
                ("median", median as fn(&[f64]) -> f64),
                ("min", min),
                ("max", max),
            ] {
                println!("  {:>6} {:>12}", name, num(f(&self.ss)));
            }
        } else {
            println!(
                "  {:>6} {:>12} {:>12} {:>8}",
                "round", "sslsocket", "openssl", "ratio"
            );
            for (i, (a, b)) in self.ss.iter().zip(&self.plain).enumerate() {
                println!(
                    "  {:>6} {:>12} {:>12} {:>8.3}",
                    i + 1,
                    num(*a),
                    num(*b),
                    a / b
                );
            }
            for (name, f) in [
                ("median", median as fn(&[f64]) -> f64),
                ("min", min),
                ("max", max),
            ] {
                let (a, b) = (f(&self.ss), f(&self.plain));
                println!("  {:>6} {:>12} {:>12} {:>8.3}", name, num(a), num(b), a / b);
            }
        }
        for n in &self.notes {
            println!("  {n}");
        }
    }
}

struct Report {
    quick: bool,
    rounds: usize,
    figures: Vec<Figure>,
    /// (item, sslsocket bytes, openssl bytes) for the memory breakdown.
    breakdown: Vec<(String, Option<f64>, Option<f64>)>,
}

impl Report {
    fn add(&mut self, f: Figure) {
        f.print();
        self.figures.push(f);
    }

    fn summary(&self) {
        println!();
        println!(
            "== Summary: medians of the rounds; ratio = sslsocket/openssl of the medians, \
             r/round = median of the per-round ratios =="
        );
        println!(
            "{:<66} {:>10} {:>10} {:>7} {:>7}  target",
            "figure", "sslsocket", "openssl", "ratio", "r/round"
        );
        for f in &self.figures {
            let plain = if f.plain.is_empty() {
                "-".to_string()
            } else {
                num(median(&f.plain))
            };
            let ratio = f.ratio().map_or("-".to_string(), |r| format!("{r:.3}"));
            let per_round = f
                .round_ratio()
                .map_or("-".to_string(), |r| format!("{r:.3}"));
            let target = match (f.judge, self.quick) {
                (Judge::None, _) => "",
                (_, true) => "(quick run: not judged)",
                (Judge::RatioAtLeast98, false) => {
                    if f.met() == Some(true) {
                        ">= 0.98: met"
                    } else {
                        ">= 0.98: NOT met"
                    }
                }
                (Judge::NoMore, false) => {
                    if f.met() == Some(true) {
                        "<= openssl: met"
                    } else {
                        "<= openssl: NOT met"
                    }
                }
            };
            println!(
                "{:<66} {:>10} {:>10} {:>7} {:>7}  {}",
                format!("{} ({})", f.title, f.unit),
                num(median(&f.ss)),
                plain,
                ratio,
                per_round,
                target
            );
        }
    }

    fn json(&self, machine: &[(&str, String)]) -> String {
        fn s(x: &str) -> String {
            let mut o = String::from("\"");
            for c in x.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    c if (c as u32) < 0x20 => {
                        let _ = write!(o, "\\u{:04x}", c as u32);
                    }
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        }
        fn n(x: f64) -> String {
            if x.is_finite() {
                format!("{x}")
            } else {
                "null".into()
            }
        }
        fn arr(v: &[f64]) -> String {
            format!(
                "[{}]",
                v.iter().map(|x| n(*x)).collect::<Vec<_>>().join(",")
            )
        }
        let mut o = String::from("{\n  \"machine\": {");
        o += &machine
            .iter()
            .map(|(k, v)| format!("{}: {}", s(k), s(v)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            o,
            "}},\n  \"quick\": {},\n  \"rounds\": {},\n  \"figures\": [",
            self.quick, self.rounds
        );
        for (i, f) in self.figures.iter().enumerate() {
            let ratios: Vec<f64> = f.ss.iter().zip(&f.plain).map(|(a, b)| a / b).collect();
            let _ = write!(
                o,
                "{}\n    {{\"id\": {}, \"title\": {}, \"unit\": {}, \"sslsocket\": {}, \"openssl\": {}, \
                 \"ratio\": {}, \"median\": {{\"sslsocket\": {}, \"openssl\": {}, \"ratio\": {}, \"round_ratio\": {}}}, \
                 \"min\": {{\"sslsocket\": {}, \"openssl\": {}}}, \"max\": {{\"sslsocket\": {}, \"openssl\": {}}}, \
                 \"target_met\": {}, \"notes\": [{}]}}",
                if i == 0 { "" } else { "," },
                s(&f.id),
                s(&f.title),
                s(f.unit),
                arr(&f.ss),
                arr(&f.plain),
                arr(&ratios),
                n(median(&f.ss)),
                n(median(&f.plain)),
                n(f.ratio().unwrap_or(f64::NAN)),
                n(f.round_ratio().unwrap_or(f64::NAN)),
                n(min(&f.ss)),
                n(min(&f.plain)),
                n(max(&f.ss)),
                n(max(&f.plain)),
                match (self.quick, f.met()) {
                    (false, Some(m)) => m.to_string(),
                    _ => "null".into(),
                },
                f.notes.iter().map(|x| s(x)).collect::<Vec<_>>().join(", ")
            );
        }
        o += "\n  ],\n  \"memory_breakdown_bytes\": [";
        for (i, (item, a, b)) in self.breakdown.iter().enumerate() {
            let _ = write!(
                o,
                "{}\n    {{\"item\": {}, \"sslsocket\": {}, \"openssl\": {}}}",
                if i == 0 { "" } else { "," },
                s(item),
                a.map_or("null".into(), n),
                b.map_or("null".into(), n)
            );
        }
        o += "\n  ]\n}\n";
        o
    }
}

/// `--reverse`: openssl first in every round (to check for order effects).
static REVERSE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// `--imp NAME`: measure only that implementation (for profilers).
static ONLY_IMP: std::sync::OnceLock<Option<Imp>> = std::sync::OnceLock::new();

/// Runs `f` for round 1 sslsocket, round 1 openssl, round 2 sslsocket, ...
fn interleave<T>(rounds: usize, mut f: impl FnMut(Imp) -> T) -> (Vec<T>, Vec<T>) {
    let only = ONLY_IMP.get().copied().flatten();
    let mut ss = Vec::with_capacity(rounds);
    let mut plain = Vec::with_capacity(rounds);
    let reverse = REVERSE.get().copied().unwrap_or(false);
    for _ in 0..rounds {
        if reverse && only != Some(Imp::Ss) {
            plain.push(f(Imp::Plain));
        }
        if only != Some(Imp::Plain) {
            ss.push(f(Imp::Ss));
        }
        if !reverse && only != Some(Imp::Ss) {
            plain.push(f(Imp::Plain));
        }
    }
    (ss, plain)
}

fn machine() -> Vec<(&'static str, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown".to_string(), |(_, m)| m.trim().to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".to_string(), |s| s.trim().to_string());
    vec![
        (
            "nproc",
            thread::available_parallelism()
                .map_or(0, |n| n.get())
                .to_string(),
        ),
        ("cpu", model),
        ("kernel", kernel),
        ("openssl", openssl::version::version().to_string()),
    ]
}

fn kib(b: f64) -> String {
    format!("{:.1}", b / 1024.0)
}

fn main() {
    // Must come before anything makes OpenSSL allocate.
    let tracing = std::env::args().any(|a| a == "--mem-trace");
    if tracing {
        assert!(trace::install(), "CRYPTO_set_mem_functions refused");
    }
    let opts = Opts::parse();
    if tracing {
        mem_trace(Sizes::new(opts.quick).conns);
        return;
    }
    let sz = Sizes::new(opts.quick);
    let rounds = opts.rounds;
    let info = machine();
    println!("sslsocket vs openssl crate, loopback 127.0.0.1");
    for (k, v) in &info {
        println!("  {k}: {v}");
    }
    println!(
        "  mode: {}, {} rounds per figure, interleaved (sslsocket, openssl, sslsocket, ...)",
        if opts.quick {
            "QUICK (smoke test, timings not judged)"
        } else {
            "full"
        },
        rounds
    );
    let mut report = Report {
        quick: opts.quick,
        rounds,
        figures: Vec::new(),
        breakdown: Vec::new(),
    };

    // Handshakes.
    let protos = [
        Proto::TLS13_ECDSA,
        Proto {
            tls13: false,
            key: Key::Ecdsa,
        },
        Proto {
            tls13: true,
            key: Key::Rsa,
        },
        Proto {
            tls13: false,
            key: Key::Rsa,
        },
    ];
    for p in protos {
        for resume in [false, true] {
            let kind = if resume { "resumed" } else { "full" };
            let id = format!("hs_{kind}_{}", p.id());
            if !opts.selected(&id) {
                continue;
            }
            let n = if resume { sz.resumed } else { sz.full };
            let k = Knobs {
                client_resume: resume,
                ..Knobs::default()
            };
            let expect = if resume { n } else { 0 };
            let check = |imp: Imp, o: &HsOut| {
                assert_eq!(
                    (o.reused, o.server_reused),
                    (expect, expect),
                    "{}: {kind} {}: {} of {n} handshakes resumed on the client, {} on the server",
                    imp.name(),
                    p.label(),
                    o.reused,
                    o.server_reused
                );
            };
            let mut own_store = Vec::new();
            let (ss, plain) = interleave(rounds, |imp| {
                let o = hs_round(imp, p, k, n, sz.warm);
                check(imp, &o);
                if imp == Imp::Plain && !resume {
                    // Round r of the reference without system CA lookups.
                    let k = Knobs {
                        own_store: true,
                        ..k
                    };
                    let o = hs_round(imp, p, k, n, sz.warm);
                    check(imp, &o);
                    own_store.push(o.rate);
                }
                o
            });
            let counts = |v: &[HsOut]| {
                v.iter()
                    .map(|o| o.reused.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let note = format!(
                "session_reused() on the client, per round of {n}: sslsocket [{}], openssl [{}] (asserted == {})",
                counts(&ss),
                counts(&plain),
                if resume { n } else { 0 }
            );
            let rate = |v: &[HsOut]| v.iter().map(|o| o.rate).collect::<Vec<_>>();
            let mut notes = vec![note];
            if !own_store.is_empty() {
                let ss_median = median(&rate(&ss));
                notes.push(format!(
                    "openssl with a store holding only ca.pem (no system CA lookups), run right after \
                     each openssl round: median {}/s, sslsocket/that {:.3}",
                    num(median(&own_store)),
                    ss_median / median(&own_store)
                ));
            }
            let cpu = |v: &[HsOut]| v.iter().map(|o| o.cpu_us).collect::<Vec<_>>();
            report.add(Figure {
                id: id.clone(),
                title: format!("{kind} handshakes/s, {}", p.label()),
                unit: "handshakes/s",
                ss: rate(&ss),
                plain: rate(&plain),
                judge: Judge::RatioAtLeast98,
                notes,
            });
            report.add(Figure {
                id: format!("cpu_{kind}_{}", p.id()),
                title: format!("CPU per {kind} handshake, {}", p.label()),
                unit: "us both sides",
                ss: cpu(&ss),
                plain: cpu(&plain),
                judge: Judge::None,
                notes: vec![],
            });
        }
    }

    // Bulk throughput.
    if opts.selected("bulk") {
        let (ss, plain) = interleave(rounds, |imp| bulk_round(Some(imp), sz.bulk));
        let tcp: Vec<f64> = (0..rounds.min(5))
            .map(|_| bulk_round(None, sz.bulk).0)
            .collect();
        let first = |v: &[(f64, f64)]| v.iter().map(|x| x.0).collect::<Vec<_>>();
        let second = |v: &[(f64, f64)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
        report.add(Figure {
            id: "bulk".into(),
            title: "bulk, 16 KiB writes, TLS1.3 AES-256-GCM".into(),
            unit: "MB/s",
            ss: first(&ss),
            plain: first(&plain),
            judge: Judge::RatioAtLeast98,
            notes: vec![format!(
                "plain TCP, same loop: median {} MB/s (min {}, max {})",
                num(median(&tcp)),
                num(min(&tcp)),
                num(max(&tcp))
            )],
        });
        report.add(Figure {
            id: "cpu_bulk".into(),
            title: "CPU per GB, bulk".into(),
            unit: "ms both sides",
            ss: second(&ss),
            plain: second(&plain),
            judge: Judge::None,
            notes: vec![],
        });
    }

    // Both directions at once, on split halves (sslsocket only), against
    // one direction in the same run.
    if opts.selected("duplex") {
        let n = rounds.min(7);
        let mut both = Vec::new();
        let mut one = Vec::new();
        for _ in 0..n {
            both.push(duplex_round(sz.bulk));
            one.push(bulk_round(Some(Imp::Ss), sz.bulk).0);
        }
        let ratio = median(&both) / median(&one);
        report.add(Figure {
            id: "duplex".into(),
            title: "duplex bulk: sslsocket both directions at once (split halves, sum) | \
                    sslsocket one direction"
                .into(),
            unit: "MB/s",
            ss: both,
            plain: one,
            judge: Judge::None,
            notes: vec![format!(
                "both directions / one direction: {ratio:.2} (2 cores: 2 would be perfect overlap)"
            )],
        });
    }

    // Echo round trips.
    if opts.selected("echo") {
        let (ss, plain) = interleave(rounds, |imp| echo_round(Some(imp), sz.echo));
        let tcp: Vec<f64> = (0..rounds.min(5))
            .map(|_| echo_round(None, sz.echo))
            .collect();
        report.add(Figure {
            id: "echo".into(),
            title: "64-byte echo round trips/s, TLS1.3, TCP_NODELAY".into(),
            unit: "round trips/s",
            ss,
            plain,
            judge: Judge::RatioAtLeast98,
            notes: vec![format!(
                "plain TCP, same loop: median {} round trips/s",
                num(median(&tcp))
            )],
        });
    }

    // Post-handshake certificate requests (sslsocket only).
    if opts.selected("pha") {
        // With Nagle on, every request waits for a delayed ACK (the server
        // writes a ticket, then the next ticket and CertificateRequest), so
        // that variant gets far fewer requests.
        let nagle_n = (sz.pha / 50).max(3);
        for (id, nodelay, n) in [("pha", true, sz.pha), ("pha_nagle", false, nagle_n)] {
            let v: Vec<(f64, f64)> = (0..rounds).map(|_| pha_round(n, nodelay)).collect();
            report.add(Figure {
                id: id.into(),
                title: format!(
                    "post-handshake cert requests/s, TLS1.3 mode 9, {}",
                    if nodelay { "TCP_NODELAY" } else { "Nagle on" }
                ),
                unit: "requests/s",
                ss: v.iter().map(|x| x.0).collect(),
                plain: vec![],
                judge: Judge::None,
                notes: vec![format!(
                    "CPU per request, both sides: median {} us; {n} requests per round on one connection",
                    num(median(&v.iter().map(|x| x.1).collect::<Vec<_>>())),
                )],
            });
        }
    }

    // Idle memory.
    if opts.selected("memory") {
        raise_nofile(2 * sz.conns as u64 + 256);
        let p = Proto::TLS13_ECDSA;
        let full = Knobs::default();
        for imp in [Imp::Ss, Imp::Plain] {
            let (s, c) = make_pair(imp, p, full);
            mem_round(sz.conns.min(100), s, c);
        }
        let (ss, plain) = interleave(rounds.min(7), |imp| {
            let (s, c) = make_pair(imp, p, full);
            let o = mem_round(sz.conns, s, c);
            assert_eq!(o.resumed, 0, "memory test connections are full handshakes");
            o
        });
        let pick = |v: &[MemOut], f: fn(&MemOut) -> f64| v.iter().map(|o| f(o) / 1024.0).collect();
        type Field = (&'static str, &'static str, fn(&MemOut) -> f64);
        let fields: [Field; 4] = [
            ("mem_rss", "idle connection, RSS growth, both ends", |o| {
                o.rss_both
            }),
            (
                "mem_heap",
                "idle connection, malloc in use, both ends",
                |o| o.heap_both,
            ),
            (
                "mem_heap_client",
                "idle connection, malloc in use, client end",
                |o| o.heap_client,
            ),
            (
                "mem_heap_server",
                "idle connection, malloc in use, server end",
                |o| o.heap_server,
            ),
        ];
        for (id, title, f) in fields {
            report.add(Figure {
                id: id.into(),
                title: title.into(),
                unit: "KiB per connection",
                ss: pick(&ss, f),
                plain: pick(&plain, f),
                judge: if id == "mem_rss" || id == "mem_heap" {
                    Judge::NoMore
                } else {
                    Judge::None
                },
                notes: if id == "mem_rss" {
                    vec![format!(
                        "{} idle TLS1.3 ECDSA connections, both ends in this process, full handshakes, \
                         1-byte request/reply done (tickets read)",
                        sz.conns
                    )]
                } else {
                    vec![]
                },
            });
        }
    }

    if opts.selected("breakdown") {
        report.breakdown = breakdown(sz.conns);
    }

    report.summary();
    if let Some(path) = &opts.json {
        std::fs::write(path, report.json(&info)).expect("writing the JSON file");
        println!("\nfigures written to {}", path.display());
    }
}

/// Where the memory of an idle connection goes, from malloc's in-use bytes
/// (and RSS for whole connections).
fn breakdown(n: usize) -> Vec<(String, Option<f64>, Option<f64>)> {
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
    let tls12 = Proto {
        tls13: false,
        key: Key::Ecdsa,
    };
    let rsa = Proto {
        tls13: true,
        key: Key::Rsa,
    };
    let d = Knobs::default();
    let variants: Vec<(&str, Proto, Knobs, bool)> = vec![
        (
            "  SSL_free_buffers on both ends after the reply",
            p,
            Knobs {
                free_buffers: true,
                ..d
            },
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
            Knobs {
                client_resume: true,
                ..d
            },
            true,
        ),
        (
            "  client does not verify (mode NONE, no host-name check)",
            p,
            Knobs {
                client_verify_none: true,
                ..d
            },
            true,
        ),
        (
            "  server session cache off and no tickets",
            p,
            Knobs {
                server_cache_off: true,
                ..d
            },
            true,
        ),
        (
            "  client has a certificate (not asked for)",
            p,
            Knobs {
                client_cert: true,
                ..d
            },
            true,
        ),
        (
            "  RELEASE_BUFFERS cleared on both contexts",
            p,
            Knobs {
                keep_buffers: true,
                ..d
            },
            false,
        ),
        (
            "  client store holds only ca.pem (no system CA paths)",
            p,
            Knobs {
                own_store: true,
                ..d
            },
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
        row(
            format!("{label}: both ends{resumed}"),
            a.map(|o| o.heap_both),
            Some(b.heap_both),
        );
        row(
            format!("{label}: client end"),
            a.map(|o| o.heap_client),
            Some(b.heap_client),
        );
        row(
            format!("{label}: server end"),
            a.map(|o| o.heap_server),
            Some(b.heap_server),
        );
        row(
            format!("{label}: both ends, RSS"),
            a.map(|o| o.rss_both),
            Some(b.rss_both),
        );
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

/// `--mem-trace`: every OpenSSL allocation goes through these functions
/// (`CRYPTO_set_mem_functions`), which keep the live ones with the source
/// file and line OpenSSL passes, so an idle connection's memory can be
/// attributed to what allocated it.
mod trace {
    use std::collections::HashMap;
    use std::ffi::{c_char, c_int, c_void, CStr};
    use std::sync::Mutex;

    /// Live allocations: address -> (size, file, line).
    pub(super) type Live = HashMap<usize, (usize, usize, i32)>;

    static LIVE: Mutex<Option<Live>> = Mutex::new(None);

    unsafe extern "C" {
        fn CRYPTO_set_mem_functions(
            m: Option<unsafe extern "C" fn(usize, *const c_char, c_int) -> *mut c_void>,
            r: Option<
                unsafe extern "C" fn(*mut c_void, usize, *const c_char, c_int) -> *mut c_void,
            >,
            f: Option<unsafe extern "C" fn(*mut c_void, *const c_char, c_int)>,
        ) -> c_int;
    }

    fn record(p: *mut c_void, n: usize, file: *const c_char, line: c_int) {
        if let Ok(mut g) = LIVE.lock() {
            if let Some(m) = g.as_mut() {
                m.insert(p as usize, (n, file as usize, line));
            }
        }
    }

    fn forget(p: *mut c_void) {
        if p.is_null() {
            return;
        }
        if let Ok(mut g) = LIVE.lock() {
            if let Some(m) = g.as_mut() {
                m.remove(&(p as usize));
            }
        }
    }

    unsafe extern "C" fn t_malloc(n: usize, file: *const c_char, line: c_int) -> *mut c_void {
        // SAFETY: plain malloc; OpenSSL frees it through `t_free`.
        let p = unsafe { libc::malloc(n) };
        if !p.is_null() {
            record(p, n, file, line);
        }
        p
    }

    unsafe extern "C" fn t_realloc(
        p: *mut c_void,
        n: usize,
        file: *const c_char,
        line: c_int,
    ) -> *mut c_void {
        // SAFETY: `p` is null or came from `t_malloc`/`t_realloc` (libc).
        let q = unsafe { libc::realloc(p, n) };
        if !q.is_null() {
            forget(p);
            record(q, n, file, line);
        } else if n == 0 {
            forget(p);
        }
        q
    }

    unsafe extern "C" fn t_free(p: *mut c_void, _file: *const c_char, _line: c_int) {
        forget(p);
        // SAFETY: `p` is null or came from `t_malloc`/`t_realloc` (libc).
        unsafe { libc::free(p) }
    }

    /// Installs the functions; must run before OpenSSL allocates anything.
    pub(super) fn install() -> bool {
        *LIVE.lock().unwrap() = Some(HashMap::new());
        // SAFETY: the three functions are a consistent malloc/realloc/free
        // set over libc's allocator, valid for the life of the process.
        unsafe { CRYPTO_set_mem_functions(Some(t_malloc), Some(t_realloc), Some(t_free)) == 1 }
    }

    pub(super) fn snapshot() -> Live {
        LIVE.lock().unwrap().clone().unwrap_or_default()
    }

    /// `file:line` of an allocation site.
    pub(super) fn site(file: usize, line: i32) -> String {
        if file == 0 {
            return format!("?:{line}");
        }
        // SAFETY: OpenSSL passes `OPENSSL_FILE`, a static NUL-terminated string.
        let f = unsafe { CStr::from_ptr(file as *const c_char) };
        format!("{}:{line}", f.to_string_lossy())
    }
}

/// Bytes malloc really uses for a request of `n` (glibc, 64-bit).
fn chunk(n: usize) -> usize {
    (n + 8).max(32).div_ceil(16) * 16
}

/// `--mem-trace`: the memory test's connections, every OpenSSL allocation
/// attributed to its source line.
fn mem_trace(n: usize) {
    raise_nofile(2 * n as u64 + 256);
    let p = Proto::TLS13_ECDSA;
    // (site -> bytes) for [client, server] of each implementation.
    let mut per_imp: Vec<[HashMap<String, usize>; 2]> = Vec::new();
    let mut totals: Vec<f64> = Vec::new();
    for imp in [Imp::Ss, Imp::Plain] {
        let (s, c) = make_pair(imp, p, Knobs::default());
        mem_round(n.min(50), s, c);
        let (s, c) = make_pair(imp, p, Knobs::default());
        let mut snaps: Vec<trace::Live> = Vec::new();
        mem_round_probed(n, s, c, &mut |_| snaps.push(trace::snapshot()));
        let [base, loaded, clients_closed] =
            <[trace::Live; 3]>::try_from(snaps).unwrap_or_else(|_| panic!("three snapshots"));
        let mut sides: [HashMap<String, usize>; 2] = [HashMap::new(), HashMap::new()];
        let mut tracked = 0usize;
        for (addr, (size, file, line)) in &loaded {
            if base.contains_key(addr) {
                continue;
            }
            let side = usize::from(clients_closed.contains_key(addr));
            *sides[side].entry(trace::site(*file, *line)).or_default() += chunk(*size);
            tracked += chunk(*size);
        }
        totals.push(tracked as f64 / n as f64);
        per_imp.push(sides);
    }
    println!();
    println!(
        "OpenSSL allocations live per idle connection [mem-trace], bytes (malloc chunk sizes), \
         {n} TLS1.3 ECDSA connections"
    );
    for (i, side) in ["client end", "server end"].iter().enumerate() {
        let mut sites: Vec<String> = per_imp
            .iter()
            .flat_map(|s| s[i].keys().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let bytes = |imp: usize, site: &str| per_imp[imp][i].get(site).copied().unwrap_or(0);
        sites.sort_by_key(|s| std::cmp::Reverse(bytes(0, s).max(bytes(1, s))));
        println!(
            "  {side}: {:<60} {:>9} {:>9}",
            "allocation site", "sslsocket", "openssl"
        );
        let mut shown = (0usize, 0usize);
        for site in &sites {
            let (a, b) = (bytes(0, site), bytes(1, site));
            if a.max(b) / n < 64 {
                continue;
            }
            shown.0 += a;
            shown.1 += b;
            println!("    {:<70} {:>9} {:>9}", site, a / n, b / n);
        }
        let total = |imp: usize| per_imp[imp][i].values().sum::<usize>();
        println!(
            "    {:<70} {:>9} {:>9}",
            "(other sites, under 64 bytes each)",
            (total(0) - shown.0) / n,
            (total(1) - shown.1) / n
        );
        println!(
            "    {:<70} {:>9} {:>9}",
            "total",
            total(0) / n,
            total(1) / n
        );
    }
    for (imp, tracked) in [Imp::Ss, Imp::Plain].iter().zip(&totals) {
        println!(
            "  {}: OpenSSL allocations {:.0} B per connection; compare with the malloc-in-use \
             figure of a normal run (here the tracking table itself adds to malloc's count)",
            imp.name(),
            tracked
        );
    }
}
