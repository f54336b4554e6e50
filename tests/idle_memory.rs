//! What an idle connection keeps on the heap once its TLS 1.3 session
//! tickets have arrived: the tickets are processed by a read that then
//! waits for data, and OpenSSL's record buffers are given back (a plain
//! program's heap, measured with `mallinfo2`, so each check runs alone in
//! this process).

#![allow(dead_code)]

mod common;

use common::openssl_cli;
use std::time::Duration;

use common::{build, client_builder, process};
use sslsocket::tokio::SslSocket;
use tokio::io::AsyncReadExt;

/// The write buffer OpenSSL sets up to process a ticket is 16 KiB and more;
/// the sessions the tickets carry (the one kept by the client's cache) take
/// a few KiB at most.
const LIMIT: i64 = 8 * 1024;

#[tokio::test]
async fn tickets_read_alone_leave_no_record_buffer_behind() {
    let server = openssl_cli::SServer::localhost(&["-tls1_3", "-naccept", "1"]);
    let mut tls = SslSocket::connect(
        &build(&client_builder()),
        &format!("localhost:{}", server.port()),
    )
    .await
    .unwrap();
    // The tickets arrive alone: s_server sends nothing else.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = process::heap();
    let mut b = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(300), tls.read(&mut b)).await;
    let grown = process::heap() - before;
    assert!(read.is_err(), "s_server sent data: {read:?}");
    assert!(!tls.session_reused());
    assert!(
        grown < LIMIT,
        "reading the tickets alone left {grown} bytes on the heap (at most {LIMIT})"
    );
    drop(tls);
    let _ = server.finish();
}
