//! The first step of every connection: an `SSL` of the configuration's
//! context, in its role, with the name a client sends and checks and the
//! session it offers.

use std::net::IpAddr;

use openssl::ssl::{Ssl, StatusType};

use crate::config::session::session_id;
use crate::config::{no_nul, SslConfig};
use crate::error::operation::Operation;
use crate::error::Error;
use crate::verify::mode::Role;

impl SslConfig {
    /// A connection of this configuration, set up for its handshake and not
    /// yet connected to anything: the record the callbacks fill, the
    /// handshake role, and for a client the name sent as SNI, the host-name
    /// or IP check and the saved session (found by the peer id,
    /// `peer(name)`, and the name used).
    ///
    /// The flag is true for a client that checks host names and was given
    /// none: its handshake must not start while its mode verifies.
    ///
    /// # Errors
    ///
    /// [`Error::WrongRole`] when `role` is not the configuration's,
    /// [`Error::Tls`] when OpenSSL refuses a setting.
    pub(crate) fn new_ssl(
        &self,
        role: Role,
        server_name: Option<&str>,
        peer: impl FnOnce(Option<&str>) -> String,
    ) -> Result<(Ssl, bool), Error> {
        let inner = &*self.inner;
        if inner.role != role {
            return Err(Error::WrongRole(role));
        }
        let setup = |source| Error::Tls {
            during: Operation::Handshake,
            source,
        };
        let mut ssl = Ssl::new(&inner.ctx).map_err(setup)?;
        crate::config::hooks::attach_record(&mut ssl);
        if role == Role::Server {
            ssl.set_accept_state();
            return Ok((ssl, false));
        }
        ssl.set_connect_state();
        if inner.ocsp_stapling {
            ssl.set_status_type(StatusType::OCSP).map_err(setup)?;
        }
        let name = inner
            .server_name
            .as_deref()
            .or(server_name)
            .map(|n| n.trim_end_matches('.'));
        let name = name.filter(|n| !n.is_empty());
        let unnamed_check = inner.check_hostname && name.is_none();
        if let Some(name) = name {
            no_nul("server name", name)?;
            match name.parse::<IpAddr>() {
                Ok(ip) if inner.check_hostname => {
                    ssl.param_mut().set_ip(ip).map_err(setup)?;
                }
                Ok(_) => {}
                Err(_) => {
                    ssl.set_hostname(name).map_err(setup)?;
                    if inner.check_hostname {
                        ssl.param_mut().set_host(name).map_err(setup)?;
                    }
                }
            }
        }
        if let Some(cache) = &inner.sessions {
            cache.prepare(
                &mut ssl,
                session_id(&peer(name), name, inner.check_hostname),
            );
        }
        Ok((ssl, unnamed_check))
    }
}
