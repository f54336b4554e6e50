//! The blocking figures: 64-byte echo round trips and bulk 16 KiB writes
//! over loopback with TCP_NODELAY at both ends, client and server threads of
//! this process (so getrusage counts both ends), a fresh connection per
//! measurement; and OpenSSL's own AES-256-GCM speed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::thread;
use std::time::Instant;

use sslsocket::SslSocket;

use crate::setup;

pub(crate) const ECHO_SIZE: usize = 64;
pub(crate) const BULK_CHUNK: usize = 16 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Stack {
    Ours,
    Rustls,
    Tcp,
    /// The `openssl` crate's own `SslStream`, configured as sslsocket is:
    /// what OpenSSL itself costs (`profile-echo` only).
    Openssl,
}

impl Stack {
    pub(crate) const ALL: [Stack; 3] = [Stack::Ours, Stack::Rustls, Stack::Tcp];
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// The client end of a connection to a server thread of the same stack,
/// which serves it with `serve` (then closes it).
fn connect(stack: Stack, serve: fn(&mut dyn Stream)) -> (Box<dyn Stream>, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        tcp.set_nodelay(true).unwrap();
        let mut s: Box<dyn Stream> = match stack {
            Stack::Ours => Box::new(
                SslSocket::upgrade_server(&setup::ours_server(), tcp).expect("sslsocket accept"),
            ),
            Stack::Rustls => {
                let conn = rustls::ServerConnection::new(setup::rustls_server()).unwrap();
                Box::new(rustls::StreamOwned::new(conn, tcp))
            }
            Stack::Tcp => Box::new(tcp),
            Stack::Openssl => {
                let ssl = openssl::ssl::Ssl::new(&crate::idle::openssl_acceptor_ctx()).unwrap();
                Box::new(ssl.accept(tcp).expect("openssl accept"))
            }
        };
        serve(&mut *s);
    });
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_nodelay(true).unwrap();
    let client: Box<dyn Stream> = match stack {
        Stack::Ours => Box::new(
            SslSocket::upgrade_client(&setup::ours_client(), tcp, Some("localhost"))
                .expect("sslsocket connect"),
        ),
        Stack::Rustls => {
            let conn = rustls::ClientConnection::new(setup::rustls_client(), setup::server_name())
                .unwrap();
            Box::new(rustls::StreamOwned::new(conn, tcp))
        }
        Stack::Tcp => Box::new(tcp),
        Stack::Openssl => Box::new(
            crate::idle::openssl_connector_ctx()
                .connect("localhost", tcp)
                .expect("openssl connect"),
        ),
    };
    (client, server)
}

fn echo_server(s: &mut dyn Stream) {
    let mut buf = [0u8; ECHO_SIZE];
    while s.read_exact(&mut buf).is_ok() {
        s.write_all(&buf).unwrap();
        s.flush().unwrap();
    }
}

fn round_trips(c: &mut dyn Stream, n: usize) {
    let mut buf = [7u8; ECHO_SIZE];
    for _ in 0..n {
        c.write_all(&buf).unwrap();
        c.flush().unwrap();
        c.read_exact(&mut buf).unwrap();
    }
}

/// `n` 64-byte echo round trips after a warm-up (the handshake and the
/// tickets included): (µs of CPU per round trip, both ends; round trips/s).
pub(crate) fn echo(stack: Stack, n: usize) -> (f64, f64) {
    let (mut c, server) = connect(stack, echo_server);
    round_trips(&mut *c, 200);
    let (cpu, wall) = (crate::process::cpu_time(), Instant::now());
    round_trips(&mut *c, n);
    let (cpu, wall) = (crate::process::cpu_time() - cpu, wall.elapsed());
    drop(c);
    server.join().expect("the echo server");
    (
        cpu.as_secs_f64() * 1e6 / n as f64,
        n as f64 / wall.as_secs_f64(),
    )
}

/// Reads the 8-byte length, answers one byte (the handshake is over), reads
/// that many bytes and answers one byte again.
fn sink_server(s: &mut dyn Stream) {
    let mut len = [0u8; 8];
    s.read_exact(&mut len).unwrap();
    s.write_all(b"R").unwrap();
    s.flush().unwrap();
    let mut left = u64::from_be_bytes(len) as usize;
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let got = s.read(&mut buf).unwrap();
        assert!(got > 0, "EOF in the bulk transfer");
        left -= got.min(left);
    }
    s.write_all(b"D").unwrap();
    s.flush().unwrap();
}

/// `total` bytes in 16 KiB writes, once the handshake is over: (ms of CPU
/// per GB, both ends; MB/s).
pub(crate) fn bulk(stack: Stack, total: usize) -> (f64, f64) {
    let (mut c, server) = connect(stack, sink_server);
    let mut ack = [0u8; 1];
    c.write_all(&(total as u64).to_be_bytes()).unwrap();
    c.flush().unwrap();
    c.read_exact(&mut ack).unwrap();
    let chunk = vec![0x5a_u8; BULK_CHUNK];
    let (cpu, wall) = (crate::process::cpu_time(), Instant::now());
    for _ in 0..total / BULK_CHUNK {
        c.write_all(&chunk).unwrap();
    }
    c.flush().unwrap();
    c.read_exact(&mut ack).unwrap();
    let (cpu, wall) = (crate::process::cpu_time() - cpu, wall.elapsed());
    drop(c);
    server.join().expect("the bulk server");
    let bytes = (total / BULK_CHUNK * BULK_CHUNK) as f64;
    (
        cpu.as_secs_f64() * 1e3 * 1e9 / bytes,
        bytes / 1e6 / wall.as_secs_f64(),
    )
}

/// ms of CPU per GB that `openssl speed -evp aes-256-gcm` spends on 16 KiB
/// blocks: encrypting and decrypting (one end each), for `secs` seconds each.
pub(crate) fn aes_gcm_limit(secs: u32) -> f64 {
    let one = |decrypt: bool| {
        let mut cmd = Command::new("openssl");
        cmd.arg("speed");
        if decrypt {
            cmd.arg("-decrypt");
        }
        let secs = secs.to_string();
        cmd.args(["-evp", "aes-256-gcm", "-bytes", "16384", "-seconds", &secs]);
        let out = cmd.output().expect("running openssl speed");
        let text = String::from_utf8_lossy(&out.stdout);
        // "AES-256-GCM    4169449.47k": thousands of bytes per second.
        let k: f64 = text
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("aes-256-gcm"))
            .find_map(|l| {
                l.split_whitespace()
                    .last()?
                    .trim_end_matches('k')
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no figure in openssl speed's output:\n{text}"));
        1e9 / k
    };
    one(false) + one(true)
}
