//! The log lines' way to stderr: appended to one shared buffer by the threads that log, written
//! out in batches by a thread of its own, and dropped (counted) rather than waited for when
//! stderr falls behind.
//!
//! Why not tracing-appender's non-blocking writer: it sends each line through a channel as a
//! fresh `Vec`, which with one line per request costs an allocation, a cross-thread free and a
//! channel hand-off per request. Here a line costs one uncontended lock and one copy.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait before it is written.
const FLUSH_EVERY: Duration = Duration::from_millis(10);
/// How long the last lines get to go out at exit: stderr may be a pipe nobody reads, and the
/// process must still exit (what is left is counted as dropped).
const FINAL_FLUSH: Duration = Duration::from_secs(2);

/// A clonable handle to the buffer, given to the subscriber as its writer.
#[derive(Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Stops the writing thread when dropped, after it has written every line queued.
pub struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the writing thread early: the buffer is half full, or the writer is closing.
    wake: Condvar,
    dropped: AtomicU64,
    limit: usize,
    /// Lines of the batch being written now (counted as dropped if the exit cannot wait).
    writing_lines: AtomicU64,
    /// Set by the writing thread when it has written everything and stopped.
    done: (Mutex<bool>, Condvar),
}

#[derive(Default)]
struct Queue {
    bytes: Vec<u8>,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues one whole line, or drops it (and counts it) when `limit` bytes are waiting.
    fn push(&self, line: &[u8]) {
        self.push_with(|queue| queue.extend_from_slice(line));
    }

    /// Queues the one whole line `write` appends to the queue, or drops it (and counts it) when
    /// it would take the queue past `limit` bytes.
    fn push_with(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut queue = self.lock();
        let before = queue.bytes.len();
        write(&mut queue.bytes);
        if queue.bytes.len() > self.limit {
            queue.bytes.truncate(before);
            drop(queue);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let half = self.limit / 2;
        if before < half && queue.bytes.len() >= half {
            self.wake.notify_one();
        }
    }
}

/// Starts the writing thread for `out`; at most `limit` bytes wait in memory.
pub fn batching<W: Write + Send + 'static>(
    mut out: W,
    limit: usize,
) -> io::Result<(BatchWriter, Flusher)> {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue::default()),
        wake: Condvar::new(),
        dropped: AtomicU64::new(0),
        limit,
        writing_lines: AtomicU64::new(0),
        done: (Mutex::new(false), Condvar::new()),
    });
    let writing = shared.clone();
    let thread = std::thread::Builder::new()
        .name("livechat-mock-log".into())
        .spawn(move || {
            let mut batch = Vec::new();
            // The last write stopped inside a line: the next one ends it first, so a torn line
            // is never glued to the next.
            let mut mid_line = false;
            loop {
                let closed = {
                    let mut queue = writing.lock();
                    if queue.bytes.is_empty() && !queue.closed {
                        queue = writing
                            .wake
                            .wait_timeout(queue, FLUSH_EVERY)
                            .map_or_else(|poisoned| poisoned.into_inner().0, |(queue, _)| queue);
                    }
                    std::mem::swap(&mut batch, &mut queue.bytes);
                    queue.closed
                };
                if !batch.is_empty() {
                    let lines = lines_in(&batch);
                    writing.writing_lines.store(lines, Ordering::Relaxed);
                    // A failed write (a full disk, a closed pipe) loses what it did not write:
                    // those lines are counted as dropped, as lines stderr was too slow for.
                    let lost = write_lines(&mut out, &batch, &mut mid_line);
                    writing.writing_lines.store(0, Ordering::Relaxed);
                    if lost > 0 {
                        writing.dropped.fetch_add(lost, Ordering::Relaxed);
                    }
                    batch.clear();
                }
                if closed && writing.lock().bytes.is_empty() {
                    let (done, signal) = &writing.done;
                    *done.lock().unwrap_or_else(|p| p.into_inner()) = true;
                    signal.notify_all();
                    return;
                }
            }
        })?;
    Ok((
        BatchWriter {
            shared: shared.clone(),
        },
        Flusher {
            shared,
            thread: Some(thread),
        },
    ))
}

impl BatchWriter {
    /// Queues the one whole line `write` appends, written straight into the queue (see
    /// `PlainRequestLog`); dropped and counted, as any line, when stderr is too far behind.
    pub fn push_with(&self, write: impl FnOnce(&mut Vec<u8>)) {
        self.shared.push_with(write);
    }
}

impl BatchWriter {
    /// The count of lines dropped because stderr was behind.
    pub fn dropped_lines(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

/// The lines of a batch (each ends in `\n`).
fn lines_in(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Writes a batch of whole lines; returns how many were not written whole. A write that stops
/// inside a line leaves `mid_line` set, and the next batch begins by ending that line.
fn write_lines(out: &mut impl Write, batch: &[u8], mid_line: &mut bool) -> u64 {
    if *mid_line {
        if out.write_all(b"\n").is_err() {
            return lines_in(batch);
        }
        *mid_line = false;
    }
    let mut written = 0;
    while written < batch.len() {
        match out.write(&batch[written..]) {
            Ok(0) => break,
            Ok(n) => written += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = out.flush();
    if written == batch.len() {
        return 0;
    }
    *mid_line = written > 0 && batch[written - 1] != b'\n';
    lines_in(&batch[written..])
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
        let (done, signal) = &self.shared.done;
        let finished = signal
            .wait_timeout_while(
                done.lock().unwrap_or_else(|p| p.into_inner()),
                FINAL_FLUSH,
                |done| !*done,
            )
            .is_ok_and(|(done, _)| *done);
        if finished {
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        } else {
            // stderr is not being read: give up on what is left, count it, and let the process
            // exit (the thread ends with it).
            let queued = lines_in(&self.shared.lock().bytes);
            let writing = self.shared.writing_lines.load(Ordering::Relaxed);
            self.shared
                .dropped
                .fetch_add(queued + writing, Ordering::Relaxed);
        }
    }
}

/// One event's writer: the subscriber formats a whole line and writes it with one call.
pub struct LineSink<'a>(&'a Shared);

impl Write for LineSink<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.0.push(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = LineSink<'a>;

    fn make_writer(&'a self) -> LineSink<'a> {
        LineSink(&self.shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output that records what reached it, and can be made to stall.
    #[derive(Clone, Default)]
    struct Output {
        written: Arc<Mutex<Vec<u8>>>,
        stall: Arc<Mutex<()>>,
    }

    impl Write for Output {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let _wait = self.stall.lock().expect("stall");
            self.written
                .lock()
                .expect("written")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn text(output: &Output) -> String {
        String::from_utf8(output.written.lock().expect("written").clone()).expect("UTF-8")
    }

    #[test]
    fn lines_arrive_whole_and_in_order_and_the_last_ones_on_drop() {
        let output = Output::default();
        let (writer, flusher) = batching(output.clone(), 1 << 20).expect("thread");
        for n in 0..1000 {
            writer
                .make_writer()
                .write_all(format!("line {n}\n").as_bytes())
                .expect("queued");
        }
        drop(flusher);
        let expected: String = (0..1000).map(|n| format!("line {n}\n")).collect();
        assert_eq!(text(&output), expected);
        assert_eq!(writer.dropped_lines(), 0);
    }

    #[test]
    fn lines_are_written_without_waiting_for_the_end() {
        let output = Output::default();
        let (writer, _flusher) = batching(output.clone(), 1 << 20).expect("thread");
        writer
            .make_writer()
            .write_all(b"listening\n")
            .expect("queued");
        let waited = std::time::Instant::now();
        while text(&output).is_empty() {
            assert!(waited.elapsed() < Duration::from_secs(5), "never written");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(text(&output), "listening\n");
    }

    #[test]
    fn a_stalled_output_drops_and_counts_lines_instead_of_blocking() {
        let output = Output::default();
        let stalled = output.stall.lock().expect("stall");
        let (writer, flusher) = batching(output.clone(), 100).expect("thread");
        // The first line is taken by the writing thread, which then waits on the stalled output.
        writer.make_writer().write_all(b"first\n").expect("queued");
        let waited = std::time::Instant::now();
        while !flusher.shared.lock().bytes.is_empty() {
            assert!(waited.elapsed() < Duration::from_secs(5), "never taken");
            std::thread::sleep(Duration::from_millis(1));
        }
        // 10 lines of 10 bytes fill the 100 bytes that may wait; the next 5 are dropped, lines
        // written straight into the queue as well as lines handed over.
        for n in 0..15 {
            let line = format!("line {n:>4}\n");
            if n % 2 == 0 {
                writer
                    .make_writer()
                    .write_all(line.as_bytes())
                    .expect("never blocks");
            } else {
                writer.push_with(|queue| queue.extend_from_slice(line.as_bytes()));
            }
        }
        assert_eq!(writer.dropped_lines(), 5);
        drop(stalled);
        drop(flusher);
        let kept: String = (0..10).map(|n| format!("line {n:>4}\n")).collect();
        assert_eq!(text(&output), format!("first\n{kept}"));
    }

    /// A writer that takes `room` bytes, then fails as a full disk does.
    struct FullAfter {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for FullAfter {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from_raw_os_error(28));
            }
            let n = bytes.len().min(self.room);
            self.room -= n;
            self.got.extend_from_slice(&bytes[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    // Issue 22, minor 2: a full disk loses lines counted, and a torn line is ended, not glued.
    #[test]
    fn a_full_disk_counts_what_it_loses_and_glues_no_torn_line() {
        let mut out = FullAfter {
            room: 15,
            got: Vec::new(),
        };
        let mut mid_line = false;
        let lost = write_lines(&mut out, b"line one\nline two\nline three\n", &mut mid_line);
        assert_eq!(lost, 2, "line two was torn, line three never written");
        assert!(mid_line);
        out.room = 100;
        assert_eq!(write_lines(&mut out, b"line four\n", &mut mid_line), 0);
        assert_eq!(out.got, b"line one\nline t\nline four\n");
    }
}
