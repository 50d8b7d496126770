//! `--watch`: polls the fixture files and reloads them when they change. A valid edit is served
//! within a second; an invalid one is logged with the start-up message and the last good data
//! keeps being served.
//!
//! Every look at the files runs off the async workers (`spawn_blocking`), and reads go through
//! [`read_regular`], so a file swapped for a FIFO can stall neither a worker nor the reload.
//! A change is reloaded only once it has held still for one poll: an editor or `cp` caught in
//! the middle of writing is never served half-written.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::base::files::read_regular;
use crate::data::fixtures::{FILES, FixtureSource};
use crate::run::state::AppState;

/// How often the files are looked at.
const POLL: Duration = Duration::from_millis(200);

/// What may have changed a file: its device and inode (a `mv` over it), its change time (any
/// write, and `cp -p` or `rsync -t`, which put the old modification time back), its
/// modification time, length and kind; or its absence.
type Stamp = Option<(u64, u64, i64, i64, i64, i64, u64, bool)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((
        meta.dev(),
        meta.ino(),
        meta.ctime(),
        meta.ctime_nsec(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.len(),
        meta.is_file(),
    ))
}

fn stamps(dir: &Path) -> Vec<Stamp> {
    FILES.iter().map(|f| stamp(&dir.join(f.name))).collect()
}

/// What a file holds: a digest of its bytes; anything but a regular file reads as a marker the
/// reload then refuses.
fn content(dir: &Path) -> Vec<Option<u64>> {
    use std::hash::{Hash, Hasher};
    FILES
        .iter()
        .map(|f| match read_regular(&dir.join(f.name)) {
            Ok(bytes) => {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                bytes.hash(&mut hasher);
                Some(hasher.finish())
            }
            Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => Some(u64::MAX),
            Err(_) => None,
        })
        .collect()
}

/// Runs a look at the files on the blocking pool.
async fn off_workers<T: Send + 'static>(dir: &Path, look: fn(&Path) -> T) -> Option<T> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || look(&dir)).await.ok()
}

/// Watches the fixture directory of `state` until the task is dropped; does nothing for
/// bundled or inline fixtures. The files are looked at once now, before the future is
/// returned, so a change made right after start-up (even before the first poll) is seen.
pub fn watch(state: Arc<AppState>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let dir: Option<PathBuf> = match &state.config.fixtures {
        FixtureSource::Dir(dir) => Some(dir.clone()),
        _ => None,
    };
    let first = dir.as_deref().map(|dir| (stamps(dir), content(dir)));
    async move {
        match (dir, first) {
            (Some(dir), Some((seen, held))) => watch_loop(state, dir, seen, held).await,
            _ => tracing::warn!(
                "--watch has nothing to watch: the fixtures are the bundled ones, compiled into the binary, so editing the clone's fixtures/ changes nothing until a rebuild. Run `livechat-mock fixtures export DIR`, then start with `--fixtures DIR --watch` and edit DIR"
            ),
        }
    }
}

async fn watch_loop(
    state: Arc<AppState>,
    dir: PathBuf,
    mut seen: Vec<Stamp>,
    mut held: Vec<Option<u64>>,
) {
    tracing::info!(dir = %dir.display(), "watching the fixture files");
    // A change seen at the last poll, not yet reloaded because it may still be being written.
    let mut settling = false;
    let mut ticker = tokio::time::interval(POLL);
    loop {
        ticker.tick().await;
        let Some(now) = off_workers(&dir, stamps).await else {
            continue;
        };
        if now != seen {
            seen = now;
            settling = true;
            continue;
        }
        if !settling {
            continue;
        }
        settling = false;
        // A touch that changed no byte reloads nothing (and drops no registered visitor).
        let Some(now_held) = off_workers(&dir, content).await else {
            continue;
        };
        if now_held == held {
            continue;
        }
        held = now_held;
        let reloading = state.clone();
        let result = tokio::task::spawn_blocking(move || reloading.reload()).await;
        match result {
            Ok(Ok(())) => tracing::info!(
                "fixtures reloaded; visitors registered or changed through the API since were dropped"
            ),
            Ok(Err(err)) => {
                tracing::error!("fixtures not reloaded, still serving the last good data: {err}")
            }
            Err(err) => tracing::error!(error = %err, "fixture reload stopped"),
        }
        // Written again while it was being read: look once more when it holds still.
        if off_workers(&dir, stamps)
            .await
            .is_some_and(|after| after != seen)
        {
            settling = true;
        }
    }
}
