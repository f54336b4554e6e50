//! OpenSSL-backed TLS sockets whose certificate verification is exactly
//! OpenSSL's, spelled the way C, Qore and Python programs already spell it.
//!
//! The verify mode is the `int` of `SSL_CTX_set_verify` — `SSL_VERIFY_NONE`
//! 0, `PEER` 1, `FAIL_IF_NO_PEER_CERT` 2, `CLIENT_ONCE` 4, `POST_HANDSHAKE` 8 —
//! handed to OpenSSL unchanged and read back unchanged. In `NONE` mode the
//! verification result can still be inspected.
//!
//! ```
//! use std::io::{Read, Write};
//! use sslsocket::{SslConfig, SslListener, SslSocket, VerifyMode, SSL_VERIFY_PEER,
//!                 SSL_VERIFY_FAIL_IF_NO_PEER_CERT};
//!
//! // A server that requires a client certificate (mode 3).
//! let mut server = SslConfig::server();
//! server
//!     .set_certificate_file("certs/server-chain.pem")
//!     .set_private_key_file("certs/server.key")
//!     .set_ca_file("certs/ca.pem")
//!     .set_verify_mode(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT)?;
//! let listener = SslListener::bind("127.0.0.1:0", &server.build()?)?;
//! let addr = listener.local_addr()?;
//! let server = std::thread::spawn(move || -> std::io::Result<String> {
//!     let (mut tls, _) = listener.accept()?;
//!     let mut line = [0u8; 5];
//!     tls.read_exact(&mut line)?;
//!     tls.write_all(b"world")?;
//!     tls.shutdown()?;
//!     Ok(tls.peer_subject().unwrap_or_default())
//! });
//!
//! // A client that verifies the server (the default, PEER) and has a certificate.
//! let mut client = SslConfig::client();
//! client
//!     .set_ca_file("certs/ca.pem")
//!     .set_certificate_file("certs/client.pem")
//!     .set_private_key_file("certs/client.key");
//! let mut tls = SslSocket::connect(&client.build()?, &addr.to_string())?;
//! assert_eq!(tls.get_verify_mode(), VerifyMode::PEER);
//! assert_eq!(tls.verify_result().name(), "X509_V_OK");
//! tls.write_all(b"hello")?;
//! let mut reply = String::new();
//! tls.read_to_string(&mut reply)?;
//! assert_eq!(reply, "world");
//! assert_eq!(server.join().unwrap()?, "CN=sslsocket test client");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! That server handles one connection. A server of many clients accepts TCP
//! and hands each handshake to a worker, so that one slow or silent client
//! delays only its own: see [`SslListener`]. Every socket runs on one I/O
//! engine whose timeouts bound whole operations; sockets can be made
//! without I/O ([`SslSocket::new_client`]), run non-blocking in a poll loop
//! ([`SslSocket::set_nonblocking`]), be split for two threads
//! ([`SslSocket::split`]) and run over any stream with a descriptor (a
//! `UnixStream`). With the `tokio` feature, `sslsocket::tokio` has the same
//! socket for tokio programs, on the same engine. Unix only.
//!
//! A certificate is also plain data: [`CertificateInfo`] (Python's
//! `getpeercert()`), from [`SslSocket::peer_certificate_info`] or any
//! `X509`. With the `serde` feature, it and the other data a program logs
//! ([`VerifyResult`], [`VerifyFailure`], [`PeerVerification`],
//! [`VerifyMode`], [`TlsVersion`], [`Alert`], [`SecurityStatus`],
//! [`HandshakeEvent`]) implement `serde::Serialize`.
//!
//! Defaults are secure, as Python's `ssl.create_default_context()`: a
//! client verifies the server's chain and host name (`PEER`), against the
//! system store unless given CAs of its own, needs TLS 1.2 at least, and
//! offers only TLS 1.2 suites with forward secrecy and no SHA-1 MAC
//! ([`DEFAULT_CLIENT_CIPHER_LIST`]). A server asks for no client
//! certificate (`NONE`) and keeps OpenSSL's own cipher list, as
//! `openssl s_server` does: the client is the end that must not settle
//! for less. [`SslConfigBuilder::set_cipher_list`] sets any list OpenSSL
//! accepts, on either end. As an OpenSSL context, a server has no DHE
//! parameters until given some ([`SslConfigBuilder::set_dh_auto`],
//! [`SslConfigBuilder::load_dh_params`]); unlike one, it names the CAs of
//! its CA files to clients it asks for a certificate
//! ([`SslConfigBuilder::set_send_ca_names`]).
//!
//! Porting a program from C, Python's `ssl`, python-nss or Qore: the
//! [`porting`] manual puts their calls beside this crate's and lists the
//! traps on the way, and [`SslConfig::warnings`] names the settings OpenSSL
//! accepts and then ignores (mode 2, Python's `CERT_REQUIRED`, on a server).
#![deny(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

#[cfg(not(unix))]
compile_error!(
    "sslsocket supports Unix only: its I/O engine polls file descriptors (poll(2)), \
     which this target does not have"
);

// The layers, bottom to top; a file uses only its own layer and those below.
mod alert;
mod config;
mod conn;
mod deprecated;
mod duplex;
mod error;
mod listener;
pub mod porting;
#[cfg(feature = "serde")]
mod serialize;
mod socket;
mod sys;
#[cfg(feature = "tokio")]
pub mod tokio;
mod verify;
mod version;

pub use alert::Alert;
pub use config::hooks::types::{CertCheck, ClientAuthRequest, HandshakeEvent, SniDecision};
pub use config::identity::Identity;
pub use config::password::IntoPassword;
pub use config::post_handshake::DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT;
pub use config::protocol::DEFAULT_CLIENT_CIPHER_LIST;
pub use config::session_stats::SessionStats;
pub use config::store::CertStoreStats;
pub use config::timeouts::Timeouts;
pub use config::warnings::ConfigWarning;
pub use config::{SslConfig, SslConfigBuilder};
pub use conn::exporter::ChannelBinding;
pub use conn::inspection::{SecurityStatus, TempKey};
pub use conn::saved_session::Session;
pub use duplex::{ReadHalf, ReuniteError, WriteHalf};
pub use error::config_error::ConfigError;
pub use error::operation::Operation;
pub use error::post_handshake::PostHandshakeError;
pub use error::want::Want;
pub use error::Error;
pub use listener::SslListener;
pub use socket::SslSocket;
pub use sys::names::name_to_string;
pub use verify::certificate_info::{CertificateInfo, SubjectAltName};
pub use verify::hostname_flags::HostnameFlags;
pub use verify::mode::{
    CertReqs, Role, VerifyMode, SSL_VERIFY_CLIENT_ONCE, SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
    SSL_VERIFY_NONE, SSL_VERIFY_PEER, SSL_VERIFY_POST_HANDSHAKE,
};
pub use verify::parse::IntoVerifyMode;
pub use verify::result::{PeerVerification, VerifyFailure, VerifyResult};
pub use verify::verify_flags::VerifyFlags;
pub use version::TlsVersion;

/// The `openssl` crate this one is built on, for types such as `X509`.
pub use openssl;
/// OpenSSL's `SSL_OP_*` option bits, for [`SslConfigBuilder::set_options`].
pub use openssl::ssl::SslOptions;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
