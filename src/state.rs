//! Everything a running server shares between requests, loaded whole before the first one.

use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::chaos::Chaos;
use crate::clock::Clock;
use crate::config::{Admin, AuthMode, Config, Cors};
use crate::error::Error;
use crate::fixtures::Fixtures;
use crate::journal::Journal;
use crate::outcome::Replies;
use crate::overrides::Override;
use crate::ratelimit::RateLimiter;
use crate::schema::SchemaSet;
use crate::selection::OutcomeId;
use crate::store::Store;

/// The shared state of one server.
///
/// The store sits behind a `std` `RwLock`, not a Tokio one: no request holds it across an
/// `.await`, and the control API writes it only briefly.
#[derive(Debug)]
pub struct AppState {
    store: RwLock<Store>,
    /// The store as loaded, for `POST /_mock/reset` (bodies are shared, not copied).
    pristine: Store,
    pub(crate) replies: Replies,
    pub(crate) schemas: Arc<SchemaSet>,
    pub(crate) cors: Cors,
    pub(crate) auth: AuthMode,
    pub(crate) global_outcome: Option<OutcomeId>,
    pub(crate) override_slot: Mutex<Option<Override>>,
    pub(crate) chaos: Chaos,
    pub(crate) limiter: Option<RateLimiter>,
    pub(crate) journal: Journal,
    pub(crate) clock: Clock,
    pub(crate) admin: Admin,
}

impl AppState {
    /// Loads schemas, then fixtures, then indexes them. Any error stops here, before a socket
    /// is opened, so a server never runs on half-loaded data.
    ///
    /// # Errors
    /// A bad schema set or fixture file.
    pub fn load(config: &Config) -> Result<AppState, Error> {
        let schemas = Arc::new(SchemaSet::load(&config.schemas)?);
        let fixtures = Fixtures::load(&config.fixtures, &schemas)?;
        let store = Store::build(&fixtures, &schemas);
        tracing::info!(
            visitors = store.visitor_count(),
            users = fixtures.users.len(),
            "fixtures loaded"
        );
        Ok(AppState {
            pristine: store.clone(),
            store: RwLock::new(store),
            replies: Replies::new(schemas.clone()),
            schemas,
            cors: config.cors.clone(),
            auth: config.auth,
            global_outcome: config.outcome,
            override_slot: Mutex::new(None),
            chaos: Chaos::new(
                config.latency,
                config.fault_rate,
                config.faults.clone(),
                config.seed,
            ),
            limiter: config.rate_limit.map(RateLimiter::new),
            journal: Journal::new(config.journal_size),
            clock: config.clock.clone(),
            admin: config.admin.clone(),
        })
    }

    /// The data, for reading.
    pub(crate) fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The data, for the control API to change.
    pub(crate) fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The admin override, under its lock.
    pub(crate) fn override_slot(&self) -> std::sync::MutexGuard<'_, Option<Override>> {
        self.override_slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the loaded fixtures: no override, no changed visitors, fresh rate-limit windows.
    pub(crate) fn reset(&self) {
        *self.store_mut() = self.pristine.clone();
        *self.override_slot() = None;
        if let Some(limiter) = &self.limiter {
            limiter.reset();
        }
    }
}
