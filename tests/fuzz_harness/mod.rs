//! What each fuzz target does with its input, written once for the
//! fuzzer (`fuzz/`, which includes this file) and for the corpus replay
//! (`tests/fuzz_corpus.rs`, run by `cargo test`).
//!
//! Every target runs real sockets over a `UnixStream::pair()`: the input
//! is what the peer sends. A target must never panic, whatever the input;
//! the hooks it installs panic only on purpose, on inputs that name them
//! (a server name or ALPN protocol starting with `panic`), and the crate
//! turns those panics into errors.

// Each includer uses a different part of this module.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::{Once, OnceLock};
use std::thread;
use std::time::Duration;

use sslsocket::{
    CertReqs, Error, Identity, SniDecision, SslConfig, SslConfigBuilder, SslSocket, TlsVersion,
    VerifyMode, VerifyResult,
};

const CA: &[u8] = include_bytes!("../../certs/ca.pem");
const RSA_CA: &[u8] = include_bytes!("../../certs/rsa/ca.pem");
const SERVER_CHAIN: &[u8] = include_bytes!("../../certs/server-chain.pem");
const SERVER_KEY: &[u8] = include_bytes!("../../certs/server.key");
const RSA_SERVER_CHAIN: &[u8] = include_bytes!("../../certs/rsa/server-chain.pem");
const RSA_SERVER_KEY: &[u8] = include_bytes!("../../certs/rsa/server.key");
const OTHER_CHAIN: &[u8] = include_bytes!("../../certs/wrong-host-chain.pem");
const OTHER_KEY: &[u8] = include_bytes!("../../certs/wrong-host.key");
const CLIENT: &[u8] = include_bytes!("../../certs/client.pem");
const CLIENT_KEY: &[u8] = include_bytes!("../../certs/client.key");
const RSA_CLIENT: &[u8] = include_bytes!("../../certs/rsa/client.pem");
const RSA_CLIENT_KEY: &[u8] = include_bytes!("../../certs/rsa/client.key");

/// The most of an input fed to a socket: well within what a Unix socket
/// holds, so that writing it never waits.
const MAX_FEED: usize = 64 * 1024;

/// A fuzz target: it takes any bytes.
pub(crate) type Target = fn(&[u8]);

/// The fuzz targets, by name.
pub(crate) const TARGETS: [(&str, Target); 4] = [
    ("server_handshake", server_handshake),
    ("client_handshake", client_handshake),
    ("established", established),
    ("parsers", parsers),
];

/// The target called `name`.
pub(crate) fn target(name: &str) -> Target {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no fuzz target {name}"))
        .1
}

/// Builds every configuration the targets use, so that the fuzzer's first
/// iteration runs the same code as the others.
pub(crate) fn warm_up() {
    quiet_deliberate_panics();
    server_config(0);
    client_config(0);
}

/// The message of the hooks' deliberate panics.
const DELIBERATE: &str = "deliberate panic in a fuzzed hook";

/// Keeps the deliberate panics quiet (any other panic is reported as
/// before): a fuzzer runs them thousands of times a second.
fn quiet_deliberate_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let deliberate = payload.downcast_ref::<&str>() == Some(&DELIBERATE)
                || payload.downcast_ref::<String>().map(String::as_str) == Some(DELIBERATE);
            if !deliberate {
                before(info)
            }
        }));
    });
}

fn timeouts(b: &mut SslConfigBuilder) -> &mut SslConfigBuilder {
    let t = Some(Duration::from_secs(1));
    b.set_handshake_timeout(t)
        .set_read_timeout(t)
        .set_write_timeout(t)
}

/// Server configuration `selector`: the verify mode is its low four bits
/// (every combination, 2, 4 and 8 without PEER included), bit 4 allows
/// only TLS 1.2, bit 5 presents the RSA certificate instead of ECDSA.
/// Every hook is installed.
fn server_config(selector: u8) -> &'static SslConfig {
    static CONFIGS: OnceLock<Vec<SslConfig>> = OnceLock::new();
    pick(&CONFIGS, 64, make_server_config, selector)
}

/// Configuration `selector` (modulo `n`) of those `make` builds, all built
/// at the first call.
fn pick(
    configs: &'static OnceLock<Vec<SslConfig>>,
    n: u8,
    make: fn(u8) -> SslConfig,
    selector: u8,
) -> &'static SslConfig {
    &configs.get_or_init(|| (0..n).map(make).collect())[usize::from(selector % n)]
}

fn make_server_config(selector: u8) -> SslConfig {
    let mut b = SslConfig::server();
    let (chain, key) = if selector & 32 != 0 {
        (RSA_SERVER_CHAIN, RSA_SERVER_KEY)
    } else {
        (SERVER_CHAIN, SERVER_KEY)
    };
    b.set_certificate_pem(chain)
        .set_private_key_pem(key)
        .add_ca_pem(CA)
        .add_ca_pem(RSA_CA)
        .set_session_cache(false)
        .set_verify_mode(i32::from(selector & 15))
        .expect("modes 0 to 15 are valid");
    if selector & 16 != 0 {
        b.set_version(TlsVersion::Tls1_2);
    }
    let other = Identity::from_pem(OTHER_CHAIN, OTHER_KEY).expect("certs/wrong-host");
    b.set_verify_callback(|check| {
        // Accepts what OpenSSL accepts, and any certificate deep in a chain.
        check.preverify_ok() || check.depth() > 2
    })
    .set_bad_certificate_callback(|check| {
        if check.subject().starts_with("CN=panic") {
            panic!("{}", DELIBERATE);
        }
        check.error().name() == "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT"
    })
    .set_server_name_callback(move |name| match name {
        "other.example" => SniDecision::Use(other.clone()),
        n if n.starts_with("reject") => SniDecision::Reject,
        n if n.starts_with("panic") => panic!("{}", DELIBERATE),
        _ => SniDecision::Default,
    })
    .set_alpn_select_callback(|offered| {
        if offered.iter().any(|p| p.starts_with("panic")) {
            panic!("{}", DELIBERATE);
        }
        offered
            .iter()
            .find(|p| *p == &"h2" || *p == &"http/1.1")
            .map(|p| p.to_string())
    })
    .set_handshake_callback(|event, ssl| {
        let _ = (event, ssl.version_str());
    });
    timeouts(&mut b);
    b.build().expect("a fuzzed server's configuration")
}

/// Client configuration `selector`: mode 0 or 1 (bit 0), TLS 1.2 at most
/// (bit 1), a client-certificate callback (ECDSA or RSA, by the CA names
/// asked for), a verify callback and handshake events.
fn client_config(selector: u8) -> &'static SslConfig {
    static CONFIGS: OnceLock<Vec<SslConfig>> = OnceLock::new();
    pick(&CONFIGS, 4, make_client_config, selector)
}

fn make_client_config(selector: u8) -> SslConfig {
    let mut b = SslConfig::client();
    b.add_ca_pem(CA)
        .add_ca_pem(RSA_CA)
        .set_use_system_ca(false)
        .set_session_cache(false)
        .set_verify_mode(i32::from(selector & 1))
        .expect("mode 0 or 1");
    if selector & 2 != 0 {
        b.set_max_version(Some(TlsVersion::Tls1_2));
    }
    b.set_alpn_protocols(&["h2", "http/1.1"])
        .expect("valid ALPN names")
        .set_verify_callback(|check| check.preverify_ok())
        .set_client_certificate_callback(|request| {
            let rsa = request.ca_names().iter().any(|n| n.contains("RSA"));
            let (cert, key) = if rsa {
                (RSA_CLIENT, RSA_CLIENT_KEY)
            } else {
                (CLIENT, CLIENT_KEY)
            };
            Identity::from_pem(cert, key).ok()
        })
        .set_handshake_callback(|event, ssl| {
            let _ = (event, ssl.version_str());
        });
    timeouts(&mut b);
    b.build().expect("a fuzzed client's configuration")
}

/// A socket pair whose far end has already sent `bytes` (at most
/// [`MAX_FEED`] of them) and closed its sending side; the far end is
/// returned too, to keep it open while the near end works.
fn fed(bytes: &[u8]) -> (UnixStream, UnixStream) {
    let (near, mut far) = UnixStream::pair().expect("a socket pair");
    let bytes = &bytes[..bytes.len().min(MAX_FEED)];
    far.write_all(bytes).expect("a socket pair takes 64 KiB");
    far.shutdown(Shutdown::Write).expect("shutdown");
    (near, far)
}

/// Calls every inspection a caller may make after a handshake, done or not.
fn inspect<S>(tls: &SslSocket<S>) {
    let _ = (
        tls.version(),
        tls.cipher_name(),
        tls.verify_result().name(),
        tls.peer_verification(),
        tls.verify_failure(),
        tls.peer_subject(),
        tls.peer_cert_chain().len(),
        tls.verified_chain().len(),
        tls.servername(),
        tls.alpn_protocol(),
        tls.is_secure(),
        tls.session_reused(),
        tls.security_status(),
    );
}

/// The bytes of a client, as a server sees them: the first byte picks the
/// server's configuration ([`server_config`]), the rest is what the
/// client sends.
pub(crate) fn server_handshake(data: &[u8]) {
    quiet_deliberate_panics();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (near, _far) = fed(rest);
    handshake_and_read(SslSocket::new_server(server_config(selector), near));
}

/// The bytes of a server, as a client sees them: the first byte picks the
/// client's configuration ([`client_config`]), the rest is what the
/// server sends.
pub(crate) fn client_handshake(data: &[u8]) {
    quiet_deliberate_panics();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (near, _far) = fed(rest);
    handshake_and_read(SslSocket::new_client(
        client_config(selector),
        near,
        Some("localhost"),
    ));
}

/// The handshake of a new socket, then reads until the peer's bytes end,
/// then every inspection.
fn handshake_and_read(tls: Result<SslSocket<UnixStream>, Error>) {
    let mut tls = tls.expect("a socket over a socket pair");
    if tls.handshake().is_ok() {
        let mut buf = [0u8; 4096];
        while matches!(tls.recv(&mut buf), Ok(n) if n > 0) {}
    }
    inspect(&tls);
}

/// An established connection between our client and our server, then a
/// script of steps, one byte each (some followed by their argument):
/// application data either way, reads, key updates, certificate requests
/// after the handshake (TLS 1.3 post-handshake auth, or TLS 1.2
/// renegotiation), shutdowns, and raw bytes written straight onto either
/// end's descriptor, so that they arrive as records of the peer's.
/// The first byte picks the versions and the server's mode.
pub(crate) fn established(data: &[u8]) {
    quiet_deliberate_panics();
    let Some((&selector, script)) = data.split_first() else {
        return;
    };
    let Some((mut client, mut server)) = connected(selector) else {
        return;
    };
    let mut script = script.iter().copied().take(256);
    let mut arg = |n: usize| -> Vec<u8> { script.by_ref().take(n).collect() };
    let mut requests = 0;
    let mut buf = vec![0u8; 32 * 1024];
    while let Some(op) = arg(1).first().copied() {
        match op % 14 {
            0 | 1 => {
                let len = usize::from(arg(1).first().copied().unwrap_or(0));
                let raw = arg(len);
                let to = if op % 14 == 0 { &client } else { &server };
                let _ = to.get_ref().write(&raw);
            }
            2 => {
                let len = usize::from(arg(1).first().copied().unwrap_or(0)) * 64;
                let _ = client.send(&vec![b'c'; len]);
            }
            3 => {
                let len = usize::from(arg(1).first().copied().unwrap_or(0)) * 64;
                let _ = server.send(&vec![b's'; len]);
            }
            4 => drain(&mut server, &mut buf),
            5 => drain(&mut client, &mut buf),
            6 => {
                let _ = client.key_update(op & 16 != 0);
            }
            7 => {
                let _ = server.key_update(op & 16 != 0);
            }
            8 if requests < 3 => {
                requests += 1;
                // Waits a moment: the client answers only when it reads.
                let _ = server.request_client_certificate(Some(Duration::from_millis(2)));
            }
            9 => {
                let _ = server.verify_client_post_handshake();
            }
            10 => {
                let _ = client.shutdown();
            }
            11 => {
                let _ = server.shutdown();
            }
            12 => {
                let _ = client.get_ref().shutdown(Shutdown::Write);
            }
            13 => {
                let _ = client.flush();
                let _ = server.flush();
            }
            _ => {}
        }
        inspect(&server);
    }
    inspect(&client);
}

/// Reads what is there, without waiting.
fn drain(tls: &mut SslSocket<UnixStream>, buf: &mut [u8]) {
    for _ in 0..64 {
        match tls.recv(buf) {
            Ok(n) if n > 0 => {}
            _ => return,
        }
    }
}

/// Our client and our server over a socket pair, handshaken, both in
/// non-blocking mode: bit 0 of `selector` picks TLS 1.2, bits 1 and 2 the
/// server's mode (1, 3, 5 or 9).
fn connected(selector: u8) -> Option<(SslSocket<UnixStream>, SslSocket<UnixStream>)> {
    let mode = [1u8, 3, 5, 9][usize::from((selector >> 1) & 3)];
    let version = if selector & 1 != 0 { 16 } else { 0 };
    let server_config = server_config(mode | version);
    let client_config = client_config(u8::from(selector & 1 != 0) * 2 + 1);
    let (a, b) = UnixStream::pair().ok()?;
    let mut client = SslSocket::new_client(client_config, a, Some("localhost")).ok()?;
    let mut server = SslSocket::new_server(server_config, b).ok()?;
    client.set_nonblocking(true).ok()?;
    server.set_nonblocking(true).ok()?;
    for _ in 0..32 {
        let c = client.handshake();
        let s = server.handshake();
        match (c, s) {
            (Ok(()), Ok(())) => return Some((client, server)),
            (Err(e), _) | (_, Err(e)) if !e.is_would_block() => return None,
            _ => {}
        }
    }
    None
}

/// The crate's parsers of outside bytes, the first byte picking which:
/// verify modes, protocol versions and `cert_reqs` from strings and
/// integers, ALPN lists, cipher lists, PEM and DER certificates, keys and
/// CA files, alerts and verify results by code, server names.
pub(crate) fn parsers(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let int = i32::from_le_bytes(
        rest.iter()
            .copied()
            .chain([0; 4])
            .take(4)
            .collect::<Vec<_>>()
            .try_into()
            .expect("four bytes"),
    );
    match which % 13 {
        0 => {
            if let Ok(mode) = text.parse::<VerifyMode>() {
                // What parses is a mode OpenSSL takes, and reads back.
                let mut b = SslConfig::client();
                b.set_verify_mode(mode).expect("a parsed mode is valid");
                assert_eq!(b.get_verify_mode(), mode);
            }
        }
        1 => {
            let _ = text.parse::<TlsVersion>().map(|v| {
                let mut b = SslConfig::client();
                b.set_min_version(Some(v));
                let _ = b.build();
            });
        }
        2 => {
            let _ = VerifyMode::try_from(int);
            let _ = CertReqs::try_from(int).map(|r| r.verify_mode(sslsocket::Role::Server));
        }
        3 => {
            let names: Vec<&str> = text.split('\0').collect();
            let mut b = SslConfig::client();
            if b.set_alpn_protocols(&names).is_ok() {
                b.build().expect("ALPN names the builder took");
            }
        }
        4 => {
            let mut b = SslConfig::client();
            b.set_cipher_list(&text);
            let _ = b.build();
        }
        5 => {
            let mut b = SslConfig::client();
            b.set_ciphersuites(&text);
            let _ = b.build();
        }
        6 => {
            let _ = Identity::from_pem(rest, SERVER_KEY);
        }
        7 => {
            let _ = Identity::from_pem(SERVER_CHAIN, rest);
        }
        8 => {
            let mut b = SslConfig::client();
            b.add_ca_pem(rest);
            let _ = b.build();
        }
        9 => {
            let mut b = SslConfig::server();
            b.set_certificate_pem(rest)
                .set_private_key_pem(SERVER_KEY)
                .set_chain_file(Path::new("/nonexistent"));
            let _ = b.build();
            let mut b = SslConfig::server();
            b.set_certificate_pem(rest).set_private_key_pem(rest);
            let _ = b.build();
        }
        10 => {
            for &code in rest.iter().take(64) {
                let _ = sslsocket::Alert::from_code(code).name();
            }
        }
        11 => {
            let r = VerifyResult::from_code(int);
            let _ = (r.name(), r.reason(), r.to_string(), r.is_ok());
        }
        _ => {
            // A server name, as a client is given one (no byte is sent).
            if let Ok((a, _b)) = UnixStream::pair() {
                let _ = SslSocket::new_client(client_config(0), a, Some(&text));
            }
        }
    }
}

/// The bytes one end of a real handshake sent, then the standard
/// exchange, recorded through a relay between two socket pairs:
/// `(client's, server's)`.
fn record(client: &SslConfig, name: &str, server: &SslConfig) -> (Vec<u8>, Vec<u8>) {
    let (c_near, c_far) = UnixStream::pair().expect("pair");
    let (s_near, s_far) = UnixStream::pair().expect("pair");
    let relay = |mut from: UnixStream, mut to: UnixStream| {
        thread::spawn(move || {
            let mut seen = Vec::new();
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 || to.write_all(&buf[..n]).is_err() {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
            }
            let _ = to.shutdown(Shutdown::Write);
            seen
        })
    };
    let up = relay(
        c_far.try_clone().expect("clone"),
        s_far.try_clone().expect("clone"),
    );
    let down = relay(s_far, c_far);
    let server = server.clone();
    let serving = thread::spawn(move || {
        let mut tls = SslSocket::new_server(&server, s_near)?;
        tls.handshake()?;
        tls.send_all(b"hello")?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).map_err(|e| Error::Io {
            during: sslsocket::Operation::Read,
            source: e,
        })?;
        tls.shutdown()
    });
    let result = SslSocket::upgrade_client(client, c_near, Some(name)).and_then(|mut tls| {
        let mut buf = [0u8; 5];
        let _ = tls.read_exact(&mut buf);
        tls.send_all(b"ping")?;
        let _ = tls.recv(&mut buf);
        tls.shutdown()
    });
    let _ = (result, serving.join());
    (up.join().expect("relay"), down.join().expect("relay"))
}

/// Writes the seed corpora, from real handshakes recorded through the
/// transport, under `dir/<target>/`.
pub(crate) fn record_seeds(dir: &Path) -> std::io::Result<()> {
    quiet_deliberate_panics();
    let write = |target: &str, name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let d = dir.join(target);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(name), bytes)
    };
    // Clients of every kind, against servers of several modes.
    let clients: [(&str, &str, SslConfig); 7] = [
        ("tls13", "localhost", plain_client(|_| {})),
        (
            "tls12",
            "localhost",
            plain_client(|b| {
                b.set_version(TlsVersion::Tls1_2);
            }),
        ),
        (
            "sni-other",
            "other.example",
            plain_client(|b| {
                b.set_check_hostname(false);
            }),
        ),
        (
            "sni-reject",
            "reject.example",
            plain_client(|b| {
                b.set_check_hostname(false);
            }),
        ),
        (
            "sni-panic",
            "panic.example",
            plain_client(|b| {
                b.set_check_hostname(false);
            }),
        ),
        (
            "alpn-panic",
            "localhost",
            plain_client(|b| {
                b.set_alpn_protocols(&["panic", "h2"]).expect("ALPN");
            }),
        ),
        (
            "cert",
            "localhost",
            plain_client(|b| {
                b.set_certificate_pem(CLIENT)
                    .set_private_key_pem(CLIENT_KEY);
            }),
        ),
    ];
    for (label, name, client) in &clients {
        for selector in [0u8, 1, 3, 9, 16 | 3, 32 | 16 | 1] {
            let (sent, _) = record(client, name, server_config(selector));
            let mut seed = vec![selector];
            seed.extend(sent);
            write("server_handshake", &format!("{label}-{selector}"), &seed)?;
        }
    }
    // Servers of several kinds, as each client configuration sees them.
    for selector in [0u8, 1, 32 | 16 | 1, 32 | 16 | 3, 16 | 1, 9] {
        for client in 0..4u8 {
            let (_, sent) = record(client_config(client), "localhost", server_config(selector));
            let mut seed = vec![client];
            seed.extend(sent);
            write(
                "client_handshake",
                &format!("server{selector}-client{client}"),
                &seed,
            )?;
        }
    }
    let scripts: [(&str, &[u8]); 6] = [
        ("data", &[0, 2, 4, 4, 3, 4, 5, 11, 5, 10, 4]),
        ("request13", &[6, 2, 1, 8, 5, 4, 5, 4, 3, 1, 5]),
        ("request12", &[7, 2, 1, 8, 5, 4, 5, 4, 3, 1, 5]),
        ("keyupdate", &[0, 6 | 16, 4, 5, 7, 5, 4, 2, 3, 4]),
        (
            "raw",
            &[6, 0, 5, 23, 3, 3, 0, 0, 4, 1, 5, 21, 3, 3, 0, 2, 5],
        ),
        ("pha-queued", &[6, 9, 13, 5, 4, 2, 2, 4, 12, 4]),
    ];
    for (name, script) in scripts {
        write("established", name, script)?;
    }
    let mut parsers: Vec<(String, Vec<u8>)> = vec![
        ("mode-int".into(), b"\x003".to_vec()),
        (
            "mode-names".into(),
            b"\x00SSL_VERIFY_PEER | CLIENT_ONCE".to_vec(),
        ),
        ("mode-hex".into(), b"\x000x9".to_vec()),
        ("version".into(), b"\x01TLSv1.2".to_vec()),
        ("int".into(), b"\x02\x03\x00\x00\x00".to_vec()),
        ("alpn".into(), b"\x03h2\x00http/1.1".to_vec()),
        ("ciphers".into(), b"\x04ECDHE+AESGCM:!aNULL".to_vec()),
        ("suites".into(), b"\x05TLS_AES_256_GCM_SHA384".to_vec()),
        ("alerts".into(), b"\x0a\x00\x28\x2a\x74".to_vec()),
        ("verify-result".into(), b"\x0b\x0a\x00\x00\x00".to_vec()),
        ("server-name".into(), b"\x0cwww.example.com.".to_vec()),
    ];
    let der = sslsocket::openssl::x509::X509::from_pem(CLIENT)
        .and_then(|c| c.to_der())
        .expect("certs/client.pem");
    for (which, label, bytes) in [
        (6u8, "cert-pem", SERVER_CHAIN),
        (6, "cert-der", &der[..]),
        (7, "key-pem", SERVER_KEY),
        (8, "ca-pem", CA),
        (9, "identity-pem", OTHER_CHAIN),
    ] {
        let mut seed = vec![which];
        seed.extend_from_slice(bytes);
        parsers.push((label.into(), seed));
    }
    for (name, seed) in parsers {
        write("parsers", &name, &seed)?;
    }
    Ok(())
}

/// A client trusting both test CAs, with `tweak` applied.
fn plain_client(tweak: impl FnOnce(&mut SslConfigBuilder)) -> SslConfig {
    let mut b = SslConfig::client();
    b.add_ca_pem(CA)
        .add_ca_pem(RSA_CA)
        .set_use_system_ca(false)
        .set_session_cache(false);
    timeouts(&mut b);
    tweak(&mut b);
    b.build().expect("a recording client")
}
