//! `livechat-mock matrix`: one mock per Rocket.Chat release, the same command against each, and a
//! table of which releases the client passes.

use std::time::{Duration, Instant};

use livechat_mock::{Config, Error, MockServer, Version};

/// What one release's run came to.
struct Run {
    version: Version,
    code: Option<i32>,
    duration: Duration,
    coverage: String,
    output: String,
}

/// Runs `command` once per version (`jobs` at a time); prints the table and each failing run's
/// output; returns whether every run passed.
pub async fn run(versions: &[Version], jobs: usize, command: &[String]) -> Result<bool, Error> {
    let Some((program, args)) = command.split_first() else {
        return Err(Error::Config("matrix needs a command after `--`".into()));
    };
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(jobs));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, &version) in versions.iter().enumerate() {
        let slots = slots.clone();
        let program = program.clone();
        let args = args.to_vec();
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            (index, one(version, &program, &args).await)
        });
    }
    let mut runs: Vec<(usize, Result<Run, Error>)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(done) = joined {
            runs.push(done);
        }
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
        let passed = run.code == Some(0);
        all_passed &= passed;
        println!(
            "{:<10} {:<8} {:>9.2}s  {}",
            run.version.to_string(),
            run.code
                .map_or_else(|| "signal".to_string(), |c| c.to_string()),
            run.duration.as_secs_f64(),
            run.coverage
        );
        if !passed {
            failures.push(run);
        }
    }
    for run in failures {
        println!(
            "\n--- {} failed; its output:\n{}",
            run.version,
            run.output.trim_end()
        );
    }
    Ok(all_passed)
}

async fn one(version: Version, program: &str, args: &[String]) -> Result<Run, Error> {
    let server = MockServer::start(Config {
        port: 0,
        api_version: version,
        ..Config::default()
    })
    .await?;
    let url = server.uri();
    let started = Instant::now();
    let output = tokio::process::Command::new(program)
        .args(args.iter().map(|a| a.replace("{url}", &url)))
        .env("LIVECHAT_MOCK_URL", &url)
        .env("LIVECHAT_MOCK_API_VERSION", version.to_string())
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    let duration = started.elapsed();
    let coverage = server.coverage();
    let coverage = format!(
        "{} of {} contract answers",
        coverage["seen"], coverage["total"]
    );
    server.shutdown().await;
    let (code, output) = match output {
        Ok(output) => (
            output.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        ),
        Err(err) => (Some(127), format!("cannot run {program}: {err}")),
    };
    Ok(Run {
        version,
        code,
        duration,
        coverage,
        output,
    })
}
