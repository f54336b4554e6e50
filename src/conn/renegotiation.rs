//! A TLS 1.2 renegotiation this end starts, in either role (C's
//! `SSL_renegotiate` then `SSL_do_handshake`, python-nss's `rehandshake`),
//! run on the I/O engine as one exchange that keeps the application data
//! arriving meanwhile: [`begin`], the [`Exchange`] of
//! [`Operation::Renegotiation`], [`finish`].

use crate::config::hooks::record;
use crate::config::options;
use crate::conn::engine::Engine;
use crate::conn::inspection;
use crate::conn::post_handshake::Exchange;
use crate::error::operation::Operation;
use crate::error::Error;
use crate::sys::ffi;
use crate::sys::reasons::{ERR_LIB_SSL, SSL_R_NO_RENEGOTIATION};

/// The exchange that drives a renegotiation [`begin`] scheduled.
pub(crate) fn exchange() -> Exchange {
    Exchange::new(Operation::Renegotiation)
}

/// Schedules a renegotiation on a handshaken connection, whatever the
/// configuration lets the peer start; the [`exchange`] then sends the
/// server's HelloRequest or the client's ClientHello and runs the
/// handshake, and [`finish`] ends it.
///
/// # Errors
///
/// [`Error::NotTls12`] on TLS 1.3 (nothing is sent; the connection goes
/// on); [`Error::Unavailable`] when the peer does not support secure
/// renegotiation (RFC 5746); [`Error::InvalidState`] while a handshake is
/// under way; [`Error::Tls`] when OpenSSL refuses.
pub(crate) fn begin<S>(engine: &mut Engine<S>) -> Result<(), Error> {
    let ssl = engine.ssl();
    if inspection::is_tls13(ssl) {
        return Err(Error::NotTls12 {
            operation: Operation::Renegotiation,
            version: ssl.version_str(),
        });
    }
    if !ffi::handshake::secure_renegotiation_support(ssl) {
        return Err(Error::Unavailable {
            what: "renegotiation",
            reason: "the peer does not support secure renegotiation (RFC 5746)",
            source: None,
        });
    }
    if !ssl.is_init_finished() || !record::renegotiation_idle(ssl) {
        return Err(Error::InvalidState {
            call: "renegotiate",
            reason: "a handshake or renegotiation is already under way on this connection",
        });
    }
    let ssl = engine.ssl_mut();
    options::renegotiate_own(ssl).map_err(|source| Error::Tls {
        during: Operation::Renegotiation,
        source,
    })?;
    record::expect_own_renegotiation(ssl);
    // The renegotiation verifies the peer afresh.
    record::verify_failure(ssl, true);
    ffi::handshake::watch_handshake(ssl);
    Ok(())
}

/// Ends a renegotiation [`begin`] started, `r` being how its exchange
/// went: a hook that panicked during it first, then a refusal by the peer
/// as [`Error::RenegotiationRefused`], then the exchange's own error.
pub(crate) fn finish<S>(engine: &mut Engine<S>, r: Result<(), Error>) -> Result<(), Error> {
    ffi::handshake::unwatch_handshake(engine.ssl_mut());
    if let Some(panicked) = engine.take_panic() {
        return Err(panicked);
    }
    r.map_err(refused)?;
    let ssl = engine.ssl();
    if ssl.is_server() && inspection::certificate_requested(ssl) {
        engine.cert_requests = engine.cert_requests.saturating_add(1);
    }
    Ok(())
}

/// OpenSSL's failure on the peer's `no_renegotiation` warning, as
/// [`Error::RenegotiationRefused`]; any other error as it is.
fn refused(e: Error) -> Error {
    match e {
        Error::Tls { source, .. }
            if source.errors().iter().any(|x| {
                x.library_code() == ERR_LIB_SSL && x.reason_code() == SSL_R_NO_RENEGOTIATION
            }) =>
        {
            Error::RenegotiationRefused { source }
        }
        e => e,
    }
}
