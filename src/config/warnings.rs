//! Settings OpenSSL takes without a word and then ignores, or that cannot
//! do what they look like: each found in a configuration's settings and
//! told as a sentence that names the fix. Nothing here changes what
//! OpenSSL is given.

use std::fmt;

use openssl::ssl::SslOptions;

use crate::config::identity::Source;
use crate::config::protocol::DEFAULT_CLIENT_CIPHER_LIST;
use crate::config::{SslConfig, SslConfigBuilder};

use crate::verify::mode::{Role, VerifyMode};
use crate::version::TlsVersion;

/// A likely mistake in a configuration, which OpenSSL accepts without a
/// word: a setting it ignores, or one that cannot do what it looks like.
/// [`SslConfig::warnings`](crate::SslConfig::warnings) lists them; the
/// configuration is built and works exactly as set, mistakes included.
///
/// `Display` gives one sentence that names the fix; print it where the
/// program reports its configuration.
///
/// ```
/// use sslsocket::{ConfigWarning, SslConfig};
///
/// // Python's ssl.CERT_REQUIRED is 2; to OpenSSL 2 alone asks for nothing.
/// let mut b = SslConfig::server();
/// b.set_certificate_file("certs/server-chain.pem")
///     .set_private_key_file("certs/server.key")
///     .set_ca_file("certs/ca.pem")
///     .set_verify_mode(2)?;
/// let config = b.build()?;
/// let warnings = config.warnings();
/// assert!(matches!(warnings[..], [ConfigWarning::FlagsWithoutPeer { .. }]));
/// assert!(warnings[0].to_string().contains("use 3, or CertReqs::Required"));
///
/// // Mode 3 is what was meant: no warning.
/// b.set_verify_mode(3)?;
/// assert!(b.build()?.warnings().is_empty());
/// # Ok::<(), sslsocket::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigWarning {
    /// A server's verify mode has `FAIL_IF_NO_PEER_CERT`, `CLIENT_ONCE` or
    /// `POST_HANDSHAKE` without `PEER` (2, 4, 8 and their sums): a server
    /// ignores them without `PEER` and asks for no certificate at all, as
    /// with `NONE`. 2 is the Python porter's trap: `ssl.CERT_REQUIRED`.
    FlagsWithoutPeer {
        /// The mode as set.
        mode: VerifyMode,
    },
    /// A server verifies client certificates against CAs or callbacks it
    /// was given, but its verify mode is `NONE`: no certificate is asked
    /// for, so none of them is ever used (unless a socket sets its own mode).
    VerificationUnused {
        /// The setters whose settings go unused, e.g. `set_ca_file`.
        settings: Vec<&'static str>,
    },
    /// A client in `NONE` mode was given CAs and checks the host name: it
    /// verifies the server and then carries on whatever the result, so a
    /// server that fails is accepted and only `verify_result()` says so.
    NoneAcceptsAnyServer,
    /// A client's verify mode has `FAIL_IF_NO_PEER_CERT`, `CLIENT_ONCE` or
    /// `POST_HANDSHAKE`, which are a server's flags: a client ignores them
    /// and verifies as with `PEER` (even 2, 4 or 8 alone).
    ServerFlagsOnClient {
        /// The mode as set.
        mode: VerifyMode,
    },
    /// A setting for the other role, which this configuration has no use for.
    OtherRoleSetting {
        /// The builder's setter, e.g. `set_ocsp_stapling`.
        setting: &'static str,
        /// This configuration's role.
        role: Role,
    },
    /// A server's mode has `PEER | POST_HANDSHAKE`, but its highest version
    /// is TLS 1.2, where the bit has no effect: the certificate is asked
    /// for in the handshake, as with `PEER` alone.
    PostHandshakeWithoutTls13 {
        /// The mode as set.
        mode: VerifyMode,
        /// The highest version allowed.
        max: TlsVersion,
    },
    /// A server has both an ALPN list and an ALPN select callback: the
    /// callback chooses and the list is ignored.
    AlpnProtocolsUnused,
    /// A client has an OCSP verify callback but does not ask for a staple:
    /// OpenSSL calls the callback only when the client asked.
    OcspCheckNeverCalled,
    /// TLS 1.0 or 1.1 is allowed, but OpenSSL 3 refuses them at security
    /// level 1 and above, and the cipher list sets no `@SECLEVEL=0`: they
    /// can never be negotiated.
    OldVersionsUnusable {
        /// The lowest version allowed.
        min: TlsVersion,
        /// Whether the cipher list is the client's default, which has no
        /// suite those versions can use either.
        default_client_list: bool,
    },
    /// The mode verifies the peer but the configuration trusts no CA and
    /// has no verify callback: every certificate the peer sends fails
    /// verification (`X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY`).
    NoTrustedCa {
        /// This configuration's role.
        role: Role,
    },
    /// A client has a certificate chain file but no certificate: the chain
    /// is sent after this end's certificate, so it is never sent.
    ChainWithoutCertificate,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigWarning::FlagsWithoutPeer { mode } if mode.bits() == 2 => f.write_str(
                "verify mode 2 is Python's CERT_REQUIRED but OpenSSL's FAIL_IF_NO_PEER_CERT \
                 alone, which asks for no certificate: use 3, or CertReqs::Required",
            ),
            ConfigWarning::FlagsWithoutPeer { mode } => write!(
                f,
                "verify mode {mode} has no SSL_VERIFY_PEER, and a server without it asks for \
                 no certificate whatever the other bits: use {}",
                mode.bits() | VerifyMode::PEER.bits()
            ),
            ConfigWarning::VerificationUnused { settings } => write!(
                f,
                "this server verifies client certificates with {}, but verify mode 0 (NONE) \
                 asks clients for none, so nothing is verified: use 1 (PEER) to ask for one, 3 \
                 to require one, 9 to ask after the handshake, or set the mode on the sockets \
                 that ask",
                match settings.split_last() {
                    Some((last, [])) => last.to_string(),
                    Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                    None => String::new(),
                }
            ),
            ConfigWarning::NoneAcceptsAnyServer => f.write_str(
                "verify mode 0 (NONE) on a client verifies the server against its CAs and host \
                 name, then accepts it whatever the result (only verify_result() tells): use 1 \
                 (PEER) to refuse a server that fails, or CertReqs::None if no check is wanted",
            ),
            ConfigWarning::ServerFlagsOnClient { mode } => write!(
                f,
                "verify mode {mode} on a client: FAIL_IF_NO_PEER_CERT, CLIENT_ONCE and \
                 POST_HANDSHAKE are a server's flags, which a client ignores, verifying the \
                 server as with 1 (PEER) {}: use 1",
                if mode.contains(VerifyMode::PEER) {
                    "alone"
                } else {
                    "even without the PEER bit"
                }
            ),
            ConfigWarning::OtherRoleSetting { setting, role } => {
                let other = match role {
                    Role::Client => Role::Server,
                    Role::Server => Role::Client,
                };
                write!(
                    f,
                    "{setting} is a {other}'s setting, which this {role} configuration has no \
                     use for: {}",
                    other_role_fix(setting)
                )
            }
            ConfigWarning::PostHandshakeWithoutTls13 { mode, max } => write!(
                f,
                "verify mode {mode} defers the certificate request only on TLS 1.3, and this \
                 server allows at most {max}, where POST_HANDSHAKE has no effect and the \
                 certificate is asked for in the handshake: allow TLS 1.3, or use 1 (PEER) if \
                 that is what is meant"
            ),
            ConfigWarning::AlpnProtocolsUnused => f.write_str(
                "a server with an ALPN select callback ignores its set_alpn_protocols list (the \
                 callback chooses): drop the list, or choose from it in the callback",
            ),
            ConfigWarning::OcspCheckNeverCalled => f.write_str(
                "the OCSP verify callback is called only when the client asks for a staple, and \
                 this one does not: add set_ocsp_stapling(true)",
            ),
            ConfigWarning::OldVersionsUnusable {
                min,
                default_client_list,
            } => write!(
                f,
                "minimum version {min} allows {}, which OpenSSL 3 refuses above security level \
                 0, and the cipher list does not set @SECLEVEL=0{}: add :@SECLEVEL=0 to \
                 set_cipher_list, or keep TLS 1.2 as the minimum",
                if *min < TlsVersion::Tls1_1 {
                    "TLS 1.0 and 1.1"
                } else {
                    "TLS 1.1"
                },
                if *default_client_list {
                    " (nor has the client's default list any suite for those versions)"
                } else {
                    ""
                }
            ),
            ConfigWarning::NoTrustedCa { role } => write!(
                f,
                "this {role} verifies its peer's certificate but trusts no CA{}, so every \
                 certificate fails verification with X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: \
                 add set_ca_file with the CA that issues them",
                match role {
                    Role::Client => " (set_use_system_ca(false) and none of its own)",
                    Role::Server => "",
                }
            ),
            ConfigWarning::ChainWithoutCertificate => f.write_str(
                "set_chain_file gives the intermediates sent after this client's certificate, \
                 and it has none: add set_certificate_file (or put the chain in the Identity a \
                 client certificate callback returns)",
            ),
        }
    }
}

/// What a setting of the other role does instead, and what to use.
fn other_role_fix(setting: &str) -> &'static str {
    match setting {
        "set_server_name" => {
            "a server learns the name each client asks for from SNI (servername()), and picks \
             a certificate by it with set_server_name_callback"
        }
        "set_post_handshake_auth" => {
            "a client offers post-handshake authentication; a server asks after the handshake \
             with POST_HANDSHAKE in its verify mode, 9 (PEER | POST_HANDSHAKE) or 11 to require \
             a certificate (what Python's post_handshake_auth makes of CERT_OPTIONAL and \
             CERT_REQUIRED on a server), and request_client_certificate"
        }
        "set_ocsp_stapling" | "set_ocsp_verify_callback" => {
            "a client asks for and checks a staple; a server staples the response given to \
             set_ocsp_response or set_ocsp_response_callback"
        }
        "set_client_certificate_callback" => {
            "a server's certificate is set_certificate_file, or per name \
             set_server_name_callback"
        }
        "set_ocsp_response" | "set_ocsp_response_callback" => {
            "a server staples; a client asks with set_ocsp_stapling(true) and checks the staple \
             with set_ocsp_verify_callback"
        }
        "set_server_name_callback" => {
            "a server picks its certificate by the name a client asks for; a client names the \
             server with set_server_name or the host it connects to"
        }
        "set_alpn_select_callback" => {
            "a server chooses the protocol; a client offers its own with set_alpn_protocols"
        }
        "set_dh_auto" | "load_dh_params" => {
            "DHE parameters are the server's, and a client uses those the server sends"
        }
        "set_num_tickets" => {
            "a server sends session tickets; a client keeps those it gets (set_session_cache)"
        }
        "set_server_cipher_preference" => {
            "the server chooses the cipher; a client states its preference by the order of \
             set_cipher_list"
        }
        _ => "remove it",
    }
}

/// What a configuration was given, as far as its likely mistakes go.
#[derive(Debug)]
pub(crate) struct Facts<'a> {
    pub(crate) role: Role,
    pub(crate) mode: VerifyMode,
    /// Whether a client will check the host name.
    pub(crate) check_hostname: bool,
    /// The trust it was given, by setter (`set_ca_file`, `add_ca_pem`,
    /// `set_ca_dir`, `set_use_system_ca(true)`).
    pub(crate) trust: Vec<&'static str>,
    /// Whether the system store was turned off explicitly.
    pub(crate) system_ca_refused: bool,
    /// The verify and bad-certificate callbacks, by setter.
    pub(crate) verify_hooks: Vec<&'static str>,
    /// The setters used that only one role has a use for, and the ALPN
    /// and OCSP setters whose combinations matter.
    pub(crate) used: Vec<&'static str>,
    /// Whether this end has a certificate (files, PEM or PKCS#12).
    pub(crate) has_certificate: bool,
    pub(crate) min_version: Option<TlsVersion>,
    pub(crate) max_version: Option<TlsVersion>,
    /// The cipher list OpenSSL is given, if any, and whether it is the
    /// client's default.
    pub(crate) cipher_list: Option<(&'a str, bool)>,
}

/// A server's settings, by setter, that a client has no use for.
const SERVER_ONLY: [&str; 8] = [
    "set_ocsp_response",
    "set_ocsp_response_callback",
    "set_server_name_callback",
    "set_alpn_select_callback",
    "set_dh_auto",
    "load_dh_params",
    "set_num_tickets",
    "set_server_cipher_preference",
];

/// A client's settings, by setter, that a server has no use for.
const CLIENT_ONLY: [&str; 5] = [
    "set_server_name",
    "set_post_handshake_auth",
    "set_ocsp_stapling",
    "set_ocsp_verify_callback",
    "set_client_certificate_callback",
];

/// The server-only verify bits.
const SERVER_BITS: VerifyMode = VerifyMode::from_openssl(
    VerifyMode::FAIL_IF_NO_PEER_CERT.bits()
        | VerifyMode::CLIENT_ONCE.bits()
        | VerifyMode::POST_HANDSHAKE.bits(),
);

impl Facts<'_> {
    /// The likely mistakes: the verify mode's first, then the others.
    pub(crate) fn warnings(&self) -> Vec<ConfigWarning> {
        let mut out = Vec::new();
        let uses = |setting: &str| self.used.contains(&setting);
        let mode = self.mode;
        let server_bits = mode.bits() & SERVER_BITS.bits() != 0;
        match self.role {
            Role::Server => {
                if server_bits && !mode.contains(VerifyMode::PEER) {
                    out.push(ConfigWarning::FlagsWithoutPeer { mode });
                }
                if mode.is_none() {
                    let settings: Vec<&'static str> = self
                        .trust
                        .iter()
                        .chain(&self.verify_hooks)
                        .copied()
                        .collect();
                    if !settings.is_empty() {
                        out.push(ConfigWarning::VerificationUnused { settings });
                    }
                }
                if mode.contains(VerifyMode::PEER) && mode.contains(VerifyMode::POST_HANDSHAKE) {
                    if let Some(max) = self.max_version.filter(|v| *v < TlsVersion::Tls1_3) {
                        out.push(ConfigWarning::PostHandshakeWithoutTls13 { mode, max });
                    }
                }
                if mode.contains(VerifyMode::PEER)
                    && self.trust.is_empty()
                    && self.verify_hooks.is_empty()
                {
                    out.push(ConfigWarning::NoTrustedCa { role: self.role });
                }
                if uses("set_alpn_protocols") && uses("set_alpn_select_callback") {
                    out.push(ConfigWarning::AlpnProtocolsUnused);
                }
            }
            Role::Client => {
                if mode.is_none() && self.check_hostname && !self.trust.is_empty() {
                    out.push(ConfigWarning::NoneAcceptsAnyServer);
                }
                if server_bits {
                    out.push(ConfigWarning::ServerFlagsOnClient { mode });
                }
                if !mode.is_none()
                    && self.system_ca_refused
                    && self.trust.is_empty()
                    && self.verify_hooks.is_empty()
                {
                    out.push(ConfigWarning::NoTrustedCa { role: self.role });
                }
                if uses("set_ocsp_verify_callback") && !uses("set_ocsp_stapling") {
                    out.push(ConfigWarning::OcspCheckNeverCalled);
                }
                if uses("set_chain_file") && !self.has_certificate {
                    out.push(ConfigWarning::ChainWithoutCertificate);
                }
            }
        }
        let other_role = match self.role {
            Role::Client => &SERVER_ONLY[..],
            Role::Server => &CLIENT_ONLY[..],
        };
        for setting in other_role.iter().filter(|s| uses(s)) {
            out.push(ConfigWarning::OtherRoleSetting {
                setting,
                role: self.role,
            });
        }
        if let Some(w) = self.old_versions_unusable() {
            out.push(w);
        }
        out
    }

    /// TLS 1.0 and 1.1 allowed where OpenSSL 3's security level refuses them.
    #[cfg(ossl300)]
    fn old_versions_unusable(&self) -> Option<ConfigWarning> {
        let min = self
            .min_version
            .filter(|v| matches!(v, TlsVersion::Tls1 | TlsVersion::Tls1_1))?;
        let (list, default_client_list) = self.cipher_list.unwrap_or(("", false));
        if security_level(list) == Some(0) {
            return None;
        }
        Some(ConfigWarning::OldVersionsUnusable {
            min,
            default_client_list,
        })
    }

    /// OpenSSL 1.1.1 speaks TLS 1.0 and 1.1 at its default security level.
    #[cfg(not(ossl300))]
    fn old_versions_unusable(&self) -> Option<ConfigWarning> {
        None
    }
}

/// The security level a cipher list sets (its last `@SECLEVEL=n`), if any.
#[cfg_attr(not(ossl300), allow(dead_code))]
fn security_level(list: &str) -> Option<u32> {
    list.rsplit([':', ',', ' '])
        .filter_map(|part| part.strip_prefix("@SECLEVEL="))
        .find_map(|n| n.parse().ok())
}

impl SslConfigBuilder {
    /// What [`SslConfig::warnings`] judges: the settings as given.
    pub(super) fn facts(&self) -> Facts<'_> {
        let mut trust = Vec::new();
        if self.ca.iter().any(|s| matches!(s, Source::File(_))) {
            trust.push("set_ca_file");
        }
        if self.ca.iter().any(|s| !matches!(s, Source::File(_))) {
            trust.push("add_ca_pem");
        }
        if !self.ca_dirs.is_empty() {
            trust.push("set_ca_dir");
        }
        if self.system_ca == Some(true) {
            trust.push("set_use_system_ca(true)");
        }
        let mut verify_hooks = Vec::new();
        if self.hooks.verify.is_some() {
            verify_hooks.push("set_verify_callback");
        }
        if self.hooks.bad_cert.is_some() {
            verify_hooks.push("set_bad_certificate_callback");
        }
        let used = [
            ("set_server_name", self.server_name.is_some()),
            (
                "set_post_handshake_auth",
                self.post_handshake_auth == Some(true),
            ),
            ("set_ocsp_stapling", self.ocsp.request),
            ("set_ocsp_verify_callback", self.ocsp.check.is_some()),
            (
                "set_client_certificate_callback",
                self.hooks.client_cert.is_some(),
            ),
            ("set_ocsp_response", self.ocsp.response.is_some()),
            ("set_ocsp_response_callback", self.ocsp.pick.is_some()),
            ("set_server_name_callback", self.hooks.sni.is_some()),
            ("set_alpn_select_callback", self.hooks.alpn.is_some()),
            ("set_alpn_protocols", !self.hooks.alpn_protocols.is_empty()),
            ("set_dh_auto", self.dhe.auto),
            ("load_dh_params", self.dhe.params.is_some()),
            ("set_num_tickets", self.knobs.num_tickets.is_some()),
            (
                "set_server_cipher_preference",
                self.knobs
                    .set
                    .contains(SslOptions::CIPHER_SERVER_PREFERENCE),
            ),
            ("set_chain_file", self.chain.is_some()),
        ];
        let client_default = (self.role == Role::Client).then_some(DEFAULT_CLIENT_CIPHER_LIST);
        Facts {
            role: self.role,
            mode: self.verify_mode,
            check_hostname: self.get_check_hostname(),
            trust,
            system_ca_refused: self.system_ca == Some(false),
            verify_hooks,
            used: used.iter().filter(|(_, on)| *on).map(|(s, _)| *s).collect(),
            has_certificate: self.certificate.is_some() || self.pkcs12.is_some(),
            min_version: self.min_version,
            max_version: self.max_version,
            cipher_list: match self.cipher_list.as_deref() {
                Some(list) => Some((list, false)),
                None => client_default.map(|list| (list, true)),
            },
        }
    }
}

impl SslConfig {
    /// The likely mistakes in the settings this configuration was built
    /// from, each a [`ConfigWarning`] whose `Display` is one sentence that
    /// names the fix: settings OpenSSL accepts without a word and then
    /// ignores (on a server, `FAIL_IF_NO_PEER_CERT`, `CLIENT_ONCE` or
    /// `POST_HANDSHAKE` without `PEER`: mode 2, Python's `CERT_REQUIRED`,
    /// asks for no certificate; CAs on a server whose mode asks for none; a
    /// setting of the other role), or that cannot do what they look like
    /// (`NONE` on a client given CAs and a host check). Empty for a
    /// configuration with none, such as the defaults of either role, or a
    /// server in mode 3 with its CA.
    ///
    /// The configuration works exactly as set either way: OpenSSL is given
    /// the settings unchanged, and nothing is printed unless the program
    /// prints these (the `s_server`, `s_client` and `verify_matrix`
    /// examples do).
    pub fn warnings(&self) -> Vec<ConfigWarning> {
        self.inner.warnings.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_level_of_a_list() {
        assert_eq!(security_level("DEFAULT"), None);
        assert_eq!(security_level("DEFAULT:@SECLEVEL=0"), Some(0));
        assert_eq!(security_level("@SECLEVEL=2:ECDH+AESGCM"), Some(2));
        assert_eq!(security_level("@SECLEVEL=0:ALL:@SECLEVEL=1"), Some(1));
    }

    #[test]
    fn each_flag_without_peer_names_its_fix() {
        for (bits, fix) in [(4, "use 5"), (8, "use 9"), (6, "use 7"), (14, "use 15")] {
            let mode = VerifyMode::from_openssl(bits);
            let text = ConfigWarning::FlagsWithoutPeer { mode }.to_string();
            assert!(text.ends_with(fix), "{bits}: {text}");
        }
    }
}
