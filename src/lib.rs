//! # livechat-mock
//!
//! A contract-exact mock of Rocket.Chat's `GET /api/v1/livechat/visitors.info`: it answers from
//! fixture visitors and users as a real 8.x server does, byte for byte, and checks every body
//! against a JSON Schema before it leaves (a body that would break the contract becomes a 500).
//!
//! ## Quick start
//!
//! A downstream client's test starts a mock on a free port, points its client at `uri()`, and
//! asserts on what the client did:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use livechat_mock::{MockServer, OutcomeId};
//!
//! let server = MockServer::builder()
//!     .api_version("8.5.0".parse()?)
//!     .seed(7)
//!     .start()
//!     .await?;
//! let url = format!(
//!     "{}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70",
//!     server.uri()
//! );
//! // ... run the client against `url` with X-User-Id rbAXPnMktTFbNpwtJ ...
//!
//! server.set_outcome(OutcomeId::NotLoggedIn, Some(1))?; // one 401, then recovery
//! let sent = server.requests(); // what the client sent, tokens redacted
//! # let _ = (url, sent);
//! # Ok(()) }
//! ```
//!
//! The binary is this same handle: `livechat-mock --port 0` is `MockServer::start` with the
//! flags' [`Config`], and `MockServer::builder()` has one method per flag.
//!
//! ## Layout
//!
//! Folders are layers: each imports only the layers above it in this list, never one below.
//! - `base`: errors, clock, the version table, outcome ids, `qs`/ajv query rules, the rate
//!   limiter, chaos draws, paths, text and response helpers: what every layer shares
//! - `data`: schemas, fixtures, generated visitors, the indexed store, the configuration
//! - `run`: the state of a running mock: the store in use, the replies, the override, the
//!   journal, coverage and expectations
//! - `api`: Rocket.Chat's endpoints: the request's parts and body, visitors.info, the companions
//! - `control`: the mock's own API under `/_mock/`, its runtime controls, the OpenAPI document
//! - `http`: the hyper service: routing, preflights, the schema gate, the one recording point
//! - `server`: the accept loop and limits, [`MockServer`] and its builder, `--watch`
//!
//! The binary (`src/bin/livechat-mock/`) is a client of this library like any test: its flags
//! map onto [`MockServerBuilder`]; `verify`, `record`, `matrix` and the log writer are its own.

mod api;
mod base;
mod control;
mod data;
mod http;
mod run;
mod server;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub use server::fuzzing;

pub use base::chaos::{DEFAULT_FAULTS, Latency};
pub use base::clock::Clock;
/// The log line's date, for the binary's log writer (not a library API).
#[doc(hidden)]
pub use base::clock::utc_date_time;
pub use base::error::Error;
pub use base::files::write_all_or_nothing;
pub use base::ratelimit::RateLimit;
pub use base::selection::OutcomeId;
pub use base::versions::{Behaviour, CHANGES, Change, Version};
pub use control::runtime::ControlError;
pub use data::config::{Admin, AuthMode, Config, Cors, Limits, Tls, Upstream};
pub use data::fixtures::{FixtureSource, Fixtures, export_bundled as export_fixtures};
#[cfg(feature = "generate")]
pub use data::generate::write_fixture_file as write_generated;
pub use data::schema::{SchemaSet, SchemaSource, Violation};
pub use http::request_log::{REQUEST_LOG_TARGET, RequestLine, RequestLog, install_request_log};
/// Checks an `--upstream` URL (scheme://host[:port]) as the server will read it.
#[cfg(feature = "tls")]
pub use http::upstream::check as check_upstream_url;
pub use run::expectations::Expectation;
pub use run::journal::Entry as JournalEntry;
pub use server::builder::MockServerBuilder;
pub use server::mock_server::MockServer;
