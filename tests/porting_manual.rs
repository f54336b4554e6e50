//! The porting manual (`src/porting/*.md`): every Python, python-nss and
//! Qore name in its tables finds something in rustdoc's search, as a doc
//! alias or as the name of an item, unless the crate has no equivalent.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Names in the tables that no call of this crate answers to: NSS options
/// OpenSSL has no use for, and calls the crate does not have.
const NO_EQUIVALENT: [&str; 10] = [
    // Always on, or no such thing in OpenSSL.
    "SSL_SECURITY",
    "SSL_V2_COMPATIBLE_HELLO",
    "SSL_ROLLBACK_DETECTION",
    // Calls without an equivalent here.
    "get_ciphers",
    "session_stats",
    "gettimeout",
    "get_certificate",
    "get_cipher_pref",
    "rehandshake",
    "isDataAvailable",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// What rustdoc's search finds by name, lowercased: every doc alias and
/// every function, type and variant name in `src/`.
fn searchable() -> BTreeSet<String> {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    let mut names = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file");
        let mut in_alias = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with("#[doc(alias") {
                in_alias = true;
            }
            if in_alias {
                for quoted in t.split('"').skip(1).step_by(2) {
                    names.insert(quoted.to_lowercase());
                }
                if t.ends_with(")]") {
                    in_alias = false;
                }
                continue;
            }
            for keyword in ["fn ", "struct ", "enum ", "const "] {
                if let Some((_, rest)) = t.split_once(keyword) {
                    let name: String = rest.chars().take_while(|&c| is_ident_char(c)).collect();
                    names.insert(name.to_lowercase());
                }
            }
            // A variant: `Name {`, `Name(`, `Name,` at the start of a line.
            let name: String = t.chars().take_while(|&c| is_ident_char(c)).collect();
            let after = &t[name.len()..];
            if name.starts_with(|c: char| c.is_ascii_uppercase())
                && [" {", "(", ","].iter().any(|p| after.starts_with(p))
            {
                names.insert(name.to_lowercase());
            }
        }
    }
    names
}

/// `a(b, c)` without what is between parentheses.
fn without_arguments(span: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in span.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The names a table row's first cell gives: in each `code` span, the
/// attribute or method after the last object (`ctx.load_cert_chain(...)`
/// gives `load_cert_chain`), or the one name (`SSL_NO_CACHE`,
/// `new SSLPrivateKey(...)` gives `SSLPrivateKey`).
fn names_in_cell(cell: &str) -> Vec<String> {
    let mut names = Vec::new();
    for span in cell.split('`').skip(1).step_by(2) {
        let span = without_arguments(span);
        let words: Vec<&str> = span
            .split(|c: char| !is_ident_char(c) && c != '.')
            .filter(|w| !w.is_empty() && !w.starts_with('.'))
            .filter(|w| !["new", "True", "False", "None"].contains(w))
            .collect();
        for word in words {
            let name = match word.rsplit_once('.') {
                Some((_, attr)) => attr,
                None if word.contains('_') || word.starts_with(char::is_uppercase) => word,
                None if span.trim() == word => word,
                None if names.is_empty() => word,
                None => continue,
            };
            if name.len() > 2 && !name.ends_with('_') && !name.starts_with(char::is_numeric) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The names in the first column of every table of `page`.
fn table_names(page: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("src/porting").join(page)).expect("a page");
    let lines: Vec<&str> = text.lines().collect();
    let mut names = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let header = lines
            .get(i + 1)
            .is_some_and(|next| next.starts_with("|---"));
        let Some(row) = line.strip_prefix("| ").filter(|_| !header) else {
            continue;
        };
        let row = row.replace("\\|", "");
        let first = row.split(" | ").next().unwrap_or("");
        names.extend(names_in_cell(first));
    }
    names
}

#[test]
fn every_name_in_the_tables_is_searchable() {
    let searchable = searchable();
    let mut missing = Vec::new();
    let mut seen = 0;
    for page in ["python.md", "python_nss.md", "qore.md"] {
        for name in table_names(page) {
            seen += 1;
            let found = searchable.contains(&name.to_lowercase());
            if !found && !NO_EQUIVALENT.contains(&name.as_str()) {
                missing.push(format!("{page}: {name}"));
            }
        }
    }
    assert!(seen > 150, "only {seen} names read from the tables");
    assert!(missing.is_empty(), "not searchable: {missing:#?}");
}

#[test]
fn table_names_are_read_as_a_porter_types_them() {
    let cell = "`ctx.load_cert_chain(certfile, keyfile, password)`, `SSL_NO_CACHE`, \
                `new SSLPrivateKey(pem, pass)`, `recv`, `ctx.options |= ssl.OP_...`";
    assert_eq!(
        names_in_cell(cell),
        [
            "load_cert_chain",
            "SSL_NO_CACHE",
            "SSLPrivateKey",
            "recv",
            "options"
        ]
    );
}
