//! Client-side session resumption keyed by a peer id (python-nss's
//! `set_sock_peer_id`; by default `host:port`), and the rule every offered
//! session meets before a handshake that verifies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslContextBuilder, SslRef, SslSession, SslSessionCacheMode};

use crate::callbacks;
use crate::ffi::CheckedName;
use crate::verify_result::VerifyFailure;

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
                let failure = callbacks::with_record(ssl, |r| {
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
            if crate::ffi::set_session(ssl, &session).is_ok() {
                callbacks::with_record(ssl, |r| r.offered_failure = failure.map(Box::new));
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
        || crate::inspection::verify_mode(ssl).is_none()
        || !crate::ffi::handshake_not_begun(ssl)
    {
        return;
    }
    let Some(session) = ssl.session() else {
        return;
    };
    let failed =
        callbacks::offered_failure(ssl).is_some() || !crate::inspection::verify_result(ssl).is_ok();
    let verified = !failed
        && crate::ffi::session_peer(session).is_some_and(|cert| {
            // The name as the configuration gave it to OpenSSL, read back.
            match crate::ffi::checked_name(ssl) {
                Ok(None) => true,
                Ok(Some(CheckedName::Host(host))) => {
                    crate::ffi::certificate_matches_host(ssl, cert, &host)
                }
                Ok(Some(CheckedName::Ip(ip))) => crate::ffi::certificate_matches_ip(cert, ip),
                Err(()) => false,
            }
        });
    if !verified {
        crate::ffi::withdraw_session(ssl);
        callbacks::with_record(ssl, |r| r.offered_failure = None);
    }
}
