//! The real server's REST rate limiter: a fixed window per client address and route, which
//! starts at the first call.
//!
//! Rocket.Chat's `apps/meteor/server/api/rateLimiterKey.ts` (`buildRateLimiterRule(route, per =
//! 'ip')`, commit 98072175c458d010fcb46b5df048af31276c6dae) keys every rule by `IPAddr` and
//! `route` unless a route asks for `per: 'user'`, and none of the routes emulated here does.
//! Each route counts on its own: `API_Enable_Rate_Limiter_Limit_Calls_Default` (10) calls per
//! `API_Enable_Rate_Limiter_Limit_Time_Default` (60,000 ms), but `POST livechat/visitor`, which
//! declares `rateLimiterOptions: { numRequestsAllowed: 5, intervalTimeInMS: 60000 }`
//! (`apps/meteor/server/api/v1/omnichannel/visitor.ts`).
//!
//! Each call costs O(1): windows live in a hash map, and ended windows leave through a queue
//! ordered by their end, a few per call, so memory is bounded by the clients active within one
//! window.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Mutex;

use crate::base::endpoint::Endpoint;

/// `N/SECONDS`: N calls per window of SECONDS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u32,
    pub window_ms: u64,
}

impl RateLimit {
    /// The real server's default for REST routes: 10 calls per 60 s.
    pub const REAL_DEFAULT: RateLimit = RateLimit {
        limit: 10,
        window_ms: 60_000,
    };
    /// `POST /api/v1/livechat/visitor`'s own limit: 5 calls per 60 s.
    pub const REGISTER_VISITOR: RateLimit = RateLimit {
        limit: 5,
        window_ms: 60_000,
    };
}

impl FromStr for RateLimit {
    type Err = String;

    /// `N/SECONDS`, or `real` for the real server's default (10/60).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("real") {
            return Ok(RateLimit::REAL_DEFAULT);
        }
        let err = || {
            format!(
                "expected N/SECONDS with N and SECONDS at least 1 (e.g. 10/60), or `real`; got {s:?}"
            )
        };
        let (limit, seconds) = s.split_once('/').ok_or_else(err)?;
        let limit: u32 = limit.trim().parse().map_err(|_| err())?;
        let seconds: u64 = seconds.trim().parse().map_err(|_| err())?;
        if limit == 0 || seconds == 0 || seconds > u64::MAX / 1000 {
            return Err(err());
        }
        Ok(RateLimit {
            limit,
            window_ms: seconds * 1000,
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

/// The windows of one route.
#[derive(Debug, Default)]
struct RouteWindows {
    windows: HashMap<IpAddr, Window>,
    /// `(start_ms, client)` in the order windows started; a window's start never decreases, so
    /// the front is always the oldest.
    starts: VecDeque<(u64, IpAddr)>,
}

/// Counts calls per client address and route.
#[derive(Debug)]
pub struct RateLimiter {
    default: RateLimit,
    routes: Mutex<[RouteWindows; Endpoint::ALL.len()]>,
}

impl RateLimiter {
    /// A limiter whose routes allow `default` (but `POST livechat/visitor`, which keeps its own
    /// 5 per 60 s, as in the real server).
    pub fn new(default: RateLimit) -> RateLimiter {
        RateLimiter {
            default,
            routes: Mutex::new(Default::default()),
        }
    }

    /// The default limit (what `--rate-limit` set).
    pub fn config(&self) -> RateLimit {
        self.default
    }

    /// The limit a route allows.
    pub fn limit_of(&self, route: Endpoint) -> RateLimit {
        match route {
            Endpoint::RegisterVisitor => RateLimit::REGISTER_VISITOR,
            _ => self.default,
        }
    }

    /// Counts one call on `route` from `client` at `now_ms`.
    pub fn check(&self, route: Endpoint, client: IpAddr, now_ms: u64) -> RateCheck {
        let config = self.limit_of(route);
        let window_ms = config.window_ms;
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let table = &mut routes[route.index()];
        // Drop ended windows: each leaves once, so this is O(1) per call amortized.
        while let Some(&(start, ip)) = table.starts.front() {
            if now_ms < start.saturating_add(window_ms) {
                break;
            }
            table.starts.pop_front();
            if table.windows.get(&ip).is_some_and(|w| w.start_ms == start) {
                table.windows.remove(&ip);
            }
        }
        let window = table.windows.entry(client).or_insert_with(|| {
            table.starts.push_back((now_ms, client));
            Window {
                start_ms: now_ms,
                calls: 0,
            }
        });
        window.calls = window.calls.saturating_add(1);
        let time_to_reset = window.start_ms.saturating_add(window_ms) - now_ms;
        RateCheck {
            allowed: window.calls <= config.limit,
            limit: config.limit,
            remaining: config.limit.saturating_sub(window.calls),
            reset_ms: now_ms + time_to_reset,
            wait_seconds: time_to_reset.div_ceil(1000),
        }
    }

    /// How many windows are open (for the memory bound's test).
    #[cfg(test)]
    fn tracked(&self) -> usize {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        routes.iter().map(|r| r.windows.len()).sum()
    }

    /// Forgets every window.
    pub fn reset(&self) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        *routes = Default::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn parses_calls_per_seconds_or_real() {
        assert_eq!(
            "10/60".parse(),
            Ok(RateLimit {
                limit: 10,
                window_ms: 60_000
            })
        );
        assert_eq!("real".parse(), Ok(RateLimit::REAL_DEFAULT));
        assert!("10".parse::<RateLimit>().is_err());
        assert!("0/60".parse::<RateLimit>().is_err());
        assert!("10/0".parse::<RateLimit>().is_err());
        assert!("1/18446744073709551615".parse::<RateLimit>().is_err());
    }

    #[test]
    fn a_window_allows_n_calls_then_refuses_until_it_ends() {
        let limiter = RateLimiter::new("2/10".parse().unwrap());
        let first = limiter.check(Endpoint::VisitorsInfo, A, 1_000);
        assert_eq!(
            (
                first.allowed,
                first.remaining,
                first.reset_ms,
                first.wait_seconds
            ),
            (true, 1, 11_000, 10)
        );
        let second = limiter.check(Endpoint::VisitorsInfo, A, 1_500);
        assert_eq!((second.allowed, second.remaining), (true, 0));
        let third = limiter.check(Endpoint::VisitorsInfo, A, 9_001);
        assert_eq!(
            (
                third.allowed,
                third.remaining,
                third.reset_ms,
                third.wait_seconds
            ),
            (false, 0, 11_000, 2)
        );
        assert!(
            limiter.check(Endpoint::VisitorsInfo, B, 9_001).allowed,
            "per client address"
        );
        assert!(
            limiter.check(Endpoint::VisitorByToken, A, 9_001).allowed,
            "per route"
        );
        let next = limiter.check(Endpoint::VisitorsInfo, A, 11_000);
        assert_eq!(
            (next.allowed, next.remaining, next.reset_ms),
            (true, 1, 21_000)
        );
    }

    #[test]
    fn registration_keeps_its_own_five_per_minute() {
        let limiter = RateLimiter::new(RateLimit::REAL_DEFAULT);
        for _ in 0..5 {
            assert!(limiter.check(Endpoint::RegisterVisitor, A, 0).allowed);
        }
        let sixth = limiter.check(Endpoint::RegisterVisitor, A, 0);
        assert_eq!((sixth.allowed, sixth.limit), (false, 5));
        assert_eq!(limiter.check(Endpoint::Login, A, 0).limit, 10);
    }

    #[test]
    fn ended_windows_are_dropped_so_memory_follows_active_clients() {
        let limiter = RateLimiter::new("10/1".parse().unwrap());
        for i in 0..50_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(i));
            limiter.check(Endpoint::VisitorsInfo, ip, u64::from(i / 1000) * 1000);
        }
        // Only the last second's thousand clients are still in a window.
        assert_eq!(limiter.tracked(), 1000);
    }
}
