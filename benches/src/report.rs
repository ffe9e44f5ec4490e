//! The machine description and the ratio table printed by `ratio`.

use crate::stats::fmt_duration;
use std::time::Duration;

/// One table row: a workload's median time on each runtime.
#[derive(Debug, Clone)]
pub struct Row {
    /// Workload name.
    pub name: &'static str,
    /// Medians for runtime, tokio, smol (in [`crate::Which::ALL`] order).
    pub medians: [Duration; 3],
}

impl Row {
    /// Fastest peer's median / runtime's median: above 1.00 means `runtime`
    /// is faster than both peers, below 1.00 that some peer beats it.
    pub fn ratio(&self) -> f64 {
        let [rt, tokio, smol] = self.medians;
        tokio.min(smol).as_secs_f64() / rt.as_secs_f64().max(f64::MIN_POSITIVE)
    }
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
        "| workload | runtime median | tokio median | smol median | ratio |\n\
         | --- | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let [rt, tokio, smol] = row.medians.map(fmt_duration);
        out.push_str(&format!(
            "| {} | {rt} | {tokio} | {smol} | {:.2} |\n",
            row.name,
            row.ratio()
        ));
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
        };
        assert!((row.ratio() - 0.5).abs() < 1e-9);
        assert!(table(&[row]).contains("| w | 10.00 ms | 20.00 ms | 5.00 ms | 0.50 |"));
    }
}
