//! Realistic visitors made from a seed: the same seed always gives byte-identical visitors.
//!
//! Names come from the `fake` crate in a mix of locales; everything else (ObjectIds, E.164
//! phones, statuses, departments, custom fields, WhatsApp-style external ids) follows how a real
//! workspace's visitors look. Work is split in fixed chunks, each with its own generator derived
//! from the seed, so the output does not depend on how many threads make it.

use serde_json::{Map, Value};

#[cfg(feature = "generate")]
mod make;
#[cfg(feature = "generate")]
pub use make::{chunk, chunks, write_fixture_file};

/// The departments generated visitors belong to.
pub(crate) const DEPARTMENTS: [&str; 4] = [
    "u4Yx8ZBqPmWhL2nKd",
    "Gq7KcRw3XbTz9HmNf",
    "pL5sQ2vWd8YkJ4nEx",
    "Zr6TgBn3MhC9qXa2D",
];

/// An agent a generated visitor's `lastAgent` can point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: String,
    pub username: String,
}

/// What generation needs from the fixtures.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "generate"), allow(dead_code))]
pub struct Plan {
    pub count: usize,
    pub seed: u64,
    /// The first `guest-N` number to use (one past the fixtures' highest).
    pub first_guest: u64,
    pub agents: Vec<Agent>,
}

/// One past the highest `guest-N` among the documents (1 when there is none).
pub fn next_guest_number<'a>(docs: impl IntoIterator<Item = &'a Map<String, Value>>) -> u64 {
    docs.into_iter()
        .filter_map(|doc| {
            doc.get("username")?
                .as_str()?
                .strip_prefix("guest-")?
                .parse::<u64>()
                .ok()
        })
        .max()
        .map_or(1, |n| n + 1)
}
