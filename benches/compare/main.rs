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
    if tracing {
        mem_trace(Sizes::new(opts.quick).conns);
        return;
    }
    let sz = Sizes::new(opts.quick);
    let rounds = opts.rounds;
    let info = machine();
    println!("sslsocket vs openssl crate, loopback 127.0.0.1");
    for (k, v) in &info {
        println!("  {k}: {v}");
    }
    println!(
        "  mode: {}, {} rounds per figure, interleaved (sslsocket, openssl, sslsocket, ...)",
        if opts.quick {
            "QUICK (smoke test, timings not judged)"
        } else {
            "full"
        },
        rounds
    );
    let mut report = Report {
        quick: opts.quick,
        rounds,
        figures: Vec::new(),
        breakdown: Vec::new(),
    };

    // Handshakes.
    let protos = [
        Proto::TLS13_ECDSA,
        Proto {
            tls13: false,
            key: Key::Ecdsa,
        },
        Proto {
            tls13: true,
            key: Key::Rsa,
        },
        Proto {
            tls13: false,
            key: Key::Rsa,
        },
    ];
    for p in protos {
        for resume in [false, true] {
            let kind = if resume { "resumed" } else { "full" };
            let id = format!("hs_{kind}_{}", p.id());
            if !opts.selected(&id) {
                continue;
            }
            let n = if resume { sz.resumed } else { sz.full };
            let k = Knobs {
                client_resume: resume,
                ..Knobs::default()
            };
            let expect = if resume { n } else { 0 };
            let check = |imp: Imp, o: &HsOut| {
                assert_eq!(
                    (o.reused, o.server_reused),
                    (expect, expect),
                    "{}: {kind} {}: {} of {n} handshakes resumed on the client, {} on the server",
                    imp.name(),
                    p.label(),
                    o.reused,
                    o.server_reused
                );
            };
            let mut own_store = Vec::new();
            let (ss, plain) = interleave(rounds, |imp| {
                let o = hs_round(imp, p, k, n, sz.warm);
                check(imp, &o);
                if imp == Imp::Plain && !resume {
                    // Round r of the reference without system CA lookups.
                    let k = Knobs {
                        own_store: true,
                        ..k
                    };
                    let o = hs_round(imp, p, k, n, sz.warm);
                    check(imp, &o);
                    own_store.push(o.rate);
                }
                o
            });
            let counts = |v: &[HsOut]| {
                v.iter()
                    .map(|o| o.reused.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let note = format!(
                "session_reused() on the client, per round of {n}: sslsocket [{}], openssl [{}] (asserted == {})",
                counts(&ss),
                counts(&plain),
                if resume { n } else { 0 }
            );
            let rate = |v: &[HsOut]| v.iter().map(|o| o.rate).collect::<Vec<_>>();
            let mut notes = vec![note];
            if !own_store.is_empty() {
                let ss_median = median(&rate(&ss));
                notes.push(format!(
                    "openssl with a store holding only ca.pem (no system CA lookups), run right after \
                     each openssl round: median {}/s, sslsocket/that {:.3}",
                    num(median(&own_store)),
                    ss_median / median(&own_store)
                ));
            }
            let cpu = |v: &[HsOut]| v.iter().map(|o| o.cpu_us).collect::<Vec<_>>();
            report.add(Figure {
                id: id.clone(),
                title: format!("{kind} handshakes/s, {}", p.label()),
                unit: "handshakes/s",
                ss: rate(&ss),
                plain: rate(&plain),
                judge: Judge::RatioAtLeast98,
                notes,
            });
            report.add(Figure {
                id: format!("cpu_{kind}_{}", p.id()),
                title: format!("CPU per {kind} handshake, {}", p.label()),
                unit: "us both sides",
                ss: cpu(&ss),
                plain: cpu(&plain),
                judge: Judge::None,
                notes: vec![],
            });
        }
    }

    // Bulk throughput.
    if opts.selected("bulk") {
        let (ss, plain) = interleave(rounds, |imp| bulk_round(Some(imp), sz.bulk));
        let tcp: Vec<f64> = (0..rounds.min(5))
            .map(|_| bulk_round(None, sz.bulk).0)
            .collect();
        let first = |v: &[(f64, f64)]| v.iter().map(|x| x.0).collect::<Vec<_>>();
        let second = |v: &[(f64, f64)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
        report.add(Figure {
            id: "bulk".into(),
            title: "bulk, 16 KiB writes, TLS1.3 AES-256-GCM".into(),
            unit: "MB/s",
            ss: first(&ss),
            plain: first(&plain),
            judge: Judge::RatioAtLeast98,
            notes: vec![format!(
                "plain TCP, same loop: median {} MB/s (min {}, max {})",
                num(median(&tcp)),
                num(min(&tcp)),
                num(max(&tcp))
            )],
        });
        report.add(Figure {
            id: "cpu_bulk".into(),
            title: "CPU per GB, bulk".into(),
            unit: "ms both sides",
            ss: second(&ss),
            plain: second(&plain),
            judge: Judge::None,
            notes: vec![],
        });
    }

    // Both directions at once, on split halves (sslsocket only), against
    // one direction in the same run.
    if opts.selected("duplex") {
        let n = rounds.min(7);
        let mut both = Vec::new();
        let mut one = Vec::new();
        for _ in 0..n {
            both.push(duplex_round(sz.bulk));
            one.push(bulk_round(Some(Imp::Ss), sz.bulk).0);
        }
        let ratio = median(&both) / median(&one);
        report.add(Figure {
            id: "duplex".into(),
            title: "duplex bulk: sslsocket both directions at once (split halves, sum) | \
                    sslsocket one direction"
                .into(),
            unit: "MB/s",
            ss: both,
            plain: one,
            judge: Judge::None,
            notes: vec![format!(
                "both directions / one direction: {ratio:.2} (2 cores: 2 would be perfect overlap)"
            )],
        });
    }

    // Echo round trips.
    if opts.selected("echo") {
        let (ss, plain) = interleave(rounds, |imp| echo_round(Some(imp), sz.echo));
        let tcp: Vec<(f64, f64)> = (0..rounds.min(5))
            .map(|_| echo_round(None, sz.echo))
            .collect();
        let firsts = |v: &[(f64, f64)]| v.iter().map(|x| x.0).collect::<Vec<f64>>();
        let seconds = |v: &[(f64, f64)]| v.iter().map(|x| x.1).collect::<Vec<f64>>();
        report.add(Figure {
            id: "echo".into(),
            title: "64-byte echo round trips/s, TLS1.3, TCP_NODELAY".into(),
            unit: "round trips/s",
            ss: firsts(&ss),
            plain: firsts(&plain),
            judge: Judge::RatioAtLeast98,
            notes: vec![format!(
                "plain TCP, same loop: median {} round trips/s",
                num(median(&firsts(&tcp)))
            )],
        });
        let tcp_cpu = median(&seconds(&tcp));
        let ss_cpu = median(&seconds(&ss));
        report.add(Figure {
            id: "echo_cpu".into(),
            title: "CPU per 64-byte echo round trip (both ends, getrusage), TLS1.3, TCP_NODELAY"
                .into(),
            unit: "µs",
            ss: seconds(&ss),
            plain: seconds(&plain),
            judge: Judge::NoMore,
            notes: vec![format!(
                "plain TCP, same loop: median {tcp_cpu:.1} µs; TLS cost above it: sslsocket {:.1} µs",
                ss_cpu - tcp_cpu
            )],
        });
    }

    // Post-handshake certificate requests (sslsocket only).
    if opts.selected("pha") {
        // With Nagle on, every request waits for a delayed ACK (the server
        // writes a ticket, then the next ticket and CertificateRequest), so
        // that variant gets far fewer requests.
        let nagle_n = (sz.pha / 50).max(3);
        for (id, nodelay, n) in [("pha", true, sz.pha), ("pha_nagle", false, nagle_n)] {
            let v: Vec<(f64, f64)> = (0..rounds).map(|_| pha_round(n, nodelay)).collect();
            report.add(Figure {
                id: id.into(),
                title: format!(
                    "post-handshake cert requests/s, TLS1.3 mode 9, {}",
                    if nodelay { "TCP_NODELAY" } else { "Nagle on" }
                ),
                unit: "requests/s",
                ss: v.iter().map(|x| x.0).collect(),
                plain: vec![],
                judge: Judge::None,
                notes: vec![format!(
                    "CPU per request, both sides: median {} us; {n} requests per round on one connection",
                    num(median(&v.iter().map(|x| x.1).collect::<Vec<_>>())),
                )],
            });
        }
    }

    // Idle memory.
    if opts.selected("memory") {
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
        let pick = |v: &[MemOut], f: fn(&MemOut) -> f64| v.iter().map(|o| f(o) / 1024.0).collect();
        type Field = (&'static str, &'static str, fn(&MemOut) -> f64);
        let fields: [Field; 4] = [
            ("mem_rss", "idle connection, RSS growth, both ends", |o| {
                o.rss_both
            }),
            (
                "mem_heap",
                "idle connection, malloc in use, both ends",
                |o| o.heap_both,
            ),
            (
                "mem_heap_client",
                "idle connection, malloc in use, client end",
                |o| o.heap_client,
            ),
            (
                "mem_heap_server",
                "idle connection, malloc in use, server end",
                |o| o.heap_server,
            ),
        ];
        for (id, title, f) in fields {
            report.add(Figure {
                id: id.into(),
                title: title.into(),
                unit: "KiB per connection",
                ss: pick(&ss, f),
                plain: pick(&plain, f),
                judge: if id == "mem_rss" || id == "mem_heap" {
                    Judge::NoMore
                } else {
                    Judge::None
                },
                notes: if id == "mem_rss" {
                    vec![format!(
                        "{} idle TLS1.3 ECDSA connections, both ends in this process, full handshakes, \
                         1-byte request/reply done (tickets read)",
                        sz.conns
                    )]
                } else {
                    vec![]
                },
            });
        }
    }

    if opts.selected("breakdown") {
        report.breakdown = breakdown(sz.conns);
    }

    report.summary();
    if let Some(path) = &opts.json {
        std::fs::write(path, report.json(&info)).expect("writing the JSON file");
        println!("\nfigures written to {}", path.display());
    }
}
