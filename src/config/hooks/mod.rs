//! Hooks into the handshake: certificate checks and overrides, choosing a
//! client certificate, server name indication, ALPN, and handshake events
//! (python-nss's `SSLSocket` callbacks, in Rust's terms).
//!
//! Every hook runs inside OpenSSL's callbacks; a panic in one is caught,
//! fails that handshake with [`Error::CallbackPanicked`](crate::Error::CallbackPanicked)
//! and never unwinds into C.
//!
//! Here: a configuration's hooks ([`Hooks`]) and what installs them, on
//! the context and, as its record, on each connection. The types the
//! hooks see are in `types`, OpenSSL's callbacks in `trampolines`, what a
//! connection records in `record`.

pub(crate) mod record;
pub(crate) mod trampolines;
pub(crate) mod types;

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use openssl::ex_data::Index;
use openssl::ssl::{SslContext, SslRef};

use crate::config::hooks::record::{record_index, Record};
use crate::config::hooks::trampolines::{
    alpn_wire, on_alpn_select, on_servername, verify_callback, Trampolines,
};
use crate::config::hooks::types::{CertCheck, ClientAuthRequest, HandshakeEvent, SniDecision};
use crate::config::identity::Identity;
use crate::sys::panics::drop_contained;

pub(crate) type VerifyHook = dyn Fn(&CertCheck<'_>) -> bool + Send + Sync;
pub(crate) type ClientCertHook = dyn Fn(&ClientAuthRequest) -> Option<Identity> + Send + Sync;
pub(crate) type EventHook = dyn Fn(&HandshakeEvent, &SslRef) + Send + Sync;
pub(crate) type SniHook = dyn Fn(&str) -> SniDecision + Send + Sync;
pub(crate) type AlpnHook = dyn Fn(&[&str]) -> Option<String> + Send + Sync;

/// The hooks of one configuration, kept in its context's ex_data.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) verify: Option<Arc<VerifyHook>>,
    pub(crate) bad_cert: Option<Arc<VerifyHook>>,
    pub(crate) client_cert: Option<Arc<ClientCertHook>>,
    pub(crate) events: Option<Arc<EventHook>>,
    pub(crate) sni: Option<Arc<SniHook>>,
    pub(crate) alpn: Option<Arc<AlpnHook>>,
    pub(crate) alpn_protocols: Vec<String>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("verify", &self.verify.is_some())
            .field("bad_cert", &self.bad_cert.is_some())
            .field("client_cert", &self.client_cert.is_some())
            .field("events", &self.events.is_some())
            .field("sni", &self.sni.is_some())
            .field("alpn", &self.alpn.is_some())
            .field("alpn_protocols", &self.alpn_protocols)
            .finish()
    }
}

/// The hooks as kept in a context's ex_data. OpenSSL frees ex_data from C
/// (`SSL_CTX_free`), where a panic from a captured value's `Drop` would
/// abort the process: dropping the slot contains it.
struct HooksSlot(Option<Arc<Hooks>>);

impl Drop for HooksSlot {
    fn drop(&mut self) {
        drop_contained(self.0.take());
    }
}

fn hooks_index() -> Index<SslContext, HooksSlot> {
    static INDEX: OnceLock<Index<SslContext, HooksSlot>> = OnceLock::new();
    *INDEX.get_or_init(|| SslContext::new_ex_index().expect("OpenSSL ran out of ex_data indexes"))
}

impl Hooks {
    /// Installs these hooks and the C callbacks they need on a context.
    pub(crate) fn install(
        self,
        b: &mut openssl::ssl::SslContextBuilder,
        role: crate::verify::mode::Role,
    ) -> Result<(), openssl::error::ErrorStack> {
        // The info callback records the alert a failed handshake sent and
        // counts completed handshakes, which also tells a client whether a
        // CertificateRequest came after the handshake.
        crate::sys::ffi::callbacks::set_info_callback::<Trampolines>(b);
        if role == crate::verify::mode::Role::Client
            && (self.client_cert.is_some() || self.events.is_some())
        {
            crate::sys::ffi::callbacks::set_cert_callback::<Trampolines>(b);
        }
        if self.sni.is_some() {
            b.set_servername_callback(on_servername);
        }
        if !self.alpn_protocols.is_empty() && role == crate::verify::mode::Role::Client {
            b.set_alpn_protos(&alpn_wire(&self.alpn_protocols))?;
        }
        if role == crate::verify::mode::Role::Server
            && (self.alpn.is_some() || !self.alpn_protocols.is_empty())
        {
            b.set_alpn_select_callback(on_alpn_select);
        }
        b.set_ex_data(hooks_index(), HooksSlot(Some(Arc::new(self))));
        Ok(())
    }
}

fn hooks(ssl: &SslRef) -> Option<&Arc<Hooks>> {
    ssl.ssl_context().ex_data(hooks_index())?.0.as_ref()
}

/// Installs the context's verify callback, [`verify_callback`], with `mode`.
pub(crate) fn install_verify_callback(
    b: &mut openssl::ssl::SslContextBuilder,
    mode: crate::verify::mode::VerifyMode,
) {
    b.set_verify_callback(mode.to_openssl(), verify_callback);
}

/// Gives a new connection its record.
pub(crate) fn attach_record(ssl: &mut SslRef) {
    ssl.set_ex_data(record_index(), Mutex::new(Record::default()));
}
