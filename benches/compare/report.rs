//! Figures, statistics and the report (text and JSON).

use std::fmt::Display;

use serde_json::json;

pub(crate) use crate::common::median;

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

pub(crate) fn min(v: &[f64]) -> f64 {
    v.iter().copied().min_by(f64::total_cmp).unwrap_or(f64::NAN)
}

pub(crate) fn max(v: &[f64]) -> f64 {
    v.iter().copied().max_by(f64::total_cmp).unwrap_or(f64::NAN)
}

/// One field of every round's result.
pub(crate) fn col<T>(v: &[T], f: impl Fn(&T) -> f64) -> Vec<f64> {
    v.iter().map(f).collect()
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

pub(crate) fn kib(b: f64) -> String {
    format!("{:.1}", b / 1024.0)
}

type Stat = fn(&[f64]) -> f64;
const STATS: [(&str, Stat); 3] = [("median", median), ("min", min), ("max", max)];

impl Figure {
    pub(crate) fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        unit: &'static str,
        (ss, plain): (Vec<f64>, Vec<f64>),
        judge: Judge,
    ) -> Figure {
        Figure {
            id: id.into(),
            title: title.into(),
            unit,
            ss,
            plain,
            judge,
            notes: Vec::new(),
        }
    }

    pub(crate) fn note(mut self, note: String) -> Figure {
        self.notes.push(note);
        self
    }

    pub(crate) fn ratio(&self) -> Option<f64> {
        (!self.plain.is_empty()).then(|| median(&self.ss) / median(&self.plain))
    }

    /// The per-round ratios sslsocket/openssl.
    fn ratios(&self) -> Vec<f64> {
        self.ss
            .iter()
            .zip(&self.plain)
            .map(|(a, b)| a / b)
            .collect()
    }

    /// The median of the per-round ratios (less sensitive to drift).
    pub(crate) fn round_ratio(&self) -> Option<f64> {
        let r = self.ratios();
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

    /// The figure's table: every round, then median, min and max.
    pub(crate) fn print(&self) {
        println!();
        println!("{} [{}], {}", self.title, self.id, self.unit);
        let two = !self.plain.is_empty();
        if two {
            let h = ("round", "sslsocket", "openssl", "ratio");
            println!("  {:>6} {:>12} {:>12} {:>8}", h.0, h.1, h.2, h.3);
        } else {
            println!("  {:>6} {:>12}", "round", "sslsocket");
        }
        let row = |label: &dyn Display, a: f64, b: f64| {
            if two {
                println!("  {label:>6} {:>12} {:>12} {:>8.3}", num(a), num(b), a / b);
            } else {
                println!("  {label:>6} {:>12}", num(a));
            }
        };
        for (i, (a, b)) in self.ss.iter().zip(&self.plain).enumerate() {
            row(&(i + 1), *a, *b);
        }
        if !two {
            for (i, a) in self.ss.iter().enumerate() {
                row(&(i + 1), *a, f64::NAN);
            }
        }
        for (name, f) in STATS {
            row(&name, f(&self.ss), f(&self.plain));
        }
        for n in &self.notes {
            println!("  {n}");
        }
    }

    /// Whether the target is met, as the summary says it.
    fn target(&self, quick: bool) -> String {
        let goal = match self.judge {
            Judge::None => return String::new(),
            _ if quick => return "(quick run: not judged)".into(),
            Judge::RatioAtLeast98 => ">= 0.98",
            Judge::NoMore => "<= openssl",
        };
        let met = if self.met() == Some(true) {
            "met"
        } else {
            "NOT met"
        };
        format!("{goal}: {met}")
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
        let r3 = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.3}"));
        for f in &self.figures {
            println!(
                "{:<66} {:>10} {:>10} {:>7} {:>7}  {}",
                format!("{} ({})", f.title, f.unit),
                num(median(&f.ss)),
                num(median(&f.plain)),
                r3(f.ratio()),
                r3(f.round_ratio()),
                f.target(self.quick)
            );
        }
    }

    pub(crate) fn json(&self, machine: &[(&str, String)]) -> String {
        let figures: Vec<_> = self
            .figures
            .iter()
            .map(|f| {
                let met = f.met().filter(|_| !self.quick);
                json!({
                    "id": f.id, "title": f.title, "unit": f.unit,
                    "sslsocket": f.ss, "openssl": f.plain, "ratio": f.ratios(),
                    "median": {"sslsocket": median(&f.ss), "openssl": median(&f.plain),
                               "ratio": f.ratio(), "round_ratio": f.round_ratio()},
                    "min": {"sslsocket": min(&f.ss), "openssl": min(&f.plain)},
                    "max": {"sslsocket": max(&f.ss), "openssl": max(&f.plain)},
                    "target_met": met, "notes": f.notes,
                })
            })
            .collect();
        let breakdown: Vec<_> = self
            .breakdown
            .iter()
            .map(|(item, a, b)| json!({"item": item, "sslsocket": a, "openssl": b}))
            .collect();
        let machine: serde_json::Map<_, _> = machine
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let report = json!({
            "machine": machine, "quick": self.quick, "rounds": self.rounds,
            "figures": figures, "memory_breakdown_bytes": breakdown,
        });
        serde_json::to_string_pretty(&report).expect("JSON") + "\n"
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
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    vec![
        ("nproc", nproc.to_string()),
        ("cpu", model),
        ("kernel", kernel),
        ("openssl", openssl::version::version().to_string()),
    ]
}
