//! `--watch`: polls the fixture files and reloads them when they change. A valid edit is served
//! within a second; an invalid one is logged with the start-up message and the last good data
//! keeps being served.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::data::fixtures::FixtureSource;
use crate::run::state::AppState;

/// How often the files are looked at.
const POLL: Duration = Duration::from_millis(200);
/// The files a fixture directory holds.
const FILES: [&str; 5] = [
    "visitors.json",
    "users.json",
    "permissions.json",
    "departments.json",
    "custom-fields.json",
];

/// What may have changed a file: its modification time, length and kind (or its absence).
type Stamp = Option<(SystemTime, u64, bool)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len(), meta.is_file()))
}

fn stamps(dir: &Path) -> Vec<Stamp> {
    FILES.iter().map(|f| stamp(&dir.join(f))).collect()
}

/// What a file holds: a digest of its bytes. Only regular files are read (a FIFO would block
/// the reader forever); anything else reads as a marker the reload then refuses.
fn content(dir: &Path) -> Vec<Option<u64>> {
    use std::hash::{Hash, Hasher};
    FILES
        .iter()
        .map(|f| {
            let path = dir.join(f);
            let meta = std::fs::metadata(&path).ok()?;
            if !meta.is_file() {
                return Some(u64::MAX);
            }
            let bytes = std::fs::read(&path).ok()?;
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut hasher);
            Some(hasher.finish())
        })
        .collect()
}

/// Watches the fixture directory of `state` until the task is dropped; does nothing for
/// bundled or inline fixtures.
pub async fn watch(state: Arc<AppState>) {
    let dir: PathBuf = match &state.config.fixtures {
        FixtureSource::Dir(dir) => dir.clone(),
        _ => {
            tracing::warn!("--watch has nothing to watch: the fixtures are not a directory");
            return;
        }
    };
    tracing::info!(dir = %dir.display(), "watching the fixture files");
    let mut seen = stamps(&dir);
    let mut held = content(&dir);
    let mut ticker = tokio::time::interval(POLL);
    loop {
        ticker.tick().await;
        let now = stamps(&dir);
        if now == seen {
            continue;
        }
        seen = now;
        // A touch that changed no byte reloads nothing (and drops no registered visitor).
        let now_held = content(&dir);
        if now_held == held {
            continue;
        }
        held = now_held;
        let state = state.clone();
        let result = tokio::task::spawn_blocking(move || state.reload()).await;
        match result {
            Ok(Ok(())) => tracing::info!(
                "fixtures reloaded; visitors registered or changed through the API since were dropped"
            ),
            Ok(Err(err)) => {
                tracing::error!("fixtures not reloaded, still serving the last good data: {err}")
            }
            Err(err) => tracing::error!(error = %err, "fixture reload stopped"),
        }
    }
}
