//! The one test harness, modelled on rust-openssl's `ssl/test/server.rs`,
//! shared by every test binary (`mod common;`) and, file by file, by the
//! benchmarks (`#[path]`). By role:
//!
//! - [`pki`]: the test PKI under `certs/` (paths, bytes, DER, what a
//!   certificate says, a CA-only store); [`forge`]: certificates made at
//!   test time. The benchmarks include `pki.rs`.
//! - [`peers`]: our own server and client: configuration builders with short
//!   timeouts, a server on a thread, the standard exchange, a handshaken
//!   socket pair, the async accept, the examples' paths.
//! - [`openssl_cli`]: the `openssl` programs (`s_server`, `s_client`, ...)
//!   as foreign peers, and [`Proc`](openssl_cli::Proc), which runs any
//!   program (our examples, another library's server).
//! - [`raw`]: raw peers for hostile tests (bytes on a socket, a proxy, a
//!   raw server, records, resets); [`tls12`]: a raw TLS 1.2 peer that
//!   writes its own records.
//! - [`process`]: the process's RSS, heap and CPU time (the benchmarks
//!   include it too).
//! - `poll_loop.rs`: the README's poll loop, included word for word.
//! - here: the limits, [`Log`], case matrices, bounded joins.
//!
//! The fuzz targets are in `tests/fuzz_harness/mod.rs`, which the fuzz
//! crate includes: it stands alone (its certificates built in), so that the
//! fuzzer runs it outside this crate.
//!
//! Every socket made here has read, write and handshake timeouts of a few
//! seconds, so a bug fails a test instead of hanging it.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use sslsocket::TlsVersion;

pub(crate) mod forge;
pub(crate) mod openssl_cli;
pub(crate) mod peers;
pub(crate) mod pki;
pub(crate) mod process;
pub(crate) mod raw;
pub(crate) mod tls12;

// The roles' items under `common::` too, as the tests name them.
#[allow(unused_imports)]
pub(crate) use {peers::*, pki::*, raw::*};

/// The generous limit every blocking step gets.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(5);

/// [`TIMEOUT`] as the timeout arguments take it.
pub(crate) const T: Option<Duration> = Some(TIMEOUT);

/// The protocol versions every matrix runs under.
pub(crate) const VERSIONS: [TlsVersion; 2] = [TlsVersion::Tls1_2, TlsVersion::Tls1_3];

/// One case for every `a`, every `b` and each of [`VERSIONS`].
pub(crate) fn matrix<A: Copy, B: Copy, C>(
    a: &[A],
    b: &[B],
    case: impl Fn(A, B, TlsVersion) -> C,
) -> Vec<C> {
    let mut cases = Vec::new();
    for &x in a {
        for &y in b {
            for version in VERSIONS {
                cases.push(case(x, y, version));
            }
        }
    }
    cases
}

/// Panics listing every problem, if there are any.
#[track_caller]
pub(crate) fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A list that callbacks, on whatever thread they run, append to.
#[derive(Debug)]
pub(crate) struct Log<T>(Arc<Mutex<Vec<T>>>);

impl<T> Clone for Log<T> {
    fn clone(&self) -> Self {
        Log(Arc::clone(&self.0))
    }
}

impl<T: Clone> Log<T> {
    pub(crate) fn new() -> Log<T> {
        Log(Arc::new(Mutex::new(Vec::new())))
    }

    pub(crate) fn push(&self, item: T) {
        self.0.lock().unwrap().push(item);
    }

    /// Everything pushed so far.
    pub(crate) fn items(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }

    pub(crate) fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// How many items pushed so far equal `item`.
    pub(crate) fn count(&self, item: &T) -> usize
    where
        T: PartialEq,
    {
        self.0.lock().unwrap().iter().filter(|i| *i == item).count()
    }
}

/// Joins `handle`, failing the test when the thread has not ended within
/// `limit`: no test leaves a thread blocked.
pub(crate) fn join_within<T>(handle: JoinHandle<T>, limit: Duration, what: &str) -> T {
    let deadline = Instant::now() + limit;
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "{what}: still running after {limit:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
