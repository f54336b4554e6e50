//! The same sockets for tokio programs (the `tokio` feature): an
//! [`SslSocket`] that implements `tokio::io::AsyncRead` and `AsyncWrite`,
//! and an [`SslListener`], mirroring the blocking ones as
//! `tokio::net::TcpStream` mirrors `std::net::TcpStream`.
//!
//! Both run on the crate's one I/O engine: the handshake, reads, writes,
//! post-handshake requests and key updates are the blocking socket's
//! attempts, and only the waiting differs (the task is woken by the
//! stream; deadlines are tokio timers). `tokio::io::split` gives halves
//! that read and write at the same time.

mod deadline;
mod io;
mod listener;
mod read_write;
mod socket;

pub use listener::SslListener;
pub use socket::SslSocket;
