//! Every verify mode, against real handshakes: what OpenSSL does with the
//! integer you set, shown over loopback with the test certificates in
//! `certs/`. Run this first.
//!
//! Two tables. In the first the **server's** mode is under test (0, 1, 3, 5,
//! 9) against a client with no certificate, a trusted one, one from a CA the
//! server does not trust, and an expired one. In the second the **client's**
//! mode is under test (0, 1, and 2 alone) against a server with a trusted
//! chain, a self-signed certificate, an expired one, one from an untrusted CA,
//! and one for another host name. Each row runs under TLS 1.2 and TLS 1.3.
//!
//! Each row does what a real application does: the client connects, writes
//! a line and reads the reply; the server echoes it. That matters for TLS
//! 1.3, where the client's handshake is over before the server has judged
//! the client's certificate: a server's rejection reaches the client on its
//! first read, not in `connect`. The table says which.
//!
//! Where the configuration under test has a likely mistake, the table
//! prints `SslConfig::warnings()` under the first row it applies to: the
//! sentence a program would log. Server mode 0 with a CA, 9 where only TLS
//! 1.2 is allowed, and client modes 0 (with a CA) and 2 have one, and the
//! rows beside it show what it warns of.
//!
//! The expected behaviour is written out below as OpenSSL documents it
//! (`SSL_CTX_set_verify(3)`, the table in `DESIGN.md`); each row is marked
//! `ok` or `MISMATCH`, and the exit status is 1 if any row does not match.
//!
//! Usage: cargo run --example verify_matrix
//!
//! `unwrap()` and `expect()` are used for brevity; they are not sensible
//! outside example code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use sslsocket::{
    Error, PeerVerification, SslConfig, SslConfigBuilder, SslListener, SslSocket, TlsVersion,
    VerifyMode, VerifyResult,
};

/// Every handshake and read is bounded, so the demo cannot hang.
const TIMEOUT: Duration = Duration::from_secs(3);

// The X509_V_* codes the rows expect.
const X509_V_OK: i32 = 0;
const X509_V_ERR_CERT_HAS_EXPIRED: i32 = 10;
const X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
const X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
const X509_V_ERR_HOSTNAME_MISMATCH: i32 = 62;

/// A certificate and its key, by file name in `certs/`.
type Identity = (&'static str, &'static str);

/// The client certificates the server-mode rows try.
const CLIENTS: [(&str, Option<Identity>); 4] = [
    ("none", None),
    ("trusted", Some(("client.pem", "client.key"))),
    (
        "untrusted CA",
        Some(("untrusted-client.pem", "untrusted-client.key")),
    ),
    (
        "expired",
        Some(("expired-client.pem", "expired-client.key")),
    ),
];

/// The server certificates the client-mode rows try, and what verifying
/// each one against `ca.pem` for the name `localhost` gives.
const SERVERS: [(&str, Identity, i32); 5] = [
    ("trusted", ("server-chain.pem", "server.key"), X509_V_OK),
    (
        "self-signed",
        ("self-signed.pem", "self-signed.key"),
        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
    ),
    (
        "expired",
        ("expired-chain.pem", "expired.key"),
        X509_V_ERR_CERT_HAS_EXPIRED,
    ),
    (
        "untrusted CA",
        ("untrusted-server.pem", "untrusted-server.key"),
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    ),
    (
        "wrong host",
        ("wrong-host-chain.pem", "wrong-host.key"),
        X509_V_ERR_HOSTNAME_MISMATCH,
    ),
];

const VERSIONS: [TlsVersion; 2] = [TlsVersion::Tls1_2, TlsVersion::Tls1_3];

/// Whose verify mode a row is about; that side is also the one that verifies.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Server,
    Client,
}

/// How a row ends.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    /// Handshake done, line echoed.
    Connected,
    /// The server refused the client's certificate (or its absence), and the
    /// client learnt it in `connect` (TLS 1.2).
    ServerRejectedInConnect,
    /// The server refused, and the client learnt it on its first read after
    /// a handshake that had succeeded on its side (TLS 1.3).
    ServerRejectedAfterConnect,
    /// The client refused the server's certificate during `connect`.
    ClientAborted,
    /// Anything else (a timeout, an I/O error, …).
    Other,
}

/// What the verifying side saw of its peer's certificate.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Seen {
    /// No certificate was sent (OpenSSL's verify result is then `X509_V_OK`).
    NoCertificate,
    /// A certificate was sent; this is its verify result.
    Result(i32),
    /// Nothing to tell (the row failed some other way).
    Unknown,
}

impl Seen {
    fn describe(self) -> String {
        match self {
            Seen::NoCertificate => "no certificate".into(),
            Seen::Result(code) => VerifyResult::from_code(code).name().into(),
            Seen::Unknown => "-".into(),
        }
    }
}

struct Row {
    side: Side,
    mode: VerifyMode,
    version: TlsVersion,
    situation: &'static str,
    /// The peer's certificate: the client's in a server row, the server's in a client row.
    peer: Option<Identity>,
    expected: (Verdict, Seen),
}

/// What a row did.
struct Observed {
    /// `SslConfig::warnings()` of the configuration under test.
    warnings: Vec<String>,
    verdict: Verdict,
    seen: Seen,
    /// The negotiated protocol version, when the connection came up.
    version: Option<&'static str>,
    /// The outcome in words, from the verifying side, for the table.
    outcome: String,
    /// What the other side saw, when it is not simply "connected".
    detail: Option<String>,
}

/// The server's expected behaviour, as `SSL_CTX_set_verify(3)` documents it.
fn expect_server(
    mode: VerifyMode,
    version: TlsVersion,
    client: Option<Identity>,
) -> (Verdict, Seen) {
    // Rejected by the server: TLS 1.2 clients hear it in connect; TLS 1.3
    // clients have finished their handshake by then and hear it on a read.
    let rejected = match version {
        TlsVersion::Tls1_3 => Verdict::ServerRejectedAfterConnect,
        _ => Verdict::ServerRejectedInConnect,
    };
    // NONE (0): no CertificateRequest, so the client sends no certificate.
    // PEER|POST_HANDSHAKE (9) under TLS 1.3: no request in the handshake
    // either (only later, by post-handshake authentication). Under TLS 1.2
    // the POST_HANDSHAKE bit has no effect: 9 behaves like 1.
    let requests = mode.contains(VerifyMode::PEER)
        && !(mode.contains(VerifyMode::POST_HANDSHAKE) && version == TlsVersion::Tls1_3);
    if !requests {
        return (Verdict::Connected, Seen::NoCertificate);
    }
    match client.map(|(cert, _)| cert) {
        // PEER (1), PEER|CLIENT_ONCE (5): a client without a certificate is
        // accepted; PEER|FAIL_IF_NO_PEER_CERT (3) rejects it.
        None if mode.contains(VerifyMode::FAIL_IF_NO_PEER_CERT) => (rejected, Seen::NoCertificate),
        None => (Verdict::Connected, Seen::NoCertificate),
        // A certificate that is sent must verify, or the handshake aborts.
        Some("client.pem") => (Verdict::Connected, Seen::Result(X509_V_OK)),
        Some("untrusted-client.pem") => (
            rejected,
            Seen::Result(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
        ),
        Some("expired-client.pem") => (rejected, Seen::Result(X509_V_ERR_CERT_HAS_EXPIRED)),
        Some(other) => unreachable!("no expectation for {other}"),
    }
}

/// The client's expected behaviour: the server's chain and host name are
/// always verified and the result recorded. NONE (0) carries on whatever it
/// is; any other mode, even FAIL_IF_NO_PEER_CERT (2) without PEER, aborts.
fn expect_client(mode: VerifyMode, code: i32) -> (Verdict, Seen) {
    if code == X509_V_OK || mode.is_none() {
        (Verdict::Connected, Seen::Result(code))
    } else {
        (Verdict::ClientAborted, Seen::Result(code))
    }
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for bits in [0, 1, 3, 5, 9] {
        let mode = VerifyMode::try_from(bits).unwrap();
        for version in VERSIONS {
            for (situation, client) in CLIENTS {
                rows.push(Row {
                    side: Side::Server,
                    mode,
                    version,
                    situation,
                    peer: client,
                    expected: expect_server(mode, version, client),
                });
            }
        }
    }
    for bits in [0, 1, 2] {
        let mode = VerifyMode::try_from(bits).unwrap();
        for version in VERSIONS {
            for (situation, server, code) in SERVERS {
                rows.push(Row {
                    side: Side::Client,
                    mode,
                    version,
                    situation,
                    peer: Some(server),
                    expected: expect_client(mode, code),
                });
            }
        }
    }
    rows
}

fn cert(name: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "certs", name].iter().collect()
}

fn bounded(b: &mut SslConfigBuilder, version: TlsVersion) {
    b.set_version(version)
        .set_connect_timeout(Some(TIMEOUT))
        .set_handshake_timeout(Some(TIMEOUT))
        .set_read_timeout(Some(TIMEOUT))
        .set_write_timeout(Some(TIMEOUT));
}

/// The two configurations of a row. The client always trusts `ca.pem`; the
/// server trusts it too when it verifies clients.
fn configs(row: &Row) -> (SslConfig, SslConfig) {
    let mut server = SslConfig::server();
    let mut client = SslConfig::client();
    bounded(&mut server, row.version);
    bounded(&mut client, row.version);
    client.set_ca_file(cert("ca.pem"));
    match row.side {
        Side::Server => {
            server
                .set_certificate_file(cert("server-chain.pem"))
                .set_private_key_file(cert("server.key"))
                .set_ca_file(cert("ca.pem"))
                .set_verify_mode(row.mode)
                .unwrap();
            if let Some((c, k)) = row.peer {
                client
                    .set_certificate_file(cert(c))
                    .set_private_key_file(cert(k));
            }
        }
        Side::Client => {
            let (c, k) = row.peer.unwrap();
            server
                .set_certificate_file(cert(c))
                .set_private_key_file(cert(k));
            client.set_verify_mode(row.mode).unwrap();
        }
    }
    (server.build().unwrap(), client.build().unwrap())
}

/// How the server's side of a row ended.
enum ServerEnd {
    /// Handshake done, line echoed.
    Served { seen: Seen },
    /// The handshake failed: the server rejected the client, or the client aborted.
    HandshakeFailed(Error),
    /// The handshake succeeded, the echo did not.
    EchoFailed(Error),
}

/// How the client's side of a row ended.
enum ClientEnd {
    Echoed {
        seen: Seen,
        version: &'static str,
    },
    ConnectFailed(Error),
    /// Connected, then the exchange failed (the write or the first read).
    ExchangeFailed(Error),
    /// Connected, but the reply was not the line sent.
    WrongReply(String),
}

fn seen_by(tls: &SslSocket) -> Seen {
    match tls.peer_verification() {
        PeerVerification::NoCertificate => Seen::NoCertificate,
        PeerVerification::Verified => Seen::Result(X509_V_OK),
        PeerVerification::Failed(r) => Seen::Result(r.code()),
    }
}

/// Reads up to and including a `\n` (or to the end of the stream).
fn read_line(tls: &mut SslSocket) -> Result<Vec<u8>, Error> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        if tls.recv(&mut byte)? == 0 {
            break;
        }
        line.push(byte[0]);
    }
    Ok(line)
}

/// The server: accept one connection, echo one line.
fn serve_one(listener: SslListener) -> ServerEnd {
    let mut tls = match listener.accept() {
        Ok((tls, _)) => tls,
        Err(e) => return ServerEnd::HandshakeFailed(e),
    };
    let seen = seen_by(&tls);
    let echoed = read_line(&mut tls).and_then(|line| tls.send_all(&line));
    let _ = tls.shutdown();
    match echoed {
        Ok(()) => ServerEnd::Served { seen },
        Err(e) => ServerEnd::EchoFailed(e),
    }
}

/// The client: connect, write a line, read the reply.
fn client_one(config: &SslConfig, addr: SocketAddr) -> ClientEnd {
    let target = format!("localhost:{}", addr.port());
    let mut tls = match SslSocket::connect(config, &target) {
        Ok(tls) => tls,
        Err(e) => return ClientEnd::ConnectFailed(e),
    };
    let seen = seen_by(&tls);
    let version = tls.version();
    // If the server has already rejected us the write may fail; the alert
    // that says why is still waiting to be read.
    let written = tls.send_all(b"hello\n");
    match (read_line(&mut tls), written) {
        (Ok(reply), Ok(())) if reply == b"hello\n" => {
            let _ = tls.shutdown();
            ClientEnd::Echoed { seen, version }
        }
        (Ok(reply), Ok(())) => ClientEnd::WrongReply(String::from_utf8_lossy(&reply).into()),
        (Err(e), _) | (Ok(_), Err(e)) => ClientEnd::ExchangeFailed(e),
    }
}

/// An error in a few words: the alert's name, the verify result, or the variant.
fn brief(e: &Error) -> String {
    match e {
        Error::AlertReceived { alert, .. } => format!("alert {}", alert.name()),
        Error::VerifyFailed { failure } => failure.result.name().to_string(),
        Error::PeerCertificateRequired => "PeerCertificateRequired".into(),
        Error::HandshakeEof => "HandshakeEof".into(),
        Error::UnexpectedEof => "UnexpectedEof".into(),
        Error::Timeout { operation, .. } => format!("Timeout ({operation})"),
        other => other.to_string(),
    }
}

/// The name of the error a server reports for a rejected client.
fn rejection(e: &Error) -> String {
    match e {
        Error::VerifyFailed { .. } => "VerifyFailed".into(),
        other => brief(other),
    }
}

fn run(row: &Row) -> Observed {
    let (server_config, client_config) = configs(row);
    let tested = match row.side {
        Side::Server => &server_config,
        Side::Client => &client_config,
    };
    let warnings = tested.warnings().iter().map(ToString::to_string).collect();
    let listener = SslListener::bind("127.0.0.1:0", &server_config).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || serve_one(listener));
    let client = client_one(&client_config, addr);
    let server = server.join().unwrap();

    // The verifying side's view of its peer's certificate.
    let seen_on_error = |e: &Error| match e {
        Error::PeerCertificateRequired => Seen::NoCertificate,
        e => e
            .verify_result()
            .map_or(Seen::Unknown, |r| Seen::Result(r.code())),
    };
    let server_seen = match &server {
        ServerEnd::Served { seen } => *seen,
        ServerEnd::HandshakeFailed(e) | ServerEnd::EchoFailed(e) => seen_on_error(e),
    };
    let tls = row.version.name().trim_start_matches("TLSv");
    let (verdict, client_seen, version, outcome, detail) = match (&client, &server) {
        (ClientEnd::Echoed { seen, version }, ServerEnd::Served { .. }) => (
            Verdict::Connected,
            *seen,
            Some(*version),
            "connected".to_string(),
            None,
        ),
        (ClientEnd::ConnectFailed(e), server) if e.verify_result().is_some() => (
            Verdict::ClientAborted,
            seen_on_error(e),
            None,
            format!("client aborted: {}", brief(e)),
            match server {
                ServerEnd::HandshakeFailed(se) => Some(format!("server: {} in accept", brief(se))),
                _ => None,
            },
        ),
        (ClientEnd::ConnectFailed(e), ServerEnd::HandshakeFailed(se)) => (
            Verdict::ServerRejectedInConnect,
            Seen::Unknown,
            None,
            format!("server rejected: {}", rejection(se)),
            Some(format!("client: {} in connect", brief(e))),
        ),
        (ClientEnd::ExchangeFailed(e), ServerEnd::HandshakeFailed(se)) => (
            Verdict::ServerRejectedAfterConnect,
            Seen::Unknown,
            None,
            format!("server rejected: {}", rejection(se)),
            Some(format!(
                "client: rejected after connect (TLS {tls}): {}",
                brief(e)
            )),
        ),
        (client, server) => {
            let client = match client {
                ClientEnd::Echoed { .. } => "line echoed".to_string(),
                ClientEnd::ConnectFailed(e) => format!("connect failed: {e}"),
                ClientEnd::ExchangeFailed(e) => format!("exchange failed: {e}"),
                ClientEnd::WrongReply(r) => format!("unexpected reply {r:?}"),
            };
            let server = match server {
                ServerEnd::Served { .. } => "line echoed".to_string(),
                ServerEnd::HandshakeFailed(e) => format!("handshake failed: {e}"),
                ServerEnd::EchoFailed(e) => format!("echo failed: {e}"),
            };
            (
                Verdict::Other,
                Seen::Unknown,
                None,
                "failed".to_string(),
                Some(format!("client: {client}; server: {server}")),
            )
        }
    };
    Observed {
        warnings,
        verdict,
        seen: match row.side {
            Side::Server => server_seen,
            Side::Client => client_seen,
        },
        version,
        outcome,
        detail,
    }
}

const NOTES: &str = "\
What to notice:
- Server modes 0, and 9 under TLS 1.3, send no CertificateRequest: even a trusted
  client certificate is never sent (9 asks only later, by post-handshake auth).
- \"no certificate\" and X509_V_OK are the same to SSL_get_verify_result;
  SslSocket::peer_verification() tells them apart.
- Under TLS 1.3 the client's connect() succeeds before the server has judged its
  certificate; the server's rejection arrives on the client's first read.
- A client in mode 0 still verifies and records why verification failed.
- On a client any non-zero mode aborts on a failed verification, even 2
  (FAIL_IF_NO_PEER_CERT) without PEER; on a server 2 alone would act as 0.
- \"warning:\" lines are SslConfig::warnings() of the configuration under test,
  each printed under the first row it applies to: settings OpenSSL accepts and
  then ignores (a CA on a server in mode 0, 9 where only TLS 1.2 is allowed,
  2 on a client) or that do not do what they look like (0 on a client with a CA).";

fn mode_name(mode: VerifyMode) -> String {
    // Debug prints the C names: "SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE".
    let names = format!("{mode:?}")
        .replace("SSL_VERIFY_", "")
        .replace(" | ", "|");
    format!("{} {names}", mode.bits())
}

fn main() {
    let rows = rows();
    let mut table: Vec<(Side, [String; 6], Vec<String>)> = Vec::new();
    let mut mismatches = 0;
    let mut warned = std::collections::HashSet::new();
    for row in &rows {
        let got = run(row);
        let version_ok = got.version.is_none_or(|v| v == row.version.name());
        let matches = (got.verdict.clone(), got.seen) == row.expected && version_ok;
        let mut below: Vec<String> = got.detail.into_iter().collect();
        for warning in got.warnings {
            if warned.insert(warning.clone()) {
                below.push(format!("warning: {warning}"));
            }
        }
        if !matches {
            mismatches += 1;
            below.push(format!(
                "MISMATCH: expected {:?} with {} under {}; got {:?} with {}, negotiated {}",
                row.expected.0,
                row.expected.1.describe(),
                row.version,
                got.verdict,
                got.seen.describe(),
                got.version.unwrap_or("nothing"),
            ));
        }
        let cells = [
            mode_name(row.mode),
            row.version.name().trim_start_matches("TLSv").to_string(),
            row.situation.to_string(),
            got.outcome,
            got.seen.describe(),
            if matches { "ok" } else { "MISMATCH" }.to_string(),
        ];
        table.push((row.side, cells, below));
    }

    let headers = [
        [
            "server mode",
            "TLS",
            "client cert",
            "outcome",
            "verify result",
            "check",
        ],
        [
            "client mode",
            "TLS",
            "server cert",
            "outcome",
            "verify result",
            "check",
        ],
    ];
    let mut widths = headers[0].map(str::len);
    for (_, cells, _) in &table {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.len());
        }
    }
    let print_cells = |cells: &[&str]| {
        let mut line = String::new();
        for (c, w) in cells.iter().zip(widths) {
            line.push_str(&format!("{c:w$}  "));
        }
        println!("{}", line.trim_end());
    };
    // Lines under a row start in the outcome column.
    let indent = widths[..3].iter().map(|w| w + 2).sum::<usize>() + 2;
    let sections = [
        (
            Side::Server,
            "The server verifies the client: server mode x client certificate \
             (the client trusts the server)",
        ),
        (
            Side::Client,
            "The client verifies the server: client mode x server certificate \
             (trusting certs/ca.pem, connecting to localhost)",
        ),
    ];
    for ((side, title), header) in sections.into_iter().zip(headers) {
        println!("{title}\n");
        print_cells(&header);
        for (_, cells, below) in table.iter().filter(|(s, _, _)| *s == side) {
            print_cells(&cells.each_ref().map(String::as_str));
            for extra in below {
                println!("{:indent$}{extra}", "");
            }
        }
        println!();
    }
    println!("{NOTES}\n");
    println!(
        "{} rows, {} match, {} mismatch",
        rows.len(),
        rows.len() - mismatches,
        mismatches
    );
    if mismatches > 0 {
        std::process::exit(1);
    }
}
