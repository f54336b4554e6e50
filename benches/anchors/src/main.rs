//! The reference figures: sslsocket side by side with what users would pick
//! instead or cannot beat, in one run, round by round (the order of the
//! implementations rotates from round to round), each figure the median of
//! the rounds and each ratio the median of the rounds' ratios.
//!
//! - `echo`: CPU per 64-byte echo round trip, both ends (getrusage), over
//!   blocking sockets, TLS 1.3, TCP_NODELAY: sslsocket, rustls
//!   `StreamOwned`, plain TCP; the TLS cost above plain TCP; round trips/s.
//! - `echo_async`: the same on the async faces, each end a current-thread
//!   tokio runtime on a thread of its own: sslsocket::tokio, tokio-rustls,
//!   plain tokio TCP.
//! - `bulk`: CPU per GB of 16 KiB writes, AES-256-GCM, both ends:
//!   sslsocket, rustls, plain TCP, and the limit: `openssl speed -evp
//!   aes-256-gcm` (16 KiB) encrypting and decrypting, plus plain TCP.
//! - `idle`: heap per idle TLS 1.3 connection on the async faces, server
//!   and client each in a process of its own: sslsocket::tokio,
//!   tokio-openssl, tokio-rustls.
//!
//! rustls runs on its default provider, aws-lc-rs. Flags: `--quick` (small
//! and short: judges nothing), `--rounds N`, `--only ID`, `--idle N`
//! (connections open at once, default 5,000). `profile-echo STACK N` runs
//! `N` echo round trips of one stack alone (`ours`, `rustls`, `tcp`, `openssl`: the plain openssl crate,
//! `async-ours`, `async-rustls`, `async-tcp`), for a profiler.
//!
//! `bash scripts/bench-anchors.sh` builds and runs this in release mode,
//! then the server comparison with nginx.

#[path = "../../common/mod.rs"]
mod common;

// CPU time, heap and open-files limit, as the comparison benchmark reads them.
#[allow(dead_code)]
#[path = "../../../tests/common/process.rs"]
mod process;

mod async_echo;
mod blocking;
mod idle;
mod setup;

use blocking::Stack;
use common::median;
use idle::Imp;

/// The median of the rounds' ratios `a[i] / b[i]`.
fn ratio(a: &[f64], b: &[f64]) -> f64 {
    median(&a.iter().zip(b).map(|(x, y)| x / y).collect::<Vec<_>>())
}

fn diff(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

fn m(v: &[f64]) -> f64 {
    median(v)
}

/// The order of `all` in round `round`: rotated, so each goes first in turn.
fn rotated<T: Copy, const N: usize>(all: [T; N], round: usize) -> [T; N] {
    let mut a = all;
    a.rotate_left(round % N);
    a
}

/// Per stack (in `Stack::ALL`'s order), the rounds' values of two figures.
type ByStack = [(Vec<f64>, Vec<f64>); 3];

fn run_blocking(rounds: usize, f: impl Fn(Stack) -> (f64, f64)) -> ByStack {
    run_stacks(Stack::ALL, rounds, f)
}

fn run_stacks<T: Copy + PartialEq>(
    all: [T; 3],
    rounds: usize,
    f: impl Fn(T) -> (f64, f64),
) -> ByStack {
    let mut out: ByStack = Default::default();
    for round in 0..rounds {
        for stack in rotated(all, round) {
            let (a, b) = f(stack);
            let i = all.iter().position(|s| *s == stack).unwrap();
            out[i].0.push(a);
            out[i].1.push(b);
        }
    }
    out
}

fn echo(rounds: usize, n: usize) {
    let by_stack = run_blocking(rounds, |s| blocking::echo(s, n));
    print_echo("echo", "blocking", "rustls StreamOwned", by_stack);
}

fn echo_async(rounds: usize, n: usize) {
    let by_stack = run_stacks(async_echo::Stack::ALL, rounds, |s| async_echo::echo(s, n));
    print_echo("echo_async", "async (tokio)", "tokio-rustls", by_stack);
}

/// The three echo figures of `id`: CPU per round trip, the TLS cost above
/// plain TCP, round trips/s.
fn print_echo(id: &str, face: &str, reference: &str, by_stack: ByStack) {
    let [(ours, ours_rate), (rustls, rustls_rate), (tcp, tcp_rate)] = by_stack;
    println!(
        "[{id}] CPU per 64-byte echo round trip, both ends, {face}, TLS 1.3, TCP_NODELAY: \
         sslsocket {:.1} µs, {reference} {:.1} µs, plain TCP {:.1} µs; \
         ratio sslsocket/rustls {:.2}",
        m(&ours),
        m(&rustls),
        m(&tcp),
        ratio(&ours, &rustls)
    );
    let (ours_tls, rustls_tls) = (diff(&ours, &tcp), diff(&rustls, &tcp));
    println!(
        "[{id}_tls] TLS cost per round trip above plain TCP: sslsocket {:.1} µs, rustls {:.1} µs; \
         ratio {:.1}x",
        m(&ours_tls),
        m(&rustls_tls),
        ratio(&ours_tls, &rustls_tls)
    );
    println!(
        "[{id}_rate] 64-byte echo round trips/s: sslsocket {:.0}, rustls {:.0}, plain TCP {:.0}; \
         ratio sslsocket/rustls {:.2}",
        m(&ours_rate),
        m(&rustls_rate),
        m(&tcp_rate),
        ratio(&ours_rate, &rustls_rate)
    );
}

fn bulk(rounds: usize, total: usize, speed_secs: u32) {
    let [(ours, ours_rate), (rustls, rustls_rate), (tcp, _)] =
        run_blocking(rounds, |s| blocking::bulk(s, total));
    let aes: Vec<f64> = (0..rounds)
        .map(|_| blocking::aes_gcm_limit(speed_secs))
        .collect();
    let limit: Vec<f64> = aes.iter().zip(&tcp).map(|(a, t)| a + t).collect();
    println!(
        "[bulk] CPU per GB, 16 KiB writes, AES-256-GCM, both ends: sslsocket {:.0} ms \
         ({:.0} MB/s), rustls {:.0} ms ({:.0} MB/s), plain TCP {:.0} ms; \
         ratio sslsocket/rustls {:.2}",
        m(&ours),
        m(&ours_rate),
        m(&rustls),
        m(&rustls_rate),
        m(&tcp),
        ratio(&ours, &rustls)
    );
    println!(
        "[bulk_limit] the limit: openssl speed -evp aes-256-gcm (16 KiB) both ends {:.0} ms/GB \
         + plain TCP = {:.0} ms/GB; ratio sslsocket/limit {:.2}, rustls/limit {:.2}",
        m(&aes),
        m(&limit),
        ratio(&ours, &limit),
        ratio(&rustls, &limit)
    );
}

fn idle(rounds: usize, n: usize) {
    let mut out: [(Vec<f64>, Vec<f64>); 3] = Default::default();
    for round in 0..rounds {
        for imp in rotated(Imp::ALL, round) {
            let (server, client) = idle::idle(imp, n);
            let i = Imp::ALL.iter().position(|x| *x == imp).unwrap();
            out[i].0.push(server);
            out[i].1.push(client);
        }
    }
    let [(ours_s, ours_c), (ossl_s, ossl_c), (rustls_s, rustls_c)] = out;
    println!(
        "[idle] heap per idle TLS 1.3 connection on the async face, {n} open: \
         sslsocket server {:.2} KiB, client {:.2} KiB; tokio-openssl {:.2} / {:.2}; \
         tokio-rustls {:.2} / {:.2}; ratio to tokio-openssl {:.2} / {:.2}, \
         to tokio-rustls {:.2} / {:.2}",
        m(&ours_s),
        m(&ours_c),
        m(&ossl_s),
        m(&ossl_c),
        m(&rustls_s),
        m(&rustls_c),
        ratio(&ours_s, &ossl_s),
        ratio(&ours_c, &ossl_c),
        ratio(&ours_s, &rustls_s),
        ratio(&ours_c, &rustls_c)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("idle-server") {
        return idle::serve(&args[2], args[3].parse().expect("a connection count"));
    }
    if args.get(1).map(String::as_str) == Some("profile-echo") {
        let n = args[3].parse().expect("a round-trip count");
        let (cpu, _) = match args[2].as_str() {
            "ours" => blocking::echo(Stack::Ours, n),
            "rustls" => blocking::echo(Stack::Rustls, n),
            "tcp" => blocking::echo(Stack::Tcp, n),
            "openssl" => blocking::echo(Stack::Openssl, n),
            "async-ours" => async_echo::echo(async_echo::Stack::Ours, n),
            "async-rustls" => async_echo::echo(async_echo::Stack::TokioRustls, n),
            "async-tcp" => async_echo::echo(async_echo::Stack::Tcp, n),
            other => panic!("no stack {other}"),
        };
        println!("{cpu:.1} µs of CPU per round trip");
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let rounds = common::rounds(&args, if quick { 2 } else { 11 });
    let only = common::flag_value(&args, "--only");
    let selected = |id: &str| only.as_deref().is_none_or(|o| id.contains(o));
    let conns = common::flag_value(&args, "--idle")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 200 } else { 5000 });
    println!(
        "anchors: sslsocket against rustls 0.23 (aws-lc-rs), tokio-openssl, plain TCP and \
         openssl speed; {rounds} rounds, interleaved{}",
        if quick {
            " (quick: judges nothing)"
        } else {
            ""
        }
    );
    if selected("echo") {
        echo(rounds, if quick { 2000 } else { 20_000 });
    }
    if selected("echo_async") {
        echo_async(rounds, if quick { 2000 } else { 20_000 });
    }
    if selected("bulk") {
        bulk(
            rounds,
            if quick { 32 << 20 } else { 256 << 20 },
            if quick { 1 } else { 2 },
        );
    }
    if selected("idle") {
        // Each round makes 3 × n handshakes: fewer rounds.
        idle(if quick { 1 } else { rounds.min(3) }, conns);
    }
}
