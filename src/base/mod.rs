//! Shared by every layer: errors, clock, the version table, outcome ids, query rules, the rate limiter, chaos, paths, text and response helpers. Imports nothing else of the crate.

pub mod chaos;
pub mod clock;
pub mod endpoint;
pub mod error;
pub mod files;
pub mod query;
pub mod ratelimit;
pub mod response;
pub mod response_body;
pub mod selection;
pub mod text;
pub mod versions;
