//! A small look-alike of `openssl s_server`, for trying `sslsocket` against
//! any TLS client: an echo server that prints what happens as JSON.
//!
//! It prints a `warning` event for each likely mistake in the settings
//! (`SslConfig::warnings`: `--verify-mode 2`, Python's `CERT_REQUIRED`,
//! which to OpenSSL asks for no certificate; `--ca-file` with mode 0),
//! then `{"event":"listening","addr":…}` once bound (use port 0 for a
//! free one), then for every connection a `handshake` event (failures
//! included: the server keeps serving), a `received` event for each line,
//! which it echoes back, and `closed` or `error` at the end. Each
//! connection's events carry `conn` (a number) and `peer` (its address).
//! `--once` exits after the first connection. With `--www` it answers an
//! HTTP `GET` line as `openssl s_server -www` does: `HTTP/1.0 200 ok`, the
//! handshake event as the page, close_notify, close.
//!
//! Connections are served by a pool of worker threads that accept on one
//! listener (`--workers`, default four per core): no thread is made per
//! connection while a worker is free, and when every worker is busy (slow
//! or long-lived clients) the pool grows, up to `--max-connections`
//! connections at once; past that, a new connection is closed at once with
//! a `refused` event. Extra workers leave once idle again.
//!
//! `--verify-mode` takes OpenSSL's integer, or names such as
//! `PEER|FAIL_IF_NO_PEER_CERT`. On a server: `0` asks for no client
//! certificate (the default), `1` asks and rejects one that does not verify
//! but accepts a client without one, `3` requires one, `5` asks once per
//! connection, `9` asks only after the handshake in TLS 1.3 (and, in TLS 1.2,
//! is the same as `1`). `--ca-file` names the CAs client certificates must
//! chain to; their names are sent in the CertificateRequest.
//! `--verify-ca-file` trusts them without naming them (a CertificateRequest
//! with no CA names), as `openssl s_server -verifyCAfile` does.
//!
//! As `openssl s_server` does, it turns on OpenSSL's automatic DHE
//! parameters (`set_dh_auto`), so that TLS 1.2 clients offering only DHE
//! suites are served (the crate's default, as OpenSSL's, is no DHE);
//! `--dhparam F` uses the PEM DH parameters of F instead, `--no-dhe`
//! neither (as `-dhparam` and `-no_dhe`). Unlike `openssl s_server`, it
//! does not look for DH parameters in the `--cert` file.
//!
//! With `SSLKEYLOGFILE` set, the TLS secrets of every connection are
//! appended to that file for Wireshark, as curl and Python do.
//!
//! Usage: cargo run --example s_server -- --accept ADDR:PORT --cert F --key F
//! [--ca-file F|--verify-ca-file F] [--verify-mode N] [--dhparam F|--no-dhe]
//! [--tls1_2|--tls1_3] [--cipher LIST] [--once] [--www] [--quiet]
//! [--handshake-timeout SECS] [--read-timeout SECS] [--workers N]
//! [--max-connections N] [--request-cert-after-handshake]
//!
//! For example, a server that requires a client certificate:
//!
//! ```text
//! cargo run --example s_server -- --accept 127.0.0.1:0 --cert certs/server-chain.pem \
//!     --key certs/server.key --ca-file certs/ca.pem --verify-mode 3
//! ```
//!
//! `unwrap()` and `expect()` are used for brevity; they are not sensible
//! outside example code.

#[path = "common/mod.rs"]
mod common;

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Args, Event, Lines};
use sslsocket::{Error, SslConfig, SslListener, SslSocket, TlsVersion, VerifyMode};

const USAGE: &str = "\
usage: s_server --accept ADDR:PORT --cert F --key F [--ca-file F|--verify-ca-file F]
                [--verify-mode N] [--dhparam F|--no-dhe] [--tls1_2|--tls1_3]
                [--cipher LIST] [--once] [--www] [--quiet] [--handshake-timeout SECS]
                [--read-timeout SECS] [--workers N] [--max-connections N]
                [--request-cert-after-handshake]

  --accept ADDR:PORT    address to listen on (port 0: a free port, printed first)
  --cert F --key F      server certificate (F may hold the chain: leaf first) and its key
  --ca-file F           trust client certificates that chain to the CAs in F, and
                        name those CAs in the CertificateRequest
  --verify-ca-file F    trust them without naming them: the CertificateRequest
                        carries no CA names (as openssl s_server -verifyCAfile)
  --verify-mode N       OpenSSL's SSL_VERIFY_* integer or names (default 0, NONE):
                        0 no request, 1 PEER, 3 PEER|FAIL_IF_NO_PEER_CERT (required),
                        5 PEER|CLIENT_ONCE, 9 PEER|POST_HANDSHAKE
  --dhparam F           TLS 1.2 DHE suites with the PEM DH parameters in F (default:
                        OpenSSL's automatic parameters, as openssl s_server)
  --no-dhe              no DHE suites (the library's default)
  --tls1_2, --tls1_3    allow only this protocol version
  --cipher LIST         the TLS 1.2 cipher list, in OpenSSL's syntax (as openssl
                        s_server -cipher), e.g. DEFAULT:@SECLEVEL=0
  --once                exit after the first connection
  --quiet               print no per-connection events (as openssl s_server -quiet)
  --www                 answer an HTTP GET line with HTTP/1.0 200 ok and the handshake
                        event as the page, then close (as openssl s_server -www)
  --handshake-timeout SECS
                        time limit for each whole handshake (default 30)
  --read-timeout SECS   time limit for each read after the handshake (default none)
  --workers N           threads accepting and serving (default four per core)
  --max-connections N   connections served at once (default 1024); more are closed
                        at once, with a refused event
  --request-cert-after-handshake
                        ask each client for its certificate right after the
                        handshake (TLS 1.3 post-handshake auth, TLS 1.2
                        renegotiation); a mode without PEER gets PEER added";

/// Where the DHE parameters come from.
enum Dhe {
    Auto,
    File(String),
    Off,
}

struct Options {
    accept: String,
    cert: String,
    key: String,
    ca_file: Option<String>,
    /// `--verify-ca-file`: the CA file is trusted without naming its CAs.
    verify_ca_only: bool,
    dhe: Dhe,
    verify_mode: Option<String>,
    version: Option<TlsVersion>,
    cipher_list: Option<String>,
    once: bool,
    www: bool,
    handshake_timeout: Duration,
    read_timeout: Option<Duration>,
    workers: usize,
    max_connections: usize,
    request_cert: bool,
}

fn parse_args() -> Options {
    let mut args = Args::new(USAGE);
    let (mut accept, mut cert, mut key) = (None, None, None);
    let (mut ca_file, mut verify_mode, mut version, mut once) = (None, None, None, false);
    let (mut request_cert, mut cipher_list) = (false, None);
    let (mut verify_ca_only, mut dhe) = (false, None);
    let (mut www, mut handshake_timeout, mut read_timeout) = (false, Duration::from_secs(30), None);
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let (mut workers, mut max_connections) = (4 * cores, 1024);
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--accept" => accept = Some(args.value(&flag)),
            "--cert" => cert = Some(args.value(&flag)),
            "--key" => key = Some(args.value(&flag)),
            "--ca-file" | "--verify-ca-file" => {
                if ca_file.is_some() {
                    args.error("give one of --ca-file and --verify-ca-file, once");
                }
                ca_file = Some(args.value(&flag));
                verify_ca_only = flag == "--verify-ca-file";
            }
            "--dhparam" | "--no-dhe" => {
                if dhe.is_some() {
                    args.error("give at most one of --dhparam and --no-dhe");
                }
                dhe = Some(match flag.as_str() {
                    "--dhparam" => Dhe::File(args.value(&flag)),
                    _ => Dhe::Off,
                });
            }
            "--verify-mode" => verify_mode = Some(args.value(&flag)),
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
            "--cipher" => cipher_list = Some(args.value(&flag)),
            "--once" => once = true,
            "--www" => www = true,
            "--quiet" => common::QUIET.store(true, Ordering::Relaxed),
            "--handshake-timeout" => handshake_timeout = seconds(&mut args, &flag),
            "--read-timeout" => read_timeout = Some(seconds(&mut args, &flag)),
            "--workers" => workers = count(&mut args, &flag),
            "--max-connections" => max_connections = count(&mut args, &flag),
            "--request-cert-after-handshake" => request_cert = true,
            other => args.error(&format!("unknown argument {other:?}")),
        }
    }
    let (Some(accept), Some(cert), Some(key)) = (accept, cert, key) else {
        args.error("--accept, --cert and --key are required");
    };
    if !accept.contains(':') {
        args.error(&format!("--accept needs ADDR:PORT, got {accept:?}"));
    }
    Options {
        accept,
        cert,
        key,
        ca_file,
        verify_ca_only,
        dhe: dhe.unwrap_or(Dhe::Auto),
        verify_mode,
        version,
        cipher_list,
        once,
        www,
        handshake_timeout,
        read_timeout,
        workers,
        max_connections: max_connections.max(workers),
        request_cert,
    }
}

/// A positive number of seconds (fractions allowed) after `flag`.
fn seconds(args: &mut Args, flag: &str) -> Duration {
    let v = args.value(flag);
    match v.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Duration::from_secs_f64(s),
        _ => args.error(&format!(
            "{flag} takes a positive number of seconds, not {v:?}"
        )),
    }
}

/// A count of at least one after `flag`.
fn count(args: &mut Args, flag: &str) -> usize {
    let v = args.value(flag);
    match v.parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => args.error(&format!("{flag} takes a number of at least 1, not {v:?}")),
    }
}

fn config(o: &Options) -> Result<SslConfig, Error> {
    let mut b = SslConfig::server();
    b.set_certificate_file(&o.cert).set_private_key_file(&o.key);
    if let Some(mode) = &o.verify_mode {
        b.set_verify_mode(mode.parse::<VerifyMode>()?)?;
    }
    if let Some(f) = &o.ca_file {
        b.set_ca_file(f).set_send_ca_names(!o.verify_ca_only);
    }
    match &o.dhe {
        Dhe::Auto => {
            b.set_dh_auto(true);
        }
        Dhe::File(f) => {
            b.load_dh_params(f);
        }
        Dhe::Off => {}
    }
    if let Some(v) = o.version {
        b.set_version(v);
    }
    if let Some(list) = &o.cipher_list {
        b.set_cipher_list(list);
    }
    b.set_handshake_timeout(Some(o.handshake_timeout))
        .set_read_timeout(o.read_timeout);
    common::keylog_from_env(&mut b);
    b.build()
}

/// What the workers share.
struct Pool {
    listener: SslListener,
    config: SslConfig,
    options: Options,
    /// Connections numbered as they are accepted.
    next_conn: AtomicU64,
    /// Workers waiting in accept.
    idle: AtomicUsize,
    /// Workers running, idle or not (each serves one connection at a time).
    running: AtomicUsize,
}

fn main() {
    let options = parse_args();
    let config = config(&options).unwrap_or_else(|e| common::fatal("s_server", &e));
    common::warnings(&config);
    let listener = SslListener::bind(options.accept.as_str(), &config)
        .unwrap_or_else(|e| common::fatal("s_server", &e));
    Event::new("listening")
        .str("addr", &listener.local_addr().unwrap().to_string())
        .emit();
    if options.once {
        let (tcp, peer) = listener
            .accept_tcp()
            .unwrap_or_else(|e| common::fatal("s_server", &e));
        let ok = serve(&config, &options, tcp, 1, peer);
        std::process::exit(if ok { 0 } else { 1 });
    }
    let pool = Arc::new(Pool {
        listener,
        config,
        next_conn: AtomicU64::new(1),
        idle: AtomicUsize::new(0),
        running: AtomicUsize::new(0),
        options,
    });
    for _ in 1..pool.options.workers {
        start_worker(&pool);
    }
    pool.running.fetch_add(1, Ordering::SeqCst);
    pool.idle.fetch_add(1, Ordering::SeqCst);
    work(&pool, true);
}

/// One more worker, counted as running and idle before it starts.
fn start_worker(pool: &Arc<Pool>) {
    pool.running.fetch_add(1, Ordering::SeqCst);
    pool.idle.fetch_add(1, Ordering::SeqCst);
    let pool = Arc::clone(pool);
    thread::spawn(move || work(&pool, false));
}

/// A worker: accepts a connection and serves it, again and again. The last
/// idle worker to accept starts another, so that someone always accepts,
/// up to `--max-connections` workers; an extra worker leaves once enough
/// others are idle. `permanent` is the main thread, which never leaves.
fn work(pool: &Arc<Pool>, permanent: bool) {
    loop {
        let accepted = pool.listener.accept_tcp();
        let was_idle = pool.idle.fetch_sub(1, Ordering::SeqCst);
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: wait a little before trying again.
                Event::new("error").str("error", &e.to_string()).emit();
                thread::sleep(Duration::from_millis(100));
                pool.idle.fetch_add(1, Ordering::SeqCst);
                continue;
            }
        };
        let conn = pool.next_conn.fetch_add(1, Ordering::SeqCst);
        if was_idle == 1 {
            if pool.running.load(Ordering::SeqCst) < pool.options.max_connections {
                start_worker(pool);
            } else if pool.idle.load(Ordering::SeqCst) == 0 {
                // Every worker is busy and there may be no more: this
                // connection would wait for one to be free.
                Event::new("refused")
                    .raw("conn", conn)
                    .str("peer", &peer.to_string())
                    .raw("max_connections", pool.options.max_connections)
                    .emit();
                drop(tcp);
                pool.idle.fetch_add(1, Ordering::SeqCst);
                continue;
            }
        }
        serve(&pool.config, &pool.options, tcp, conn, peer);
        let enough = pool.idle.load(Ordering::SeqCst) >= pool.options.workers;
        if enough && !permanent {
            pool.running.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        pool.idle.fetch_add(1, Ordering::SeqCst);
    }
}

/// Handshake, then echo lines until the client closes. True if all went well.
fn serve(
    config: &SslConfig,
    options: &Options,
    tcp: TcpStream,
    conn: u64,
    peer: SocketAddr,
) -> bool {
    // Every event of a connection names it, as threads interleave their lines.
    let event = |name: &str| {
        Event::new(name)
            .raw("conn", conn)
            .str("peer", &peer.to_string())
    };
    let mut tls = match SslSocket::upgrade_server(config, tcp) {
        Ok(tls) => tls,
        Err(e) => {
            common::handshake_failed(event("handshake"), config.get_verify_mode(), &e).emit();
            return false;
        }
    };
    // With --quiet the event is not printed: it is built only for a page.
    let quiet = common::QUIET.load(Ordering::Relaxed);
    if !quiet {
        common::handshake_ok!(event("handshake"), &tls).emit();
    }
    if options.request_cert && !request_certificate(&mut tls, event("post_handshake_auth")) {
        return false;
    }
    if options.www {
        let page = common::handshake_ok!(event("handshake"), &tls);
        return answer_get(&mut tls, page);
    }

    let mut lines = Lines::default();
    let mut buf = [0u8; 16 * 1024];
    let end = 'read: loop {
        match tls.recv(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                lines.push(&buf[..n]);
                while let Some(line) = lines.next_line() {
                    common::received(event("received"), &line).emit();
                    if let Err(e) = tls.send_all(&line) {
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
            let _ = tls.shutdown();
            event("closed").emit();
            true
        }
        Err(e) => {
            event("error").str("error", &e.to_string()).emit();
            false
        }
    }
}

/// `--www`: reads lines until one starts with `GET ` (at most 16 KiB), then
/// answers as `openssl s_server -www` does, with `page` (the handshake
/// event) as the body, and closes. True if all went well.
fn answer_get(tls: &mut SslSocket, page: Event) -> bool {
    let mut request = common::WwwRequest::default();
    let mut buf = [0u8; 4096];
    let got_get = loop {
        match tls.recv(&mut buf) {
            Ok(0) | Err(_) => break false,
            Ok(n) => {
                if let Some(got) = request.push(&buf[..n]) {
                    break got;
                }
            }
        }
    };
    if got_get {
        let answer = common::www_answer(page);
        if tls.send_all(answer.as_bytes()).is_err() {
            return false;
        }
    }
    tls.shutdown().is_ok() && got_get
}

/// Asks the client for its certificate now and reports what came back.
/// False when the connection is gone.
fn request_certificate(tls: &mut SslSocket, event: Event) -> bool {
    let mode = tls.get_verify_mode();
    if !mode.contains(VerifyMode::PEER) {
        tls.set_verify_mode(mode | VerifyMode::PEER)
            .expect("PEER is a valid bit");
    }
    match tls.request_client_certificate(Some(Duration::from_secs(10))) {
        Ok(cert) => {
            event
                .raw("ok", true)
                .raw(
                    "peer_subject",
                    common::json_opt(
                        cert.map(|c| sslsocket::name_to_string(c.subject_name()))
                            .as_deref(),
                    ),
                )
                .raw(
                    "verify_result",
                    common::verify_result_json(tls.verify_result()),
                )
                .raw("error", "null")
                .emit();
            true
        }
        Err(e) => {
            event
                .raw("ok", false)
                .raw("peer_subject", "null")
                .raw(
                    "verify_result",
                    e.verify_result()
                        .map_or_else(|| "null".to_string(), common::verify_result_json),
                )
                .str("error", &e.to_string())
                .emit();
            // A refused request leaves the connection usable; a failed
            // exchange has closed it.
            matches!(e, Error::PostHandshake(_))
        }
    }
}
