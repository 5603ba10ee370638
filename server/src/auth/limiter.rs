//! Login throttling without lock-out. Failures are counted per
//! (account, client address) and per client address across all accounts.
//! After a few free failures each further one doubles the wait before that
//! pair (or that address) may try again, up to a cap. Nothing is counted per
//! account alone, so an attacker somewhere cannot lock the account's owner
//! out: their own phone is another address, with its own count.
//!
//! The clock is passed in (`now`), so tests never sleep. Both maps are
//! bounded: entries are forgotten a while after their last failure, and when
//! a map is full the expired entries, then the oldest ones, are dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The numbers of the throttle.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Failures of one (account, address) pair before any wait.
    pub free_per_pair: u32,
    /// Failures from one address, over all accounts, before any wait.
    pub free_per_address: u32,
    /// The first wait; each further failure doubles it.
    pub base_delay: Duration,
    /// The longest wait of a pair.
    pub max_pair_delay: Duration,
    /// The longest wait of an address.
    pub max_address_delay: Duration,
    /// An entry is forgotten this long after its last failure.
    pub forget_after: Duration,
    /// Most entries kept in each map.
    pub max_entries: usize,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            free_per_pair: 3,
            free_per_address: 30,
            base_delay: Duration::from_secs(1),
            max_pair_delay: Duration::from_secs(10 * 60),
            max_address_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
            max_entries: 100_000,
        }
    }
}

/// Why an attempt is refused now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This address failed too often for this account.
    Pair(Duration),
    /// This address failed too often over all accounts.
    Address(Duration),
}

impl Refusal {
    /// How long until the attempt may be made.
    pub fn wait(self) -> Duration {
        match self {
            Refusal::Pair(d) | Refusal::Address(d) => d,
        }
    }
}

/// Failures of one key.
#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    last: Instant,
}

/// Longest account name kept as a key (longer ones are cut).
const MAX_ACCOUNT_CHARS: usize = 64;

/// Counts recent failed logins and says when the next attempt may be made.
pub struct LoginLimiter {
    policy: Policy,
    maps: Mutex<Maps>,
}

#[derive(Default)]
struct Maps {
    pairs: HashMap<(String, IpAddr), Entry>,
    addresses: HashMap<IpAddr, Entry>,
}

impl Default for LoginLimiter {
    fn default() -> LoginLimiter {
        LoginLimiter::new(Policy::default())
    }
}

/// The key of an account name: trimmed, lower case, at most
/// [`MAX_ACCOUNT_CHARS`] characters.
fn account_key(account: &str) -> String {
    account
        .trim()
        .to_lowercase()
        .chars()
        .take(MAX_ACCOUNT_CHARS)
        .collect()
}

/// The key of an address: IPv4-mapped IPv6 as IPv4, other IPv6 by its /64
/// (one subscriber usually holds a whole /64).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// The wait after `failures` failures, of which `free` cost nothing.
fn delay(failures: u32, free: u32, base: Duration, max: Duration) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(31);
    base.checked_mul(1u32 << doublings).unwrap_or(max).min(max)
}

/// What is left of `entry`'s wait at `now`, if any.
fn remaining(entry: &Entry, free: u32, base: Duration, max: Duration, now: Instant) -> Duration {
    let until = entry.last + delay(entry.failures, free, base, max);
    until.saturating_duration_since(now)
}

/// Adds a failure of `key` at `now`, keeping the map within `cap` entries.
fn record<K: Hash + Eq + Clone>(
    map: &mut HashMap<K, Entry>,
    key: K,
    now: Instant,
    forget_after: Duration,
    cap: usize,
) {
    let expired = |e: &Entry| now.saturating_duration_since(e.last) >= forget_after;
    if !map.contains_key(&key) && map.len() >= cap {
        map.retain(|_, e| !expired(e));
        while map.len() >= cap.max(1) {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, e)| e.last)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            map.remove(&oldest);
        }
    }
    let e = map.entry(key).or_insert(Entry {
        failures: 0,
        last: now,
    });
    if expired(e) {
        e.failures = 0;
    }
    e.failures = e.failures.saturating_add(1);
    e.last = now;
}

impl LoginLimiter {
    /// A limiter with these numbers.
    pub fn new(policy: Policy) -> LoginLimiter {
        LoginLimiter {
            policy,
            maps: Mutex::new(Maps::default()),
        }
    }

    fn maps(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `account` may be tried from `ip` at `now`, or how long to wait.
    pub fn check(&self, account: &str, ip: IpAddr, now: Instant) -> Result<(), Refusal> {
        let p = &self.policy;
        let ip = address_key(ip);
        let maps = self.maps();
        let fresh = |e: &&Entry| now.saturating_duration_since(e.last) < p.forget_after;
        if let Some(e) = maps.addresses.get(&ip).filter(fresh) {
            let left = remaining(
                e,
                p.free_per_address,
                p.base_delay,
                p.max_address_delay,
                now,
            );
            if !left.is_zero() {
                return Err(Refusal::Address(left));
            }
        }
        if let Some(e) = maps.pairs.get(&(account_key(account), ip)).filter(fresh) {
            let left = remaining(e, p.free_per_pair, p.base_delay, p.max_pair_delay, now);
            if !left.is_zero() {
                return Err(Refusal::Pair(left));
            }
        }
        Ok(())
    }

    /// Records a failed attempt on `account` from `ip` at `now`.
    pub fn failed(&self, account: &str, ip: IpAddr, now: Instant) {
        let p = &self.policy;
        let ip = address_key(ip);
        let mut maps = self.maps();
        record(
            &mut maps.pairs,
            (account_key(account), ip),
            now,
            p.forget_after,
            p.max_entries,
        );
        record(&mut maps.addresses, ip, now, p.forget_after, p.max_entries);
    }

    /// Forgets the failures of `account` from `ip` after a success there.
    /// The address's own count stays: one good account must not wash an
    /// address that guesses others.
    pub fn succeeded(&self, account: &str, ip: IpAddr) {
        self.maps()
            .pairs
            .remove(&(account_key(account), address_key(ip)));
    }

    /// Entries kept (pairs, addresses).
    pub fn len(&self) -> (usize, usize) {
        let maps = self.maps();
        (maps.pairs.len(), maps.addresses.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTACKER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 5));
    const OWNER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));
    const S: Duration = Duration::from_secs(1);

    fn policy() -> Policy {
        Policy {
            free_per_pair: 3,
            free_per_address: 10,
            base_delay: S,
            max_pair_delay: 60 * S,
            max_address_delay: 120 * S,
            forget_after: 3600 * S,
            max_entries: 1000,
        }
    }

    #[test]
    fn delays_grow_after_the_free_failures_up_to_the_cap() {
        let l = LoginLimiter::new(Policy {
            free_per_address: 100,
            ..policy()
        });
        let mut now = Instant::now();
        for _ in 0..2 {
            l.failed("cb-ba-bich", ATTACKER, now);
            assert_eq!(l.check("cb-ba-bich", ATTACKER, now), Ok(()));
        }
        let mut waits = vec![];
        for _ in 0..9 {
            l.failed("cb-ba-bich", ATTACKER, now);
            let Err(Refusal::Pair(wait)) = l.check("cb-ba-bich", ATTACKER, now) else {
                panic!("refused after the free failures")
            };
            waits.push(wait.as_secs());
            // Half-way through the wait: still refused, with what is left.
            assert_eq!(
                l.check("cb-ba-bich", ATTACKER, now + wait / 2),
                Err(Refusal::Pair(wait - wait / 2))
            );
            now += wait;
            assert_eq!(l.check("cb-ba-bich", ATTACKER, now), Ok(()));
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        // The name is matched as the login matches it.
        l.failed(" CB-Ba-Bich ", ATTACKER, now);
        assert!(l.check("cb-ba-bich", ATTACKER, now).is_err());
    }

    #[test]
    fn the_owners_address_is_not_slowed_by_another_address() {
        let l = LoginLimiter::new(policy());
        let now = Instant::now();
        for _ in 0..8 {
            l.failed("reviewer", ATTACKER, now);
        }
        assert!(matches!(
            l.check("reviewer", ATTACKER, now),
            Err(Refusal::Pair(_))
        ));
        assert_eq!(l.check("reviewer", OWNER, now), Ok(()));
        // The owner mistypes twice, then succeeds: still free, then cleared.
        l.failed("reviewer", OWNER, now);
        l.failed("reviewer", OWNER, now);
        assert_eq!(l.check("reviewer", OWNER, now), Ok(()));
        l.succeeded("reviewer", OWNER);
        for _ in 0..2 {
            l.failed("reviewer", OWNER, now);
        }
        assert_eq!(l.check("reviewer", OWNER, now), Ok(()), "count restarted");
        // A success clears only its own pair.
        l.succeeded("reviewer", OWNER);
        assert!(l.check("reviewer", ATTACKER, now).is_err());
        // The attacker's own success (say, their own account) clears it too.
        l.succeeded("reviewer", ATTACKER);
        assert_eq!(l.check("reviewer", ATTACKER, now), Ok(()));
    }

    #[test]
    fn an_address_failing_across_accounts_is_slowed_as_a_whole() {
        let l = LoginLimiter::new(policy());
        let now = Instant::now();
        // Two failures on each of five accounts: no pair is slowed...
        for i in 0..5 {
            for _ in 0..2 {
                l.failed(&format!("user-{i}"), ATTACKER, now);
            }
        }
        // ...but ten from one address are: on any account, even a new one.
        assert_eq!(l.check("user-99", ATTACKER, now), Err(Refusal::Address(S)));
        assert_eq!(l.check("user-99", OWNER, now), Ok(()));
        // Succeeding on one account does not wash the address.
        l.succeeded("user-0", ATTACKER);
        assert!(l.check("user-0", ATTACKER, now).is_err());
        // It grows and is capped like a pair's.
        let mut now = now + S;
        for _ in 0..20 {
            l.failed("user-5", ATTACKER, now);
            now += l
                .check("user-5", ATTACKER, now)
                .err()
                .map_or(S, Refusal::wait);
        }
        l.failed("user-6", ATTACKER, now);
        assert_eq!(
            l.check("user-6", ATTACKER, now),
            Err(Refusal::Address(120 * S))
        );
    }

    #[test]
    fn failures_are_forgotten_after_a_while() {
        let l = LoginLimiter::new(policy());
        let now = Instant::now();
        for _ in 0..12 {
            l.failed("reviewer", ATTACKER, now);
        }
        assert!(l.check("reviewer", ATTACKER, now).is_err());
        let later = now + 3600 * S;
        assert_eq!(l.check("reviewer", ATTACKER, later), Ok(()));
        // The next failure after that starts from one again.
        l.failed("reviewer", ATTACKER, later);
        assert_eq!(l.check("reviewer", ATTACKER, later), Ok(()));
    }

    #[test]
    fn memory_is_bounded() {
        let l = LoginLimiter::new(Policy {
            max_entries: 100,
            ..policy()
        });
        let start = Instant::now();
        for i in 0..1000u32 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            l.failed(&format!("user-{i}"), ip, start + S * i);
        }
        let (pairs, addresses) = l.len();
        assert!(pairs <= 100 && addresses <= 100, "{pairs} {addresses}");
        // The newest entries are the ones kept.
        let last = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + 999u32));
        for _ in 0..3 {
            l.failed("user-999", last, start + S * 999);
        }
        assert!(l.check("user-999", last, start + S * 999).is_err());
        // Expired entries go first: a long-idle map is emptied on the next insert.
        l.failed("new", OWNER, start + S * 999 + 3600 * S);
        assert_eq!(l.len(), (1, 1));
        // Long account names are cut, so each entry stays small.
        l.failed(&"x".repeat(10_000), OWNER, start);
        assert!(
            l.maps()
                .pairs
                .keys()
                .all(|(a, _)| a.len() <= MAX_ACCOUNT_CHARS)
        );
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:203.0.113.5".parse().unwrap();
        assert_eq!(address_key(mapped), ATTACKER);
    }
}
