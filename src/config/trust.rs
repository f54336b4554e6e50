//! What a context verifies with besides its CAs: revocation lists, the
//! verification flags, the chain's depth and the host-name check's flags.

use openssl::ssl::SslContextBuilder;
use openssl::x509::verify::{X509CheckFlags, X509VerifyFlags};
use openssl::x509::X509Crl;

use crate::config::identity::Source;
use crate::error::config_error::ConfigError;
use crate::error::Error;
use crate::verify::hostname_flags::HostnameFlags;
use crate::verify::verify_flags::VerifyFlags;

/// The CRLs of a PEM source (one `X509 CRL` block or many) or a DER one.
fn crls(source: &Source) -> Result<Vec<X509Crl>, Error> {
    const WHAT: &str = "CRL";
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    const END: &[u8] = b"-----END X509 CRL-----";
    let bytes = source.bytes(WHAT)?;
    let load = |e| Error::load(WHAT, source.origin(), e);
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    if find(&bytes, b"-----BEGIN ").is_none() {
        return X509Crl::from_der(&bytes).map(|c| vec![c]).map_err(load);
    }
    let mut out = Vec::new();
    let mut rest = &bytes[..];
    while let Some(start) = find(rest, BEGIN) {
        let block = &rest[start..];
        let end = find(block, END).map_or(block.len(), |e| e + END.len());
        out.push(X509Crl::from_pem(&block[..end]).map_err(load)?);
        rest = &block[end..];
    }
    if out.is_empty() {
        return Err(Error::Load {
            what: WHAT,
            origin: source.origin(),
            reason: "no PEM X509 CRL block found".into(),
            source: None,
        });
    }
    Ok(out)
}

/// What a context verifies with besides its CAs: CRLs, flags, the chain's
/// depth and the host-name check's flags (its `X509_VERIFY_PARAM`).
#[derive(Clone, Debug, Default)]
pub(crate) struct VerifyParams {
    pub(crate) crls: Vec<Source>,
    pub(crate) flags: VerifyFlags,
    pub(crate) depth: Option<u32>,
    pub(crate) host_flags: HostnameFlags,
}

impl VerifyParams {
    /// Loads the CRLs into the context's store and sets the flags, depth
    /// and host flags on its parameters (which every connection inherits).
    pub(crate) fn apply(&self, b: &mut SslContextBuilder) -> Result<(), Error> {
        for source in &self.crls {
            for crl in crls(source)? {
                crate::sys::ffi::store_add_crl(b.cert_store_mut(), &crl)
                    .map_err(|e| Error::load("CRL", source.origin(), e))?;
            }
        }
        let param = b.verify_param_mut();
        param
            .set_flags(X509VerifyFlags::from_bits_retain(self.flags.bits()))
            .map_err(|source| ConfigError::OpenSsl {
                step: "verify flags",
                source,
            })?;
        param.set_hostflags(X509CheckFlags::from_bits_retain(self.host_flags.bits()));
        if let Some(depth) = self.depth {
            b.set_verify_depth(u32::min(depth, i32::MAX as u32));
        }
        Ok(())
    }
}
