//! Seeded latency and faults: the same seed and the same sequence of requests give the same
//! delays and the same faults.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::base::selection::OutcomeId;

/// `MS` or `MIN..MAX` milliseconds, uniform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    pub min_ms: u64,
    pub max_ms: u64,
}

impl FromStr for Latency {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err =
            || format!("expected MS or MIN..MAX in milliseconds, e.g. 50 or 10..200; got {s:?}");
        let (min, max) = match s.split_once("..") {
            Some((min, max)) => (min.trim(), max.trim()),
            None => (s.trim(), s.trim()),
        };
        let min_ms: u64 = min.parse().map_err(|_| err())?;
        let max_ms: u64 = max.parse().map_err(|_| err())?;
        if min_ms > max_ms {
            return Err(format!(
                "MIN must be at most MAX in MIN..MAX; got {min_ms}..{max_ms} (did you mean {max_ms}..{min_ms}?)"
            ));
        }
        Ok(Latency { min_ms, max_ms })
    }
}

/// The faults `--fault-rate` draws from when `--faults` is not given (`hang` must be asked for).
pub const DEFAULT_FAULTS: [OutcomeId; 3] = [
    OutcomeId::Reset,
    OutcomeId::ServerError,
    OutcomeId::Malformed,
];

/// What chance decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Draw {
    pub delay: Option<Duration>,
    pub fault: Option<OutcomeId>,
}

/// The seeded generator and what it draws.
#[derive(Debug)]
pub struct Chaos {
    latency: Option<Latency>,
    fault_rate: f64,
    faults: Vec<OutcomeId>,
    rng: Mutex<Xoshiro256PlusPlus>,
}

impl Chaos {
    pub fn new(
        latency: Option<Latency>,
        fault_rate: f64,
        faults: Vec<OutcomeId>,
        seed: u64,
    ) -> Chaos {
        Chaos {
            latency,
            fault_rate,
            faults,
            rng: Mutex::new(Xoshiro256PlusPlus::seed_from_u64(seed)),
        }
    }

    /// Whether there is anything to draw at all (no lock on the request path otherwise).
    pub fn is_active(&self) -> bool {
        self.latency.is_some() || (self.fault_rate > 0.0 && !self.faults.is_empty())
    }

    /// A delay drawn from `latency` (an override's `delay_ms`), from the run's seed.
    pub fn delay_of(&self, latency: Latency) -> Duration {
        if latency.min_ms == latency.max_ms {
            return Duration::from_millis(latency.min_ms);
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        Duration::from_millis(rng.random_range(latency.min_ms..=latency.max_ms))
    }

    /// Draws for one request: always the fault first, then the delay, so sequences line up.
    pub fn draw(&self) -> Draw {
        if !self.is_active() {
            return Draw::default();
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let mut draw = Draw::default();
        if self.fault_rate > 0.0 && !self.faults.is_empty() {
            let roll: f64 = rng.random();
            let pick = rng.random_range(0..self.faults.len());
            if roll < self.fault_rate {
                draw.fault = self.faults.get(pick).copied();
            }
        }
        if let Some(latency) = self.latency {
            draw.delay = Some(Duration::from_millis(
                rng.random_range(latency.min_ms..=latency.max_ms),
            ));
        }
        draw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_parses_a_value_or_a_range() {
        assert_eq!(
            "50".parse(),
            Ok(Latency {
                min_ms: 50,
                max_ms: 50
            })
        );
        assert_eq!(
            "10..200".parse(),
            Ok(Latency {
                min_ms: 10,
                max_ms: 200
            })
        );
        assert!("200..10".parse::<Latency>().is_err());
        assert!("fast".parse::<Latency>().is_err());
    }

    #[test]
    fn the_same_seed_draws_the_same_sequence_and_another_seed_does_not() {
        let make = |seed| {
            Chaos::new(
                Some("0..1000".parse().unwrap()),
                0.5,
                DEFAULT_FAULTS.to_vec(),
                seed,
            )
        };
        let (a, b, c) = (make(7), make(7), make(8));
        let seq = |chaos: &Chaos| (0..50).map(|_| chaos.draw()).collect::<Vec<_>>();
        let first = seq(&a);
        assert_eq!(first, seq(&b));
        assert_ne!(first, seq(&c));
        assert!(first.iter().any(|d| d.fault.is_some()) && first.iter().any(|d| d.fault.is_none()));
    }
}
