//! What a connection records from inside OpenSSL's callbacks, kept in its
//! `SSL`'s ex_data: where verification failed, the alert sent, a hook's
//! panic, handshakes completed and where a renegotiation stands.

use std::num::NonZeroU8;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, OnceLock};

use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslRef};

use crate::sys::panics::panic_message;
use crate::verify::result::VerifyFailure;

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
    pub(super) fn note_failure(&mut self, failure: VerifyFailure, accepted: bool) {
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

pub(super) fn record_index() -> Index<Ssl, Mutex<Record>> {
    static INDEX: OnceLock<Index<Ssl, Mutex<Record>>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index().expect("OpenSSL ran out of ex_data indexes"))
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
        let alert_sent = r
            .failure_alert
            .map(|c| crate::alert::Alert::from_code(c.get()));
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
