//! The bottom layer: OpenSSL below the `openssl` crate. What that crate
//! does not bind (`ffi`, the crate's only `unsafe`), OpenSSL's reason codes,
//! names as one line, and the guard that keeps a panic from crossing into C.
//!
//! Named `sys` as `openssl-sys` is: the crate root already re-exports the
//! `openssl` crate under its own name. Uses nothing else in the crate.

#[allow(unsafe_code)]
pub(crate) mod ffi;
pub(crate) mod names;
pub(crate) mod panics;
pub(crate) mod reasons;
