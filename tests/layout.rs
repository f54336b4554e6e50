//! The source tree keeps its layers (ARCHITECTURE.md): every file of
//! `src/` uses only its own layer and those below it, and every `unsafe`
//! block is in `src/sys/`.

use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer, bottom (0) to top.
const LAYERS: &[(&str, u8)] = &[
    ("sys", 0),
    ("alert", 1),
    ("version", 1),
    ("verify", 2),
    ("error", 2),
    ("config", 3),
    ("conn", 4),
    ("socket", 5),
    ("duplex", 5),
    ("listener", 5),
    ("deprecated", 5),
    ("serialize", 5),
    ("tokio", 5),
    ("porting", 5),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/`'s files but `lib.rs`, each with its top-level module.
fn files() -> Vec<(String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    sources(&src, &mut all);
    all.sort();
    all.into_iter()
        .filter(|p| !p.ends_with("src/lib.rs"))
        .map(|p| {
            let first = p.strip_prefix(&src).unwrap().components().next().unwrap();
            let name = first.as_os_str().to_str().unwrap();
            (name.trim_end_matches(".rs").to_owned(), p)
        })
        .collect()
}

/// The lines that are code: not comments (doc links may point anywhere).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.starts_with("//") && !l.starts_with("#[doc"))
}

/// The top-level modules a line names as `crate::module`.
fn named_modules(line: &str) -> Vec<&str> {
    line.match_indices("crate::")
        .map(|(at, _)| {
            let rest = &line[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn every_file_uses_only_its_layer_and_those_below() {
    let mut wrong = Vec::new();
    for (module, path) in files() {
        let Some(own) = layer(&module) else {
            wrong.push(format!(
                "{}: module `{module}` has no layer",
                path.display()
            ));
            continue;
        };
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&text) {
            for used in named_modules(line) {
                match layer(used) {
                    Some(l) if l <= own => {}
                    Some(_) => wrong.push(format!("{}:{n}: {line}", path.display())),
                    // `crate::Name`: a root re-export used as a way round the layers.
                    None => {
                        wrong.push(format!("{}:{n}: not by its module: {line}", path.display()))
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "upward or indirect uses:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_unsafe_block_is_in_sys() {
    let mut outside = Vec::new();
    for (module, path) in files() {
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&text) {
            let unsafe_code = line.contains("unsafe {")
                || line.contains("unsafe fn")
                || line.contains("unsafe impl");
            if unsafe_code && module != "sys" {
                outside.push(format!("{}:{n}: {line}", path.display()));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "unsafe outside src/sys/:\n{}",
        outside.join("\n")
    );
}

#[test]
fn the_layer_table_names_every_module_of_the_crate_root() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        let line = line.trim();
        if let Some(rest) = line
            .strip_prefix("mod ")
            .or_else(|| line.strip_prefix("pub mod "))
        {
            let name = rest.trim_end_matches(';');
            assert!(
                layer(name).is_some(),
                "src/lib.rs declares `{name}`, which has no layer here"
            );
        }
    }
}
