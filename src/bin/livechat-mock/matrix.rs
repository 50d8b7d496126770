//! `livechat-mock matrix`: one mock per Rocket.Chat release, the same command against each, and a
//! table of which releases the client passes.
//!
//! A child's output goes to a temporary file, not into memory, and only its last
//! [`TAIL_BYTES`] are printed for a failing run: a client that prints 500 MB costs disk, not RAM.
//! A signal to matrix (SIGINT, SIGTERM, SIGHUP) stops every child before matrix exits, and a run
//! past `--timeout` is stopped and fails.

use std::io::{Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

use livechat_mock::{Config, Error, MockServer, Version};
use tokio::sync::watch;

/// What of a failing run's output is printed: its end, where the failure usually is.
const TAIL_BYTES: u64 = 64 * 1024;
/// How long a stopped child gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// What one release's run came to.
struct Run {
    version: Version,
    code: Option<i32>,
    duration: Duration,
    coverage: String,
    /// The end of its output, and how many bytes it wrote in all.
    tail: String,
    total: u64,
    timed_out: bool,
}

/// Runs `command` once per version (`jobs` at a time); prints the table and each failing run's
/// output; returns whether every run passed.
pub async fn run(
    versions: &[Version],
    jobs: usize,
    limit: Option<Duration>,
    command: &[String],
) -> Result<bool, Error> {
    let Some((program, args)) = command.split_first() else {
        return Err(Error::Config("matrix needs a command after `--`".into()));
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        stopping().await;
        let _ = stop_tx.send(true);
    });
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(jobs));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, &version) in versions.iter().enumerate() {
        let slots = slots.clone();
        let program = program.clone();
        let args = args.to_vec();
        let stop = stop_rx.clone();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            (index, one(version, &program, &args, limit, stop).await)
        });
    }
    let mut runs: Vec<(usize, Result<Run, Error>)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(done) = joined {
            runs.push(done);
        }
    }
    if *stop_rx.borrow() {
        eprintln!("matrix: stopped by a signal; every run was stopped");
        return Ok(false);
    }
    runs.sort_by_key(|(index, _)| *index);
    println!(
        "{:<10} {:<8} {:>10}  coverage",
        "version", "exit", "duration"
    );
    let mut all_passed = true;
    let mut failures = Vec::new();
    for (_, run) in runs {
        let run = run?;
        let passed = run.code == Some(0) && !run.timed_out;
        all_passed &= passed;
        let exit = if run.timed_out {
            "timeout".to_string()
        } else {
            run.code
                .map_or_else(|| "signal".to_string(), |c| c.to_string())
        };
        println!(
            "{:<10} {:<8} {:>9.2}s  {}",
            run.version.to_string(),
            exit,
            run.duration.as_secs_f64(),
            run.coverage
        );
        if !passed {
            failures.push(run);
        }
    }
    for run in failures {
        let cut = if run.total > TAIL_BYTES {
            format!(
                " (the last {} KiB of {} bytes)",
                TAIL_BYTES / 1024,
                run.total
            )
        } else {
            String::new()
        };
        println!(
            "\n--- {} failed; its output{cut}:\n{}",
            run.version,
            run.tail.trim_end()
        );
    }
    Ok(all_passed)
}

/// Resolves on SIGINT, SIGTERM or SIGHUP.
async fn stopping() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

/// Asks a child to stop (SIGTERM), then makes it (SIGKILL) after [`GRACE`].
async fn stop_child(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = send_signal(pid, "TERM");
    }
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
}

/// `kill -SIGNAL pid`, by the system's `kill` (the crate forbids `unsafe`, which `libc::kill`
/// needs; tokio's own `Child::kill` sends only SIGKILL).
fn send_signal(pid: u32, signal: &str) -> std::io::Result<()> {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stderr(std::process::Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other("kill failed"))
    }
}

async fn one(
    version: Version,
    program: &str,
    args: &[String],
    limit: Option<Duration>,
    mut stop: watch::Receiver<bool>,
) -> Result<Run, Error> {
    let server = MockServer::start(Config {
        port: 0,
        api_version: version,
        ..Config::default()
    })
    .await?;
    let url = server.uri();
    let started = Instant::now();
    let mut log = tempfile()?;
    let spawned = match (log.try_clone(), log.try_clone()) {
        (Ok(out), Ok(err)) => tokio::process::Command::new(program)
            .args(args.iter().map(|a| a.replace("{url}", &url)))
            .env("LIVECHAT_MOCK_URL", &url)
            .env("LIVECHAT_MOCK_API_VERSION", version.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn(),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let mut timed_out = false;
    let code = match spawned {
        Ok(mut child) => {
            let deadline = async {
                match limit {
                    Some(limit) => tokio::time::sleep(limit).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                status = child.wait() => status.ok().and_then(|s| s.code()),
                () = deadline => {
                    timed_out = true;
                    stop_child(&mut child).await;
                    None
                }
                () = async { let _ = stop.wait_for(|stopped| *stopped).await; } => {
                    stop_child(&mut child).await;
                    None
                }
            }
        }
        Err(err) => {
            use std::io::Write;
            let _ = writeln!(log, "cannot run {program}: {err}");
            Some(127)
        }
    };
    let duration = started.elapsed();
    let coverage = server.coverage();
    let coverage = format!(
        "{} of {} contract answers",
        coverage["seen"], coverage["total"]
    );
    server.shutdown().await;
    let (tail, total) = tail_of(&mut log).map_err(|source| Error::Write { source })?;
    Ok(Run {
        version,
        code,
        duration,
        coverage,
        tail,
        total,
        timed_out,
    })
}

/// An anonymous temporary file (deleted as soon as it is created; gone when closed).
fn tempfile() -> Result<std::fs::File, Error> {
    let path = std::env::temp_dir().join(format!(
        "livechat-mock-matrix-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|source| Error::Write { source })?;
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// The last [`TAIL_BYTES`] of what was written to `file`, and its length.
fn tail_of(file: &mut std::fs::File) -> std::io::Result<(String, u64)> {
    let total = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(total.saturating_sub(TAIL_BYTES)))?;
    let mut bytes = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut bytes)?;
    Ok((String::from_utf8_lossy(&bytes).into_owned(), total))
}
