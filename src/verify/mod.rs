//! OpenSSL's verification numbers as types: verify modes and their
//! conversions from integers and strings, verification results, verify and
//! host-name flags, and what a certificate says. No I/O and no context.
//!
//! Uses `sys`, `alert` and `version`; with `error` it forms the crate's
//! vocabulary: `error` names these results, and the conversions here
//! return its `Error`.

pub(crate) mod certificate_info;
pub(crate) mod flags;
pub(crate) mod hostname_flags;
pub(crate) mod mode;
pub(crate) mod parse;
pub(crate) mod result;
pub(crate) mod verify_flags;
