//! Time limits: the connection, the handshake, each read and each write,
//! each for a whole operation.

use std::time::Duration;

use crate::config::{SslConfig, SslConfigBuilder};

/// Time limits, each for a whole operation (one deadline, however many
/// system calls it makes). `None` means wait forever.
///
/// Python's `settimeout(t)` is [`SslConfigBuilder::set_timeout`] on a
/// configuration and `set_timeout` on a socket (the handshake, read and
/// write limits at once); `gettimeout()` is a socket's `timeouts()`.
/// `Timeouts::default()` has no limit at all; a configuration starts from
/// these defaults, the same in both roles unless the table says otherwise:
///
/// | limit | default | set with | bounds |
/// |---|---|---|---|
/// | [`connect`](Self::connect) | none | [`set_connect_timeout`](SslConfigBuilder::set_connect_timeout) | opening the TCP connection (`SslSocket::connect`) |
/// | [`handshake`](Self::handshake) | 30 s, client and server | [`set_handshake_timeout`](SslConfigBuilder::set_handshake_timeout) | the whole handshake, however many records it takes |
/// | [`read`](Self::read) | none | [`set_read_timeout`](SslConfigBuilder::set_read_timeout) | each read or `peek` (with the writes it must make), `unwrap`'s wait for close_notify |
/// | [`write`](Self::write) | none | [`set_write_timeout`](SslConfigBuilder::set_write_timeout) | each write, flush, shutdown (close_notify), key update |
/// | all four | as above | [`set_timeout`](SslConfigBuilder::set_timeout) | Python's `settimeout` |
///
/// Bounds that are not settings:
///
/// | what | bound |
/// |---|---|
/// | `wait_readable(t)` | `t`, given with each call (`None`: no limit) |
/// | `request_client_certificate(t)` | `t`, given with each call |
/// | dropping a socket with bytes not yet sent | the write timeout, 10 s without one |
/// | the lingering close (a connection ending after this end sent a fatal alert, or its close_notify unanswered, or with input unread) | 500 ms: the peer reads the alert or last answer instead of a reset |
/// | data kept while a certificate request waits | [`DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT`](crate::config::post_handshake::DEFAULT_POST_HANDSHAKE_BUFFER_LIMIT) (1 MiB), not a time |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[doc(alias("settimeout", "gettimeout"))]
pub struct Timeouts {
    /// Opening the TCP connection (client).
    pub connect: Option<Duration>,
    /// The whole TLS handshake.
    pub handshake: Option<Duration>,
    /// Each read call after the handshake, including the writes it must
    /// make (a KeyUpdate answer); also `unwrap()`'s wait for close_notify.
    pub read: Option<Duration>,
    /// Each write call after the handshake; also sending close_notify and
    /// a key update.
    pub write: Option<Duration>,
}

/// A handshake's time limit in either role unless
/// [`SslConfigBuilder::set_handshake_timeout`] sets another: a silent or
/// trickling peer holds a client or a server no longer.
pub(crate) const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

impl SslConfigBuilder {
    /// Sets the time limits for opening the TCP connection, the handshake,
    /// each read and each write at once (Python's `socket.settimeout`);
    /// `None` waits forever. The setters of each limit below set one; the
    /// defaults are in the table of [`Timeouts`].
    #[doc(alias("settimeout", "setdefaulttimeout"))]
    pub fn set_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts = Timeouts {
            connect: t,
            handshake: t,
            read: t,
            write: t,
        };
        self
    }

    /// Time limit for opening the TCP connection. Defaults to none.
    pub fn set_connect_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.connect = t;
        self
    }

    /// Time limit for the whole handshake, however many reads and writes it
    /// makes. Defaults to 30 seconds in either role, so that a peer that
    /// connects and says nothing, or trickles its handshake, cannot hold a
    /// server or a client longer; `None` waits forever.
    pub fn set_handshake_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.handshake = t;
        self
    }

    /// Time limit for each read call after the handshake, the whole call
    /// (including any writes it must make). Defaults to none.
    pub fn set_read_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.read = t;
        self
    }

    /// Time limit for each write call after the handshake, the whole call.
    /// Defaults to none.
    pub fn set_write_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.timeouts.write = t;
        self
    }
}

impl SslConfig {
    /// The time limits sockets made from this configuration use.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }
}
