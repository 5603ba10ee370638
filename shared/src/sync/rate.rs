//! A token bucket: how many new documents one connection may open per second.

use crate::time::Timestamp;

/// A rate limit: a burst, then a steady rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Tokens available at once.
    pub burst: u32,
    /// Tokens added per second.
    pub per_second: f64,
}

/// The bucket of one connection.
#[derive(Clone, Debug)]
pub(super) struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    last: Option<Timestamp>,
}

impl TokenBucket {
    pub(super) fn new(limit: RateLimit) -> TokenBucket {
        TokenBucket {
            limit,
            tokens: f64::from(limit.burst),
            last: None,
        }
    }

    /// When the next token is there (`now` if one is; never with no rate).
    pub(super) fn next_token_at(&self, now: Timestamp) -> Option<Timestamp> {
        let Some(last) = self.last else {
            return Some(now);
        };
        let elapsed = (now.0 - last.0).max(0) as f64 / 1000.0;
        let tokens =
            (self.tokens + elapsed * self.limit.per_second).min(f64::from(self.limit.burst));
        if tokens >= 1.0 {
            return Some(now);
        }
        if self.limit.per_second <= 0.0 {
            return None;
        }
        let wait_ms = ((1.0 - tokens) / self.limit.per_second * 1000.0).ceil() as i64;
        Some(Timestamp(now.0 + wait_ms.max(1)))
    }

    /// Takes one token if there is one at `now`.
    pub(super) fn take(&mut self, now: Timestamp) -> bool {
        if let Some(last) = self.last {
            let elapsed = (now.0 - last.0).max(0) as f64 / 1000.0;
            self.tokens =
                (self.tokens + elapsed * self.limit.per_second).min(f64::from(self.limit.burst));
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_steady_rate() {
        let mut b = TokenBucket::new(RateLimit {
            burst: 3,
            per_second: 2.0,
        });
        let t = Timestamp(1_000);
        assert!(b.take(t) && b.take(t) && b.take(t));
        assert!(!b.take(t));
        assert!(b.take(Timestamp(1_500)), "one token after half a second");
        assert!(!b.take(Timestamp(1_500)));
        assert!(b.take(Timestamp(60_000)) && b.take(Timestamp(60_000)));
        assert!(b.take(Timestamp(60_000)), "refills up to the burst");
        assert!(!b.take(Timestamp(60_000)), "never beyond the burst");
        assert_eq!(b.next_token_at(Timestamp(60_000)), Some(Timestamp(60_500)));
        assert_eq!(b.next_token_at(Timestamp(60_600)), Some(Timestamp(60_600)));
    }
}
