//! The real server's per-user rate limiter (off by default here; on in a real server at 10 calls
//! per 60 s): a fixed window per user that starts at its first call.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;

/// `N/SECONDS`: N calls per window of SECONDS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u32,
    pub window_ms: u64,
}

impl RateLimit {
    /// The real server's default for REST routes.
    pub const REAL_DEFAULT: RateLimit = RateLimit {
        limit: 10,
        window_ms: 60_000,
    };
}

impl FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err =
            || format!("expected N/SECONDS with N and SECONDS at least 1, e.g. 10/60; got {s:?}");
        let (limit, seconds) = s.split_once('/').ok_or_else(err)?;
        let limit: u32 = limit.trim().parse().map_err(|_| err())?;
        let seconds: u64 = seconds.trim().parse().map_err(|_| err())?;
        if limit == 0 || seconds == 0 {
            return Err(err());
        }
        Ok(RateLimit {
            limit,
            window_ms: seconds.saturating_mul(1000),
        })
    }
}

/// What the limiter said about one call, and the headers it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCheck {
    pub allowed: bool,
    /// `X-RateLimit-Limit`.
    pub limit: u32,
    /// `X-RateLimit-Remaining`: calls left in this window after this one.
    pub remaining: u32,
    /// `X-RateLimit-Reset`: epoch milliseconds when the window ends.
    pub reset_ms: u64,
    /// Whole seconds until the window ends, rounded up, as the 429 message says them.
    pub wait_seconds: u64,
}

impl RateCheck {
    /// What a 429 asked for by name carries: an exhausted window starting now.
    pub fn exhausted(limit: RateLimit, now_ms: u64) -> RateCheck {
        RateCheck {
            allowed: false,
            limit: limit.limit,
            remaining: 0,
            reset_ms: now_ms + limit.window_ms,
            wait_seconds: limit.window_ms.div_ceil(1000),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: u64,
    calls: u32,
}

/// Counts calls per user.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimit,
    windows: Mutex<HashMap<String, Window>>,
}

/// Past this many tracked users, ended windows are dropped, so memory stays bounded by the
/// number of users active within one window.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(config: RateLimit) -> RateLimiter {
        RateLimiter {
            config,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> RateLimit {
        self.config
    }

    /// Counts one call by `user` at `now_ms`.
    pub fn check(&self, user: &str, now_ms: u64) -> RateCheck {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window_ms = self.config.window_ms;
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, w| now_ms < w.start_ms + window_ms);
        }
        let window = windows.entry(user.to_string()).or_insert(Window {
            start_ms: now_ms,
            calls: 0,
        });
        if now_ms >= window.start_ms + window_ms {
            *window = Window {
                start_ms: now_ms,
                calls: 0,
            };
        }
        window.calls = window.calls.saturating_add(1);
        let time_to_reset = window.start_ms + window_ms - now_ms;
        RateCheck {
            allowed: window.calls <= self.config.limit,
            limit: self.config.limit,
            remaining: self.config.limit.saturating_sub(window.calls),
            reset_ms: now_ms + time_to_reset,
            wait_seconds: time_to_reset.div_ceil(1000),
        }
    }

    /// Forgets every window.
    pub fn reset(&self) {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calls_per_seconds() {
        assert_eq!(
            "10/60".parse(),
            Ok(RateLimit {
                limit: 10,
                window_ms: 60_000
            })
        );
        assert!("10".parse::<RateLimit>().is_err());
        assert!("0/60".parse::<RateLimit>().is_err());
        assert!("10/0".parse::<RateLimit>().is_err());
    }

    #[test]
    fn a_window_allows_n_calls_then_refuses_until_it_ends() {
        let limiter = RateLimiter::new("2/10".parse().unwrap());
        let first = limiter.check("u", 1_000);
        assert_eq!(
            (
                first.allowed,
                first.remaining,
                first.reset_ms,
                first.wait_seconds
            ),
            (true, 1, 11_000, 10)
        );
        let second = limiter.check("u", 1_500);
        assert_eq!((second.allowed, second.remaining), (true, 0));
        let third = limiter.check("u", 9_001);
        assert_eq!(
            (
                third.allowed,
                third.remaining,
                third.reset_ms,
                third.wait_seconds
            ),
            (false, 0, 11_000, 2)
        );
        assert!(limiter.check("other", 9_001).allowed, "per user");
        let next = limiter.check("u", 11_000);
        assert_eq!(
            (next.allowed, next.remaining, next.reset_ms),
            (true, 1, 21_000)
        );
    }
}
