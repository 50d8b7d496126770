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

    /// The default: the newest 8.x release this mock knows, the contract of REFERENCE.md.
    pub const DEFAULT: Version = DEFAULT;
}

/// The default: the newest 8.x release this mock knows, the contract of REFERENCE.md.
pub const DEFAULT: Version = Version::new(8, 6, 0);
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

/// Every behaviour change the mock emulates, oldest first.
pub const CHANGES: [Change; 5] = [
    Change {
        behaviour: Behaviour::PermissionBeforeParams,
        id: "permission-before-params",
        since: Version::new(8, 0, 0),
        summary: "the permission check (403) runs before the query parameter check (400)",
        source: "REFERENCE.md, Order of checks: \"Servers before 8.x's permission middleware checked the parameters before the permission\"",
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
    fn the_default_is_the_8x_contract() {
        assert!(DEFAULT.has(Behaviour::TokenHidden) && DEFAULT.has(Behaviour::ExternalIds));
        assert!(DEFAULT.has(Behaviour::SingleStringArrays));
        assert!(!DEFAULT.has(Behaviour::No401LegacyKeys));
    }
}
