//! What is measured: protocol versions, key types, knobs, and both
//! implementations' configurations (the `tokio` bench includes this file).

use std::path::PathBuf;

use openssl::ssl::{
    SslAcceptor, SslConnector, SslContextBuilder, SslFiletype, SslMethod, SslOptions, SslRef,
    SslSessionCacheMode, SslVerifyMode, SslVersion,
};
use sslsocket::{SslConfig, TlsVersion};

use crate::pki::{ca_store, certs_dir};

/// The one TLS 1.3 suite both implementations are limited to.
pub(crate) const TLS13_SUITE: &str = "TLS_AES_256_GCM_SHA384";
/// Size of each write in the bulk test.
pub(crate) const BULK_CHUNK: usize = 16 * 1024;
/// Size of each message in the echo test.
pub(crate) const ECHO_SIZE: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Key {
    Ecdsa,
    Rsa,
}

impl Key {
    pub(crate) fn dir(self) -> PathBuf {
        let certs = certs_dir();
        match self {
            Key::Ecdsa => certs,
            Key::Rsa => certs.join("rsa"),
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Key::Ecdsa => "ECDSA P-256",
            Key::Rsa => "RSA-2048",
        }
    }

    pub(crate) fn id(self) -> &'static str {
        match self {
            Key::Ecdsa => "ecdsa",
            Key::Rsa => "rsa",
        }
    }

    /// The TLS 1.2 cipher for this key type: AES-256-GCM as in TLS 1.3.
    pub(crate) fn cipher12(self) -> &'static str {
        match self {
            Key::Ecdsa => "ECDHE-ECDSA-AES256-GCM-SHA384",
            Key::Rsa => "ECDHE-RSA-AES256-GCM-SHA384",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Proto {
    pub(crate) tls13: bool,
    pub(crate) key: Key,
}

impl Proto {
    pub(crate) const TLS13_ECDSA: Proto = Proto {
        tls13: true,
        key: Key::Ecdsa,
    };

    pub(crate) fn tls(self) -> TlsVersion {
        if self.tls13 {
            TlsVersion::Tls1_3
        } else {
            TlsVersion::Tls1_2
        }
    }

    pub(crate) fn ssl_version(self) -> SslVersion {
        if self.tls13 {
            SslVersion::TLS1_3
        } else {
            SslVersion::TLS1_2
        }
    }

    pub(crate) fn version_name(self) -> &'static str {
        if self.tls13 {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        }
    }

    pub(crate) fn cipher(self) -> &'static str {
        if self.tls13 {
            TLS13_SUITE
        } else {
            self.key.cipher12()
        }
    }

    pub(crate) fn label(self) -> String {
        format!(
            "{} {}",
            if self.tls13 { "TLS1.3" } else { "TLS1.2" },
            self.key.label()
        )
    }

    pub(crate) fn id(self) -> String {
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
pub(crate) struct Knobs {
    /// Client resumes (sslsocket: its session cache; openssl: set_session).
    pub(crate) client_resume: bool,
    /// Client has a certificate (client.pem).
    pub(crate) client_cert: bool,
    /// Client does not verify the server (mode NONE, no host-name check).
    pub(crate) client_verify_none: bool,
    /// Server keeps no sessions and issues no tickets.
    pub(crate) server_cache_off: bool,
    /// Server trusts ca.pem and uses this verify mode.
    pub(crate) server_mode: Option<i32>,
    /// SSL_MODE_RELEASE_BUFFERS cleared on both contexts (openssl only).
    pub(crate) keep_buffers: bool,
    /// The plain client's store holds only ca.pem: no system CA paths, which
    /// `SslConnector::builder` adds and OpenSSL searches on every full
    /// handshake (openssl only).
    pub(crate) own_store: bool,
    /// Both ends call `SSL_free_buffers` once the request and reply are
    /// done (what sslsocket could do after a read that leaves nothing
    /// pending).
    pub(crate) free_buffers: bool,
    /// The sslsocket server has no handshake deadline (its default is 30 s).
    pub(crate) no_handshake_timeout: bool,
}

unsafe extern "C" {
    fn SSL_free_buffers(ssl: *mut openssl_sys::SSL) -> libc::c_int;
}

/// `SSL_free_buffers`: releases the record buffers when nothing is pending.
pub(crate) fn free_buffers(ssl: &SslRef) -> bool {
    use foreign_types::ForeignTypeRef;
    // SAFETY: `ssl` is a live SSL owned by a connection of this thread; the
    // call refuses (returns 0) when records are pending or a handshake is
    // in progress, and otherwise only frees buffers OpenSSL reallocates on
    // the next read or write.
    unsafe { SSL_free_buffers(ssl.as_ptr()) == 1 }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Imp {
    Ss,
    Plain,
}

impl Imp {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Imp::Ss => "sslsocket",
            Imp::Plain => "openssl",
        }
    }
}

pub(crate) fn ss_server(p: Proto, k: Knobs) -> SslConfig {
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
    if k.no_handshake_timeout {
        b.set_handshake_timeout(None);
    }
    assert!(!k.keep_buffers, "sslsocket always sets RELEASE_BUFFERS");
    b.build().expect("sslsocket server configuration")
}

pub(crate) fn ss_client(p: Proto, k: Knobs) -> SslConfig {
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
pub(crate) fn keep_buffers(b: &mut SslContextBuilder) {
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
pub(crate) fn plain_acceptor(p: Proto, k: Knobs) -> SslAcceptor {
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
pub(crate) fn plain_connector(p: Proto, k: Knobs) -> SslConnector {
    let dir = p.key.dir();
    let mut b = SslConnector::builder(SslMethod::tls()).expect("connector");
    if k.own_store {
        b.set_cert_store(ca_store(&dir.join("ca.pem")));
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
