//! Log output: stderr through a lossy batching writer ([`writer`]), filtered by `RUST_LOG`, as
//! text or one JSON object a line; and the text format's fast path for the one line per request.
//!
//! Why a format of our own: with default flags every request writes a log line, and
//! tracing-subscriber's stock text format spends most of that line's cost in `core::fmt`
//! (the timestamp's nine `{:02}`s, `Debug`-escaping each string char by char, and styling calls
//! that do nothing with colours off). [`TextFormat`] writes the request line's bytes directly,
//! byte for byte what the stock format writes, and hands every other line to the stock format.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::IsTerminal;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livechat_mock::{LogFormat, REQUEST_LOG_TARGET};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime as StockTimer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

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
pub fn init_logging_at(format: LogFormat, default: &str) -> std::io::Result<Logging> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let (writer, flusher) = writer::batching(std::io::stderr(), QUEUED_BYTES)?;
    let queue = writer.clone();
    let handle = writer.clone();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        // https://no-color.org: a non-empty NO_COLOR turns colours off.
        LogFormat::Text => builder
            .with_ansi(
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            )
            .event_format(TextFormat::queued_to(queue))
            .init(),
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

/// tracing-subscriber's default text format (`Full`, system time), with the request line written
/// without `core::fmt` when colours are off. Its output is the stock format's, byte for byte: the
/// tests below hold the two side by side.
#[derive(Default)]
pub struct TextFormat {
    stock: Format<Full, StockTimer>,
    /// Where request lines go straight to, skipping the subscriber's copy of them: the same
    /// writer the subscriber writes the other lines to, so the order holds.
    queue: Option<writer::BatchWriter>,
}

impl TextFormat {
    /// The format, its request lines handed straight to `queue`.
    pub fn queued_to(queue: writer::BatchWriter) -> TextFormat {
        TextFormat {
            stock: Format::default(),
            queue: Some(queue),
        }
    }
}

impl<S, N> FormatEvent<S, N> for TextFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        // The fast path knows the request line's shape: no message, no span around it, no
        // colours, a timestamp between 1970 and 9999. Anything else is the stock format's.
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH);
        let fast = meta.target() == REQUEST_LOG_TARGET
            && !writer.has_ansi_escapes()
            && meta.fields().field("message").is_none()
            && ctx.event_scope().is_none();
        let since_epoch = match since_epoch {
            Ok(since) if fast && since.as_secs() <= LAST_FOUR_DIGIT_SECOND => since,
            _ => return self.stock.format_event(ctx, writer, event),
        };
        LINE.with(|line| {
            // A field whose formatting logs would find the line busy: the stock format takes it.
            let Ok(mut line) = line.try_borrow_mut() else {
                return self.stock.format_event(ctx, writer, event);
            };
            #[cfg(test)]
            tests::FAST_LINES.with(|lines| lines.set(lines.get() + 1));
            line.write_request_line(since_epoch, event)?;
            match &self.queue {
                // Nothing is left for the subscriber to write: an empty line is not written.
                Some(queue) => {
                    queue.push_line(line.text.as_bytes());
                    Ok(())
                }
                None => writer.write_str(&line.text),
            }
        })
    }
}

/// 9999-12-31T23:59:59Z: past it the stock timestamp writes `+10000`, so the stock format does.
const LAST_FOUR_DIGIT_SECOND: u64 = 253_402_300_799;

thread_local! {
    /// This thread's line being written, kept between lines with its capacity.
    static LINE: RefCell<Line> = const {
        RefCell::new(Line {
            second: u64::MAX,
            date: String::new(),
            text: String::new(),
        })
    };
}

/// A request line, written into a plain `String` (the `Writer` the subscriber hands over is a
/// `dyn fmt::Write`, and a dynamic call per piece cost more than the pieces) and handed over
/// whole.
struct Line {
    /// The last second written and its `YYYY-MM-DDTHH:MM:SS`: requests come many to a second,
    /// so the calendar is worked out once a second.
    second: u64,
    date: String,
    text: String,
}

impl Line {
    fn write_request_line(&mut self, since_epoch: Duration, event: &Event<'_>) -> fmt::Result {
        let meta = event.metadata();
        self.text.clear();
        self.write_timestamp(since_epoch.as_secs(), since_epoch.subsec_micros());
        self.text.push_str(level_column(meta.level()));
        self.text.push_str(meta.target());
        self.text.push_str(": ");
        let mut fields = PlainFields {
            text: &mut self.text,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        self.text.push('\n');
        Ok(())
    }

    /// `2026-11-28T20:39:16.292712Z ` as the stock `SystemTime` timer writes it, with its space.
    fn write_timestamp(&mut self, secs: u64, micros: u32) {
        if self.second != secs {
            self.second = secs;
            self.date = livechat_mock::base::clock::utc_date_time(secs);
        }
        self.text.push_str(&self.date);
        // Six digits, zero-padded: a seventh leading digit written and skipped.
        let mut digits = itoa::Buffer::new();
        let padded = digits.format(1_000_000 + micros % 1_000_000);
        self.text.push('.');
        self.text.push_str(padded.get(1..).unwrap_or(padded));
        self.text.push_str("Z ");
    }
}

/// The level right-aligned in five columns, then a space, as the stock format writes it.
fn level_column(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        Level::ERROR => "ERROR ",
    }
}

/// `name=value` pairs separated by one space, as tracing-subscriber's `DefaultVisitor` writes
/// them with colours off: strings `Debug`-quoted, numbers in decimal, anything else `{:?}`.
struct PlainFields<'t> {
    text: &'t mut String,
    first: bool,
    result: fmt::Result,
}

impl PlainFields<'_> {
    /// Writes the separator and the name (without a raw identifier's `r#`); false when the field
    /// is not written at all (an earlier write failed, or it is `log` metadata, as the stock
    /// visitor skips it).
    fn name(&mut self, field: &Field) -> bool {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return false;
        }
        if !std::mem::take(&mut self.first) {
            self.text.push(' ');
        }
        self.text.push_str(name.strip_prefix("r#").unwrap_or(name));
        self.text.push('=');
        true
    }
}

impl Visit for PlainFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.name(field) {
            return;
        }
        // `str`'s Debug leaves printable ASCII other than `"` and `\` as it is.
        let plain = value
            .bytes()
            .all(|b| matches!(b, b' ' | b'!' | b'#'..=b'[' | b']'..=b'~'));
        if plain {
            self.text.push('"');
            self.text.push_str(value);
            self.text.push('"');
        } else {
            self.result = write!(self.text, "{value:?}");
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.name(field) {
            self.text.push_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.name(field) {
            self.text.push_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.name(field) {
            self.result = write!(self.text, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::io;
    use std::sync::{Arc, Mutex};

    thread_local! {
        /// Lines this thread wrote on the fast path, so a test can tell it was taken.
        pub(super) static FAST_LINES: Cell<usize> = const { Cell::new(0) };
    }

    fn fast_lines() -> usize {
        FAST_LINES.with(Cell::get)
    }

    /// Captures what a subscriber writes.
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

    /// Runs `emit` under the stock text format and under [`TextFormat`] (colours off), and
    /// returns both outputs.
    fn both(emit: impl Fn()) -> (String, String) {
        let stock = Captured::default();
        let ours = Captured::default();
        let writer = stock.clone();
        tracing::subscriber::with_default(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish(),
            &emit,
        );
        let writer = ours.clone();
        tracing::subscriber::with_default(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .event_format(TextFormat::default())
                .with_writer(move || writer.clone())
                .finish(),
            &emit,
        );
        (stock.text(), ours.text())
    }

    /// The timestamp's width (`2026-11-28T20:39:16.292712Z`): the two runs differ only there.
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

    #[test]
    fn the_request_line_is_the_stock_formats_byte_for_byte() {
        let before = fast_lines();
        let (stock, ours) = both(|| {
            // The fields of `http::service::record`, in its order, with its types.
            tracing::info!(
                target: REQUEST_LOG_TARGET,
                method = %hyper::Method::GET,
                path = %"/api/v1/livechat/visitors.info",
                status = 200u16,
                outcome = "ok",
                rule = "fixtures",
                micros = 4656u64,
            );
        });
        assert_same_but_the_time(&stock, &ours);
        assert_eq!(
            fast_lines(),
            before + 1,
            "the request line took the fast path"
        );
        assert!(
            ours.ends_with(
                "  INFO livechat_mock::request: method=GET path=/api/v1/livechat/visitors.info \
                 status=200 outcome=\"ok\" rule=\"fixtures\" micros=4656\n"
            ),
            "{ours}"
        );
    }

    #[test]
    fn strings_that_debug_escapes_are_escaped_as_the_stock_format_does() {
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
            let before = fast_lines();
            let (stock, ours) = both(|| {
                tracing::warn!(target: REQUEST_LOG_TARGET, outcome = value, r#type = value, count = -3i64, flag = true, ratio = 0.5f64);
            });
            assert_same_but_the_time(&stock, &ours);
            assert_eq!(fast_lines(), before + 1);
        }
    }

    #[test]
    fn other_lines_and_request_lines_in_a_span_go_through_the_stock_format() {
        let before = fast_lines();
        let (stock, ours) = both(|| {
            tracing::info!(port = 3000, "listening");
            tracing::info!(target: REQUEST_LOG_TARGET, "a message of its own");
            let span = tracing::info_span!("connection", peer = "127.0.0.1");
            let _inside = span.enter();
            tracing::info!(target: REQUEST_LOG_TARGET, status = 200u16);
        });
        assert_same_but_the_time(&stock, &ours);
        assert_eq!(fast_lines(), before, "none of these took the fast path");
        assert!(
            ours.contains("connection{peer=\"127.0.0.1\"}: livechat_mock::request: status=200")
        );
    }

    #[test]
    fn request_lines_queued_directly_keep_their_bytes_and_their_place() {
        let output = Captured::default();
        let (queue, flusher) = writer::batching(output.clone(), 1 << 20).expect("thread");
        let before = fast_lines();
        let stock = Captured::default();
        let writer = stock.clone();
        let emit = || {
            tracing::info!("starting");
            tracing::info!(target: REQUEST_LOG_TARGET, status = 200u16, outcome = "ok");
            tracing::warn!(port = 1, "after");
        };
        tracing::subscriber::with_default(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish(),
            emit,
        );
        tracing::subscriber::with_default(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(queue.clone())
                .event_format(TextFormat::queued_to(queue))
                .finish(),
            emit,
        );
        drop(flusher);
        assert_eq!(fast_lines(), before + 1);
        assert_same_but_the_time(&stock.text(), &output.text());
    }

    #[test]
    fn every_level_takes_five_columns_and_a_space() {
        let (stock, ours) = both(|| {
            tracing::error!(target: REQUEST_LOG_TARGET, n = 1u64);
            tracing::warn!(target: REQUEST_LOG_TARGET, n = 2u64);
            tracing::info!(target: REQUEST_LOG_TARGET, n = 3u64);
        });
        assert_same_but_the_time(&stock, &ours);
        assert!(
            ours.contains("Z  WARN livechat_mock::request: n=2\n"),
            "{ours}"
        );
    }

    #[test]
    fn the_fraction_is_six_digits_zero_padded() {
        let mut line = Line {
            second: u64::MAX,
            date: String::new(),
            text: String::new(),
        };
        line.write_timestamp(1_780_658_550, 7);
        assert_eq!(line.text, "2026-06-05T11:22:30.000007Z ");
        line.text.clear();
        line.write_timestamp(951_782_400, 999_999);
        assert_eq!(line.text, "2000-02-29T00:00:00.999999Z ");
    }
}
