//! OpenSSL's `X509_CHECK_FLAG_*`: how a client matches the server's
//! certificate to the name it connected to.

use libc::c_uint;

use crate::verify::flags::c_flags;

c_flags! {
    /// How the host-name check matches names (`X509_CHECK_FLAG_*`, the
    /// `unsigned int` of `X509_VERIFY_PARAM_set_hostflags`), passed to
    /// OpenSSL unchanged. None set, the default, is OpenSSL's default:
    /// wildcards in the leftmost label (also partial ones, `w*.example.com`),
    /// and the subject's CN when the certificate has no DNS name at all.
    /// Python's `hostname_checks_common_name = False` is `NEVER_CHECK_SUBJECT`
    /// (see [`SslConfigBuilder::set_hostname_checks_common_name`](crate::SslConfigBuilder::set_hostname_checks_common_name)).
    ///
    /// ```
    /// use sslsocket::HostnameFlags;
    /// let strict = HostnameFlags::NO_PARTIAL_WILDCARDS | HostnameFlags::NEVER_CHECK_SUBJECT;
    /// assert_eq!(strict.bits(), 0x24);
    /// assert_eq!(HostnameFlags::try_from(0x24)?, strict);
    /// assert!(HostnameFlags::try_from(0x40).is_err());
    /// # Ok::<(), sslsocket::Error>(())
    /// ```
    pub struct HostnameFlags(c_uint), "X509_CHECK_FLAG_";
    /// `X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT` (0x1): also check the subject CN
    /// when the certificate has DNS names.
    ALWAYS_CHECK_SUBJECT = openssl_sys::X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT;
    /// `X509_CHECK_FLAG_NO_WILDCARDS` (0x2): no wildcard matches at all.
    NO_WILDCARDS = openssl_sys::X509_CHECK_FLAG_NO_WILDCARDS;
    /// `X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS` (0x4): `*` only as a whole
    /// label (`*.example.com`, not `w*.example.com`); Python's default.
    NO_PARTIAL_WILDCARDS = openssl_sys::X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    /// `X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS` (0x8): `*` may match several labels.
    MULTI_LABEL_WILDCARDS = openssl_sys::X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS;
    /// `X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS` (0x10): `.example.com` matches
    /// one-label subdomains.
    SINGLE_LABEL_SUBDOMAINS = openssl_sys::X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS;
    /// `X509_CHECK_FLAG_NEVER_CHECK_SUBJECT` (0x20): never fall back to the
    /// subject CN (Python's `hostname_checks_common_name = False`).
    NEVER_CHECK_SUBJECT = openssl_sys::X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
}
