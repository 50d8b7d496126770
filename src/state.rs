//! Everything a running server shares between requests, loaded whole before the first one.

use std::sync::Arc;

use crate::config::{Config, Cors};
use crate::error::Error;
use crate::fixtures::Fixtures;
use crate::outcome::Replies;
use crate::schema::SchemaSet;
use crate::store::Store;

/// The shared state of one server: immutable once loaded.
#[derive(Debug)]
pub struct AppState {
    pub(crate) store: Store,
    pub(crate) replies: Replies,
    pub(crate) cors: Cors,
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
            store,
            replies: Replies::new(schemas),
            cors: config.cors.clone(),
        })
    }
}
