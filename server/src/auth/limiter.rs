//! Login rate limiting: a few failures per account and per address, then a
//! pause, so passwords cannot be guessed online.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed in a window before logins are refused.
const MAX_FAILURES: u32 = 5;
/// How long failures are remembered.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts recent failures per key (an account id, an address).
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// How long until `key` may try again, if it is blocked now.
    pub fn blocked_for(&self, key: &str) -> Option<Duration> {
        let map = self.failures.lock().ok()?;
        let (n, since) = map.get(key)?;
        let left = WINDOW.checked_sub(since.elapsed())?;
        (*n >= MAX_FAILURES).then_some(left)
    }

    /// Records a failed attempt.
    pub fn failed(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.retain(|_, (_, since)| since.elapsed() < WINDOW);
            }
            let e = map.entry(key.to_string()).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }

    /// Forgets failures after a success.
    pub fn succeeded(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_repeated_failures_and_clears_on_success() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES - 1 {
            l.failed("cb-ba-bich");
        }
        assert!(l.blocked_for("cb-ba-bich").is_none());
        l.failed("cb-ba-bich");
        assert!(l.blocked_for("cb-ba-bich").is_some());
        assert!(l.blocked_for("cb-ba-dinh").is_none());
        l.succeeded("cb-ba-bich");
        assert!(l.blocked_for("cb-ba-bich").is_none());
    }
}
