//! TLS secrets in the NSS key log format (`SSLKEYLOGFILE`), for Wireshark:
//! handed to a callback, appended to a file, or both.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use openssl::ssl::SslContextBuilder;

use crate::config::SslConfigBuilder;
use crate::error::Error;

pub(crate) type KeylogHook = dyn Fn(&str) + Send + Sync;

/// Where a configuration's key log lines go.
#[derive(Clone, Default)]
pub(crate) struct KeyLog {
    pub(crate) callback: Option<Arc<KeylogHook>>,
    pub(crate) file: Option<PathBuf>,
}

impl KeyLog {
    /// Opens the file (to append, created if missing) and installs the
    /// context's key log callback (`SSL_CTX_set_keylog_callback`), if
    /// either was asked for. Each line is written whole, with its newline,
    /// in one `write`; a panic in the application's callback fails the
    /// operation it happened in.
    pub(crate) fn install(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        if self.callback.is_none() && self.file.is_none() {
            return Ok(());
        }
        let file = match &self.file {
            None => None,
            Some(path) => {
                let f = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| Error::File {
                        what: "key log",
                        path: path.clone(),
                        source,
                    })?;
                Some(Mutex::new(f))
            }
        };
        let callback = self.callback.clone();
        b.set_keylog_callback(move |ssl, line| {
            if let Some(f) = &file {
                write_line(f, line);
            }
            if let Some(hook) = &callback {
                crate::config::hooks::record::guarded(ssl, "key log", || hook(line));
            }
        });
        Ok(())
    }
}

fn write_line(file: &Mutex<File>, line: &str) {
    let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
    let mut whole = String::with_capacity(line.len() + 1);
    whole.push_str(line);
    whole.push('\n');
    // A key log that cannot be written must not break the connection.
    let _ = f.write_all(whole.as_bytes());
}

impl fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyLog")
            .field("callback", &self.callback.is_some())
            .field("file", &self.file)
            .finish()
    }
}

impl SslConfigBuilder {
    /// Calls `log` with each TLS secret of every connection, one NSS key log
    /// line without its newline (`CLIENT_HANDSHAKE_TRAFFIC_SECRET <client
    /// random> <secret>`, ..., `CLIENT_RANDOM` on TLS 1.2), the format
    /// Wireshark reads (`SSL_CTX_set_keylog_callback`).
    ///
    /// # Warning
    ///
    /// Anyone with these lines can decrypt the connections: for debugging only.
    #[doc(alias = "SSL_CTX_set_keylog_callback")]
    pub fn set_keylog_callback<F>(&mut self, log: F) -> &mut Self
    where
        F: Fn(&str) + Send + Sync + 'static,
    {
        self.keylog.callback = Some(Arc::new(log));
        self
    }

    /// Appends each TLS secret to `path` as a key log line (Python's
    /// `keylog_filename`); the file is created if missing and opened at
    /// [`build`](Self::build) ([`Error::File`] if it cannot be). The crate
    /// never reads `SSLKEYLOGFILE` itself: an application that wants to
    /// honour it, as curl and Python do, passes its value here (the
    /// `s_client` and `s_server` examples do).
    ///
    /// # Warning
    ///
    /// As [`set_keylog_callback`](Self::set_keylog_callback): the file
    /// decrypts every connection.
    #[doc(alias("keylog_filename", "SSLKEYLOGFILE", "SSL_CTX_set_keylog_callback"))]
    pub fn set_keylog_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.keylog.file = Some(path.as_ref().to_owned());
        self
    }
}
