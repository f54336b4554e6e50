//! A small look-alike of `openssl s_client`, for trying `sslsocket` against
//! any TLS server.
//!
//! It connects, performs the handshake and prints one JSON object per line
//! on stdout for each event: `warning` first, for each likely mistake in
//! the settings (`SslConfig::warnings`, e.g. `--verify-mode 0` with
//! `--ca-file`, which verifies and then accepts any server), `handshake` (with the negotiated version, the
//! cipher, the peer's subject and the verify result, also on failure), then
//! `received` for each line the server sends. Standard input is sent line by
//! line; at its end the client sends close_notify and waits for the server to
//! close. A TLS 1.3 server that rejects this client's certificate does so
//! after the client's handshake has finished, so it shows up as an `error`
//! event on the first read; the exit status is then 1.
//!
//! `--verify-mode` takes OpenSSL's integer (`0` NONE: verify, report, carry
//! on; `1` PEER: abort on a failed verification; on a client any non-zero
//! mode aborts) or names such as `PEER`. `--servername` sets both the SNI
//! name and the name the certificate is checked against (default: HOST).
//!
//! With `SSLKEYLOGFILE` set, the TLS secrets of every connection are
//! appended to that file for Wireshark, as curl and Python do.
//!
//! Usage: cargo run --example s_client -- --connect HOST:PORT [--servername NAME]
//! [--ca-file F] [--cert F --key F] [--verify-mode N] [--no-hostname-check]
//! [--tls1_2|--tls1_3] [--pha|--no-pha]
//!
//! For example, against `openssl s_server` (see `examples/README.md`):
//!
//! ```text
//! echo hello | cargo run --example s_client -- --connect localhost:4433 --ca-file certs/ca.pem
//! ```
//!
//! `unwrap()` and `expect()` are used for brevity; they are not sensible
//! outside example code.

#[path = "common/mod.rs"]
mod common;

use std::io::BufRead;
use std::sync::mpsc::{self, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use common::{Args, Event, Lines};
use sslsocket::{Error, SslConfig, SslSocket, TlsVersion, VerifyMode};

const USAGE: &str = "\
usage: s_client --connect HOST:PORT [--servername NAME] [--ca-file F] [--cert F --key F]
                [--verify-mode N] [--no-hostname-check] [--tls1_2|--tls1_3]
                [--pha|--no-pha]

  --connect HOST:PORT   server to connect to
  --servername NAME     SNI name and name to verify (default: HOST)
  --ca-file F           trust the CA certificates in F (default: the system store)
  --cert F --key F      client certificate (F may hold the chain) and its key
  --verify-mode N       OpenSSL's SSL_VERIFY_* integer or names, e.g. 0, 1, PEER
                        (default 1, PEER; 0 reports verification failures and carries on)
  --no-hostname-check   do not check the certificate against the name
  --tls1_2, --tls1_3    allow only this protocol version
  --pha, --no-pha       offer TLS 1.3 post-handshake authentication, or not
                        (default: offered when --cert is given)";

/// How long to wait for the server to close after our close_notify.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// How often to look at standard input while waiting for the server.
const POLL: Duration = Duration::from_millis(50);

struct Options {
    connect: String,
    servername: Option<String>,
    ca_file: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    verify_mode: Option<String>,
    no_hostname_check: bool,
    version: Option<TlsVersion>,
    pha: Option<bool>,
}

fn parse_args() -> Options {
    let mut args = Args::new(USAGE);
    let mut connect = None;
    let mut o = Options {
        connect: String::new(),
        servername: None,
        ca_file: None,
        cert: None,
        key: None,
        verify_mode: None,
        no_hostname_check: false,
        version: None,
        pha: None,
    };
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--connect" => connect = Some(args.value(&flag)),
            "--servername" => o.servername = Some(args.value(&flag)),
            "--ca-file" => o.ca_file = Some(args.value(&flag)),
            "--cert" => o.cert = Some(args.value(&flag)),
            "--key" => o.key = Some(args.value(&flag)),
            "--verify-mode" => o.verify_mode = Some(args.value(&flag)),
            "--no-hostname-check" => o.no_hostname_check = true,
            "--pha" => o.pha = Some(true),
            "--no-pha" => o.pha = Some(false),
            "--tls1_2" | "--tls1_3" => {
                if o.version.is_some() {
                    args.error("give at most one of --tls1_2 and --tls1_3");
                }
                o.version = Some(if flag == "--tls1_2" {
                    TlsVersion::Tls1_2
                } else {
                    TlsVersion::Tls1_3
                });
            }
            other => args.error(&format!("unknown argument {other:?}")),
        }
    }
    match connect {
        Some(c) if c.contains(':') => o.connect = c,
        Some(c) => args.error(&format!("--connect needs HOST:PORT, got {c:?}")),
        None => args.error("--connect HOST:PORT is required"),
    }
    if o.cert.is_some() != o.key.is_some() {
        args.error("--cert and --key go together");
    }
    o
}

fn config(o: &Options) -> Result<SslConfig, Error> {
    let mut b = SslConfig::client();
    if let Some(mode) = &o.verify_mode {
        b.set_verify_mode(mode.parse::<VerifyMode>()?)?;
    }
    if let Some(f) = &o.ca_file {
        b.set_ca_file(f);
    }
    if let (Some(cert), Some(key)) = (&o.cert, &o.key) {
        b.set_certificate_file(cert).set_private_key_file(key);
    }
    if o.servername.is_some() {
        b.set_server_name(o.servername.as_deref());
    }
    if let Some(pha) = o.pha {
        b.set_post_handshake_auth(pha);
    }
    if o.no_hostname_check {
        b.set_check_hostname(false);
    }
    if let Some(v) = o.version {
        b.set_version(v);
    }
    common::keylog_from_env(&mut b);
    b.set_connect_timeout(Some(Duration::from_secs(10)))
        .set_handshake_timeout(Some(Duration::from_secs(10)));
    b.build()
}

fn main() {
    let options = parse_args();
    let config = config(&options).unwrap_or_else(|e| common::fatal("s_client", &e));
    common::warnings(&config);

    let mut tls = match SslSocket::connect(&config, &options.connect) {
        Ok(tls) => tls,
        Err(e) => {
            common::handshake_failed(Event::new("handshake"), config.get_verify_mode(), &e).emit();
            std::process::exit(1);
        }
    };
    common::handshake_ok!(Event::new("handshake"), &tls).emit();

    // Standard input is read on its own thread, so that the server's data is
    // printed as it arrives even while no line is being typed.
    let (lines_tx, lines_rx) = mpsc::channel::<Vec<u8>>();
    thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            let mut line = Vec::new();
            match stdin.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if lines_tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });

    tls.set_read_timeout(Some(POLL)).unwrap();
    let mut received = Lines::default();
    let mut closing: Option<Instant> = None;
    let mut send_error: Option<Error> = None;
    let mut buf = [0u8; 16 * 1024];
    let read_end = loop {
        // Send whatever standard input has; at its end, send close_notify.
        while closing.is_none() {
            match lines_rx.try_recv() {
                Ok(line) => {
                    if let Err(e) = tls.send_all(&line) {
                        // The server may have rejected us already: its alert,
                        // if any, is waiting to be read and says more.
                        send_error = Some(e);
                        closing = Some(Instant::now());
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    // A failure here (the server already gone) shows on the read.
                    let _ = tls.shutdown();
                    closing = Some(Instant::now());
                }
            }
        }
        match tls.recv(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                received.push(&buf[..n]);
                while let Some(line) = received.next_line() {
                    common::received(Event::new("received"), &line).emit();
                }
            }
            Err(e) if e.is_timeout() => {
                // Quiet for a moment: print a partial line as it is.
                if let Some(rest) = received.take_rest() {
                    common::received(Event::new("received"), &rest).emit();
                }
                if closing.is_some_and(|t| t.elapsed() > CLOSE_GRACE) {
                    break Ok(());
                }
            }
            // We have said goodbye; a server that just drops TCP is fine.
            Err(Error::UnexpectedEof) if closing.is_some() && send_error.is_none() => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    if let Some(rest) = received.take_rest() {
        common::received(Event::new("received"), &rest).emit();
    }
    // Answer the server's close_notify, if we have not said goodbye first.
    let _ = tls.close();
    match read_end.err().or(send_error) {
        Some(e) => {
            Event::new("error").str("error", &e.to_string()).emit();
            std::process::exit(1);
        }
        None => Event::new("closed").emit(),
    }
}
