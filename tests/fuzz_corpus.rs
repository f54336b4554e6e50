//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`, minimized
//! from the fuzzer's runs) and every input that once crashed a target
//! (`fuzz/regressions/<target>/`) through the fuzz targets, unfuzzed: none
//! may panic, hang or crash.

mod fuzz_harness;

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// Runs every input of `kind` for every target; returns how many ran.
fn replay(kind: &str) -> usize {
    let mut ran = 0;
    for (target, run) in fuzz_harness::TARGETS {
        for file in inputs(kind, target) {
            let bytes = std::fs::read(&file).unwrap();
            let started = Instant::now();
            run(&bytes);
            let took = started.elapsed();
            assert!(
                took < Duration::from_secs(5),
                "{} took {took:?}",
                file.display()
            );
            ran += 1;
        }
    }
    ran
}

#[test]
fn the_committed_corpus_replays_cleanly() {
    for (target, _) in fuzz_harness::TARGETS {
        assert!(
            !inputs("corpus", target).is_empty(),
            "no corpus for {target}"
        );
    }
    assert!(replay("corpus") > 0);
}

#[test]
fn inputs_that_once_crashed_replay_cleanly() {
    assert!(replay("regressions") > 0, "no regression inputs");
}
