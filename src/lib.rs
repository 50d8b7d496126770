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
//! - `schema`: load and compile the JSON Schemas; check a value → violation (file, pointer, rule)
//! - `fixtures`: load and validate visitors, users, permissions with path-aware errors
//! - `store`: the indexed data, with every 200 body prepared and judged at start-up
//! - `query`: `qs`-compatible query parsing and the ajv-compatible parameter checks
//! - `request`: the parts of a hyper request that decide the answer
//! - `endpoint`: visitors.info as a pure function, request parts + store → outcome
//! - `outcome`: the outcomes and the one outcome → status + headers + body mapping
//! - `service`: routing, HEAD, preflights, CORS headers, the schema gate, the request log
//! - `selection`: outcome ids, example names, and the `Prefer` / `x-mock-response-*` headers
//! - `overrides`: the admin override (`PUT /_mock/outcome`): times and scope
//! - `ratelimit`: the real server's per-user rate limiter
//! - `chaos`: seeded latency and faults
//! - `journal`: the bounded request journal, tokens redacted
//! - `clock`: real or hand-driven time
//! - `admin`: the control API under `/_mock/`
//! - `control`: the runtime controls, shared by the control API and [`MockServer`]
//! - `companion`: login, visitor registration and visitor by token
//! - `openapi`: the served OpenAPI 3.1 document, built from the gate's schemas
//! - `generate`, `versions`: seeded visitors, and the table of version behaviour
//! - `watch`: `--watch`'s reload of changed fixture files
//! - `builder`, `server`: [`MockServerBuilder`], the accept loop with graceful shutdown, and [`MockServer`]

mod admin;
mod body;
mod builder;
mod chaos;
#[cfg(feature = "cli")]
mod cli;
mod clock;
mod companion;
mod config;
mod control;
mod coverage;
mod endpoint;
mod error;
mod expectations;
mod fixtures;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod generate;
mod journal;
mod openapi;
mod outcome;
mod overrides;
mod query;
mod ratelimit;
mod request;
mod response_body;
mod schema;
mod selection;
mod server;
mod service;
mod state;
mod store;
mod versions;
mod watch;

pub use builder::MockServerBuilder;
pub use chaos::Latency;
#[cfg(feature = "cli")]
pub use cli::{Cli, Command, FixturesCommand, LogFormat, check_bool_env};
#[cfg(feature = "verify")]
pub use cli::{RecordArgs, Target, VerifyArgs};
pub use clock::Clock;
pub use config::{Admin, AuthMode, Config, Cors, Limits};
pub use control::ControlError;
pub use error::Error;
pub use expectations::Expectation;
pub use fixtures::{FixtureSource, Fixtures, export_bundled as export_fixtures};
#[cfg(feature = "generate")]
pub use generate::write_fixture_file as write_generated;
pub use journal::Entry as JournalEntry;
pub use ratelimit::RateLimit;
pub use schema::{SchemaSet, SchemaSource, Violation};
pub use selection::OutcomeId;
pub use server::{MockServer, bind, serve};
pub use state::AppState;
pub use versions::{Behaviour, CHANGES, Change, Version};
