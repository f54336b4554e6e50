//! One connection's settings and counters: mutable access to its `SSL`,
//! its options and verification flags, the bytes it has read, its idle
//! record buffers, and the cipher suites it shares or can use.

use std::sync::OnceLock;

use foreign_types::ForeignTypeRef;
use libc::c_int;
use openssl::ssl::SslRef;

/// Mutable access to the `SSL` inside a stream, which `openssl` only lends
/// immutably (`SslStream::ssl`). Needed to change the verify mode of a live
/// connection and for post-handshake calls.
pub(crate) fn ssl_mut<S>(stream: &mut openssl::ssl::SslStream<S>) -> &mut SslRef {
    let ptr = stream.ssl().as_ptr();
    // SAFETY: `ptr` is the live `SSL*` owned by `stream`, which we borrow
    // mutably for the lifetime of the returned reference, so no other Rust
    // reference to the `SSL` can be used meanwhile. `SslRef` is an opaque
    // wrapper around that pointer.
    unsafe { SslRef::from_ptr_mut(ptr) }
}

#[cfg(ossl300)]
type OptionBits = u64;
#[cfg(not(ossl300))]
type OptionBits = libc::c_ulong;

unsafe extern "C" {
    fn SSL_set_options(ssl: *mut openssl_sys::SSL, op: OptionBits) -> OptionBits;
    fn SSL_clear_options(ssl: *mut openssl_sys::SSL, op: OptionBits) -> OptionBits;
    fn SSL_get_options(ssl: *const openssl_sys::SSL) -> OptionBits;
}

/// The options of one connection (`SSL_get_options`).
pub(crate) fn ssl_options(ssl: &SslRef) -> openssl::ssl::SslOptions {
    // SAFETY: `ssl` is a live `SSL*`; this only reads its option bits.
    openssl::ssl::SslOptions::from_bits_retain(unsafe { SSL_get_options(ssl.as_ptr()) })
}

/// Sets (`on`) or clears options on one connection (`SSL_set_options`,
/// `SSL_clear_options`), leaving its context's as they are.
pub(crate) fn set_ssl_options(ssl: &mut SslRef, options: openssl::ssl::SslOptions, on: bool) {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // both functions only change the connection's option bits.
    unsafe {
        if on {
            SSL_set_options(ssl.as_ptr(), options.bits());
        } else {
            SSL_clear_options(ssl.as_ptr(), options.bits());
        }
    }
}

/// The verification flags of one connection's parameters (`SSL_get0_param`).
pub(crate) fn ssl_verify_flags(ssl: &SslRef) -> libc::c_ulong {
    // SAFETY: `ssl` is a live `SSL*`; its parameters live as long as it
    // does and are only read.
    unsafe { openssl_sys::X509_VERIFY_PARAM_get_flags(openssl_sys::SSL_get0_param(ssl.as_ptr())) }
}

unsafe extern "C" {
    fn SSL_free_buffers(ssl: *mut openssl_sys::SSL) -> c_int;
    fn BIO_number_read(bio: *mut openssl_sys::BIO) -> u64;
    fn SSL_has_pending(ssl: *const openssl_sys::SSL) -> c_int;
}

/// Whether OpenSSL holds bytes of the connection, decrypted or not yet
/// processed (`SSL_has_pending`).
pub(crate) fn has_pending(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*` for the whole call; this only reads
    // its record layer's state.
    unsafe { SSL_has_pending(ssl.as_ptr()) == 1 }
}

/// Bytes the connection has read from its socket so far (`BIO_number_read`).
pub(crate) fn bytes_read(ssl: &SslRef) -> u64 {
    // SAFETY: `ssl` is a live `SSL*`; its read BIO (set by `SslStream`)
    // lives as long as it does, and both calls only read counters.
    unsafe {
        let bio = openssl_sys::SSL_get_rbio(ssl.as_ptr());
        if bio.is_null() {
            0
        } else {
            BIO_number_read(bio)
        }
    }
}

/// Gives the connection's record buffers back (`SSL_free_buffers`) when
/// nothing is left to read; OpenSSL allocates them again on the next read
/// or write. Only on releases with the CVE-2024-4741 fix (see
/// [`free_buffers_is_safe`]), where SSL_free_buffers no longer frees a buffer
/// that unread records point into, and only with nothing decrypted and unread.
pub(crate) fn release_idle_buffers(ssl: &mut SslRef) {
    static SAFE: OnceLock<bool> = OnceLock::new();
    let safe = *SAFE.get_or_init(|| free_buffers_is_safe(openssl::version::number()));
    if safe && ssl.pending() == 0 {
        // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
        // on the releases `free_buffers_is_safe` admits, OpenSSL refuses
        // (returns 0) while records are pending, and otherwise frees only its
        // own record buffers.
        let _ = unsafe { SSL_free_buffers(ssl.as_ptr()) };
    }
}

/// Whether the OpenSSL release `version` (`OPENSSL_VERSION_NUMBER`,
/// `0xMNN00PP0` on 3.x) has the CVE-2024-4741 fix to `SSL_free_buffers`:
/// 3.0.14, 3.1.6, 3.2.2, 3.3.1 and every release from 3.4.0 on. 1.1.1's fix
/// (1.1.1y) shipped only to premium-support customers, so 1.1.1 never counts.
pub(crate) fn free_buffers_is_safe(version: i64) -> bool {
    let major = version >> 28;
    let minor = (version >> 20) & 0xff;
    let patch = (version >> 4) & 0xff;
    match (major, minor) {
        (3, 0) => patch >= 14,
        (3, 1) => patch >= 6,
        (3, 2) => patch >= 2,
        (3, 3) => patch >= 1,
        (3, _) => true,
        (m, _) => m > 3,
    }
}

unsafe extern "C" {
    fn SSL_get_shared_ciphers(
        ssl: *const openssl_sys::SSL,
        buf: *mut libc::c_char,
        size: c_int,
    ) -> *mut libc::c_char;
}

/// The ciphers a server's client offered that the server also has
/// (`SSL_get_shared_ciphers`), `:`-separated; `None` on a client.
pub(crate) fn shared_ciphers(ssl: &SslRef) -> Option<String> {
    let mut buf = vec![0u8; 16 * 1024];
    let size = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
    // SAFETY: `ssl` is a live `SSL*`; OpenSSL writes at most `size` bytes,
    // NUL included, into `buf`, which is that long.
    let p = unsafe { SSL_get_shared_ciphers(ssl.as_ptr(), buf.as_mut_ptr().cast(), size) };
    if p.is_null() {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    buf.truncate(len);
    Some(String::from_utf8_lossy(&buf).into_owned())
}

unsafe extern "C" {
    fn SSL_get1_supported_ciphers(
        ssl: *mut openssl_sys::SSL,
    ) -> *mut openssl_sys::stack_st_SSL_CIPHER;
}

/// The cipher suites a connection can use, in order of preference
/// (`SSL_get1_supported_ciphers`): its cipher lists (TLS 1.3 suites first),
/// less those its protocol versions or security level rule out, as
/// `openssl ciphers -s` lists them. Empty when OpenSSL gives none.
pub(crate) fn supported_ciphers(ssl: &mut SslRef) -> Vec<&'static str> {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call
    // (OpenSSL notes the versions and algorithms it allows in the
    // connection's handshake state while it filters).
    let sk = unsafe { SSL_get1_supported_ciphers(ssl.as_ptr()) };
    if sk.is_null() {
        return Vec::new();
    }
    // SAFETY: `get1` hands over a new stack, owned from here on; its
    // entries are libssl's static `SSL_CIPHER`s. Dropping the `Stack`
    // frees the stack only: an `SslCipher` has nothing to free.
    let stack = unsafe {
        <openssl::stack::Stack<openssl::ssl::SslCipher> as foreign_types::ForeignType>::from_ptr(sk)
    };
    stack.iter().map(|c| c.name()).collect()
}

#[cfg(test)]
mod tests {
    use super::free_buffers_is_safe;

    #[test]
    fn free_buffers_gate_follows_each_release_branch() {
        let cases = [
            (0x1010_1170, false), // 1.1.1w
            (0x3000_00d0, false), // 3.0.13
            (0x3000_00e0, true),  // 3.0.14
            (0x3000_0130, true),  // 3.0.19
            (0x3010_0000, false), // 3.1.0
            (0x3010_0050, false), // 3.1.5
            (0x3010_0060, true),  // 3.1.6
            (0x3020_0010, false), // 3.2.1
            (0x3020_0020, true),  // 3.2.2
            (0x3030_0000, false), // 3.3.0
            (0x3030_0010, true),  // 3.3.1
            (0x3040_0000, true),  // 3.4.0
            (0x3050_0000, true),  // 3.5.0
        ];
        for (version, safe) in cases {
            assert_eq!(free_buffers_is_safe(version), safe, "{version:#x}");
        }
    }
}
