//! Measurements of the process: CPU time, RSS, heap, descriptors. Shared
//! by the tests and the benchmarks (which include this file).

// Each includer uses a different part of this module.
#![allow(dead_code)]

use std::time::Duration;

pub(crate) fn cpu_time() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable `rusage` for the whole call.
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(r, 0, "getrusage");
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// VmRSS of this process, in bytes.
pub(crate) fn rss() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Bytes the allocator has handed out and not had back (all arenas).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn heap() -> i64 {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as i64
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn heap() -> i64 {
    0
}

/// Gives free heap pages back to the system so RSS growth starts from a
/// clean baseline.
pub(crate) fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Makes sure `need` file descriptors can be open at once.
pub(crate) fn raise_nofile(need: u64) {
    // SAFETY: an all-zero `rlimit` is a valid value of this plain C struct.
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `lim` is a valid, writable `rlimit` for the whole call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return;
    }
    if lim.rlim_cur >= need as libc::rlim_t {
        return;
    }
    let want = (need as libc::rlim_t).min(lim.rlim_max);
    let new = libc::rlimit {
        rlim_cur: want,
        rlim_max: lim.rlim_max,
    };
    // SAFETY: `new` is a valid `rlimit`, only read by the call.
    let r = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) };
    println!(
        "open files: soft limit {} -> {} ({})",
        lim.rlim_cur,
        want,
        if r == 0 { "raised" } else { "setrlimit failed" }
    );
    assert!(
        want >= need as libc::rlim_t && r == 0,
        "need {need} open files; raise `ulimit -n`"
    );
}
