//! The `s_server` example as an event-loop server, as nginx is built: a
//! few worker threads (`--workers`, default one per core), each running a
//! current-thread tokio runtime with a listener of its own on the same
//! address (`SO_REUSEPORT`: the kernel spreads the connections over them),
//! and every connection a task on `sslsocket::tokio`. A worker waits for
//! all its connections at once in one `epoll_wait`, so a handshake that
//! waits for the client's next flight costs no thread switch of its own.
//!
//! It prints `{"event":"listening","addr":…}` once bound, then, unless
//! `--quiet`, a `handshake` event for every connection (failures
//! included), a `received` event for each line, which it echoes back, and
//! `closed` or `error` at the end. With `--www` it answers an HTTP `GET`
//! line as `openssl s_server -www` does: `HTTP/1.0 200 ok`, the handshake
//! event as the page, close_notify, close; `--www-body TEXT` makes the page
//! `TEXT` instead (the nginx comparison answers `ok`, as nginx is configured
//! there: no page built per request).
//!
//! Usage: cargo run --release --features tokio --example tokio_server --
//! --accept ADDR:PORT --cert F --key F [--www [--www-body TEXT]] [--quiet] [--workers N]
//! [--tls1_2|--tls1_3] [--handshake-timeout SECS]
//!
//! ```text
//! cargo run --release --features tokio --example tokio_server -- --accept 127.0.0.1:4433 \
//!     --cert certs/server-chain.pem --key certs/server.key --www --quiet
//! openssl s_time -connect 127.0.0.1:4433 -new -www /
//! ```
//!
//! `unwrap()` and `expect()` are used for brevity; they are not sensible
//! outside example code.

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use common::{Args, Event, Lines};
use sslsocket::tokio::SslSocket;
use sslsocket::{SslConfig, TlsVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

const USAGE: &str = "\
usage: tokio_server --accept ADDR:PORT --cert F --key F [--www [--www-body TEXT]] [--quiet]
                    [--workers N] [--tls1_2|--tls1_3] [--handshake-timeout SECS]

  --accept ADDR:PORT    address to listen on (port 0: a free port, printed first)
  --cert F --key F      server certificate (F may hold the chain: leaf first) and its key
  --www                 answer an HTTP GET line with HTTP/1.0 200 ok and the handshake
                        event as the page, then close (as openssl s_server -www)
  --www-body TEXT       with --www, TEXT as the page instead of the handshake event
  --quiet               print no per-connection events (as openssl s_server -quiet)
  --workers N           threads, each an event loop with a listener of its own
                        (default one per core)
  --tls1_2, --tls1_3    allow only this protocol version
  --handshake-timeout SECS
                        time limit for each whole handshake (default 30)";

struct Options {
    accept: String,
    cert: String,
    key: String,
    /// `--www`, with the whole answer when the page is fixed (`--www-body`).
    www: Option<Option<&'static str>>,
    workers: usize,
    version: Option<TlsVersion>,
    handshake_timeout: Duration,
}

fn parse_args() -> Options {
    let mut args = Args::new(USAGE);
    let (mut accept, mut cert, mut key, mut www, mut version) = (None, None, None, false, None);
    let mut www_body = None;
    let mut workers = thread::available_parallelism().map_or(1, |n| n.get());
    let mut handshake_timeout = Duration::from_secs(30);
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--accept" => accept = Some(args.value(&flag)),
            "--cert" => cert = Some(args.value(&flag)),
            "--key" => key = Some(args.value(&flag)),
            "--www" => www = true,
            "--www-body" => www_body = Some(&*args.value(&flag).leak()),
            "--quiet" => common::QUIET.store(true, Ordering::Relaxed),
            "--workers" => {
                let v = args.value(&flag);
                workers = match v.parse::<usize>() {
                    Ok(n) if n > 0 => n,
                    _ => args.error(&format!(
                        "--workers takes a number of at least 1, not {v:?}"
                    )),
                };
            }
            "--tls1_2" | "--tls1_3" => {
                if version.is_some() {
                    args.error("give at most one of --tls1_2 and --tls1_3");
                }
                version = Some(if flag == "--tls1_2" {
                    TlsVersion::Tls1_2
                } else {
                    TlsVersion::Tls1_3
                });
            }
            "--handshake-timeout" => {
                let v = args.value(&flag);
                handshake_timeout = match v.parse::<f64>() {
                    Ok(s) if s > 0.0 && s.is_finite() => Duration::from_secs_f64(s),
                    _ => args.error(&format!(
                        "--handshake-timeout takes a positive number of seconds, not {v:?}"
                    )),
                };
            }
            other => args.error(&format!("unknown argument {other:?}")),
        }
    }
    let (Some(accept), Some(cert), Some(key)) = (accept, cert, key) else {
        args.error("--accept, --cert and --key are required");
    };
    if www_body.is_some() && !www {
        args.error("--www-body needs --www");
    }
    let Ok(accept) = accept.parse::<SocketAddr>() else {
        args.error(&format!("--accept needs IP:PORT, got {accept:?}"));
    };
    Options {
        accept: accept.to_string(),
        cert,
        key,
        www: www.then(|| www_body.map(|b| &*common::www_answer_text(b).leak())),
        workers,
        version,
        handshake_timeout,
    }
}

/// Connections numbered as they are accepted, over all workers.
static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

fn main() {
    let o = parse_args();
    let mut b = SslConfig::server();
    b.set_certificate_file(&o.cert)
        .set_private_key_file(&o.key)
        .set_handshake_timeout(Some(o.handshake_timeout));
    if let Some(v) = o.version {
        b.set_version(v);
    }
    common::keylog_from_env(&mut b);
    let config = b
        .build()
        .unwrap_or_else(|e| common::fatal("tokio_server", &e));
    common::warnings(&config);

    // A runtime per worker, each with its listener (made inside it); the
    // first listener picks the port (when 0 is asked for), the others bind
    // the same one.
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let mut workers = Vec::new();
    let mut addr: SocketAddr = o.accept.parse().unwrap();
    for _ in 0..o.workers {
        let rt = runtime();
        let listener = {
            let _inside = rt.enter();
            reuseport_listener(addr)
        };
        addr = listener.local_addr().unwrap();
        workers.push((rt, listener));
    }
    Event::new("listening")
        .str("addr", &addr.to_string())
        .emit();

    let workers: Vec<_> = workers
        .into_iter()
        .map(|(rt, listener)| {
            let (config, www) = (config.clone(), o.www);
            thread::spawn(move || {
                rt.block_on(async move {
                    tokio::spawn(tick());
                    loop {
                        match listener.accept().await {
                            Ok((tcp, peer)) => {
                                let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
                                tokio::spawn(serve(config.clone(), www, tcp, conn, peer));
                            }
                            Err(e) => {
                                // Out of file descriptors, say: wait a little.
                                Event::new("error").str("error", &e.to_string()).emit();
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                        }
                    }
                })
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

/// A timer always pending in the worker, a tick a second. Tokio wakes its
/// own event loop (a write to an eventfd, and one more `epoll_wait`)
/// whenever a timer is set while none is pending; each handshake sets its
/// deadline's timer the first time it waits, so a worker whose connections
/// come one at a time would pay that for each.
async fn tick() {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
    }
}

/// A listener on `addr` with `SO_REUSEPORT`, registered with the runtime
/// entered.
fn reuseport_listener(addr: SocketAddr) -> TcpListener {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .unwrap();
    socket.set_reuseport(true).unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(addr).unwrap_or_else(|e| {
        eprintln!("tokio_server: binding {addr}: {e}");
        std::process::exit(1)
    });
    socket.listen(1024).unwrap()
}

/// Handshake, then echo lines until the client closes (or, with `--www`,
/// answer a GET).
async fn serve(
    config: SslConfig,
    www: Option<Option<&'static str>>,
    tcp: TcpStream,
    conn: u64,
    peer: SocketAddr,
) {
    let event = |name: &str| {
        Event::new(name)
            .raw("conn", conn)
            .str("peer", &peer.to_string())
    };
    let quiet = common::QUIET.load(Ordering::Relaxed);
    let mut tls = match SslSocket::accept(&config, tcp).await {
        Ok(tls) => tls,
        Err(e) => {
            if !quiet {
                common::handshake_failed(event("handshake"), config.get_verify_mode(), &e).emit();
            }
            return;
        }
    };
    if !quiet {
        common::handshake_ok!(event("handshake"), &tls).emit();
    }
    if let Some(fixed) = www {
        let answer = match fixed {
            Some(fixed) => std::borrow::Cow::Borrowed(fixed),
            None => common::www_answer(common::handshake_ok!(event("handshake"), &tls)).into(),
        };
        answer_get(&mut tls, &answer).await;
        return;
    }
    let mut lines = Lines::default();
    // On the heap: a buffer held across an await is part of the task, which
    // tokio copies when it spawns it (16 KiB per connection, every time).
    let mut buf = vec![0u8; 16 * 1024];
    let end = 'read: loop {
        match tls.read(&mut buf).await {
            Ok(0) => break Ok(()),
            Ok(n) => {
                lines.push(&buf[..n]);
                while let Some(line) = lines.next_line() {
                    common::received(event("received"), &line).emit();
                    if let Err(e) = tls.write_all(&line).await {
                        break 'read Err(e);
                    }
                }
            }
            Err(e) => break Err(e),
        }
    };
    if let Some(rest) = lines.take_rest() {
        common::received(event("received"), &rest).emit();
    }
    match end {
        Ok(()) => {
            // The client's close_notify came: answer it.
            let _ = tls.shutdown().await;
            event("closed").emit();
        }
        Err(e) => event("error").str("error", &e.to_string()).emit(),
    }
}

/// `--www`: reads lines until one starts with `GET ` (at most 16 KiB), then
/// answers as `openssl s_server -www` does, with `answer`, sends
/// close_notify and closes.
async fn answer_get(tls: &mut SslSocket, answer: &str) {
    let mut request = common::WwwRequest::default();
    // Small: it is part of the task (a request line fits; more takes reads).
    let mut buf = [0u8; 512];
    let got_get = loop {
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => break false,
            Ok(n) => {
                if let Some(got) = request.push(&buf[..n]) {
                    break got;
                }
            }
        }
    };
    if got_get && tls.write_all(answer.as_bytes()).await.is_err() {
        return;
    }
    let _ = tls.shutdown().await;
}
