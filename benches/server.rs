//! `cargo bench --bench server`: the `s_server` example against
//! `openssl s_server`, as a user would compare them: `openssl s_time`
//! clients making full TLS 1.3 and resumed TLS 1.2 handshakes, 1, 2 and 4
//! of them at once, each figure round by round with the two servers back to
//! back (which goes first alternates); and the example holding 1,000 open
//! connections that each send a line a second: its threads, its RSS and
//! the echo latency meanwhile (`openssl s_server` serves one connection at
//! a time, so it has no such figure).
//!
//! Both servers present the same ECDSA P-256 chain; the example runs with
//! `--quiet` as `openssl s_server` does. The example is built in release
//! mode first (`cargo build --release --example s_server`).
//!
//! Flags: `--quick` (one short round, judges nothing), `--rounds N`,
//! `--only ID` (the figures whose id contains ID).

#[path = "common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sslsocket::{SslConfig, SslSocket};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cert(name: &str) -> String {
    root().join("certs").join(name).display().to_string()
}

/// `target/release/examples/s_server`, built if need be.
fn example_server() -> PathBuf {
    let exe = std::env::current_exe().expect("the benchmark's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/release/deps");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--release", "--example", "s_server"])
        .current_dir(root())
        .status()
        .expect("running cargo build");
    assert!(built.success(), "building the s_server example");
    dir.join("examples").join("s_server")
}

/// A free loopback port (bound and let go: `openssl s_server -quiet`
/// prints no port of its own).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A server process, killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Example,
    OpenSsl,
}

fn start(which: Which, example: &Path) -> Server {
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let mut cmd = match which {
        Which::Example => {
            let mut c = Command::new(example);
            c.args(["--accept", &accept, "--quiet"])
                .args(["--cert", &cert("server-chain.pem")])
                .args(["--key", &cert("server.key")]);
            c
        }
        Which::OpenSsl => {
            let mut c = Command::new("openssl");
            c.args(["s_server", "-accept", &accept, "-quiet"])
                .args(["-cert", &cert("server.pem")])
                .args(["-cert_chain", &cert("intermediate.pem")])
                .args(["-key", &cert("server.key")])
                .args(["-no-CAfile", "-no-CApath", "-no-CAstore"]);
            c
        }
    };
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting a server");
    // Wait until it accepts.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{which:?} did not start");
        thread::sleep(Duration::from_millis(20));
    }
    Server { child, port }
}

/// Handshakes per second of `clients` `openssl s_time` processes at once
/// for `secs` seconds: `-new` full TLS 1.3, or `-reuse -tls1_2`.
fn s_time(port: u16, clients: usize, secs: u64, resumed: bool) -> f64 {
    let connect = format!("127.0.0.1:{port}");
    let time = secs.to_string();
    let procs: Vec<Child> = (0..clients)
        .map(|_| {
            let mut c = Command::new("openssl");
            c.args(["s_time", "-connect", &connect, "-time", &time]);
            if resumed {
                c.args(["-reuse", "-tls1_2"]);
            } else {
                c.args(["-new", "-tls1_3"]);
            }
            c.stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting openssl s_time")
        })
        .collect();
    let mut total = 0u64;
    for mut p in procs {
        let mut out = String::new();
        p.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        let _ = p.wait();
        // "N connections in T real seconds, ..." (the last such line).
        let n = out
            .lines()
            .rev()
            .filter(|l| l.contains("real seconds"))
            .find_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no count in s_time's output:\n{out}"));
        total += n;
    }
    total as f64 / secs as f64
}

/// `Threads` and `VmRSS` (KiB) of process `pid`.
fn threads_and_rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("Threads:"), field("VmRSS:"))
}

/// 1,000 connections open at once, each sending a line a second for
/// `secs` seconds: the example's threads and RSS while they are open, and
/// the echo latency (median and 99th percentile, ms).
fn many_connections(example: &Path, n: usize, secs: u64) {
    let server = start(Which::Example, example);
    let mut b = SslConfig::client();
    b.set_ca_file(cert("ca.pem"))
        .set_read_timeout(Some(Duration::from_secs(10)));
    let config = b.build().expect("client configuration");
    let addr = format!("localhost:{}", server.port);
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let opened = Arc::new(Barrier::new(n + 1));
    let clients: Vec<_> = (0..n)
        .map(|i| {
            let (config, addr) = (config.clone(), addr.clone());
            let (latencies, opened) = (Arc::clone(&latencies), Arc::clone(&opened));
            thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    let tls = SslSocket::connect(&config, &addr).expect("connect");
                    opened.wait();
                    let mut tls = BufReader::new(tls);
                    let mut line = String::new();
                    // Spread the connections over the second.
                    thread::sleep(Duration::from_millis((i % 1000) as u64));
                    for _ in 0..secs {
                        let sent = Instant::now();
                        tls.get_mut().write_all(b"ping\n").expect("send");
                        line.clear();
                        tls.read_line(&mut line).expect("echo");
                        let ms = sent.elapsed().as_secs_f64() * 1e3;
                        latencies.lock().unwrap().push(ms);
                        thread::sleep(Duration::from_secs(1).saturating_sub(sent.elapsed()));
                    }
                })
                .expect("a client thread")
        })
        .collect();
    opened.wait();
    thread::sleep(Duration::from_millis(1500));
    let (threads, rss) = threads_and_rss(server.child.id());
    for c in clients {
        c.join().expect("a client");
    }
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(|a, b| a.total_cmp(b));
    let p99 = l[(l.len() * 99 / 100).min(l.len() - 1)];
    println!(
        "[many] {n} connections open, a line a second each: s_server threads {threads}, \
         RSS {:.1} MiB ({:.1} KiB per connection), echo latency median {:.2} ms, p99 {:.2} ms",
        rss as f64 / 1024.0,
        rss as f64 / n as f64,
        common::median(l.clone()),
        p99
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let rounds = common::rounds(&args, if quick { 1 } else { 5 });
    let only = common::flag_value(&args, "--only");
    let selected = |id: &str| only.as_deref().is_none_or(|o| id.contains(o));
    let secs = if quick { 1 } else { 3 };
    let example = example_server();
    println!(
        "s_server example against openssl s_server, openssl s_time clients, {rounds} rounds of \
         {secs} s, back to back{}",
        if quick {
            " (quick: judges nothing)"
        } else {
            ""
        }
    );
    for (resumed, what) in [(false, "full TLS 1.3"), (true, "resumed TLS 1.2")] {
        for clients in [1usize, 2, 4] {
            let id = format!("{}_{clients}", if resumed { "resumed12" } else { "full13" });
            if !selected(&id) {
                continue;
            }
            let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                let order = if round % 2 == 0 {
                    [Which::Example, Which::OpenSsl]
                } else {
                    [Which::OpenSsl, Which::Example]
                };
                let mut pair = [0.0; 2];
                for which in order {
                    let server = start(which, &example);
                    let rate = s_time(server.port, clients, secs, resumed);
                    pair[(which == Which::OpenSsl) as usize] = rate;
                }
                ours.push(pair[0]);
                theirs.push(pair[1]);
                ratios.push(pair[0] / pair[1]);
            }
            println!(
                "[{id}] {what} handshakes/s, {clients} s_time client(s): s_server example {:.0}, \
                 openssl s_server {:.0}, ratio {:.3}",
                common::median(ours),
                common::median(theirs),
                common::median(ratios)
            );
        }
    }
    if selected("many") {
        let n = if quick { 100 } else { 1000 };
        many_connections(&example, n, if quick { 2 } else { 5 });
    }
}
