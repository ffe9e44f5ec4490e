//! The `latency` table: medians over reps, the `--raw` lines `ratio`
//! reads, and the Markdown table.

use super::{quantile, Config, Run};
use crate::runtimes::Which;
use std::time::Duration;

/// The medians over reps of one runtime's runs: what the table shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Median of the runs' p50, p99 and p999.
    pub quantiles: [Duration; 3],
    /// Median achieved background share.
    pub spin_share: f64,
    /// Median process CPU / workers' time.
    pub cpu_share: f64,
    /// Median of the runs' p50 and p99 of the think-time sleeps (zero
    /// without think time).
    pub think: [Duration; 2],
}

/// The quantiles the table reports.
pub const QUANTILES: [(f64, &str); 3] = [(0.5, "p50"), (0.99, "p99"), (0.999, "p999")];

impl Summary {
    /// The medians of `runs` (`None` when there are none).
    pub fn of(runs: &[Run]) -> Option<Summary> {
        use crate::stats::{median, median_f64};
        let q = |i: usize| {
            median(
                &runs
                    .iter()
                    .map(|r| r.quantile(QUANTILES[i].0))
                    .collect::<Vec<_>>(),
            )
        };
        let t = |p: f64| {
            median(
                &runs
                    .iter()
                    .map(|r| quantile(&r.thinks, p))
                    .collect::<Vec<_>>(),
            )
        };
        Some(Summary {
            quantiles: [q(0)?, q(1)?, q(2)?],
            spin_share: median_f64(&runs.iter().map(Run::spin_share).collect::<Vec<_>>())?,
            cpu_share: median_f64(&runs.iter().map(Run::cpu_share).collect::<Vec<_>>())?,
            think: [t(0.5)?, t(0.99)?],
        })
    }

    /// One `--raw` line: `latency <runtime> <p50 ns> <p99 ns> <p999 ns>
    /// <spin share> <CPU share> <think p50 ns> <think p99 ns>`.
    pub fn raw_line(&self, which: Which) -> String {
        let [a, b, c] = self.quantiles.map(|d| d.as_nanos());
        let [d, e] = self.think.map(|d| d.as_nanos());
        format!(
            "latency {} {a} {b} {c} {} {} {d} {e}",
            which.name(),
            self.spin_share,
            self.cpu_share
        )
    }

    /// Parses the `--raw` output: one summary per runtime, in
    /// [`Which::ALL`] order; `None` unless all three are there.
    pub fn parse(raw: &str) -> Option<[Summary; 3]> {
        let mut found = [None; 3];
        for line in raw.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let ["latency", name, p50, p99, p999, spin, cpu, t50, t99] = words[..] else {
                continue;
            };
            let Some(i) = Which::ALL.iter().position(|w| w.name() == name) else {
                continue;
            };
            let ns = |v: &str| v.parse::<u64>().ok().map(Duration::from_nanos);
            found[i] = Some(Summary {
                quantiles: [ns(p50)?, ns(p99)?, ns(p999)?],
                spin_share: spin.parse().ok()?,
                cpu_share: cpu.parse().ok()?,
                think: [ns(t50)?, ns(t99)?],
            });
        }
        let [Some(a), Some(b), Some(c)] = found else {
            return None;
        };
        Some([a, b, c])
    }
}

/// The table as Markdown: one row per quantile, then the achieved load.
/// Ratios are peer / runtime: above 1.00, `runtime`'s round trip is
/// shorter.
pub fn table(cfg: &Config, s: &[Summary; 3]) -> String {
    use crate::stats::fmt_duration;
    let mut out = format!(
        "| latency: {} clients × {} round trips, {} workers, {:.0}% background | runtime | tokio | smol \
         | tokio / runtime | smol / runtime |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
        cfg.clients,
        cfg.per_client,
        cfg.workers,
        cfg.share * 100.0
    );
    for (i, (_, name)) in QUANTILES.iter().enumerate() {
        let [rt, tokio, smol] = [0, 1, 2].map(|r| s[r].quantiles[i]);
        let ratio = |peer: Duration| peer.as_secs_f64() / rt.as_secs_f64().max(f64::MIN_POSITIVE);
        out.push_str(&format!(
            "| round trip {name} | {} | {} | {} | {:.2} | {:.2} |\n",
            fmt_duration(rt),
            fmt_duration(tokio),
            fmt_duration(smol),
            ratio(tokio),
            ratio(smol)
        ));
    }
    if !cfg.think.is_zero() {
        for (i, name) in ["p50", "p99"].iter().enumerate() {
            let [rt, tokio, smol] = [0, 1, 2].map(|r| s[r].think[i]);
            out.push_str(&format!(
                "| think sleep ({}) took, {name} | {} | {} | {} | | |\n",
                fmt_duration(cfg.think),
                fmt_duration(rt),
                fmt_duration(tokio),
                fmt_duration(smol)
            ));
        }
    }
    let pct = |f: fn(&Summary) -> f64| s.map(|x| format!("{:.1}%", f(&x) * 100.0));
    let [a, b, c] = pct(|x| x.spin_share);
    out.push_str(&format!(
        "| background share (achieved) | {a} | {b} | {c} | | |\n"
    ));
    let [a, b, c] = pct(|x| x.cpu_share);
    out.push_str(&format!(
        "| process CPU / workers' time | {a} | {b} | {c} | | |\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_lines_round_trip_and_the_table_shows_ratios() {
        let us = Duration::from_micros;
        let s = |p99| Summary {
            quantiles: [us(10), us(p99), us(400)],
            spin_share: 0.5,
            cpu_share: 0.9,
            think: [us(1100), us(2000)],
        };
        let sums = [s(100), s(200), s(50)];
        let raw: String = Which::ALL
            .iter()
            .zip(&sums)
            .map(|(w, x)| x.raw_line(*w) + "\n")
            .collect();
        assert_eq!(Summary::parse(&format!("noise\n{raw}")), Some(sums));
        assert_eq!(Summary::parse("latency runtime 1 2 3 0.5 0.5 1 1\n"), None);
        let out = table(&Config::new(2), &sums);
        assert!(
            out.contains("| round trip p99 | 100.00 µs | 200.00 µs | 50.00 µs | 2.00 | 0.50 |"),
            "{out}"
        );
        assert!(
            out.contains("| background share (achieved) | 50.0% |"),
            "{out}"
        );
    }
}
