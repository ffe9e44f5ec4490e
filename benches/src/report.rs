//! The machine description and the ratio table printed by `ratio`.

use crate::stats::fmt_duration;
use std::time::Duration;

/// One table row: a workload's median time on each runtime.
#[derive(Debug, Clone)]
pub struct Row {
    /// Workload name.
    pub name: &'static str,
    /// Median wall-clock time of one run for runtime, tokio, smol (in
    /// [`crate::Which::ALL`] order).
    pub medians: [Duration; 3],
    /// Median CPU time (all threads of the process) of one run, same order.
    pub cpu: [Duration; 3],
    /// The workload's [`crate::Workload::smol_label`]: smol is shown with
    /// it and left out of the ratios.
    pub smol_label: Option<&'static str>,
}

impl Row {
    /// Fastest peer's median / runtime's median: above 1.00 means `runtime`
    /// is faster than both peers, below 1.00 that some peer beats it. With
    /// a `smol_label`, Tokio's median / runtime's.
    pub fn ratio(&self) -> f64 {
        self.peer_ratio(self.medians)
    }

    /// The same ratio for CPU time.
    pub fn cpu_ratio(&self) -> f64 {
        self.peer_ratio(self.cpu)
    }

    fn peer_ratio(&self, [rt, tokio, smol]: [Duration; 3]) -> f64 {
        let peer = match self.smol_label {
            Some(_) => tokio,
            None => tokio.min(smol),
        };
        peer.as_secs_f64() / rt.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Idle memory: heap bytes per parked task on each runtime.
#[derive(Debug, Clone)]
pub struct MemoryRow {
    /// Bytes per task for runtime, tokio, smol (in [`crate::Which::ALL`] order).
    pub bytes: [f64; 3],
}

impl MemoryRow {
    /// Smallest peer / runtime: above 1.00 means `runtime` uses less.
    pub fn ratio(&self) -> f64 {
        let [rt, tokio, smol] = self.bytes;
        tokio.min(smol) / rt.max(f64::MIN_POSITIVE)
    }

    /// Parses the `--raw` output of the `idle_memory` binary: lines
    /// `idle_memory <runtime> <bytes per task>`.
    pub fn parse(raw: &str) -> Option<MemoryRow> {
        let mut bytes = [None; 3];
        for line in raw.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("idle_memory") {
                continue;
            }
            let (Some(name), Some(value)) = (words.next(), words.next()) else {
                continue;
            };
            if let Some(i) = crate::Which::ALL.iter().position(|w| w.name() == name) {
                bytes[i] = value.parse::<f64>().ok();
            }
        }
        let [Some(rt), Some(tokio), Some(smol)] = bytes else {
            return None;
        };
        Some(MemoryRow {
            bytes: [rt, tokio, smol],
        })
    }
}

/// The idle-memory table as Markdown.
pub fn memory_table(row: &MemoryRow, tasks: usize) -> String {
    let [rt, tokio, smol] = row.bytes;
    format!(
        "| workload | runtime | tokio | smol | ratio |\n\
         | --- | ---: | ---: | ---: | ---: |\n\
         | idle_memory ({tasks} parked tasks), heap bytes / task | {rt:.1} | {tokio:.1} | {smol:.1} | {:.2} |\n",
        row.ratio()
    )
}

/// Idle cost: wake-ups and CPU per idle second on each runtime (the
/// `idle` binary).
#[derive(Debug, Clone)]
pub struct IdleRow {
    /// Voluntary context switches per idle second, runtime, tokio, smol (in
    /// [`crate::Which::ALL`] order).
    pub wakeups: [f64; 3],
    /// CPU microseconds per idle second, same order.
    pub cpu_us: [f64; 3],
}

impl IdleRow {
    /// Parses the `--raw` output of the `idle` binary: lines
    /// `idle <runtime> <wake-ups/s> <CPU µs/s>`.
    pub fn parse(raw: &str) -> Option<IdleRow> {
        let mut found = [None; 3];
        for line in raw.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let ["idle", name, wakeups, cpu] = words[..] else {
                continue;
            };
            if let Some(i) = crate::Which::ALL.iter().position(|w| w.name() == name) {
                if let (Ok(w), Ok(c)) = (wakeups.parse::<f64>(), cpu.parse::<f64>()) {
                    found[i] = Some((w, c));
                }
            }
        }
        let [Some(rt), Some(tokio), Some(smol)] = found else {
            return None;
        };
        Some(IdleRow {
            wakeups: [rt.0, tokio.0, smol.0],
            cpu_us: [rt.1, tokio.1, smol.1],
        })
    }
}

/// Smallest peer / runtime: above 1.00 means `runtime` spends less.
fn least_peer_ratio([rt, tokio, smol]: [f64; 3]) -> f64 {
    tokio.min(smol) / rt.max(f64::MIN_POSITIVE)
}

/// The idle-cost table as Markdown: two rows of the `idle` workload.
pub fn idle_table(row: &IdleRow) -> String {
    let [w_rt, w_tokio, w_smol] = row.wakeups;
    let [c_rt, c_tokio, c_smol] = row.cpu_us;
    format!(
        "| workload | runtime | tokio | smol | ratio |\n\
         | --- | ---: | ---: | ---: | ---: |\n\
         | idle (1 listener, 1 h timer), wake-ups / idle s | {w_rt:.1} | {w_tokio:.1} | {w_smol:.1} | {:.2} |\n\
         | idle (1 listener, 1 h timer), CPU µs / idle s | {c_rt:.0} | {c_tokio:.0} | {c_smol:.0} | {:.2} |\n",
        least_peer_ratio(row.wakeups),
        least_peer_ratio(row.cpu_us),
    )
}

/// Cores (`available_parallelism`) and CPU model (`/proc/cpuinfo`).
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores, {model}")
}

/// The table as Markdown (pastes into `docs/performance.md`).
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| workload | runtime median | tokio median | smol median | ratio \
         | runtime CPU | tokio CPU | smol CPU | CPU ratio |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let mut notes = Vec::new();
    for row in rows {
        let [rt, tokio, mut smol] = row.medians.map(fmt_duration);
        let [crt, ctokio, mut csmol] = row.cpu.map(fmt_duration);
        let (mut ratio, mut cpu_ratio) = (
            format!("{:.2}", row.ratio()),
            format!("{:.2}", row.cpu_ratio()),
        );
        if let Some(label) = row.smol_label {
            smol = format!("{smol} ({label})");
            csmol = format!("{csmol} ({label})");
            ratio.push_str(" vs tokio");
            cpu_ratio.push_str(" vs tokio");
            notes.push(format!(
                "{}: the ratios are against Tokio alone; smol's time is shown for reference, \
                 labelled \"{label}\": its primitive does not keep the promise ours and \
                 Tokio's keep, so it is not the target.",
                row.name
            ));
        }
        out.push_str(&format!(
            "| {} | {rt} | {tokio} | {smol} | {ratio} | {crt} | {ctokio} | {csmol} | {cpu_ratio} |\n",
            row.name,
        ));
    }
    for note in notes {
        out.push_str(&format!("\n{note}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_is_fastest_peer_over_runtime() {
        let ms = Duration::from_millis;
        let row = Row {
            name: "w",
            medians: [ms(10), ms(20), ms(5)],
            cpu: [ms(10), ms(40), ms(20)],
            smol_label: None,
        };
        assert!((row.ratio() - 0.5).abs() < 1e-9);
        assert!((row.cpu_ratio() - 2.0).abs() < 1e-9);
        assert!(table(&[row]).contains(
            "| w | 10.00 ms | 20.00 ms | 5.00 ms | 0.50 | 10.00 ms | 40.00 ms | 20.00 ms | 2.00 |"
        ));
    }

    #[test]
    fn a_labelled_smol_is_shown_but_left_out_of_the_ratio() {
        let ms = Duration::from_millis;
        let row = Row {
            name: "sem",
            medians: [ms(10), ms(15), ms(5)],
            cpu: [ms(10), ms(20), ms(5)],
            smol_label: Some("barging"),
        };
        assert!((row.ratio() - 1.5).abs() < 1e-9);
        assert!((row.cpu_ratio() - 2.0).abs() < 1e-9);
        let out = table(&[row]);
        assert!(
            out.contains(
                "| sem | 10.00 ms | 15.00 ms | 5.00 ms (barging) | 1.50 vs tokio \
                 | 10.00 ms | 20.00 ms | 5.00 ms (barging) | 2.00 vs tokio |"
            ),
            "{out}"
        );
        assert!(
            out.contains("sem: the ratios are against Tokio alone"),
            "{out}"
        );
    }

    #[test]
    fn parses_idle_memory_output() {
        let raw =
            "noise\nidle_memory runtime 200.0\nidle_memory tokio 300.5\nidle_memory smol 100.0\n";
        let row = MemoryRow::parse(raw).expect("three runtimes");
        assert_eq!(row.bytes, [200.0, 300.5, 100.0]);
        assert!((row.ratio() - 0.5).abs() < 1e-9);
        assert!(MemoryRow::parse("idle_memory runtime 1\n").is_none());
    }

    #[test]
    fn parses_idle_output() {
        let raw = "idle runtime 2 100\nnoise\nidle tokio 1 50\nidle smol 4 400\n";
        let row = IdleRow::parse(raw).expect("three runtimes");
        assert_eq!(row.wakeups, [2.0, 1.0, 4.0]);
        assert_eq!(row.cpu_us, [100.0, 50.0, 400.0]);
        let table = idle_table(&row);
        assert!(
            table.contains("wake-ups / idle s | 2.0 | 1.0 | 4.0 | 0.50 |"),
            "{table}"
        );
        assert!(
            table.contains("CPU µs / idle s | 100 | 50 | 400 | 0.50 |"),
            "{table}"
        );
        assert!(IdleRow::parse("idle runtime 1 1\n").is_none());
    }
}
