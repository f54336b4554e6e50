//! `cargo bench --bench compare`: sslsocket against the plain `openssl` crate.
//!
//! Everything runs over loopback (127.0.0.1), server and client on separate
//! threads of this one process, with the same certificates and the same
//! cipher on both implementations. Each figure is measured round by round,
//! interleaved (round 1 sslsocket, round 1 openssl, round 2 sslsocket, ...),
//! and reported as median, min and max per implementation with the ratio
//! sslsocket/openssl per round and of the medians. `BENCHMARKS.md` explains
//! every figure.
//!
//! Flags (anything else, such as the `--bench` that cargo passes, is ignored):
//!
//! * `--quick` (or `SSLSOCKET_BENCH_QUICK=1`): a short smoke run that judges
//!   no timings but still asserts that every "resumed" handshake resumed.
//! * `--json FILE`: also write the figures as JSON.
//! * `--rounds N`: rounds per figure (default 15, quick 3; the memory
//!   figures use at most 7 and the plain-TCP references at most 5).
//! * `--only TEXT`: run only the figures whose id contains TEXT (ids are
//!   printed in brackets, e.g. `hs_full_tls13_ecdsa`, `bulk`, `memory`).
//! * `--mem-trace`: instead of the figures, attribute the memory of idle
//!   connections to OpenSSL's allocation sites (`CRYPTO_set_mem_functions`).
//! * `--imp sslsocket|openssl`, `--n N`: measure one implementation only,
//!   N of everything (for profilers such as callgrind); `--reverse`: openssl
//!   first in every round (to look for order effects).

mod breakdown;
#[path = "../common/mod.rs"]
mod common;
mod conn;
mod handshakes;
mod memory;
mod options;
mod pha;
#[path = "../../tests/common/pki.rs"]
mod pki;
#[path = "../../tests/common/process.rs"]
mod process;
mod report;
mod setup;
mod trace;
mod transfer;

use crate::{
    breakdown::*, conn::*, handshakes::*, memory::*, options::*, pha::*, process::*, report::*,
    setup::*, trace::*, transfer::*,
};

fn main() {
    // Must come before anything makes OpenSSL allocate.
    let tracing = std::env::args().any(|a| a == "--mem-trace");
    if tracing {
        assert!(crate::trace::install(), "CRYPTO_set_mem_functions refused");
    }
    let opts = Opts::parse();
    let (quick, rounds) = (opts.flags.quick, opts.flags.rounds);
    let sz = Sizes::new(quick);
    if tracing {
        mem_trace(sz.conns);
        return;
    }
    let info = machine();
    println!("sslsocket vs openssl crate, loopback 127.0.0.1");
    for (k, v) in &info {
        println!("  {k}: {v}");
    }
    let mode = if quick {
        "QUICK (smoke test, timings not judged)"
    } else {
        "full"
    };
    println!(
        "  mode: {mode}, {rounds} rounds per figure, interleaved (sslsocket, openssl, sslsocket, ...)"
    );
    let mut report = Report {
        quick,
        rounds,
        figures: Vec::new(),
        breakdown: Vec::new(),
    };
    let selected = |id: &str| opts.flags.selected(id);

    // Handshakes.
    let protos = [
        (true, Key::Ecdsa),
        (false, Key::Ecdsa),
        (true, Key::Rsa),
        (false, Key::Rsa),
    ];
    for p in protos.map(|(tls13, key)| Proto { tls13, key }) {
        for resume in [false, true] {
            let kind = if resume { "resumed" } else { "full" };
            let id = format!("hs_{kind}_{}", p.id());
            if !selected(&id) {
                continue;
            }
            let n = if resume { sz.resumed } else { sz.full };
            let k = Knobs {
                client_resume: resume,
                ..Knobs::default()
            };
            let expect = if resume { n } else { 0 };
            let round = |imp: Imp, k: Knobs| {
                let o = hs_round(imp, p, k, n, sz.warm);
                assert_eq!(
                    (o.reused, o.server_reused),
                    (expect, expect),
                    "{}: {kind} {}: {} of {n} handshakes resumed on the client, {} on the server",
                    imp.name(),
                    p.label(),
                    o.reused,
                    o.server_reused
                );
                o
            };
            let mut own_store = Vec::new();
            let (ss, plain) = interleave(rounds, |imp| {
                let o = round(imp, k);
                if imp == Imp::Plain && !resume {
                    // Round r of the reference without system CA lookups.
                    let k = Knobs {
                        own_store: true,
                        ..k
                    };
                    own_store.push(round(imp, k).rate);
                }
                o
            });
            let counts = |v: &[HsOut]| {
                let c: Vec<_> = v.iter().map(|o| o.reused.to_string()).collect();
                c.join(",")
            };
            let rates = (col(&ss, |o| o.rate), col(&plain, |o| o.rate));
            let ss_median = median(&rates.0);
            let title = format!("{kind} handshakes/s, {}", p.label());
            let mut hs = Figure::new(&id, title, "handshakes/s", rates, Judge::RatioAtLeast98)
                .note(format!(
                "session_reused() on the client, per round of {n}: sslsocket [{}], openssl [{}] \
                     (asserted == {expect})",
                counts(&ss),
                counts(&plain),
            ));
            if !own_store.is_empty() {
                let mine = median(&own_store);
                hs = hs.note(format!(
                    "openssl with a store holding only ca.pem (no system CA lookups), run right after \
                     each openssl round: median {}/s, sslsocket/that {:.3}",
                    num(mine),
                    ss_median / mine
                ));
            }
            report.add(hs);
            report.add(Figure::new(
                format!("cpu_{kind}_{}", p.id()),
                format!("CPU per {kind} handshake, {}", p.label()),
                "us both sides",
                (col(&ss, |o| o.cpu_us), col(&plain, |o| o.cpu_us)),
                Judge::None,
            ));
        }
    }

    // Bulk throughput and echo round trips, each against plain TCP in the
    // same loop: (rate, CPU) per round.
    let first = |v: &[(f64, f64)]| col(v, |x| x.0);
    let second = |v: &[(f64, f64)]| col(v, |x| x.1);
    if selected("bulk") {
        let (ss, plain) = interleave(rounds, |imp| bulk_round(Some(imp), sz.bulk));
        let tcp = first(&tcp_rounds(rounds, || bulk_round(None, sz.bulk)));
        report.add(
            Figure::new(
                "bulk",
                "bulk, 16 KiB writes, TLS1.3 AES-256-GCM",
                "MB/s",
                (first(&ss), first(&plain)),
                Judge::RatioAtLeast98,
            )
            .note(format!(
                "plain TCP, same loop: median {} MB/s (min {}, max {})",
                num(median(&tcp)),
                num(min(&tcp)),
                num(max(&tcp))
            )),
        );
        let cpu = (second(&ss), second(&plain));
        report.add(Figure::new(
            "cpu_bulk",
            "CPU per GB, bulk",
            "ms both sides",
            cpu,
            Judge::None,
        ));
    }

    // Both directions at once, on split halves (sslsocket only), against
    // one direction in the same run.
    if selected("duplex") {
        let (both, one): (Vec<f64>, Vec<f64>) = (0..rounds.min(7))
            .map(|_| (duplex_round(sz.bulk), bulk_round(Some(Imp::Ss), sz.bulk).0))
            .unzip();
        let ratio = median(&both) / median(&one);
        report.add(
            Figure::new(
                "duplex",
                "duplex bulk: sslsocket both directions at once (split halves, sum) | \
                 sslsocket one direction",
                "MB/s",
                (both, one),
                Judge::None,
            )
            .note(format!(
                "both directions / one direction: {ratio:.2} (2 cores: 2 would be perfect overlap)"
            )),
        );
    }

    if selected("echo") {
        let (ss, plain) = interleave(rounds, |imp| echo_round(Some(imp), sz.echo));
        let tcp = tcp_rounds(rounds, || echo_round(None, sz.echo));
        report.add(
            Figure::new(
                "echo",
                "64-byte echo round trips/s, TLS1.3, TCP_NODELAY",
                "round trips/s",
                (first(&ss), first(&plain)),
                Judge::RatioAtLeast98,
            )
            .note(format!(
                "plain TCP, same loop: median {} round trips/s",
                num(median(&first(&tcp)))
            )),
        );
        let tcp_cpu = median(&second(&tcp));
        let ss_cpu = median(&second(&ss));
        report.add(
            Figure::new(
                "echo_cpu",
                "CPU per 64-byte echo round trip (both ends, getrusage), TLS1.3, TCP_NODELAY",
                "µs",
                (second(&ss), second(&plain)),
                Judge::NoMore,
            )
            .note(format!(
                "plain TCP, same loop: median {tcp_cpu:.1} µs; TLS cost above it: sslsocket {:.1} µs",
                ss_cpu - tcp_cpu
            )),
        );
    }

    // Post-handshake certificate requests (sslsocket only).
    if selected("pha") {
        // With Nagle on, every request waits for a delayed ACK (the server
        // writes a ticket, then the next ticket and CertificateRequest), so
        // that variant gets far fewer requests.
        let nagle_n = (sz.pha / 50).max(3);
        for (id, nodelay, n) in [("pha", true, sz.pha), ("pha_nagle", false, nagle_n)] {
            let v: Vec<(f64, f64)> = (0..rounds).map(|_| pha_round(n, nodelay)).collect();
            let how = if nodelay { "TCP_NODELAY" } else { "Nagle on" };
            report.add(
                Figure::new(
                    id,
                    format!("post-handshake cert requests/s, TLS1.3 mode 9, {how}"),
                    "requests/s",
                    (first(&v), vec![]),
                    Judge::None,
                )
                .note(format!(
                    "CPU per request, both sides: median {} us; {n} requests per round on one connection",
                    num(median(&second(&v))),
                )),
            );
        }
    }

    // Idle memory.
    if selected("memory") {
        raise_nofile(2 * sz.conns as u64 + 256);
        let p = Proto::TLS13_ECDSA;
        let full = Knobs::default();
        for imp in [Imp::Ss, Imp::Plain] {
            let (s, c) = make_pair(imp, p, full);
            mem_round(sz.conns.min(100), s, c);
        }
        let (ss, plain) = interleave(rounds.min(7), |imp| {
            let (s, c) = make_pair(imp, p, full);
            let o = mem_round(sz.conns, s, c);
            assert_eq!(o.resumed, 0, "memory test connections are full handshakes");
            o
        });
        type Field = (&'static str, &'static str, Judge, fn(&MemOut) -> f64);
        let fields: [Field; 4] = [
            ("mem_rss", "RSS growth, both ends", Judge::NoMore, |o| {
                o.rss_both
            }),
            ("mem_heap", "malloc in use, both ends", Judge::NoMore, |o| {
                o.heap_both
            }),
            (
                "mem_heap_client",
                "malloc in use, client end",
                Judge::None,
                |o| o.heap_client,
            ),
            (
                "mem_heap_server",
                "malloc in use, server end",
                Judge::None,
                |o| o.heap_server,
            ),
        ];
        for (id, what, judge, f) in fields {
            let kib = |v: &[MemOut]| col(v, |o| f(o) / 1024.0);
            let mut fig = Figure::new(
                id,
                format!("idle connection, {what}"),
                "KiB per connection",
                (kib(&ss), kib(&plain)),
                judge,
            );
            if id == "mem_rss" {
                fig = fig.note(format!(
                    "{} idle TLS1.3 ECDSA connections, both ends in this process, full handshakes, \
                     1-byte request/reply done (tickets read)",
                    sz.conns
                ));
            }
            report.add(fig);
        }
    }

    if selected("breakdown") {
        report.breakdown = breakdown(sz.conns);
    }

    report.summary();
    if let Some(path) = &opts.json {
        std::fs::write(path, report.json(&info)).expect("writing the JSON file");
        println!("\nfigures written to {}", path.display());
    }
}

/// The plain-TCP reference rounds of a transfer figure (at most 5).
fn tcp_rounds(rounds: usize, f: impl FnMut() -> (f64, f64)) -> Vec<(f64, f64)> {
    std::iter::repeat_with(f).take(rounds.min(5)).collect()
}
