//! Which setting cannot work, and why: the cause of an invalid configuration.

use libc::c_int;
use openssl::error::ErrorStack;

use crate::error::Error;
use crate::version::TlsVersion;

/// Which setting cannot work, and why: the cause of
/// [`Error::InvalidConfig`], one variant per thing to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// SSL 2.0 or 3.0, which OpenSSL no longer implements.
    #[error(
        "{0} is not supported: it is broken and OpenSSL no longer implements it; \
         use TLSv1.2 or TLSv1.3"
    )]
    UnsupportedVersion(TlsVersion),

    /// A protocol version name that is not one.
    #[error("unknown protocol version {0:?}: use TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3")]
    UnknownVersion(String),

    /// The minimum version is above the maximum.
    #[error(
        "{} version {min} is above maximum version {max}{}",
        if *.default_min { "the default minimum" } else { "minimum" },
        if *.default_min { ": allow it with set_min_version(Some(TlsVersion::...))" } else { "" }
    )]
    VersionRange {
        /// The minimum.
        min: TlsVersion,
        /// The maximum.
        max: TlsVersion,
        /// The minimum is the default (TLS 1.2), not one that was set.
        default_min: bool,
    },

    /// A TLS 1.2 cipher list OpenSSL rejects (`SSL_CTX_set_cipher_list`).
    #[error("cipher list {list:?}: {source}")]
    CipherList {
        /// The list as given.
        list: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// TLS 1.3 ciphersuites OpenSSL rejects (`SSL_CTX_set_ciphersuites`).
    #[error("TLS 1.3 ciphersuites {suites:?}: {source}")]
    Ciphersuites {
        /// The suites as given.
        suites: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// A key-exchange group list OpenSSL rejects (`SSL_CTX_set1_groups_list`).
    #[error("key-exchange groups {list:?}: {source}")]
    Groups {
        /// The list as given.
        list: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// A signature algorithm list OpenSSL rejects (`SSL_CTX_set1_sigalgs_list`).
    #[error("signature algorithms {list:?}: {source}")]
    Sigalgs {
        /// The list as given.
        list: String,
        /// OpenSSL's errors.
        source: ErrorStack,
    },

    /// A setting the OpenSSL this crate was built against does not have.
    #[error("{setting} needs OpenSSL {version} or later")]
    NeedsNewerOpenSsl {
        /// The setting.
        setting: &'static str,
        /// The first OpenSSL release that has it.
        version: &'static str,
    },

    /// A server configuration without a certificate and key.
    #[error(
        "a server needs a certificate and a private key: call set_certificate_file and \
         set_private_key_file"
    )]
    MissingIdentity,

    /// A certificate without its private key.
    #[error("a certificate was given without its private key: call set_private_key_file")]
    MissingPrivateKey,

    /// A private key without its certificate.
    #[error("a private key was given without its certificate: call set_certificate_file")]
    MissingCertificate,

    /// Both a PKCS#12 identity and a certificate or private key were given.
    #[error(
        "both a PKCS#12 file and a certificate or private key were given: use set_pkcs12_file \
         alone, or set_certificate_file with set_private_key_file"
    )]
    Pkcs12AndCertificate,

    /// An encrypted private key, or a password-protected PKCS#12 file, and
    /// no password for it. OpenSSL is never left to prompt on the terminal.
    #[error(
        "the {what} {origin} is encrypted and no password was given: pass it with \
         set_private_key_password or set_private_key_password_callback (for PKCS#12, \
         set_pkcs12_file's password)"
    )]
    KeyPasswordRequired {
        /// `private key` or `PKCS#12 file`.
        what: &'static str,
        /// The file name, or `PEM bytes` / `DER bytes`.
        origin: String,
    },

    /// The password given does not decrypt the key or PKCS#12 file.
    #[error("the password does not decrypt the {what} {origin}: {source}")]
    WrongKeyPassword {
        /// `private key` or `PKCS#12 file`.
        what: &'static str,
        /// The file name, or `PEM bytes` / `DER bytes`.
        origin: String,
        /// OpenSSL's errors (`bad decrypt`, `mac verify failure`, ...).
        source: ErrorStack,
    },

    /// A password OpenSSL cannot take: longer than its 1024-byte buffer,
    /// or (for PKCS#12) with a NUL byte.
    #[error("the password for the {what} {origin} cannot be used: it {why}")]
    KeyPasswordUnusable {
        /// `private key` or `PKCS#12 file`.
        what: &'static str,
        /// The file name, or `PEM bytes` / `DER bytes`.
        origin: String,
        /// What is wrong with it.
        why: &'static str,
    },

    /// Flag bits OpenSSL does not define (`X509_V_FLAG_*`, `X509_CHECK_FLAG_*`).
    #[error("invalid {kind} flags {given:#x}: bits {unknown:#x} are not {kind} flags")]
    UnknownFlags {
        /// Which flags, e.g. `X509_V_FLAG_*`.
        kind: &'static str,
        /// The integer given.
        given: u64,
        /// Its bits that are not flags.
        unknown: u64,
    },

    /// An ALPN protocol name that is empty or longer than 255 bytes.
    #[error("ALPN protocol {0:?} must be 1 to 255 bytes long")]
    AlpnProtocol(String),

    /// A setting OpenSSL takes as a C string (a cipher list, a server
    /// name) that holds a NUL byte.
    #[error("{setting} {value:?} contains a NUL byte")]
    NulByte {
        /// Which setting, e.g. `cipher list`.
        setting: &'static str,
        /// The value as given.
        value: String,
    },

    /// A verify-mode string that is neither an integer nor `SSL_VERIFY_*` names.
    #[error(
        "cannot parse verify mode {given:?}: {part:?} is neither an integer nor one of \
         NONE, PEER, FAIL_IF_NO_PEER_CERT, CLIENT_ONCE, POST_HANDSHAKE"
    )]
    VerifyModeSyntax {
        /// The whole string.
        given: String,
        /// The part that is not a name.
        part: String,
    },

    /// An integer that is not one of Python's `CERT_*` values.
    #[error(
        "{0} is not a Python cert_reqs value: use 0 (CERT_NONE), 1 (CERT_OPTIONAL) or \
         2 (CERT_REQUIRED)"
    )]
    CertReqs(c_int),

    /// OpenSSL refused a step of building the context (creating it, the
    /// protocol versions, the session id context, the system CA store, the
    /// ALPN list).
    #[error("{step}: {source}")]
    OpenSsl {
        /// The step, e.g. `loading the system CA store`.
        step: &'static str,
        /// OpenSSL's errors.
        source: ErrorStack,
    },
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::InvalidConfig(e)
    }
}
