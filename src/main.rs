//! The `livechat-mock` binary: flags → config → logging → [`MockServer`] → serve until a signal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use livechat_mock::{Cli, Command, Config, Error, FixtureSource, FixturesCommand, MockServer};
use logging::init_logging_at;

/// A faster allocator than glibc's for the many small allocations of loading and serving.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "verify")]
mod compare;
mod logging;
mod matrix;
#[cfg(feature = "verify")]
mod verify;

fn main() -> ExitCode {
    if let Err(message) = livechat_mock::check_bool_env() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let mut cli = Cli::parse();
    // A matrix or a verification runs mocks of its own: their request lines would drown the
    // report.
    let quiet = match &cli.command {
        Some(Command::Matrix { .. }) => true,
        #[cfg(feature = "verify")]
        Some(Command::Verify(_) | Command::Record(_)) => true,
        _ => false,
    };
    let default_level = if quiet && std::env::var_os("RUST_LOG").is_none() {
        "warn"
    } else {
        "info"
    };
    let logging = match init_logging_at(cli.log_format, default_level) {
        Ok(logging) => logging,
        Err(err) => {
            eprintln!("error: cannot start the log thread: {err}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command.take() {
        Some(Command::Generate {
            count,
            seed,
            fixtures,
        }) => {
            return match write_generated(count, seed, fixtures) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => report(&err),
            };
        }
        Some(Command::Fixtures(FixturesCommand::Export { dir })) => {
            return match livechat_mock::export_fixtures(&dir) {
                Ok(written) => {
                    for path in written {
                        println!("{}", path.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => report(&err),
            };
        }
        Some(Command::Matrix {
            versions,
            jobs,
            timeout,
            command,
        }) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(err) => {
                    eprintln!("error: cannot start the async runtime: {err}");
                    return ExitCode::FAILURE;
                }
            };
            let limit = (timeout > 0).then(|| std::time::Duration::from_secs(timeout));
            return match runtime.block_on(matrix::run(&versions, jobs.max(1), limit, &command)) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(err) => report(&err),
            };
        }
        #[cfg(feature = "verify")]
        Some(Command::Verify(args)) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(err) => {
                    eprintln!("error: cannot start the async runtime: {err}");
                    return ExitCode::FAILURE;
                }
            };
            return match runtime.block_on(verify::verify(args)) {
                Ok(code) => ExitCode::from(code),
                Err(err) => report(&err),
            };
        }
        #[cfg(feature = "verify")]
        Some(Command::Record(args)) => {
            return match verify::record(args) {
                Ok(code) => ExitCode::from(code),
                Err(err) => report(&err),
            };
        }
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // Into memory first: `generate` panics on a failed write (a full disk, a closed
            // pipe); the write to stdout is then checked here.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "livechat-mock", &mut script);
            return write_stdout(without_hidden_flags(&script).as_bytes());
        }
        Some(Command::Man) => {
            let command = <Cli as clap::CommandFactory>::command();
            return match man_page(command) {
                Ok(page) => write_stdout(&page),
                Err(err) => report(&Error::Write { source: err }),
            };
        }
        None => {}
    }
    let coverage_report = cli.coverage_report.clone();
    let config = cli.into_config();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let dropped = logging.writer.clone();
    let result = runtime.block_on(run(config, coverage_report, dropped.clone()));
    // Bounded: a task stuck in a blocking call must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    drop(logging); // writes the lines still queued, before any error is printed
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
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
                        "SIGHUP: fixtures reloaded; visitors registered or changed since start-up were dropped"
                    ),
                    Ok(Err(err)) => tracing::error!(
                        "SIGHUP: fixtures not reloaded, still serving the last good data: {err}"
                    ),
                    Err(err) => tracing::error!(error = %err, "SIGHUP: reload stopped"),
                }
            }
        })
        });
    println!("listening on {}", server.uri());
    let _ = std::io::stdout().flush();
    if server.ca_pem().is_some() {
        tracing::info!(
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
            "first request: curl -H 'X-User-Id: rbAXPnMktTFbNpwtJ' -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f' '{}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70' (the bundled agent and visitor; {}/ lists the endpoints)",
            server.uri(),
            server.uri()
        );
    }
    signals.recv().await;
    let first_signal = std::time::Instant::now();
    tracing::info!("shutting down: finishing in-flight requests");
    if let Some(file) = coverage_report {
        let report = if file.extension().is_some_and(|e| e == "md") {
            server.coverage_markdown()
        } else {
            server.coverage().to_string()
        };
        match std::fs::write(&file, report) {
            Ok(()) => tracing::info!(file = %file.display(), "coverage report written"),
            Err(err) => {
                tracing::error!(file = %file.display(), error = %err, "coverage report not written")
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
        () = again => tracing::warn!("second signal: exiting now, without waiting for the requests still in flight"),
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

/// Prints an error and its causes to stderr.
fn report(err: &dyn std::error::Error) -> ExitCode {
    eprintln!("error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    ExitCode::FAILURE
}

/// `livechat-mock generate N`: a visitors.json fixture file on stdout, one visitor per line.
fn write_generated(count: usize, seed: u64, fixtures: Option<PathBuf>) -> Result<(), Error> {
    let source = fixtures.map_or(FixtureSource::Bundled, FixtureSource::Dir);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    livechat_mock::write_generated(&mut out, &source, count, seed)?;
    out.flush().map_err(|source| Error::Write { source })
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

/// Writes `bytes` to stdout: a closed pipe (`| head`) ends quietly, as Unix tools do; any other
/// failure (a full disk) is reported with exit status 1, never a panic.
fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => report(&Error::Write { source: err }),
    }
}

/// The completion script without the flags `--help` hides (`--bench-gate-off`, for bench/run.sh
/// only), which clap_complete lists all the same.
fn without_hidden_flags(script: &[u8]) -> String {
    let text = String::from_utf8_lossy(script);
    let hidden = ["bench-gate-off"];
    text.lines()
        .filter(|line| {
            // zsh and fish give each flag a line of its own
            let own_line =
                line.trim_start().starts_with("'--") || line.trim_start().starts_with("complete ");
            !(own_line && hidden.iter().any(|h| line.contains(h)))
        })
        .map(|line| {
            // bash lists `--flag`, fish's argparse spec `flag`
            hidden.iter().fold(line.to_string(), |l, h| {
                l.replace(&format!(" --{h}"), "")
                    .replace(&format!(" {h} "), " ")
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The man page: clap_mangen's sections, the subcommands listed by what they do (no
/// `livechat-mock-verify(1)` pages exist to point to), and an ENVIRONMENT section naming each
/// flag's variable.
fn man_page(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    let roff = |text: &str| text.replace('\\', "\\\\").replace('-', "\\-");
    page.extend_from_slice(b".SH SUBCOMMANDS\n");
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        page.extend_from_slice(
            format!(
                ".TP\n\\fBlivechat\\-mock {}\\fR\n{}\n",
                roff(sub.get_name()),
                roff(&about)
            )
            .as_bytes(),
        );
    }
    page.extend_from_slice(
        b".PP\nEach subcommand lists its own flags with \\fBlivechat\\-mock SUBCOMMAND \\-\\-help\\fR.\n",
    );
    page.extend_from_slice(
        b".SH ENVIRONMENT\nEvery flag can be set by a variable instead; the flag wins.\n",
    );
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        if let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) {
            page.extend_from_slice(
                format!(
                    ".TP\n\\fB{}\\fR\nAs \\fB\\-\\-{}\\fR.\n",
                    roff(&env.to_string_lossy()),
                    roff(long)
                )
                .as_bytes(),
            );
        }
    }
    man.render_version_section(&mut page)?;
    Ok(page)
}
