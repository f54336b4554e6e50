//! What a connection reports about itself and its peer, and the OpenSSL
//! details from DESIGN.md that surprise people.

mod common;

use std::io::{ErrorKind, Read};
use std::net::Shutdown;

use common::*;
use sslsocket::openssl::ssl::SslVersion;
use sslsocket::{
    Error, PeerVerification, SslConfig, SslListener, SslSocket, TlsVersion, VerifyMode,
};

#[test]
fn x509_v_ok_without_a_peer_certificate_is_not_verified() {
    for mode in [0, 1] {
        for v in VERSIONS {
            let mut sb = default_server();
            sb.set_verify_mode(mode).unwrap().set_version(v);
            let (server, client) =
                exchange(&build(&sb), &build(&client_builder()), Server::localhost);
            // The server: X509_V_OK, but no certificate at all.
            assert_eq!(
                server.verify_result.code(),
                0,
                "mode {mode} {v}: {server:?}"
            );
            assert_eq!(server.verify_result.name(), "X509_V_OK");
            assert_eq!(
                server.peer_verification,
                PeerVerification::NoCertificate,
                "mode {mode} {v}"
            );
            assert!(!server.peer_verification.is_verified());
            assert_eq!(server.peer_subject, None);
            assert_eq!(server.peer_chain_len, 0);
            // The client: X509_V_OK for a certificate that verified.
            assert_eq!(client.verify_result.code(), 0, "{client:?}");
            assert_eq!(
                client.peer_verification,
                PeerVerification::Verified,
                "{client:?}"
            );
            assert!(client.peer_verification.is_verified());
        }
    }
}

#[test]
fn a_verified_client_certificate_is_verified() {
    let mut sb = default_server();
    sb.set_verify_mode(VerifyMode::PEER | VerifyMode::FAIL_IF_NO_PEER_CERT)
        .unwrap();
    let client = build(&client_with_cert("client.pem", "client.key"));
    let srv = Server::start(&build(&sb), |sock| {
        let chain = subjects(&sock.peer_cert_chain());
        serve_exchange(sock).map(|_| chain)
    });
    let mut sock = SslSocket::connect(&client, &srv.localhost()).unwrap();
    client_exchange(&mut sock).unwrap();
    let (server, chain) = srv.join().unwrap();
    server.assert_verified("CN=sslsocket test client");
    assert_eq!(server.verify_failure, None);
    // SSL_get_peer_cert_chain on a server leaves the client's own certificate
    // out. client.pem is configured alone, but OpenSSL's client "auto-chains":
    // with no chain configured it builds one from its own trust store and
    // sends it, root included. So the server sees the root, not an empty list.
    assert_eq!(chain.unwrap(), ["CN=sslsocket Test Root CA"]);
}

#[test]
fn a_server_sees_no_chain_from_a_client_that_trusts_nothing() {
    let mut sb = default_server();
    sb.set_verify_mode(3).unwrap();
    // No trust store, so nothing to auto-chain from: only the leaf is sent.
    let mut cb = SslConfig::client();
    cb.set_use_system_ca(false)
        .set_verify_mode(0)
        .unwrap()
        .set_certificate_file(cert("client.pem"))
        .set_private_key_file(cert("client.key"));
    with_timeouts(&mut cb);
    let (server, client) = exchange(&build(&sb), &build(&cb), Server::localhost);
    server.assert_verified("CN=sslsocket test client");
    assert_eq!(server.peer_chain_len, 0, "{server:?}");
    // This client could not verify the server (mode NONE keeps it connected).
    assert_eq!(client.verify_result.code(), 20, "{client:?}");
}

fn subjects(certs: &[sslsocket::openssl::x509::X509]) -> Vec<String> {
    certs
        .iter()
        .map(|c| sslsocket::name_to_string(c.subject_name()))
        .collect()
}

#[test]
fn peer_certificate_subject_and_chains_at_the_client() {
    let srv = exchange_server(&build(&default_server()));
    let mut sock = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
    let leaf = sock.peer_certificate().expect("server certificate");
    assert_eq!(
        sslsocket::name_to_string(leaf.subject_name()),
        "CN=localhost"
    );
    assert_eq!(sock.peer_subject().as_deref(), Some("CN=localhost"));
    // A client's chain starts with the server's certificate: leaf + intermediate.
    assert_eq!(
        subjects(&sock.peer_cert_chain()),
        ["CN=localhost", "CN=sslsocket Test Intermediate CA"],
        "peer_cert_chain"
    );
    // The verified chain reaches the root.
    assert_eq!(
        subjects(&sock.verified_chain()),
        [
            "CN=localhost",
            "CN=sslsocket Test Intermediate CA",
            "CN=sslsocket Test Root CA"
        ]
    );
    client_exchange(&mut sock).unwrap();
    expect_exchanged(srv.join());
}

#[test]
// Checks the deprecated form too.
#[allow(deprecated)]
fn a_server_sending_only_its_leaf_fails_to_verify() {
    let leaf_only = build(&server_builder("server.pem", "server.key"));
    // NONE: the connection stays up, the result says why it would have failed.
    let mut cb = client_builder();
    cb.set_verify_mode(0).unwrap();
    let srv = exchange_server(&leaf_only);
    let mut sock = SslSocket::connect(&build(&cb), &srv.localhost()).unwrap();
    assert_eq!(
        sock.verify_result().code(),
        20,
        "{:?}",
        sock.verify_result()
    );
    assert_eq!(
        sock.verify_result().name(),
        "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
    );
    assert_eq!(
        sock.peer_verification(),
        PeerVerification::Failed(sslsocket::VerifyResult::from_code(20))
    );
    let failure = sock.verify_failure().expect("verify_failure recorded");
    assert_eq!(
        (failure.result.code(), failure.depth),
        (20, 0),
        "{failure:?}"
    );
    assert_eq!(failure.subject, "CN=localhost");
    assert_eq!(sock.peer_cert_chain().len(), 1);
    // After a failure OpenSSL's SSL_get0_verified_chain still holds the
    // partial chain it built before giving up (here the leaf alone);
    // verified_chain() must not pass that off as verified.
    let partial: Vec<_> = sock
        .ssl()
        .verified_chain()
        .unwrap()
        .iter()
        .map(|c| c.to_owned())
        .collect();
    assert_eq!(subjects(&partial), ["CN=localhost"]);
    assert!(
        sock.verified_chain().is_empty(),
        "{:?}",
        subjects(&sock.verified_chain())
    );
    client_exchange(&mut sock).unwrap();
    expect_exchanged(srv.join());

    // PEER: the same result aborts the handshake.
    let client = build(&client_builder());
    refused(&leaf_only, &client, Server::localhost, 20, "unknown_ca");
}

#[test]
// Checks the deprecated form too.
#[allow(deprecated)]
fn version_is_the_protocol_and_cipher_version_is_the_cipher() {
    // (forced version, TLS 1.2 cipher list or TLS 1.3 suite, name, bits, cipher_version)
    let cases = [
        (
            TlsVersion::Tls1_3,
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_256_GCM_SHA384",
            256,
            "TLSv1.3",
        ),
        (
            TlsVersion::Tls1_3,
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_128_GCM_SHA256",
            128,
            "TLSv1.3",
        ),
        (
            TlsVersion::Tls1_2,
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            256,
            "TLSv1.2",
        ),
        // A TLS 1.0-era suite negotiated over TLS 1.2: the cipher's own version
        // is not the protocol's. (OpenSSL 1.0.x printed "TLSv1/SSLv3" here;
        // OpenSSL 3 prints "TLSv1.0".) Its SHA-1 MAC is not in a client's
        // default list: both ends name it.
        (
            TlsVersion::Tls1_2,
            "ECDHE-ECDSA-AES128-SHA",
            "ECDHE-ECDSA-AES128-SHA",
            128,
            "TLSv1.0",
        ),
    ];
    for (v, ciphers, name, bits, cipher_version) in cases {
        let ssl_version = match v {
            TlsVersion::Tls1_3 => SslVersion::TLS1_3,
            _ => SslVersion::TLS1_2,
        };
        let mut sb = default_server();
        sb.set_version(v);
        if v == TlsVersion::Tls1_3 {
            sb.set_ciphersuites(ciphers);
        } else {
            sb.set_cipher_list(ciphers);
        }
        let srv = exchange_server(&build(&sb));
        let mut cb = client_builder();
        if v == TlsVersion::Tls1_2 {
            cb.set_cipher_list(ciphers);
        }
        let mut sock = SslSocket::connect(&build(&cb), &srv.localhost())
            .unwrap_or_else(|e| panic!("{ciphers}: {e:?}"));
        assert_eq!(sock.version(), v.name(), "{ciphers}");
        assert_eq!(sock.ssl().version2(), Some(ssl_version), "{ciphers}");
        assert_eq!(sock.cipher_name(), Some(name));
        assert_eq!(sock.cipher_bits(), Some(bits), "{ciphers}");
        assert_eq!(sock.cipher_version(), Some(cipher_version), "{ciphers}");
        assert!(sock.is_secure());
        client_exchange(&mut sock).unwrap();
        let seen = expect_exchanged(srv.join());
        assert_eq!(seen.version, v.name());
    }
}

#[test]
fn pending_counts_the_rest_of_a_partly_read_record() {
    for v in VERSIONS {
        let mut sb = default_server();
        sb.set_version(v);
        let srv = Server::start(&build(&sb), |sock| -> Result<bool, Error> {
            sock.send_all(&[7u8; 100])?;
            // Wait for the client to say it is done, then close cleanly.
            let done = recv_exact(sock, 1)?;
            sock.shutdown()?;
            Ok(done == b"!" && sock.is_secure())
        });
        let mut sock = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
        assert!(sock.is_secure());
        assert_eq!(sock.pending(), 0, "{v} before any read");
        let mut ten = [0u8; 10];
        assert_eq!(sock.recv(&mut ten).unwrap(), 10, "{v}");
        assert_eq!(sock.pending(), 90, "{v}");
        let rest = recv_exact(&mut sock, 90).unwrap();
        assert_eq!(rest, [7u8; 90]);
        assert_eq!(sock.pending(), 0, "{v}");
        sock.send_all(b"!").unwrap();
        assert_eq!(sock.recv(&mut ten).unwrap(), 0, "{v}: close_notify");
        let (_, secure) = srv.join().unwrap();
        assert!(secure.unwrap(), "{v}");
    }
}

#[test]
fn ip_address_targets_are_checked_against_ip_sans() {
    // 127.0.0.1 is in server.pem's SANs, not in wrong-host.pem's.
    let (_, client) = exchange(&build(&default_server()), &build(&client_builder()), |s| {
        s.ip()
    });
    assert_eq!(client.verify_result.code(), 0, "{client:?}");

    let (server, client) = (build(&wrong_host_server()), build(&client_builder()));
    let err = refused(&server, &client, Server::ip, 64, "bad_certificate");
    assert!(
        err.to_string().contains("X509_V_ERR_IP_ADDRESS_MISMATCH"),
        "{err}"
    );
}

#[test]
fn ipv6_loopback_verifies_the_ip_san() {
    let listener = match SslListener::bind("[::1]:0", &build(&default_server())) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("note: skipping the IPv6 test, [::1]:0 cannot be bound: {e:?}");
            return;
        }
    };
    let srv = Server::serve(listener, serve_exchange);
    let addr = srv.ip();
    assert!(addr.starts_with("[::1]:"), "{addr}");
    let mut sock = SslSocket::connect(&build(&client_builder()), &addr)
        .unwrap_or_else(|e| panic!("{addr}: {e:?}"));
    assert_eq!(sock.verify_result().code(), 0);
    assert_eq!(sock.peer_verification(), PeerVerification::Verified);
    client_exchange(&mut sock).unwrap();
    expect_exchanged(srv.join());
}

#[test]
fn server_name_overrides_the_connect_host() {
    let wrong_host = build(&wrong_host_server());
    let mut cb = client_builder();
    cb.set_server_name(Some("other.example"));
    let (_, client) = exchange(&wrong_host, &build(&cb), Server::localhost);
    assert_eq!(client.verify_result.code(), 0, "{client:?}");
    assert_eq!(client.peer_subject.as_deref(), Some("CN=other.example"));
}

#[test]
fn host_check_off_accepts_a_valid_chain_for_another_host() {
    let wrong_host = build(&wrong_host_server());
    let mut cb = client_builder();
    cb.set_check_hostname(false);
    let config = build(&cb);
    assert_eq!(config.get_verify_mode(), VerifyMode::PEER);
    let (_, client) = exchange(&wrong_host, &config, Server::localhost);
    assert_eq!(client.verify_result.code(), 0, "{client:?}");
    assert_eq!(client.peer_verification, PeerVerification::Verified);
}

#[test]
fn ca_from_a_directory_and_from_pem_bytes() {
    let mut by_dir = SslConfig::client();
    by_dir.set_ca_dir(cert("ca-dir"));
    with_timeouts(&mut by_dir);
    let mut by_pem = SslConfig::client();
    by_pem.add_ca_pem(&cert_bytes("ca.pem"));
    with_timeouts(&mut by_pem);
    for (what, b) in [("ca-dir", by_dir), ("PEM bytes", by_pem)] {
        let (_, client) = exchange(&build(&default_server()), &build(&b), Server::localhost);
        assert_eq!(client.verify_result.code(), 0, "{what}: {client:?}");
        assert_eq!(
            client.peer_verification,
            PeerVerification::Verified,
            "{what}"
        );
    }
    // Without any of them the test root is unknown (and the system store does not have it).
    let mut none = SslConfig::client();
    none.set_use_system_ca(false).set_verify_mode(0).unwrap();
    with_timeouts(&mut none);
    let (_, client) = exchange(&build(&default_server()), &build(&none), Server::localhost);
    assert_eq!(client.verify_result.code(), 20, "{client:?}");
}

#[test]
fn client_certificate_from_pem_bytes() {
    let mut sb = default_server();
    sb.set_verify_mode(3).unwrap();
    let mut cb = client_builder();
    cb.set_certificate_pem(&cert_bytes("client.pem"))
        .set_private_key_pem(&cert_bytes("client.key"));
    let (server, _) = exchange(&build(&sb), &build(&cb), Server::localhost);
    server.assert_verified("CN=sslsocket test client");
}

#[test]
fn the_rsa_pki_works_too() {
    for v in VERSIONS {
        let mut sb = SslConfig::server();
        sb.set_certificate_file(cert("rsa/server-chain.pem"))
            .set_private_key_file(cert("rsa/server.key"))
            .set_ca_file(cert("rsa/ca.pem"))
            .set_version(v)
            .set_verify_mode(3)
            .unwrap();
        with_timeouts(&mut sb);
        let mut cb = SslConfig::client();
        cb.set_ca_file(cert("rsa/ca.pem"))
            .set_certificate_file(cert("rsa/client.pem"))
            .set_private_key_file(cert("rsa/client.key"));
        with_timeouts(&mut cb);
        let (server, client) = exchange(&build(&sb), &build(&cb), Server::localhost);
        server.assert_verified("CN=sslsocket test client");
        client.assert_verified("CN=localhost");
        assert_eq!(client.version, v.name());
        assert_eq!(client.peer_chain_len, 2);
    }
    // The RSA root does not vouch for the ECDSA server.
    let mut cb = SslConfig::client();
    cb.set_ca_file(cert("rsa/ca.pem"));
    with_timeouts(&mut cb);
    let server = build(&default_server());
    refused(&server, &build(&cb), Server::localhost, 20, "unknown_ca");
}

#[test]
fn close_notify_reads_as_a_clean_end() {
    for v in VERSIONS {
        let mut sb = default_server();
        sb.set_version(v);
        let srv = Server::start(&build(&sb), |sock| sock.shutdown());
        let mut sock = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
        assert!(!sock.received_close_notify());
        let mut buf = [0u8; 16];
        assert_eq!(sock.recv(&mut buf).unwrap(), 0, "{v}");
        assert!(sock.received_close_notify(), "{v}");
        // Still Ok(0) afterwards.
        assert_eq!(sock.read(&mut buf).unwrap(), 0, "{v}");
        let (_, shut) = srv.join().unwrap();
        shut.unwrap();
    }
}

#[test]
fn a_tcp_close_without_close_notify_is_unexpected_eof() {
    for v in VERSIONS {
        let mut sb = default_server();
        sb.set_version(v);
        let config = build(&sb);
        // Once through recv (this crate's Error), once through io::Read.
        for through_io_read in [false, true] {
            let srv = Server::start(&config, |sock| sock.get_ref().shutdown(Shutdown::Both));
            let mut sock = SslSocket::connect(&build(&client_builder()), &srv.localhost()).unwrap();
            let mut buf = [0u8; 16];
            if through_io_read {
                let err = sock.read(&mut buf).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{v}: {err:?}");
                let inner = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
                assert!(matches!(inner, Some(Error::UnexpectedEof)), "{v}: {err:?}");
            } else {
                let err = sock.recv(&mut buf).unwrap_err();
                assert!(matches!(err, Error::UnexpectedEof), "{v}: {err:?}");
            }
            assert!(!sock.received_close_notify(), "{v}");
            let (_, shut) = srv.join().unwrap();
            shut.unwrap();
        }
    }
}

/// A client that checks host names and is given none to check refuses
/// before sending a byte, in every one-call form and every mode that
/// verifies, whatever the certificate. (Mode 0 refuses nothing, so a name
/// would protect nothing there: it goes ahead.)
#[test]
// Checks the deprecated form too.
#[allow(deprecated)]
fn a_host_check_without_a_server_name_is_refused_before_any_byte() {
    use sslsocket::Role;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::OwnedFd;
    type Connect = fn(&SslConfig, TcpStream) -> Result<SslSocket, Error>;
    let forms: [(&str, Connect); 2] = [
        ("upgrade_client", |c, tcp| {
            SslSocket::upgrade_client(c, tcp, None)
        }),
        ("from_fd", |c, tcp| {
            SslSocket::from_fd(c, Role::Client, OwnedFd::from(tcp), None)
        }),
    ];
    for mode in [1, 2] {
        let mut b = client_builder();
        b.set_verify_mode(mode).unwrap();
        let config = build(&b);
        for (form, connect) in forms {
            let raw = TcpListener::bind("127.0.0.1:0").unwrap();
            let tcp = TcpStream::connect(raw.local_addr().unwrap()).unwrap();
            let (mut peer, _) = raw.accept().unwrap();
            let e = connect(&config, tcp).unwrap_err();
            assert!(
                matches!(e, Error::ServerNameRequired),
                "mode {mode} {form}: {e:?}"
            );
            assert!(e.to_string().contains("set_check_hostname(false)"), "{e}");
            // The socket was closed without a ClientHello.
            peer.set_read_timeout(Some(TIMEOUT)).unwrap();
            let mut b = [0u8; 1];
            assert_eq!(
                peer.read(&mut b).unwrap(),
                0,
                "mode {mode} {form}: bytes were sent"
            );
        }
    }
    // With the check off, or in mode 0, the same call goes ahead (and
    // verifies the chain).
    let mut off = client_builder();
    off.set_check_hostname(false);
    let mut none = client_builder();
    none.set_verify_mode(0).unwrap();
    for b in [off, none] {
        let srv = exchange_server(&build(&wrong_host_server()));
        let tcp = std::net::TcpStream::connect(srv.addr()).unwrap();
        let mut sock = SslSocket::upgrade_client(&build(&b), tcp, None).unwrap();
        assert_eq!(sock.verify_result().code(), 0);
        client_exchange(&mut sock).unwrap();
        expect_exchanged(srv.join());
    }
}

/// A session is offered again only to a connection that checks the host
/// name it was checked for: the name is part of the session's id, even
/// under one peer id.
#[test]
fn a_session_is_not_resumed_for_another_checked_name() {
    // server.pem is valid for localhost and for 127.0.0.1.
    let server = Server::start_n(&build(&default_server()), 3, serve_exchange);
    let port = server.port();
    let config = build(&client_builder());
    let connect = |host: &str| {
        let mut s =
            SslSocket::connect_with_peer_id(&config, &format!("{host}:{port}"), "one peer id")
                .unwrap();
        client_exchange(&mut s).unwrap();
        assert_eq!(s.recv(&mut [0u8; 1]).unwrap(), 0);
        s.session_reused()
    };
    assert!(!connect("localhost"));
    // Another name checked: a full handshake, which checks it.
    assert!(
        !connect("127.0.0.1"),
        "resumed a session checked for another name"
    );
    // The first name again: its session.
    assert!(connect("localhost"));
    let served: Vec<_> = server
        .join_all()
        .into_iter()
        .map(|outcome| expect_exchanged(outcome).session_reused)
        .collect();
    assert_eq!(served, [false, false, true]);
}
