//! Running a process and measuring it: wall time, peak RSS (from `wait4`), and what it wrote.
//!
//! Linux charges a child's peak RSS with the peak of the memory it was forked from (`exec`
//! records the old address space's high-water mark), and this benchmark holds whole clusters
//! in memory. So the measured command is started by a small copy of this binary
//! ([`spawner_main`]), whose own address space is tiny, and that copy reports the figure.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

pub struct Measured {
    pub wall: Duration,
    pub peak_rss: u64,
    pub lines: usize,
    pub bytes: usize,
}

/// Runs `cmd` to completion, reading its stdout as it goes (as a consumer would) and
/// counting lines and bytes. Fails on a non-zero exit, with its stderr.
pub fn run(cmd: &mut Command) -> anyhow::Result<Measured> {
    measured(cmd, Stdio::inherit())
}

/// [`run`] with the file `input` on the command's stdin.
pub fn run_with_input(cmd: &mut Command, input: &std::path::Path) -> anyhow::Result<Measured> {
    let file = std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
    measured(cmd, Stdio::from(file))
}

fn measured(cmd: &mut Command, stdin: Stdio) -> anyhow::Result<Measured> {
    let report = std::env::temp_dir().join(format!("kubequery-bench-rss-{}", std::process::id()));
    let mut spawner = Command::new(std::env::current_exe()?);
    spawner.arg(SPAWNER).arg(&report).arg(cmd.get_program()).args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => spawner.env(key, value),
            None => spawner.env_remove(key),
        };
    }
    let started = Instant::now();
    let mut child = spawner
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    let mut stdout = child.stdout.take().context("stdout")?;
    let mut stderr = child.stderr.take().context("stderr")?;
    let reader = thread::spawn(move || {
        let (mut lines, mut bytes, mut buf) = (0usize, 0usize, vec![0u8; 1 << 16]);
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes += n;
            lines += buf[..n].iter().filter(|b| **b == b'\n').count();
        }
        (lines, bytes)
    });
    let errors = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = child.wait()?.code().unwrap_or(128);
    let wall = started.elapsed();
    let peak_rss = std::fs::read_to_string(&report).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0);
    let _ = std::fs::remove_file(&report);
    let (lines, bytes) = reader.join().map_err(|_| anyhow::anyhow!("stdout reader panicked"))?;
    let errors = errors.join().map_err(|_| anyhow::anyhow!("stderr reader panicked"))?;
    if status != 0 {
        bail!("{cmd:?} exited with status {status}: {errors}");
    }
    Ok(Measured { wall, peak_rss, lines, bytes })
}

/// The argument that makes this binary a spawner: `kubequery-bench --spawn REPORT PROGRAM ARGS…`.
pub const SPAWNER: &str = "--spawn";

/// Runs `PROGRAM ARGS…` with this process's stdio, writes its peak RSS in bytes to REPORT,
/// and exits with its status.
pub fn spawner_main(mut args: impl Iterator<Item = String>) -> ! {
    let result = (|| -> anyhow::Result<i32> {
        let report = args.next().context("report path")?;
        let program = args.next().context("program")?;
        let child = Command::new(&program).args(args).spawn().with_context(|| format!("starting {program}"))?;
        let (status, peak_rss) = wait4(child.id())?;
        std::fs::write(report, peak_rss.to_string())?;
        Ok(status)
    })();
    match result {
        Ok(status) => std::process::exit(status),
        Err(e) => {
            eprintln!("kubequery-bench: {e:#}");
            std::process::exit(125)
        }
    }
}

/// Waits for `pid` and returns its exit status and peak RSS in bytes.
fn wait4(pid: u32) -> anyhow::Result<(i32, u64)> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, status and usage point to live locals.
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if waited < 0 {
        bail!("wait4({pid}): {}", std::io::Error::last_os_error());
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { 128 + libc::WTERMSIG(status) };
    // Linux reports ru_maxrss in KiB.
    Ok((code, u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024))
}

/// The median of some durations.
pub fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
