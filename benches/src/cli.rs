//! The command-line flags of the bench binaries, read one way.
//!
//! Each binary keeps its own `Args` and usage line; what they share (a
//! flag's value, a positive count, a number in a range, `--only <runtime>`,
//! `-h`, and the error text for each) lives here:
//!
//! ```no_run
//! let mut flags = benches::cli::Flags::from_env("usage: demo [--reps R]");
//! let mut reps = 5;
//! while let Some(flag) = flags.next_flag()? {
//!     match flag.as_str() {
//!         "--reps" => reps = flags.positive()?,
//!         _ => return Err(flags.unknown()),
//!     }
//! }
//! # Ok::<(), String>(())
//! ```

use crate::Which;
use std::str::FromStr;

/// The arguments still to be read, and the flag read last (named in errors).
pub struct Flags {
    rest: std::vec::IntoIter<String>,
    usage: &'static str,
    flag: String,
}

impl Flags {
    /// The process's arguments after the program name.
    pub fn from_env(usage: &'static str) -> Flags {
        Flags::new(std::env::args().skip(1).collect(), usage)
    }

    /// `args` as if given on the command line.
    pub fn new(args: Vec<String>, usage: &'static str) -> Flags {
        Flags {
            rest: args.into_iter(),
            usage,
            flag: String::new(),
        }
    }

    /// The next flag, `None` after the last; `-h` and `--help` are an error
    /// carrying the usage line (printed by the caller like any error).
    pub fn next_flag(&mut self) -> Result<Option<String>, String> {
        match self.rest.next() {
            Some(f) if f == "-h" || f == "--help" => Err(self.usage.to_owned()),
            Some(f) => {
                self.flag.clone_from(&f);
                Ok(Some(f))
            }
            None => Ok(None),
        }
    }

    /// The value that follows the current flag.
    pub fn value(&mut self) -> Result<String, String> {
        self.rest
            .next()
            .ok_or(format!("{} needs a value\n{}", self.flag, self.usage))
    }

    /// The current flag's value parsed as `T` and accepted by `ok`;
    /// `expected` says what was wanted ("a positive number").
    pub fn parsed<T: FromStr>(
        &mut self,
        ok: impl Fn(&T) -> bool,
        expected: &str,
    ) -> Result<T, String> {
        let v = self.value()?;
        v.parse::<T>()
            .ok()
            .filter(ok)
            .ok_or(format!("{}: expected {expected}, got {v:?}", self.flag))
    }

    /// The current flag's value as an integer above zero.
    pub fn positive(&mut self) -> Result<usize, String> {
        self.parsed(|&n: &usize| n > 0, "a positive integer")
    }

    /// The current flag's value as a runtime's name (`runtime`, `tokio`,
    /// `smol`).
    pub fn which(&mut self) -> Result<Which, String> {
        let v = self.value()?;
        Which::ALL
            .into_iter()
            .find(|w| w.name() == v)
            .ok_or(format!("{}: unknown runtime {v:?}", self.flag))
    }

    /// The error for a flag the binary does not know.
    pub fn unknown(&self) -> String {
        format!("unknown argument {:?}\n{}", self.flag, self.usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USAGE: &str = "usage: t [--n N] [--only R] [--x F]";

    fn flags(args: &[&str]) -> Flags {
        Flags::new(args.iter().map(|s| s.to_string()).collect(), USAGE)
    }

    #[test]
    fn reads_values_counts_numbers_and_runtimes() {
        let mut f = flags(&["--n", "3", "--only", "tokio", "--x", "0.5", "--raw"]);
        assert_eq!(f.next_flag().unwrap().as_deref(), Some("--n"));
        assert_eq!(f.positive().unwrap(), 3);
        assert_eq!(f.next_flag().unwrap().as_deref(), Some("--only"));
        assert_eq!(f.which().unwrap(), Which::Tokio);
        assert_eq!(f.next_flag().unwrap().as_deref(), Some("--x"));
        let x: f64 = f
            .parsed(|x: &f64| *x > 0.0 && *x <= 1.0, "a share")
            .unwrap();
        assert_eq!(x, 0.5);
        assert_eq!(f.next_flag().unwrap().as_deref(), Some("--raw"));
        assert_eq!(f.next_flag().unwrap(), None);
    }

    #[test]
    fn errors_name_the_flag_and_what_was_wrong() {
        let mut f = flags(&["--n", "0"]);
        f.next_flag().unwrap();
        assert_eq!(
            f.positive().unwrap_err(),
            "--n: expected a positive integer, got \"0\""
        );

        let mut f = flags(&["--n"]);
        f.next_flag().unwrap();
        assert_eq!(
            f.positive().unwrap_err(),
            format!("--n needs a value\n{USAGE}")
        );

        let mut f = flags(&["--only", "async-std"]);
        f.next_flag().unwrap();
        assert_eq!(
            f.which().unwrap_err(),
            "--only: unknown runtime \"async-std\""
        );

        let mut f = flags(&["--bogus"]);
        f.next_flag().unwrap();
        assert_eq!(
            f.unknown(),
            format!("unknown argument \"--bogus\"\n{USAGE}")
        );

        assert_eq!(flags(&["-h"]).next_flag().unwrap_err(), USAGE);
        assert_eq!(flags(&["--help"]).next_flag().unwrap_err(), USAGE);
    }
}
