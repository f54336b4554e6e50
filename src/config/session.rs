//! Client-side session resumption keyed by a peer id (python-nss's
//! `set_sock_peer_id`; by default `host:port`), and the rule every offered
//! session meets before a handshake that verifies; the builder's session
//! settings (caching, TLS 1.3 tickets), their `build()` step, and the
//! built configuration's saved sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslContextBuilder, SslRef, SslSession, SslSessionCacheMode};

use crate::config::hooks::record;
use crate::config::{config_err, SslConfig, SslConfigBuilder};
use crate::error::Error;
use crate::sys::ffi::x509::CheckedName;
use crate::verify::mode::Role;
use crate::verify::result::VerifyFailure;

/// Most sessions kept per configuration; past that the oldest peer's goes.
const CAPACITY: usize = 1024;

/// The sessions of one client configuration, by peer id.
#[derive(Default)]
pub(crate) struct SessionCache {
    map: Mutex<HashMap<Arc<str>, Saved>>,
}

/// A saved session, when it was saved (for eviction), and where the
/// verification of its handshake failed, which the session itself does not
/// keep.
struct Saved {
    stamp: u64,
    session: SslSession,
    failure: Option<VerifyFailure>,
}

/// The peer id of a client connection, kept with the `SSL` (shared with
/// the cache's key when a session is saved for it).
fn peer_id_index() -> Index<Ssl, Arc<str>> {
    static INDEX: OnceLock<Index<Ssl, Arc<str>>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index().expect("OpenSSL ran out of ex_data indexes"))
}

impl SessionCache {
    /// Makes the context hand every new client session (TLS 1.3 tickets
    /// included, whenever they arrive) to `cache`.
    pub(crate) fn install(b: &mut SslContextBuilder, cache: Arc<SessionCache>) {
        b.set_session_cache_mode(SslSessionCacheMode::CLIENT | SslSessionCacheMode::NO_INTERNAL);
        b.set_new_session_callback(move |ssl, session| {
            if let Some(id) = ssl.ex_data(peer_id_index()) {
                // A resumed handshake verifies nothing: its tickets carry
                // the failure of the session it resumed.
                let resumed = ssl.session_reused();
                let failure = record::with_record(ssl, |r| {
                    if resumed {
                        r.offered_failure.as_deref().cloned()
                    } else {
                        r.failure.as_deref().cloned()
                    }
                })
                .flatten();
                cache.insert(id.clone(), session, failure);
            }
        });
    }

    fn insert(&self, id: Arc<str>, session: SslSession, failure: Option<VerifyFailure>) {
        let Ok(mut map) = self.map.lock() else { return };
        let stamp = map.values().map(|s| s.stamp).max().map_or(0, |s| s + 1);
        if map.len() >= CAPACITY && !map.contains_key(&id) {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.stamp)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            id,
            Saved {
                stamp,
                session,
                failure,
            },
        );
    }

    /// Tags `ssl` with its peer id and offers the session saved for it.
    pub(crate) fn prepare(&self, ssl: &mut SslRef, id: String) {
        let saved = self.map.lock().ok().and_then(|m| {
            m.get_key_value(id.as_str())
                .map(|(k, s)| (Arc::clone(k), s.session.clone(), s.failure.clone()))
        });
        let id = match &saved {
            Some((key, ..)) => Arc::clone(key),
            None => Arc::from(id),
        };
        if let Some((_, session, failure)) = saved {
            // A session that cannot be set only means a full handshake.
            if crate::sys::ffi::session::set_session(ssl, &session).is_ok() {
                record::with_record(ssl, |r| r.offered_failure = failure.map(Box::new));
            }
        }
        ssl.set_ex_data(peer_id_index(), id);
    }

    /// Forgets every saved session.
    pub(crate) fn clear(&self) {
        if let Ok(mut m) = self.map.lock() {
            m.clear();
        }
    }

    /// How many peers have a saved session.
    pub(crate) fn len(&self) -> usize {
        self.map.lock().map_or(0, |m| m.len())
    }
}

/// A client connection whose mode verifies (any mode but `NONE`) resumes
/// the session it offers only when that session was verified for what the
/// connection checks, as OpenSSL would verify nothing again: its
/// verification passed (the verify result `SSL_set_session` took from the
/// session is `X509_V_OK`, and no failure was kept with it), and its
/// server certificate is issued for the name the connection checks, by the
/// connection's own host or IP check. Any other session (one saved in mode
/// `NONE` from a server that failed verification, one verified for another
/// name, one without a certificate, from the cache, `set_session` or
/// DER/PEM alike) is withdrawn before the handshake begins, and the full
/// handshake verifies afresh. Called before each handshake; a connection in
/// `NONE` may resume any session.
pub(crate) fn withdraw_unverified(ssl: &mut SslRef) {
    if ssl.is_server()
        || crate::verify::mode::verify_mode(ssl).is_none()
        || !crate::sys::ffi::handshake::handshake_not_begun(ssl)
    {
        return;
    }
    let Some(session) = ssl.session() else {
        return;
    };
    let failed = record::offered_failure(ssl).is_some()
        || !crate::verify::result::verify_result(ssl).is_ok();
    let verified = !failed
        && crate::sys::ffi::session::session_peer(session).is_some_and(|cert| {
            // The name as the configuration gave it to OpenSSL, read back.
            match crate::sys::ffi::x509::checked_name(ssl) {
                Ok(None) => true,
                Ok(Some(CheckedName::Host(host))) => {
                    crate::sys::ffi::x509::certificate_matches_host(ssl, cert, &host)
                }
                Ok(Some(CheckedName::Ip(ip))) => {
                    crate::sys::ffi::x509::certificate_matches_ip(cert, ip)
                }
                Err(()) => false,
            }
        });
    if !verified {
        crate::sys::ffi::session::withdraw_session(ssl);
        record::with_record(ssl, |r| r.offered_failure = None);
    }
}

impl SslConfigBuilder {
    /// Whether sessions are cached for resumption. Defaults to `true`: a
    /// client resumes the session of its last connection to the same peer
    /// id (`host:port` by default), and a server keeps a session cache and
    /// issues session tickets. `false` is python-nss's `SSL_NO_CACHE`: every
    /// handshake is a full one.
    #[doc(alias("SSL_CTX_set_session_cache_mode", "SSL_NO_CACHE"))]
    pub fn set_session_cache(&mut self, on: bool) -> &mut Self {
        self.session_cache = on;
        self
    }

    /// How many TLS 1.3 session tickets a server sends after each full
    /// handshake (`SSL_CTX_set_num_tickets`; OpenSSL's default is 2, Python's
    /// `num_tickets`); 0 sends none.
    #[doc(alias("SSL_CTX_set_num_tickets", "num_tickets"))]
    pub fn set_num_tickets(&mut self, tickets: usize) -> &mut Self {
        self.knobs.num_tickets = Some(tickets);
        self
    }

    /// Build step: a server's session id context; a client's own cache of
    /// sessions by peer, which the configuration keeps (OpenSSL's cache
    /// off when caching is off). The cache is returned for the
    /// configuration, kept only by a client that caches.
    pub(super) fn set_up_sessions(
        &self,
        b: &mut SslContextBuilder,
    ) -> Result<Option<Arc<SessionCache>>, Error> {
        if self.role == Role::Server {
            b.set_session_id_context(b"sslsocket")
                .map_err(config_err("session id context"))?;
        }
        let sessions = Arc::new(SessionCache::default());
        match (self.role, self.session_cache) {
            (Role::Client, true) => SessionCache::install(b, sessions.clone()),
            (Role::Server, true) => {}
            (_, false) => {
                b.set_session_cache_mode(SslSessionCacheMode::OFF);
            }
        }
        Ok((self.role == Role::Client && self.session_cache).then_some(sessions))
    }
}

impl SslConfig {
    /// Forgets the sessions a client saved, so the next connections make
    /// full handshakes.
    pub fn clear_sessions(&self) {
        if let Some(s) = &self.inner.sessions {
            s.clear();
        }
    }

    /// How many peers a client has a saved session for.
    pub fn saved_sessions(&self) -> usize {
        self.inner.sessions.as_ref().map_or(0, |s| s.len())
    }
}

/// The key a client session is saved under: the peer, the name the client
/// used (sent as SNI, or the IP address) and whether the certificate was
/// checked against it. A session is offered again only to a connection that
/// names, and checks, the same.
pub(crate) fn session_id(peer: &str, name: Option<&str>, checked: bool) -> String {
    let name = name.unwrap_or("");
    let check = if checked { "checked" } else { "unchecked" };
    format!("{peer} name={name} {check}")
}
