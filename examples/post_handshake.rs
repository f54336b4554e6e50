//! A server that asks for a client certificate only when a request needs one:
//! `/public` is open to anyone, `/admin` asks the client for its certificate
//! after the handshake (TLS 1.3 post-handshake authentication; on TLS 1.2 the
//! same call renegotiates) and answers 403 without a trusted one.
//!
//! Usage: `cargo run --example post_handshake [-- --tls1_2]`
//!
//! Everything runs over loopback with the test PKI in `certs/`. `unwrap()` is
//! used for brevity; it is not sensible outside example code.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use sslsocket::{SslConfig, SslListener, SslSocket, TlsVersion, VerifyMode};

fn cert(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("certs")
        .join(name)
}

/// Serves `n` connections, one request line each.
fn serve(listener: SslListener, n: usize) {
    for _ in 0..n {
        let (mut tls, peer) = match listener.accept() {
            Ok(c) => c,
            Err(e) => {
                println!("server: handshake failed: {e}");
                continue;
            }
        };
        let mut line = String::new();
        {
            let mut reader = BufReader::new(&mut tls);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let answer = if path.starts_with("/admin") {
            // Only now ask who the client is. Under TLS 1.2 the handshake ran
            // with mode 0 (mode 9 would have asked already: POST_HANDSHAKE
            // has no effect there), so turn PEER on for the renegotiation.
            if tls.get_verify_mode().is_none() {
                tls.set_verify_mode(VerifyMode::PEER).unwrap();
            }
            match tls.request_client_certificate(Some(Duration::from_secs(5))) {
                Ok(Some(c)) => format!(
                    "200 welcome, {}",
                    sslsocket::name_to_string(c.subject_name())
                ),
                Ok(None) => "403 a client certificate is required".to_string(),
                Err(e) => {
                    println!("server: {peer}: {path}: {e}");
                    continue; // OpenSSL has closed the connection with an alert
                }
            }
        } else {
            "200 public page".to_string()
        };
        println!("server: {path} -> {answer}");
        let _ = writeln!(tls, "{answer}");
        let _ = tls.shutdown();
    }
}

fn get(config: &SslConfig, addr: &str, path: &str) -> String {
    let mut tls = match SslSocket::connect(config, addr) {
        Ok(tls) => tls,
        Err(e) => return format!("error: {e}"),
    };
    writeln!(tls, "GET {path}").unwrap();
    let mut reply = String::new();
    match BufReader::new(&mut tls).read_line(&mut reply) {
        Ok(_) => reply.trim_end().to_string(),
        Err(e) => format!("error: {e}"),
    }
}

fn main() {
    let version = if std::env::args().any(|a| a == "--tls1_2") {
        TlsVersion::Tls1_2
    } else {
        TlsVersion::Tls1_3
    };
    let mut server = SslConfig::server();
    server
        .set_certificate_file(cert("server-chain.pem"))
        .set_private_key_file(cert("server.key"))
        .set_ca_file(cert("ca.pem"))
        .set_version(version)
        // TLS 1.3: 9 asks for nothing in the handshake and allows asking
        // later. TLS 1.2 has no such mode: 0, and PEER once it is needed.
        .set_verify_mode(if version == TlsVersion::Tls1_3 {
            VerifyMode::PEER | VerifyMode::POST_HANDSHAKE
        } else {
            VerifyMode::NONE
        })
        .unwrap();
    let mode = server.get_verify_mode();
    let listener = SslListener::bind("127.0.0.1:0", &server.build().unwrap()).unwrap();
    let addr = format!("localhost:{}", listener.local_addr().unwrap().port());
    let server = thread::spawn(move || serve(listener, 4));

    let mut anonymous = SslConfig::client();
    anonymous
        .set_ca_file(cert("ca.pem"))
        .set_post_handshake_auth(true); // offer it, though there is nothing to send
    let anonymous = anonymous.build().unwrap();
    let mut with_cert = SslConfig::client();
    with_cert
        .set_ca_file(cert("ca.pem"))
        .set_certificate_file(cert("client.pem"))
        .set_private_key_file(cert("client.key"));
    let with_cert = with_cert.build().unwrap();
    let mut untrusted = SslConfig::client();
    untrusted
        .set_ca_file(cert("ca.pem"))
        .set_certificate_file(cert("untrusted-client.pem"))
        .set_private_key_file(cert("untrusted-client.key"));
    let untrusted = untrusted.build().unwrap();

    println!("{version}, server verify mode {mode}");
    println!(
        "client without certificate, /public: {}",
        get(&anonymous, &addr, "/public")
    );
    println!(
        "client without certificate, /admin:  {}",
        get(&anonymous, &addr, "/admin")
    );
    println!(
        "client with certificate, /admin:     {}",
        get(&with_cert, &addr, "/admin")
    );
    println!(
        "client with untrusted certificate, /admin: {}",
        get(&untrusted, &addr, "/admin")
    );
    server.join().unwrap();
}
