//! The accept loop with its limits, `MockServer` and its builder, `--watch` and the fuzz harness. The top layer.

pub(crate) mod builder;
pub(crate) mod connection;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub(crate) mod mock_server;
pub(crate) mod serve;
#[cfg(feature = "tls")]
pub(crate) mod tls;
pub(crate) mod watch;
pub(crate) mod watchdog;
