//! OpenSSL's library and reason codes by their C names, for reading an
//! error stack: one definition each (openssl-sys declares none of these).
//!
//! The values are those of `sslerr.h`, `x509err.h`, `pkcs12err.h` and `err.h`, unchanged
//! from OpenSSL 1.1.1 through 3.x.

use libc::c_int;

/// `ERR_LIB_SSL`: errors of libssl.
pub(crate) const ERR_LIB_SSL: c_int = 20;
/// `ERR_LIB_X509`: errors of libcrypto's X.509 code.
pub(crate) const ERR_LIB_X509: c_int = 11;
/// `ERR_LIB_PKCS12`: errors of libcrypto's PKCS#12 code.
pub(crate) const ERR_LIB_PKCS12: c_int = 35;

/// `PKCS12_R_MAC_VERIFY_FAILURE`: the password does not open the PKCS#12 file.
pub(crate) const PKCS12_R_MAC_VERIFY_FAILURE: c_int = 113;

/// `X509_R_CERT_ALREADY_IN_HASH_TABLE`: the same certificate added twice to a store.
pub(crate) const X509_R_CERT_ALREADY_IN_HASH_TABLE: c_int = 101;

pub(crate) const SSL_R_STILL_IN_INIT: c_int = 121;
pub(crate) const SSL_R_CERTIFICATE_VERIFY_FAILED: c_int = 134;
pub(crate) const SSL_R_HTTPS_PROXY_REQUEST: c_int = 155;
pub(crate) const SSL_R_HTTP_REQUEST: c_int = 156;
pub(crate) const SSL_R_NO_PROTOCOLS_AVAILABLE: c_int = 191;
pub(crate) const SSL_R_PACKET_LENGTH_TOO_LONG: c_int = 198;
pub(crate) const SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: c_int = 199;
pub(crate) const SSL_R_UNKNOWN_PROTOCOL: c_int = 252;
pub(crate) const SSL_R_UNSUPPORTED_PROTOCOL: c_int = 258;
pub(crate) const SSL_R_WRONG_SSL_VERSION: c_int = 266;
pub(crate) const SSL_R_WRONG_VERSION_NUMBER: c_int = 267;
pub(crate) const SSL_R_EXTENSION_NOT_RECEIVED: c_int = 279;
pub(crate) const SSL_R_INVALID_CONFIG: c_int = 283;
pub(crate) const SSL_R_NOT_SERVER: c_int = 284;
pub(crate) const SSL_R_REQUEST_PENDING: c_int = 285;
pub(crate) const SSL_R_REQUEST_SENT: c_int = 286;
pub(crate) const SSL_R_UNEXPECTED_EOF_WHILE_READING: c_int = 294;
pub(crate) const SSL_R_NO_RENEGOTIATION: c_int = 339;
pub(crate) const SSL_R_VERSION_TOO_LOW: c_int = 396;
