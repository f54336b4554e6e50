//! OpenSSL's `SSL_OP_*` options and the protocol knobs people look for by
//! name: the server's cipher preference, key-exchange groups, signature
//! algorithms, session tickets, unexpected EOF, renegotiation.

use openssl::ssl::{SslContextBuilder, SslOptions, SslRef};

use crate::config::no_nul;
use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::verify::mode::Role;

/// `SSL_OP_ALLOW_CLIENT_RENEGOTIATION` (OpenSSL 3.0, `ssl.h`), which the
/// openssl crate does not name: without it a server refuses its clients'
/// renegotiations even when `SSL_OP_NO_RENEGOTIATION` is clear.
#[cfg(ossl300)]
const ALLOW_CLIENT_RENEGOTIATION: SslOptions = SslOptions::from_bits_retain(1 << 8);
#[cfg(not(ossl300))]
const ALLOW_CLIENT_RENEGOTIATION: SslOptions = SslOptions::empty();

/// The options a configuration sets and clears on top of OpenSSL's and
/// the crate's defaults, and the knobs that are not option bits.
#[derive(Clone, Debug)]
pub(crate) struct Knobs {
    pub(crate) set: SslOptions,
    pub(crate) clear: SslOptions,
    pub(crate) groups: Option<String>,
    pub(crate) sigalgs: Option<String>,
    pub(crate) num_tickets: Option<usize>,
    /// A setting this OpenSSL release cannot honour, reported by `build()`.
    unsupported: Option<&'static str>,
}

impl Default for Knobs {
    fn default() -> Knobs {
        Knobs {
            set: SslOptions::empty(),
            clear: SslOptions::empty(),
            groups: None,
            sigalgs: None,
            num_tickets: None,
            unsupported: None,
        }
    }
}

impl Knobs {
    /// Sets `options` (and no longer clears them).
    pub(crate) fn set(&mut self, options: SslOptions) {
        self.set |= options;
        self.clear &= !options;
    }

    /// Clears `options` (and no longer sets them).
    pub(crate) fn clear(&mut self, options: SslOptions) {
        self.clear |= options;
        self.set &= !options;
    }

    /// Sets `options` when `on`, else clears them.
    pub(crate) fn turn(&mut self, options: SslOptions, on: bool) {
        if on {
            self.set(options);
        } else {
            self.clear(options);
        }
    }

    /// Whether peers may renegotiate: for a server, its clients; for a
    /// client, its server (a HelloRequest).
    pub(crate) fn renegotiation(&mut self, allow: bool, role: Role) {
        self.turn(SslOptions::NO_RENEGOTIATION, !allow);
        if role == Role::Server {
            self.turn(ALLOW_CLIENT_RENEGOTIATION, allow);
        }
    }

    /// Whether a peer that closes TCP without close_notify reads as a
    /// clean end (`SSL_OP_IGNORE_UNEXPECTED_EOF`).
    /// Before OpenSSL 3.0 there is no such option: `build()` says so.
    pub(crate) fn allow_unexpected_eof(&mut self, allow: bool) {
        #[cfg(ossl300)]
        self.turn(SslOptions::IGNORE_UNEXPECTED_EOF, allow);
        #[cfg(not(ossl300))]
        if allow {
            self.unsupported = Some("set_allow_unexpected_eof");
        }
    }

    /// The option bits, after the defaults already on the context.
    pub(crate) fn apply_options(&self, b: &mut SslContextBuilder) {
        b.set_options(self.set);
        b.clear_options(self.clear);
    }

    /// The knobs that are lists and counts.
    pub(crate) fn apply(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        if let Some(setting) = self.unsupported {
            return Err(ConfigError::NeedsNewerOpenSsl {
                setting,
                version: "3.0",
            }
            .into());
        }
        if let Some(list) = &self.groups {
            no_nul("key-exchange groups", list)?;
            b.set_groups_list(list)
                .map_err(|source| ConfigError::Groups {
                    list: list.clone(),
                    source,
                })?;
        }
        if let Some(list) = &self.sigalgs {
            no_nul("signature algorithms", list)?;
            b.set_sigalgs_list(list)
                .map_err(|source| ConfigError::Sigalgs {
                    list: list.clone(),
                    source,
                })?;
        }
        if let Some(n) = self.num_tickets {
            b.set_num_tickets(n)
                .map_err(|source| ConfigError::OpenSsl {
                    step: "number of session tickets",
                    source,
                })?;
        }
        Ok(())
    }
}

/// Whether the connection refuses its peer's renegotiations: a server's
/// clients' ClientHellos, a client's server's HelloRequests.
pub(crate) fn refuses_peer_renegotiation(ssl: &SslRef) -> bool {
    let options = crate::sys::ffi::connection::ssl_options(ssl);
    options.contains(SslOptions::NO_RENEGOTIATION)
        || (ssl.is_server() && !options.contains(ALLOW_CLIENT_RENEGOTIATION))
}

/// Schedules this end's own renegotiation (`SSL_renegotiate`, TLS 1.2 and
/// older): the next handshake step sends a server's HelloRequest or a
/// client's ClientHello. `SSL_OP_NO_RENEGOTIATION` governs what the peer may
/// start, and `SSL_renegotiate` checks it too: it is lifted for the call.
/// Once scheduled, OpenSSL lets the handshake through (a server the answer
/// to its HelloRequest, a client its own).
pub(crate) fn renegotiate_own(ssl: &mut SslRef) -> Result<(), openssl::error::ErrorStack> {
    let refusing =
        crate::sys::ffi::connection::ssl_options(ssl).contains(SslOptions::NO_RENEGOTIATION);
    crate::sys::ffi::connection::set_ssl_options(ssl, SslOptions::NO_RENEGOTIATION, false);
    let scheduled = crate::sys::ffi::handshake::renegotiate(ssl);
    crate::sys::ffi::connection::set_ssl_options(ssl, SslOptions::NO_RENEGOTIATION, refusing);
    scheduled
}

/// Whether the connection takes a peer's end of the stream without
/// close_notify for a clean close (`SSL_OP_IGNORE_UNEXPECTED_EOF`).
#[cfg(ossl300)]
pub(crate) fn ignores_unexpected_eof(ssl: &SslRef) -> bool {
    crate::sys::ffi::connection::ssl_options(ssl).contains(SslOptions::IGNORE_UNEXPECTED_EOF)
}

#[cfg(not(ossl300))]
pub(crate) fn ignores_unexpected_eof(_ssl: &SslRef) -> bool {
    false
}
