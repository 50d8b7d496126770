//! The one log line per answered request, and where it goes.
//!
//! It is a tracing event of target [`REQUEST_LOG_TARGET`] like any other line, so a program that
//! embeds [`MockServer`](crate::MockServer) sees it through its own subscriber. The binary's
//! plain-text log is the exception: its one reader is a file or a terminal, and with default flags
//! the event's dispatch and field-by-field visit cost more than the rest of the line. So the
//! binary installs a [`RequestLog`] that writes the same bytes itself; `RUST_LOG` still decides
//! whether the line is written at all.

use std::sync::OnceLock;
use std::time::SystemTime;

use hyper::Method;
use tracing::Level;

/// The target of the one log line per answered request (`RUST_LOG=livechat_mock::request=off`
/// silences it alone).
pub const REQUEST_LOG_TARGET: &str = "livechat_mock::request";

/// What the log line of one answered request says, field by field, in the line's order.
#[derive(Debug, Clone, Copy)]
pub struct RequestLine<'a> {
    pub method: &'a Method,
    /// The path, a visitor token in it cut to its last four characters.
    pub path: &'a str,
    /// 0 when no response was sent (the `reset` and `hang` faults).
    pub status: u16,
    pub outcome: &'a str,
    /// The rule that chose the outcome.
    pub rule: &'a str,
    /// From the request's arrival to the response's start.
    pub micros: u64,
    /// When the line was logged (the request's arrival plus `micros`): a [`RequestLog`] stamps
    /// the line with it rather than read the clock again. The event is stamped by its
    /// subscriber.
    pub at: SystemTime,
}

impl RequestLine<'_> {
    /// Sends the line as the tracing event it is: `INFO`, target [`REQUEST_LOG_TARGET`], these
    /// six fields.
    pub fn emit(&self) {
        tracing::info!(
            target: REQUEST_LOG_TARGET,
            method = %self.method,
            path = %self.path,
            status = self.status,
            outcome = self.outcome,
            rule = self.rule,
            micros = self.micros,
        );
    }
}

/// Writes request lines in place of the tracing event ([`install_request_log`]).
pub trait RequestLog: Send + Sync + 'static {
    /// Writes one line; called only when `RUST_LOG` lets the event through.
    fn write(&self, line: &RequestLine<'_>);
}

static INSTALLED: OnceLock<Box<dyn RequestLog>> = OnceLock::new();

/// Makes `log` the writer of every request line from now on, in this process. For a program
/// whose subscriber would only write the event's text (the binary does this): anything else
/// (a JSON log, a test's capture) wants the event, which is the default. False, and `log` is
/// not installed, when one already is.
pub fn install_request_log(log: Box<dyn RequestLog>) -> bool {
    INSTALLED.set(log).is_ok()
}

/// Logs one answered request: to the installed [`RequestLog`] if there is one, else as the
/// event. Either way only when the subscriber's filter takes the event.
pub(crate) fn log_request(line: &RequestLine<'_>) {
    match INSTALLED.get() {
        Some(log) => {
            // The event's own callsite metadata (level, target, field names), so a `RUST_LOG`
            // directive matches exactly what it would match on the event.
            if tracing::enabled!(
                target: REQUEST_LOG_TARGET,
                Level::INFO,
                method,
                path,
                status,
                outcome,
                rule,
                micros
            ) {
                log.write(line);
            }
        }
        None => line.emit(),
    }
}
