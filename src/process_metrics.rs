//! The process's own figures on `/metrics`, under the names every
//! Prometheus client library gives them: CPU time, resident and virtual
//! memory, open and permitted file descriptors, and when the process
//! started. Read from `/proc` on Linux just before each scrape; elsewhere
//! none is exported.

/// The process figures a scrape exports.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Process {
    /// User and system CPU time, in seconds.
    pub cpu_seconds: f64,
    /// Resident memory, in bytes.
    pub resident_bytes: u64,
    /// Virtual memory, in bytes.
    pub virtual_bytes: u64,
    /// File descriptors open now.
    pub open_fds: u64,
    /// The most file descriptors the process may open (its soft limit).
    pub max_fds: Option<u64>,
    /// When the process started, in seconds since the Unix epoch.
    pub start_time_seconds: f64,
}

/// The process families in Prometheus' text format, with their `# HELP`
/// and `# TYPE` lines, appended to the exporter's own (the `metrics`
/// facade counts in integers; CPU time is a counter of seconds), or
/// nothing where the system does not tell them.
pub fn exposition() -> String {
    read().map(|p| p.exposition()).unwrap_or_default()
}

impl Process {
    /// These figures in Prometheus' text format.
    pub fn exposition(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, value: f64| {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n"
            ));
        };
        family(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            self.cpu_seconds,
        );
        family(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            self.resident_bytes as f64,
        );
        family(
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            self.virtual_bytes as f64,
        );
        family(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            self.open_fds as f64,
        );
        if let Some(max) = self.max_fds {
            family(
                "process_max_fds",
                "gauge",
                "Maximum number of open file descriptors.",
                max as f64,
            );
        }
        family(
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            self.start_time_seconds,
        );
        out
    }
}

/// The figures of this process, where the system tells them.
#[cfg(target_os = "linux")]
pub fn read() -> Option<Process> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let boot = std::fs::read_to_string("/proc/stat").ok()?;
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    // SAFETY: sysconf reads a system constant and has no preconditions.
    let (ticks, page) = unsafe {
        (
            libc::sysconf(libc::_SC_CLK_TCK),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    parse(
        &stat,
        &boot,
        &limits,
        open_fds,
        u64::try_from(ticks).ok()?,
        u64::try_from(page).ok()?,
    )
}

/// The figures of this process, where the system tells them.
#[cfg(not(target_os = "linux"))]
pub fn read() -> Option<Process> {
    None
}

/// The figures from `/proc/self/stat`, `/proc/stat` (the boot time),
/// `/proc/self/limits`, the count of `/proc/self/fd`, the clock's ticks a
/// second and the page size.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse(
    stat: &str,
    boot: &str,
    limits: &str,
    open_fds: u64,
    ticks: u64,
    page: u64,
) -> Option<Process> {
    // The command name (field 2) is in parentheses and may hold spaces:
    // the fields that follow start after its last `)`, at field 3.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| -> Option<u64> { fields.get(n - 3)?.parse().ok() };
    let ticks = ticks.max(1) as f64;
    let cpu_seconds = (field(14)? + field(15)?) as f64 / ticks;
    let start_ticks = field(22)?;
    let virtual_bytes = field(23)?;
    let resident_bytes = field(24)?.saturating_mul(page);
    let boot_time: u64 = boot
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let max_fds = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok());
    Some(Process {
        cpu_seconds,
        resident_bytes,
        virtual_bytes,
        open_fds,
        max_fds,
        start_time_seconds: boot_time as f64 + start_ticks as f64 / ticks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_read_field_by_field() {
        // A command name with a space and a parenthesis, as a process may
        // name itself.
        let stat = "4242 (laa (serve) x) S 1 4242 4242 0 -1 4194560 2000 0 0 0 \
                    250 50 0 0 20 0 9 0 123400 1048576000 5000 18446744073709551615";
        let boot = "cpu  1 2 3\nbtime 1765000000\nprocesses 10\n";
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        let p = parse(stat, boot, limits, 12, 100, 4096).expect("parsed");
        assert_eq!(
            p,
            Process {
                cpu_seconds: 3.0,
                resident_bytes: 5000 * 4096,
                virtual_bytes: 1_048_576_000,
                open_fds: 12,
                max_fds: Some(1024),
                start_time_seconds: 1_765_000_000.0 + 1234.0,
            }
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_read() {
        let p = read().expect("/proc is readable");
        assert!(p.resident_bytes > 0 && p.open_fds > 0 && p.start_time_seconds > 1.0e9);
    }
}
