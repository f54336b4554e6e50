//! A TLS session to keep: taken from a connection, written as DER or PEM
//! (the bytes `openssl s_client -sess_out` writes), read back, and offered
//! again by a new client connection.

use std::fmt;

use openssl::ssl::{SslRef, SslSession, SslSessionRef};

use crate::error::Error;

const PEM_BEGIN: &str = "-----BEGIN SSL SESSION PARAMETERS-----";
const PEM_END: &str = "-----END SSL SESSION PARAMETERS-----";
/// Far more than any session: a bound on what is decoded.
const MAX_PEM: usize = 1 << 20;

/// A TLS session a client can resume later, in this process or another
/// (Python's `SSLSession`, C's `SSL_SESSION`): from
/// [`SslSocket::session`](crate::SslSocket::session), or read back with
/// [`from_der`](Self::from_der) / [`from_pem`](Self::from_pem); offered with
/// [`SslSocket::set_session`](crate::SslSocket::set_session).
///
/// It keeps OpenSSL's record of the handshake that made it, the server's
/// certificate and the verify result, which decides whether a connection
/// that verifies may resume it (see `set_session`). It holds the session's
/// secrets: keep it as private as a key.
#[derive(Clone)]
pub struct Session(SslSession);

impl Session {
    /// The session's DER encoding (`i2d_SSL_SESSION`), what
    /// `openssl sess_id -outform DER` writes.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] if OpenSSL cannot encode it.
    #[doc(alias = "i2d_SSL_SESSION")]
    pub fn to_der(&self) -> Result<Vec<u8>, Error> {
        self.0.to_der().map_err(|source| Error::Unavailable {
            what: "the session's encoding",
            reason: "OpenSSL could not encode it",
            source: Some(source),
        })
    }

    /// A session from its DER encoding (`d2i_SSL_SESSION`).
    ///
    /// # Errors
    ///
    /// [`Error::Load`] for bytes that are not a DER session.
    #[doc(alias = "d2i_SSL_SESSION")]
    pub fn from_der(der: &[u8]) -> Result<Session, Error> {
        SslSession::from_der(der)
            .map(Session)
            .map_err(|e| Error::load("TLS session", "DER bytes".into(), e))
    }

    /// The session in PEM, `-----BEGIN SSL SESSION PARAMETERS-----`, the
    /// format `openssl s_client -sess_out` writes and `-sess_in` reads
    /// (`PEM_write_bio_SSL_SESSION`).
    ///
    /// # Errors
    ///
    /// As [`to_der`](Self::to_der).
    #[doc(alias = "PEM_write_bio_SSL_SESSION")]
    pub fn to_pem(&self) -> Result<Vec<u8>, Error> {
        let b64 = openssl::base64::encode_block(&self.to_der()?);
        let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + 80);
        pem.push_str(PEM_BEGIN);
        pem.push('\n');
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str(PEM_END);
        pem.push('\n');
        Ok(pem.into_bytes())
    }

    /// A session from PEM, as `openssl s_client -sess_out` writes it
    /// (`PEM_read_bio_SSL_SESSION`); text around the block is ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Load`] without a `SSL SESSION PARAMETERS` block, for bad
    /// base64 or a block that is not a session.
    #[doc(alias = "PEM_read_bio_SSL_SESSION")]
    pub fn from_pem(pem: &[u8]) -> Result<Session, Error> {
        let load_err = |reason: &str, source| Error::Load {
            what: "TLS session",
            origin: "PEM bytes".into(),
            reason: reason.to_owned(),
            source,
        };
        let text = String::from_utf8_lossy(pem);
        let body = text
            .split_once(PEM_BEGIN)
            .and_then(|(_, rest)| rest.split_once(PEM_END))
            .map(|(body, _)| body)
            .ok_or_else(|| load_err("no SSL SESSION PARAMETERS block found", None))?;
        let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if b64.len() > MAX_PEM {
            return Err(load_err("the block is too large for a session", None));
        }
        let der = openssl::base64::decode_block(&b64)
            .map_err(|e| load_err("the block is not base64", Some(e)))?;
        Session::from_der(&der)
    }

    /// The session id (`SSL_SESSION_get_id`); empty for a TLS 1.3 ticket.
    #[doc(alias = "SSL_SESSION_get_id")]
    pub fn id(&self) -> &[u8] {
        self.0.id()
    }

    /// The protocol version of the session, e.g. `TLSv1.3`.
    #[doc(alias = "SSL_SESSION_get_protocol_version")]
    pub fn version(&self) -> &'static str {
        use openssl::ssl::SslVersion;
        match self.0.protocol_version() {
            SslVersion::TLS1_3 => "TLSv1.3",
            SslVersion::TLS1_2 => "TLSv1.2",
            SslVersion::TLS1_1 => "TLSv1.1",
            SslVersion::TLS1 => "TLSv1",
            _ => "unknown",
        }
    }

    /// The lifetime OpenSSL gives the session, in seconds
    /// (`SSL_SESSION_get_timeout`).
    #[doc(alias = "SSL_SESSION_get_timeout")]
    pub fn timeout(&self) -> i64 {
        self.0.timeout()
    }

    /// The OpenSSL session, for anything this crate does not wrap.
    pub fn ssl_session(&self) -> &SslSessionRef {
        &self.0
    }
}

impl fmt::Debug for Session {
    /// The version and id, never the secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id: String = self.id().iter().map(|b| format!("{b:02x}")).collect();
        f.debug_struct("Session")
            .field("version", &self.version())
            .field("id", &id)
            .field("timeout", &self.timeout())
            .finish()
    }
}

/// The connection's session, once it can be resumed (`SSL_get1_session`,
/// `SSL_SESSION_is_resumable`): on TLS 1.3, once a ticket has arrived.
pub(crate) fn session(ssl: &SslRef) -> Option<Session> {
    let s = ssl.session()?;
    crate::sys::ffi::session::session_is_resumable(s).then(|| Session(s.to_owned()))
}

/// Offers `session` on a client connection before its handshake
/// (`SSL_set_session`).
pub(crate) fn set_session(ssl: &mut SslRef, session: &Session) -> Result<(), Error> {
    crate::sys::ffi::session::set_foreign_session(ssl, &session.0).map_err(|source| {
        Error::Tls {
            during: crate::error::operation::Operation::Handshake,
            source,
        }
    })?;
    // The failure the cache kept belongs to the session it offered.
    crate::config::hooks::record::with_record(ssl, |r| r.offered_failure = None);
    Ok(())
}
