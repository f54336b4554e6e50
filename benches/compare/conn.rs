//! One connection, whichever implementation: client, server and stream.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Instant;

use openssl::ssl::{SslAcceptor, SslConnector, SslRef, SslSession, SslStream};
use openssl::x509::X509VerifyResult;
use sslsocket::{SslConfig, SslSocket};

use crate::process::cpu_time;
use crate::setup::*;

pub(crate) enum Conn {
    Ss(SslSocket),
    Plain(SslStream<TcpStream>),
    Tcp(TcpStream),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Ss(s) => s.read(buf),
            Conn::Plain(s) => s.read(buf),
            Conn::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Ss(s) => s.write(buf),
            Conn::Plain(s) => s.write(buf),
            Conn::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Ss(s) => s.flush(),
            Conn::Plain(s) => s.flush(),
            Conn::Tcp(s) => s.flush(),
        }
    }
}

impl Conn {
    pub(crate) fn ssl(&self) -> Option<&SslRef> {
        match self {
            Conn::Ss(s) => Some(s.ssl()),
            Conn::Plain(s) => Some(s.ssl()),
            Conn::Tcp(_) => None,
        }
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Ss(s) => s.get_ref(),
            Conn::Plain(s) => s.get_ref(),
            Conn::Tcp(s) => s,
        }
    }

    /// `session_reused()` as each implementation spells it.
    pub(crate) fn reused(&self) -> bool {
        match self {
            Conn::Ss(s) => s.session_reused(),
            Conn::Plain(s) => s.ssl().session_reused(),
            Conn::Tcp(_) => false,
        }
    }

    /// Sends close_notify and closes the TCP connection.
    pub(crate) fn close(self) {
        match self {
            Conn::Ss(s) => {
                let _ = s.close();
            }
            Conn::Plain(mut s) => {
                let _ = s.shutdown();
                let _ = s.get_ref().shutdown(Shutdown::Both);
            }
            Conn::Tcp(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    /// Sends close_notify, waits for the peer's (reading whatever is still
    /// queued, so that closing does not turn into a reset), then closes.
    pub(crate) fn finish(mut self) {
        match &mut self {
            Conn::Ss(s) => {
                let _ = s.shutdown();
            }
            Conn::Plain(s) => {
                let _ = s.shutdown();
            }
            Conn::Tcp(s) => {
                let _ = s.shutdown(Shutdown::Write);
            }
        }
        let mut buf = [0u8; 4096];
        while matches!(self.read(&mut buf), Ok(n) if n > 0) {}
        self.close();
    }

    /// Asserts the negotiated version and cipher, and (when the client
    /// verifies) that the chain verified.
    pub(crate) fn check(&self, p: Proto) {
        let ssl = self.ssl().expect("a TLS connection");
        assert_eq!(ssl.version_str(), p.version_name(), "negotiated version");
        assert_eq!(
            ssl.current_cipher().map(|c| c.name()),
            Some(p.cipher()),
            "negotiated cipher"
        );
        assert_eq!(ssl.verify_result(), X509VerifyResult::OK, "verify result");
    }
}

#[derive(Clone)]
pub(crate) enum Server {
    Ss(SslConfig),
    Plain(SslAcceptor),
    Tcp,
}

impl Server {
    pub(crate) fn accept(&self, tcp: TcpStream) -> Conn {
        match self {
            Server::Ss(c) => Conn::Ss(SslSocket::upgrade_server(c, tcp).expect("sslsocket accept")),
            Server::Plain(a) => Conn::Plain(a.accept(tcp).expect("openssl accept")),
            Server::Tcp => Conn::Tcp(tcp),
        }
    }
}

pub(crate) enum Client {
    Ss(SslConfig),
    Plain {
        connector: SslConnector,
        resume: bool,
        verify_host: bool,
        session: Option<SslSession>,
    },
    Tcp,
}

impl Client {
    /// TCP connect to `addr` ("localhost:PORT") and the client handshake,
    /// verifying the chain and the host name "localhost".
    pub(crate) fn connect(&mut self, addr: &str) -> Conn {
        match self {
            Client::Ss(c) => Conn::Ss(SslSocket::connect(c, addr).expect("sslsocket connect")),
            Client::Plain {
                connector,
                resume,
                verify_host,
                session,
            } => {
                let tcp = TcpStream::connect(addr).expect("TCP connect");
                let mut cfg = connector.configure().expect("configure");
                if !*verify_host {
                    cfg.set_verify_hostname(false);
                }
                if let (true, Some(s)) = (*resume, session.as_ref()) {
                    // SAFETY: the session comes from an earlier connection
                    // made with this same connector, hence the same SSL_CTX.
                    unsafe { cfg.set_session(s) }.expect("set_session");
                }
                Conn::Plain(cfg.connect("localhost", tcp).expect("openssl connect"))
            }
            Client::Tcp => Conn::Tcp(TcpStream::connect(addr).expect("TCP connect")),
        }
    }

    /// Called once the reply was read (TLS 1.3 tickets have arrived by
    /// then): the plain client keeps the session for the next connection.
    pub(crate) fn replied(&mut self, c: &Conn) {
        if let (
            Client::Plain {
                resume: true,
                session,
                ..
            },
            Conn::Plain(s),
        ) = (self, c)
        {
            *session = s.ssl().session().map(ToOwned::to_owned);
        }
    }
}

/// Wall clock and CPU time from now: the closure returns (seconds, CPU
/// seconds of the whole process) since.
pub(crate) fn meter() -> impl Fn() -> (f64, f64) {
    let (t0, cpu0) = (Instant::now(), cpu_time());
    move || {
        let cpu = cpu_time().saturating_sub(cpu0);
        (t0.elapsed().as_secs_f64(), cpu.as_secs_f64())
    }
}

pub(crate) fn listen() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = format!("localhost:{}", l.local_addr().expect("local addr").port());
    (l, addr)
}

pub(crate) fn make_pair(imp: Imp, p: Proto, k: Knobs) -> (Server, Client) {
    match imp {
        Imp::Ss => (Server::Ss(ss_server(p, k)), Client::Ss(ss_client(p, k))),
        Imp::Plain => (
            Server::Plain(plain_acceptor(p, k)),
            Client::Plain {
                connector: plain_connector(p, k),
                resume: k.client_resume,
                verify_host: !k.client_verify_none,
                session: None,
            },
        ),
    }
}

/// A TLS 1.3 ECDSA pair of `imp`, or plain TCP for `None` (the reference
/// the transfer figures are set against).
pub(crate) fn pair_or_tcp(imp: Option<Imp>) -> (Server, Client) {
    match imp {
        Some(imp) => make_pair(imp, Proto::TLS13_ECDSA, Knobs::default()),
        None => (Server::Tcp, Client::Tcp),
    }
}
