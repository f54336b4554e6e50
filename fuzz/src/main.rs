//! The fuzz targets of sslsocket under AFL++: `sslsocket-fuzz TARGET` runs
//! one in AFL's persistent mode, `sslsocket-fuzz seeds DIR` records the seed
//! corpora from real handshakes, `sslsocket-fuzz replay TARGET FILE...`
//! runs inputs once, outside the fuzzer. What each target does is written
//! in `tests/fuzz_harness/mod.rs`, which the corpus replay of `cargo test`
//! shares.

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["seeds", dir] => match harness::record_seeds(Path::new(dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("recording seeds in {dir}: {e}");
                ExitCode::FAILURE
            }
        },
        ["replay", target, files @ ..] => {
            let run = harness::target(target);
            for file in files {
                match std::fs::read(file) {
                    Ok(bytes) => run(&bytes),
                    Err(e) => eprintln!("{file}: {e}"),
                }
            }
            ExitCode::SUCCESS
        }
        [target] if harness::TARGETS.iter().any(|(n, _)| n == target) => {
            let run = harness::target(target);
            harness::warm_up();
            // Panics the crate catches (a hook's) are not crashes; any
            // other panic unwinds to afl, which aborts: a crash.
            afl::fuzz(false, run);
            ExitCode::SUCCESS
        }
        _ => {
            let names: Vec<&str> = harness::TARGETS.iter().map(|(n, _)| *n).collect();
            eprintln!(
                "usage: sslsocket-fuzz TARGET | seeds DIR | replay TARGET FILE...\ntargets: {}",
                names.join(", ")
            );
            ExitCode::FAILURE
        }
    }
}
