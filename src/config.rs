//! The validated configuration, shared by the command line and the library.

use std::str::FromStr;

use crate::fixtures::FixtureSource;
use crate::schema::SchemaSource;

/// Everything a mock server instance is started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to bind; loopback unless told otherwise.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    pub fixtures: FixtureSource,
    pub schemas: SchemaSource,
    pub cors: Cors,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".to_string(),
            port: 3000,
            fixtures: FixtureSource::Bundled,
            schemas: SchemaSource::Bundled,
            cors: Cors::Any,
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
