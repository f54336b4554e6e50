//! Certificates: the ones a connection sends (its chain, or none) and the
//! CA names it sees, whether one matches a host or address as the
//! connection would check it, what a certificate says of itself (CA, key
//! usage, extended key usage, public key algorithm, general names), and
//! OpenSSL's text for a verification code.

use foreign_types::{ForeignType, ForeignTypeRef};
use libc::c_int;
use openssl::ssl::SslRef;
use openssl::x509::X509VerifyResult;

use super::cvt;

/// OpenSSL's text for a verification code (`X509_verify_cert_error_string`).
///
/// Callers pass only codes OpenSSL knows, or any code on OpenSSL 3.0+, where
/// the unknown-code text is a static string (1.1.1 formats it into a shared
/// static buffer).
pub(crate) fn verify_error_string(code: c_int) -> &'static str {
    // SAFETY: `from_raw` is unsafe only because `error_string` is not
    // thread-safe for codes OpenSSL does not know on releases before 3.0;
    // `VerifyResult::reason` calls this only for known codes there.
    let result = unsafe { X509VerifyResult::from_raw(code) };
    result.error_string()
}

unsafe extern "C" {
    fn X509_VERIFY_PARAM_get_hostflags(
        param: *const openssl_sys::X509_VERIFY_PARAM,
    ) -> libc::c_uint;
    fn X509_VERIFY_PARAM_get0_host(
        param: *mut openssl_sys::X509_VERIFY_PARAM,
        idx: c_int,
    ) -> *mut libc::c_char;
    fn X509_VERIFY_PARAM_get1_ip_asc(
        param: *mut openssl_sys::X509_VERIFY_PARAM,
    ) -> *mut libc::c_char;
}

/// What the connection's own name check compares the server certificate
/// with, as it was given to OpenSSL: its first host name
/// (`X509_VERIFY_PARAM_get0_host`), else its IP address
/// (`X509_VERIFY_PARAM_get1_ip_asc`); `None` when it checks neither, or
/// when what is set cannot be read back (not UTF-8, not an address).
pub(crate) enum CheckedName {
    Host(String),
    Ip(std::net::IpAddr),
}

/// See [`CheckedName`]; `Ok(None)`: no name is checked.
pub(crate) fn checked_name(ssl: &SslRef) -> Result<Option<CheckedName>, ()> {
    let text = |p: *const libc::c_char| {
        // SAFETY: `p` is non-NULL and points to a NUL-terminated string
        // that stays valid while it is read here (see the callers).
        let c = unsafe { std::ffi::CStr::from_ptr(p) };
        c.to_str().map(str::to_owned).map_err(|_| ())
    };
    // SAFETY: `ssl` is a live `SSL*` for the whole call; its parameters are
    // only read, and the host name returned is owned by them (not freed
    // here), read before anything can change them.
    let host = unsafe { X509_VERIFY_PARAM_get0_host(openssl_sys::SSL_get0_param(ssl.as_ptr()), 0) };
    if !host.is_null() {
        return text(host).map(|h| Some(CheckedName::Host(h)));
    }
    // SAFETY: as above; the address string is a copy this call owns, freed
    // with `CRYPTO_free` once read (NULL: no address is checked).
    unsafe {
        let ip = X509_VERIFY_PARAM_get1_ip_asc(openssl_sys::SSL_get0_param(ssl.as_ptr()));
        if ip.is_null() {
            return Ok(None);
        }
        let parsed = text(ip).and_then(|t| t.parse().map_err(|_| ()));
        openssl_sys::CRYPTO_free(
            ip.cast(),
            concat!(file!(), "\0").as_ptr().cast(),
            line!() as c_int,
        );
        parsed.map(|a| Some(CheckedName::Ip(a)))
    }
}

/// Whether `cert` is issued for `host`, as the connection's own host check
/// decides it (`X509_check_host` with the host flags of `SSL_get0_param`).
pub(crate) fn certificate_matches_host(
    ssl: &SslRef,
    cert: &openssl::x509::X509Ref,
    host: &str,
) -> bool {
    // SAFETY: `ssl` and `cert` are live for the whole call and only read;
    // `host` is passed with its length (no NUL needed), and no peer name is
    // asked for (NULL).
    unsafe {
        let flags = X509_VERIFY_PARAM_get_hostflags(openssl_sys::SSL_get0_param(ssl.as_ptr()));
        openssl_sys::X509_check_host(
            cert.as_ptr(),
            host.as_ptr().cast(),
            host.len(),
            flags,
            std::ptr::null_mut(),
        ) == 1
    }
}

/// Whether `cert` is issued for the address `ip` (`X509_check_ip`, as the
/// connection's own IP check calls it).
pub(crate) fn certificate_matches_ip(cert: &openssl::x509::X509Ref, ip: std::net::IpAddr) -> bool {
    let bytes: Vec<u8> = match ip {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    };
    // SAFETY: `cert` is live for the whole call and only read; `bytes` is
    // passed with its length.
    unsafe { openssl_sys::X509_check_ip(cert.as_ptr(), bytes.as_ptr(), bytes.len(), 0) == 1 }
}

/// `SSL_CTRL_CHAIN` (`ssl.h`), which openssl-sys does not declare.
const SSL_CTRL_CHAIN: c_int = 88;

/// Replaces the certificate chain of one connection (`SSL_set1_chain`);
/// an empty list sends the leaf alone.
pub(crate) fn ssl_set_chain(
    ssl: &mut SslRef,
    chain: &[openssl::x509::X509],
) -> Result<(), openssl::error::ErrorStack> {
    let mut stack = openssl::stack::Stack::new()?;
    for c in chain {
        stack.push(c.clone())?;
    }
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably; with larg = 1 OpenSSL
    // copies the stack and takes references to its certificates, so `stack`
    // may be dropped afterwards.
    let r =
        unsafe { openssl_sys::SSL_ctrl(ssl.as_ptr(), SSL_CTRL_CHAIN, 1, stack.as_ptr().cast()) };
    cvt(c_int::from(r > 0))
}

unsafe extern "C" {
    fn SSL_get_client_CA_list(ssl: *const openssl_sys::SSL)
        -> *mut openssl_sys::stack_st_X509_NAME;
    fn SSL_certs_clear(ssl: *mut openssl_sys::SSL);
}

/// The CA names the server sent (client side) or will send (server side),
/// each formatted by `format` (`SSL_get_client_CA_list`).
pub(crate) fn client_ca_names(
    ssl: &SslRef,
    format: impl Fn(&openssl::x509::X509NameRef) -> String,
) -> Vec<String> {
    // SAFETY: `ssl` is a live `SSL*`; the returned stack (possibly null) is
    // owned by the `SSL` and stays valid while `ssl` is borrowed.
    let ptr = unsafe { SSL_get_client_CA_list(ssl.as_ptr()) };
    if ptr.is_null() {
        return Vec::new();
    }
    // SAFETY: `ptr` is a non-null `STACK_OF(X509_NAME)` owned by the `SSL`,
    // borrowed for no longer than `ssl`.
    let stack = unsafe { openssl::stack::StackRef::<openssl::x509::X509Name>::from_ptr(ptr) };
    stack.iter().map(format).collect()
}

/// Removes the certificate and key of one connection (`SSL_certs_clear`),
/// so a client answers a request with an empty Certificate.
pub(crate) fn clear_certificates(ssl: &mut SslRef) {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably; this only drops the
    // connection's own certificate references.
    unsafe { SSL_certs_clear(ssl.as_ptr()) }
}

/// `EXFLAG_CA` (`x509v3.h`): the certificate's basic constraints say `CA:TRUE`.
const EXFLAG_CA: u32 = 0x10;

unsafe extern "C" {
    fn X509_get_extension_flags(x: *mut openssl_sys::X509) -> u32;
    fn X509_get_key_usage(x: *mut openssl_sys::X509) -> u32;
    fn X509_get_X509_PUBKEY(x: *const openssl_sys::X509) -> *mut libc::c_void;
    fn X509_PUBKEY_get0_param(
        ppkalg: *mut *mut openssl_sys::ASN1_OBJECT,
        pk: *mut *const libc::c_uchar,
        ppklen: *mut c_int,
        pa: *mut *mut openssl_sys::X509_ALGOR,
        pub_: *const libc::c_void,
    ) -> c_int;
    fn i2v_GENERAL_NAME(
        method: *mut libc::c_void,
        gen: *mut openssl_sys::GENERAL_NAME,
        ret: *mut libc::c_void,
    ) -> *mut libc::c_void;
    fn X509V3_conf_free(val: *mut libc::c_void);
}

/// Whether the certificate's basic constraints say `CA:TRUE`
/// (`X509_get_extension_flags`, `EXFLAG_CA`).
pub(crate) fn is_ca(cert: &openssl::x509::X509Ref) -> bool {
    // SAFETY: `cert` is a live `X509*`. The call decodes and caches the
    // certificate's extensions inside it under OpenSSL's own lock (the
    // `X509` may be shared between threads) and returns a copy of the flags.
    let flags = unsafe { X509_get_extension_flags(cert.as_ptr()) };
    flags & EXFLAG_CA != 0
}

/// The bits of the certificate's key usage extension as OpenSSL caches
/// them (`X509_get_key_usage`: the first byte of the bit string, the
/// second shifted left by eight); `None` when it has no such extension.
pub(crate) fn key_usage(cert: &openssl::x509::X509Ref) -> Option<u32> {
    // SAFETY: as in `is_ca`: the extensions are cached under OpenSSL's lock
    // and the bits returned by value.
    let bits = unsafe { X509_get_key_usage(cert.as_ptr()) };
    (bits != u32::MAX).then_some(bits)
}

/// The purposes of the certificate's extended key usage extension, each
/// as `openssl x509 -text` names it (`TLS Web Server Authentication`, or
/// the dotted OID of one OpenSSL does not know), in the certificate's
/// order; empty when it has no such extension or it does not decode.
pub(crate) fn extended_key_usage(cert: &openssl::x509::X509Ref) -> Vec<String> {
    // SAFETY: `cert` is a live `X509*`; with null `crit` and `idx`,
    // `X509_get_ext_d2i` returns a newly decoded `EXTENDED_KEY_USAGE`
    // (a `STACK_OF(ASN1_OBJECT)`) that the caller owns, or null.
    let p = unsafe {
        openssl_sys::X509_get_ext_d2i(
            cert.as_ptr(),
            openssl_sys::NID_ext_key_usage,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if p.is_null() {
        return Vec::new();
    }
    // SAFETY: `p` is a non-null `STACK_OF(ASN1_OBJECT)` we own: the
    // `Stack` takes it and frees it and every object in it when dropped.
    let stack = unsafe { openssl::stack::Stack::<openssl::asn1::Asn1Object>::from_ptr(p.cast()) };
    stack.iter().map(|o| o.to_string()).collect()
}

/// The certificate's public key algorithm as `openssl x509 -text` prints
/// it after `Public Key Algorithm:` (`rsaEncryption`, `id-ecPublicKey`),
/// read from the certificate itself (`X509_PUBKEY_get0_param`), so that
/// a key type this OpenSSL cannot load is still named.
pub(crate) fn public_key_algorithm(cert: &openssl::x509::X509Ref) -> Option<String> {
    // SAFETY: `cert` is a live `X509*`; `X509_get_X509_PUBKEY` returns a
    // pointer into it (not to be freed), valid while `cert` is borrowed.
    let key = unsafe { X509_get_X509_PUBKEY(cert.as_ptr()) };
    if key.is_null() {
        return None;
    }
    let mut alg: *mut openssl_sys::ASN1_OBJECT = std::ptr::null_mut();
    // SAFETY: `key` is the certificate's live `X509_PUBKEY`; OpenSSL
    // writes only through the non-null `ppkalg`, and null `pk`, `ppklen`
    // and `pa` ask for nothing else. `alg` points into `key`.
    let r = unsafe {
        X509_PUBKEY_get0_param(
            &mut alg,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            key,
        )
    };
    if r <= 0 || alg.is_null() {
        return None;
    }
    // SAFETY: `alg` is a non-null `ASN1_OBJECT*` owned by the certificate,
    // which outlives this borrow; it is only read to format it.
    let alg = unsafe { openssl::asn1::Asn1ObjectRef::from_ptr(alg) };
    Some(alg.to_string())
}

/// One `name:value` pair of OpenSSL's text for an extension (`CONF_VALUE`,
/// `conf.h`), which openssl-sys does not declare.
#[repr(C)]
struct ConfValue {
    section: *mut libc::c_char,
    name: *mut libc::c_char,
    value: *mut libc::c_char,
}

/// A general name as `openssl x509 -text` prints it (`i2v_GENERAL_NAME`,
/// each pair as `X509V3_EXT_val_prn` writes it): `DirName:/CN=x`,
/// `othername: 1.2.3.4::text`, `IP Address:<invalid length=8>`.
pub(crate) fn general_name_text(name: &openssl::x509::GeneralNameRef) -> String {
    // SAFETY: `name` is a live `GENERAL_NAME*`, which `i2v_GENERAL_NAME`
    // only reads (it uses no method); with a null `ret` it returns a new
    // `STACK_OF(CONF_VALUE)` that we own, or null.
    let stack =
        unsafe { i2v_GENERAL_NAME(std::ptr::null_mut(), name.as_ptr(), std::ptr::null_mut()) };
    if stack.is_null() {
        return String::new();
    }
    let stack = stack.cast::<openssl_sys::OPENSSL_STACK>();
    let text_of = |p: *const libc::c_char| {
        // SAFETY: a non-null `name` or `value` of a `CONF_VALUE` is a
        // NUL-terminated string the stack owns until it is freed below.
        (!p.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy())
    };
    let mut parts = Vec::new();
    // SAFETY: `stack` is the live stack made above; each element is a
    // `CONF_VALUE*` it owns, read before the stack is freed.
    let n = unsafe { openssl_sys::OPENSSL_sk_num(stack) };
    for i in 0..n {
        // SAFETY: as above, with `0 <= i < n`.
        let v = unsafe { openssl_sys::OPENSSL_sk_value(stack, i) }.cast::<ConfValue>();
        if v.is_null() {
            continue;
        }
        // SAFETY: `v` is a non-null `CONF_VALUE*` of the stack.
        let (name, value) = unsafe { (text_of((*v).name), text_of((*v).value)) };
        parts.push(match (name, value) {
            (Some(n), Some(v)) => format!("{n}:{v}"),
            (Some(one), None) | (None, Some(one)) => one.into_owned(),
            (None, None) => continue,
        });
    }
    // SAFETY: `stack` and its `CONF_VALUE`s are ours, freed once with the
    // free function OpenSSL pairs with them; nothing points into them now.
    unsafe { openssl_sys::OPENSSL_sk_pop_free(stack, Some(X509V3_conf_free)) };
    parts.join(", ")
}
