//! The command line: every flag with help text and an environment-variable fallback, mapped
//! onto the library's [`MockServerBuilder`], method by method, so the flags and the builder
//! share one path.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use livechat_mock::{
    Admin, AuthMode, Cors, DEFAULT_FAULTS, Latency, Limits, MockServer, MockServerBuilder,
    OutcomeId, RateLimit, Upstream, Version,
};

/// A contract-exact mock of Rocket.Chat's Livechat visitors.info endpoint.
#[derive(Debug, Parser)]
#[command(
    name = "livechat-mock",
    version,
    about,
    args_conflicts_with_subcommands = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on (loopback by default).
    #[arg(long, env = "LIVECHAT_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on; 0 picks a free port.
    #[arg(long, env = "LIVECHAT_MOCK_PORT", default_value_t = 3000, allow_negative_numbers = true, value_parser = parse_port)]
    pub port: u16,

    /// Directory with visitors.json, users.json and optionally permissions.json [default: the
    /// bundled fixtures].
    #[arg(long, env = "LIVECHAT_MOCK_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,

    /// Directory with the JSON Schemas that validate fixtures and gate responses [default: the
    /// bundled schemas].
    #[arg(long, env = "LIVECHAT_MOCK_SCHEMAS", value_name = "DIR")]
    pub schemas: Option<PathBuf>,

    /// Preflight answers: '*' (any origin), 'off' (the real server's default: 405) or a
    /// comma-separated list of allowed origins.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_CORS",
        default_value = "*",
        value_name = "'*'|off|ORIGIN,..."
    )]
    pub cors: Cors,

    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// `auto`: serve HTTPS with a local CA made at start (a leaf for localhost, 127.0.0.1, ::1
    /// and --host); its certificate is served at /_mock/ca.pem and written to --tls-ca-out.
    #[arg(long, env = "LIVECHAT_MOCK_TLS", value_name = "auto", value_parser = ["auto"], conflicts_with = "tls_cert")]
    pub tls: Option<String>,

    /// Where --tls auto writes its CA certificate (PEM), for curl --cacert,
    /// NODE_EXTRA_CA_CERTS, newman --ssl-extra-ca-certs or a browser.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_TLS_CA_OUT",
        value_name = "FILE",
        requires = "tls"
    )]
    pub tls_ca_out: Option<PathBuf>,

    /// Keep each response's body in the journal too (counted in --journal-bytes), so
    /// GET /_mock/pact can write the journal's interactions as a Pact v4 file.
    #[arg(long, env = "LIVECHAT_MOCK_JOURNAL_RESPONSES", value_parser = clap::builder::BoolishValueParser::new())]
    pub journal_responses: bool,

    /// Forward every request the mock does not answer itself (no emulated route, not /_mock/)
    /// to this server, scheme://host[:port]: a frontend can use the mock for these endpoints
    /// and a staging server for the rest.
    #[arg(long, env = "LIVECHAT_MOCK_UPSTREAM", value_name = "URL", value_parser = parse_upstream)]
    pub upstream: Option<String>,

    /// A CA (PEM) to trust for an https:// --upstream, besides the public roots.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_UPSTREAM_CA_CERT",
        value_name = "FILE",
        requires = "upstream"
    )]
    pub upstream_ca_cert: Option<PathBuf>,

    /// How long --upstream has to answer, in milliseconds (past it: 504).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_UPSTREAM_TIMEOUT_MS",
        default_value_t = 30_000,
        value_name = "MS"
    )]
    pub upstream_timeout_ms: u64,

    /// Also allow `Prefer` and the `x-mock-response-*` headers cross-origin (appended to the real
    /// server's Access-Control-Allow-Headers), so a page on another origin can choose outcomes.
    #[arg(long, env = "LIVECHAT_MOCK_CORS_MOCK_HEADERS", value_parser = clap::builder::BoolishValueParser::new())]
    pub cors_mock_headers: bool,

    /// Answer every visitors.info request with this outcome (unless a request header or the
    /// admin override chooses another): ok, invalid-params, visitor-not-found, not-logged-in,
    /// forbidden, forbidden-generic, rate-limited, server-error, reset, hang, malformed; or a
    /// status code, as the headers take one: 200, 400, 401, 403, 429, 500.
    #[arg(long, env = "LIVECHAT_MOCK_OUTCOME", value_name = "ID|CODE")]
    pub outcome: Option<OutcomeId>,

    /// Who is logged in: 'fixtures' (users.json) or 'any' (any non-empty X-User-Id +
    /// X-Auth-Token pair, holding every livechat role).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_AUTH",
        default_value = "fixtures",
        value_name = "fixtures|any"
    )]
    pub auth: AuthMode,

    /// Emulate the real rate limiter, per client address and route: N calls per SECONDS, or
    /// 'real' for the real server's defaults (10/60 per route; POST livechat/visitor 5/60).
    /// Users holding api-bypass-rate-limit are exempt. Off unless given (a real server has it on).
    #[arg(long, env = "LIVECHAT_MOCK_RATE_LIMIT", value_name = "N/SECONDS|real")]
    pub rate_limit: Option<RateLimit>,

    /// Delay every API response: MS, or MIN..MAX drawn uniformly (seeded).
    #[arg(long, env = "LIVECHAT_MOCK_LATENCY", value_name = "MS|MIN..MAX")]
    pub latency: Option<Latency>,

    /// Delay CORS preflights by --latency too (by default they answer at once, so a browser's
    /// first call does not wait twice).
    #[arg(long, env = "LIVECHAT_MOCK_LATENCY_PREFLIGHT", value_parser = clap::builder::BoolishValueParser::new())]
    pub latency_preflight: bool,

    /// The chance, from 0 to 1, that a request gets one of --faults (seeded).
    #[arg(long, env = "LIVECHAT_MOCK_FAULT_RATE", default_value_t = 0.0, value_name = "P", value_parser = parse_probability, allow_negative_numbers = true)]
    pub fault_rate: f64,

    /// The outcomes --fault-rate draws from [default: reset,server-error,malformed].
    #[arg(
        long,
        env = "LIVECHAT_MOCK_FAULTS",
        value_delimiter = ',',
        value_name = "ID,..."
    )]
    pub faults: Vec<OutcomeId>,

    /// Seed of the latency and fault draws: the same seed and request sequence give the same
    /// delays and faults.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_SEED",
        default_value_t = 0,
        value_name = "N"
    )]
    pub seed: u64,

    /// Require `Authorization: Bearer TOKEN` on the control API under /_mock/.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_ADMIN_TOKEN",
        value_name = "TOKEN",
        conflicts_with = "no_admin"
    )]
    pub admin_token: Option<String>,

    /// Turn the control API off: /_mock/ paths answer 404 like any unknown path.
    #[arg(long, env = "LIVECHAT_MOCK_NO_ADMIN", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_admin: bool,

    /// How many requests the journal (GET /_mock/requests) keeps; 0 keeps none.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_JOURNAL_SIZE",
        default_value_t = 1000,
        value_name = "N"
    )]
    pub journal_size: usize,

    /// The most the journal may hold, in bytes; the oldest entries go first. Header values,
    /// paths and queries past 1 KiB are cut (and the entry says `truncated`).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_JOURNAL_BYTES",
        default_value_t = 16 * 1024 * 1024,
        value_name = "BYTES"
    )]
    pub journal_bytes: usize,

    /// Answer as this Rocket.Chat release did (7.0.0 to 9.0.x) [default: 8.8.1, the newest release
    /// whose every row is settled and whose packages the conformance suite checks].
    #[arg(long, env = "LIVECHAT_MOCK_API_VERSION", value_name = "X.Y.Z")]
    pub api_version: Option<Version>,

    /// Log lines on stderr: 'text' for people, 'json' for machines (one object per line).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_LOG_FORMAT",
        default_value = "text",
        value_name = "text|json"
    )]
    pub log_format: LogFormat,

    /// Reload the fixture files when they change: a valid edit is served within a second, an
    /// invalid one is logged and the last good data kept.
    #[arg(long, env = "LIVECHAT_MOCK_WATCH", value_parser = clap::builder::BoolishValueParser::new())]
    pub watch: bool,

    /// Largest request line plus headers, in bytes (past it: 431).
    #[arg(long, env = "LIVECHAT_MOCK_MAX_HEAD_BYTES", default_value_t = 16 * 1024, value_name = "BYTES")]
    pub max_head_bytes: usize,

    /// Longest request target (path and query), in bytes (past it: 414).
    #[arg(long, env = "LIVECHAT_MOCK_MAX_URI_BYTES", default_value_t = 8 * 1024, value_name = "BYTES")]
    pub max_uri_bytes: usize,

    /// Time a client has to send a whole request head, in milliseconds.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_HEADER_TIMEOUT_MS",
        default_value_t = 10_000,
        value_name = "MS"
    )]
    pub header_timeout_ms: u64,

    /// Idle keep-alive connections are closed after this, in milliseconds.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_IDLE_TIMEOUT_MS",
        default_value_t = 5_000,
        value_name = "MS"
    )]
    pub idle_timeout_ms: u64,

    /// A response write that makes no progress for this long (the client stopped reading) is
    /// dropped with its connection, in milliseconds; it also bounds a graceful close.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_SEND_TIMEOUT_MS",
        default_value_t = 10_000,
        value_name = "MS"
    )]
    pub send_timeout_ms: u64,

    /// Connections served at once; more wait in the listen queue.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_MAX_CONNECTIONS",
        default_value_t = 1024,
        value_name = "N",
        value_parser = at_least_one
    )]
    pub max_connections: usize,

    /// Largest request body read, in bytes (past it: 413).
    #[arg(long, env = "LIVECHAT_MOCK_MAX_BODY_BYTES", default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,

    /// A request body must arrive within this many ms of its head (past it: 408, slot freed).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_BODY_TIMEOUT_MS",
        default_value_t = 10_000,
        value_name = "MS"
    )]
    pub body_timeout_ms: u64,

    /// Visitors POST /api/v1/livechat/visitor may create (past it: 507 and a WARN line).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_MAX_REGISTERED_VISITORS",
        default_value_t = 10_000,
        value_name = "N"
    )]
    pub max_registered_visitors: usize,

    /// Bytes the visitors created through the API may hold in all (past it: 507).
    #[arg(long, env = "LIVECHAT_MOCK_MAX_REGISTERED_BYTES", default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub max_registered_bytes: usize,

    /// At shutdown, write the contract coverage of the run here: Markdown for a .md file, JSON
    /// otherwise.
    #[arg(long, env = "LIVECHAT_MOCK_COVERAGE_REPORT", value_name = "FILE")]
    pub coverage_report: Option<PathBuf>,

    /// Benchmark only: send bodies without consulting the schema gate, to price it.
    #[arg(long, hide = true)]
    pub bench_gate_off: bool,

    /// Benchmark only: log the request line through tracing-subscriber's own text format, not
    /// the binary's writer of the same bytes, to price that writer.
    #[arg(long, hide = true)]
    pub bench_stock_log: bool,

    /// Benchmark only: time request heads with hyper's `header_read_timeout`, not the
    /// connection watchdog's tick, to price the watchdog's header check.
    #[arg(long, hide = true)]
    pub bench_stock_header_timeout: bool,

    /// Add N realistic visitors, made from --seed, to the fixtures.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_GENERATE",
        default_value_t = 0,
        value_name = "N"
    )]
    pub generate: usize,
}

/// The form of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What the binary can do besides serving.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write N generated visitors as a visitors.json fixture file to stdout, one per line.
    Generate {
        /// How many visitors.
        count: usize,
        /// The seed: the same seed always writes the same bytes.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Fixtures whose users the visitors' lastAgent names, and whose guest-N numbering they
        /// continue [default: the bundled fixtures].
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
    /// The bundled fixture files.
    #[command(subcommand)]
    Fixtures(FixturesCommand),
    /// Hold a real Rocket.Chat server to this mock's contract: register one visitor through the
    /// public API, send every case of visitors.info (and the companions it uses), compare each
    /// answer with what this mock answers for the same state and version, and delete the visitor.
    #[cfg(feature = "verify")]
    Verify(VerifyArgs),
    /// Read visitors from a real server and write fixture files that `--fixtures DIR` serves.
    #[cfg(feature = "verify")]
    Record(RecordArgs),
    /// Print a shell completion script: `livechat-mock completions bash > /etc/bash_completion.d/livechat-mock`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), made from these flags: `livechat-mock man > livechat-mock.1`.
    Man,
    /// Run COMMAND against one mock per Rocket.Chat release, and tell which releases it passes:
    /// each run gets the mock's URL in LIVECHAT_MOCK_URL and in place of `{url}` in its
    /// arguments.
    Matrix {
        /// The releases to run against.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "8.3.0,8.4.0,8.5.0,8.6.0,8.8.1,9.0.0",
            value_name = "X.Y.Z,..."
        )]
        versions: Vec<Version>,
        /// How many runs at once.
        #[arg(long, default_value_t = 1, value_name = "N")]
        jobs: usize,
        /// A run still going after this many seconds is stopped (SIGTERM, then SIGKILL) and
        /// counts as failed; 0: no limit.
        #[arg(long, default_value_t = 600, value_name = "SECONDS")]
        timeout: u64,
        /// The command and its arguments (after `--`).
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            required = true,
            value_name = "COMMAND"
        )]
        command: Vec<String>,
    },
}

/// `verify --cors`: read from the target, or insisted on.
#[cfg(feature = "verify")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsSetting {
    /// Read from the target's preflight answer.
    Auto,
    /// This one.
    Fixed(Cors),
}

#[cfg(feature = "verify")]
impl std::str::FromStr for CorsSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            Ok(CorsSetting::Auto)
        } else {
            s.parse().map(CorsSetting::Fixed)
        }
    }
}

/// Where a real server is and who calls it.
#[cfg(feature = "verify")]
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// The server's base URL, e.g. `https://chat.example.com`.
    #[arg(long, env = "LIVECHAT_MOCK_VERIFY_TARGET", value_name = "URL")]
    pub target: String,
    /// A user holding view-l-room (an agent, a manager or an admin).
    #[arg(long, env = "LIVECHAT_MOCK_VERIFY_USER_ID", value_name = "ID")]
    pub user_id: String,
    /// That user's auth token (never printed).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_AUTH_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub auth_token: String,
    /// Allow plain http:// to a host that is not this machine.
    #[arg(long, env = "LIVECHAT_MOCK_VERIFY_ALLOW_HTTP", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_http: bool,
    /// A PEM file of CA certificates to trust (a private CA), instead of the web's roots.
    #[arg(long, env = "LIVECHAT_MOCK_VERIFY_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Per-request timeout, in milliseconds.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_TIMEOUT_MS",
        default_value_t = 10_000,
        value_name = "MS"
    )]
    pub timeout_ms: u64,
    /// At most this many requests per second.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_RATE",
        default_value_t = 4,
        value_name = "N"
    )]
    pub rate: u32,
}

/// `livechat-mock verify`.
#[cfg(feature = "verify")]
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub target: Target,
    /// A user without view-l-room, for the 403.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_UNPRIVILEGED_USER_ID",
        value_name = "ID",
        requires = "unprivileged_auth_token"
    )]
    pub unprivileged_user_id: Option<String>,
    /// That user's auth token (never printed).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_UNPRIVILEGED_AUTH_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub unprivileged_auth_token: Option<String>,
    /// The release to hold the server to [default: 8.8.1].
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_API_VERSION",
        value_name = "X.Y.Z",
        conflicts_with = "detect_version"
    )]
    pub api_version: Option<Version>,
    /// Compare with every release of the version table and say which the server behaves like.
    #[arg(long, env = "LIVECHAT_MOCK_VERIFY_DETECT_VERSION", value_parser = clap::builder::BoolishValueParser::new())]
    pub detect_version: bool,
    /// The server's CORS setting, for the preflight case: `auto` reads it from the target's own
    /// preflight answer (CORS is the server's setting, not its contract); '*', 'off' or a list
    /// of origins insists on one.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_CORS",
        default_value = "auto",
        value_name = "auto|'*'|off|ORIGIN,..."
    )]
    pub cors: CorsSetting,
    /// Also provoke a 429 (spends the server's rate-limit window for this route and address).
    #[arg(long, env = "LIVECHAT_MOCK_VERIFY_INCLUDE_RATE_LIMIT", value_parser = clap::builder::BoolishValueParser::new())]
    pub include_rate_limit: bool,
    /// Write a JUnit XML report here, for CI.
    #[arg(long, env = "LIVECHAT_MOCK_VERIFY_JUNIT", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// The report on stdout: 'text' for people, 'json' for machines.
    #[arg(
        long,
        env = "LIVECHAT_MOCK_VERIFY_FORMAT",
        default_value = "text",
        value_name = "text|json"
    )]
    pub format: LogFormat,
}

/// `livechat-mock record`.
#[cfg(feature = "verify")]
#[derive(Debug, Clone, clap::Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub target: Target,
    /// The visitors to read (repeat, or comma-separated).
    #[arg(
        long,
        env = "LIVECHAT_MOCK_RECORD_VISITOR_ID",
        value_delimiter = ',',
        required = true,
        value_name = "ID"
    )]
    pub visitor_id: Vec<String>,
    /// Where to write visitors.json and users.json (created if missing). Both are checked
    /// against the fixture schemas, then renamed into place together.
    #[arg(long, env = "LIVECHAT_MOCK_RECORD_OUT", value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a visitors.json or users.json that DIR holds already (without it, an existing
    /// set is never overwritten).
    #[arg(long, env = "LIVECHAT_MOCK_RECORD_FORCE", value_parser = clap::builder::BoolishValueParser::new())]
    pub force: bool,
}

/// `livechat-mock fixtures ...`
#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Write every bundled fixture file into DIR (created if missing), ready to edit and serve
    /// with --fixtures DIR. Existing files are not overwritten.
    Export {
        /// Where to write visitors.json, users.json, departments.json, custom-fields.json.
        dir: PathBuf,
    },
}

fn parse_port(s: &str) -> Result<u16, String> {
    s.trim()
        .parse::<u16>()
        .map_err(|_| format!("expected a port from 0 to 65535 (0 picks a free one); got {s:?}"))
}

/// The environment variables of the boolean flags, and what they accept.
pub const BOOL_ENV: [&str; 2] = ["LIVECHAT_MOCK_NO_ADMIN", "LIVECHAT_MOCK_WATCH"];

/// Checks the boolean flags' environment variables before clap reads them, so a bad value is
/// reported by the variable's name (clap would name the flag, which the user never typed).
///
/// # Errors
/// The variable, its value, and what it accepts.
pub fn check_bool_env() -> Result<(), String> {
    for name in BOOL_ENV {
        let Some(value) = std::env::var_os(name) else {
            continue;
        };
        let value = value.to_string_lossy();
        let ok = matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "1" | "0" | "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off" | "t" | "f"
        );
        if !ok {
            return Err(format!(
                "{name}={value:?} is not a boolean: use 1 or 0, true or false, yes or no"
            ));
        }
    }
    Ok(())
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("expected a number from 0 to 1; got {s:?}")),
    }
}

impl Cli {
    /// The server these flags describe: each flag is the builder method of its name.
    pub fn into_builder(self) -> MockServerBuilder {
        let mut server = MockServer::builder()
            .host(self.host)
            .port(self.port)
            .cors(self.cors)
            .cors_mock_headers(self.cors_mock_headers)
            .latency_preflight(self.latency_preflight)
            .auth(self.auth)
            .faults(
                self.fault_rate,
                if self.faults.is_empty() {
                    DEFAULT_FAULTS.to_vec()
                } else {
                    self.faults
                },
            )
            .seed(self.seed)
            .admin(match (self.no_admin, self.admin_token) {
                (true, _) => Admin::Disabled,
                (false, Some(token)) => Admin::Token(token),
                (false, None) => Admin::Open,
            })
            .journal_size(self.journal_size)
            .journal_bytes(self.journal_bytes)
            .journal_responses(self.journal_responses)
            .api_version(self.api_version.unwrap_or_default())
            .generate(self.generate)
            .watch(self.watch)
            .schema_gate(!self.bench_gate_off)
            .stock_header_timeout(self.bench_stock_header_timeout)
            .limits(Limits {
                max_head_bytes: self.max_head_bytes,
                max_uri_bytes: self.max_uri_bytes,
                header_timeout: Duration::from_millis(self.header_timeout_ms),
                idle_timeout: Duration::from_millis(self.idle_timeout_ms),
                send_timeout: Duration::from_millis(self.send_timeout_ms.max(1)),
                max_connections: self.max_connections,
                max_body_bytes: self.max_body_bytes,
                body_timeout: Duration::from_millis(self.body_timeout_ms.max(1)),
                max_registered_visitors: self.max_registered_visitors,
                max_registered_bytes: self.max_registered_bytes,
            });
        if let Some(dir) = self.fixtures {
            server = server.fixtures_dir(dir);
        }
        if let Some(dir) = self.schemas {
            server = server.schemas_dir(dir);
        }
        server = match (self.tls, self.tls_ca_out, self.tls_cert, self.tls_key) {
            (Some(_), Some(file), _, _) => server.tls_auto_ca_out(file),
            (Some(_), None, _, _) => server.tls_auto(),
            (None, _, Some(cert), Some(key)) => server.tls_files(cert, key),
            _ => server,
        };
        if let Some(url) = self.upstream {
            server = server.upstream(Upstream {
                url: url.trim_end_matches('/').to_string(),
                ca_cert: self.upstream_ca_cert,
                timeout: Duration::from_millis(self.upstream_timeout_ms.max(1)),
            });
        }
        if let Some(outcome) = self.outcome {
            server = server.outcome(outcome);
        }
        if let Some(limit) = self.rate_limit {
            server = server.rate_limit(limit);
        }
        if let Some(latency) = self.latency {
            server = server.latency(latency);
        }
        server
    }
}

/// An `--upstream` URL: scheme://host[:port].
fn parse_upstream(text: &str) -> Result<String, String> {
    #[cfg(feature = "tls")]
    livechat_mock::check_upstream_url(text)?;
    Ok(text.to_string())
}

/// A count that must be at least 1: 0 is refused with the reason, never clamped.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would serve no connection at all)".to_string()),
        Ok(n) => Ok(n),
        Err(err) => Err(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every option of the server and of `verify` / `record` has help and an environment
    /// variable named after it, so a CI job never has to put a value (a token) on the command line.
    #[test]
    fn every_option_has_help_and_its_environment_variable() {
        let command = Cli::command();
        let mut walked = 0;
        let mut check = |cmd: &clap::Command, prefix: &str| {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") || arg.is_hide_set() || arg.is_positional() {
                    continue;
                }
                walked += 1;
                assert!(arg.get_help().is_some(), "--{id} has no help");
                let want = format!("{prefix}{}", id.to_ascii_uppercase());
                let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
                assert_eq!(env.as_deref(), Some(want.as_str()), "--{id}");
            }
        };
        check(&command, "LIVECHAT_MOCK_");
        for sub in command.get_subcommands() {
            match sub.get_name() {
                "verify" => check(sub, "LIVECHAT_MOCK_VERIFY_"),
                "record" => {
                    for arg in sub.get_arguments() {
                        let id = arg.get_id().as_str();
                        if matches!(id, "help") {
                            continue;
                        }
                        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
                        let ok = env.as_deref().is_some_and(|e| {
                            e == format!("LIVECHAT_MOCK_VERIFY_{}", id.to_ascii_uppercase())
                                || e == format!("LIVECHAT_MOCK_RECORD_{}", id.to_ascii_uppercase())
                        });
                        assert!(ok, "record --{id}: {env:?}");
                    }
                }
                _ => {}
            }
        }
        assert!(walked >= 40, "walked {walked} options");
    }

    /// The flags' defaults are `Config::default()`: the binary and the library start alike.
    #[test]
    fn no_flags_is_the_default_config() {
        let cli = Cli::try_parse_from(["livechat-mock"]).unwrap();
        assert_eq!(
            cli.into_builder().config(),
            &livechat_mock::Config::default()
        );
    }
}
