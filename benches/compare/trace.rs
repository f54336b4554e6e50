//! `--mem-trace`: every OpenSSL allocation goes through these functions
//! (`CRYPTO_set_mem_functions`), which keep the live ones with the source
//! file and line OpenSSL passes, so an idle connection's memory can be
//! attributed to what allocated it.

use std::collections::HashMap;

use crate::{conn::*, memory::*, process::*, setup::*};

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::Mutex;

/// Live allocations: address -> (size, file, line).
pub(crate) type Live = HashMap<usize, (usize, usize, i32)>;

pub(crate) static LIVE: Mutex<Option<Live>> = Mutex::new(None);

unsafe extern "C" {
    fn CRYPTO_set_mem_functions(
        m: Option<unsafe extern "C" fn(usize, *const c_char, c_int) -> *mut c_void>,
        r: Option<unsafe extern "C" fn(*mut c_void, usize, *const c_char, c_int) -> *mut c_void>,
        f: Option<unsafe extern "C" fn(*mut c_void, *const c_char, c_int)>,
    ) -> c_int;
}

pub(crate) fn record(p: *mut c_void, n: usize, file: *const c_char, line: c_int) {
    if let Ok(mut g) = LIVE.lock() {
        if let Some(m) = g.as_mut() {
            m.insert(p as usize, (n, file as usize, line));
        }
    }
}

pub(crate) fn forget(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    if let Ok(mut g) = LIVE.lock() {
        if let Some(m) = g.as_mut() {
            m.remove(&(p as usize));
        }
    }
}

unsafe extern "C" fn t_malloc(n: usize, file: *const c_char, line: c_int) -> *mut c_void {
    // SAFETY: plain malloc; OpenSSL frees it through `t_free`.
    let p = unsafe { libc::malloc(n) };
    if !p.is_null() {
        record(p, n, file, line);
    }
    p
}

unsafe extern "C" fn t_realloc(
    p: *mut c_void,
    n: usize,
    file: *const c_char,
    line: c_int,
) -> *mut c_void {
    // SAFETY: `p` is null or came from `t_malloc`/`t_realloc` (libc).
    let q = unsafe { libc::realloc(p, n) };
    if !q.is_null() {
        forget(p);
        record(q, n, file, line);
    } else if n == 0 {
        forget(p);
    }
    q
}

unsafe extern "C" fn t_free(p: *mut c_void, _file: *const c_char, _line: c_int) {
    forget(p);
    // SAFETY: `p` is null or came from `t_malloc`/`t_realloc` (libc).
    unsafe { libc::free(p) }
}

/// Installs the functions; must run before OpenSSL allocates anything.
pub(crate) fn install() -> bool {
    *LIVE.lock().unwrap() = Some(HashMap::new());
    // SAFETY: the three functions are a consistent malloc/realloc/free
    // set over libc's allocator, valid for the life of the process.
    unsafe { CRYPTO_set_mem_functions(Some(t_malloc), Some(t_realloc), Some(t_free)) == 1 }
}

pub(crate) fn snapshot() -> Live {
    LIVE.lock().unwrap().clone().unwrap_or_default()
}

/// `file:line` of an allocation site.
pub(crate) fn site(file: usize, line: i32) -> String {
    if file == 0 {
        return format!("?:{line}");
    }
    // SAFETY: OpenSSL passes `OPENSSL_FILE`, a static NUL-terminated string.
    let f = unsafe { CStr::from_ptr(file as *const c_char) };
    format!("{}:{line}", f.to_string_lossy())
}

/// Bytes malloc really uses for a request of `n` (glibc, 64-bit).
pub(crate) fn chunk(n: usize) -> usize {
    (n + 8).max(32).div_ceil(16) * 16
}

/// `--mem-trace`: the memory test's connections, every OpenSSL allocation
/// attributed to its source line.
pub(crate) fn mem_trace(n: usize) {
    raise_nofile(2 * n as u64 + 256);
    let p = Proto::TLS13_ECDSA;
    // (site -> bytes) for [client, server] of each implementation.
    let mut per_imp: Vec<[HashMap<String, usize>; 2]> = Vec::new();
    let mut totals: Vec<f64> = Vec::new();
    for imp in [Imp::Ss, Imp::Plain] {
        let (s, c) = make_pair(imp, p, Knobs::default());
        mem_round(n.min(50), s, c);
        let (s, c) = make_pair(imp, p, Knobs::default());
        let mut snaps: Vec<crate::trace::Live> = Vec::new();
        mem_round_probed(n, s, c, &mut |_| snaps.push(crate::trace::snapshot()));
        let [base, loaded, clients_closed] = <[crate::trace::Live; 3]>::try_from(snaps)
            .unwrap_or_else(|_| panic!("three snapshots"));
        let mut sides: [HashMap<String, usize>; 2] = [HashMap::new(), HashMap::new()];
        let mut tracked = 0usize;
        for (addr, (size, file, line)) in &loaded {
            if base.contains_key(addr) {
                continue;
            }
            let side = usize::from(clients_closed.contains_key(addr));
            *sides[side]
                .entry(crate::trace::site(*file, *line))
                .or_default() += chunk(*size);
            tracked += chunk(*size);
        }
        totals.push(tracked as f64 / n as f64);
        per_imp.push(sides);
    }
    println!();
    println!(
        "OpenSSL allocations live per idle connection [mem-trace], bytes (malloc chunk sizes), \
         {n} TLS1.3 ECDSA connections"
    );
    for (i, side) in ["client end", "server end"].iter().enumerate() {
        let mut sites: Vec<String> = per_imp
            .iter()
            .flat_map(|s| s[i].keys().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let bytes = |imp: usize, site: &str| per_imp[imp][i].get(site).copied().unwrap_or(0);
        sites.sort_by_key(|s| std::cmp::Reverse(bytes(0, s).max(bytes(1, s))));
        println!(
            "  {side}: {:<60} {:>9} {:>9}",
            "allocation site", "sslsocket", "openssl"
        );
        let mut shown = (0usize, 0usize);
        for site in &sites {
            let (a, b) = (bytes(0, site), bytes(1, site));
            if a.max(b) / n < 64 {
                continue;
            }
            shown.0 += a;
            shown.1 += b;
            println!("    {:<70} {:>9} {:>9}", site, a / n, b / n);
        }
        let total = |imp: usize| per_imp[imp][i].values().sum::<usize>();
        println!(
            "    {:<70} {:>9} {:>9}",
            "(other sites, under 64 bytes each)",
            (total(0) - shown.0) / n,
            (total(1) - shown.1) / n
        );
        println!(
            "    {:<70} {:>9} {:>9}",
            "total",
            total(0) / n,
            total(1) / n
        );
    }
    for (imp, tracked) in [Imp::Ss, Imp::Plain].iter().zip(&totals) {
        println!(
            "  {}: OpenSSL allocations {:.0} B per connection; compare with the malloc-in-use \
             figure of a normal run (here the tracking table itself adds to malloc's count)",
            imp.name(),
            tracked
        );
    }
}
