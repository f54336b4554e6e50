//! Hooks into the handshake: certificate checks and overrides, choosing a
//! client certificate, server name indication, ALPN, and handshake events
//! (python-nss's `SSLSocket` callbacks, in Rust's terms).
//!
//! Every hook runs inside OpenSSL's callbacks; a panic in one is caught,
//! fails that handshake with [`Error::CallbackPanicked`](crate::Error::CallbackPanicked)
//! and never unwinds into C.

use std::fmt;
use std::num::NonZeroU8;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};

use openssl::ex_data::Index;
use openssl::ssl::{AlpnError, NameType, SniError, Ssl, SslAlert, SslContext, SslRef};
use openssl::x509::{X509Ref, X509StoreContext, X509StoreContextRef, X509VerifyResult};

use crate::identity::Identity;
use crate::names::{name_to_string, subject_of};
use crate::panics::{drop_contained, panic_message};
use crate::verify_result::{VerifyFailure, VerifyResult};

/// One certificate of the peer's chain, as OpenSSL's verify callback sees it.
pub struct CertCheck<'a> {
    preverify_ok: bool,
    depth: u32,
    error: VerifyResult,
    certificate: Option<&'a X509Ref>,
}

impl CertCheck<'_> {
    /// OpenSSL's own verdict on this certificate (`preverify_ok`).
    pub fn preverify_ok(&self) -> bool {
        self.preverify_ok
    }

    /// Depth in the chain: 0 is the peer's own certificate.
    #[doc(alias = "X509_STORE_CTX_get_error_depth")]
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The verification error at this certificate: `X509_V_OK` whenever
    /// [`preverify_ok`](Self::preverify_ok) is true.
    ///
    /// OpenSSL calls back once more for a certificate whose failure a hook
    /// accepted, with `preverify_ok = 1`, while its own
    /// `X509_STORE_CTX_get_error` still holds the accepted failure; this
    /// reports `X509_V_OK` there, the certificate's own result. The
    /// connection's verify result keeps OpenSSL's value
    /// ([`SslSocket::verify_result`](crate::SslSocket::verify_result)).
    #[doc(alias = "X509_STORE_CTX_get_error")]
    pub fn error(&self) -> VerifyResult {
        self.error
    }

    /// The certificate.
    #[doc(alias = "X509_STORE_CTX_get_current_cert")]
    pub fn certificate(&self) -> Option<&X509Ref> {
        self.certificate
    }

    /// The certificate's subject in one line.
    pub fn subject(&self) -> String {
        subject_of(self.certificate)
    }
}

impl fmt::Debug for CertCheck<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertCheck")
            .field("preverify_ok", &self.preverify_ok)
            .field("depth", &self.depth)
            .field("error", &self.error)
            .field("subject", &self.subject())
            .finish()
    }
}

/// What a client is told when a server asks for its certificate.
#[derive(Debug, Clone)]
pub struct ClientAuthRequest {
    ca_names: Vec<String>,
    post_handshake: bool,
}

impl ClientAuthRequest {
    /// The CA names the server sent in its CertificateRequest, one line
    /// each (`CN=Example Root CA`); empty when it sent none.
    #[doc(alias = "SSL_get_client_CA_list")]
    pub fn ca_names(&self) -> &[String] {
        &self.ca_names
    }

    /// Whether the request came after the handshake (TLS 1.3 post-handshake auth).
    pub fn post_handshake(&self) -> bool {
        self.post_handshake
    }
}

/// What the server-name callback decides for a requested name.
#[derive(Debug, Clone)]
pub enum SniDecision {
    /// Present the configuration's own certificate.
    Default,
    /// Present this identity instead (a virtual host).
    Use(Identity),
    /// Refuse the connection with an `unrecognized_name` alert.
    Reject,
}

/// Something that happened on a connection, for
/// [`SslConfigBuilder::set_handshake_callback`](crate::SslConfigBuilder::set_handshake_callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum HandshakeEvent {
    /// A handshake began; `renegotiation` when one had completed before.
    Started {
        /// Whether this is a renegotiation.
        renegotiation: bool,
    },
    /// A handshake completed (python-nss's handshake callback).
    Completed {
        /// Whether this was a renegotiation.
        renegotiation: bool,
        /// Whether a session was resumed.
        resumed: bool,
    },
    /// A client received a CertificateRequest.
    CertificateRequested {
        /// Whether it came after the handshake (TLS 1.3 post-handshake auth).
        post_handshake: bool,
    },
    /// A server finished asking for a client certificate after the
    /// handshake: the client's answer was processed, by
    /// `request_client_certificate` or, after
    /// `verify_client_post_handshake`, by the read that received it.
    PostHandshakeAuth {
        /// Whether the client sent a certificate.
        certificate: bool,
    },
    /// A server refused a renegotiation its client asked for (TLS 1.2 and
    /// older), answering with a `no_renegotiation` warning; nothing about
    /// the connection changed.
    RenegotiationRefused,
}

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
        role: crate::Role,
    ) -> Result<(), openssl::error::ErrorStack> {
        // The info callback records the alert a failed handshake sent and
        // counts completed handshakes, which also tells a client whether a
        // CertificateRequest came after the handshake.
        crate::ffi::set_info_callback::<Trampolines>(b);
        if role == crate::Role::Client && (self.client_cert.is_some() || self.events.is_some()) {
            crate::ffi::set_cert_callback::<Trampolines>(b);
        }
        if self.sni.is_some() {
            b.set_servername_callback(on_servername);
        }
        if !self.alpn_protocols.is_empty() && role == crate::Role::Client {
            b.set_alpn_protos(&alpn_wire(&self.alpn_protocols))?;
        }
        if role == crate::Role::Server && (self.alpn.is_some() || !self.alpn_protocols.is_empty()) {
            b.set_alpn_select_callback(on_alpn_select);
        }
        b.set_ex_data(hooks_index(), HooksSlot(Some(Arc::new(self))));
        Ok(())
    }
}

fn hooks(ssl: &SslRef) -> Option<&Arc<Hooks>> {
    ssl.ssl_context().ex_data(hooks_index())?.0.as_ref()
}

/// What a connection has recorded from inside OpenSSL's callbacks. What
/// most connections never record is boxed, so that an idle connection
/// carries little.
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// Where verification failed: the first failure a hook rejected (the
    /// one that aborts the handshake), else the first one it accepted.
    pub(crate) failure: Option<Box<VerifyFailure>>,
    /// Whether `failure` was accepted by the bad-certificate hook.
    pub(crate) failure_accepted: bool,
    /// A hook that panicked: which, and its message.
    pub(crate) panic: Option<Box<(&'static str, String)>>,
    /// Handshakes completed, up to 255 (for telling renegotiations apart:
    /// only "none" and "more than one" matter).
    pub(crate) completed: u8,
    /// The fatal alert this end sent (its description code, never 0: that
    /// is close_notify, a warning), if any.
    pub(crate) alert_sent: Option<NonZeroU8>,
    /// The verify callback rejected a certificate under a mode that aborts
    /// the handshake: the next fatal alert sent is the failure's.
    pub(crate) failure_aborts: bool,
    /// The fatal alert sent because of `failure`.
    pub(crate) failure_alert: Option<NonZeroU8>,
    /// The failure kept with the session offered for resumption, reported
    /// when that session is resumed.
    pub(crate) offered_failure: Option<Box<VerifyFailure>>,
    /// Where a server's renegotiation stands.
    pub(crate) renegotiation: Renegotiation,
    /// A CertificateRequest queued by `verify_client_post_handshake`, whose
    /// answer a later read processes: `Some(finished)`, `finished` once the
    /// client's Finished is being read. The `PostHandshakeAuth` event fires
    /// when OpenSSL has processed it.
    pub(crate) awaited_answer: Option<bool>,
}

impl Record {
    /// Keeps a verification failure, `accepted` or not by the
    /// bad-certificate hook: the first one rejected (which aborts the
    /// handshake in a mode that verifies) stands for the connection, and an
    /// accepted one only while none was rejected.
    fn note_failure(&mut self, failure: VerifyFailure, accepted: bool) {
        let replace = match self.failure {
            None => true,
            Some(_) => self.failure_accepted && !accepted,
        };
        if replace {
            self.failure = Some(Box::new(failure));
            self.failure_accepted = accepted;
        }
    }
}

/// A server's view of a renegotiation (TLS 1.2 and older), and a
/// client's of its own and of a HelloRequest it refuses (`Refusing`).
/// OpenSSL reports a handshake start and end for sending a HelloRequest,
/// and again for the handshake that answers it, and also for a client's
/// ClientHello that the server refuses (and a HelloRequest a client
/// refuses): this tells them apart, so that the application sees one
/// `Started`/`Completed` pair per renegotiation and `RenegotiationRefused`
/// for a refused one.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Renegotiation {
    /// None in progress.
    #[default]
    Idle,
    /// This end scheduled one (`SSL_renegotiate`): a server sends
    /// HelloRequest, a client its ClientHello.
    Requested,
    /// HelloRequest sent; the client's ClientHello is awaited.
    HelloRequestSent,
    /// The handshake answering the HelloRequest (or a client's own) is
    /// under way.
    Answering,
    /// A ClientHello the server did not ask for, which it refuses (or a
    /// HelloRequest a client refuses).
    Refusing,
}

/// Tells the connection's record that a CertificateRequest was queued on
/// its own (not by the exchange of `request_client_certificate`, which
/// reports its end itself): the `PostHandshakeAuth` event fires once a
/// later read has processed the client's answer.
pub(crate) fn await_answer(ssl: &SslRef) {
    with_record(ssl, |r| r.awaited_answer = Some(false));
}

/// Whether no renegotiation this end started is under way on the connection.
pub(crate) fn renegotiation_idle(ssl: &SslRef) -> bool {
    with_record(ssl, |r| r.renegotiation == Renegotiation::Idle).unwrap_or(true)
}

/// Tells the connection's record that this end itself is about to
/// renegotiate (see [`Renegotiation`]).
pub(crate) fn expect_own_renegotiation(ssl: &SslRef) {
    with_record(ssl, |r| r.renegotiation = Renegotiation::Requested);
}

fn record_index() -> Index<Ssl, Mutex<Record>> {
    static INDEX: OnceLock<Index<Ssl, Mutex<Record>>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index().expect("OpenSSL ran out of ex_data indexes"))
}

/// Gives a new connection its record.
pub(crate) fn attach_record(ssl: &mut SslRef) {
    ssl.set_ex_data(record_index(), Mutex::new(Record::default()));
}

/// Reads or updates a connection's record.
pub(crate) fn with_record<T>(ssl: &SslRef, f: impl FnOnce(&mut Record) -> T) -> Option<T> {
    let slot = ssl.ex_data(record_index())?;
    let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
    Some(f(&mut guard))
}

/// Where verification failed on this connection, with the fatal alert sent
/// for it; `clear` forgets the failure (a new request verifies afresh).
pub(crate) fn verify_failure(ssl: &SslRef, clear: bool) -> Option<VerifyFailure> {
    with_record(ssl, |r| {
        let alert_sent = r.failure_alert.map(|c| crate::Alert::from_code(c.get()));
        let failure = if clear {
            r.failure_aborts = false;
            r.failure_alert = None;
            r.failure_accepted = false;
            r.failure.take().map(|f| *f)
        } else {
            r.failure.as_deref().cloned()
        };
        failure.map(|f| VerifyFailure { alert_sent, ..f })
    })
    .flatten()
}

/// The failure kept with the session this connection offered (see
/// [`Record::offered_failure`]).
pub(crate) fn offered_failure(ssl: &SslRef) -> Option<VerifyFailure> {
    with_record(ssl, |r| r.offered_failure.as_deref().cloned()).flatten()
}

/// The fatal alert this end sent on the connection (its code), if any.
pub(crate) fn alert_sent(ssl: &SslRef) -> Option<u8> {
    with_record(ssl, |r| r.alert_sent.map(NonZeroU8::get)).flatten()
}

/// The first hook that panicked on this connection and was not reported
/// yet: which, and its message.
pub(crate) fn take_panic(ssl: &SslRef) -> Option<(&'static str, String)> {
    with_record(ssl, |r| r.panic.take().map(|p| *p)).flatten()
}

/// Runs a hook, turning a panic into a recorded failure. The first panic
/// of a connection is the one reported.
pub(crate) fn guarded<T>(ssl: &SslRef, which: &'static str, f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(p) => {
            let msg = panic_message(p);
            with_record(ssl, |r| {
                r.panic.get_or_insert_with(|| Box::new((which, msg)));
            });
            None
        }
    }
}

/// Installs the context's verify callback, [`verify_callback`], with `mode`.
pub(crate) fn install_verify_callback(
    b: &mut openssl::ssl::SslContextBuilder,
    mode: crate::VerifyMode,
) {
    b.set_verify_callback(mode.to_openssl(), verify_callback);
}

/// The context's verify callback: records where verification failed,
/// consults the application's hooks, and otherwise returns OpenSSL's own
/// verdict unchanged, so the mode alone decides.
fn verify_callback(preverify_ok: bool, ctx: &mut X509StoreContextRef) -> bool {
    let Some(ssl_idx) = X509StoreContext::ssl_idx().ok() else {
        return preverify_ok;
    };
    let Some(ssl) = ctx.ex_data(ssl_idx) else {
        return preverify_ok;
    };
    let hooks = hooks(ssl).cloned();
    let no_hooks = hooks
        .as_ref()
        .is_none_or(|h| h.verify.is_none() && h.bad_cert.is_none());
    if preverify_ok && no_hooks {
        return true;
    }
    let hooks = hooks.unwrap_or_default();
    let hooks: &Hooks = &hooks;
    // After a hook accepted a failure, OpenSSL calls back for a certificate
    // that passed with that failure still set: the certificate's own
    // result is OK.
    let error = if preverify_ok {
        VerifyResult::from_code(X509VerifyResult::OK.as_raw())
    } else {
        VerifyResult::from_code(ctx.error().as_raw())
    };
    let depth = ctx.error_depth();
    let cert = ctx.current_cert().map(|c| c.to_owned());
    let check = CertCheck {
        preverify_ok,
        depth,
        error,
        certificate: cert.as_deref(),
    };

    let mut ok = preverify_ok;
    let mut set_app_error = false;
    if let Some(hook) = &hooks.verify {
        match guarded(ssl, "verify", || hook(&check)) {
            Some(verdict) => {
                set_app_error = preverify_ok && !verdict;
                ok = verdict;
            }
            None => {
                ok = false;
                set_app_error = true;
            }
        }
    }
    if !ok {
        let failed_with = if set_app_error {
            VerifyResult::from_code(X509VerifyResult::APPLICATION_VERIFICATION.as_raw())
        } else {
            error
        };
        if let Some(hook) = &hooks.bad_cert {
            let panicked_before = with_record(ssl, |r| r.panic.is_some()).unwrap_or(false);
            if !panicked_before {
                ok = guarded(ssl, "bad certificate", || hook(&check)).unwrap_or(false);
            }
        }
        let failure = VerifyFailure::new(failed_with, depth, check.subject());
        with_record(ssl, |r| r.note_failure(failure, ok));
    }
    if !ok {
        // OpenSSL aborts on a rejection in every non-zero client mode, and
        // in server modes with PEER (without it no certificate is asked for).
        let mode = crate::VerifyMode::from_openssl(ssl.verify_mode().bits());
        let aborts = if ssl.is_server() {
            mode.contains(crate::VerifyMode::PEER)
        } else {
            !mode.is_none()
        };
        if aborts {
            with_record(ssl, |r| r.failure_aborts = true);
        }
    }
    if set_app_error {
        ctx.set_error(X509VerifyResult::APPLICATION_VERIFICATION);
    }
    ok
}

/// Emits an event to the application's handshake hook.
pub(crate) fn emit(ssl: &SslRef, event: HandshakeEvent) {
    if let Some(hook) = hooks(ssl).and_then(|h| h.events.clone()) {
        guarded(ssl, "handshake", || hook(&event, ssl));
    }
}

const SSL_CB_WRITE_ALERT: libc::c_int = 0x4008;
const SSL_CB_HANDSHAKE_START: libc::c_int = 0x10;
const SSL_CB_HANDSHAKE_DONE: libc::c_int = 0x20;
const SSL_CB_ACCEPT_LOOP: libc::c_int = 0x2001;
const SSL_CB_ACCEPT_EXIT: libc::c_int = 0x2002;
const SSL3_AL_FATAL: libc::c_int = 2;

/// The hooks' side of OpenSSL's info and certificate callbacks.
struct Trampolines;

impl crate::ffi::InfoHandler for Trampolines {
    fn on_info(ssl: &SslRef, where_: libc::c_int, ret: libc::c_int) {
        on_info(ssl, where_, ret);
    }
}

impl crate::ffi::CertHandler for Trampolines {
    fn on_certificate_request(ssl: &mut SslRef) -> bool {
        on_certificate_request(ssl)
    }
}

/// Called by the info callback (`SSL_CTX_set_info_callback`); for an alert,
/// `ret` is its level and description (`level << 8 | description`).
fn on_info(ssl: &SslRef, where_: libc::c_int, ret: libc::c_int) {
    if where_ & SSL_CB_WRITE_ALERT == SSL_CB_WRITE_ALERT && ret >> 8 == SSL3_AL_FATAL {
        // A fatal alert's description is never 0 (close_notify).
        let Some(code) = NonZeroU8::new((ret & 0xff) as u8) else {
            return;
        };
        with_record(ssl, |r| {
            r.alert_sent.get_or_insert(code);
            if r.failure_aborts && r.failure.is_some() {
                r.failure_alert.get_or_insert(code);
            }
        });
        return;
    }
    on_answer_progress(ssl, where_, ret);
    if where_ & SSL_CB_HANDSHAKE_START != 0 {
        let started = with_record(ssl, |r| {
            let renegotiation = r.completed > 0;
            if !renegotiation {
                return Some(HandshakeEvent::Started { renegotiation });
            }
            if !ssl.is_server() {
                // The client's own (`renegotiate`), whatever it lets its
                // server start.
                if r.renegotiation == Renegotiation::Requested {
                    r.renegotiation = Renegotiation::Answering;
                    return Some(HandshakeEvent::Started { renegotiation });
                }
                // A HelloRequest the client refuses (set_renegotiation(false)).
                if crate::options::refuses_peer_renegotiation(ssl) {
                    r.renegotiation = Renegotiation::Refusing;
                    return None;
                }
                return Some(HandshakeEvent::Started { renegotiation });
            }
            let (next, event) = match r.renegotiation {
                Renegotiation::Requested => (
                    Renegotiation::Requested,
                    Some(HandshakeEvent::Started {
                        renegotiation: true,
                    }),
                ),
                Renegotiation::HelloRequestSent => (Renegotiation::Answering, None),
                // The client's own, which the server lets through.
                Renegotiation::Idle if !crate::options::refuses_peer_renegotiation(ssl) => (
                    Renegotiation::Answering,
                    Some(HandshakeEvent::Started {
                        renegotiation: true,
                    }),
                ),
                Renegotiation::Idle | Renegotiation::Refusing => (Renegotiation::Refusing, None),
                Renegotiation::Answering => (Renegotiation::Answering, None),
            };
            r.renegotiation = next;
            event
        })
        .unwrap_or(Some(HandshakeEvent::Started {
            renegotiation: false,
        }));
        if let Some(event) = started {
            emit(ssl, event);
        }
    }
    if where_ & SSL_CB_HANDSHAKE_DONE != 0 {
        let done = with_record(ssl, |r| {
            let step = r.renegotiation;
            r.renegotiation = match step {
                Renegotiation::Requested => Renegotiation::HelloRequestSent,
                _ => Renegotiation::Idle,
            };
            match step {
                Renegotiation::Requested => None,
                Renegotiation::Refusing => Some(HandshakeEvent::RenegotiationRefused),
                _ => {
                    r.completed = r.completed.saturating_add(1);
                    Some(HandshakeEvent::Completed {
                        renegotiation: r.completed > 1,
                        resumed: ssl.session_reused(),
                    })
                }
            }
        })
        .unwrap_or(Some(HandshakeEvent::Completed {
            renegotiation: false,
            resumed: ssl.session_reused(),
        }));
        if let Some(event) = done {
            emit(ssl, event);
        }
    }
}

/// Follows a server's awaited answer to a post-handshake CertificateRequest
/// ([`await_answer`]): the state machine reaches the client's Finished
/// (`SSL_CB_ACCEPT_LOOP`), then stops with success (`SSL_CB_ACCEPT_EXIT`,
/// `ret == 1`) once Certificate, CertificateVerify and Finished have been
/// processed, which fires the `PostHandshakeAuth` event. A failed answer
/// ends in an alert instead, and fires nothing.
fn on_answer_progress(ssl: &SslRef, where_: libc::c_int, ret: libc::c_int) {
    if where_ & SSL_CB_ACCEPT_LOOP == SSL_CB_ACCEPT_LOOP {
        if crate::ffi::reading_client_finished(ssl) {
            with_record(ssl, |r| {
                if r.awaited_answer.is_some() {
                    r.awaited_answer = Some(true);
                }
            });
        }
    } else if where_ & SSL_CB_ACCEPT_EXIT == SSL_CB_ACCEPT_EXIT && ret == 1 {
        let answered = with_record(ssl, |r| {
            let answered = r.awaited_answer == Some(true);
            if answered {
                r.awaited_answer = None;
            }
            answered
        });
        if answered == Some(true) {
            let certificate = ssl.peer_certificate().is_some();
            emit(ssl, HandshakeEvent::PostHandshakeAuth { certificate });
        }
    }
}

/// Called when a client receives a CertificateRequest (`SSL_CTX_set_cert_cb`).
/// Returns false to abort the handshake.
fn on_certificate_request(ssl: &mut SslRef) -> bool {
    let post_handshake =
        ssl.is_init_finished() || with_record(ssl, |r| r.completed > 0).unwrap_or(false);
    emit(ssl, HandshakeEvent::CertificateRequested { post_handshake });
    let Some(hook) = hooks(ssl).and_then(|h| h.client_cert.clone()) else {
        return true;
    };
    let request = ClientAuthRequest {
        ca_names: crate::ffi::client_ca_names(ssl, name_to_string),
        post_handshake,
    };
    match guarded(ssl, "client certificate", || hook(&request)) {
        Some(Some(identity)) => identity.install_on(ssl).is_ok(),
        Some(None) => {
            crate::ffi::clear_certificates(ssl);
            true
        }
        None => false,
    }
}

fn on_servername(ssl: &mut SslRef, alert: &mut SslAlert) -> Result<(), SniError> {
    let Some(name) = ssl.servername(NameType::HOST_NAME).map(str::to_owned) else {
        return Ok(());
    };
    let Some(hook) = hooks(ssl).and_then(|h| h.sni.clone()) else {
        return Ok(());
    };
    match guarded(ssl, "server name", || hook(&name)) {
        Some(SniDecision::Default) => Ok(()),
        Some(SniDecision::Use(identity)) => identity.install_on(ssl).map_err(|_| {
            *alert = SslAlert::INTERNAL_ERROR;
            SniError::ALERT_FATAL
        }),
        Some(SniDecision::Reject) => {
            *alert = SslAlert::UNRECOGNIZED_NAME;
            Err(SniError::ALERT_FATAL)
        }
        None => {
            *alert = SslAlert::INTERNAL_ERROR;
            Err(SniError::ALERT_FATAL)
        }
    }
}

fn on_alpn_select<'a>(ssl: &mut SslRef, client: &'a [u8]) -> Result<&'a [u8], AlpnError> {
    let offered = parse_alpn(client);
    let Some(hooks) = hooks(ssl).cloned() else {
        return Err(AlpnError::NOACK);
    };
    let chosen: Option<String> = if let Some(hook) = &hooks.alpn {
        let names: Vec<String> = offered
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        match guarded(ssl, "ALPN", || hook(&refs)) {
            Some(c) => c,
            None => return Err(AlpnError::ALERT_FATAL),
        }
    } else {
        // Server preference: the first of our protocols the client offers.
        hooks
            .alpn_protocols
            .iter()
            .find(|p| offered.contains(&p.as_bytes()))
            .cloned()
    };
    chosen
        .and_then(|c| offered.into_iter().find(|o| *o == c.as_bytes()))
        .ok_or(AlpnError::NOACK)
}

/// ALPN's wire format: each name prefixed by its length.
fn alpn_wire(protocols: &[String]) -> Vec<u8> {
    let mut wire = Vec::new();
    for p in protocols {
        wire.push(p.len() as u8);
        wire.extend_from_slice(p.as_bytes());
    }
    wire
}

fn parse_alpn(mut wire: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = wire.split_first() {
        let len = usize::from(len);
        if rest.len() < len {
            break;
        }
        out.push(&rest[..len]);
        wire = &rest[len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_wire_round_trip() {
        let w = alpn_wire(&["h2".into(), "http/1.1".into()]);
        assert_eq!(w, b"\x02h2\x08http/1.1");
        assert_eq!(parse_alpn(&w), vec![&b"h2"[..], &b"http/1.1"[..]]);
        assert_eq!(parse_alpn(b"\x05ab"), Vec::<&[u8]>::new());
    }
}
