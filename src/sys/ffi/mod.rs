//! The few OpenSSL calls the `openssl` crate does not offer safely, by
//! topic: a context's settings and stores (`context`), one connection's
//! options, counters and buffers (`connection`), its handshake states and
//! post-handshake messages (`handshake`), sessions (`session`), the
//! certificates it sends and checks (`x509`), the callbacks OpenSSL makes
//! into the crate (`callbacks`), and the socket descriptor (`fd`).
//!
//! Every `unsafe` block of the crate is in this folder, each with a `SAFETY:`
//! comment; `lib.rs` denies `unsafe_code` everywhere else. Each
//! `unsafe extern "C"` declaration of a function openssl-sys lacks sits in
//! the file of the functions that call it.

pub(crate) mod callbacks;
pub(crate) mod connection;
pub(crate) mod context;
pub(crate) mod fd;
pub(crate) mod handshake;
pub(crate) mod session;
pub(crate) mod x509;

use libc::c_int;
use openssl::error::ErrorStack;

/// `Ok` for OpenSSL's success (a positive return), else the error queue.
fn cvt(r: c_int) -> Result<(), ErrorStack> {
    if r <= 0 {
        Err(ErrorStack::get())
    } else {
        Ok(())
    }
}
