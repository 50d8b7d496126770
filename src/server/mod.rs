//! The accept loop with its limits, `MockServer` and its builder, `--watch`, the command line and the fuzz harness. The top layer.

pub(crate) mod builder;
#[cfg(feature = "cli")]
pub(crate) mod cli;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub(crate) mod mock_server;
#[cfg(feature = "tls")]
pub(crate) mod tls;
pub(crate) mod watch;
pub(crate) mod watchdog;
