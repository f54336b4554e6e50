//! X.509 names in one line, as errors, hooks and inspection print them.

use openssl::x509::{X509NameEntryRef, X509NameRef, X509Ref};

/// A certificate's subject in one line, `O=Example, CN=localhost`.
pub(crate) fn subject_of(cert: Option<&X509Ref>) -> String {
    cert.map(|c| name_to_string(c.subject_name()))
        .unwrap_or_else(|| "(no certificate)".into())
}

/// An X.509 name as `C=.., O=.., CN=..`, in the order of its entries.
#[doc(alias = "X509_NAME_print_ex")]
pub fn name_to_string(name: &X509NameRef) -> String {
    name.entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            format!("{key}={}", entry_value(e))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An X.509 name's entries in order, each as OpenSSL's short name (the
/// dotted OID of an attribute OpenSSL does not name) and its value.
pub(crate) fn name_entries(name: &X509NameRef) -> Vec<(String, String)> {
    name.entries()
        .map(|e| {
            let key = match e.object().nid().short_name() {
                Ok(short) => short.to_owned(),
                Err(_) => e.object().to_string(),
            };
            (key, entry_value(e))
        })
        .collect()
}

/// An entry's value in UTF-8, or its bytes read as UTF-8 where OpenSSL
/// cannot convert it.
fn entry_value(e: &X509NameEntryRef) -> String {
    e.data()
        .to_string()
        .unwrap_or_else(|_| String::from_utf8_lossy(e.data().as_slice()).into_owned())
}
