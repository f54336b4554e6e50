//! The password of an encrypted private key: given, or asked for by a
//! callback, and never prompted for on a terminal.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::error::Error;

/// What a private-key password callback returns: the password as a string
/// or bytes, or `None` (or `Option` of either) when it has none to give, in
/// which case loading an encrypted key fails with
/// [`ConfigError::KeyPasswordRequired`](crate::ConfigError::KeyPasswordRequired).
///
/// ```
/// use sslsocket::SslConfig;
/// let mut b = SslConfig::server();
/// b.set_private_key_password_callback(|| "sslsocket-test");
/// b.set_private_key_password_callback(|| std::env::var("KEY_PASSWORD").ok());
/// b.set_private_key_password_callback(|| b"sslsocket-test".to_vec());
/// ```
pub trait IntoPassword {
    /// The password's bytes, or `None` for no password.
    fn into_password(self) -> Option<Vec<u8>>;
}

impl IntoPassword for String {
    fn into_password(self) -> Option<Vec<u8>> {
        Some(self.into_bytes())
    }
}

impl IntoPassword for &str {
    fn into_password(self) -> Option<Vec<u8>> {
        Some(self.as_bytes().to_vec())
    }
}

impl IntoPassword for Vec<u8> {
    fn into_password(self) -> Option<Vec<u8>> {
        Some(self)
    }
}

impl IntoPassword for &[u8] {
    fn into_password(self) -> Option<Vec<u8>> {
        Some(self.to_vec())
    }
}

impl<P: IntoPassword> IntoPassword for Option<P> {
    fn into_password(self) -> Option<Vec<u8>> {
        self.and_then(IntoPassword::into_password)
    }
}

type PasswordHook = dyn Fn() -> Option<Vec<u8>> + Send + Sync;

/// Where the password of a configuration's private key comes from.
#[derive(Clone, Default)]
pub(crate) enum KeyPassword {
    /// No password: an encrypted key is an error.
    #[default]
    None,
    /// This password.
    Given(Vec<u8>),
    /// Whatever this callback returns when a key turns out to be encrypted.
    Callback(Arc<PasswordHook>),
}

impl KeyPassword {
    /// A callback as the configuration keeps it.
    pub(crate) fn callback<F, P>(ask: F) -> KeyPassword
    where
        F: Fn() -> P + Send + Sync + 'static,
        P: IntoPassword,
    {
        KeyPassword::Callback(Arc::new(move || ask().into_password()))
    }

    /// The password, asking the callback if there is one.
    ///
    /// # Errors
    ///
    /// [`Error::CallbackPanicked`] when the callback panicked.
    pub(crate) fn get(&self) -> Result<Option<Vec<u8>>, Error> {
        match self {
            KeyPassword::None => Ok(None),
            KeyPassword::Given(p) => Ok(Some(p.clone())),
            KeyPassword::Callback(ask) => {
                catch_unwind(AssertUnwindSafe(|| ask())).map_err(|p| Error::CallbackPanicked {
                    callback: "private key password",
                    message: crate::sys::panics::panic_message(p),
                })
            }
        }
    }

    /// The password copied into OpenSSL's buffer, for a context's default
    /// password callback (`SSL_CTX_set_default_passwd_cb`): its length, or
    /// 0 for none (no password, a callback that panicked, one too long).
    pub(crate) fn fill(&self, buf: &mut [u8]) -> usize {
        match self.get() {
            Ok(Some(p)) if p.len() <= buf.len() => {
                buf[..p.len()].copy_from_slice(&p);
                p.len()
            }
            _ => 0,
        }
    }
}

impl fmt::Debug for KeyPassword {
    /// Never shows the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyPassword::None => "None",
            KeyPassword::Given(_) => "Given(..)",
            KeyPassword::Callback(_) => "Callback(..)",
        })
    }
}

/// A password kept in a configuration (a PKCS#12 file's), never shown by `Debug`.
#[derive(Clone)]
pub(crate) struct Password(pub(crate) String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}
