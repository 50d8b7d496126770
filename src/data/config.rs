//! The validated configuration, shared by the command line and the library.

use std::str::FromStr;
use std::time::Duration;

use crate::base::chaos::{DEFAULT_FAULTS, Latency};
use crate::base::clock::Clock;
use crate::base::ratelimit::RateLimit;
use crate::base::selection::OutcomeId;
use crate::base::versions::Version;
use crate::data::fixtures::FixtureSource;
use crate::data::schema::SchemaSource;

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
    /// `--cors-mock-headers`: preflights and answers also allow `Prefer` and `x-mock-response-*`.
    pub cors_mock_headers: bool,
    /// `--latency-preflight`: `--latency` delays CORS preflights too (by default it does not).
    pub latency_preflight: bool,
    /// HTTPS: a certificate and key of the user's, or a local CA made at start; `None`: plain
    /// HTTP.
    pub tls: Option<Tls>,
    /// `--upstream`: where requests the mock does not answer itself are forwarded.
    pub upstream: Option<Upstream>,
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
    /// The most the journal's entries may weigh, in bytes (oldest dropped first).
    pub journal_bytes: usize,
    /// `--journal-responses`: the journal also keeps each response's body (within
    /// `journal_bytes`), for `GET /_mock/pact`.
    pub journal_responses: bool,
    /// Where time comes from (the rate limiter's windows, the journal's times).
    pub clock: Clock,
    /// The Rocket.Chat release whose behaviour and contract the mock follows.
    pub api_version: Version,
    /// How many seeded visitors (`seed`) to generate on top of the fixtures.
    pub generate: usize,
    /// Reload fixture files when they change.
    pub watch: bool,
    /// The limits of a careful server.
    pub limits: Limits,
    /// The schema gate. Off only to price it in `bench/run.sh`; never in use.
    pub gate: bool,
    /// Request heads timed by hyper's `header_read_timeout` instead of the watchdog's tick:
    /// only to price the watchdog in `bench/run.sh`.
    #[doc(hidden)]
    pub stock_header_timeout: bool,
}

/// A real server for everything the mock does not answer itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `http://` or `https://` and the host, `scheme://host[:port]`, no path.
    pub url: String,
    /// A CA (PEM) to trust for an HTTPS upstream, besides the public roots.
    pub ca_cert: Option<std::path::PathBuf>,
    /// How long the upstream has to answer (its head); past it, 504.
    pub timeout: Duration,
}

/// How the server speaks HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// `--tls-cert FILE --tls-key FILE`: PEM files of the user's.
    Files {
        cert: std::path::PathBuf,
        key: std::path::PathBuf,
    },
    /// `--tls auto`: a local CA and a leaf for `localhost`, `127.0.0.1`, `::1` and the host,
    /// made at start; the CA's PEM is written to `ca_out` when given, and served at
    /// `GET /_mock/ca.pem`.
    Auto { ca_out: Option<std::path::PathBuf> },
}

/// What one client may take of the server: each a flag, each with a default a real deployment
/// would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Request line and headers, in bytes; past it, 431. Default 16 KiB, Node's default.
    pub max_head_bytes: usize,
    /// Request target (path and query), in bytes; past it, 414. Default 8 KiB.
    pub max_uri_bytes: usize,
    /// A request head must arrive within this; a client dribbling headers is dropped.
    pub header_timeout: Duration,
    /// A keep-alive connection with no request in flight is closed after this. Default 5 s,
    /// Node's `keepAliveTimeout`.
    pub idle_timeout: Duration,
    /// A response write that moves no byte for this long (a client that stopped reading) is
    /// dropped, and a graceful close waits no longer than this for what is in flight. Default
    /// 10 s.
    pub send_timeout: Duration,
    /// Connections served at once; past it, new ones wait in the listen queue.
    pub max_connections: usize,
    /// The largest request body read (the POST endpoints and the control API); past it, 413.
    pub max_body_bytes: usize,
    /// A request body must arrive within this once its head has; past it, 408 and the slot is
    /// freed.
    pub body_timeout: Duration,
    /// Visitors that `POST /api/v1/livechat/visitor` may create; past it, 507.
    pub max_registered_visitors: usize,
    /// Bytes those visitors may hold in all; past it, 507.
    pub max_registered_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: 16 * 1024,
            max_uri_bytes: 8 * 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            send_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_body_bytes: 1024 * 1024,
            body_timeout: Duration::from_secs(10),
            max_registered_visitors: 10_000,
            max_registered_bytes: 64 * 1024 * 1024,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".to_string(),
            port: 3000,
            fixtures: FixtureSource::Bundled,
            schemas: SchemaSource::Bundled,
            cors: Cors::Any,
            cors_mock_headers: false,
            latency_preflight: false,
            tls: None,
            upstream: None,
            outcome: None,
            auth: AuthMode::Fixtures,
            rate_limit: None,
            latency: None,
            fault_rate: 0.0,
            faults: DEFAULT_FAULTS.to_vec(),
            seed: 0,
            admin: Admin::Open,
            journal_size: 1000,
            journal_bytes: 16 * 1024 * 1024,
            journal_responses: false,
            clock: Clock::System,
            api_version: Version::DEFAULT,
            generate: 0,
            watch: false,
            limits: Limits::default(),
            gate: true,
            stock_header_timeout: false,
        }
    }
}

/// The most visitors `--generate` may add: about 1.1 KB each, so 50 million is ~55 GB already.
pub const MAX_GENERATE: usize = 50_000_000;
/// What one generated visitor costs in memory, measured: its document, its prepared 200 body
/// and the index entries (about 1.1 KB; RSS grows about that per visitor).
pub const GENERATED_VISITOR_BYTES: u64 = 1_150;

/// What this process may still allocate: the machine's available memory (`MemAvailable`), or
/// less under an address-space limit (`ulimit -v`). `None` where neither can be read.
fn memory_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|text| {
        text.lines()
            .find_map(|line| line.strip_prefix("MemAvailable:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| kib * 1024)
    });
    let limits = std::fs::read_to_string("/proc/self/limits").ok();
    let address_space = limits.as_deref().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("Max address space"))?;
        let soft = line.split_whitespace().nth(3)?;
        soft.parse::<u64>().ok()
    });
    match (available, address_space) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// hyper's smallest read buffer: a head limit below it cannot be honoured.
pub const MIN_HEAD_BYTES: usize = 8192;
/// hyper answers 414 past this request-target length whatever it is told.
pub const MAX_URI_BYTES: usize = 65_534;

impl Config {
    /// Checks what the CLI and the builder set alike; refuses what the server cannot honour
    /// exactly, rather than clamping it silently.
    ///
    /// # Errors
    /// A message naming the flag and what it accepts.
    pub fn validate(&self) -> Result<(), String> {
        if let Admin::Token(token) = &self.admin
            && token.is_empty()
        {
            return Err("--admin-token must not be empty (leave it out for an open control API on loopback)".into());
        }
        if !(0.0..=1.0).contains(&self.fault_rate) || self.fault_rate.is_nan() {
            return Err(format!(
                "--fault-rate {} must be a probability from 0 to 1",
                self.fault_rate
            ));
        }
        #[cfg(not(feature = "generate"))]
        if self.generate > 0 {
            return Err(
                "--generate needs the `generate` feature, which this build leaves out".into(),
            );
        }
        if self.generate > MAX_GENERATE {
            return Err(format!(
                "--generate {} does not fit in memory: at most {MAX_GENERATE} visitors (about 1.1 KB each)",
                self.generate
            ));
        }
        if let Some(available) = memory_available() {
            let needed = (self.generate as u64).saturating_mul(GENERATED_VISITOR_BYTES);
            if needed > available {
                return Err(format!(
                    "--generate {} needs about {} MiB (about {GENERATED_VISITOR_BYTES} bytes a visitor), more than the {} MiB this process may use; generate fewer",
                    self.generate,
                    needed >> 20,
                    available >> 20
                ));
            }
        }
        if self.limits.max_head_bytes < MIN_HEAD_BYTES {
            return Err(format!(
                "--max-head-bytes {} is below {MIN_HEAD_BYTES}, the smallest head limit the HTTP parser can hold to",
                self.limits.max_head_bytes
            ));
        }
        if self.limits.max_uri_bytes > MAX_URI_BYTES {
            return Err(format!(
                "--max-uri-bytes {} is above {MAX_URI_BYTES}, the longest request target the HTTP parser accepts",
                self.limits.max_uri_bytes
            ));
        }
        Ok(())
    }

    /// Whether the configured host is this machine only.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
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

impl Cors {
    /// The `Access-Control-Allow-Origin` this setting gives a page of `origin`: `*` for any
    /// (a constant, no copy), the origin itself when listed (as sent), none when off or not
    /// listed. The preflight and the control API's answers both read it.
    pub fn allow_origin(&self, origin: Option<&str>) -> Option<hyper::header::HeaderValue> {
        match self {
            Cors::Off => None,
            Cors::Any => Some(crate::base::response::ANY_ORIGIN),
            Cors::Origins(list) => origin
                .filter(|o| list.iter().any(|allowed| allowed == o))
                .and_then(|o| hyper::header::HeaderValue::from_str(o).ok()),
        }
    }

    /// Whether the answer depends on the `Origin` (a list echoes it): `Vary: Origin`.
    pub fn varies_by_origin(&self) -> bool {
        matches!(self, Cors::Origins(_))
    }
}

/// An origin as a browser sends it (`scheme://host[:port]`, lower case): a trailing `/` is
/// dropped (`http://localhost:5173/` is a common paste), and anything else past the host is
/// refused with the reason, since no browser would ever send it and every preflight would fail.
fn origin(given: &str) -> Result<String, String> {
    let lower = given.to_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return Err(format!(
            "--cors {given:?}: an origin is scheme://host[:port], e.g. http://localhost:5173"
        ));
    };
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() || host.contains(['/', '?', '#']) {
        return Err(format!(
            "--cors {given:?}: an origin has no path; browsers send {scheme}://{}",
            host.split(['/', '?', '#']).next().unwrap_or_default()
        ));
    }
    Ok(format!("{scheme}://{host}"))
}

impl FromStr for Cors {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "*" => Ok(Cors::Any),
            "off" => Ok(Cors::Off),
            list => {
                let mut origins = Vec::new();
                for given in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                    origins.push(origin(given)?);
                }
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
