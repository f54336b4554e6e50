//! A raw TLS 1.2 peer for hostile tests: OpenSSL does the handshake, then
//! the test writes and reads records itself (AES-128-GCM, keys derived from
//! the master secret the key log gives), so it can send what no TLS library
//! would, and go on where OpenSSL's client would stop (after a refused
//! renegotiation, for one).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::symm::{decrypt_aead, encrypt_aead, Cipher};
use sslsocket::openssl;

/// One direction's key, implicit nonce part and sequence number.
struct Direction {
    key: Vec<u8>,
    salt: Vec<u8>,
    seq: u64,
}

impl Direction {
    fn aad(&self, kind: u8, len: usize) -> Vec<u8> {
        let mut aad = self.seq.to_be_bytes().to_vec();
        aad.extend_from_slice(&[kind, 3, 3, (len >> 8) as u8, len as u8]);
        aad
    }

    fn nonce(&self) -> Vec<u8> {
        let mut nonce = self.salt.clone();
        nonce.extend_from_slice(&self.seq.to_be_bytes());
        nonce
    }
}

/// A TLS 1.2 connection (ECDHE, AES-128-GCM, SHA-256) whose records the
/// test writes and reads itself after OpenSSL's handshake.
pub(crate) struct RawTls12 {
    pub(crate) tcp: TcpStream,
    out: Direction,
    inp: Direction,
}

/// TLS 1.2's PRF with SHA-256 (RFC 5246 §5).
fn prf(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let key = PKey::hmac(secret).unwrap();
    let hmac = |data: &[u8]| {
        let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
        s.update(data).unwrap();
        s.sign_to_vec().unwrap()
    };
    let seed = [label, seed].concat();
    let (mut a, mut out) = (hmac(&seed), Vec::new());
    while out.len() < len {
        out.extend(hmac(&[&a[..], &seed].concat()));
        a = hmac(&a);
    }
    out.truncate(len);
    out
}

impl RawTls12 {
    /// Connects to `addr` and completes a TLS 1.2 handshake (no
    /// verification); from here on the test writes and reads the records.
    pub(crate) fn connect(addr: std::net::SocketAddr) -> RawTls12 {
        let master = Arc::new(Mutex::new(None::<Vec<u8>>));
        let logged = Arc::clone(&master);
        let mut c = SslConnector::builder(SslMethod::tls_client()).unwrap();
        c.set_verify(SslVerifyMode::NONE);
        c.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        c.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        c.set_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
            .unwrap();
        c.set_keylog_callback(move |_, line| {
            // CLIENT_RANDOM <client random> <master secret>, in hex.
            if let Some(hex) = line.strip_prefix("CLIENT_RANDOM ") {
                let master = hex.split(' ').nth(1).unwrap();
                let bytes = (0..master.len() / 2)
                    .map(|i| u8::from_str_radix(&master[2 * i..2 * i + 2], 16).unwrap())
                    .collect();
                *logged.lock().unwrap() = Some(bytes);
            }
        });
        let tcp = TcpStream::connect(addr).unwrap();
        let mut config = c.build().configure().unwrap();
        config.set_use_server_name_indication(false);
        config.set_verify_hostname(false);
        let tls = config
            .connect("localhost", tcp.try_clone().unwrap())
            .unwrap();
        let (mut client_random, mut server_random) = ([0u8; 32], [0u8; 32]);
        tls.ssl().client_random(&mut client_random);
        tls.ssl().server_random(&mut server_random);
        let master = master
            .lock()
            .unwrap()
            .take()
            .expect("the key log's master secret");
        let seed = [&server_random[..], &client_random[..]].concat();
        let block = prf(&master, b"key expansion", &seed, 40);
        // OpenSSL's Finished went out as record 0 of each direction.
        let direction = |key: &[u8], salt: &[u8]| Direction {
            key: key.to_vec(),
            salt: salt.to_vec(),
            seq: 1,
        };
        let raw = RawTls12 {
            tcp,
            out: direction(&block[0..16], &block[32..36]),
            inp: direction(&block[16..32], &block[36..40]),
        };
        // The stream is the test's now (dropping OpenSSL's object sends
        // nothing and closes only its copy of the descriptor).
        drop(tls);
        raw
    }

    /// Sends one encrypted record of `kind` carrying `plain`.
    pub(crate) fn send(&mut self, kind: u8, plain: &[u8]) {
        let d = &mut self.out;
        let mut tag = [0u8; 16];
        let sealed = encrypt_aead(
            Cipher::aes_128_gcm(),
            &d.key,
            Some(&d.nonce()),
            &d.aad(kind, plain.len()),
            plain,
            &mut tag,
        )
        .unwrap();
        let len = 8 + sealed.len() + 16;
        let mut record = vec![kind, 3, 3, (len >> 8) as u8, len as u8];
        record.extend_from_slice(&d.seq.to_be_bytes());
        record.extend_from_slice(&sealed);
        record.extend_from_slice(&tag);
        d.seq += 1;
        self.tcp.write_all(&record).unwrap();
    }

    /// Reads and opens the next record: its type and plaintext; `None` at
    /// the end of the stream.
    pub(crate) fn recv(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut header = [0u8; 5];
        if self.tcp.read_exact(&mut header).is_err() {
            return None;
        }
        let len = usize::from(header[3]) << 8 | usize::from(header[4]);
        let mut body = vec![0u8; len];
        self.tcp.read_exact(&mut body).unwrap();
        let d = &mut self.inp;
        let (explicit, rest) = body.split_at(8);
        let (sealed, tag) = rest.split_at(rest.len() - 16);
        let mut nonce = d.salt.clone();
        nonce.extend_from_slice(explicit);
        let plain = decrypt_aead(
            Cipher::aes_128_gcm(),
            &d.key,
            Some(&nonce),
            &d.aad(header[0], sealed.len()),
            sealed,
            tag,
        )
        .expect("a record that opens");
        d.seq += 1;
        Some((header[0], plain))
    }
}
