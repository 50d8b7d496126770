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
    /// The response sent (`--journal-responses`): its `Content-Type` and whole body, for
    /// `GET /_mock/pact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<SentResponse>,
}

/// A response as the journal keeps it when asked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentResponse {
    pub content_type: Option<String>,
    /// The body as text (the mock's bodies are UTF-8 JSON or text).
    pub body: String,
}

/// A served request as the request path records it: what it borrows from the request (path,
/// query, header map) is copied into one packed buffer when recorded, secrets cut, and turned
/// into an [`Entry`] only when listed.
#[derive(Debug, Clone)]
pub struct Record<'r> {
    pub served: Served,
    pub path: &'r str,
    pub query: Option<&'r str>,
    /// As received: [`Journal::record`] cuts the secrets as it packs them, so the whole token is
    /// never stored.
    pub headers: &'r HeaderMap,
    /// The response sent, when the journal keeps responses.
    pub response: Option<SentResponse>,
}

/// What a record says besides what it borrows from the request; kept as it is.
#[derive(Debug, Clone)]
pub struct Served {
    pub arrived_ms: u64,
    pub method: hyper::Method,
    pub outcome: &'static str,
    pub rule: &'static str,
    pub status: Option<u16>,
    pub gate: &'static str,
    pub delay_ms: Option<u64>,
    pub micros: u64,
}

/// A record as the journal keeps it: numbered, cut to size, and weighed. Its path, query and
/// headers are copied into one buffer (see [`Packed`]); nothing of the request is kept.
#[derive(Debug, Clone)]
struct Kept {
    seq: u64,
    served: Served,
    packed: Packed,
    truncated: bool,
    bytes: usize,
    response: Option<SentResponse>,
}

/// `value`'s first [`MAX_VALUE_BYTES`] at most, at a character boundary, and how many bytes
/// are cut off after them.
fn cut_point(value: &str) -> (&str, usize) {
    if value.len() <= MAX_VALUE_BYTES {
        return (value, 0);
    }
    let mut end = MAX_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    (&value[..end], value.len() - end)
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

/// A request's path, query and headers packed into one buffer: the path, a byte saying whether
/// there is a query, the query (empty when there is none), then the header pairs; each string
/// as its length (little-endian `u32`) and its bytes.
///
/// Why a copy: hyper's header values are slices of the connection's read buffer, so keeping
/// the request's map would pin that buffer (kilobytes) per journal entry and make hyper
/// allocate a fresh one for every request. One small copy per request, in one allocation, is
/// much cheaper.
#[derive(Debug, Clone, Default)]
struct Packed(Vec<u8>);

impl Packed {
    /// The path and query cut to [`MAX_VALUE_BYTES`] (at a character boundary); the headers with
    /// secrets cut to their last four characters (see [`SECRETS`]) and values longer than
    /// [`MAX_VALUE_BYTES`] cut there; and whether anything was cut for length.
    fn pack(path: &str, query: Option<&str>, headers: &HeaderMap) -> (Packed, bool) {
        // Room for everything as received (a secret only shrinks, and only a value past the cut
        // grows, by its mark): one allocation, in one pass.
        let size: usize = 9
            + path.len().min(MAX_VALUE_BYTES + 32)
            + query.map_or(0, |q| q.len().min(MAX_VALUE_BYTES + 32))
            + headers
                .iter()
                .map(|(name, value)| {
                    8 + name.as_str().len() + value.len().min(MAX_VALUE_BYTES + 32)
                })
                .sum::<usize>();
        let mut buf = Vec::with_capacity(size);
        let mut truncated = false;
        let put_len = |buf: &mut Vec<u8>, len: usize| {
            buf.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
        };
        let put = |buf: &mut Vec<u8>, bytes: &[u8]| {
            put_len(buf, bytes.len());
            buf.extend_from_slice(bytes);
        };
        let mut put_text = |buf: &mut Vec<u8>, text: &str| match cut_point(text) {
            (whole, 0) => put(buf, whole.as_bytes()),
            (kept, more) => {
                truncated = true;
                put(buf, format!("{kept}{}", cut_mark(more)).as_bytes());
            }
        };
        put_text(&mut buf, path);
        buf.push(u8::from(query.is_some()));
        put_text(&mut buf, query.unwrap_or_default());
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

    /// The path, and the query if there is one.
    fn path_and_query(&self) -> (&str, Option<&str>) {
        let mut reader = Reader(&self.0);
        let path = reader.text();
        let has_query = reader.flag();
        let query = reader.text();
        (path, has_query.then_some(query))
    }

    /// The header pairs, in the order packed.
    fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut reader = Reader(&self.0);
        reader.text();
        reader.flag();
        reader.text();
        std::iter::from_fn(move || Some((reader.bytes()?, reader.bytes()?)))
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Reads a [`Packed`] buffer front to back.
struct Reader<'p>(&'p [u8]);

impl<'p> Reader<'p> {
    fn bytes(&mut self) -> Option<&'p [u8]> {
        let (len, tail) = self.0.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        let (bytes, tail) = tail.split_at_checked(len)?;
        self.0 = tail;
        Some(bytes)
    }

    /// A path or query: packed from a `str`, cut at a character boundary.
    fn text(&mut self) -> &'p str {
        std::str::from_utf8(self.bytes().unwrap_or_default()).unwrap_or_default()
    }

    fn flag(&mut self) -> bool {
        match self.0.split_first() {
            Some((&flag, tail)) => {
                self.0 = tail;
                flag == 1
            }
            None => false,
        }
    }
}

impl Kept {
    fn new(record: Record<'_>) -> Kept {
        let (packed, truncated) = Packed::pack(record.path, record.query, record.headers);
        let response_bytes = record.response.as_ref().map_or(0, |r| {
            r.body.len() + r.content_type.as_ref().map_or(0, String::len)
        });
        Kept {
            seq: 0,
            served: record.served,
            bytes: 200 + packed.len() + response_bytes,
            packed,
            truncated,
            response: record.response,
        }
    }

    fn entry(&self) -> Entry {
        let served = &self.served;
        let (path, query) = self.packed.path_and_query();
        Entry {
            seq: self.seq,
            truncated: self.truncated,
            time: crate::base::clock::iso_8601(served.arrived_ms),
            method: served.method.to_string(),
            path: redacted_path(path).into_owned(),
            query: query.map(redacted_query),
            headers: self
                .packed
                .headers()
                .map(|(name, value)| {
                    // UTF-8 where it is (the redaction mark), else Latin-1 as Node reads headers.
                    let text = String::from_utf8(value.to_vec())
                        .unwrap_or_else(|_| crate::base::text::latin1(value));
                    (String::from_utf8_lossy(name).into_owned(), text)
                })
                .collect(),
            outcome: served.outcome,
            rule: served.rule,
            status: served.status,
            gate: served.gate,
            delay_ms: served.delay_ms,
            micros: served.micros,
            response: self.response.clone(),
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
        let served = &kept.served;
        self.after.is_none_or(|after| kept.seq > after)
            && self
                .path
                .as_deref()
                .is_none_or(|p| p == redacted_path(kept.packed.path_and_query().0))
            && self.status.is_none_or(|s| Some(s) == served.status)
            && self.outcome.as_deref().is_none_or(|o| o == served.outcome)
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

    pub fn record(&self, entry: Record<'_>) {
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

    fn entry(n: u16, headers: &HeaderMap) -> Record<'_> {
        Record {
            served: Served {
                arrived_ms: 0,
                method: hyper::Method::GET,
                outcome: "ok",
                rule: "fixtures",
                status: Some(n),
                gate: "passed",
                delay_ms: None,
                micros: 0,
            },
            path: "/p",
            query: None,
            headers,
            response: None,
        }
    }

    static NO_HEADERS: std::sync::LazyLock<HeaderMap> = std::sync::LazyLock::new(HeaderMap::new);

    #[test]
    fn the_ring_keeps_only_the_newest_entries() {
        let journal = Journal::new(3, usize::MAX);
        for n in 0..10 {
            journal.record(entry(n, &NO_HEADERS));
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
        let mut headers = HeaderMap::new();
        headers.insert("x-big", "a".repeat(15_000).parse().unwrap());
        for _ in 0..1000 {
            journal.record(entry(200, &headers));
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
            journal.record(entry(n, &NO_HEADERS));
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
            let (packed, truncated) = Packed::pack("/p", None, &headers);
            let pairs: Vec<_> = packed.headers().collect();
            let expected = redact(value);
            assert_eq!(
                pairs,
                vec![(&b"authorization"[..], expected.as_bytes())],
                "{value:?}"
            );
            assert!(!truncated);
            assert_eq!(
                packed.len(),
                (4 + 2) + 1 + 4 + 8 + "authorization".len() + expected.len()
            );
        }
    }

    #[test]
    fn the_journal_cuts_secrets_from_the_headers_it_is_given() {
        let journal = Journal::new(10, usize::MAX);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-auth-token",
            "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"
                .parse()
                .unwrap(),
        );
        headers.insert("cookie", "rc_token=abc".parse().unwrap());
        headers.insert("x-user-id", "rbAXPnMktTFbNpwtJ".parse().unwrap());
        journal.record(entry(200, &headers));
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
    fn the_path_and_query_are_packed_with_the_headers_and_read_back() {
        let journal = Journal::new(10, usize::MAX);
        let mut headers = HeaderMap::new();
        headers.insert("host", "x".parse().unwrap());
        let long_path = format!("/x/{}", "\u{e9}".repeat(600));
        for (path, query) in [
            ("/a", None),
            ("/b", Some("")),
            ("/c", Some("visitorId=x&token=secret-value")),
            (long_path.as_str(), Some("q")),
        ] {
            journal.record(Record {
                path,
                query,
                ..entry(200, &headers)
            });
        }
        let entries = journal.list(&Filter::default());
        let seen: Vec<_> = entries
            .iter()
            .map(|e| (e.path.as_str(), e.query.as_deref(), e.truncated))
            .collect();
        assert_eq!(seen[0], ("/a", None, false));
        assert_eq!(seen[1], ("/b", Some(""), false));
        // A secret parameter is cut when listed, as before.
        assert_eq!(seen[2], ("/c", Some("visitorId=x&token=…alue"), false));
        // Cut at 1 KiB on a character boundary: é is two bytes, so 1,023 are kept.
        let kept = format!("/x/{}…[180 more bytes]", "\u{e9}".repeat(510));
        assert_eq!(seen[3], (kept.as_str(), Some("q"), true));
        for entry in &entries {
            assert_eq!(entry.headers, vec![("host".to_string(), "x".to_string())]);
        }
        let by_path = journal.list(&Filter {
            path: Some("/b".into()),
            ..Filter::default()
        });
        assert_eq!(by_path.len(), 1);
        assert_eq!(by_path[0].path, "/b");
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
