//! What the benchmarks share: their flags and the median. Included with
//! `#[path = "common/mod.rs"] mod common;`; cargo builds no benchmark of
//! its own from it (it has no `main.rs`).

// Each includer uses a different part of this module.
#![allow(dead_code)]

/// The value after `flag` on the command line, if any.
pub(crate) fn flag_value(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// `--rounds N`, or `default`.
pub(crate) fn rounds(args: &[String], default: usize) -> usize {
    flag_value(args, "--rounds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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
