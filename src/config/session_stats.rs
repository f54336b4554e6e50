//! A context's session counters (`SSL_CTX_sess_*`), Python's
//! `SSLContext.session_stats()` as a struct.

use openssl::ssl::SslContextRef;

use crate::config::SslConfig;

/// What a configuration's context has counted of its handshakes and its
/// session cache, OpenSSL's `SSL_CTX_sess_*` counters (Python's
/// `SSLContext.session_stats()`, with the same names), from
/// [`SslConfig::session_stats`](crate::SslConfig::session_stats).
///
/// A server counts `accept*`, a client `connect*`. Every socket made from
/// the configuration adds to the same counters, from the moment it is
/// built. The counters of the cache (`hits`, `misses`, `timeouts`,
/// `cache_full`, `number`) are OpenSSL's own cache's: a client of this
/// crate keeps its sessions in a cache of its own (`hits` still counts a
/// client's resumed handshakes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SessionStats {
    /// Sessions in OpenSSL's cache now (`SSL_CTX_sess_number`).
    pub number: u64,
    /// Handshakes started as a client (`SSL_CTX_sess_connect`).
    pub connect: u64,
    /// Of those, completed (`SSL_CTX_sess_connect_good`).
    pub connect_good: u64,
    /// Renegotiations started as a client (`SSL_CTX_sess_connect_renegotiate`).
    pub connect_renegotiate: u64,
    /// Handshakes started as a server (`SSL_CTX_sess_accept`).
    pub accept: u64,
    /// Of those, completed (`SSL_CTX_sess_accept_good`).
    pub accept_good: u64,
    /// Renegotiations started as a server (`SSL_CTX_sess_accept_renegotiate`).
    pub accept_renegotiate: u64,
    /// Sessions resumed (`SSL_CTX_sess_hits`).
    pub hits: u64,
    /// Sessions a server found through the external cache's callback
    /// (`SSL_CTX_sess_cb_hits`).
    pub cb_hits: u64,
    /// Sessions a server's client proposed and its cache did not hold
    /// (`SSL_CTX_sess_misses`).
    pub misses: u64,
    /// Sessions proposed that had expired (`SSL_CTX_sess_timeouts`).
    pub timeouts: u64,
    /// Sessions dropped because the cache was full (`SSL_CTX_sess_cache_full`).
    pub cache_full: u64,
}

/// The counters of `ctx`.
pub(crate) fn session_stats(ctx: &SslContextRef) -> SessionStats {
    let [number, connect, connect_good, connect_renegotiate, accept, accept_good, accept_renegotiate, hits, cb_hits, misses, timeouts, cache_full] =
        crate::sys::ffi::context::ctx_session_counters(ctx);
    SessionStats {
        number,
        connect,
        connect_good,
        connect_renegotiate,
        accept,
        accept_good,
        accept_renegotiate,
        hits,
        cb_hits,
        misses,
        timeouts,
        cache_full,
    }
}

impl SslConfig {
    /// The context's session counters (`SSL_CTX_sess_*`; Python's
    /// `SSLContext.session_stats()`): handshakes accepted and connected,
    /// renegotiations, sessions resumed and missed. Every socket made
    /// from this configuration counts in them.
    #[doc(alias(
        "SSL_CTX_sess_accept",
        "SSL_CTX_sess_accept_good",
        "SSL_CTX_sess_connect",
        "SSL_CTX_sess_hits",
        "SSL_CTX_sess_misses",
        "SSL_CTX_sess_number"
    ))]
    pub fn session_stats(&self) -> crate::config::session_stats::SessionStats {
        crate::config::session_stats::session_stats(&self.inner.ctx)
    }
}
