/// One non-blocking connection in a poll loop: sends `out` while it reads
/// `expect` bytes (the peer may do the same: both pipeline), then sends
/// close_notify. The first call starts the handshake.
struct Conn<S> {
    tls: SslSocket<S>,
    out: Vec<u8>,
    sent: usize,
    got: Vec<u8>,
    expect: usize,
    closed: bool,
    /// What the blocked send (or shutdown) and the blocked receive wait for.
    waits: [Option<Want>; 2],
}

impl<S: Read + Write + AsFd> Conn<S> {
    fn new(tls: SslSocket<S>, out: Vec<u8>, expect: usize) -> Self {
        let got = Vec::with_capacity(expect);
        Conn {
            tls,
            out,
            sent: 0,
            got,
            expect,
            closed: false,
            waits: [None, None],
        }
    }

    /// The poll(2) events that wake the calls that would block: exactly
    /// what each said it waits for.
    fn events(&self) -> libc::c_short {
        let mut events = 0;
        for want in self.waits.iter().flatten() {
            if want.wants_readable() {
                events |= libc::POLLIN;
            }
            if want.wants_writable() {
                events |= libc::POLLOUT;
            }
        }
        events
    }

    /// Calls again each call whose readiness came (or that never blocked).
    fn step(&mut self, revents: libc::c_short) -> Result<(), Error> {
        let ready = |want: Option<Want>| match want {
            None => true,
            Some(w) => {
                (w.wants_readable()
                    && revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0)
                    || (w.wants_writable() && revents & (libc::POLLOUT | libc::POLLERR) != 0)
            }
        };
        // Decrypted bytes wait inside OpenSSL, not on the descriptor.
        if ready(self.waits[1]) || self.tls.pending() > 0 {
            self.waits[1] = None;
            let mut buf = [0u8; 16 * 1024];
            while self.got.len() < self.expect {
                match self.tls.recv(&mut buf) {
                    Ok(0) => return Err(Error::UnexpectedEof),
                    Ok(n) => self.got.extend_from_slice(&buf[..n]),
                    Err(e) if e.is_would_block() => {
                        self.waits[1] = e.would_block();
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        if ready(self.waits[0]) {
            self.waits[0] = None;
            while self.sent < self.out.len() {
                // After "would block", the same bytes again.
                let end = (self.sent + 16 * 1024).min(self.out.len());
                match self.tls.send(&self.out[self.sent..end]) {
                    Ok(n) => self.sent += n,
                    Err(e) if e.is_would_block() => {
                        self.waits[0] = e.would_block();
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                }
            }
            if self.got.len() == self.expect && !self.closed {
                match self.tls.shutdown() {
                    Ok(()) => self.closed = true,
                    Err(e) if e.is_would_block() => self.waits[0] = e.would_block(),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

/// Runs the connections until each has sent, read and closed; fails if
/// nothing becomes ready for what they wait for within `stall`.
fn run<S: Read + Write + AsFd>(conns: &mut [Conn<S>], stall: Duration) -> Result<(), String> {
    for c in conns.iter_mut() {
        c.step(0).map_err(|e| e.to_string())?;
    }
    while conns.iter().any(|c| !c.closed) {
        let mut fds: Vec<libc::pollfd> = conns
            .iter()
            .map(|c| libc::pollfd {
                fd: c.tls.as_raw_fd(),
                events: c.events(),
                revents: 0,
            })
            .collect();
        // Bytes decrypted and not yet read: no need to wait.
        let now = conns
            .iter()
            .any(|c| c.tls.pending() > 0 && c.got.len() < c.expect);
        let ms = if now {
            0
        } else {
            stall.as_millis() as libc::c_int
        };
        // SAFETY: `fds` is a live array of `fds.len()` initialised pollfds.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n == 0 && !now {
            let waits: Vec<_> = conns.iter().map(|c| c.waits).collect();
            return Err(format!("stalled for {stall:?}, waiting for {waits:?}"));
        }
        for (c, fd) in conns.iter_mut().zip(&fds) {
            c.step(fd.revents).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
