//! The `livechat-mock` binary: flags → config → logging → load → bind → serve until a signal.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use std::path::PathBuf;

use livechat_mock::{AppState, Cli, Command, Config, Error, FixtureSource};
use tracing_subscriber::EnvFilter;

/// A faster allocator than glibc's for the many small allocations of loading and serving.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if let Some(Command::Generate {
        count,
        seed,
        fixtures,
    }) = cli.command.take()
    {
        return match write_generated(count, seed, fixtures) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => report(&err),
        };
    }
    let config = cli.into_config();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
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

async fn run(config: Config) -> Result<(), Error> {
    let state = Arc::new(AppState::load(&config)?);
    let listener = livechat_mock::bind(&config).await?;
    let address = listener.local_addr().map_err(|source| Error::Bind {
        addr: format!("{}:{}", config.host, config.port),
        source,
    })?;
    println!("listening on http://{address}");
    let _ = std::io::stdout().flush();
    livechat_mock::serve(listener, state, shutdown_signal()).await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
