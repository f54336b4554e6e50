//! Figures, statistics and the report (text and JSON).

use std::fmt::Write as _;
use std::thread;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Judge {
    /// Not a target.
    None,
    /// sslsocket/openssl >= 0.98 (quicker is better).
    RatioAtLeast98,
    /// sslsocket <= openssl (less is better).
    NoMore,
}

pub(crate) struct Figure {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) unit: &'static str,
    pub(crate) ss: Vec<f64>,
    pub(crate) plain: Vec<f64>,
    pub(crate) judge: Judge,
    pub(crate) notes: Vec<String>,
}

pub(crate) fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

pub(crate) use crate::common::median;

pub(crate) fn min(v: &[f64]) -> f64 {
    sorted(v).first().copied().unwrap_or(f64::NAN)
}

pub(crate) fn max(v: &[f64]) -> f64 {
    sorted(v).last().copied().unwrap_or(f64::NAN)
}

pub(crate) fn num(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

impl Figure {
    pub(crate) fn ratio(&self) -> Option<f64> {
        (!self.plain.is_empty()).then(|| median(&self.ss) / median(&self.plain))
    }

    /// The median of the per-round ratios (less sensitive to drift).
    pub(crate) fn round_ratio(&self) -> Option<f64> {
        let r: Vec<f64> = self
            .ss
            .iter()
            .zip(&self.plain)
            .map(|(a, b)| a / b)
            .collect();
        (!r.is_empty()).then(|| median(&r))
    }

    pub(crate) fn met(&self) -> Option<bool> {
        let r = self.ratio()?;
        match self.judge {
            Judge::None => None,
            Judge::RatioAtLeast98 => Some(r >= 0.98),
            Judge::NoMore => Some(r <= 1.0),
        }
    }

    pub(crate) fn print(&self) {
        println!();
        println!("{} [{}], {}", self.title, self.id, self.unit);
        if self.plain.is_empty() {
            println!("  {:>6} {:>12}", "round", "sslsocket");
            for (i, v) in self.ss.iter().enumerate() {
                println!("  {:>6} {:>12}", i + 1, num(*v));
            }
            for (name, f) in [
                ("median", median as fn(&[f64]) -> f64),
                ("min", min),
                ("max", max),
            ] {
                println!("  {:>6} {:>12}", name, num(f(&self.ss)));
            }
        } else {
            println!(
                "  {:>6} {:>12} {:>12} {:>8}",
                "round", "sslsocket", "openssl", "ratio"
            );
            for (i, (a, b)) in self.ss.iter().zip(&self.plain).enumerate() {
                println!(
                    "  {:>6} {:>12} {:>12} {:>8.3}",
                    i + 1,
                    num(*a),
                    num(*b),
                    a / b
                );
            }
            for (name, f) in [
                ("median", median as fn(&[f64]) -> f64),
                ("min", min),
                ("max", max),
            ] {
                let (a, b) = (f(&self.ss), f(&self.plain));
                println!("  {:>6} {:>12} {:>12} {:>8.3}", name, num(a), num(b), a / b);
            }
        }
        for n in &self.notes {
            println!("  {n}");
        }
    }
}

pub(crate) struct Report {
    pub(crate) quick: bool,
    pub(crate) rounds: usize,
    pub(crate) figures: Vec<Figure>,
    /// (item, sslsocket bytes, openssl bytes) for the memory breakdown.
    pub(crate) breakdown: Vec<(String, Option<f64>, Option<f64>)>,
}

impl Report {
    pub(crate) fn add(&mut self, f: Figure) {
        f.print();
        self.figures.push(f);
    }

    pub(crate) fn summary(&self) {
        println!();
        println!(
            "== Summary: medians of the rounds; ratio = sslsocket/openssl of the medians, \
             r/round = median of the per-round ratios =="
        );
        println!(
            "{:<66} {:>10} {:>10} {:>7} {:>7}  target",
            "figure", "sslsocket", "openssl", "ratio", "r/round"
        );
        for f in &self.figures {
            let plain = if f.plain.is_empty() {
                "-".to_string()
            } else {
                num(median(&f.plain))
            };
            let ratio = f.ratio().map_or("-".to_string(), |r| format!("{r:.3}"));
            let per_round = f
                .round_ratio()
                .map_or("-".to_string(), |r| format!("{r:.3}"));
            let target = match (f.judge, self.quick) {
                (Judge::None, _) => "",
                (_, true) => "(quick run: not judged)",
                (Judge::RatioAtLeast98, false) => {
                    if f.met() == Some(true) {
                        ">= 0.98: met"
                    } else {
                        ">= 0.98: NOT met"
                    }
                }
                (Judge::NoMore, false) => {
                    if f.met() == Some(true) {
                        "<= openssl: met"
                    } else {
                        "<= openssl: NOT met"
                    }
                }
            };
            println!(
                "{:<66} {:>10} {:>10} {:>7} {:>7}  {}",
                format!("{} ({})", f.title, f.unit),
                num(median(&f.ss)),
                plain,
                ratio,
                per_round,
                target
            );
        }
    }

    pub(crate) fn json(&self, machine: &[(&str, String)]) -> String {
        fn s(x: &str) -> String {
            let mut o = String::from("\"");
            for c in x.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    c if (c as u32) < 0x20 => {
                        let _ = write!(o, "\\u{:04x}", c as u32);
                    }
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        }
        fn n(x: f64) -> String {
            if x.is_finite() {
                format!("{x}")
            } else {
                "null".into()
            }
        }
        fn arr(v: &[f64]) -> String {
            format!(
                "[{}]",
                v.iter().map(|x| n(*x)).collect::<Vec<_>>().join(",")
            )
        }
        let mut o = String::from("{\n  \"machine\": {");
        o += &machine
            .iter()
            .map(|(k, v)| format!("{}: {}", s(k), s(v)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            o,
            "}},\n  \"quick\": {},\n  \"rounds\": {},\n  \"figures\": [",
            self.quick, self.rounds
        );
        for (i, f) in self.figures.iter().enumerate() {
            let ratios: Vec<f64> = f.ss.iter().zip(&f.plain).map(|(a, b)| a / b).collect();
            let _ = write!(
                o,
                "{}\n    {{\"id\": {}, \"title\": {}, \"unit\": {}, \"sslsocket\": {}, \"openssl\": {}, \
                 \"ratio\": {}, \"median\": {{\"sslsocket\": {}, \"openssl\": {}, \"ratio\": {}, \"round_ratio\": {}}}, \
                 \"min\": {{\"sslsocket\": {}, \"openssl\": {}}}, \"max\": {{\"sslsocket\": {}, \"openssl\": {}}}, \
                 \"target_met\": {}, \"notes\": [{}]}}",
                if i == 0 { "" } else { "," },
                s(&f.id),
                s(&f.title),
                s(f.unit),
                arr(&f.ss),
                arr(&f.plain),
                arr(&ratios),
                n(median(&f.ss)),
                n(median(&f.plain)),
                n(f.ratio().unwrap_or(f64::NAN)),
                n(f.round_ratio().unwrap_or(f64::NAN)),
                n(min(&f.ss)),
                n(min(&f.plain)),
                n(max(&f.ss)),
                n(max(&f.plain)),
                match (self.quick, f.met()) {
                    (false, Some(m)) => m.to_string(),
                    _ => "null".into(),
                },
                f.notes.iter().map(|x| s(x)).collect::<Vec<_>>().join(", ")
            );
        }
        o += "\n  ],\n  \"memory_breakdown_bytes\": [";
        for (i, (item, a, b)) in self.breakdown.iter().enumerate() {
            let _ = write!(
                o,
                "{}\n    {{\"item\": {}, \"sslsocket\": {}, \"openssl\": {}}}",
                if i == 0 { "" } else { "," },
                s(item),
                a.map_or("null".into(), n),
                b.map_or("null".into(), n)
            );
        }
        o += "\n  ]\n}\n";
        o
    }
}

pub(crate) fn machine() -> Vec<(&'static str, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown".to_string(), |(_, m)| m.trim().to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".to_string(), |s| s.trim().to_string());
    vec![
        (
            "nproc",
            thread::available_parallelism()
                .map_or(0, |n| n.get())
                .to_string(),
        ),
        ("cpu", model),
        ("kernel", kernel),
        ("openssl", openssl::version::version().to_string()),
    ]
}

pub(crate) fn kib(b: f64) -> String {
    format!("{:.1}", b / 1024.0)
}
