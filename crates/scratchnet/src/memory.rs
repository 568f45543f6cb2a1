//! Memory before allocation: what a job will need, compared with what the machine has, so that
//! a job too big for the machine is refused with one line instead of meeting the kernel's
//! out-of-memory killer (which ends the program with SIGKILL and no message).
//!
//! The machine's share is Linux's `MemAvailable` (`/proc/meminfo`: free memory plus what the
//! kernel can reclaim without swapping), lowered to a cgroup v2 limit (`memory.max` less
//! `memory.current`) when the process runs under one. `SCRATCHNET_MEMORY_AVAILABLE` (bytes)
//! replaces both: to leave room for other programs, or to test. Where none is known (other
//! systems) nothing is refused.
//!
//! The needs are estimates of what is surely allocated, not upper bounds: a job refused here
//! could not have run; a job let through may still run out (then the allocator's error, or
//! the kernel, ends it).

use crate::{Error, Result};

/// Memory the machine has for this process, and where the number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Available {
    /// Bytes.
    pub bytes: u64,
    /// `MemAvailable`, the cgroup's `memory.max`, or `SCRATCHNET_MEMORY_AVAILABLE`.
    pub source: &'static str,
}

/// The memory this process may still allocate, as far as the system says; `None` where it says
/// nothing.
pub fn available() -> Option<Available> {
    if let Some(bytes) = std::env::var("SCRATCHNET_MEMORY_AVAILABLE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Available {
            bytes,
            source: "SCRATCHNET_MEMORY_AVAILABLE",
        });
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let machine = meminfo
        .as_deref()
        .and_then(mem_available)
        .map(|bytes| Available {
            bytes,
            source: "MemAvailable in /proc/meminfo",
        });
    let cgroup = cgroup_room().map(|bytes| Available {
        bytes,
        source: "the cgroup's memory.max",
    });
    match (machine, cgroup) {
        (Some(m), Some(c)) => Some(if c.bytes < m.bytes { c } else { m }),
        (m, c) => m.or(c),
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// Room left under the cgroup v2 limit of this process: `memory.max` − `memory.current`, when
/// there is a limit.
fn cgroup_room() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    // v2: the one line "0::/path"
    let path = cgroup.lines().find_map(|l| l.strip_prefix("0::"))?;
    let dir = std::path::Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?; // "max": no limit
    let current: u64 = read("memory.current")?.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}

/// Refuses a job that needs more than [`available`]: `what` names it ("training a network of
/// 4,000,000,003 parameters"), `need` is its estimate in bytes.
pub fn check(need: u64, what: &str) -> Result<()> {
    match available() {
        Some(avail) if need > avail.bytes => Err(Error::OutOfMemory {
            what: what.to_string(),
            need,
            available: avail.bytes,
            origin: avail.source,
        }),
        _ => Ok(()),
    }
}

/// A size in bytes as people read it: `512 B`, `3.4 MB`, `16.0 GB` (powers of 1000).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Bytes of `count` values of `bytes_each`, saturating (a need past `u64::MAX` is refused like
/// any other too-big need).
pub fn of(count: usize, bytes_each: u64) -> u64 {
    (count as u64).saturating_mul(bytes_each)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_available_is_read_in_bytes() {
        let text = "MemTotal:       24576000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(mem_available(text), Some(20_000_000 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(3_400_000), "3.4 MB");
        assert_eq!(human(16_000_000_000), "16.0 GB");
        assert_eq!(human(u64::MAX), "18446.7 PB");
    }

    #[test]
    fn this_machine_says_what_it_has() {
        // Linux always has /proc/meminfo; the number is positive
        if std::path::Path::new("/proc/meminfo").exists() {
            let a = available().unwrap();
            assert!(a.bytes > 0, "{a:?}");
        }
        check(1, "one byte").unwrap();
        if available().is_none() {
            return;
        }
        let e = check(u64::MAX, "everything").unwrap_err().to_string();
        assert!(
            e.starts_with("everything needs about 18446.7 PB of memory") && !e.contains('\n'),
            "{e}"
        );
    }
}
