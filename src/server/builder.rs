//! [`MockServerBuilder`]: the library's mirror of the command-line flags, onto the same
//! [`Config`].

use std::path::PathBuf;

use serde_json::Value;

use crate::base::chaos::Latency;
use crate::base::clock::Clock;
use crate::base::error::Error;
use crate::base::ratelimit::RateLimit;
use crate::base::selection::OutcomeId;
use crate::base::versions::Version;
use crate::data::config::{Admin, AuthMode, Config, Cors, Limits, Upstream};
use crate::data::fixtures::FixtureSource;
use crate::data::schema::SchemaSource;
use crate::server::mock_server::MockServer;

/// Settings for a [`MockServer`], one method per command-line flag. Starts on a free loopback
/// port unless told otherwise.
#[derive(Debug, Clone)]
#[must_use]
pub struct MockServerBuilder {
    config: Config,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            config: Config {
                port: 0,
                ..Config::default()
            },
        }
    }
}

impl MockServerBuilder {
    /// `--host`.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.config.host = host.into();
        self
    }

    /// `--port` (default here: 0, a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }

    /// `--fixtures DIR`.
    pub fn fixtures_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.fixtures = FixtureSource::Dir(dir.into());
        self
    }

    /// Fixtures given as values: `visitors.json` and `users.json` documents (checked against
    /// the same schemas as files).
    pub fn fixtures(mut self, visitors: Value, users: Value) -> Self {
        self.config.fixtures = FixtureSource::Inline {
            visitors,
            users,
            permissions: None,
        };
        self
    }

    /// A `permissions.json` document, with [`MockServerBuilder::fixtures`].
    pub fn permissions(mut self, permissions: Value) -> Self {
        if let FixtureSource::Inline {
            permissions: slot, ..
        } = &mut self.config.fixtures
        {
            *slot = Some(permissions);
        }
        self
    }

    /// `--schemas DIR`.
    pub fn schemas_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.schemas = SchemaSource::Dir(dir.into());
        self
    }

    /// `--api-version`.
    pub fn api_version(mut self, version: Version) -> Self {
        self.config.api_version = version;
        self
    }

    /// `--outcome`.
    pub fn outcome(mut self, outcome: OutcomeId) -> Self {
        self.config.outcome = Some(outcome);
        self
    }

    /// `--auth`.
    pub fn auth(mut self, auth: AuthMode) -> Self {
        self.config.auth = auth;
        self
    }

    /// `--rate-limit`.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.config.rate_limit = Some(limit);
        self
    }

    /// `--latency`.
    pub fn latency(mut self, latency: Latency) -> Self {
        self.config.latency = Some(latency);
        self
    }

    /// `--fault-rate` with `--faults`.
    pub fn faults(mut self, rate: f64, faults: Vec<OutcomeId>) -> Self {
        self.config.fault_rate = rate;
        self.config.faults = faults;
        self
    }

    /// `--seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// `--generate`.
    pub fn generate(mut self, count: usize) -> Self {
        self.config.generate = count;
        self
    }

    /// `--cors`.
    pub fn cors(mut self, cors: Cors) -> Self {
        self.config.cors = cors;
        self
    }

    /// `--cors-mock-headers`.
    pub fn cors_mock_headers(mut self, on: bool) -> Self {
        self.config.cors_mock_headers = on;
        self
    }

    /// `--tls-cert FILE --tls-key FILE`: HTTPS with the user's PEM files.
    pub fn tls_files(
        mut self,
        cert: impl Into<std::path::PathBuf>,
        key: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.config.tls = Some(crate::data::config::Tls::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// `--tls auto`: HTTPS with a local CA made at start; [`MockServer::ca_pem`] hands it out
    /// and [`MockServer::uri`] is `https://`.
    ///
    /// [`MockServer::ca_pem`]: crate::MockServer::ca_pem
    /// [`MockServer::uri`]: crate::MockServer::uri
    pub fn tls_auto(mut self) -> Self {
        self.config.tls = Some(crate::data::config::Tls::Auto { ca_out: None });
        self
    }

    /// `--tls auto --tls-ca-out FILE`: as [`MockServerBuilder::tls_auto`], and the CA's
    /// certificate is also written to `file`.
    pub fn tls_auto_ca_out(mut self, file: impl Into<PathBuf>) -> Self {
        self.config.tls = Some(crate::data::config::Tls::Auto {
            ca_out: Some(file.into()),
        });
        self
    }

    /// `--latency-preflight`: preflights wait for `--latency` too.
    pub fn latency_preflight(mut self, on: bool) -> Self {
        self.config.latency_preflight = on;
        self
    }

    /// `--upstream URL` with `--upstream-ca-cert` and `--upstream-timeout-ms`: what the mock
    /// does not answer itself is passed to a real server.
    pub fn upstream(mut self, upstream: Upstream) -> Self {
        self.config.upstream = Some(upstream);
        self
    }

    /// `--journal-bytes`.
    pub fn journal_bytes(mut self, bytes: usize) -> Self {
        self.config.journal_bytes = bytes;
        self
    }

    /// `--journal-responses`: the journal keeps each response too (for `GET /_mock/pact`).
    pub fn journal_responses(mut self, on: bool) -> Self {
        self.config.journal_responses = on;
        self
    }

    /// `--bench-gate-off` (hidden): `false` sends bodies unchecked; for bench/run.sh only.
    #[doc(hidden)]
    pub fn schema_gate(mut self, on: bool) -> Self {
        self.config.gate = on;
        self
    }

    /// `--bench-stock-header-timeout` (hidden): hyper's header timeout, for bench/run.sh only.
    #[doc(hidden)]
    pub fn stock_header_timeout(mut self, on: bool) -> Self {
        self.config.stock_header_timeout = on;
        self
    }

    /// `--admin-token` / `--no-admin`.
    pub fn admin(mut self, admin: Admin) -> Self {
        self.config.admin = admin;
        self
    }

    /// `--journal-size`.
    pub fn journal_size(mut self, size: usize) -> Self {
        self.config.journal_size = size;
        self
    }

    /// `--watch`.
    pub fn watch(mut self, watch: bool) -> Self {
        self.config.watch = watch;
        self
    }

    /// `--max-head-bytes`, `--max-uri-bytes`, `--header-timeout-ms`, `--idle-timeout-ms`,
    /// `--max-connections`, `--max-body-bytes`.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Where time comes from; [`Clock::manual`] lets a test drive rate-limit windows.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.config.clock = clock;
        self
    }

    /// The configuration built so far.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Loads, binds and serves.
    ///
    /// # Errors
    /// A bad schema set or fixture file, or an address that cannot be bound.
    pub async fn start(self) -> Result<MockServer, Error> {
        MockServer::start(self.config).await
    }
}

impl From<Config> for MockServerBuilder {
    fn from(config: Config) -> Self {
        MockServerBuilder { config }
    }
}
