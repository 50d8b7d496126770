//! Log output: stderr through a lossy batching writer ([`writer`]), filtered by `RUST_LOG`, as
//! text or one JSON object a line; and the text log's own writer of the one line per request.
//!
//! Why a writer of our own: with default flags every request writes a log line, and as a tracing
//! event that line cost more than routing the request (dispatch, a visit of six fields through
//! `dyn Value`, and `core::fmt` for the timestamp's nine `{:02}`s and each string's escaping).
//! [`PlainRequestLog`] writes the line's bytes directly, byte for byte what tracing-subscriber's
//! text format writes for the event, and every other line is the stock format's.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::{Duration, UNIX_EPOCH};

use livechat_mock::{REQUEST_LOG_TARGET, RequestLine, RequestLog};

use crate::cli::LogFormat;
use tracing_subscriber::EnvFilter;

mod writer;

pub use writer::BatchWriter;

/// The log writer: its thread's guard (dropping it writes what is queued) and a handle that
/// counts the lines it had to drop.
pub struct Logging {
    _flusher: writer::Flusher,
    pub writer: BatchWriter,
}

/// At most this many bytes of log lines wait for stderr (about 50,000 request lines).
const QUEUED_BYTES: usize = 8 << 20;

/// Logs go to stderr, filtered by `RUST_LOG` (`default` when unset), as text or one JSON object a
/// line. A request never waits for stderr: lines are formatted on the request's thread and
/// written by a log thread in batches; if stderr falls behind by more than 8 MiB, new lines are
/// dropped and counted rather than blocking requests (the count is logged, and printed at exit).
///
/// # Errors
/// When the log thread cannot be started.
pub fn init_logging_at(
    format: LogFormat,
    default: &str,
    stock_request_line: bool,
) -> std::io::Result<Logging> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let (writer, flusher) = writer::batching(std::io::stderr(), QUEUED_BYTES)?;
    let queue = writer.clone();
    let handle = writer.clone();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => {
            // https://no-color.org: a non-empty NO_COLOR turns colours off.
            let ansi = std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            builder.with_ansi(ansi).init();
            // In colour the stock format styles the line; without, ours writes its bytes.
            if !ansi && !stock_request_line {
                livechat_mock::install_request_log(Box::new(PlainRequestLog { queue }));
            }
        }
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
    Ok(Logging {
        _flusher: flusher,
        writer: handle,
    })
}

/// The request line written straight to the log writer, skipping tracing's dispatch and field
/// visit: byte for byte what tracing-subscriber's default text format (`Full`, system time,
/// colours off) writes for [`RequestLine::emit`]'s event. The tests below hold the two side by
/// side.
struct PlainRequestLog {
    /// The writer the subscriber writes every other line to, so the order holds.
    queue: BatchWriter,
}

impl RequestLog for PlainRequestLog {
    fn write(&self, request: &RequestLine<'_>) {
        let since_epoch = request.at.duration_since(UNIX_EPOCH);
        let since_epoch = match since_epoch {
            Ok(since) if since.as_secs() <= LAST_FOUR_DIGIT_SECOND => since,
            // Before 1970 or past 9999: the stock timer's business.
            _ => return request.emit(),
        };
        DATE.with(|date| match date.try_borrow_mut() {
            // Written straight into the writer's queue: no line of its own to copy.
            Ok(mut date) => self
                .queue
                .push_with(|out| write_request_line(out, &mut date, since_epoch, request)),
            // Nothing formatting a line logs, but if something did, the event would be written.
            Err(_) => request.emit(),
        });
    }
}

/// 9999-12-31T23:59:59Z: past it the stock timestamp writes `+10000`.
const LAST_FOUR_DIGIT_SECOND: u64 = 253_402_300_799;

thread_local! {
    /// The last second this thread stamped a line with.
    static DATE: RefCell<Date> = const {
        RefCell::new(Date {
            second: u64::MAX,
            text: String::new(),
        })
    };
}

/// A second and its `YYYY-MM-DDTHH:MM:SS`: requests come many to a second, so the calendar is
/// worked out once a second.
struct Date {
    second: u64,
    text: String,
}

/// `{timestamp}  INFO livechat_mock::request: method=GET path=/… status=200 outcome="ok"
/// rule="fixtures" micros=4656` and a newline: `%` fields (method, path) as `Display` writes
/// them, strings `Debug`-quoted, numbers in decimal, as tracing-subscriber's `DefaultVisitor`
/// writes them with colours off.
fn write_request_line(
    out: &mut Vec<u8>,
    date: &mut Date,
    since_epoch: Duration,
    request: &RequestLine<'_>,
) {
    write_timestamp(
        out,
        date,
        since_epoch.as_secs(),
        since_epoch.subsec_micros(),
    );
    out.extend_from_slice(b" INFO ");
    out.extend_from_slice(REQUEST_LOG_TARGET.as_bytes());
    out.extend_from_slice(b": method=");
    out.extend_from_slice(request.method.as_str().as_bytes());
    out.extend_from_slice(b" path=");
    out.extend_from_slice(request.path.as_bytes());
    out.extend_from_slice(b" status=");
    out.extend_from_slice(itoa::Buffer::new().format(request.status).as_bytes());
    out.extend_from_slice(b" outcome=");
    push_debug_str(out, request.outcome);
    out.extend_from_slice(b" rule=");
    push_debug_str(out, request.rule);
    out.extend_from_slice(b" micros=");
    out.extend_from_slice(itoa::Buffer::new().format(request.micros).as_bytes());
    out.push(b'\n');
}

/// `2026-11-28T20:39:16.292712Z ` as the stock `SystemTime` timer writes it, with its space.
fn write_timestamp(out: &mut Vec<u8>, date: &mut Date, secs: u64, micros: u32) {
    if date.second != secs {
        date.second = secs;
        date.text = livechat_mock::utc_date_time(secs);
    }
    out.extend_from_slice(date.text.as_bytes());
    // Six digits, zero-padded: a seventh leading digit written and skipped.
    let mut digits = itoa::Buffer::new();
    let padded = digits.format(1_000_000 + micros % 1_000_000);
    out.push(b'.');
    out.extend_from_slice(padded.get(1..).unwrap_or(padded).as_bytes());
    out.extend_from_slice(b"Z ");
}

/// `value` as `str`'s `Debug` writes it: quoted, and escaped only when it needs to be (it leaves
/// printable ASCII other than `"` and `\\` as it is).
fn push_debug_str(out: &mut Vec<u8>, value: &str) {
    let plain = value
        .bytes()
        .all(|b| matches!(b, b' ' | b'!' | b'#'..=b'[' | b']'..=b'~'));
    if plain {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(format!("{value:?}").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Method;
    use std::io;
    use std::sync::{Arc, Mutex};
    use std::time::SystemTime;

    /// Captures what a writer writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("capture").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("capture").clone()).expect("UTF-8 log")
        }
    }

    /// What `emit` logs under tracing-subscriber's stock text format, colours off.
    fn stock(emit: impl Fn()) -> String {
        let stock = Captured::default();
        let writer = stock.clone();
        tracing::subscriber::with_default(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish(),
            emit,
        );
        stock.text()
    }

    /// What [`PlainRequestLog`] writes for `lines`, through the batching writer.
    fn ours(lines: &[RequestLine<'_>]) -> String {
        let output = Captured::default();
        let (queue, flusher) = writer::batching(output.clone(), 1 << 20).expect("thread");
        let log = PlainRequestLog { queue };
        for line in lines {
            log.write(line);
        }
        drop(flusher);
        output.text()
    }

    /// The timestamp's width (`2026-11-28T20:39:16.292712Z`): the two outputs differ only there.
    const STAMP: usize = 27;

    fn assert_same_but_the_time(stock: &str, ours: &str) {
        assert_eq!(
            stock.lines().count(),
            ours.lines().count(),
            "{stock}\n{ours}"
        );
        for (stock, ours) in stock.lines().zip(ours.lines()) {
            assert_eq!(stock.get(STAMP..), ours.get(STAMP..), "{stock}\n{ours}");
            assert_eq!(stock.len(), ours.len());
            assert_eq!(&ours[4..5], "-");
            assert_eq!(&ours[19..20], ".");
            assert_eq!(&ours[26..27], "Z");
        }
        assert!(ours.ends_with('\n'));
    }

    /// One record, which may span lines (a path is written as it is, as `Display` writes it).
    fn assert_same_record_but_the_time(stock: &str, ours: &str) {
        assert_eq!(stock.get(STAMP..), ours.get(STAMP..), "{stock}\n{ours}");
        assert_eq!(stock.len(), ours.len());
        assert!(ours.ends_with('\n'));
    }

    fn line<'a>(method: &'a Method, path: &'a str, outcome: &'a str) -> RequestLine<'a> {
        RequestLine {
            method,
            path,
            status: 200,
            outcome,
            rule: "fixtures",
            micros: 4656,
            at: SystemTime::now(),
        }
    }

    #[test]
    fn the_request_line_is_the_stock_formats_byte_for_byte() {
        let request = line(&Method::GET, "/api/v1/livechat/visitors.info", "ok");
        let ours = ours(&[request]);
        assert_same_but_the_time(&stock(|| request.emit()), &ours);
        assert!(
            ours.ends_with(
                "Z  INFO livechat_mock::request: method=GET path=/api/v1/livechat/visitors.info \
                 status=200 outcome=\"ok\" rule=\"fixtures\" micros=4656\n"
            ),
            "{ours}"
        );
    }

    #[test]
    fn strings_that_debug_escapes_are_escaped_as_the_stock_format_does() {
        let purge = Method::from_bytes(b"PURGE").expect("a token");
        for value in [
            "say \"hi\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "caf\u{e9}",
            "\u{7f}",
            "",
            "zero\u{200b}width",
            "\u{301}combining",
        ] {
            let request = RequestLine {
                status: 0,
                rule: value,
                micros: u64::MAX,
                ..line(&purge, value, value)
            };
            assert_same_record_but_the_time(&stock(|| request.emit()), &ours(&[request]));
        }
    }

    #[test]
    fn request_lines_keep_their_place_among_the_other_lines() {
        let first = line(&Method::GET, "/a", "ok");
        let second = line(&Method::HEAD, "/b", "unauthorized");
        let stock = stock(|| {
            tracing::info!("starting");
            first.emit();
            tracing::warn!(port = 1, "between");
            second.emit();
        });
        let output = Captured::default();
        let (queue, flusher) = writer::batching(output.clone(), 1 << 20).expect("thread");
        let log = PlainRequestLog {
            queue: queue.clone(),
        };
        tracing::subscriber::with_default(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(queue)
                .finish(),
            || {
                tracing::info!("starting");
                log.write(&first);
                tracing::warn!(port = 1, "between");
                log.write(&second);
            },
        );
        drop(flusher);
        assert_same_but_the_time(&stock, &output.text());
    }

    #[test]
    fn the_line_is_stamped_with_its_own_time_and_past_9999_the_stock_format_takes_it() {
        let request = RequestLine {
            at: UNIX_EPOCH + Duration::from_micros(1_780_658_550_000_007),
            ..line(&Method::GET, "/", "ok")
        };
        assert!(
            ours(&[request])
                .starts_with("2026-06-05T11:22:30.000007Z  INFO livechat_mock::request: "),
            "{}",
            ours(&[request])
        );
        let far = RequestLine {
            at: UNIX_EPOCH + Duration::from_secs(LAST_FOUR_DIGIT_SECOND + 1),
            ..request
        };
        assert_eq!(ours(&[far]), "", "not written as a garbled line");
        let stock = stock(|| {
            let (queue, flusher) = writer::batching(io::sink(), 1 << 10).expect("thread");
            PlainRequestLog { queue }.write(&far);
            drop(flusher);
        });
        assert!(
            stock.contains(" INFO livechat_mock::request: method=GET path=/ status=200"),
            "sent as the event instead: {stock}"
        );
    }

    #[test]
    fn the_fraction_is_six_digits_zero_padded() {
        let mut date = Date {
            second: u64::MAX,
            text: String::new(),
        };
        let mut out = Vec::new();
        write_timestamp(&mut out, &mut date, 1_780_658_550, 7);
        assert_eq!(out, b"2026-06-05T11:22:30.000007Z ");
        out.clear();
        write_timestamp(&mut out, &mut date, 951_782_400, 999_999);
        assert_eq!(out, b"2000-02-29T00:00:00.999999Z ");
    }
}
