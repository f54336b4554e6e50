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
//!
//! `--nginx PATH` adds nginx (that binary, as Debian packages it) as a third
//! server and measures every `s_time` case (full and resumed, TLS 1.2 and
//! 1.3, 1, 2 and 4 clients) by the servers' CPU per connection (user and
//! system time of the server's processes and threads, from `/proc`), with
//! the RSA-2048 chain of `certs/rsa/` and `s_time -www /` (the clients
//! fetch a page, so TLS 1.3 clients read their tickets and resume): the
//! example with `--www`, `openssl s_server -www`, and nginx with 2 workers,
//! session tickets on, no access log and a 2-byte answer, bound to
//! 127.0.0.1 only, run in the foreground from a prefix directory of its own
//! under the system's temporary directory, and stopped after each run.
//! With it comes a fourth server, the `tokio_server` example (one
//! current-thread tokio runtime per core, as nginx runs an event loop per
//! worker; built with `--features tokio`), answering as nginx is
//! configured (`--www --www-body ok`: a 2-byte page), and
//! `--servers example,tokio,openssl,nginx` measures only those named
//! (ratios need the example, or the tokio server, and nginx).
//! `scripts/bench-anchors.sh` runs this mode.

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/common/pki.rs"]
mod pki;

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

/// `--nginx PATH`: the nginx binary, and with it the RSA chain and `-www`.
static NGINX: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

fn nginx() -> Option<&'static str> {
    NGINX.get().and_then(|n| n.as_deref())
}

fn cert(name: &str) -> String {
    if nginx().is_some() {
        pki::cert_arg(&format!("rsa/{name}"))
    } else {
        pki::cert_arg(name)
    }
}

/// `target/release/examples/NAME`, built if need be (with `features`).
fn example_server(name: &str, features: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().expect("the benchmark's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/release/deps");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "--release", "--example", name]);
    for f in features {
        build.args(["--features", f]);
    }
    let built = build
        .current_dir(root())
        .status()
        .expect("running cargo build");
    assert!(built.success(), "building the {name} example");
    dir.join("examples").join(name)
}

/// A free loopback port (bound and let go: `openssl s_server -quiet`
/// prints no port of its own).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A server process, killed on drop (nginx is asked to stop, so that its
/// master stops its workers, and its prefix directory is removed).
struct Server {
    child: Child,
    port: u16,
    prefix: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(prefix) = self.prefix.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(prefix);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Example,
    OpenSsl,
    Nginx,
    /// The `tokio_server` example: an event loop per core.
    Tokio,
}

impl Which {
    /// The name `--servers` takes.
    fn flag(self) -> &'static str {
        match self {
            Which::Example => "example",
            Which::OpenSsl => "openssl",
            Which::Nginx => "nginx",
            Which::Tokio => "tokio",
        }
    }

    /// The name printed with its figures.
    fn label(self) -> &'static str {
        match self {
            Which::Example => "s_server example",
            Which::OpenSsl => "openssl s_server",
            Which::Nginx => "nginx",
            Which::Tokio => "tokio_server example",
        }
    }
}

/// The examples' binaries.
struct Binaries {
    example: PathBuf,
    tokio: Option<PathBuf>,
}

/// nginx's configuration: 2 workers, tickets on, no access log, a 2-byte
/// answer, TLS 1.2 and 1.3, 127.0.0.1 only, everything under `prefix`.
fn nginx_conf(prefix: &Path, port: u16) -> String {
    let p = prefix.display();
    let temps: String = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .iter()
        .map(|t| format!("    {t}_temp_path {p}/{t};\n"))
        .collect();
    format!(
        "worker_processes 2;\ndaemon off;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n    access_log off;\n{temps}    server {{\n\
         \x20       listen 127.0.0.1:{port} ssl;\n\
         \x20       ssl_certificate {};\n        ssl_certificate_key {};\n\
         \x20       ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_session_tickets on;\n\
         \x20       location / {{ return 200 \"ok\"; }}\n    }}\n}}\n",
        cert("server-chain.pem"),
        cert("server.key")
    )
}

fn start(which: Which, bins: &Binaries) -> Server {
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let www = nginx().is_some();
    let mut prefix = None;
    let mut cmd = match which {
        Which::Example | Which::Tokio => {
            let exe = match which {
                Which::Tokio => bins.tokio.as_ref().expect("the tokio_server example"),
                _ => &bins.example,
            };
            let mut c = Command::new(exe);
            c.args(["--accept", &accept, "--quiet"])
                .args(["--cert", &cert("server-chain.pem")])
                .args(["--key", &cert("server.key")]);
            if www {
                c.arg("--www");
            }
            if www && which == Which::Tokio {
                // nginx's answer: a 2-byte page, nothing built per request.
                c.args(["--www-body", "ok"]);
            }
            c
        }
        Which::OpenSsl => {
            let mut c = Command::new("openssl");
            c.args(["s_server", "-accept", &accept, "-quiet"])
                .args(["-cert", &cert("server.pem")])
                .args(["-cert_chain", &cert("intermediate.pem")])
                .args(["-key", &cert("server.key")])
                .args(["-no-CAfile", "-no-CApath", "-no-CAstore"]);
            if www {
                c.arg("-www");
            }
            c
        }
        Which::Nginx => {
            let dir = std::env::temp_dir().join(format!("sslsocket-nginx-{port}"));
            std::fs::create_dir_all(&dir).expect("nginx's prefix directory");
            let conf = dir.join("nginx.conf");
            std::fs::write(&conf, nginx_conf(&dir, port)).expect("nginx.conf");
            let mut c = Command::new(nginx().expect("--nginx"));
            c.arg("-p").arg(&dir).arg("-c").arg(&conf);
            c.arg("-e").arg(dir.join("error.log"));
            prefix = Some(dir);
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
    Server {
        child,
        port,
        prefix,
    }
}

/// Seconds of CPU (user and system, all threads) that process `pid` and
/// its children (nginx's workers) have used, from `/proc` (in USER_HZ,
/// 100 per second).
fn server_cpu(pid: u32) -> f64 {
    // The fields after the command's closing parenthesis: state is the
    // first, ppid the second, utime the 12th, stime the 13th.
    let fields = |stat: &str| -> Vec<u64> {
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        rest.split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect()
    };
    let mut ticks = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let f = fields(&stat);
        let me = entry.file_name().to_str() == Some(&pid.to_string());
        if f.len() > 12 && (me || f[1] == u64::from(pid)) {
            ticks += f[11] + f[12];
        }
    }
    ticks as f64 / 100.0
}

/// One `s_time` case: resumed or full, TLS 1.3 or 1.2.
#[derive(Clone, Copy)]
struct Case {
    resumed: bool,
    tls13: bool,
}

impl Case {
    fn id(self) -> String {
        let kind = if self.resumed { "resumed" } else { "full" };
        format!("{kind}{}", if self.tls13 { "13" } else { "12" })
    }

    fn what(self) -> String {
        let kind = if self.resumed { "resumed" } else { "full" };
        format!("{kind} TLS 1.{}", if self.tls13 { 3 } else { 2 })
    }
}

/// Connections made by `clients` `openssl s_time` processes at once in
/// `secs` seconds (`-new` or `-reuse`; with `--nginx`, `-www /`).
fn s_time(port: u16, clients: usize, secs: u64, case: Case) -> u64 {
    let connect = format!("127.0.0.1:{port}");
    let time = secs.to_string();
    let procs: Vec<Child> = (0..clients)
        .map(|_| {
            let mut c = Command::new("openssl");
            c.args(["s_time", "-connect", &connect, "-time", &time]);
            c.arg(if case.resumed { "-reuse" } else { "-new" });
            c.arg(if case.tls13 { "-tls1_3" } else { "-tls1_2" });
            if nginx().is_some() {
                c.args(["-www", "/"]);
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
        // One character per connection: `r` for a resumed session.
        let reused: usize = out
            .lines()
            .filter(|l| !l.contains(' '))
            .map(|l| l.matches('r').count())
            .sum();
        assert!(
            !case.resumed || reused as u64 * 10 >= n * 9,
            "{} of {n} connections resumed",
            reused
        );
        total += n;
    }
    total
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
fn many_connections(bins: &Binaries, n: usize, secs: u64) {
    let server = start(Which::Example, bins);
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
        common::median(&l),
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
    let _ = NGINX.set(common::flag_value(&args, "--nginx"));
    let (all, cases): (&[Which], Vec<Case>) = match nginx() {
        None => (
            &[Which::Example, Which::OpenSsl],
            vec![
                Case {
                    resumed: false,
                    tls13: true,
                },
                Case {
                    resumed: true,
                    tls13: false,
                },
            ],
        ),
        Some(_) => (
            &[Which::Example, Which::OpenSsl, Which::Nginx, Which::Tokio],
            [(false, true), (true, true), (false, false), (true, false)]
                .into_iter()
                .map(|(resumed, tls13)| Case { resumed, tls13 })
                .collect(),
        ),
    };
    let named = common::flag_value(&args, "--servers");
    let servers: Vec<Which> = all
        .iter()
        .copied()
        .filter(|w| {
            named
                .as_deref()
                .is_none_or(|n| n.split(',').any(|x| x == w.flag()))
        })
        .collect();
    let bins = Binaries {
        example: example_server("s_server", &[]),
        tokio: servers
            .contains(&Which::Tokio)
            .then(|| example_server("tokio_server", &["tokio"])),
    };
    println!(
        "{}, openssl s_time clients, {rounds} rounds of {secs} s, back to back{}",
        servers
            .iter()
            .map(|w| w.label())
            .collect::<Vec<_>>()
            .join(" against "),
        if quick {
            " (quick: judges nothing)"
        } else {
            ""
        }
    );
    if nginx().is_some() && servers.contains(&Which::Tokio) {
        println!(
            "(the tokio_server example answers as nginx is configured: `--www --www-body ok`, \
             a 2-byte page)"
        );
    }
    let at = |w: Which| servers.iter().position(|s| *s == w);
    for &case in &cases {
        for clients in [1usize, 2, 4] {
            let id = format!("{}_{clients}", case.id());
            if !selected(&id) {
                continue;
            }
            // Per server (in `servers`' order), each round's handshakes/s
            // and server CPU per connection (µs).
            let mut rate = vec![Vec::new(); servers.len()];
            let mut cpu = vec![Vec::new(); servers.len()];
            for round in 0..rounds {
                let mut order = servers.to_vec();
                order.rotate_left(round % servers.len());
                for which in order {
                    let i = at(which).unwrap();
                    let server = start(which, &bins);
                    let before = server_cpu(server.child.id());
                    let n = s_time(server.port, clients, secs, case);
                    let used = server_cpu(server.child.id()) - before;
                    rate[i].push(n as f64 / secs as f64);
                    cpu[i].push(used * 1e6 / n.max(1) as f64);
                }
            }
            // The median of the per-round ratios of `a` to `b`.
            let ratio = |v: &[Vec<f64>], a: usize, b: usize| {
                common::median(
                    &v[a]
                        .iter()
                        .zip(&v[b])
                        .map(|(a, b)| a / b)
                        .collect::<Vec<_>>(),
                )
            };
            let med = common::median;
            let (example, openssl) = (at(Which::Example), at(Which::OpenSsl));
            if let (Some(e), Some(o)) = (example, openssl) {
                println!(
                    "[{id}] {} handshakes/s, {clients} s_time client(s): s_server example {:.0}, \
                     openssl s_server {:.0}, ratio {:.3}",
                    case.what(),
                    med(&rate[e]),
                    med(&rate[o]),
                    ratio(&rate, e, o)
                );
            }
            let figures: Vec<String> = servers
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    format!(
                        "{} {:.0} µs ({:.0}/s)",
                        w.label(),
                        med(&cpu[i]),
                        med(&rate[i])
                    )
                })
                .collect();
            print!(
                "[{id}_cpu] {} server CPU per connection: {}",
                case.what(),
                figures.join(", ")
            );
            if let (Some(e), Some(o)) = (example, openssl) {
                print!("; example to openssl s_server {:.2}", ratio(&cpu, e, o));
            }
            if let Some(n) = at(Which::Nginx) {
                for w in [Which::Example, Which::Tokio] {
                    if let Some(i) = at(w) {
                        print!(
                            "; {} to nginx {:.2} (throughput {:.2})",
                            w.flag(),
                            ratio(&cpu, i, n),
                            ratio(&rate, i, n)
                        );
                    }
                }
            }
            println!();
        }
    }
    if selected("many") && nginx().is_none() && at(Which::Example).is_some() {
        let n = if quick { 100 } else { 1000 };
        many_connections(&bins, n, if quick { 2 } else { 5 });
    }
}
