//! The per-connection settings every socket face offers (the time limits
//! and the verify mode), written once as a macro over the face's engine.

/// The setters of a face that has an `engine_mut()`.
macro_rules! settings_methods {
    () => {
        /// Sets the time limit for each read, the whole call; `None` waits forever.
        ///
        /// # Errors
        ///
        /// `InvalidInput` for a zero duration, as `TcpStream::set_read_timeout`.
        #[doc(alias("settimeout", "SO_RCVTIMEO"))]
        pub fn set_read_timeout(&mut self, t: Option<std::time::Duration>) -> std::io::Result<()> {
            self.engine_mut().timeouts_mut().read = crate::conn::engine::deadline::nonzero(t)?;
            Ok(())
        }

        /// Sets the time limit for each write, the whole call; `None` waits forever.
        ///
        /// # Errors
        ///
        /// `InvalidInput` for a zero duration, as `TcpStream::set_write_timeout`.
        #[doc(alias("settimeout", "SO_SNDTIMEO"))]
        pub fn set_write_timeout(&mut self, t: Option<std::time::Duration>) -> std::io::Result<()> {
            self.engine_mut().timeouts_mut().write = crate::conn::engine::deadline::nonzero(t)?;
            Ok(())
        }

        /// Sets the time limit for the whole handshake; `None` waits forever.
        /// For a socket made with [`new_client`](Self::new_client) or
        /// [`new_server`](Self::new_server), before its handshake.
        ///
        /// # Errors
        ///
        /// `InvalidInput` for a zero duration.
        pub fn set_handshake_timeout(
            &mut self,
            t: Option<std::time::Duration>,
        ) -> std::io::Result<()> {
            self.engine_mut().timeouts_mut().handshake = crate::conn::engine::deadline::nonzero(t)?;
            Ok(())
        }

        /// Sets the time limits for the handshake, each read and each write
        /// at once (Python's `settimeout`); `None` waits forever. The
        /// handshake limit matters for a socket made with
        /// [`new_client`](Self::new_client) or [`new_server`](Self::new_server),
        /// before its handshake. [`timeouts`](Self::timeouts) reads them back.
        ///
        /// # Errors
        ///
        /// `InvalidInput` for a zero duration, as the setters of each limit;
        /// nothing is changed then.
        #[doc(alias("settimeout", "setdefaulttimeout"))]
        pub fn set_timeout(&mut self, t: Option<std::time::Duration>) -> std::io::Result<()> {
            let t = crate::conn::engine::deadline::nonzero(t)?;
            let timeouts = self.engine_mut().timeouts_mut();
            timeouts.handshake = t;
            timeouts.read = t;
            timeouts.write = t;
            Ok(())
        }

        /// The time limits this socket's operations use: the configuration's
        /// (see the table of [`Timeouts`](crate::Timeouts) for the defaults),
        /// as the setters above changed them (Python's `gettimeout`, which is
        /// one of them here).
        #[doc(alias("gettimeout", "SO_RCVTIMEO", "SO_SNDTIMEO"))]
        pub fn timeouts(&self) -> crate::config::timeouts::Timeouts {
            *self.engine().timeouts()
        }

        /// Sets the verify mode of this connection (`SSL_set_verify`): before
        /// the handshake of a socket made with [`new_client`](Self::new_client) /
        /// [`new_server`](Self::new_server) it applies to that handshake
        /// (Qore sets the mode per socket before connecting); afterwards to a
        /// later renegotiation or post-handshake request. The verify callback
        /// set on the configuration is kept, as OpenSSL keeps it.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidVerifyMode`](crate::Error::InvalidVerifyMode) for bits other than the five flags.
        #[doc(alias("SSL_set_verify", "setSslVerifyMode"))]
        pub fn set_verify_mode(
            &mut self,
            mode: impl crate::verify::parse::IntoVerifyMode,
        ) -> Result<(), crate::error::Error> {
            let mode: crate::verify::mode::VerifyMode = mode.into_verify_mode()?;
            self.engine_mut().set_verify_mode(mode);
            Ok(())
        }

        /// Offers `session` for resumption on a client socket made with
        /// [`new_client`](Self::new_client), before its handshake (Python's
        /// `wrap_socket(..., session=)`, C's `SSL_set_session`), instead of the
        /// one the configuration saved for the peer. The server may decline it
        /// and make a full handshake; [`session_reused`](Self::session_reused)
        /// tells afterwards. A session from another configuration, process or
        /// program (`openssl s_client -sess_out`) is fine, as in C.
        ///
        /// A socket whose mode verifies (any mode but `NONE`) resumes the
        /// session only if it was verified for the name this socket checks:
        /// its verification passed (the session keeps OpenSSL's verify
        /// result, `X509_V_OK`) and the server certificate it keeps is issued
        /// for that name (or address). Any other session (saved in mode
        /// `NONE` from a server that failed verification, verified for
        /// another name, accepted by a bad-certificate callback) is withdrawn
        /// when the handshake begins, and the full handshake verifies the
        /// server, refusing it if it fails. A socket in `NONE` resumes any
        /// session.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidState`](crate::Error::InvalidState) on a server socket or once the handshake
        /// has started; [`Error::Tls`](crate::Error::Tls) if OpenSSL refuses the session.
        #[doc(alias("SSL_set_session", "session"))]
        pub fn set_session(
            &mut self,
            session: &crate::conn::saved_session::Session,
        ) -> Result<(), crate::error::Error> {
            let call = "set_session";
            if self.ssl().is_server() {
                return Err(crate::error::Error::InvalidState {
                    call,
                    reason: "only a client offers a session to resume",
                });
            }
            if self.engine().handshaken()
                || !crate::sys::ffi::handshake::handshake_not_begun(self.ssl())
            {
                return Err(crate::error::Error::InvalidState {
                    call,
                    reason: "the handshake has started: set the session on a socket made with \
                                 new_client, before its first I/O",
                });
            }
            crate::conn::saved_session::set_session(self.engine_mut().ssl_mut(), session)
        }
    };
}

pub(crate) use settings_methods;
