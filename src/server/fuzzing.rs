//! The fuzz target's harness (`fuzz/`), kept in the crate so `cargo test` replays the corpus too.
//!
//! Input format: `METHOD SP TARGET LF` then `NAME: VALUE LF` header lines, then an optional
//! blank line and a body. Inputs hyper itself would refuse (a bad method, target or header)
//! are skipped, as they never reach the mock.

use hyper::body::Body as _;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request};
use serde_json::Value;

use crate::api::request::RequestParts;
use crate::data::config::{Config, Limits};
use crate::data::schema::{LIVECHAT_VISITOR, LOGIN, VISITORS_INFO};
use crate::http::service::answer_now;
use crate::run::state::AppState;

/// A loaded mock, answering requests in-process.
#[derive(Debug)]
pub struct Harness {
    state: AppState,
}

impl Harness {
    /// The bundled fixtures and schemas, a small journal.
    ///
    /// # Panics
    /// If the bundled data does not load (which `cargo test` rules out).
    pub fn new() -> Harness {
        let config = Config {
            journal_size: 16,
            limits: Limits::default(),
            ..Config::default()
        };
        Harness {
            state: AppState::load(&config).unwrap_or_else(|e| panic!("bundled data: {e}")),
        }
    }

    /// Answers one raw input; panics when a response breaks the contract: a JSON body of a
    /// schema'd status that its schema refuses (but for the deliberate `malformed` fault and
    /// the mock's own errors).
    ///
    /// # Panics
    /// On a contract violation, which is what the fuzzer looks for.
    pub fn check(&self, input: &[u8]) {
        let Some((request, body)) = parse(input) else {
            return;
        };
        let parts = RequestParts::from_request(&request);
        let answered = answer_now(&self.state, &parts, &body);
        // Registrations must not pile up over millions of runs.
        self.state.reset();
        let Some(response) = answered.response else {
            return;
        };
        let status = response.status().as_u16();
        let is_json = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v == "application/json");
        if !is_json
            || response.headers().contains_key("x-mock-error")
            || answered.gate == "bypassed"
        {
            return;
        }
        let bytes = futures_bytes(response);
        let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "a {status} JSON body that is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        let prefix = if parts.path == crate::base::endpoint::VISITORS_INFO {
            VISITORS_INFO
        } else if parts.path == crate::base::endpoint::LOGIN {
            LOGIN
        } else {
            LIVECHAT_VISITOR
        };
        if let Some(schema) = self.state.schemas.response_of(prefix, status) {
            if let Err(violation) = schema.check(&value) {
                panic!("{status} body breaks its schema: {violation}\n{value}");
            }
        } else if status != 500 {
            panic!("a JSON {status} without a schema: {value}");
        }
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

/// The body of a response that is already whole (`Full`), without a runtime.
fn futures_bytes(response: crate::http::service::HttpResponse) -> bytes::Bytes {
    let mut body = response.into_body();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut out = Vec::new();
    while let std::task::Poll::Ready(Some(Ok(frame))) =
        std::pin::Pin::new(&mut body).poll_frame(&mut cx)
    {
        if let Ok(data) = frame.into_data() {
            out.extend_from_slice(&data);
        }
    }
    bytes::Bytes::from(out)
}

/// Reads the input format; `None` for what hyper would refuse.
fn parse(input: &[u8]) -> Option<(Request<()>, Vec<u8>)> {
    let (head, body) = match input.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&input[..at], input[at + 2..].to_vec()),
        None => (input, Vec::new()),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let first = lines.next()?;
    let space = first.iter().position(|&b| b == b' ')?;
    let method = Method::from_bytes(&first[..space]).ok()?;
    let target = std::str::from_utf8(&first[space + 1..]).ok()?;
    let mut builder = Request::builder().method(method).uri(target);
    for line in lines {
        let colon = line.iter().position(|&b| b == b':')?;
        let name = HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii()).ok()?;
        builder = builder.header(name, value);
    }
    builder.body(()).ok().map(|request| (request, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every input of the fuzz corpus, replayed on each `cargo test`.
    #[test]
    fn the_fuzz_corpus_passes() {
        let harness = Harness::new();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/request");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let input = std::fs::read(entry.unwrap().path()).unwrap();
            harness.check(&input);
            count += 1;
        }
        assert!(
            count >= 10,
            "only {count} corpus inputs in {}",
            dir.display()
        );
    }

    #[test]
    fn the_input_format_reads_method_target_headers_and_body() {
        let (request, body) =
            parse(b"POST /api/v1/login\ncontent-type: application/json\n\n{\"user\":1}").unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.headers()["content-type"], "application/json");
        assert_eq!(body, b"{\"user\":1}");
        assert!(parse(b"B@D /x").is_none());
    }
}
