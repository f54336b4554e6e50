//! One connection: the wire under OpenSSL, the engine that drives every
//! attempt to its deadline, what can be read off a connection, its own
//! settings, exporters, and the exchanges after the handshake
//! (post-handshake certificates, renegotiation, saved sessions).
//!
//! Uses the layers below (`config`, `verify`, `error`, `sys`); the faces
//! (`SslSocket`, the split halves, the async socket) stand on it.

pub(crate) mod engine;
pub(crate) mod exporter;
pub(crate) mod inspection;
pub(crate) mod linger;
pub(crate) mod post_handshake;
pub(crate) mod renegotiation;
pub(crate) mod saved_session;
pub(crate) mod settings;
pub(crate) mod wire;
