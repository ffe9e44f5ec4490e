//! Running a measurement in a child process and collecting its output.
//!
//! Two shapes use it:
//!
//! - a binary that measures each runtime in a child process of its own
//!   (`idle`, `idle_memory`): it runs itself again with `--only <runtime>`
//!   ([`run_self_for`]), and the child prints one `cost <field>...` line
//!   ([`cost_fields`] finds it);
//! - `ratio`, which runs a sibling binary (`idle`, `idle_memory`) and parses
//!   its `--raw` output ([`run_sibling`]).
//!
//! In both, the child's stderr goes straight to ours (its progress lines),
//! and its stdout is returned once it exits successfully.

use crate::Which;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `bin` with `args`, its stderr inherited; returns its stdout, or an
/// error naming `what` if it cannot start or exits unsuccessfully.
pub fn run(bin: &Path, args: &[String], what: &str) -> Result<String, String> {
    let out = Command::new(bin)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed: {}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs this executable again as `--only <which>` followed by `args`;
/// returns the child's stdout.
pub fn run_self_for(which: Which, args: &[String]) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut all = vec!["--only".to_owned(), which.name().to_owned()];
    all.extend_from_slice(args);
    run(&exe, &all, &format!("the {} child", which.name()))
}

/// The whitespace-separated fields of the first `cost ` line of `stdout`
/// (what a `--only` child prints); an error naming `which` if there is
/// none.
pub fn cost_fields(which: Which, stdout: &str) -> Result<Vec<&str>, String> {
    Ok(stdout
        .lines()
        .find_map(|l| l.strip_prefix("cost "))
        .ok_or(format!("the {} child printed no result", which.name()))?
        .split_whitespace()
        .collect())
}

/// Builds (under `cargo run`) and runs the binary `name` that sits next to
/// this one, with `args`; returns its stdout.
///
/// Under `cargo run` (`$CARGO` set) it is first built with the same cargo
/// and profile; otherwise it must already exist.
pub fn run_sibling(name: &str, args: &[String]) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let dir = exe.parent().ok_or("this binary has no parent directory")?;
    let bin: PathBuf = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if let Some(cargo) = std::env::var_os("CARGO") {
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "benches", "--bin", name]);
        if dir.file_name().is_some_and(|d| d == "release") {
            build.arg("--release");
        }
        let status = build.status().map_err(|e| format!("cargo build: {e}"))?;
        if !status.success() {
            return Err(format!("building {name} failed: {status}"));
        }
    }
    if !bin.exists() {
        return Err(format!(
            "{} not found: run `cargo build --release -p benches --bin {name}` first",
            bin.display()
        ));
    }
    eprintln!("{name}: running {}", bin.display());
    run(&bin, args, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cost_line() {
        let out = "noise\ncost 1 2.5 x\ncost 9\n";
        assert_eq!(cost_fields(Which::Tokio, out), Ok(vec!["1", "2.5", "x"]));
        let err = cost_fields(Which::Smol, "nothing\n").unwrap_err();
        assert_eq!(err, "the smol child printed no result");
    }

    #[test]
    fn reports_a_failing_child() {
        let ok = run(Path::new("/bin/sh"), &["-c".into(), "echo hi".into()], "sh");
        assert_eq!(ok, Ok("hi\n".to_owned()));
        let err = run(Path::new("/bin/sh"), &["-c".into(), "exit 3".into()], "sh").unwrap_err();
        assert!(err.starts_with("sh failed: "), "{err}");
    }
}
