//! A connection's three timeouts, checked on a slow tick instead of timed per request: the idle
//! keep-alive timeout, the header timeout (a client must send a whole request head in time) and
//! the send timeout (a client that stops reading must not hold its slot with a stalled write).
//!
//! Why not hyper's `header_read_timeout`: it arms a timer for every request head and disarms it
//! when the head is in (an allocation, a timer-wheel insert and remove under the driver's lock,
//! and clock reads): about 1,300 instructions a request, more than routing and answering one.
//! Node checks its `headersTimeout` the same way, by sweeping connections on an interval
//! (`connectionsCheckingInterval`). Here the I/O path only bumps counters in [`Activity`], and
//! [`Watchdog::tick`] reads them four times per shorter timeout, so a timeout fires between its
//! length and its length plus half of the shorter one.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// What a connection did lately, in counters the I/O path can bump without reading a clock.
/// Shared by the connection's stream, its service and its [`Watchdog`], all polled by the one
/// task that serves the connection.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    /// Reads and writes that moved bytes.
    moves: AtomicU64,
    /// Requests being answered.
    in_flight: AtomicUsize,
    /// When the head being received began: the tick count then, plus one (0: no head pending).
    head_since: AtomicU64,
    /// Ticks so far.
    ticks: AtomicU64,
    /// The last write could not go out (the socket's send buffer is full): the client is not
    /// reading what it was sent.
    write_blocked: AtomicBool,
}

impl Activity {
    /// Bytes were read. With no request in flight they begin a head, unless one is pending.
    pub(crate) fn read(&self) {
        self.moved();
        if self.in_flight.load(Ordering::Relaxed) == 0
            && self.head_since.load(Ordering::Relaxed) == 0
        {
            self.head_since
                .store(self.ticks.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
    }

    /// Bytes were written.
    pub(crate) fn moved(&self) {
        self.moves.fetch_add(1, Ordering::Relaxed);
    }

    /// A write went out (`false`) or had to wait for the client to read (`true`).
    pub(crate) fn write_blocked(&self, blocked: bool) {
        if self.write_blocked.load(Ordering::Relaxed) != blocked {
            self.write_blocked.store(blocked, Ordering::Relaxed);
        }
    }

    /// A request's head is in and its answer begins.
    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(0, Ordering::Relaxed);
    }

    /// A request is answered (or given up on).
    pub(crate) fn request_finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.moved();
    }
}

/// Why a connection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Keep,
    /// No byte moved and no request in flight for the idle timeout: closed gracefully.
    Idle,
    /// A request head pending for the header timeout: dropped, as hyper's own timeout did.
    SlowHead,
    /// A write stalled for the send timeout (the client stopped reading): dropped, since a
    /// graceful close would wait on that very write.
    Stalled,
}

/// Reads a connection's [`Activity`] once a [`period`](Watchdog::period).
#[derive(Debug)]
pub(crate) struct Watchdog {
    period: Duration,
    /// Whole periods without a move that make a connection idle.
    idle_ticks: u64,
    /// Whole periods a head may be pending.
    header_ticks: u64,
    /// Whole periods a blocked write may make no progress.
    send_ticks: u64,
    /// Periods in a row without a move and without a request in flight.
    quiet: u64,
    /// Periods in a row without a move while a write was blocked.
    stalled: u64,
    /// The move count at the last tick.
    seen: u64,
}

impl Watchdog {
    pub(crate) fn new(
        idle_timeout: Duration,
        header_timeout: Duration,
        send_timeout: Duration,
    ) -> Watchdog {
        let shortest = idle_timeout.min(header_timeout).min(send_timeout);
        let period = (shortest / 4).max(Duration::from_millis(1));
        let ticks_for = |timeout: Duration| {
            u64::try_from(timeout.as_nanos().div_ceil(period.as_nanos())).unwrap_or(u64::MAX)
        };
        Watchdog {
            period,
            idle_ticks: ticks_for(idle_timeout),
            header_ticks: ticks_for(header_timeout),
            send_ticks: ticks_for(send_timeout),
            quiet: 0,
            stalled: 0,
            seen: 0,
        }
    }

    /// How often [`tick`](Watchdog::tick) is to be called.
    pub(crate) fn period(&self) -> Duration {
        self.period
    }

    /// One period has passed: whether the connection stays.
    pub(crate) fn tick(&mut self, activity: &Activity) -> Verdict {
        let now = activity.ticks.fetch_add(1, Ordering::Relaxed) + 1;
        let idle = activity.in_flight.load(Ordering::Relaxed) == 0;
        let head_since = activity.head_since.load(Ordering::Relaxed);
        // A head that began after tick `head_since - 1` has been pending at least
        // `now - head_since` whole periods.
        if idle && head_since != 0 && now.saturating_sub(head_since) >= self.header_ticks {
            return Verdict::SlowHead;
        }
        let moves = activity.moves.load(Ordering::Relaxed);
        let blocked = activity.write_blocked.load(Ordering::Relaxed);
        let still = moves == self.seen;
        self.stalled = if blocked && still {
            self.stalled + 1
        } else {
            0
        };
        if self.stalled >= self.send_ticks {
            return Verdict::Stalled;
        }
        if idle && still && !blocked {
            self.quiet += 1;
        } else {
            self.quiet = 0;
            self.seen = moves;
        }
        // The last move came before the tick that last saw it: `quiet` whole periods ago at least.
        if self.quiet >= self.idle_ticks {
            Verdict::Idle
        } else {
            Verdict::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Ticks until the watchdog says something other than keep, at most `limit` times.
    fn ticks_until_closed(dog: &mut Watchdog, activity: &Activity, limit: u64) -> (u64, Verdict) {
        for n in 1..=limit {
            let verdict = dog.tick(activity);
            if verdict != Verdict::Keep {
                return (n, verdict);
            }
        }
        (limit, Verdict::Keep)
    }

    #[test]
    fn the_period_is_a_quarter_of_the_shorter_timeout() {
        let dog = Watchdog::new(5000 * MS, 10_000 * MS, 10_000 * MS);
        assert_eq!(dog.period(), 1250 * MS);
        assert_eq!((dog.idle_ticks, dog.header_ticks), (4, 8));
        assert_eq!(
            Watchdog::new(Duration::ZERO, Duration::ZERO, Duration::ZERO).period(),
            MS,
            "never a zero period"
        );
        // 1,001 ms is 13.35 periods of 75 ms: 14, never less than the timeout
        assert_eq!(
            Watchdog::new(300 * MS, 1001 * MS, 10_000 * MS).header_ticks,
            14
        );
    }

    /// A connection with a 400 ms idle timeout whose first request has just begun.
    fn a_request_begun() -> (Activity, Watchdog) {
        let activity = Activity::default();
        activity.read();
        activity.request_started();
        (activity, Watchdog::new(400 * MS, 10_000 * MS, 10_000 * MS))
    }

    #[test]
    fn a_quiet_connection_is_idle_after_the_idle_timeout_and_not_before() {
        let (activity, mut dog) = a_request_begun();
        activity.request_finished();
        // The first tick sees the moves; four quiet periods after it make 400 ms.
        assert_eq!(
            ticks_until_closed(&mut dog, &activity, 20),
            (5, Verdict::Idle)
        );
    }

    #[test]
    fn a_request_in_flight_or_a_byte_moved_is_not_idle() {
        let (activity, mut dog) = a_request_begun();
        assert_eq!(
            ticks_until_closed(&mut dog, &activity, 50),
            (50, Verdict::Keep),
            "a slow answer outlives the idle timeout"
        );
        activity.request_finished();
        for _ in 0..50 {
            activity.moved();
            assert_eq!(dog.tick(&activity), Verdict::Keep);
        }
    }

    #[test]
    fn a_head_pending_for_the_header_timeout_is_dropped_even_while_bytes_dribble_in() {
        let activity = Activity::default();
        // period 100 ms; the header timeout is 4 periods
        let mut dog = Watchdog::new(10_000 * MS, 400 * MS, 10_000 * MS);
        dog.tick(&activity);
        dog.tick(&activity);
        activity.read(); // a head begins after tick 2
        let mut closed_at = None;
        for n in 1..=10 {
            activity.read(); // a byte a period: never idle
            if dog.tick(&activity) == Verdict::SlowHead {
                closed_at = Some(n);
                break;
            }
        }
        // at least 4 whole periods after the head began, and at most one more
        assert_eq!(closed_at, Some(5));
    }

    #[test]
    fn a_head_that_completes_in_time_is_forgotten() {
        let activity = Activity::default();
        let mut dog = Watchdog::new(10_000 * MS, 400 * MS, 10_000 * MS);
        for _ in 0..20 {
            activity.read();
            dog.tick(&activity);
            dog.tick(&activity);
            activity.request_started(); // the head is in
            dog.tick(&activity);
            activity.request_finished();
            assert_eq!(dog.tick(&activity), Verdict::Keep);
        }
        // body bytes read while a request is in flight begin no head
        activity.request_started();
        activity.read();
        assert_eq!(activity.head_since.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_write_the_client_never_reads_is_dropped_after_the_send_timeout_not_closed_gracefully() {
        let activity = Activity::default();
        // period 100 ms; the send timeout is 4 periods, the idle timeout 2 s
        let mut dog = Watchdog::new(2000 * MS, 10_000 * MS, 400 * MS);
        activity.read();
        activity.request_started();
        activity.request_finished(); // answered: the body is being written
        activity.write_blocked(true);
        assert_eq!(
            dog.tick(&activity),
            Verdict::Keep,
            "the first tick sees the moves"
        );
        assert_eq!(
            ticks_until_closed(&mut dog, &activity, 50),
            (4, Verdict::Stalled),
            "never Idle while the write waits: a graceful close would wait on it forever"
        );
    }

    #[test]
    fn a_slow_reader_that_keeps_taking_bytes_is_not_stalled() {
        let activity = Activity::default();
        let mut dog = Watchdog::new(2000 * MS, 10_000 * MS, 400 * MS);
        activity.write_blocked(true);
        for _ in 0..50 {
            activity.moved(); // a little goes out each period
            assert_eq!(dog.tick(&activity), Verdict::Keep);
        }
    }
}
