//! The `livechat-mock` binary: wiring only. Flags → logging → one runtime → one `match` over
//! the subcommand → one exit code. Each subcommand lives in its own module; the server itself
//! is the library's [`MockServer`](livechat_mock::MockServer), built from the flags by
//! [`Cli::into_builder`].

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use livechat_mock::{Error, FixtureSource};

use cli::{Cli, Command, FixturesCommand};

/// A faster allocator than glibc's for the many small allocations of loading and serving.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
#[cfg(feature = "verify")]
mod compare;
mod docs;
mod logging;
mod matrix;
mod serve;
#[cfg(feature = "verify")]
mod verify;

fn main() -> ExitCode {
    if let Err(message) = cli::check_bool_env() {
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
    let logging = match logging::init_logging_at(cli.log_format, default_level, cli.bench_stock_log)
    {
        Ok(logging) => logging,
        Err(err) => return failed("cannot start the log thread", &err),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return failed("cannot start the async runtime", &err),
    };
    let exit = |result: Result<u8, Error>| result.map_or_else(|err| report(&err), ExitCode::from);
    match cli.command.take() {
        None => {
            let coverage_report = cli.coverage_report.clone();
            let config = cli.into_builder().config().clone();
            serve::serve(runtime, config, coverage_report, logging)
        }
        Some(Command::Generate {
            count,
            seed,
            fixtures,
        }) => exit(write_generated(count, seed, fixtures).map(|()| 0)),
        Some(Command::Fixtures(FixturesCommand::Export { dir })) => {
            exit(livechat_mock::export_fixtures(&dir).map(|written| {
                for path in written {
                    println!("{}", path.display());
                }
                0
            }))
        }
        Some(Command::Matrix {
            versions,
            jobs,
            timeout,
            command,
        }) => {
            let limit = (timeout > 0).then(|| std::time::Duration::from_secs(timeout));
            let passed = runtime.block_on(matrix::run(&versions, jobs.max(1), limit, &command));
            exit(passed.map(|all| u8::from(!all)))
        }
        #[cfg(feature = "verify")]
        Some(Command::Verify(args)) => exit(runtime.block_on(verify::verify(args))),
        #[cfg(feature = "verify")]
        Some(Command::Record(args)) => exit(verify::record(args)),
        Some(Command::Completions { shell }) => docs::completions(shell),
        Some(Command::Man) => docs::man(),
    }
}

/// Prints an error and its causes to stderr: exit status 1.
fn report(err: &dyn std::error::Error) -> ExitCode {
    eprintln!("error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    ExitCode::FAILURE
}

/// What could not start, and why: exit status 1.
fn failed(what: &str, err: &std::io::Error) -> ExitCode {
    eprintln!("error: {what}: {err}");
    ExitCode::FAILURE
}

/// `livechat-mock generate N`: a visitors.json fixture file on stdout, one visitor per line.
fn write_generated(count: usize, seed: u64, fixtures: Option<PathBuf>) -> Result<(), Error> {
    let source = fixtures.map_or(FixtureSource::Bundled, FixtureSource::Dir);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    livechat_mock::write_generated(&mut out, &source, count, seed)?;
    out.flush().map_err(|source| Error::Write { source })
}
