//! OpenSSL's `X509_V_FLAG_*` certificate-verification flags.

use crate::verify::flags::c_flags;
use libc::c_ulong;

c_flags! {
    /// OpenSSL's certificate-verification flags, the `unsigned long` of
    /// `X509_VERIFY_PARAM_set_flags` (`X509_V_FLAG_*`), passed to OpenSSL
    /// unchanged as the verify mode is. Combine them with `|`; build one from
    /// a stored integer with [`VerifyFlags::try_from`], which refuses bits
    /// OpenSSL does not define.
    ///
    /// Python's `SSLContext.verify_flags` names map to them:
    ///
    /// | Python `ssl.` | `VerifyFlags` |
    /// |---|---|
    /// | `VERIFY_DEFAULT` (0) | `VerifyFlags::default()` |
    /// | `VERIFY_CRL_CHECK_LEAF` | `CRL_CHECK` |
    /// | `VERIFY_CRL_CHECK_CHAIN` | `CRL_CHECK \| CRL_CHECK_ALL` |
    /// | `VERIFY_X509_STRICT` | `X509_STRICT` |
    /// | `VERIFY_ALLOW_PROXY_CERTS` | `ALLOW_PROXY_CERTS` |
    /// | `VERIFY_X509_TRUSTED_FIRST` | `TRUSTED_FIRST` |
    /// | `VERIFY_X509_PARTIAL_CHAIN` | `PARTIAL_CHAIN` |
    ///
    /// `CRL_CHECK` needs the CRL of the peer certificate's issuer
    /// ([`SslConfigBuilder::set_crl_file`](crate::SslConfigBuilder::set_crl_file)),
    /// `CRL_CHECK_ALL` (with `CRL_CHECK`) the CRL of every CA of the chain;
    /// a missing one fails verification with `X509_V_ERR_UNABLE_TO_GET_CRL`
    /// (3), a revoked certificate with `X509_V_ERR_CERT_REVOKED` (23).
    ///
    /// ```
    /// use sslsocket::VerifyFlags;
    /// let chain = VerifyFlags::CRL_CHECK | VerifyFlags::CRL_CHECK_ALL;
    /// assert_eq!(chain.bits(), 0xc);
    /// assert_eq!(VerifyFlags::try_from(0xc)?, chain);
    /// assert_eq!(format!("{chain:?}"), "X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL");
    /// assert!(VerifyFlags::try_from(0x40000).is_err());
    /// # Ok::<(), sslsocket::Error>(())
    /// ```
    pub struct VerifyFlags(c_ulong), "X509_V_FLAG_";
    /// `X509_V_FLAG_USE_CHECK_TIME` (0x2): verify at the time set in the parameters.
    USE_CHECK_TIME = openssl_sys::X509_V_FLAG_USE_CHECK_TIME;
    /// `X509_V_FLAG_CRL_CHECK` (0x4): check the peer certificate against its
    /// issuer's CRL (Python's `VERIFY_CRL_CHECK_LEAF`).
    CRL_CHECK = openssl_sys::X509_V_FLAG_CRL_CHECK;
    /// `X509_V_FLAG_CRL_CHECK_ALL` (0x8): with `CRL_CHECK`, check every
    /// certificate of the chain (Python's `VERIFY_CRL_CHECK_CHAIN`).
    CRL_CHECK_ALL = openssl_sys::X509_V_FLAG_CRL_CHECK_ALL;
    /// `X509_V_FLAG_IGNORE_CRITICAL` (0x10): ignore unhandled critical extensions.
    IGNORE_CRITICAL = openssl_sys::X509_V_FLAG_IGNORE_CRITICAL;
    /// `X509_V_FLAG_X509_STRICT` (0x20): strict RFC 5280 checks (Python's `VERIFY_X509_STRICT`).
    X509_STRICT = openssl_sys::X509_V_FLAG_X509_STRICT;
    /// `X509_V_FLAG_ALLOW_PROXY_CERTS` (0x40): accept RFC 3820 proxy certificates.
    ALLOW_PROXY_CERTS = openssl_sys::X509_V_FLAG_ALLOW_PROXY_CERTS;
    /// `X509_V_FLAG_POLICY_CHECK` (0x80): check certificate policies.
    POLICY_CHECK = openssl_sys::X509_V_FLAG_POLICY_CHECK;
    /// `X509_V_FLAG_EXPLICIT_POLICY` (0x100): require an explicit policy.
    EXPLICIT_POLICY = openssl_sys::X509_V_FLAG_EXPLICIT_POLICY;
    /// `X509_V_FLAG_INHIBIT_ANY` (0x200): inhibit the any-policy.
    INHIBIT_ANY = openssl_sys::X509_V_FLAG_INHIBIT_ANY;
    /// `X509_V_FLAG_INHIBIT_MAP` (0x400): inhibit policy mapping.
    INHIBIT_MAP = openssl_sys::X509_V_FLAG_INHIBIT_MAP;
    /// `X509_V_FLAG_NOTIFY_POLICY` (0x800): report the policy check result.
    NOTIFY_POLICY = openssl_sys::X509_V_FLAG_NOTIFY_POLICY;
    /// `X509_V_FLAG_EXTENDED_CRL_SUPPORT` (0x1000): indirect CRLs, CRL scopes.
    EXTENDED_CRL_SUPPORT = openssl_sys::X509_V_FLAG_EXTENDED_CRL_SUPPORT;
    /// `X509_V_FLAG_USE_DELTAS` (0x2000): use delta CRLs.
    USE_DELTAS = openssl_sys::X509_V_FLAG_USE_DELTAS;
    /// `X509_V_FLAG_CHECK_SS_SIGNATURE` (0x4000): check the root's self-signature.
    CHECK_SS_SIGNATURE = openssl_sys::X509_V_FLAG_CHECK_SS_SIGNATURE;
    /// `X509_V_FLAG_TRUSTED_FIRST` (0x8000): look in the trust store before the
    /// chain the peer sent (Python's `VERIFY_X509_TRUSTED_FIRST`).
    TRUSTED_FIRST = openssl_sys::X509_V_FLAG_TRUSTED_FIRST;
    /// `X509_V_FLAG_SUITEB_128_LOS` (0x30000): Suite B 128-bit mode allowing 192-bit algorithms.
    SUITEB_128_LOS = openssl_sys::X509_V_FLAG_SUITEB_128_LOS;
    /// `X509_V_FLAG_SUITEB_128_LOS_ONLY` (0x10000): Suite B 128-bit only.
    SUITEB_128_LOS_ONLY = openssl_sys::X509_V_FLAG_SUITEB_128_LOS_ONLY;
    /// `X509_V_FLAG_SUITEB_192_LOS` (0x20000): Suite B 192-bit only.
    SUITEB_192_LOS = openssl_sys::X509_V_FLAG_SUITEB_192_LOS;
    /// `X509_V_FLAG_PARTIAL_CHAIN` (0x80000): a trusted intermediate is a
    /// trust anchor, without its root (Python's `VERIFY_X509_PARTIAL_CHAIN`).
    PARTIAL_CHAIN = openssl_sys::X509_V_FLAG_PARTIAL_CHAIN;
    /// `X509_V_FLAG_NO_ALT_CHAINS` (0x100000): no alternative chain when the first fails.
    NO_ALT_CHAINS = openssl_sys::X509_V_FLAG_NO_ALT_CHAINS;
    /// `X509_V_FLAG_NO_CHECK_TIME` (0x200000): do not check validity dates.
    NO_CHECK_TIME = openssl_sys::X509_V_FLAG_NO_CHECK_TIME;
}
