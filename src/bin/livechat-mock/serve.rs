//! `livechat-mock` with no subcommand: serve until SIGINT or SIGTERM, drain, and say what
//! was lost. SIGHUP reloads the fixture files, as daemons do.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use livechat_mock::{Config, Error, FixtureSource, MockServer};

use crate::logging;

/// The target of these lines, as they were when `main.rs` logged them.
const TARGET: &str = "livechat_mock";

/// Serves the mock these flags describe on `runtime`, then shuts the runtime down (bounded: a
/// task stuck in a blocking call must not hold the exit) and flushes the log.
pub fn serve(
    runtime: tokio::runtime::Runtime,
    config: Config,
    coverage_report: Option<PathBuf>,
    logging: logging::Logging,
) -> ExitCode {
    let dropped = logging.writer.clone();
    let result = runtime.block_on(run(config, coverage_report, dropped.clone()));
    // Bounded: a task stuck in a blocking call must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    drop(logging); // writes the lines still queued, before any error is printed
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => crate::report(&err),
    };
    let lost = dropped.dropped_lines();
    if lost > 0 {
        // stderr may be a pipe nobody reads: the last word is given a second, not forever.
        let (said, told) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            eprintln!("{lost} log lines were dropped in all: stderr was slower than the requests");
            let _ = said.send(());
        });
        let _ = told.recv_timeout(std::time::Duration::from_secs(1));
    }
    code
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish. SIGHUP reloads the
/// fixture files, as daemons do.
async fn run(
    config: Config,
    coverage_report: Option<PathBuf>,
    dropped: logging::BatchWriter,
) -> Result<(), Error> {
    // Say so when log lines had to be dropped (checked every 10 s, only when the count grew).
    tokio::spawn(async move {
        let mut reported = 0;
        let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            every.tick().await;
            let now = dropped.dropped_lines();
            if now > reported {
                tracing::warn!(
                target: TARGET,
                dropped = now - reported,
                            total = now,
                            "log lines dropped: stderr is slower than the requests"
                        );
                reported = now;
            }
        }
    });
    let bundled = config.fixtures == FixtureSource::Bundled;
    let tls_ca_out = match &config.tls {
        Some(livechat_mock::Tls::Auto { ca_out }) => ca_out.clone(),
        _ => None,
    };
    if let Some(file) = &coverage_report {
        check_writable(file)?;
    }
    let server = std::sync::Arc::new(MockServer::start(config).await?);
    // The handlers are installed before the line that tells callers they may send a signal.
    let mut signals = Signals::install();
    #[cfg(unix)]
    let reloader = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .ok()
        .map(|mut hangup| {
        let server = server.clone();
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                let server = server.clone();
                let reloaded = tokio::task::spawn_blocking(move || server.reload()).await;
                match reloaded {
                    Ok(Ok(())) => tracing::info!(
        target: TARGET,
        "SIGHUP: fixtures reloaded; visitors registered or changed since start-up were dropped"
                    ),
                    Ok(Err(err)) => tracing::error!(
        target: TARGET,
        "SIGHUP: fixtures not reloaded, still serving the last good data: {err}"
                    ),
                    Err(err) => tracing::error!(
        target: TARGET,
        error = %err, "SIGHUP: reload stopped"),
                }
            }
        })
        });
    println!("listening on {}", server.uri());
    let _ = std::io::stdout().flush();
    if server.ca_pem().is_some() {
        tracing::info!(
        target: TARGET,
        "HTTPS with a local CA made at start: its certificate is at {}/_mock/ca.pem{}; trust it with curl --cacert, NODE_EXTRA_CA_CERTS or newman --ssl-extra-ca-certs",
            server.uri(),
            tls_ca_out
                .as_ref()
                .map(|p| format!(" and in {}", p.display()))
                .unwrap_or_default()
        );
    }
    if bundled {
        tracing::info!(
        target: TARGET,
        "first request: curl -H 'X-User-Id: rbAXPnMktTFbNpwtJ' -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f' '{}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70' (the bundled agent and visitor; {}/ lists the endpoints)",
            server.uri(),
            server.uri()
        );
    }
    signals.recv().await;
    let first_signal = std::time::Instant::now();
    tracing::info!(
        target: TARGET,
        "shutting down: finishing in-flight requests");
    if let Some(file) = coverage_report {
        let report = if file.extension().is_some_and(|e| e == "md") {
            server.coverage_markdown()
        } else {
            server.coverage().to_string()
        };
        match std::fs::write(&file, report) {
            Ok(()) => tracing::info!(
        target: TARGET,
        file = %file.display(), "coverage report written"),
            Err(err) => {
                tracing::error!(
        target: TARGET,
        file = %file.display(), error = %err, "coverage report not written")
            }
        }
    }
    #[cfg(unix)]
    if let Some(reloader) = reloader {
        reloader.abort();
        let _ = reloader.await;
    }
    // A second SIGINT or SIGTERM while in-flight requests drain (a `hang` holds one for an hour,
    // the drain waits up to 10 s) exits at once, as servers do.
    let again = async {
        loop {
            signals.recv().await;
            if first_signal.elapsed() >= SECOND_SIGNAL_GAP {
                break;
            }
        }
    };
    let drain = async {
        match std::sync::Arc::try_unwrap(server) {
            Ok(server) => server.shutdown().await,
            Err(server) => drop(server), // a reload in flight holds it; dropping stops the server
        }
    };
    tokio::select! {
        () = drain => {}
        () = again => tracing::warn!(
        target: TARGET,
        "second signal: exiting now, without waiting for the requests still in flight"),
    }
    Ok(())
}

/// Refuses a `--coverage-report` path that could not be written at shutdown: a missing
/// directory, a directory, a read-only place. Found at start, not after the run.
fn check_writable(file: &std::path::Path) -> Result<(), Error> {
    let refuse = |reason: String| {
        Err(Error::Config(format!(
            "--coverage-report {}: {reason}",
            file.display()
        )))
    };
    if file.is_dir() {
        return refuse("is a directory; give a file path (.json, or .md for Markdown)".into());
    }
    let existed = file.exists();
    match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(file)
    {
        Ok(_) => {
            if !existed {
                let _ = std::fs::remove_file(file);
            }
            Ok(())
        }
        Err(err) => refuse(format!("cannot be written: {err}")),
    }
}

/// The Ctrl-C and SIGTERM handlers, installed when made; each `recv` waits for the next of
/// either. One pair serves the first signal and the second, so a signal is never seen twice.
struct Signals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                terminate: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = next(&mut self.terminate) => {},
                () = next(&mut self.interrupt) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// A second signal sooner than this after the first is the same stop sent twice (a wrapper
/// such as npx forwards the SIGTERM its process group also received), not a person's "now".
const SECOND_SIGNAL_GAP: std::time::Duration = std::time::Duration::from_millis(500);
