//! The validated configuration, shared by the command line and the library.

use std::str::FromStr;

use crate::chaos::{DEFAULT_FAULTS, Latency};
use crate::clock::Clock;
use crate::fixtures::FixtureSource;
use crate::ratelimit::RateLimit;
use crate::schema::SchemaSource;
use crate::selection::OutcomeId;
use crate::versions::Version;

/// Everything a mock server instance is started with.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address to bind; loopback unless told otherwise.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    pub fixtures: FixtureSource,
    pub schemas: SchemaSource,
    pub cors: Cors,
    /// The outcome of every request that no header or override chooses for.
    pub outcome: Option<OutcomeId>,
    pub auth: AuthMode,
    /// Emulate the real per-user rate limiter (off unless set).
    pub rate_limit: Option<RateLimit>,
    /// Delay every API response by a seeded draw from this range.
    pub latency: Option<Latency>,
    /// The chance, 0 to 1, that a request gets one of `faults` (seeded).
    pub fault_rate: f64,
    pub faults: Vec<OutcomeId>,
    /// Seed of the latency and fault draws: the same seed and requests give the same results.
    pub seed: u64,
    pub admin: Admin,
    /// How many requests the journal keeps (0: none).
    pub journal_size: usize,
    /// Where time comes from (the rate limiter's windows, the journal's times).
    pub clock: Clock,
    /// The Rocket.Chat release whose behaviour and contract the mock follows.
    pub api_version: Version,
    /// How many seeded visitors (`seed`) to generate on top of the fixtures.
    pub generate: usize,
    /// Reload fixture files when they change.
    pub watch: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".to_string(),
            port: 3000,
            fixtures: FixtureSource::Bundled,
            schemas: SchemaSource::Bundled,
            cors: Cors::Any,
            outcome: None,
            auth: AuthMode::Fixtures,
            rate_limit: None,
            latency: None,
            fault_rate: 0.0,
            faults: DEFAULT_FAULTS.to_vec(),
            seed: 0,
            admin: Admin::Open,
            journal_size: 1000,
            clock: Clock::System,
            api_version: Version::DEFAULT,
            generate: 0,
            watch: false,
        }
    }
}

/// How preflight (OPTIONS) requests are answered, as Rocket.Chat's "REST API > CORS" settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Cors {
    /// CORS enabled for any origin (`*`): what a frontend on another origin needs.
    #[default]
    Any,
    /// CORS disabled, the real server's default: preflights get 405.
    Off,
    /// CORS enabled for these origins (lower-cased): others get 403 `Invalid origin`.
    Origins(Vec<String>),
}

impl FromStr for Cors {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "*" => Ok(Cors::Any),
            "off" => Ok(Cors::Off),
            list => {
                let origins: Vec<String> = list
                    .split(',')
                    .map(|o| o.trim().to_lowercase())
                    .filter(|o| !o.is_empty())
                    .collect();
                if origins.is_empty() {
                    Err("expected '*', 'off' or a comma-separated list of origins".to_string())
                } else {
                    Ok(Cors::Origins(origins))
                }
            }
        }
    }
}

/// Who counts as logged in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// A user of `users.json`, by `X-User-Id` + `X-Auth-Token`.
    #[default]
    Fixtures,
    /// Any non-empty pair: a user holding every livechat role (missing headers are still 401).
    Any,
}

impl FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fixtures" => Ok(AuthMode::Fixtures),
            "any" => Ok(AuthMode::Any),
            _ => Err(format!("expected 'fixtures' or 'any'; got {s:?}")),
        }
    }
}

/// Access to the control API under `/_mock/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Admin {
    /// Open to anyone who can reach the port (it binds loopback by default).
    #[default]
    Open,
    /// Requires `Authorization: Bearer <token>`.
    Token(String),
    /// No control API: `/_mock/` paths are 404 like any unknown path.
    Disabled,
}
