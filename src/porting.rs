//! The porting manual: the calls of C OpenSSL, Python's `ssl`, python-nss
//! and Qore beside this crate's, and the traps on the way. Pages only; no
//! code lives here.
//!
//! | from | page |
//! |---|---|
//! | C, OpenSSL's `SSL_*` calls | [`c`] |
//! | Python's `ssl` module (`SSLContext`, `SSLSocket`) | [`python`] |
//! | python-nss (`nss.ssl.SSLSocket`) | [`python_nss`] |
//! | Qore's `Socket` class | [`qore`] |
//!
//! Each page has a table of their calls and ours, then the traps that cost
//! a porter time. The same few come up from every language:
//!
//! - **2 is not 3.** The verify mode is OpenSSL's integer, passed through
//!   unchanged. `FAIL_IF_NO_PEER_CERT` (2) without `PEER` (1) asks a client
//!   for no certificate at all, and 2 is what Python calls `CERT_REQUIRED`:
//!   a server that wants a certificate needs 3, or
//!   [`set_cert_reqs(CertReqs::Required)`](crate::SslConfigBuilder::set_cert_reqs),
//!   which maps Python's names by role as CPython does.
//! - **`NONE` on a client still checks.** The server's chain and host name
//!   are verified and the verdict kept in
//!   [`verify_result()`](crate::SslSocket::verify_result), but the
//!   connection is made whatever it is.
//! - **Asking for a certificate after the handshake** queues a request that
//!   the next I/O sends: [`verify_client_post_handshake`](crate::SslSocket::verify_client_post_handshake)
//!   then [`handshake()`](crate::SslSocket::handshake) (or `flush()`) sends
//!   it at once, as C's `SSL_verify_client_post_handshake` then
//!   `SSL_do_handshake`; [`request_client_certificate`](crate::SslSocket::request_client_certificate)
//!   does the whole exchange.
//! - **[`shutdown()`](crate::SslSocket::shutdown) is `SSL_shutdown`**: it
//!   sends close_notify. It is not `shutdown(2)` on the TCP socket.
//! - **A socket closes as `openssl s_server` closes one**: lingering to
//!   read what the peer still sends, so that the peer reads the alert or
//!   the last answer instead of a reset.
//! - **The defaults are Python's secure ones**: a client verifies and
//!   offers only the TLS 1.2 suites of Python's
//!   [`create_default_context()`](crate::DEFAULT_CLIENT_CIPHER_LIST); a
//!   server keeps OpenSSL's cipher list.
//!
//! [`SslConfig::warnings`](crate::SslConfig::warnings) lists the settings of
//! a configuration that OpenSSL accepts and then ignores (mode 2 on a
//! server among them), each with the fix: print them where the program
//! reports its configuration.
//!
//! Every name in these tables that has an equivalent here is a search
//! alias in these docs: searching for `load_cert_chain`, `getPeerCertificate`
//! or `set_auth_certificate_callback` finds the call to use.

pub mod c {
    #![doc = include_str!("porting/c.md")]
}

pub mod python {
    #![doc = include_str!("porting/python.md")]
}

pub mod python_nss {
    #![doc = include_str!("porting/python_nss.md")]
}

pub mod qore {
    #![doc = include_str!("porting/qore.md")]
}
