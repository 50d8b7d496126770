//! Rocket.Chat's endpoints: the request's parts and body, visitors.info, and the companion endpoints. Imports `base`, `data` and `run`.

pub(crate) mod account;
pub(crate) mod body;
pub(crate) mod companion;
pub(crate) mod request;
pub(crate) mod visitors_info;
