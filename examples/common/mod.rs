//! Helpers shared by `s_client` and `s_server`: one JSON object per line on
//! stdout, the handshake and warning events, splitting received bytes into lines, and
//! argument errors. Included with `#[path = "common/mod.rs"] mod common;`;
//! cargo does not build it as an example of its own (it has no `main.rs`).

use std::fmt::{Display, Write as _};
use std::io::Write;

use sslsocket::{Error, SslConfig, VerifyFailure, VerifyMode, VerifyResult};

/// A JSON string literal, quotes included.
pub(crate) fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_str(&mut out, s);
    out
}

/// Appends `s` to `out` as a JSON string literal, quotes included.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON string, or `null`.
pub(crate) fn json_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), json_str)
}

/// `--quiet`: print no per-connection event.
pub(crate) static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// One event: a JSON object built field by field, printed as one line.
pub(crate) struct Event(String);

impl Event {
    pub(crate) fn new(event: &str) -> Event {
        // Room for a handshake event, built in place: no string per field.
        let mut line = String::with_capacity(512);
        line.push_str("{\"event\":");
        push_json_str(&mut line, event);
        Event(line)
    }

    /// A field whose value is already JSON (a number, `true`, `null`, an object).
    pub(crate) fn raw(mut self, key: &str, value: impl Display) -> Event {
        self.key(key);
        let _ = write!(self.0, "{value}");
        self
    }

    /// A string field.
    pub(crate) fn str(mut self, key: &str, value: &str) -> Event {
        self.key(key);
        push_json_str(&mut self.0, value);
        self
    }

    /// `,"key":`
    fn key(&mut self, key: &str) {
        self.0.push(',');
        push_json_str(&mut self.0, key);
        self.0.push(':');
    }

    /// The object as one line of JSON, without the newline.
    pub(crate) fn into_line(mut self) -> String {
        self.0.push('}');
        self.0
    }

    /// Prints the object as one line and flushes, so a pipe sees it at once;
    /// with [`QUIET`] set, only the `warning`, `listening` and `refused` events.
    pub(crate) fn emit(self) {
        let line = self.into_line();
        let always = [
            "{\"event\":\"warning\"",
            "{\"event\":\"listening\"",
            "{\"event\":\"refused\"",
        ];
        if QUIET.load(std::sync::atomic::Ordering::Relaxed)
            && !always.iter().any(|p| line.starts_with(p))
        {
            return;
        }
        let mut out = std::io::stdout().lock();
        // Nothing sensible to do if stdout is gone.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// One `warning` event for each likely mistake in the configuration
/// (`SslConfig::warnings`: a setting OpenSSL accepts and ignores, such as
/// server mode 2), with the sentence that names the fix. The configuration
/// is used as it is.
pub(crate) fn warnings(config: &SslConfig) {
    for warning in config.warnings() {
        Event::new("warning")
            .str("message", &warning.to_string())
            .emit();
    }
}

pub(crate) fn verify_result_json(r: VerifyResult) -> String {
    format!(
        "{{\"code\":{},\"name\":{},\"reason\":{}}}",
        r.code(),
        json_str(r.name()),
        json_str(r.reason())
    )
}

pub(crate) fn verify_failure_json(f: Option<&VerifyFailure>) -> String {
    match f {
        Some(f) if f.location_known => format!(
            "{{\"depth\":{},\"subject\":{},\"resumed\":{}}}",
            f.depth,
            json_str(&f.subject),
            f.resumed
        ),
        Some(f) => format!(
            "{{\"depth\":null,\"subject\":null,\"resumed\":{}}}",
            f.resumed
        ),
        None => "null".to_string(),
    }
}

/// Fills in the `handshake` event `event` for a connection that came up,
/// from any socket with the inspection calls (blocking or async).
///
/// `peer_verification` says apart "no certificate" and "verified", which
/// `verify_result` alone cannot (both are `X509_V_OK`).
macro_rules! handshake_ok {
    ($event:expr, $tls:expr) => {{
        use crate::common::{json_opt, json_str, verify_failure_json, verify_result_json};
        let tls = $tls;
        let verification = match tls.peer_verification() {
            sslsocket::PeerVerification::NoCertificate => "no_certificate",
            sslsocket::PeerVerification::Verified => "verified",
            sslsocket::PeerVerification::Failed(_) => "failed",
        };
        $event
            .raw("ok", true)
            .raw("verify_mode", tls.get_verify_mode().bits())
            .raw("version", json_str(tls.version()))
            .raw("cipher", json_opt(tls.cipher_name()))
            .raw("peer_subject", json_opt(tls.peer_subject().as_deref()))
            .str("peer_verification", verification)
            .raw("verify_result", verify_result_json(tls.verify_result()))
            .raw(
                "verify_failure",
                verify_failure_json(tls.verify_failure().as_ref()),
            )
            .raw("alert", "null")
            .raw("error", "null")
    }};
}
pub(crate) use handshake_ok;

/// Fills in the `handshake` event `event` for a handshake that failed: the
/// error, and the verify result when this side's verification is what failed.
pub(crate) fn handshake_failed(event: Event, mode: VerifyMode, e: &Error) -> Event {
    let failure = match e {
        Error::VerifyFailed { failure } => Some(failure),
        _ => None,
    };
    event
        .raw("ok", false)
        .raw("verify_mode", mode.bits())
        .raw("version", "null")
        .raw("cipher", "null")
        .raw("peer_subject", "null")
        .raw(
            "verify_result",
            e.verify_result()
                .map_or_else(|| "null".to_string(), verify_result_json),
        )
        .raw("verify_failure", verify_failure_json(failure))
        .raw(
            "alert",
            json_opt(e.alert_sent().or(e.alert()).map(|a| a.name())),
        )
        .str("error", &e.to_string())
}

/// Bytes received, handed back one complete line at a time.
#[derive(Default)]
pub(crate) struct Lines(Vec<u8>);

impl Lines {
    pub(crate) fn push(&mut self, data: &[u8]) {
        self.0.extend_from_slice(data);
    }

    /// The next complete line, with its `\n`.
    pub(crate) fn next_line(&mut self) -> Option<Vec<u8>> {
        let end = self.0.iter().position(|&b| b == b'\n')?;
        Some(self.0.drain(..=end).collect())
    }

    /// Whatever is left, complete line or not.
    pub(crate) fn take_rest(&mut self) -> Option<Vec<u8>> {
        (!self.0.is_empty()).then(|| std::mem::take(&mut self.0))
    }
}

/// `--www`: watches what a client sends for an HTTP `GET` line, as
/// `openssl s_server -www` does, reading at most 16 KiB.
#[derive(Default)]
#[allow(dead_code)] // s_client answers no GET
pub(crate) struct WwwRequest {
    lines: Lines,
    seen: usize,
}

#[allow(dead_code)]
impl WwwRequest {
    /// Takes the bytes just read: `Some(true)` once a line starts with
    /// `GET `, `Some(false)` past 16 KiB without one, `None` to read on.
    pub(crate) fn push(&mut self, data: &[u8]) -> Option<bool> {
        self.seen += data.len();
        self.lines.push(data);
        if std::iter::from_fn(|| self.lines.next_line()).any(|l| l.starts_with(b"GET ")) {
            return Some(true);
        }
        (self.seen > 16 * 1024).then_some(false)
    }
}

/// `--www`'s answer to a GET, as `openssl s_server -www` gives it, with
/// `page` (the handshake event) as the body.
#[allow(dead_code)]
pub(crate) fn www_answer(page: Event) -> String {
    www_answer_text(&(page.into_line() + "\n"))
}

/// `--www`'s answer with `body` as the page.
#[allow(dead_code)]
pub(crate) fn www_answer_text(body: &str) -> String {
    format!("HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n{body}")
}

/// Fills in the `received` event `event` for one line (or the last,
/// unterminated piece).
pub(crate) fn received(event: Event, data: &[u8]) -> Event {
    event.str("data", &String::from_utf8_lossy(data))
}

/// Bad arguments: the problem and the usage text on stderr, exit status 2.
pub(crate) fn usage_error(usage: &str, problem: &str) -> ! {
    eprintln!("error: {problem}\n\n{usage}");
    std::process::exit(2)
}

/// A setting the library refused (missing file, invalid verify mode, …):
/// its message on stderr, exit status 1.
pub(crate) fn fatal(program: &str, e: &Error) -> ! {
    eprintln!("{program}: {e}");
    std::process::exit(1)
}

/// Command-line arguments, taken one flag at a time.
pub(crate) struct Args {
    args: std::vec::IntoIter<String>,
    usage: &'static str,
}

impl Args {
    pub(crate) fn new(usage: &'static str) -> Args {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.iter().any(|a| a == "--help" || a == "-h") {
            println!("{usage}");
            std::process::exit(0);
        }
        Args {
            args: args.into_iter(),
            usage,
        }
    }

    /// The next flag, if any. `--flag=value` is split into the flag and its value.
    pub(crate) fn next_flag(&mut self) -> Option<String> {
        let arg = self.args.next()?;
        match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                let rest: Vec<String> = std::iter::once(value.to_string())
                    .chain(self.args.by_ref())
                    .collect();
                self.args = rest.into_iter();
                Some(flag.to_string())
            }
            _ => Some(arg),
        }
    }

    /// The value that must follow `flag`.
    pub(crate) fn value(&mut self, flag: &str) -> String {
        match self.args.next() {
            Some(v) if !v.starts_with("--") => v,
            _ => self.error(&format!("{flag} needs a value")),
        }
    }

    pub(crate) fn error(&self, problem: &str) -> ! {
        usage_error(self.usage, problem)
    }
}

/// Honours `SSLKEYLOGFILE`, as curl and Python do: the TLS secrets are
/// appended to that file for Wireshark. (The library never reads it itself.)
pub(crate) fn keylog_from_env(b: &mut sslsocket::SslConfigBuilder) {
    if let Some(path) = std::env::var_os("SSLKEYLOGFILE").filter(|p| !p.is_empty()) {
        b.set_keylog_file(path);
    }
}
