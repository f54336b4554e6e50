//! Command-line options and the sizes of each figure.

use std::path::PathBuf;
use std::time::Duration;

use crate::setup::*;

pub(crate) struct Opts {
    pub(crate) quick: bool,
    pub(crate) json: Option<PathBuf>,
    pub(crate) rounds: usize,
    pub(crate) only: Option<String>,
}

impl Opts {
    pub(crate) fn parse() -> Opts {
        let mut quick = std::env::var("SSLSOCKET_BENCH_QUICK")
            .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        let mut json = None;
        let mut rounds = None;
        let mut only = None;
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            if let Some(v) = a.strip_prefix("--json=") {
                json = Some(PathBuf::from(v));
                continue;
            }
            match a.as_str() {
                "--quick" => quick = true,
                "--reverse" => {
                    let _ = REVERSE.set(true);
                }
                "--json" => json = args.next().map(PathBuf::from),
                "--rounds" => rounds = args.next().and_then(|v| v.parse::<usize>().ok()),
                "--only" => only = args.next(),
                "--imp" => {
                    let imp = match args.next().as_deref() {
                        Some("sslsocket") => Some(Imp::Ss),
                        Some("openssl") => Some(Imp::Plain),
                        other => panic!("--imp takes sslsocket or openssl, not {other:?}"),
                    };
                    let _ = ONLY_IMP.set(imp);
                }
                "--n" => {
                    let n = args.next().and_then(|v| v.parse::<usize>().ok());
                    let _ = ONLY_N.set(n);
                }
                // cargo passes `--bench`; filters and other flags mean nothing here.
                _ => {}
            }
        }
        let rounds = rounds.unwrap_or(if quick { 3 } else { 15 }).max(1);
        Opts {
            quick,
            json,
            rounds,
            only,
        }
    }

    pub(crate) fn selected(&self, id: &str) -> bool {
        self.only.as_deref().is_none_or(|o| id.contains(o))
    }
}

/// `--n N`: the count of every count-based figure (for profilers).
pub(crate) static ONLY_N: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();

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
        let mut sz = Sizes::defaults(quick);
        if let Some(n) = ONLY_N.get().copied().flatten() {
            sz.full = n;
            sz.resumed = n;
            sz.echo = n;
            sz.pha = n;
            sz.conns = n;
        }
        sz
    }

    pub(crate) fn defaults(quick: bool) -> Sizes {
        if quick {
            Sizes {
                full: 16,
                resumed: 16,
                warm: 3,
                bulk: Duration::from_millis(200),
                echo: 300,
                pha: 30,
                conns: 100,
            }
        } else {
            Sizes {
                full: 150,
                resumed: 300,
                warm: 5,
                bulk: Duration::from_secs(1),
                echo: 10_000,
                pha: 500,
                conns: 1_000,
            }
        }
    }
}

/// `--reverse`: openssl first in every round (to check for order effects).
pub(crate) static REVERSE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// `--imp NAME`: measure only that implementation (for profilers).
pub(crate) static ONLY_IMP: std::sync::OnceLock<Option<Imp>> = std::sync::OnceLock::new();

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
