//! Rocket.Chat's endpoints, one module each (visitors_info, login, visitor: registration, by
//! token and DELETE; account: me and logout), and the request's parts and body they read.
//! Imports `base`, `data` and `run`.

pub(crate) mod account;
pub(crate) mod body;
pub(crate) mod login;
pub(crate) mod request;
pub(crate) mod visitor;
pub(crate) mod visitors_info;
