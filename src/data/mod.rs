//! The data: schemas, fixtures, generated visitors, the indexed store, the configuration. Imports `base`.

pub(crate) mod config;
pub(crate) mod fixtures;
pub(crate) mod generate;
pub(crate) mod schema;
pub(crate) mod store;
