//! What the async and the server benchmarks share: their flags and the
//! median. Included with `#[path = "common/mod.rs"] mod common;`; cargo
//! builds no benchmark of its own from it (it has no `main.rs`).

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

/// The median of `v` (the mean of the middle two for an even count).
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
