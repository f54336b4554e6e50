//! The hooks' side of OpenSSL's callbacks (verify, info, certificate,
//! server name, ALPN): each finds the hooks and the connection's record,
//! runs the application's hook guarded, and answers OpenSSL.

use std::num::NonZeroU8;

use openssl::ssl::{AlpnError, NameType, SniError, SslAlert, SslRef};
use openssl::x509::{X509StoreContext, X509StoreContextRef, X509VerifyResult};

use crate::config::hooks::record::{guarded, with_record, Renegotiation};
use crate::config::hooks::types::{CertCheck, ClientAuthRequest, HandshakeEvent, SniDecision};
use crate::config::hooks::{hooks, Hooks};
use crate::sys::names::name_to_string;
use crate::verify::mode::{verify_mode, VerifyMode};
use crate::verify::result::{VerifyFailure, VerifyResult};

/// The context's verify callback: records where verification failed,
/// consults the application's hooks, and otherwise returns OpenSSL's own
/// verdict unchanged, so the mode alone decides.
pub(super) fn verify_callback(preverify_ok: bool, ctx: &mut X509StoreContextRef) -> bool {
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
        let mode = verify_mode(ssl);
        let aborts = if ssl.is_server() {
            mode.contains(VerifyMode::PEER)
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
pub(super) struct Trampolines;

impl crate::sys::ffi::callbacks::InfoHandler for Trampolines {
    fn on_info(ssl: &SslRef, where_: libc::c_int, ret: libc::c_int) {
        on_info(ssl, where_, ret);
    }
}

impl crate::sys::ffi::callbacks::CertHandler for Trampolines {
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
                if crate::config::options::refuses_peer_renegotiation(ssl) {
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
                Renegotiation::Idle if !crate::config::options::refuses_peer_renegotiation(ssl) => {
                    (
                        Renegotiation::Answering,
                        Some(HandshakeEvent::Started {
                            renegotiation: true,
                        }),
                    )
                }
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
/// ([`await_answer`](crate::config::hooks::record::await_answer)): the
/// state machine reaches the client's Finished
/// (`SSL_CB_ACCEPT_LOOP`), then stops with success (`SSL_CB_ACCEPT_EXIT`,
/// `ret == 1`) once Certificate, CertificateVerify and Finished have been
/// processed, which fires the `PostHandshakeAuth` event. A failed answer
/// ends in an alert instead, and fires nothing.
fn on_answer_progress(ssl: &SslRef, where_: libc::c_int, ret: libc::c_int) {
    if where_ & SSL_CB_ACCEPT_LOOP == SSL_CB_ACCEPT_LOOP {
        if crate::sys::ffi::handshake::reading_client_finished(ssl) {
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
        ca_names: crate::sys::ffi::x509::client_ca_names(ssl, name_to_string),
        post_handshake,
    };
    match guarded(ssl, "client certificate", || hook(&request)) {
        Some(Some(identity)) => identity.install_on(ssl).is_ok(),
        Some(None) => {
            crate::sys::ffi::x509::clear_certificates(ssl);
            true
        }
        None => false,
    }
}

pub(super) fn on_servername(ssl: &mut SslRef, alert: &mut SslAlert) -> Result<(), SniError> {
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

pub(super) fn on_alpn_select<'a>(
    ssl: &mut SslRef,
    client: &'a [u8],
) -> Result<&'a [u8], AlpnError> {
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
pub(super) fn alpn_wire(protocols: &[String]) -> Vec<u8> {
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
