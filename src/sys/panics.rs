//! Panics of application code run from inside OpenSSL: their message, and
//! drops that must not unwind into C.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The message of a caught panic (its payload dropped without unwinding).
pub(crate) fn panic_message(p: Box<dyn Any + Send>) -> String {
    let message = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".into());
    drop_contained(p);
    message
}

/// Drops `value` without letting a panic from its `Drop` escape: this runs
/// inside callbacks from C, where an unwind aborts the process. A value
/// whose drop panics is leaked (its panic payload too), never unwound.
pub(crate) fn drop_contained<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        std::mem::forget(payload);
    }
}
