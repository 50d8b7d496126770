//! Everything a running server shares between requests, loaded whole before the first one.

use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::base::chaos::Chaos;
use crate::base::clock::Clock;
use crate::base::error::Error;
use crate::base::ratelimit::RateLimiter;
use crate::base::selection::OutcomeId;
use crate::base::versions::Version;
use crate::data::config::{Admin, AuthMode, Config, Cors};
use crate::data::fixtures::Fixtures;
use crate::data::generate;
use crate::data::schema::SchemaSet;
use crate::data::store::Store;
use crate::run::journal::Journal;
use crate::run::outcome::Replies;
use crate::run::overrides::Slot;

/// The shared state of one server.
///
/// The store sits behind a `std` `RwLock`, not a Tokio one: no request holds it across an
/// `.await`, and the control API writes it only briefly.
#[derive(Debug)]
pub struct AppState {
    store: RwLock<Store>,
    /// The store as loaded, for `POST /_mock/reset`: copied on the first change only, so a
    /// server nobody changes holds one copy of its data.
    pristine: Mutex<Option<Store>>,
    pub(crate) replies: Replies,
    pub(crate) schemas: Arc<SchemaSet>,
    pub(crate) cors: Cors,
    /// The API's CORS headers for the emulated release (and `--cors-mock-headers`).
    pub(crate) api_cors: crate::base::response::ApiCors,
    pub(crate) auth: AuthMode,
    pub(crate) global_outcome: Option<OutcomeId>,
    /// The admin override or sequence in force.
    pub(crate) overrides: Slot,
    pub(crate) chaos: Chaos,
    pub(crate) limiter: Option<RateLimiter>,
    pub(crate) journal: Journal,
    pub(crate) clock: Clock,
    pub(crate) admin: Admin,
    pub(crate) version: Version,
    /// How `version` reads a query, worked out once here rather than per request.
    pub(crate) reading: crate::base::query::Reading,
    /// The seed of this run (the fixed part of new ObjectIds).
    pub(crate) seed: u64,
    /// What it was started with (for reloading the fixtures).
    pub(crate) config: Config,
    /// `GET /_mock/openapi.json`, built from the gate's schemas when first asked for (by the
    /// control layer, which owns the document).
    pub(crate) openapi: std::sync::OnceLock<bytes::Bytes>,
    /// This server's ObjectId counter (two servers in one process do not share it).
    pub(crate) object_ids: std::sync::atomic::AtomicU32,
    /// What visitors registered through the API hold, against their caps.
    pub(crate) registered: Registered,
    /// What tests expect clients to send, with counts.
    pub(crate) expectations: crate::run::expectations::Expectations,
    /// Which contract answers were sent in this run.
    pub(crate) coverage: crate::run::coverage::Coverage,
    /// The schema of `PUT /_mock/outcome` bodies, compiled once.
    pub(crate) override_schema: jsonschema::Validator,
    /// Auth tokens removed by `POST /api/v1/logout`, until a password login issues them again.
    pub(crate) logged_out: LoggedOut,
    /// Held for a whole registration: its look-up (by token, phone, e-mail) and its write are
    /// one step, so two registrations that match the same visitor cannot both create one.
    /// Readers of the store never wait on it.
    pub(crate) registering: Mutex<()>,
    /// The local CA's certificate that `--tls auto` made (served at `GET /_mock/ca.pem`).
    pub(crate) ca_pem: std::sync::OnceLock<String>,
    /// What the provider states set up changed, by state, for their teardown.
    pub(crate) provider_states: Mutex<Vec<(String, ProviderUndo)>>,
}

/// What a provider state's setup changed, to undo at its teardown.
#[derive(Debug)]
pub(crate) enum ProviderUndo {
    /// Put the visitor back as it was (`None`: remove it).
    Visitor(String, Option<serde_json::Map<String, serde_json::Value>>),
    /// Give the user back what it held.
    ViewLRoom(String, bool),
    /// Put the override or sequence back.
    Overrides(crate::run::overrides::Overrides),
}

/// The auth tokens `POST /api/v1/logout` removed (Rocket.Chat `$pull`s the hashed token from the
/// user's `services.resume.loginTokens`). A fixture user keeps one token, so a password login
/// issues it again. The flag keeps the lock off the request path until someone logs out.
#[derive(Debug, Default)]
pub(crate) struct LoggedOut {
    any: std::sync::atomic::AtomicBool,
    tokens: Mutex<std::collections::HashSet<String>>,
}

impl LoggedOut {
    fn tokens(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `token` was logged out.
    pub(crate) fn contains(&self, token: &str) -> bool {
        self.any.load(std::sync::atomic::Ordering::Relaxed) && self.tokens().contains(token)
    }

    pub(crate) fn insert(&self, token: &str) {
        self.tokens().insert(token.to_string());
        self.any.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// A login issued `token` again.
    pub(crate) fn remove(&self, token: &str) {
        if self.any.load(std::sync::atomic::Ordering::Relaxed) {
            self.tokens().remove(token);
        }
    }

    fn clear(&self) {
        self.tokens().clear();
        self.any.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Visitors created through `POST /api/v1/livechat/visitor`: how many, and their bytes.
#[derive(Debug, Default)]
pub(crate) struct Registered {
    pub(crate) count: std::sync::atomic::AtomicUsize,
    pub(crate) bytes: std::sync::atomic::AtomicUsize,
}

impl Registered {
    /// Back to none (a reset or a reload dropped them).
    fn clear(&self) {
        self.count.store(0, std::sync::atomic::Ordering::Relaxed);
        self.bytes.store(0, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Loads the fixtures (and generated visitors) into a new store: whole, or an error.
fn build_store(config: &Config, schemas: &SchemaSet) -> Result<Store, Error> {
    let fixtures = Fixtures::load(&config.fixtures, schemas)?;
    let plan = (config.generate > 0).then(|| generate::Plan {
        count: config.generate,
        seed: config.seed,
        first_guest: generate::next_guest_number(&fixtures.visitors),
        agents: fixtures.agents(),
    });
    let store = Store::build(&fixtures, schemas, config.api_version, plan.as_ref());
    tracing::info!(
        visitors = store.visitor_count(),
        generated = config.generate,
        users = fixtures.users.len(),
        api_version = %config.api_version,
        "fixtures loaded"
    );
    Ok(store)
}

/// The API's CORS headers for the configured release and flags.
fn api_cors(config: &Config) -> crate::base::response::ApiCors {
    use crate::base::versions::Behaviour;
    crate::base::response::ApiCors::new(
        config.api_version.has(Behaviour::McpCorsHeader),
        config.cors_mock_headers,
    )
}

impl AppState {
    /// Loads schemas, then fixtures, then indexes them. Any error stops here, before a socket
    /// is opened, so a server never runs on half-loaded data.
    ///
    /// # Errors
    /// A bad schema set or fixture file.
    pub fn load(config: &Config) -> Result<AppState, Error> {
        let schemas = Arc::new(SchemaSet::load(&config.schemas, config.api_version)?);
        let store = build_store(config, &schemas)?;
        Ok(AppState {
            openapi: std::sync::OnceLock::new(),
            override_schema: crate::run::overrides::validator(),
            logged_out: LoggedOut::default(),
            registering: Mutex::new(()),
            provider_states: Mutex::new(Vec::new()),
            ca_pem: std::sync::OnceLock::new(),
            object_ids: std::sync::atomic::AtomicU32::new(0),
            registered: Registered::default(),
            coverage: crate::run::coverage::Coverage::default(),
            expectations: crate::run::expectations::Expectations::default(),
            pristine: Mutex::new(None),
            store: RwLock::new(store),
            replies: Replies::new(schemas.clone(), config.api_version),
            schemas,
            cors: config.cors.clone(),
            api_cors: api_cors(config),
            reading: crate::base::query::Reading::of(config.api_version),
            auth: config.auth,
            global_outcome: config.outcome,
            overrides: Slot::default(),
            chaos: Chaos::new(
                config.latency,
                config.fault_rate,
                config.faults.clone(),
                config.seed,
            ),
            limiter: config.rate_limit.map(RateLimiter::new),
            journal: Journal::new(config.journal_size, config.journal_bytes),
            clock: config.clock.clone(),
            admin: config.admin.clone(),
            version: config.api_version,
            seed: config.seed,
            config: config.clone(),
        })
    }

    /// Loads the fixture files again and, if they are valid, serves them from now on (the
    /// admin override and the journal stay). On an error nothing changes.
    ///
    /// # Errors
    /// The same errors as at start-up, naming the file, the place and the reason.
    pub(crate) fn reload(&self) -> Result<(), Error> {
        let store = build_store(&self.config, &self.schemas)?;
        let old = std::mem::replace(
            &mut *self.store.write().unwrap_or_else(|e| e.into_inner()),
            store,
        );
        drop(old);
        self.registered.clear();
        *self.pristine.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// The data, for reading.
    pub(crate) fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The data, for the control API to change (keeping the loaded data for a reset).
    ///
    /// The first change keeps a copy of the data for a reset: cheap, since the loaded visitors
    /// are shared and only the overlay of changes is copied (see [`Store`]).
    pub(crate) fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        {
            let mut pristine = self.pristine.lock().unwrap_or_else(|e| e.into_inner());
            if pristine.is_none() {
                *pristine = Some(self.store().clone());
            }
        }
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the loaded fixtures: no override, no changed visitors, fresh rate-limit windows.
    pub(crate) fn reset(&self) {
        let pristine = self
            .pristine
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(pristine) = pristine {
            // Copied before the write lock: readers wait only for the swap.
            let old = std::mem::replace(
                &mut *self.store.write().unwrap_or_else(|e| e.into_inner()),
                pristine,
            );
            drop(old); // freed outside the lock too
        }
        self.overrides.replace(None);
        self.registered.clear();
        self.logged_out.clear();
        self.provider_states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        if let Some(limiter) = &self.limiter {
            limiter.reset();
        }
    }
}
