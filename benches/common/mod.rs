//! What the benchmarks share: their flags and the median. Included with
//! `#[path = "common/mod.rs"] mod common;`; cargo builds no benchmark of
//! its own from it (it has no `main.rs`).

// Each includer uses a different part of this module.
#![allow(dead_code)]

/// The value after `flag` on the command line (or in `flag=value`), if any.
pub(crate) fn flag_value(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .enumerate()
        .find_map(|(i, a)| match a.strip_prefix(flag) {
            Some("") => args.get(i + 1).cloned(),
            Some(v) => v.strip_prefix('=').map(str::to_string),
            None => None,
        })
}

/// `--rounds N`, or `default`.
pub(crate) fn rounds(args: &[String], default: usize) -> usize {
    flag_value(args, "--rounds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The flags both `compare` and `tokio` take (anything else, such as the
/// `--bench` that cargo passes, is left to the bench or ignored).
pub(crate) struct Flags {
    pub(crate) args: Vec<String>,
    /// `--quick` (or `SSLSOCKET_BENCH_QUICK=1`): a smoke run that judges
    /// no timings but still asserts what it asserts.
    pub(crate) quick: bool,
    /// `--rounds N`, else the bench's default for a quick or a full run.
    pub(crate) rounds: usize,
    /// `--only TEXT`: the figures whose id contains TEXT.
    pub(crate) only: Option<String>,
    /// `--imp NAME`: one implementation only (for profilers).
    pub(crate) imp: Option<String>,
}

impl Flags {
    /// Parses the command line; `rounds` is the default (quick, full).
    pub(crate) fn parse(rounds: (usize, usize)) -> Flags {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let quick = args.iter().any(|a| a == "--quick")
            || std::env::var("SSLSOCKET_BENCH_QUICK")
                .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        let default = if quick { rounds.0 } else { rounds.1 };
        Flags {
            quick,
            rounds: self::rounds(&args, default).max(1),
            only: flag_value(&args, "--only"),
            imp: flag_value(&args, "--imp"),
            args,
        }
    }

    /// Whether `flag` is on the command line.
    pub(crate) fn has(&self, flag: &str) -> bool {
        self.args.iter().any(|a| a == flag)
    }

    /// The value of `flag`, if any.
    pub(crate) fn value(&self, flag: &str) -> Option<String> {
        flag_value(&self.args, flag)
    }

    /// Whether the figure `id` runs (`--only`).
    pub(crate) fn selected(&self, id: &str) -> bool {
        self.only.as_deref().is_none_or(|o| id.contains(o))
    }
}

/// The median of `v` (the mean of the middle two for an even count; NaN
/// for none).
pub(crate) fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}
