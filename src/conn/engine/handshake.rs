//! The handshake: one attempt of it (with what is checked before the
//! first byte is sent: a host name to verify against, a session not
//! verified for it), one of a handshake after the first (a renegotiation,
//! a post-handshake request), and the whole handshake within its timeout.

use std::io::{Read, Write};

use crate::conn::engine::{Engine, Step};
use crate::conn::inspection;
use crate::error::operation::Operation;
use crate::error::Error;
use crate::sys::ffi;

impl<S: Read + Write> Engine<S> {
    /// One attempt at the handshake, which resumes where the last stopped;
    /// done once this side's last flight has gone out. Once handshaken, as
    /// `SSL_do_handshake`: sends what OpenSSL has queued (the
    /// CertificateRequest of `verify_client_post_handshake`), if anything.
    pub(crate) fn handshake_step(&mut self) -> Step<()> {
        if self.handshaken {
            if ffi::handshake::handshake_message_queued(self.ssl()) {
                return self.rehandshake_step(Operation::Handshake);
            }
            return Step::Done(Ok(()));
        }
        if let Err(e) = self.push(Operation::Handshake) {
            return Step::Done(Err(e));
        }
        // Nothing to check the certificate against: refuse before a byte is
        // sent rather than accept a certificate for any host. (In NONE mode
        // nothing is refused, so there is nothing to protect.)
        if self.needs_server_name && !crate::verify::mode::verify_mode(self.ssl()).is_none() {
            return Step::Done(Err(Error::ServerNameRequired));
        }
        // A session not verified for the name checked is not resumed by a
        // connection that verifies (once, before the first byte).
        crate::config::session::withdraw_unverified(self.ssl_mut());
        let step = self.attempt(Operation::Handshake, |s| s.do_handshake());
        let step = self.pushed(Operation::Handshake, step);
        if let Step::Done(Ok(())) = step {
            if let Some(panicked) = self.take_panic() {
                return Step::Done(Err(panicked));
            }
            self.handshaken = true;
            let ssl = self.ssl();
            self.cert_requests =
                u16::from(ssl.is_server() && inspection::certificate_requested(ssl));
        }
        step
    }

    /// One attempt at driving a handshake in progress after the first
    /// (a renegotiation, a post-handshake request being sent).
    pub(crate) fn rehandshake_step(&mut self, op: Operation) -> Step<()> {
        if let Err(e) = self.push(op) {
            return Step::Done(Err(e));
        }
        let step = self.attempt(op, |s| s.do_handshake());
        self.pushed(op, step)
    }

    /// The handshake, whole, within the handshake timeout (once complete,
    /// what OpenSSL queued for it, see [`handshake_step`](Self::handshake_step)).
    pub(crate) fn handshake(&mut self) -> Result<(), Error> {
        if self.handshake_idle() {
            return Ok(());
        }
        let limit = self.timeouts().handshake;
        self.drive(Operation::Handshake, limit, self.waits(), |e| {
            e.handshake_step()
        })
    }
}
