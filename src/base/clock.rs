//! Wall-clock time in epoch milliseconds, real or driven by hand, so rate-limit windows can be
//! tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the mock reads the time.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that only moves when told to (see [`Clock::manual`]).
    Manual(Arc<AtomicU64>),
}

impl PartialEq for Clock {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Clock::System, Clock::System) => true,
            (Clock::Manual(a), Clock::Manual(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Clock {}

/// Milliseconds since the Unix epoch at `time` (0 before it).
fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Clock {
    /// A clock stopped at `epoch_ms`; clones share it.
    pub fn manual(epoch_ms: u64) -> Clock {
        Clock::Manual(Arc::new(AtomicU64::new(epoch_ms)))
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => epoch_ms(SystemTime::now()),
            Clock::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// This clock's time when the system clock read `real`: `real` itself for the system clock
    /// (for a caller that needs the real time anyway, one reading instead of two), the manual
    /// clock's own time otherwise.
    pub fn ms_at(&self, real: SystemTime) -> u64 {
        match self {
            Clock::System => epoch_ms(real),
            Clock::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; a system clock cannot be moved.
    pub fn advance_ms(&self, by: u64) {
        if let Clock::Manual(ms) = self {
            ms.fetch_add(by, Ordering::SeqCst);
        }
    }
}

/// `2026-06-05T11:22:30.664Z` for an epoch-millisecond instant (proleptic Gregorian, UTC).
pub fn iso_8601(epoch_ms: u64) -> String {
    format!("{}.{:03}Z", utc_date_time(epoch_ms / 1000), epoch_ms % 1000)
}

/// `2026-06-05T11:22:30` for an epoch-second instant (proleptic Gregorian, UTC): the part of a
/// timestamp that changes once a second, so a log line can reuse it.
pub fn utc_date_time(epoch_secs: u64) -> String {
    let days = epoch_secs / 86_400;
    let secs_of_day = epoch_secs % 86_400;
    let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_at_a_reading_of_the_system_clock() {
        let real = UNIX_EPOCH + std::time::Duration::from_micros(1_780_658_550_664_999);
        assert_eq!(Clock::System.ms_at(real), 1_780_658_550_664);
        assert_eq!(
            Clock::manual(42).ms_at(real),
            42,
            "a manual clock keeps its own time"
        );
        assert_eq!(
            Clock::System.ms_at(UNIX_EPOCH - std::time::Duration::from_secs(1)),
            0
        );
    }

    #[test]
    fn iso_dates_match_javascripts_to_iso_string() {
        assert_eq!(iso_8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_8601(1_780_658_550_664), "2026-06-05T11:22:30.664Z");
        assert_eq!(iso_8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc_date_time(1_780_658_550), "2026-06-05T11:22:30");
        assert_eq!(utc_date_time(253_402_300_799), "9999-12-31T23:59:59");
    }

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = Clock::manual(1_000);
        let copy = clock.clone();
        copy.advance_ms(500);
        assert_eq!(clock.now_ms(), 1_500);
    }
}
