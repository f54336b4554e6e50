//! Running programs as peers: the `openssl s_server` / `s_client`
//! programs, and through [`Proc`] any other (our examples, another TLS
//! library's server).
//!
//! Every wait is bounded, and every child is killed and reaped when its
//! handle is dropped, so a failing (panicking) test leaves nothing running.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long any single process may take to start, finish, or print its port.
pub(crate) const PROCESS_TIMEOUT: Duration = Duration::from_secs(15);

/// The `openssl` program: `$SSLSOCKET_OPENSSL`, else `/usr/bin/openssl` when
/// it exists, else whatever `openssl` is on `PATH`.
pub(crate) fn openssl_program() -> String {
    if let Ok(p) = std::env::var("SSLSOCKET_OPENSSL") {
        return p;
    }
    if Path::new("/usr/bin/openssl").exists() {
        "/usr/bin/openssl".into()
    } else {
        "openssl".into()
    }
}

/// Absolute path of a file under `certs/` as a program argument, e.g.
/// `cert("server.pem")`.
pub(crate) use super::pki::cert_arg as cert;

/// The arguments that keep the system trust store out of either program.
pub(crate) const NO_SYSTEM_CA: [&str; 3] = ["-no-CAfile", "-no-CApath", "-no-CAstore"];

/// Writes the DH parameters of `openssl genpkey -genparam -algorithm DH
/// -pkeyopt PKEYOPT` as PEM to `dir/name`: `dh_param:ffdhe3072` is RFC
/// 7919's group, written at once (no search for a prime).
pub(crate) fn dh_params_file(dir: &Path, name: &str, pkeyopt: &str) -> PathBuf {
    let path = dir.join(name);
    let status = std::process::Command::new(openssl_program())
        .args([
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            pkeyopt,
            "-out",
        ])
        .arg(&path)
        .status()
        .expect("openssl genpkey runs");
    assert!(status.success(), "openssl genpkey -pkeyopt {pkeyopt}");
    path
}

/// A fresh directory under the target directory, for files made at test time.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// What a finished program printed and how it ended.
#[derive(Debug)]
pub(crate) struct Output {
    /// The exit status; `None` when it had to be killed.
    pub(crate) status: Option<ExitStatus>,
    /// Whether it was still running at the deadline (and was killed).
    pub(crate) timed_out: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    /// True when stdout or stderr contains `needle`.
    pub(crate) fn mentions(&self, needle: &str) -> bool {
        self.stdout.contains(needle) || self.stderr.contains(needle)
    }

    /// Exit code 0, on time.
    pub(crate) fn success(&self) -> bool {
        !self.timed_out && self.status.is_some_and(|s| s.success())
    }

    /// Both streams, for assertion messages.
    pub(crate) fn dump(&self) -> String {
        format!(
            "status {:?}{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status,
            if self.timed_out {
                " (timed out, killed)"
            } else {
                ""
            },
            self.stdout,
            self.stderr
        )
    }

    /// The CA names s_client (any flags) printed from the server's
    /// CertificateRequest, one per line after `Acceptable client
    /// certificate CA names`; empty after `No client certificate CA names
    /// sent` (also printed when no CertificateRequest came: see
    /// [`saw_certificate_request`](Self::saw_certificate_request));
    /// `None` when it printed neither.
    pub(crate) fn ca_names(&self) -> Option<Vec<String>> {
        if self.stdout.contains("No client certificate CA names sent") {
            return Some(Vec::new());
        }
        let mut lines = self.stdout.lines();
        lines.find(|l| l.trim() == "Acceptable client certificate CA names")?;
        Some(
            lines
                .take_while(|l| l.contains(" = "))
                .map(|l| l.trim().to_owned())
                .collect(),
        )
    }

    /// Whether s_client, run with `-msg`, received a CertificateRequest.
    pub(crate) fn saw_certificate_request(&self) -> bool {
        self.stdout
            .lines()
            .any(|l| l.starts_with("<<< ") && l.ends_with(", CertificateRequest"))
    }

    /// The number in s_client's `Verify return code: N (text)` line.
    pub(crate) fn verify_return_code(&self) -> Option<i32> {
        let all = format!("{}\n{}", self.stdout, self.stderr);
        all.lines().find_map(|l| {
            let rest = l.trim().strip_prefix("Verify return code: ")?;
            rest.split_whitespace().next()?.parse().ok()
        })
    }
}

/// Collects one pipe of a child into a string, on its own thread.
struct Captured {
    text: Arc<Mutex<String>>,
    reader: Option<JoinHandle<()>>,
}

impl Captured {
    /// Reads `pipe` line by line; each line is also sent to `lines`, if
    /// given (without its line ending).
    fn new(pipe: impl Read + Send + 'static, lines: Option<mpsc::Sender<String>>) -> Captured {
        let text = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&text);
        let reader = thread::spawn(move || {
            let mut pipe = BufReader::new(pipe);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match pipe.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf).into_owned();
                        sink.lock().unwrap().push_str(&line);
                        if let Some(tx) = &lines {
                            let _ = tx.send(line.trim_end_matches(['\n', '\r']).to_owned());
                        }
                    }
                }
            }
        });
        Captured {
            text,
            reader: Some(reader),
        }
    }

    /// Everything read so far, after the pipe's end when `join` (the child is gone).
    fn take(&mut self, join: bool) -> String {
        if join {
            if let Some(r) = self.reader.take() {
                let _ = r.join();
            }
        }
        self.text.lock().unwrap().clone()
    }
}

/// A running program with captured stdout and stderr, killed and reaped
/// when dropped.
pub(crate) struct Proc {
    what: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Captured,
    stderr: Captured,
}

impl Proc {
    /// `openssl ARGS`.
    fn spawn(args: &[&str], stdout_lines: Option<mpsc::Sender<String>>) -> Proc {
        Proc::start(openssl_program(), args, stdout_lines, None)
    }

    /// Runs `program args` from the crate root, its stdin open (and
    /// silent) until [`close_stdin`](Self::close_stdin) or the end; each
    /// line it prints on stdout (stderr) is also sent to `stdout_lines`
    /// (`stderr_lines`), if given.
    pub(crate) fn start(
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
        stdout_lines: Option<mpsc::Sender<String>>,
        stderr_lines: Option<mpsc::Sender<String>>,
    ) -> Proc {
        let program = program.as_ref();
        let what = format!("{} {}", program.to_string_lossy(), args.join(" "));
        let mut child = Command::new(program)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
        let stdout = Captured::new(child.stdout.take().unwrap(), stdout_lines);
        let stderr = Captured::new(child.stderr.take().unwrap(), stderr_lines);
        Proc {
            what,
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
        }
    }

    /// Closes its stdin: it reads end of file.
    pub(crate) fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Writes `data` on its stdin.
    pub(crate) fn write_stdin(&mut self, data: &[u8]) {
        if let Some(stdin) = &mut self.stdin {
            // The program may already have exited (a failed handshake): a
            // broken pipe is part of the scenario, not an error here.
            let _ = stdin.write_all(data).and_then(|()| stdin.flush());
        }
    }

    /// Waits until `deadline` for the program to exit, killing it then.
    fn finish(&mut self, timeout: Duration) -> Output {
        let deadline = Instant::now() + timeout;
        let mut timed_out = false;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                Ok(None) | Err(_) => {
                    timed_out = true;
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
            }
        };
        self.stdin = None;
        Output {
            status,
            timed_out,
            stdout: self.stdout.take(true),
            stderr: self.stderr.take(true),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `openssl s_server -accept 127.0.0.1:0 …`, with the port it printed.
pub(crate) struct SServer {
    proc: Proc,
    port: u16,
}

impl SServer {
    /// Starts `openssl s_server -accept 127.0.0.1:0 -no-CAfile -no-CApath
    /// -no-CAstore ARGS` and reads its stdout up to the `ACCEPT
    /// 127.0.0.1:PORT` line. Its stdin stays open (and silent) until it ends.
    pub(crate) fn start(args: &[&str]) -> SServer {
        let mut all = vec!["s_server", "-accept", "127.0.0.1:0"];
        all.extend(NO_SYSTEM_CA);
        all.extend_from_slice(args);
        let (tx, rx) = mpsc::channel();
        let mut proc = Proc::spawn(&all, Some(tx));
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.trim().strip_prefix("ACCEPT ") {
                        let port = addr
                            .rsplit_once(':')
                            .and_then(|(_, p)| p.parse::<u16>().ok())
                            .unwrap_or_else(|| panic!("unparsable ACCEPT line {line:?}"));
                        break port;
                    }
                }
                Err(_) => {
                    let out = proc.finish(Duration::from_millis(100));
                    panic!(
                        "{} printed no ACCEPT line within {PROCESS_TIMEOUT:?}:\n{}",
                        proc.what,
                        out.dump()
                    );
                }
            }
        };
        SServer { proc, port }
    }

    /// As [`SServer::start`], serving the test PKI's `localhost` certificate
    /// with its intermediate (`-cert server.pem -cert_chain intermediate.pem
    /// -key server.key`), then `args`.
    pub(crate) fn localhost(args: &[&str]) -> SServer {
        SServer::localhost_of("", args)
    }

    /// As [`SServer::localhost`], with the PKI under `certs/<dir>` (`"rsa/"`).
    pub(crate) fn localhost_of(dir: &str, args: &[&str]) -> SServer {
        let file = |name: &str| cert(&format!("{dir}{name}"));
        let (chain, inter, key) = (
            file("server.pem"),
            file("intermediate.pem"),
            file("server.key"),
        );
        let mut all = vec!["-cert", &chain, "-cert_chain", &inter, "-key", &key];
        all.extend_from_slice(args);
        SServer::start(&all)
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Types `line` on the server's standard input (its interactive
    /// commands: `c` asks for a certificate after a TLS 1.3 handshake, `R`
    /// renegotiates asking for one on TLS 1.2; other text is sent to the client).
    pub(crate) fn type_line(&mut self, line: &str) {
        self.proc.write_stdin(format!("{line}\n").as_bytes());
        // s_server takes one read(2) of its stdin as one command: give it
        // time to consume this line before the next one arrives.
        thread::sleep(Duration::from_millis(250));
    }

    /// Waits for the server to exit (use `-naccept 1`) and returns its output.
    pub(crate) fn finish(mut self) -> Output {
        self.proc.finish(PROCESS_TIMEOUT)
    }
}

/// `openssl s_client -connect 127.0.0.1:PORT -servername localhost …`.
pub(crate) struct SClient {
    proc: Proc,
}

impl SClient {
    /// Starts s_client against `127.0.0.1:port` with the system store off,
    /// writes `input` to its stdin and keeps stdin open, so that it goes on
    /// reading from the server until the server closes or aborts.
    pub(crate) fn start(port: u16, args: &[&str], input: &[u8]) -> SClient {
        SClient::start_named(port, "localhost", args, input)
    }

    /// As [`SClient::start`], sending `servername` as SNI.
    pub(crate) fn start_named(port: u16, servername: &str, args: &[&str], input: &[u8]) -> SClient {
        SClient::launch(port, servername, args, input, None)
    }

    /// As [`SClient::start_named`], each line it prints on stdout also sent
    /// to `lines`, if given.
    fn launch(
        port: u16,
        servername: &str,
        args: &[&str],
        input: &[u8],
        lines: Option<mpsc::Sender<String>>,
    ) -> SClient {
        let connect = format!("127.0.0.1:{port}");
        let mut all = vec!["s_client", "-connect", &connect, "-servername", servername];
        all.extend(NO_SYSTEM_CA);
        all.extend_from_slice(args);
        let mut proc = Proc::spawn(&all, lines);
        proc.write_stdin(input);
        SClient { proc }
    }

    /// As [`SClient::start`], also handing on each line s_client prints on
    /// its stdout as soon as it prints it (see [`wait_for_line`]).
    pub(crate) fn start_watched(
        port: u16,
        args: &[&str],
        input: &[u8],
    ) -> (SClient, mpsc::Receiver<String>) {
        let (tx, rx) = mpsc::channel();
        (
            SClient::launch(port, "localhost", args, input, Some(tx)),
            rx,
        )
    }

    /// `s_client -tls1_3 -enable_pha -msg` with the test client's
    /// certificate, trusting the test CA, watched as by
    /// [`start_watched`](Self::start_watched): it answers a post-handshake
    /// CertificateRequest and prints a line naming it when it arrives.
    pub(crate) fn start_pha_watched(port: u16) -> (SClient, mpsc::Receiver<String>) {
        let (c, k, ca) = (cert("client.pem"), cert("client.key"), cert("ca.pem"));
        let args = [
            "-tls1_3",
            "-enable_pha",
            "-msg",
            "-cert",
            &c,
            "-key",
            &k,
            "-CAfile",
            &ca,
        ];
        SClient::start_watched(port, &args, b"")
    }

    /// Types `line` on s_client's standard input, which it sends to the
    /// server as application data.
    pub(crate) fn type_line(&mut self, line: &str) {
        self.proc.write_stdin(format!("{line}\n").as_bytes());
    }

    /// Waits (bounded) for s_client to exit and returns what it printed.
    pub(crate) fn finish(mut self) -> Output {
        self.proc.finish(PROCESS_TIMEOUT)
    }
}

/// Waits at most `limit` for a line of `lines` that contains `needle`:
/// when it came, or `None`.
pub(crate) fn wait_for_line(
    lines: &mpsc::Receiver<String>,
    needle: &str,
    limit: Duration,
) -> Option<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return Some(Instant::now()),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

/// Asserts that s_client saw the CertificateRequest (`seen`, from
/// [`wait_for_line`]) within 1 s of `sent`, when the server's call that
/// sent it returned; prints the delay.
pub(crate) fn assert_request_seen(case: &str, sent: Instant, seen: Option<Instant>, out: &Output) {
    let Some(seen) = seen else {
        panic!(
            "{case}: s_client saw no CertificateRequest within the wait\n{}",
            out.dump()
        );
    };
    let delay = seen.saturating_duration_since(sent);
    eprintln!("{case}: s_client saw the request {delay:?} after the call returned");
    assert!(delay < Duration::from_secs(1), "{case}: {delay:?}");
}
