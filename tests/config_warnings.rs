//! `SslConfig::warnings`: each likely mistake found in the configuration
//! that makes it and in none of the good ones, and each configuration
//! working exactly as set: real handshakes, `openssl s_client` among the
//! peers, show that what a warning says is what OpenSSL does.

mod common;

use common::openssl_cli;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{build, cert, client_builder, exchange, with_timeouts, Server};
use openssl_cli::SClient;
use sslsocket::{
    CertReqs, ConfigWarning, PeerVerification, Role, SniDecision, SslConfig, SslConfigBuilder,
    SslSocket, TlsVersion, VerifyMode,
};

/// A server with the usual chain and key, and nothing else: no CA.
fn server() -> SslConfigBuilder {
    let mut b = SslConfig::server();
    b.set_certificate_file(cert("server-chain.pem"))
        .set_private_key_file(cert("server.key"));
    with_timeouts(&mut b);
    b
}

/// [`server`] trusting `certs/ca.pem` for client certificates, in `mode`.
fn server_with_ca(mode: i32) -> SslConfigBuilder {
    let mut b = server();
    b.set_ca_file(cert("ca.pem"))
        .set_verify_mode(mode)
        .unwrap_or_else(|e| panic!("mode {mode}: {e:?}"));
    b
}

/// [`client_builder`] (`ca.pem`, no system store) in `mode`.
fn client(mode: i32) -> SslConfigBuilder {
    let mut b = client_builder();
    b.set_verify_mode(mode)
        .unwrap_or_else(|e| panic!("mode {mode}: {e:?}"));
    b
}

fn warnings(b: &SslConfigBuilder) -> Vec<ConfigWarning> {
    build(b).warnings()
}

fn mode(bits: i32) -> VerifyMode {
    VerifyMode::try_from(bits).expect("a valid mode")
}

#[test]
fn good_configurations_have_no_warnings() {
    let mut cases: Vec<(&str, SslConfigBuilder)> = vec![
        ("server defaults", server()),
        ("client defaults", SslConfig::client()),
        ("client with its CA", client_builder()),
    ];
    for bits in [1, 3, 5, 7, 9, 11, 13, 15] {
        cases.push(("server with CA, PEER", server_with_ca(bits)));
    }
    for reqs in [CertReqs::Optional, CertReqs::Required] {
        let mut b = server();
        b.set_ca_file(cert("ca.pem")).set_cert_reqs(reqs);
        cases.push(("server CertReqs", b));
    }
    let mut b = client_builder();
    b.set_cert_reqs(CertReqs::None);
    cases.push(("client CertReqs::None with a CA", b));
    let mut b = client(0);
    b.set_check_hostname(false);
    cases.push(("client NONE, host check off", b));
    let mut b = SslConfig::client();
    b.set_verify_mode(0).unwrap();
    cases.push(("client NONE, no CA of its own", b));
    let mut b = client_builder();
    b.set_certificate_file(cert("client.pem"))
        .set_private_key_file(cert("client.key"))
        .set_chain_file(cert("intermediate.pem"))
        .set_post_handshake_auth(true)
        .set_alpn_protocols(&["h2"])
        .unwrap()
        .set_ocsp_stapling(true)
        .set_ocsp_verify_callback(|_, _| true)
        .set_server_name(Some("localhost"))
        .set_version(TlsVersion::Tls1_3);
    cases.push(("client with every client setting", b));
    let mut b = server_with_ca(3);
    b.set_alpn_protocols(&["h2"])
        .unwrap()
        .set_ocsp_response(&common::cert_bytes("server-ocsp.der"))
        .set_dh_auto(true)
        .set_num_tickets(1)
        .set_server_cipher_preference(true)
        .set_min_version(Some(TlsVersion::Tls1_2))
        .set_max_version(Some(TlsVersion::Tls1_3))
        .set_server_name_callback(|_| SniDecision::Default);
    cases.push(("server with every server setting", b));
    let mut b = server();
    b.set_alpn_select_callback(|_| None);
    cases.push(("server ALPN callback alone", b));
    let mut b = server();
    b.set_verify_mode(1)
        .unwrap()
        .set_verify_callback(|check| check.preverify_ok());
    cases.push(("server PEER deciding with a callback, no CA", b));
    let mut b = server();
    b.set_verify_mode(1).unwrap().set_use_system_ca(true);
    cases.push(("server PEER with the system store", b));
    let mut b = client(1);
    b.set_ca_dir(cert("ca-dir"));
    cases.push(("client with a CA directory", b));
    let mut b = server_with_ca(3);
    b.set_min_version(Some(TlsVersion::Tls1))
        .set_cipher_list("DEFAULT:@SECLEVEL=0");
    cases.push(("server allowing TLS 1.0 at level 0", b));
    for (what, b) in &cases {
        assert_eq!(warnings(b), [], "{what}: {b:?}");
    }
}

/// Each mistake gives its warning, alone, and a sentence with its fix.
#[test]
fn each_mistake_is_named_with_its_fix() {
    use ConfigWarning::*;
    let mut cases: Vec<(SslConfigBuilder, Vec<ConfigWarning>, &str)> = vec![
        (
            server_with_ca(2),
            vec![FlagsWithoutPeer { mode: mode(2) }],
            "2 is Python's CERT_REQUIRED but OpenSSL's FAIL_IF_NO_PEER_CERT alone, which asks \
             for no certificate: use 3, or CertReqs::Required",
        ),
        (
            server_with_ca(4),
            vec![FlagsWithoutPeer { mode: mode(4) }],
            "use 5",
        ),
        (
            server_with_ca(8),
            vec![FlagsWithoutPeer { mode: mode(8) }],
            "use 9",
        ),
        (
            server_with_ca(10),
            vec![FlagsWithoutPeer { mode: mode(10) }],
            "use 11",
        ),
        (
            server_with_ca(0),
            vec![VerificationUnused {
                settings: vec!["set_ca_file"],
            }],
            "use 1 (PEER) to ask for one, 3 to require one",
        ),
        (
            client(0),
            vec![NoneAcceptsAnyServer],
            "use 1 (PEER) to refuse a server that fails",
        ),
        (
            client(3),
            vec![ServerFlagsOnClient { mode: mode(3) }],
            "use 1",
        ),
        (
            client(2),
            vec![ServerFlagsOnClient { mode: mode(2) }],
            "even without the PEER bit",
        ),
        (
            client(9),
            vec![ServerFlagsOnClient { mode: mode(9) }],
            "a server's flags",
        ),
        (
            {
                let mut b = server_with_ca(9);
                b.set_max_version(Some(TlsVersion::Tls1_2));
                b
            },
            vec![PostHandshakeWithoutTls13 {
                mode: mode(9),
                max: TlsVersion::Tls1_2,
            }],
            "allow TLS 1.3",
        ),
        (
            {
                let mut b = server();
                b.set_alpn_protocols(&["h2"])
                    .unwrap()
                    .set_alpn_select_callback(|_| None);
                b
            },
            vec![AlpnProtocolsUnused],
            "drop the list",
        ),
        (
            {
                let mut b = client_builder();
                b.set_ocsp_verify_callback(|_, _| true);
                b
            },
            vec![OcspCheckNeverCalled],
            "add set_ocsp_stapling(true)",
        ),
        (
            {
                let mut b = server();
                b.add_ca_pem(&common::cert_bytes("ca.pem"))
                    .set_ca_dir(cert("ca-dir"))
                    .set_verify_callback(|c| c.preverify_ok())
                    .set_bad_certificate_callback(|_| false);
                b
            },
            vec![VerificationUnused {
                settings: vec![
                    "add_ca_pem",
                    "set_ca_dir",
                    "set_verify_callback",
                    "set_bad_certificate_callback",
                ],
            }],
            "with add_ca_pem, set_ca_dir, set_verify_callback and set_bad_certificate_callback",
        ),
        (
            {
                let mut b = server();
                b.set_verify_mode(3).unwrap();
                b
            },
            vec![NoTrustedCa { role: Role::Server }],
            "add set_ca_file",
        ),
        (
            {
                let mut b = SslConfig::client();
                b.set_use_system_ca(false);
                b
            },
            vec![NoTrustedCa { role: Role::Client }],
            "set_use_system_ca(false) and none of its own",
        ),
        (
            {
                let mut b = client_builder();
                b.set_chain_file(cert("intermediate.pem"));
                b
            },
            vec![ChainWithoutCertificate],
            "add set_certificate_file",
        ),
    ];
    if openssl::version::number() >= 0x3000_0000 {
        let mut b = server();
        b.set_min_version(Some(TlsVersion::Tls1));
        cases.push((
            b,
            vec![OldVersionsUnusable {
                min: TlsVersion::Tls1,
                default_client_list: false,
            }],
            "add :@SECLEVEL=0 to set_cipher_list",
        ));
        let mut b = client_builder();
        b.set_min_version(Some(TlsVersion::Tls1_1));
        cases.push((
            b,
            vec![OldVersionsUnusable {
                min: TlsVersion::Tls1_1,
                default_client_list: true,
            }],
            "allows TLS 1.1, which OpenSSL 3 refuses",
        ));
    }
    for (b, want, fix) in &cases {
        let got = warnings(b);
        assert_eq!(&got, want, "{b:?}");
        let text = got[0].to_string();
        assert!(text.contains(fix), "{text:?} does not say {fix:?}");
    }
}

/// A setting for the other role is named, each in its own warning, with
/// what that role uses instead.
#[test]
fn settings_of_the_other_role_are_named() {
    let dir = openssl_cli::scratch_dir("config_warnings_dh");
    let dh = openssl_cli::dh_params_file(&dir, "ffdhe2048.pem", "dh_param:ffdhe2048");
    let mut b = client_builder();
    b.set_ocsp_response(b"staple")
        .set_ocsp_response_callback(|_| None)
        .set_server_name_callback(|_| SniDecision::Default)
        .set_alpn_select_callback(|_| None)
        .set_dh_auto(true)
        .load_dh_params(dh)
        .set_num_tickets(4)
        .set_server_cipher_preference(true);
    let server_only = [
        "set_ocsp_response",
        "set_ocsp_response_callback",
        "set_server_name_callback",
        "set_alpn_select_callback",
        "set_dh_auto",
        "load_dh_params",
        "set_num_tickets",
        "set_server_cipher_preference",
    ];
    let mut s = server();
    s.set_server_name(Some("localhost"))
        .set_post_handshake_auth(true)
        .set_ocsp_stapling(true)
        .set_ocsp_verify_callback(|_, _| true)
        .set_client_certificate_callback(|_| None);
    let client_only = [
        "set_server_name",
        "set_post_handshake_auth",
        "set_ocsp_stapling",
        "set_ocsp_verify_callback",
        "set_client_certificate_callback",
    ];
    for (b, role, settings) in [
        (&b, Role::Client, &server_only[..]),
        (&s, Role::Server, &client_only[..]),
    ] {
        let got = warnings(b);
        let want: Vec<ConfigWarning> = settings
            .iter()
            .map(|&setting| ConfigWarning::OtherRoleSetting { setting, role })
            .collect();
        assert_eq!(got, want, "{role}");
        for w in &got {
            let text = w.to_string();
            let (_, fix) = text
                .split_once("configuration has no use for: ")
                .unwrap_or_else(|| panic!("{text}"));
            assert!(!fix.is_empty() && fix != "remove it", "{text}");
        }
    }
    // Python's post_handshake_auth on a server is verify mode 9.
    let mut s = server_with_ca(3);
    s.set_post_handshake_auth(true);
    let text = warnings(&s)[0].to_string();
    assert!(text.contains("9 (PEER | POST_HANDSHAKE) or 11"), "{text}");
}

/// Server mode 2 sends no CertificateRequest, as the warning says: a
/// client with a trusted certificate (`openssl s_client`) is never asked
/// for it, where mode 3 asks and verifies it. OpenSSL gets 2 unchanged.
#[test]
fn server_mode_2_asks_for_no_certificate() {
    let (c, k) = (
        openssl_cli::cert("client.pem"),
        openssl_cli::cert("client.key"),
    );
    for (bits, asked) in [(2, false), (3, true), (0, false)] {
        let config = build(&server_with_ca(bits));
        assert_eq!(config.get_verify_mode(), bits);
        assert_eq!(config.warnings().is_empty(), asked, "{bits}");
        for version in ["-tls1_2", "-tls1_3"] {
            let srv = Server::start(&config, |_| ());
            let args = [version, "-msg", "-cert", &c, "-key", &k];
            let out = SClient::start(srv.port(), &args, b"Q\n").finish();
            let (seen, ()) = srv
                .join()
                .unwrap_or_else(|e| panic!("{bits} {version}: {e:?}"));
            assert_eq!(
                out.saw_certificate_request(),
                asked,
                "{bits} {version}\n{}",
                out.dump()
            );
            let want = if asked {
                PeerVerification::Verified
            } else {
                PeerVerification::NoCertificate
            };
            assert_eq!(seen.peer_verification, want, "{bits} {version}");
        }
    }
}

/// A client in `NONE` with a CA and the host check verifies, and accepts
/// a server whose certificate is for another host: only `verify_result()`
/// says so. A client in 2 refuses it, as `PEER` does.
#[test]
fn client_modes_0_and_2_do_what_their_warnings_say() {
    let wrong_host = build(&common::wrong_host_server());
    let (_, seen) = exchange(&wrong_host, &build(&client(0)), Server::localhost);
    assert_eq!(seen.verify_result.name(), "X509_V_ERR_HOSTNAME_MISMATCH");
    let config = build(&client(2));
    assert_eq!(config.get_verify_mode(), 2);
    common::refused(
        &wrong_host,
        &config,
        Server::localhost,
        62,
        "bad_certificate",
    );
}

/// Mode 9 on a server limited to TLS 1.2 asks for the certificate in the
/// handshake, as the warning says; with TLS 1.3 it does not.
#[test]
fn mode_9_on_tls_1_2_asks_in_the_handshake() {
    let (c, k) = (
        openssl_cli::cert("client.pem"),
        openssl_cli::cert("client.key"),
    );
    for (max, asked) in [(TlsVersion::Tls1_2, true), (TlsVersion::Tls1_3, false)] {
        let mut b = server_with_ca(9);
        b.set_max_version(Some(max));
        let config = build(&b);
        assert_eq!(config.warnings().is_empty(), !asked, "{max}");
        let srv = Server::start(&config, |_| ());
        let out = SClient::start(srv.port(), &["-msg", "-cert", &c, "-key", &k], b"Q\n").finish();
        srv.join().unwrap_or_else(|e| panic!("{max}: {e:?}"));
        assert_eq!(
            out.saw_certificate_request(),
            asked,
            "{max}\n{}",
            out.dump()
        );
    }
}

/// A client's OCSP verify callback is not called unless the client asks
/// for a staple, even from a server that has one.
#[test]
fn ocsp_check_without_stapling_is_never_called() {
    let mut s = server();
    s.set_ocsp_response(&common::cert_bytes("server-ocsp.der"));
    let server_config = build(&s);
    for stapling in [false, true] {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let mut b = client_builder();
        b.set_ocsp_stapling(stapling)
            .set_ocsp_verify_callback(move |_, _| {
                counted.fetch_add(1, Ordering::SeqCst);
                true
            });
        let config = build(&b);
        assert_eq!(config.warnings().is_empty(), stapling);
        exchange(&server_config, &config, Server::localhost);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            usize::from(stapling),
            "stapling {stapling}"
        );
    }
}

/// With OpenSSL 3, TLS 1.0 allowed without `@SECLEVEL=0` is never
/// negotiated, as the warning says; with it, it is.
#[test]
fn tls_1_0_needs_security_level_0() {
    if openssl::version::number() < 0x3000_0000 {
        return;
    }
    let mut old_client = client_builder();
    old_client
        .set_version(TlsVersion::Tls1)
        .set_cipher_list("DEFAULT:@SECLEVEL=0");
    let old_client = build(&old_client);
    assert_eq!(old_client.warnings(), []);
    for (list, works) in [(None, false), (Some("DEFAULT:@SECLEVEL=0"), true)] {
        let mut b = server();
        b.set_version(TlsVersion::Tls1);
        if let Some(list) = list {
            b.set_cipher_list(list);
        }
        let config = build(&b);
        assert_eq!(config.warnings().is_empty(), works, "{list:?}");
        let srv = Server::start(&config, |_| ());
        let connected = SslSocket::connect(&old_client, &srv.localhost());
        let _ = srv.join();
        match connected {
            Ok(tls) => {
                assert!(works, "{list:?}");
                assert_eq!(tls.version(), "TLSv1");
            }
            Err(e) => assert!(!works, "{list:?}: {e:?}"),
        }
    }
}
