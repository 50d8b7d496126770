//! The hyper service: routing, preflights, the schema gate and the one recording point of every answered request. Imports every layer above `server`.

pub(crate) mod request_log;
pub(crate) mod service;
#[cfg(feature = "tls")]
pub(crate) mod upstream;
