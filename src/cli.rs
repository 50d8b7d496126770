//! The command line: every flag with help text and an environment-variable fallback, mapped
//! onto the same [`Config`] the library uses.

use std::path::PathBuf;

use clap::Parser;

use crate::config::{Config, Cors};
use crate::fixtures::FixtureSource;
use crate::schema::SchemaSource;

/// A contract-exact mock of Rocket.Chat's Livechat visitors.info endpoint.
#[derive(Debug, Parser)]
#[command(name = "livechat-mock", version, about)]
pub struct Cli {
    /// Address to listen on (loopback by default).
    #[arg(long, env = "LIVECHAT_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on; 0 picks a free port.
    #[arg(long, env = "LIVECHAT_MOCK_PORT", default_value_t = 3000)]
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
}

impl Cli {
    /// The validated configuration these flags describe.
    pub fn into_config(self) -> Config {
        Config {
            host: self.host,
            port: self.port,
            fixtures: self
                .fixtures
                .map_or(FixtureSource::Bundled, FixtureSource::Dir),
            schemas: self
                .schemas
                .map_or(SchemaSource::Bundled, SchemaSource::Dir),
            cors: self.cors,
        }
    }
}
