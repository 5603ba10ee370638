//! When to (re)connect: at once when asked, then with capped exponential
//! backoff while the server cannot be reached, and at once again when the
//! network comes back. Pure: the adapter asks it and arms one timer.

use crate::time::Timestamp;

/// Reconnection policy and state of one outgoing connection.
#[derive(Clone, Debug)]
pub struct Dialer {
    base_ms: i64,
    max_ms: i64,
    failures: u32,
    state: DialState,
}

/// Where the connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialState {
    /// Not connected; dial at this time.
    WaitingUntil(Timestamp),
    /// A connection attempt is under way.
    Connecting,
    /// Connected.
    Connected,
}

impl Dialer {
    /// A dialer that wants to connect immediately.
    pub fn new(base_ms: i64, max_ms: i64) -> Dialer {
        Dialer {
            base_ms,
            max_ms,
            failures: 0,
            state: DialState::WaitingUntil(Timestamp(i64::MIN)),
        }
    }

    /// Current state.
    pub fn state(&self) -> DialState {
        self.state
    }

    /// Consecutive failed attempts.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// True when the adapter should open a connection now; it then calls
    /// [`Dialer::connecting`].
    pub fn should_dial(&self, now: Timestamp) -> bool {
        matches!(self.state, DialState::WaitingUntil(t) if t <= now)
    }

    /// An attempt started.
    pub fn connecting(&mut self) {
        self.state = DialState::Connecting;
    }

    /// The connection is up (handshake done): the backoff resets.
    pub fn connected(&mut self) {
        self.failures = 0;
        self.state = DialState::Connected;
    }

    /// The attempt failed or the connection dropped: wait, longer each time.
    pub fn disconnected(&mut self, now: Timestamp) {
        let wait = self
            .base_ms
            .saturating_mul(1i64 << self.failures.min(20))
            .min(self.max_ms);
        self.failures = self.failures.saturating_add(1);
        self.state = DialState::WaitingUntil(now.plus_millis(wait));
    }

    /// Something suggests the server is reachable again (the browser's `online`
    /// event, or a local edit): dial at once if not connected.
    pub fn retry_now(&mut self, now: Timestamp) {
        if let DialState::WaitingUntil(t) = self.state
            && t > now
        {
            self.state = DialState::WaitingUntil(now);
        }
    }

    /// When the adapter must call back, if it is waiting.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match self.state {
            DialState::WaitingUntil(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_resets() {
        let mut d = Dialer::new(500, 4000);
        let t0 = Timestamp(1000);
        assert!(d.should_dial(t0));
        d.connecting();
        assert!(!d.should_dial(t0));
        let mut waits = Vec::new();
        for _ in 0..6 {
            d.disconnected(t0);
            waits.push(d.next_deadline().unwrap().0 - t0.0);
            d.connecting();
        }
        assert_eq!(waits, vec![500, 1000, 2000, 4000, 4000, 4000]);
        d.disconnected(t0);
        d.retry_now(t0);
        assert!(d.should_dial(t0));
        d.connecting();
        d.connected();
        d.disconnected(t0);
        assert_eq!(d.next_deadline().unwrap().0 - t0.0, 500);
    }
}
