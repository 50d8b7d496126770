//! API-version emulation: the one table of behaviour changes between Rocket.Chat versions that
//! the responses, the order of checks and the schemas all read.

use std::fmt;
use std::str::FromStr;

/// A Rocket.Chat release, `X.Y.Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// The default: the newest release whose rows are all settled (see [`DEFAULT`]).
    pub const DEFAULT: Version = DEFAULT;
}

/// The default: 8.8.1, the newest release whose every row is settled and whose published
/// packages (`@rocket.chat/rest-typings` and `core-typings` 8.8.1 on npm) the differential suite
/// in `conformance/` checks the mock against. 8.9.0's row (the rate limiter as a middleware) is
/// inferred from dates, and no 8.9 or 9.0 package is published to check it by, so neither is the
/// default; both stay one `--api-version` away.
pub const DEFAULT: Version = Version::new(8, 8, 1);
/// The oldest version this mock can emulate.
pub const OLDEST: Version = Version::new(7, 0, 0);
/// The newest version this mock can emulate (any patch of it).
pub const NEWEST: Version = Version::new(9, 0, 0);

impl Default for Version {
    fn default() -> Self {
        DEFAULT
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let range = format!(
            "known versions: {OLDEST} to {}.{}.x",
            NEWEST.major, NEWEST.minor
        );
        let parts: Vec<&str> = s.trim().split('.').collect();
        let numbers: Option<Vec<u32>> = parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let version = match numbers.as_deref() {
            Some([major, minor, patch]) => Version::new(*major, *minor, *patch),
            _ => return Err(format!("{s:?} is not a version X.Y.Z; {range}")),
        };
        if version < OLDEST || (version.major, version.minor) > (NEWEST.major, NEWEST.minor) {
            return Err(format!(
                "{version} is not a version this mock knows; {range}"
            ));
        }
        Ok(version)
    }
}

/// A behaviour that changed at some release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Behaviour {
    /// The 200 visitor may carry `externalIds`.
    ExternalIds,
    /// The 200 visitor no longer carries `token`.
    TokenHidden,
    /// The permission middleware runs before the query parameters are validated.
    PermissionBeforeParams,
    /// A query parameter given as an array of exactly one string is taken as that string.
    SingleStringArrays,
    /// The 401 body is `{success, error}` without the legacy `status` and `message`.
    No401LegacyKeys,
    /// Requests go through the Hono router (`packages/http-router`), which reads the query
    /// only up to a second `?`.
    HonoRouter,
    /// The router parses the query with `arrayLimit: 500, throwOnLimitExceeded: true` (past a
    /// limit: `400 Invalid query parameters`) instead of qs's defaults.
    RouterQueryLimits,
    /// `Access-Control-Allow-Headers` ends in `MCP-Protocol-Version`.
    McpCorsHeader,
    /// The rate limiter is a middleware that runs before the permission check, and its 429 is
    /// the middleware's `c.json` (no cache headers), not an action result.
    RateLimiterMiddleware,
    /// The login route's 401 is `{"success":false,"error":"unauthorized"}`.
    LoginUnauthorized,
}

/// One row of the table: a behaviour, the release it arrived in, and where that is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub behaviour: Behaviour,
    /// The id schema files name it by (`x-livechat-mock-since` / `x-livechat-mock-until`).
    pub id: &'static str,
    pub since: Version,
    pub summary: &'static str,
    pub source: &'static str,
}

/// Every behaviour change the mock emulates, oldest first. A new release is a row here (and,
/// when it changes a body's shape, an `x-livechat-mock-since` in a schema file).
pub const CHANGES: [Change; 10] = [
    Change {
        behaviour: Behaviour::HonoRouter,
        id: "hono-router",
        since: Version::new(7, 8, 0),
        summary: "the query ends at a second '?' (the Hono router's url.split('?')[1]); before, Express's req.query took the rest of the target",
        source: "packages/http-router/CHANGELOG.md starts at 7.8.0-rc.0; packages/http-router/src/Router.ts 3a8f6b51: \"return qs.parse(request.raw.url.split('?')?.[1] || '');\"",
    },
    Change {
        behaviour: Behaviour::PermissionBeforeParams,
        id: "permission-before-params",
        since: Version::new(8, 0, 0),
        summary: "the permission check (403) runs before the query parameter check (400)",
        source: "REFERENCE.md, Order of checks: \"Servers before 8.x's permission middleware checked the parameters before the permission\"",
    },
    Change {
        behaviour: Behaviour::RouterQueryLimits,
        id: "router-query-limits",
        since: Version::new(8, 1, 0),
        summary: "the query is parsed with arrayLimit 500 and throwOnLimitExceeded: past a limit, 400 Invalid query parameters",
        source: "PR #38222 \"fix: HTTP query string params array parsing\" (merged 2026-01-16, after 8.0.0 of 2026-01-12); packages/http-router/src/parseQueryParams.ts 2c8fc26f: \"return qs.parse(url, { arrayLimit: 500, throwOnLimitExceeded: true });\", before it Router.ts 3a8f6b51: \"return qs.parse(request.raw.url.split('?')?.[1] || '');\"",
    },
    Change {
        behaviour: Behaviour::ExternalIds,
        id: "external-ids",
        since: Version::new(8, 4, 0),
        summary: "the 200 visitor carries externalIds",
        source: "visitors.info API page, Changelog: \"8.4.0 Added externalIds field to the visitor response.\"",
    },
    Change {
        behaviour: Behaviour::TokenHidden,
        id: "token-hidden",
        since: Version::new(8, 5, 0),
        summary: "the 200 visitor no longer carries token",
        source: "visitors.info API page, Changelog: \"8.5.0 The token field is no longer returned in the response.\"",
    },
    Change {
        behaviour: Behaviour::SingleStringArrays,
        id: "single-string-arrays",
        since: Version::new(8, 6, 0),
        summary: "visitorId[]=x (an array of one string) is taken as x instead of \"must be string\"",
        source: "REFERENCE.md, The query parameters: \"An array of exactly one string is coerced to that string (8.6 and later)\"",
    },
    Change {
        behaviour: Behaviour::McpCorsHeader,
        id: "mcp-cors-header",
        since: Version::new(8, 8, 0),
        summary: "Access-Control-Allow-Headers gains MCP-Protocol-Version, on every answer and on allowed preflights",
        source: "apps/meteor/server/api/v1/middlewares/cors.ts 0d1c5b7d, PR #41082 \"feat(api): native MCP (Model Context Protocol) server\" (header asked for in review 2026-08-10; 8.8.0 rc.0 2026-08-20)",
    },
    Change {
        behaviour: Behaviour::RateLimiterMiddleware,
        id: "rate-limiter-middleware",
        since: Version::new(8, 9, 0),
        summary: "the rate limiter is a middleware before the permission check; its 429 carries no cache headers",
        source: "PR #41970 \"feat: support per-user rate limiting on REST endpoints\" (opened 2026-08-27, after 8.8.0 rc.0): \"The limiter is now a middleware\"; apps/meteor/server/api/v1/middlewares/rateLimiter.ts 2e2355e7. Before it, ApiClass.ts b2da2544 answers the 429 from the action (cache headers)",
    },
    Change {
        behaviour: Behaviour::LoginUnauthorized,
        id: "login-unauthorized",
        since: Version::new(9, 0, 0),
        summary: "the login 401 is {\"success\":false,\"error\":\"unauthorized\"}",
        source: "apps/meteor/server/api/ApiClass.ts 0358e0dc / b2da2544: applyBreakingChanges = shouldBreakInVersion('9.0.0'); the login route's status/message pair is added only when it is false",
    },
    Change {
        behaviour: Behaviour::No401LegacyKeys,
        id: "no-401-legacy-keys",
        since: Version::new(9, 0, 0),
        summary: "the 401 body is {success, error}, without the legacy status and message",
        source: "REFERENCE.md, The responses: the API page shows status/message, \"8.x sends all four keys\"; 9.0.0's breaking changes drop the legacy pair",
    },
];

impl Version {
    /// Whether this version behaves as `behaviour` says.
    pub fn has(self, behaviour: Behaviour) -> bool {
        CHANGES
            .iter()
            .find(|change| change.behaviour == behaviour)
            .is_some_and(|change| self >= change.since)
    }

    /// Whether this version has the behaviour a schema file names by id (`None`: no such id).
    pub fn has_id(self, id: &str) -> Option<bool> {
        CHANGES.iter().find(|c| c.id == id).map(|c| self >= c.since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_strictly_within_the_known_range() {
        assert_eq!("8.5.0".parse(), Ok(Version::new(8, 5, 0)));
        assert_eq!("9.0.3".parse(), Ok(Version::new(9, 0, 3)));
        assert_eq!(
            "8.5".parse::<Version>(),
            Err("\"8.5\" is not a version X.Y.Z; known versions: 7.0.0 to 9.0.x".to_string())
        );
        assert!("v8.5.0".parse::<Version>().is_err());
        assert!("8.5.0-rc.1".parse::<Version>().is_err());
        assert_eq!(
            "6.13.0".parse::<Version>(),
            Err(
                "6.13.0 is not a version this mock knows; known versions: 7.0.0 to 9.0.x"
                    .to_string()
            )
        );
        assert!("9.1.0".parse::<Version>().is_err());
    }

    #[test]
    fn each_row_of_the_table_switches_at_its_release() {
        for change in CHANGES {
            let before = if change.since.minor > 0 {
                Version::new(change.since.major, change.since.minor - 1, 9)
            } else {
                Version::new(change.since.major - 1, 9, 0)
            };
            assert!(
                !before.has(change.behaviour),
                "{} before {}",
                change.id,
                change.since
            );
            assert!(
                change.since.has(change.behaviour),
                "{} at {}",
                change.id,
                change.since
            );
        }
    }

    #[test]
    fn the_default_is_the_newest_settled_8x_release() {
        assert_eq!(DEFAULT, Version::new(8, 8, 1));
        assert!(DEFAULT.has(Behaviour::TokenHidden) && DEFAULT.has(Behaviour::ExternalIds));
        assert!(DEFAULT.has(Behaviour::SingleStringArrays));
        assert!(DEFAULT.has(Behaviour::RouterQueryLimits) && DEFAULT.has(Behaviour::HonoRouter));
        assert!(DEFAULT.has(Behaviour::McpCorsHeader));
        assert!(!DEFAULT.has(Behaviour::RateLimiterMiddleware));
        assert!(!DEFAULT.has(Behaviour::No401LegacyKeys));
        assert!(!DEFAULT.has(Behaviour::LoginUnauthorized));
    }

    #[test]
    fn the_table_is_in_release_order() {
        assert!(
            CHANGES
                .windows(2)
                .all(|pair| pair[0].since <= pair[1].since)
        );
    }
}
