//! A context's settings and stores: post-handshake authentication and
//! automatic DH parameters for its connections, its options, its key
//! password callback, CRLs and the contents of its trust store, its
//! verification flags, and its session counters.

use std::sync::OnceLock;

use foreign_types::ForeignTypeRef;
use libc::c_int;
use openssl::error::ErrorStack;
use openssl::ex_data::Index;

use super::cvt;

/// Makes every client connection of the context offer TLS 1.3
/// post-handshake authentication (`SSL_CTX_set_post_handshake_auth`).
pub(crate) fn ctx_set_post_handshake_auth(b: &mut openssl::ssl::SslContextBuilder, offer: bool) {
    // SAFETY: `b` owns a live `SSL_CTX*` borrowed mutably for the whole
    // call; the function only sets a flag that `SSL_new` copies.
    unsafe { openssl_sys::SSL_CTX_set_post_handshake_auth(b.as_ptr(), c_int::from(offer)) }
}

/// Turns OpenSSL's automatic choice of DHE parameters on or off for every
/// connection of the context (`SSL_CTX_set_dh_auto`).
pub(crate) fn ctx_set_dh_auto(b: &mut openssl::ssl::SslContextBuilder, on: bool) {
    // SAFETY: `b` owns a live `SSL_CTX*` borrowed mutably for the whole
    // call; `SSL_CTRL_SET_DH_AUTO` only stores the flag in the context's
    // certificate settings (it always returns 1), which `SSL_new` copies.
    unsafe { openssl_sys::SSL_CTX_set_dh_auto(b.as_ptr(), c_int::from(on)) };
}

/// The options of a context (`SSL_CTX_get_options`).
pub(crate) fn ctx_options(ctx: &openssl::ssl::SslContextRef) -> openssl::ssl::SslOptions {
    // SAFETY: `ctx` is a live `SSL_CTX*`; this only reads its option bits.
    let bits = unsafe { openssl_sys::SSL_CTX_get_options(ctx.as_ptr()) };
    openssl::ssl::SslOptions::from_bits_retain(bits)
}

unsafe extern "C" {
    fn SSL_CTX_set_default_passwd_cb(ctx: *mut openssl_sys::SSL_CTX, cb: Option<PemPasswordCb>);
    fn SSL_CTX_set_default_passwd_cb_userdata(ctx: *mut openssl_sys::SSL_CTX, u: *mut libc::c_void);
}

type PemPasswordCb = unsafe extern "C" fn(
    buf: *mut libc::c_char,
    size: c_int,
    rwflag: c_int,
    userdata: *mut libc::c_void,
) -> c_int;

/// What gives a context's key password: copies it into the buffer and
/// returns its length, 0 for none. Called from C: it must not panic.
pub(crate) type PasswordSource = Box<dyn Fn(&mut [u8]) -> usize + Send + Sync>;

fn password_index() -> Index<openssl::ssl::SslContext, Box<PasswordSource>> {
    static INDEX: OnceLock<Index<openssl::ssl::SslContext, Box<PasswordSource>>> = OnceLock::new();
    *INDEX.get_or_init(|| {
        openssl::ssl::SslContext::new_ex_index().expect("OpenSSL ran out of ex_data indexes")
    })
}

unsafe extern "C" fn password_trampoline(
    buf: *mut libc::c_char,
    size: c_int,
    _rwflag: c_int,
    userdata: *mut libc::c_void,
) -> c_int {
    let Ok(len) = usize::try_from(size) else {
        return 0;
    };
    if buf.is_null() || userdata.is_null() || len == 0 {
        return 0;
    }
    // SAFETY: `userdata` is the `PasswordSource` that
    // `set_default_password_callback` boxed into the context's ex_data,
    // which the context keeps (and never replaces) until it is freed.
    let source = unsafe { &*userdata.cast::<PasswordSource>() };
    // SAFETY: OpenSSL hands a writable buffer of `size` (> 0) bytes, ours
    // for the duration of the call.
    let buf = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
    let n = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| source(buf))).unwrap_or(0);
    c_int::try_from(n.min(len)).unwrap_or(0)
}

/// Makes `source` the context's password callback
/// (`SSL_CTX_set_default_passwd_cb`), so that OpenSSL never falls back to
/// its own, which prompts on the terminal ("Enter PEM pass phrase:").
pub(crate) fn set_default_password_callback(
    b: &mut openssl::ssl::SslContextBuilder,
    source: PasswordSource,
) {
    let boxed = Box::new(source);
    let userdata = (&*boxed as *const PasswordSource)
        .cast_mut()
        .cast::<libc::c_void>();
    // Moving the box into ex_data leaves its heap cell, which `userdata`
    // points to, where it is.
    b.set_ex_data(password_index(), boxed);
    // SAFETY: `b` owns a live `SSL_CTX*`; the callback is a plain function
    // valid for the whole program, and `userdata` stays valid for the life
    // of the context (see `password_trampoline`).
    unsafe {
        SSL_CTX_set_default_passwd_cb(b.as_ptr(), Some(password_trampoline));
        SSL_CTX_set_default_passwd_cb_userdata(b.as_ptr(), userdata);
    }
}

unsafe extern "C" {
    fn X509_STORE_add_crl(
        store: *mut openssl_sys::X509_STORE,
        crl: *mut openssl_sys::X509_CRL,
    ) -> c_int;
}

/// Adds a CRL to a certificate store (`X509_STORE_add_crl`), which takes
/// its own reference; the same CRL twice is not an error.
pub(crate) fn store_add_crl(
    store: &mut openssl::x509::store::X509StoreBuilderRef,
    crl: &openssl::x509::X509CrlRef,
) -> Result<(), ErrorStack> {
    // SAFETY: both pointers are live objects borrowed for the call; the
    // store increments the CRL's reference count, so `crl` may be dropped.
    cvt(unsafe { X509_STORE_add_crl(store.as_ptr(), crl.as_ptr()) })
}

/// The verification flags of a context's parameters (`SSL_CTX_get0_param`,
/// `X509_VERIFY_PARAM_get_flags`).
pub(crate) fn ctx_verify_flags(ctx: &openssl::ssl::SslContextRef) -> libc::c_ulong {
    // SAFETY: `ctx` is a live `SSL_CTX*`; its parameters live as long as it
    // does and are only read.
    unsafe {
        openssl_sys::X509_VERIFY_PARAM_get_flags(openssl_sys::SSL_CTX_get0_param(ctx.as_ptr()))
    }
}

unsafe extern "C" {
    fn X509_STORE_lock(store: *mut openssl_sys::X509_STORE) -> c_int;
    fn X509_STORE_unlock(store: *mut openssl_sys::X509_STORE) -> c_int;
    fn X509_OBJECT_get_type(obj: *const openssl_sys::X509_OBJECT) -> c_int;
    fn X509_check_ca(cert: *mut openssl_sys::X509) -> c_int;
}

/// `X509_LU_CRL` (`x509_vfy.h`): a CRL in a store.
const X509_LU_CRL: c_int = 2;

/// What a trust store holds: its certificates, each with whether it is a
/// CA (`X509_check_ca`), and how many CRLs. Read under the store's lock,
/// so that a lookup adding to it meanwhile cannot move the list.
pub(crate) fn store_contents(
    store: &openssl::x509::store::X509StoreRef,
) -> (Vec<(openssl::x509::X509, bool)>, usize) {
    let mut certs = Vec::new();
    let mut crls = 0;
    // SAFETY: `store` is a live `X509_STORE*`. While its lock is held no
    // other thread changes its object list, which it owns; each
    // certificate is copied out with its own reference (`to_owned`) before
    // the lock is released, and nothing else is kept.
    unsafe {
        X509_STORE_lock(store.as_ptr());
        let objects = openssl_sys::X509_STORE_get0_objects(store.as_ptr());
        if !objects.is_null() {
            let objects = openssl::stack::StackRef::<openssl::x509::X509Object>::from_ptr(objects);
            for obj in objects {
                if let Some(cert) = obj.x509() {
                    certs.push((cert.to_owned(), X509_check_ca(cert.as_ptr()) != 0));
                } else if X509_OBJECT_get_type(obj.as_ptr()) == X509_LU_CRL {
                    crls += 1;
                }
            }
        }
        X509_STORE_unlock(store.as_ptr());
    }
    (certs, crls)
}

/// `SSL_CTRL_SESS_NUMBER` (`ssl.h`): the first of the twelve consecutive
/// session counters, through `SSL_CTRL_SESS_CACHE_FULL` (31).
const SSL_CTRL_SESS_NUMBER: c_int = 20;

/// A context's session counters, the `SSL_CTX_sess_*` macros in the order
/// of their controls: `number`, `connect`, `connect_good`,
/// `connect_renegotiate`, `accept`, `accept_good`, `accept_renegotiate`,
/// `hits`, `cb_hits`, `misses`, `timeouts`, `cache_full`.
pub(crate) fn ctx_session_counters(ctx: &openssl::ssl::SslContextRef) -> [u64; 12] {
    let mut counters = [0u64; 12];
    for (cmd, counter) in (SSL_CTRL_SESS_NUMBER..).zip(counters.iter_mut()) {
        // SAFETY: `ctx` is a live `SSL_CTX*`; these controls only read one
        // word (a statistics counter, or the cache's item count) and ignore
        // the null argument. A handshake updating it on another thread
        // meanwhile makes the value the one before or after (Python's
        // `session_stats` reads them the same way).
        let n = unsafe { openssl_sys::SSL_CTX_ctrl(ctx.as_ptr(), cmd, 0, std::ptr::null_mut()) };
        *counter = u64::try_from(n).unwrap_or(0);
    }
    counters
}
