//! The few OpenSSL calls the `openssl` crate does not offer safely.
//!
//! Every `unsafe` block of the crate is in this file, each with a `SAFETY:`
//! comment; `lib.rs` denies `unsafe_code` everywhere else.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use foreign_types::{ForeignType, ForeignTypeRef};
use libc::c_int;
use openssl::error::ErrorStack;
use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslRef};
use openssl::x509::X509VerifyResult;

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

unsafe extern "C" {
    fn SSL_verify_client_post_handshake(ssl: *mut openssl_sys::SSL) -> c_int;
    fn SSL_renegotiate(ssl: *mut openssl_sys::SSL) -> c_int;
    fn SSL_set_msg_callback(ssl: *mut openssl_sys::SSL, cb: Option<MsgCallback>);
}

#[cfg(ossl300)]
type OptionBits = u64;
#[cfg(not(ossl300))]
type OptionBits = libc::c_ulong;

unsafe extern "C" {
    fn SSL_set_options(ssl: *mut openssl_sys::SSL, op: OptionBits) -> OptionBits;
    fn SSL_clear_options(ssl: *mut openssl_sys::SSL, op: OptionBits) -> OptionBits;
}

unsafe extern "C" {
    fn SSL_get_options(ssl: *const openssl_sys::SSL) -> OptionBits;
}

/// The options of one connection (`SSL_get_options`).
pub(crate) fn ssl_options(ssl: &SslRef) -> openssl::ssl::SslOptions {
    // SAFETY: `ssl` is a live `SSL*`; this only reads its option bits.
    openssl::ssl::SslOptions::from_bits_retain(unsafe { SSL_get_options(ssl.as_ptr()) })
}

/// The options of a context (`SSL_CTX_get_options`).
pub(crate) fn ctx_options(ctx: &openssl::ssl::SslContextRef) -> openssl::ssl::SslOptions {
    // SAFETY: `ctx` is a live `SSL_CTX*`; this only reads its option bits.
    let bits = unsafe { openssl_sys::SSL_CTX_get_options(ctx.as_ptr()) };
    openssl::ssl::SslOptions::from_bits_retain(bits)
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

/// `SSL_CTRL_GET_RI_SUPPORT` (`ssl.h`), which openssl-sys does not declare.
const SSL_CTRL_GET_RI_SUPPORT: c_int = 76;

type MsgCallback = unsafe extern "C" fn(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const libc::c_void,
    len: libc::size_t,
    ssl: *mut openssl_sys::SSL,
    arg: *mut libc::c_void,
);

fn cvt(r: c_int) -> Result<(), openssl::error::ErrorStack> {
    if r <= 0 {
        Err(openssl::error::ErrorStack::get())
    } else {
        Ok(())
    }
}

/// Queues a TLS 1.3 CertificateRequest (`SSL_verify_client_post_handshake`);
/// it is sent on the next I/O.
pub(crate) fn verify_client_post_handshake(
    ssl: &mut SslRef,
) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // OpenSSL only checks its state and queues a CertificateRequest.
    cvt(unsafe { SSL_verify_client_post_handshake(ssl.as_ptr()) })
}

unsafe extern "C" {
    fn SSL_in_init(ssl: *const openssl_sys::SSL) -> c_int;
    fn SSL_get_state(ssl: *const openssl_sys::SSL) -> c_int;
}

/// `TLS_ST_OK` and `TLS_ST_SR_FINISHED` of `OSSL_HANDSHAKE_STATE` (`ssl.h`),
/// which openssl-sys does not declare.
const TLS_ST_OK: c_int = 1;
const TLS_ST_SR_FINISHED: c_int = 32;

/// Whether OpenSSL has a handshake message queued that the next
/// `SSL_do_handshake` writes without reading anything first: a
/// CertificateRequest after `SSL_verify_client_post_handshake` (or a
/// KeyUpdate after `SSL_key_update`). The handshake is marked in progress
/// (`SSL_in_init`) while its state machine is still at rest (`TLS_ST_OK`).
pub(crate) fn handshake_message_queued(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*` for the whole call; both functions
    // only read its state.
    unsafe { SSL_in_init(ssl.as_ptr()) == 1 && SSL_get_state(ssl.as_ptr()) == TLS_ST_OK }
}

/// Whether a server's state machine is at the client's Finished
/// (`SSL_get_state` is `TLS_ST_SR_FINISHED`), as the info callback reports
/// it before processing the message.
pub(crate) fn reading_client_finished(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*` for the whole call; this only reads
    // its state.
    unsafe { SSL_get_state(ssl.as_ptr()) == TLS_ST_SR_FINISHED }
}

/// Schedules a renegotiation (`SSL_renegotiate`, TLS 1.2 and older); a server
/// sends HelloRequest on the next handshake step.
pub(crate) fn renegotiate(ssl: &mut SslRef) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // OpenSSL only sets the renegotiation flags.
    cvt(unsafe { SSL_renegotiate(ssl.as_ptr()) })
}

/// Whether the peer supports secure renegotiation (RFC 5746,
/// `SSL_get_secure_renegotiation_support`).
pub(crate) fn secure_renegotiation_support(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*`; this control only reads a flag and
    // ignores the null argument.
    unsafe {
        openssl_sys::SSL_ctrl(
            ssl.as_ptr(),
            SSL_CTRL_GET_RI_SUPPORT,
            0,
            std::ptr::null_mut(),
        ) != 0
    }
}

/// Handshake messages a connection received while being watched; lives in
/// the connection's ex_data so it is valid for as long as the `SSL` is.
#[derive(Debug, Default)]
pub(crate) struct HandshakeSeen {
    /// A Finished message arrived from the peer.
    pub(crate) finished: AtomicBool,
}

fn seen_index() -> Index<Ssl, HandshakeSeen> {
    static INDEX: OnceLock<Index<Ssl, HandshakeSeen>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index().expect("OpenSSL ran out of ex_data indexes"))
}

unsafe extern "C" fn record_message(
    write_p: c_int,
    _version: c_int,
    content_type: c_int,
    buf: *const libc::c_void,
    len: libc::size_t,
    ssl: *mut openssl_sys::SSL,
    _arg: *mut libc::c_void,
) {
    const HANDSHAKE: c_int = 22;
    if write_p != 0 || content_type != HANDSHAKE || buf.is_null() || len == 0 || ssl.is_null() {
        return;
    }
    // SAFETY: OpenSSL passes `len` (> 0) readable bytes at `buf`; we read the first.
    let msg_type = unsafe { *buf.cast::<u8>() };
    // SAFETY: OpenSSL calls back with the live `SSL*` whose message it is
    // processing; we only read its ex_data through a shared reference.
    let ssl = unsafe { SslRef::from_ptr(ssl) };
    const FINISHED: u8 = 20;
    if let Some(seen) = ssl.ex_data(seen_index()) {
        if msg_type == FINISHED {
            seen.finished.store(true, Ordering::Relaxed);
        }
    }
}

/// Starts recording the handshake messages `ssl` receives
/// (`SSL_set_msg_callback`), forgetting what was recorded before.
pub(crate) fn watch_handshake(ssl: &mut SslRef) {
    ssl.set_ex_data(seen_index(), HandshakeSeen::default());
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably; the callback reads
    // only its arguments and the ex_data just set, which lives as long as
    // the `SSL`.
    unsafe { SSL_set_msg_callback(ssl.as_ptr(), Some(record_message)) }
}

/// Stops recording (the record stays readable).
pub(crate) fn unwatch_handshake(ssl: &mut SslRef) {
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably; a null callback
    // turns message reporting off.
    unsafe { SSL_set_msg_callback(ssl.as_ptr(), None) }
}

/// Whether the watch has seen the peer's Finished.
pub(crate) fn handshake_seen(ssl: &SslRef) -> bool {
    ssl.ex_data(seen_index())
        .is_some_and(|s| s.finished.load(Ordering::Relaxed))
}

/// What [`poll_fd`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled {
    /// The descriptor is ready (or has an error or hang-up to report).
    Ready,
    /// The wake descriptor became readable first.
    Woken,
    /// The time ran out.
    TimedOut,
}

/// Waits until `fd` is readable (with `read`) or writable (with `write`),
/// or `wake` is readable, at most `timeout` (`None`: no limit).
pub(crate) fn poll_fd(
    fd: RawFd,
    read: bool,
    write: bool,
    wake: Option<RawFd>,
    timeout: Option<Duration>,
) -> std::io::Result<Polled> {
    let events = if read { libc::POLLIN } else { 0 } | if write { libc::POLLOUT } else { 0 };
    let mut fds = [
        libc::pollfd {
            fd,
            events,
            revents: 0,
        },
        libc::pollfd {
            fd: wake.unwrap_or(-1),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    let n: libc::nfds_t = if wake.is_some() { 2 } else { 1 };
    // Round up, so that a wait never ends before its deadline.
    let ms = timeout.map_or(-1, |t| {
        let ms = t.as_nanos().div_ceil(1_000_000);
        c_int::try_from(ms).unwrap_or(c_int::MAX)
    });
    // SAFETY: `fds` is an array of initialised `pollfd`s on this stack
    // frame, and `n` is at most its length.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), n, ms) };
    if r > 0 {
        return Ok(if fds[0].revents != 0 {
            Polled::Ready
        } else {
            Polled::Woken
        });
    }
    if r == 0 {
        return Ok(Polled::TimedOut);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::Interrupted {
        // A signal: the caller works out the time left and waits again.
        return Ok(Polled::TimedOut);
    }
    Err(e)
}

/// Whether `O_NONBLOCK` is set on `fd` (`fcntl(F_GETFL)`).
pub(crate) fn fd_is_nonblocking(fd: BorrowedFd<'_>) -> std::io::Result<bool> {
    // SAFETY: `fd` is borrowed, so open for the whole call; F_GETFL only
    // reads the file status flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(flags & libc::O_NONBLOCK != 0)
}

/// Sets or clears `O_NONBLOCK` on `fd` in one call (`ioctl(FIONBIO)`).
/// `fd` must be open; a closed one is an error (`EBADF`), never undefined.
pub(crate) fn set_fd_nonblocking(fd: RawFd, on: bool) -> std::io::Result<()> {
    let mut value = c_int::from(on);
    // SAFETY: ioctl takes any integer as a descriptor (a bad one fails with
    // EBADF); FIONBIO reads one `c_int` from the valid pointer given and
    // changes only that flag.
    if unsafe { libc::ioctl(fd, libc::FIONBIO, &mut value) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Shuts the sending side of socket `fd` down (`shutdown(SHUT_WR)`): the
/// peer reads what was sent, then the end of the stream. A descriptor that
/// is not a socket fails (`ENOTSOCK`), never undefined.
pub(crate) fn shutdown_write(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: shutdown takes any integer as a descriptor (a bad one fails
    // with EBADF or ENOTSOCK) and touches no memory of ours.
    if unsafe { libc::shutdown(fd, libc::SHUT_WR) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// `TCP_NODELAY` of `fd`, or `None` when it is not a TCP socket.
pub(crate) fn tcp_nodelay(fd: BorrowedFd<'_>) -> Option<bool> {
    let mut value: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `fd` is open for the call; `value` and `len` are valid for
    // writes of the sizes given.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&mut value as *mut c_int).cast(),
            &mut len,
        )
    };
    (r == 0).then_some(value != 0)
}

/// Sets `TCP_NODELAY` on `fd` (a TCP socket; errors are ignored).
pub(crate) fn set_tcp_nodelay(fd: BorrowedFd<'_>, on: bool) {
    let value = c_int::from(on);
    // SAFETY: `fd` is open for the call; `value` is a readable `c_int`
    // whose size is passed.
    let _ = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&value as *const c_int).cast(),
            std::mem::size_of::<c_int>() as libc::socklen_t,
        )
    };
}

unsafe extern "C" {
    fn SSL_key_update(ssl: *mut openssl_sys::SSL, updatetype: c_int) -> c_int;
}

/// Schedules a TLS 1.3 KeyUpdate (`SSL_key_update`), asking the peer to
/// update its keys too when `request_peer`; sent on the next I/O.
pub(crate) fn key_update(ssl: &mut SslRef, request_peer: bool) -> Result<(), ErrorStack> {
    const SSL_KEY_UPDATE_NOT_REQUESTED: c_int = 0;
    const SSL_KEY_UPDATE_REQUESTED: c_int = 1;
    let kind = if request_peer {
        SSL_KEY_UPDATE_REQUESTED
    } else {
        SSL_KEY_UPDATE_NOT_REQUESTED
    };
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // OpenSSL only checks the state and marks the update pending.
    cvt(unsafe { SSL_key_update(ssl.as_ptr(), kind) })
}

/// Offers `session` for resumption on a client connection (`SSL_set_session`).
///
/// Sessions come only from the cache of the same configuration, so they were
/// made with the same `SSL_CTX` as `ssl`.
pub(crate) fn set_session(
    ssl: &mut SslRef,
    session: &openssl::ssl::SslSessionRef,
) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `set_session` is unsafe because the session must come from a
    // connection using the same context; `SessionCache` is owned by one
    // configuration and only holds sessions of that configuration's context.
    unsafe { ssl.set_session(session) }
}

/// Offers a session made anywhere (read back from DER or PEM, or taken
/// from another configuration's connection) on a client connection
/// (`SSL_set_session`), as `openssl s_client -sess_in` does.
pub(crate) fn set_foreign_session(
    ssl: &mut SslRef,
    session: &openssl::ssl::SslSessionRef,
) -> Result<(), openssl::error::ErrorStack> {
    // SAFETY: `set_session` is unsafe because a session must not be used
    // with another context where sessions point into their context
    // (BoringSSL's hold its `SSL_X509_METHOD`). OpenSSL's sessions are
    // self-contained (d2i_SSL_SESSION makes them with no context at all,
    // and SSL_set_session takes its own reference), and build.rs refuses
    // BoringSSL and LibreSSL.
    unsafe { ssl.set_session(session) }
}

unsafe extern "C" {
    fn SSL_in_before(ssl: *const openssl_sys::SSL) -> c_int;
}

unsafe extern "C" {
    fn SSL_SESSION_is_resumable(s: *const openssl_sys::SSL_SESSION) -> c_int;
}

/// Whether a session can be resumed (`SSL_SESSION_is_resumable`): a
/// TLS 1.3 client's is not until a ticket has arrived.
pub(crate) fn session_is_resumable(session: &openssl::ssl::SslSessionRef) -> bool {
    // SAFETY: `session` is a live `SSL_SESSION*`, only read.
    unsafe { SSL_SESSION_is_resumable(session.as_ptr()) == 1 }
}

/// Whether the connection's handshake has not begun (`SSL_in_before`).
pub(crate) fn handshake_not_begun(ssl: &SslRef) -> bool {
    // SAFETY: `ssl` is a live `SSL*` for the whole call; the function only
    // reads its state.
    unsafe { SSL_in_before(ssl.as_ptr()) == 1 }
}

/// Withdraws the session a client connection offers for resumption
/// (`SSL_set_session(ssl, NULL)`): it then makes a full handshake. Only
/// before the handshake begins ([`handshake_not_begun`]).
///
/// `SSL_set_session` gave the connection the session's verify result;
/// it goes back to `X509_V_OK`, a new connection's, which the full
/// handshake replaces (`SSL_set_verify_result`).
pub(crate) fn withdraw_session(ssl: &mut SslRef) {
    debug_assert!(handshake_not_begun(ssl));
    // SAFETY: `ssl` is a live `SSL*` borrowed mutably for the whole call;
    // `SSL_set_session` with NULL only drops the connection's reference to
    // the session it offers, and `SSL_set_verify_result` only stores a number.
    unsafe {
        openssl_sys::SSL_set_session(ssl.as_ptr(), std::ptr::null_mut());
        SSL_set_verify_result(ssl.as_ptr(), libc::c_long::from(openssl_sys::X509_V_OK));
    }
}

unsafe extern "C" {
    fn SSL_set_verify_result(ssl: *mut openssl_sys::SSL, v: libc::c_long);
    fn SSL_SESSION_get0_peer(s: *mut openssl_sys::SSL_SESSION) -> *mut openssl_sys::X509;
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

/// The peer certificate a session keeps (`SSL_SESSION_get0_peer`): a
/// client's, the server's certificate; none for a session without one.
pub(crate) fn session_peer(
    session: &openssl::ssl::SslSessionRef,
) -> Option<&openssl::x509::X509Ref> {
    // SAFETY: `session` is a live `SSL_SESSION*`, only read; the certificate
    // returned is owned by the session (no reference is taken), so borrowing
    // it for the session's lifetime is sound. NULL is checked.
    unsafe {
        let cert = SSL_SESSION_get0_peer(session.as_ptr());
        (!cert.is_null()).then(|| openssl::x509::X509Ref::from_ptr(cert))
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
    fn SSL_CTX_set_info_callback(
        ctx: *mut openssl_sys::SSL_CTX,
        cb: Option<unsafe extern "C" fn(*const openssl_sys::SSL, c_int, c_int)>,
    );
    fn SSL_CTX_set_cert_cb(
        ctx: *mut openssl_sys::SSL_CTX,
        cb: Option<unsafe extern "C" fn(*mut openssl_sys::SSL, *mut libc::c_void) -> c_int>,
        arg: *mut libc::c_void,
    );
    fn SSL_get_client_CA_list(ssl: *const openssl_sys::SSL)
        -> *mut openssl_sys::stack_st_X509_NAME;
    fn SSL_certs_clear(ssl: *mut openssl_sys::SSL);
}

/// What the info callback (`SSL_CTX_set_info_callback`) reports to: the
/// layer above implements it, so this file names none of its types.
/// Implementations must not panic (they run inside OpenSSL).
pub(crate) trait InfoHandler {
    /// A state change of `ssl`: OpenSSL's `where` bits and `ret` value.
    fn on_info(ssl: &SslRef, where_: c_int, ret: c_int);
}

/// What the certificate callback (`SSL_CTX_set_cert_cb`) asks. Must not panic.
pub(crate) trait CertHandler {
    /// `ssl` is about to send its certificate; `false` aborts the handshake.
    fn on_certificate_request(ssl: &mut SslRef) -> bool;
}

unsafe extern "C" fn info_trampoline<H: InfoHandler>(
    ssl: *const openssl_sys::SSL,
    where_: c_int,
    ret: c_int,
) {
    if ssl.is_null() {
        return;
    }
    // SAFETY: OpenSSL calls back with the live `SSL*` whose state changed;
    // we only borrow it for the duration of the call. The handler catches
    // panics from application code.
    let ssl = unsafe { SslRef::from_ptr(ssl.cast_mut()) };
    H::on_info(ssl, where_, ret);
}

unsafe extern "C" fn cert_trampoline<H: CertHandler>(
    ssl: *mut openssl_sys::SSL,
    _arg: *mut libc::c_void,
) -> c_int {
    if ssl.is_null() {
        return 0;
    }
    // SAFETY: OpenSSL calls back with the live `SSL*` that is preparing its
    // certificate, and nothing else touches it during the callback. The
    // handler catches panics from application code.
    let ssl = unsafe { SslRef::from_ptr_mut(ssl) };
    c_int::from(H::on_certificate_request(ssl))
}

/// Reports state changes of the context's connections to `H`
/// (`SSL_CTX_set_info_callback`).
pub(crate) fn set_info_callback<H: InfoHandler>(b: &mut openssl::ssl::SslContextBuilder) {
    // SAFETY: `b` owns a live `SSL_CTX*`; the trampoline is a plain function
    // valid for the whole program.
    unsafe { SSL_CTX_set_info_callback(b.as_ptr(), Some(info_trampoline::<H>)) }
}

/// Lets `H` pick the certificate a client sends when asked
/// (`SSL_CTX_set_cert_cb`).
pub(crate) fn set_cert_callback<H: CertHandler>(b: &mut openssl::ssl::SslContextBuilder) {
    // SAFETY: `b` owns a live `SSL_CTX*`; the trampoline is a plain function
    // valid for the whole program and takes no argument.
    unsafe { SSL_CTX_set_cert_cb(b.as_ptr(), Some(cert_trampoline::<H>), std::ptr::null_mut()) }
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

/// The verification flags of one connection's parameters (`SSL_get0_param`).
pub(crate) fn ssl_verify_flags(ssl: &SslRef) -> libc::c_ulong {
    // SAFETY: `ssl` is a live `SSL*`; its parameters live as long as it
    // does and are only read.
    unsafe { openssl_sys::X509_VERIFY_PARAM_get_flags(openssl_sys::SSL_get0_param(ssl.as_ptr())) }
}

unsafe extern "C" {
    fn X509_STORE_lock(store: *mut openssl_sys::X509_STORE) -> c_int;
    fn X509_STORE_unlock(store: *mut openssl_sys::X509_STORE) -> c_int;
    fn X509_OBJECT_get_type(obj: *const openssl_sys::X509_OBJECT) -> c_int;
    fn X509_check_ca(cert: *mut openssl_sys::X509) -> c_int;
    fn SSL_get_shared_ciphers(
        ssl: *const openssl_sys::SSL,
        buf: *mut libc::c_char,
        size: c_int,
    ) -> *mut libc::c_char;
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
