//! The `s_client`, `s_server`, `tokio_echo`, `tokio_server` and `verify_matrix` examples as programs: their
//! JSON events and tables, over real loopback handshakes. `cargo test` builds the examples
//! first.

mod common;

use common::{cert_arg as cert, example, openssl_cli};
use openssl_cli::Proc;
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// A running example whose stdout lines arrive on a channel; killed on drop.
struct Program {
    _proc: Proc,
    lines: mpsc::Receiver<String>,
}

impl Program {
    /// Runs the example `name` with `args`, `input` on its stdin, then end of file.
    fn start(name: &str, args: &[&str], input: &[u8]) -> Program {
        let (tx, lines) = mpsc::channel();
        let mut proc = Proc::start(example(name), args, Some(tx), None);
        proc.write_stdin(input);
        proc.close_stdin();
        Program { _proc: proc, lines }
    }

    /// The port of the server's `listening` event.
    fn port(&self) -> u16 {
        let listening = self.event("listening");
        listening
            .rsplit_once(':')
            .and_then(|(_, p)| p.trim_end_matches(['"', '}']).parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no port in {listening}"))
    }

    /// The stdout lines up to and including the next whose event is `event`.
    fn lines_until(&self, event: &str) -> Vec<String> {
        let tag = format!("{{\"event\":\"{event}\"");
        let mut lines = Vec::new();
        loop {
            match self.lines.recv_timeout(WAIT) {
                Ok(line) => {
                    let last = line.starts_with(&tag);
                    lines.push(line);
                    if last {
                        return lines;
                    }
                }
                Err(e) => panic!("no {event} event after {lines:?}: {e}"),
            }
        }
    }

    /// The next stdout line whose event is `event`.
    fn event(&self, event: &str) -> String {
        let tag = format!("{{\"event\":\"{event}\"");
        loop {
            match self.lines.recv_timeout(WAIT) {
                Ok(line) if line.starts_with(&tag) => return line,
                Ok(_) => {}
                Err(e) => panic!("no {event} event: {e}"),
            }
        }
    }
}

fn start_server(certificate: &str, key: &str) -> (Program, String) {
    let server = s_server_with(certificate, key, &["--once"]);
    let port = server.port();
    (server, format!("localhost:{port}"))
}

/// The `handshake` event names the alert that ended a failed handshake:
/// the one the client sent for its failed verification, the one the
/// server received; `null` when the handshake succeeded.
#[test]
fn the_handshake_event_names_the_alert() {
    let (server, addr) = start_server("untrusted-server.pem", "untrusted-server.key");
    let ca = cert("ca.pem");
    let client = Program::start("s_client", &["--connect", &addr, "--ca-file", &ca], b"hi\n");
    let sent = client.event("handshake");
    assert!(sent.contains("\"ok\":false"), "{sent}");
    assert!(sent.contains("\"alert\":\"unknown_ca\""), "{sent}");
    assert!(sent.contains("\"depth\":0"), "{sent}");
    let received = server.event("handshake");
    assert!(received.contains("\"alert\":\"unknown_ca\""), "{received}");

    let (server, addr) = start_server("server-chain.pem", "server.key");
    let client = Program::start("s_client", &["--connect", &addr, "--ca-file", &ca], b"hi\n");
    let ok = client.event("handshake");
    assert!(
        ok.contains("\"ok\":true") && ok.contains("\"alert\":null"),
        "{ok}"
    );
    let ok = server.event("handshake");
    assert!(
        ok.contains("\"ok\":true") && ok.contains("\"alert\":null"),
        "{ok}"
    );
}

/// The async echo server: one JSON handshake event per connection, with
/// the client certificate its verify mode asked for, and the bytes echoed.
#[cfg(feature = "tokio")]
#[test]
fn the_tokio_echo_server_reports_each_connection() {
    let ca = cert("ca.pem");
    for (with_cert, ok) in [(true, true), (false, false)] {
        let server = Program::start(
            "tokio_echo",
            &["--verify-mode", "3", "--ca-file", &ca, "--once"],
            b"",
        );
        let addr = format!("localhost:{}", server.port());
        let (c, k) = (cert("client.pem"), cert("client.key"));
        let mut args = vec!["--connect", &addr, "--ca-file", &ca];
        if with_cert {
            args.extend(["--cert", &c, "--key", &k]);
        }
        let _client = Program::start("s_client", &args, b"hi\n");
        let handshake = server.event("handshake");
        assert!(handshake.contains(&format!("\"ok\":{ok}")), "{handshake}");
        if ok {
            assert!(
                handshake.contains("\"peer_verification\":\"verified\"")
                    && handshake.contains("\"peer_subject\":\"CN=sslsocket test client\""),
                "{handshake}"
            );
            let closed = server.event("closed");
            assert!(closed.contains("\"bytes\":3"), "{closed}");
        }
    }
}

/// The `s_server` example with the localhost chain on a free port, and `extra`.
fn s_server(extra: &[&str]) -> Program {
    s_server_with("server-chain.pem", "server.key", extra)
}

/// The `s_server` example with `certs/<chain>` and `certs/<key>` on a free
/// port, and `extra`.
fn s_server_with(chain: &str, key: &str, extra: &[&str]) -> Program {
    let (c, k) = (cert(chain), cert(key));
    let mut args = vec!["--accept", "127.0.0.1:0", "--cert", &c, "--key", &k];
    args.extend_from_slice(extra);
    Program::start("s_server", &args, b"")
}

/// The `s_client` example to `server` on localhost, trusting the test root,
/// sending `input`.
fn s_client_to(server: &Program, input: &[u8]) -> Program {
    let (addr, ca) = (format!("localhost:{}", server.port()), cert("ca.pem"));
    Program::start("s_client", &["--connect", &addr, "--ca-file", &ca], input)
}

/// `--www` answers an HTTP GET as `openssl s_server -www` does: status line,
/// the handshake event as the page, close_notify.
#[test]
fn s_server_www_answers_a_get() {
    let server = s_server(&["--www", "--once"]);
    let client = s_client_to(&server, b"GET / HTTP/1.0\r\n\r\n");
    assert_www_answer(&client);
}

/// What `client` received is the `--www` answer: status line, the
/// handshake event as the page, close_notify.
fn assert_www_answer(client: &Program) {
    let status = client.event("received");
    assert!(status.contains("HTTP/1.0 200 ok"), "{status}");
    let page = loop {
        let line = client.event("received");
        if line.contains("handshake") {
            break line;
        }
    };
    assert!(page.contains("\\\"ok\\\":true"), "{page}");
    let closed = client.event("closed");
    assert!(closed.starts_with("{\"event\":\"closed\""), "{closed}");
}

/// The event-loop server answers a GET as the `s_server` example's
/// `--www` does, on every worker (with `--www-body`, that page), and
/// without `--www` echoes lines and reports each connection.
#[cfg(feature = "tokio")]
#[test]
fn tokio_server_answers_a_get_and_echoes() {
    let (c, k) = (cert("server-chain.pem"), cert("server.key"));
    let base = ["--accept", "127.0.0.1:0", "--cert", &c, "--key", &k];
    let www = Program::start(
        "tokio_server",
        &[&base[..], &["--www", "--workers", "2"]].concat(),
        b"",
    );
    let (addr, ca) = (format!("localhost:{}", www.port()), cert("ca.pem"));
    for _ in 0..4 {
        let args = ["--connect", addr.as_str(), "--ca-file", ca.as_str()];
        let client = Program::start("s_client", &args, b"GET / HTTP/1.0\r\n\r\n");
        assert_www_answer(&client);
    }
    // `--www-body`: the fixed page instead of the handshake event.
    let fixed = Program::start(
        "tokio_server",
        &[&base[..], &["--www", "--www-body", "ok"]].concat(),
        b"",
    );
    let addr = format!("localhost:{}", fixed.port());
    let args = ["--connect", addr.as_str(), "--ca-file", ca.as_str()];
    let client = Program::start("s_client", &args, b"GET / HTTP/1.0\r\n\r\n");
    let status = client.event("received");
    assert!(status.contains("HTTP/1.0 200 ok"), "{status}");
    loop {
        let line = client.event("received");
        assert!(!line.contains("handshake"), "{line}");
        if line.contains("\"data\":\"ok\"") {
            break;
        }
    }
    let closed = client.event("closed");
    assert!(closed.starts_with("{\"event\":\"closed\""), "{closed}");
    let echo = Program::start("tokio_server", &base, b"");
    let client = s_client_to(&echo, b"hi\n");
    let handshake = echo.event("handshake");
    assert!(handshake.contains("\"ok\":true"), "{handshake}");
    let received = echo.event("received");
    assert!(received.contains("hi"), "{received}");
    let back = client.event("received");
    assert!(back.contains("hi"), "{back}");
}

/// `--cipher` sets the TLS 1.2 cipher list, as `openssl s_server -cipher`
/// does: the one suite it allows is the one negotiated.
#[test]
fn s_server_cipher_sets_the_tls12_cipher_list() {
    let server = s_server(&[
        "--tls1_2",
        "--cipher",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "--once",
    ]);
    let _client = s_client_to(&server, b"hi\n");
    let handshake = server.event("handshake");
    assert!(
        handshake.contains("\"ok\":true")
            && handshake.contains("\"cipher\":\"ECDHE-ECDSA-CHACHA20-POLY1305\""),
        "{handshake}"
    );
}

/// `--max-connections` bounds what is served at once: one more is closed
/// at once, with a `refused` event; `--handshake-timeout` ends a silent one.
#[test]
fn s_server_bounds_connections_and_handshakes() {
    let server = s_server(&[
        "--workers",
        "1",
        "--max-connections",
        "2",
        "--handshake-timeout",
        "1",
    ]);
    let port = server.port();
    // Two silent clients take both places; a third is refused.
    let silent: Vec<_> = (0..2)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    thread::sleep(Duration::from_millis(200));
    let _third = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let refused = server.event("refused");
    assert!(refused.contains("\"max_connections\":2"), "{refused}");
    // The silent ones meet the handshake timeout.
    let failed = server.event("handshake");
    assert!(
        failed.contains("\"ok\":false") && failed.contains("timed out"),
        "{failed}"
    );
    drop(silent);
}

/// As `openssl s_server`, the example serves a TLS 1.2 client offering only
/// DHE (`s_client -cipher DHE-RSA-AES128-GCM-SHA256`): with OpenSSL's
/// automatic parameters unless given `--dhparam` (the file's group) or
/// `--no-dhe` (refused, the library's default).
#[test]
fn s_server_negotiates_dhe_as_openssl_s_server_does() {
    use openssl_cli::{dh_params_file, scratch_dir, SClient};
    let dir = scratch_dir("s_server_dhparam");
    let ffdhe3072 = dh_params_file(&dir, "ffdhe3072.pem", "dh_param:ffdhe3072");
    let ffdhe3072 = ffdhe3072.to_str().unwrap();
    let suite = "DHE-RSA-AES128-GCM-SHA256";
    for (extra, bits) in [
        (&[][..], Some(2048)),
        (&["--dhparam", ffdhe3072][..], Some(3072)),
        (&["--no-dhe"][..], None),
    ] {
        // The RSA chain: TLS 1.2 has DHE suites only for RSA keys.
        let mut args = vec!["--once"];
        args.extend_from_slice(extra);
        let server = s_server_with("rsa/server-chain.pem", "rsa/server.key", &args);
        let out = SClient::start(server.port(), &["-tls1_2", "-cipher", suite], b"Q\n").finish();
        let handshake = server.event("handshake");
        match bits {
            Some(bits) => {
                assert!(
                    handshake.contains(&format!("\"cipher\":\"{suite}\"")),
                    "{extra:?}: {handshake}"
                );
                let temp_key = format!("Server Temp Key: DH, {bits} bits");
                assert!(out.mentions(&temp_key), "{extra:?}\n{}", out.dump());
            }
            None => {
                assert!(
                    handshake.contains("\"ok\":false") && handshake.contains("no shared cipher"),
                    "{extra:?}: {handshake}"
                );
                assert!(out.mentions("handshake failure"), "{}", out.dump());
            }
        }
    }
}

/// `--ca-file` names the CA in the CertificateRequest; `--verify-ca-file`
/// asks with no names, as `openssl s_server -verifyCAfile` does, and still
/// verifies the client's certificate against it.
#[test]
fn s_server_verify_ca_file_asks_without_ca_names() {
    use openssl_cli::SClient;
    let (ca, c, k) = (cert("ca.pem"), cert("client.pem"), cert("client.key"));
    for (flag, names) in [
        ("--ca-file", vec!["CN = sslsocket Test Root CA".to_string()]),
        ("--verify-ca-file", vec![]),
    ] {
        for version in ["-tls1_2", "-tls1_3"] {
            let server = s_server(&["--once", "--verify-mode", "1", flag, &ca]);
            let args = [version, "-msg", "-cert", &c, "-key", &k];
            let out = SClient::start(server.port(), &args, b"Q\n").finish();
            let handshake = server.event("handshake");
            assert!(
                handshake.contains("\"peer_verification\":\"verified\""),
                "{flag} {version}: {handshake}"
            );
            assert!(
                out.saw_certificate_request(),
                "{flag} {version}\n{}",
                out.dump()
            );
            assert_eq!(
                out.ca_names(),
                Some(names.clone()),
                "{flag} {version}\n{}",
                out.dump()
            );
        }
    }
}

/// The `warning` events of a list of JSON lines, by their message.
fn warning_messages(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("{\"event\":\"warning\",\"message\":\""))
        .map(|m| m.trim_end_matches("\"}").to_owned())
        .collect()
}

/// `s_server` prints a `warning` event before `listening` for each likely
/// mistake in its settings (`SslConfig::warnings`), `--quiet` or not, and
/// none for a sound one; the server still runs as set.
#[test]
fn s_server_prints_the_configuration_warnings() {
    let ca = cert("ca.pem");
    let python = "verify mode 2 is Python's CERT_REQUIRED but OpenSSL's FAIL_IF_NO_PEER_CERT \
                  alone, which asks for no certificate: use 3, or CertReqs::Required";
    for (mode, quiet, want) in [
        ("2", false, Some(python)),
        ("2", true, Some(python)),
        (
            "0",
            false,
            Some("verify mode 0 (NONE) asks clients for none"),
        ),
        ("3", false, None),
    ] {
        let mut args = vec!["--once", "--verify-mode", mode, "--ca-file", &ca];
        if quiet {
            args.push("--quiet");
        }
        let server = s_server(&args);
        let lines = server.lines_until("listening");
        let warnings = warning_messages(&lines);
        match want {
            Some(text) => assert!(
                warnings.len() == 1 && warnings[0].contains(text),
                "mode {mode}: {lines:?}"
            ),
            None => assert_eq!(warnings, Vec::<String>::new(), "mode {mode}"),
        }
    }
}

/// `s_client` prints a `warning` event before `handshake` for mode 0 with a
/// CA (it verifies, then accepts any server) and none for mode 1.
#[test]
fn s_client_prints_the_configuration_warnings() {
    let ca = cert("ca.pem");
    for (mode, warned) in [("0", true), ("1", false)] {
        let (_server, addr) = start_server("server-chain.pem", "server.key");
        let args = ["--connect", &addr, "--ca-file", &ca, "--verify-mode", mode];
        let client = Program::start("s_client", &args, b"hi\n");
        let lines = client.lines_until("handshake");
        let warnings = warning_messages(&lines);
        assert_eq!(
            warnings.len(),
            usize::from(warned),
            "mode {mode}: {lines:?}"
        );
        if warned {
            assert!(
                warnings[0].contains("use 1 (PEER) to refuse a server that fails"),
                "{lines:?}"
            );
        }
        let handshake = lines.last().unwrap();
        assert!(handshake.contains("\"ok\":true"), "{handshake}");
    }
}

/// `verify_matrix` matches OpenSSL's documented behaviour on every row and
/// prints, under the rows they concern, the warnings of the configurations
/// that have one.
#[test]
fn verify_matrix_matches_and_prints_the_warnings() {
    let out = Command::new(example("verify_matrix"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running the verify_matrix example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let warnings: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("warning: "))
        .collect();
    let want = [
        "this server verifies client certificates with set_ca_file, but verify mode 0",
        "verify mode 9 (SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE) defers",
        "verify mode 0 (NONE) on a client",
        "verify mode 2 (SSL_VERIFY_FAIL_IF_NO_PEER_CERT) on a client",
    ];
    assert_eq!(warnings.len(), want.len(), "{stdout}");
    for (got, want) in warnings.iter().zip(want) {
        assert!(got.starts_with(want), "{got:?} is not {want:?}\n{stdout}");
    }
}
