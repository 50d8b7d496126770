//! The mock's own API under `/_mock/`, its runtime controls (shared with `MockServer`), and the served OpenAPI document. Imports `base`, `data`, `run` and `api`.

pub(crate) mod openapi;
pub(crate) mod pact;
pub(crate) mod provider_states;
pub(crate) mod routes;
pub(crate) mod runtime;
pub(crate) mod table;
