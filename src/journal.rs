//! The request journal: a bounded ring of what clients sent and what they got, for CI jobs to
//! assert on. Auth tokens are redacted when recorded, never stored whole.

use std::collections::VecDeque;
use std::sync::Mutex;

use hyper::HeaderMap;
use serde::Serialize;

/// One served request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// When the request arrived, ISO-8601 UTC.
    pub time: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Request headers as `[name, value]` pairs, lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The outcome id chosen.
    pub outcome: &'static str,
    /// Which rule chose it: `prefer-header`, `x-mock-response-header`, `admin-override`,
    /// `global-outcome`, `fault-rate`, `fixtures`, or `route` for 404s and preflights.
    pub rule: &'static str,
    /// The status sent; none for a reset or a hang.
    pub status: Option<u16>,
    /// `passed`, `blocked` (a 500 was sent instead), `bypassed` (the malformed fault), or
    /// `none` (no JSON body to check).
    pub gate: &'static str,
    /// The latency injected by `--latency`, in milliseconds.
    pub delay_ms: Option<u64>,
    pub micros: u64,
}

/// Headers as the journal keeps them: secrets cut to their last four characters.
pub fn redacted_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let text: String = value.as_bytes().iter().map(|&b| char::from(b)).collect();
            let shown = match name.as_str() {
                "x-auth-token" | "authorization" | "cookie" => redact(&text),
                _ => text,
            };
            (name.as_str().to_string(), shown)
        })
        .collect()
}

/// `RScc…eU3f` → `…eU3f`: enough to tell tokens apart, not enough to use one.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    if chars.len() <= 4 {
        "…".to_string()
    } else {
        format!("…{tail}")
    }
}

/// Which entries a listing keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub path: Option<String>,
    pub status: Option<u16>,
    pub outcome: Option<String>,
}

impl Filter {
    fn keeps(&self, entry: &Entry) -> bool {
        self.path.as_deref().is_none_or(|p| p == entry.path)
            && self.status.is_none_or(|s| Some(s) == entry.status)
            && self.outcome.as_deref().is_none_or(|o| o == entry.outcome)
    }
}

/// A ring of the most recent entries.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0 keeps none).
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    pub fn record(&self, entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The kept entries that pass `filter`, oldest first.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|e| filter.keeps(e))
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u16) -> Entry {
        Entry {
            time: String::new(),
            method: "GET".into(),
            path: "/p".into(),
            query: None,
            headers: vec![],
            outcome: "ok",
            rule: "fixtures",
            status: Some(n),
            gate: "passed",
            delay_ms: None,
            micros: 0,
        }
    }

    #[test]
    fn the_ring_keeps_only_the_newest_entries() {
        let journal = Journal::new(3);
        for n in 0..10 {
            journal.record(entry(n));
        }
        let statuses: Vec<_> = journal
            .list(&Filter::default())
            .iter()
            .map(|e| e.status)
            .collect();
        assert_eq!(statuses, vec![Some(7), Some(8), Some(9)]);
    }

    #[test]
    fn tokens_keep_only_their_last_four_characters() {
        assert_eq!(
            redact("RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"),
            "…eU3f"
        );
        assert_eq!(redact("abcd"), "…");
    }
}
