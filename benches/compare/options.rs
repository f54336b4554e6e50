//! Command-line options and the sizes of each figure.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use crate::common::Flags;
use crate::setup::*;

pub(crate) struct Opts {
    pub(crate) flags: Flags,
    /// `--json FILE`: also write the figures as JSON.
    pub(crate) json: Option<PathBuf>,
}

impl Opts {
    pub(crate) fn parse() -> Opts {
        let flags = Flags::parse((3, 15));
        let _ = REVERSE.set(flags.has("--reverse"));
        let _ = ONLY_IMP.set(flags.imp.as_deref().map(|v| match v {
            "sslsocket" => Imp::Ss,
            "openssl" => Imp::Plain,
            other => panic!("--imp takes sslsocket or openssl, not {other:?}"),
        }));
        let _ = ONLY_N.set(flags.value("--n").and_then(|v| v.parse().ok()));
        let json = flags.value("--json").map(PathBuf::from);
        Opts { flags, json }
    }
}

/// `--n N`: the count of every count-based figure (for profilers).
pub(crate) static ONLY_N: OnceLock<Option<usize>> = OnceLock::new();

pub(crate) struct Sizes {
    /// Timed full handshakes per round.
    pub(crate) full: usize,
    /// Timed resumed handshakes per round.
    pub(crate) resumed: usize,
    /// Untimed connections before each handshake round.
    pub(crate) warm: usize,
    pub(crate) bulk: Duration,
    pub(crate) echo: usize,
    pub(crate) pha: usize,
    /// Idle connections held open in the memory test.
    pub(crate) conns: usize,
}

impl Sizes {
    pub(crate) fn new(quick: bool) -> Sizes {
        let (full, resumed, warm, bulk, echo, pha, conns) = if quick {
            (16, 16, 3, Duration::from_millis(200), 300, 30, 100)
        } else {
            (150, 300, 5, Duration::from_secs(1), 10_000, 500, 1_000)
        };
        let n = |default| ONLY_N.get().copied().flatten().unwrap_or(default);
        Sizes {
            full: n(full),
            resumed: n(resumed),
            warm,
            bulk,
            echo: n(echo),
            pha: n(pha),
            conns: n(conns),
        }
    }
}

/// `--reverse`: openssl first in every round (to check for order effects).
pub(crate) static REVERSE: OnceLock<bool> = OnceLock::new();

/// `--imp NAME`: measure only that implementation (for profilers).
pub(crate) static ONLY_IMP: OnceLock<Option<Imp>> = OnceLock::new();

/// Runs `f` for round 1 sslsocket, round 1 openssl, round 2 sslsocket, ...
pub(crate) fn interleave<T>(rounds: usize, mut f: impl FnMut(Imp) -> T) -> (Vec<T>, Vec<T>) {
    let only = ONLY_IMP.get().copied().flatten();
    let mut ss = Vec::with_capacity(rounds);
    let mut plain = Vec::with_capacity(rounds);
    let reverse = REVERSE.get().copied().unwrap_or(false);
    for _ in 0..rounds {
        if reverse && only != Some(Imp::Ss) {
            plain.push(f(Imp::Plain));
        }
        if only != Some(Imp::Plain) {
            ss.push(f(Imp::Ss));
        }
        if !reverse && only != Some(Imp::Ss) {
            plain.push(f(Imp::Plain));
        }
    }
    (ss, plain)
}
