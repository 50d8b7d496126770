//! The request journal: a bounded ring of what clients sent and what they got, for CI jobs to
//! assert on. Auth tokens are redacted when recorded, never stored whole.

use std::collections::VecDeque;
use std::sync::Mutex;

use hyper::HeaderMap;

pub use crate::base::text::{redact, redacted_path, redacted_query};
use serde::Serialize;

/// The longest header value, path or query string kept whole; longer ones are cut there, and
/// the entry says so (`truncated`).
pub const MAX_VALUE_BYTES: usize = 1024;

/// One served request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its place in the journal: pass the last one seen as `after` to page on.
    pub seq: u64,
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
    /// Whether a header value, the path or the query was longer than 1 KiB and cut.
    pub truncated: bool,
}

/// A served request as the request path records it: cheap to take (the request's own header
/// map, moved), packed with its secrets cut when recorded, turned into an [`Entry`] only when
/// listed.
#[derive(Debug, Clone)]
pub struct Record {
    pub served: Served,
    /// As received: [`Journal::record`] cuts the secrets before it keeps anything, so the
    /// whole token is never stored.
    pub headers: HeaderMap,
}

/// What a record says besides its headers; kept as it is (path and query cut to size).
#[derive(Debug, Clone)]
pub struct Served {
    pub arrived_ms: u64,
    pub method: hyper::Method,
    pub path: String,
    pub query: Option<String>,
    pub outcome: &'static str,
    pub rule: &'static str,
    pub status: Option<u16>,
    pub gate: &'static str,
    pub delay_ms: Option<u64>,
    pub micros: u64,
}

/// A record as the journal keeps it: numbered, cut to size, and weighed. Its headers are
/// copied out of the request's map (see [`Packed`]), and the map is not kept.
#[derive(Debug, Clone)]
struct Kept {
    seq: u64,
    record: Served,
    headers: Packed,
    truncated: bool,
    bytes: usize,
}

/// `value` cut to [`MAX_VALUE_BYTES`] (at a character boundary), and whether it was cut; a
/// short value is kept as it is, with no copy.
fn cut(value: String) -> (String, bool) {
    if value.len() <= MAX_VALUE_BYTES {
        return (value, false);
    }
    let mut end = MAX_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    (
        format!("{}{}", &value[..end], cut_mark(value.len() - end)),
        true,
    )
}

/// What stands for the part of a value cut off.
fn cut_mark(more_bytes: usize) -> String {
    format!("…[{more_bytes} more bytes]")
}

/// What stands for the cut part of a secret.
const ELLIPSIS: &str = "…";

/// The part of an ASCII secret that [`redact`] keeps after the ellipsis: its last four
/// characters, none when it has four or fewer.
fn ascii_secret_kept(secret: &[u8]) -> &[u8] {
    if secret.len() <= 4 {
        &[]
    } else {
        &secret[secret.len() - 4..]
    }
}

/// A secret header value as kept: read as Node reads header bytes (Latin-1), then [`redact`]ed.
fn redacted_secret(value: &[u8]) -> String {
    redact(&crate::base::text::latin1(value))
}

/// Header pairs packed into one buffer: `name length, name, value length, value`, lengths as
/// little-endian `u32`.
///
/// Why a copy: hyper's header values are slices of the connection's read buffer, so keeping
/// the request's map would pin that buffer (kilobytes) per journal entry and make hyper
/// allocate a fresh one for every request. One small copy per request is much cheaper.
#[derive(Debug, Clone, Default)]
struct Packed(Vec<u8>);

impl Packed {
    /// The headers, secrets cut to their last four characters (see [`SECRETS`]) and values
    /// longer than [`MAX_VALUE_BYTES`] cut there; and whether any was cut for length.
    fn pack(headers: &HeaderMap) -> (Packed, bool) {
        // Room for every pair as received (a secret only shrinks, and only a value past the cut
        // grows, by its mark): one allocation, in one pass.
        let size: usize = headers
            .iter()
            .map(|(name, value)| 8 + name.as_str().len() + value.len().min(MAX_VALUE_BYTES + 32))
            .sum();
        let mut buf = Vec::with_capacity(size);
        let mut truncated = false;
        let put_len = |buf: &mut Vec<u8>, len: usize| {
            buf.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
        };
        let put = |buf: &mut Vec<u8>, bytes: &[u8]| {
            put_len(buf, bytes.len());
            buf.extend_from_slice(bytes);
        };
        for (name, value) in headers {
            let name = name.as_str();
            put(&mut buf, name.as_bytes());
            let bytes = value.as_bytes();
            if SECRETS.contains(&name) {
                if bytes.is_ascii() {
                    // What `redacted_secret` gives, without building it.
                    let tail = ascii_secret_kept(bytes);
                    put_len(&mut buf, ELLIPSIS.len() + tail.len());
                    buf.extend_from_slice(ELLIPSIS.as_bytes());
                    buf.extend_from_slice(tail);
                } else {
                    put(&mut buf, redacted_secret(bytes).as_bytes());
                }
            } else if bytes.len() > MAX_VALUE_BYTES {
                truncated = true;
                let mut short = bytes[..MAX_VALUE_BYTES].to_vec();
                short.extend_from_slice(cut_mark(bytes.len() - MAX_VALUE_BYTES).as_bytes());
                put(&mut buf, &short);
            } else {
                put(&mut buf, bytes);
            }
        }
        (Packed(buf), truncated)
    }

    /// The pairs, in the order packed.
    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut rest: &[u8] = &self.0;
        let mut take = move || -> Option<&[u8]> {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
            let (bytes, tail) = tail.split_at_checked(len)?;
            rest = tail;
            Some(bytes)
        };
        std::iter::from_fn(move || Some((take()?, take()?)))
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl Kept {
    fn new(record: Record) -> Kept {
        let Record {
            served: mut record,
            headers,
        } = record;
        let (path, cut_path) = cut(std::mem::take(&mut record.path));
        record.path = path;
        let (query, cut_query) = match record.query.take().map(cut) {
            Some((query, cut_query)) => (Some(query), cut_query),
            None => (None, false),
        };
        record.query = query;
        let (packed, cut_header) = Packed::pack(&headers);
        // Dropped here, outside the journal's lock, releasing the connection's buffer.
        drop(headers);
        let bytes =
            200 + record.path.len() + record.query.as_ref().map_or(0, String::len) + packed.len();
        Kept {
            seq: 0,
            record,
            headers: packed,
            truncated: cut_path || cut_query || cut_header,
            bytes,
        }
    }

    fn entry(&self) -> Entry {
        let record = &self.record;
        Entry {
            seq: self.seq,
            truncated: self.truncated,
            time: crate::base::clock::iso_8601(record.arrived_ms),
            method: record.method.to_string(),
            path: redacted_path(&record.path).into_owned(),
            query: record.query.as_deref().map(redacted_query),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| {
                    // UTF-8 where it is (the redaction mark), else Latin-1 as Node reads headers.
                    let text = String::from_utf8(value.to_vec())
                        .unwrap_or_else(|_| crate::base::text::latin1(value));
                    (String::from_utf8_lossy(name).into_owned(), text)
                })
                .collect(),
            outcome: record.outcome,
            rule: record.rule,
            status: record.status,
            gate: record.gate,
            delay_ms: record.delay_ms,
            micros: record.micros,
        }
    }
}

/// The headers secrets are cut from before anything keeps them.
const SECRETS: [&str; 5] = [
    "x-auth-token",
    "authorization",
    "cookie",
    "x-visitor-token",
    "proxy-authorization",
];

/// Headers as the journal keeps them: secrets cut to their last four characters.
#[cfg(test)]
pub fn redacted_headers(headers: &HeaderMap) -> HeaderMap {
    let mut kept = headers.clone();
    redact_in_place(&mut kept);
    kept
}

/// Cuts the secrets of a header map the journal takes over (no copy of the map).
pub fn redact_in_place(kept: &mut HeaderMap) {
    for name in SECRETS {
        if let hyper::header::Entry::Occupied(mut entry) = kept.entry(name) {
            let cut: Vec<hyper::header::HeaderValue> = entry
                .iter()
                .map(|value| {
                    hyper::header::HeaderValue::from_bytes(
                        redacted_secret(value.as_bytes()).as_bytes(),
                    )
                    .unwrap_or_else(|_| hyper::header::HeaderValue::from_static("..."))
                })
                .collect();
            let mut values = cut.into_iter();
            if let Some(first) = values.next() {
                entry.insert(first);
                for value in values {
                    entry.append(value);
                }
            }
        }
    }
}

/// Which entries a listing keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub path: Option<String>,
    pub status: Option<u16>,
    pub outcome: Option<String>,
    /// Only entries after this `seq` (a cursor).
    pub after: Option<u64>,
}

impl Filter {
    fn keeps(&self, kept: &Kept) -> bool {
        let record = &kept.record;
        self.after.is_none_or(|after| kept.seq > after)
            && self
                .path
                .as_deref()
                .is_none_or(|p| p == redacted_path(&record.path))
            && self.status.is_none_or(|s| Some(s) == record.status)
            && self.outcome.as_deref().is_none_or(|o| o == record.outcome)
    }
}

/// The entries of one listing: kept records (small packed buffers, cheap to copy), formatted
/// one at a time as the listing is sent.
#[derive(Debug)]
pub struct Page {
    kept: Vec<Kept>,
    /// The `seq` to pass as `after` for the next page, when there is more.
    pub next: Option<u64>,
}

impl Page {
    /// The entries, formatted now.
    pub fn entries(&self) -> Vec<Entry> {
        self.kept.iter().map(Kept::entry).collect()
    }

    /// `{"requests":[...]}` (with `"next"` when there is more), one chunk per entry.
    pub fn into_json_chunks(self) -> impl Iterator<Item = bytes::Bytes> + Send {
        let next = self.next;
        let count = self.kept.len();
        std::iter::once(bytes::Bytes::from_static(b"{\"requests\":["))
            .chain(self.kept.into_iter().enumerate().map(move |(i, kept)| {
                let mut text = serde_json::to_string(&kept.entry()).unwrap_or_default();
                if i + 1 < count {
                    text.push(',');
                }
                bytes::Bytes::from(text)
            }))
            .chain(std::iter::once(bytes::Bytes::from(match next {
                Some(next) => format!("],\"next\":{next}}}"),
                None => "]}".to_string(),
            })))
    }
}

/// The ring itself, with its weight.
#[derive(Debug, Default)]
struct Ring {
    entries: VecDeque<Kept>,
    bytes: usize,
    next_seq: u64,
}

/// A ring of the most recent entries, bounded in count and in bytes.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    max_bytes: usize,
    ring: Mutex<Ring>,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0 keeps none), at most `max_bytes` of them.
    pub fn new(capacity: usize, max_bytes: usize) -> Journal {
        Journal {
            capacity,
            max_bytes,
            ring: Mutex::new(Ring {
                entries: VecDeque::with_capacity(capacity.min(4096)),
                ..Ring::default()
            }),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    pub fn record(&self, entry: Record) {
        if self.capacity == 0 {
            return;
        }
        // Packed and weighed before the lock; what falls out of the ring is freed after it.
        let mut kept = Kept::new(entry);
        let mut fallen = None;
        {
            let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
            ring.next_seq += 1;
            kept.seq = ring.next_seq;
            ring.bytes += kept.bytes;
            ring.entries.push_back(kept);
            while ring.entries.len() > self.capacity
                || (ring.bytes > self.max_bytes && ring.entries.len() > 1)
            {
                if let Some(old) = ring.entries.pop_front() {
                    ring.bytes -= old.bytes;
                    // Usually one; a second (byte bound) is freed under the lock.
                    fallen = Some(old);
                }
            }
        }
        drop(fallen);
    }

    /// The kept entries that pass `filter`, oldest first, at most `limit` of them.
    pub fn page(&self, filter: &Filter, limit: usize) -> Page {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let mut matching = ring.entries.iter().filter(|e| filter.keeps(e));
        let kept: Vec<Kept> = matching.by_ref().take(limit).cloned().collect();
        let next = if matching.next().is_some() {
            kept.last().map(|k| k.seq)
        } else {
            None
        };
        Page { kept, next }
    }

    /// The kept entries that pass `filter`, oldest first.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        self.page(filter, usize::MAX).entries()
    }

    pub fn len(&self) -> usize {
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }

    /// The bytes the kept entries weigh (about).
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.ring.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }

    /// Drops the kept entries that pass `filter` (all of them for the default filter).
    pub fn clear_matching(&self, filter: &Filter) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let mut freed = 0;
        ring.entries.retain(|kept| {
            let drop = filter.keeps(kept);
            if drop {
                freed += kept.bytes;
            }
            !drop
        });
        ring.bytes -= freed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u16) -> Record {
        Record {
            served: Served {
                arrived_ms: 0,
                method: hyper::Method::GET,
                path: "/p".into(),
                query: None,
                outcome: "ok",
                rule: "fixtures",
                status: Some(n),
                gate: "passed",
                delay_ms: None,
                micros: 0,
            },
            headers: HeaderMap::new(),
        }
    }

    #[test]
    fn the_ring_keeps_only_the_newest_entries() {
        let journal = Journal::new(3, usize::MAX);
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
    fn long_values_are_cut_and_the_ring_is_bounded_in_bytes() {
        let journal = Journal::new(1000, 64 * 1024);
        for _ in 0..1000 {
            let mut record = entry(200);
            record
                .headers
                .insert("x-big", "a".repeat(15_000).parse().unwrap());
            journal.record(record);
        }
        assert!(journal.bytes() <= 64 * 1024, "{}", journal.bytes());
        let entries = journal.list(&Filter::default());
        assert!(entries.len() < 100 && !entries.is_empty());
        let last = entries.last().unwrap();
        assert!(last.truncated);
        assert!(last.headers[0].1.ends_with("…[13976 more bytes]"));
        assert_eq!(last.seq, 1000);
    }

    #[test]
    fn pages_follow_the_cursor() {
        let journal = Journal::new(10, usize::MAX);
        for n in 0..5 {
            journal.record(entry(n));
        }
        let first = journal.page(&Filter::default(), 2);
        assert_eq!(first.next, Some(2));
        let rest = journal.page(
            &Filter {
                after: first.next,
                ..Filter::default()
            },
            10,
        );
        assert_eq!(
            rest.entries().iter().map(|e| e.status).collect::<Vec<_>>(),
            vec![Some(2), Some(3), Some(4)]
        );
        assert_eq!(rest.next, None);
        let text: Vec<u8> = first.into_json_chunks().flat_map(|b| b.to_vec()).collect();
        let parsed: serde_json::Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(parsed["next"], 2);
        assert_eq!(parsed["requests"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn recorded_headers_keep_secrets_cut() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-auth-token",
            "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"
                .parse()
                .unwrap(),
        );
        headers.insert("x-user-id", "rbAXPnMktTFbNpwtJ".parse().unwrap());
        let kept = redacted_headers(&headers);
        assert_eq!(kept["x-auth-token"], "…eU3f");
        assert_eq!(kept["x-user-id"], "rbAXPnMktTFbNpwtJ");
    }

    #[test]
    fn packed_secrets_are_cut_as_redact_cuts_them_at_every_length() {
        for value in [
            "",
            "a",
            "abcd",
            "abcde",
            "abcdefgh",
            "caf\u{e9}-token",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
        ] {
            // Sent as Latin-1 bytes, as a client sends `é` in a header.
            let latin1: Vec<u8> = value.chars().map(|c| u8::try_from(c).unwrap()).collect();
            let mut headers = HeaderMap::new();
            headers.insert(
                "authorization",
                hyper::header::HeaderValue::from_bytes(&latin1).unwrap(),
            );
            let (packed, truncated) = Packed::pack(&headers);
            let pairs: Vec<_> = packed.iter().collect();
            let expected = redact(value);
            assert_eq!(
                pairs,
                vec![(&b"authorization"[..], expected.as_bytes())],
                "{value:?}"
            );
            assert!(!truncated);
            assert_eq!(packed.len(), 8 + "authorization".len() + expected.len());
        }
    }

    #[test]
    fn the_journal_cuts_secrets_from_the_headers_it_is_given() {
        let journal = Journal::new(10, usize::MAX);
        let mut record = entry(200);
        record.headers.insert(
            "x-auth-token",
            "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"
                .parse()
                .unwrap(),
        );
        record
            .headers
            .insert("cookie", "rc_token=abc".parse().unwrap());
        record
            .headers
            .insert("x-user-id", "rbAXPnMktTFbNpwtJ".parse().unwrap());
        journal.record(record);
        let entries = journal.list(&Filter::default());
        assert_eq!(
            entries[0].headers,
            vec![
                ("x-auth-token".to_string(), "…eU3f".to_string()),
                ("cookie".to_string(), "…=abc".to_string()),
                ("x-user-id".to_string(), "rbAXPnMktTFbNpwtJ".to_string()),
            ]
        );
        assert!(!entries[0].truncated);
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
