//! Token buckets, in memory, per instance.
//!
//! - [`RoleLimits`]: the policy's per-role `rate` / `burst`, one bucket per principal (an API
//!   key's id, a JWT's subject, or the client address for the anonymous role and JWTs without
//!   `sub`), with `governor`.
//! - [`FailureLimiter`]: failed authentication attempts, per client address and per key id, so
//!   that neither guessing secrets nor making the server hash and look up garbage works. A
//!   small GCRA of our own, because it needs what governor does not offer: admitting an
//!   attempt before its outcome is known, and giving the token back when it succeeded.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::auth::AuthError;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// A role's limiter and what its headers say.
struct RoleLimiter {
    limiter: Keyed,
    burst: u32,
    interval: Duration,
    policy: String,
}

impl std::fmt::Debug for RoleLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleLimiter")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The `RateLimit-*` headers of an admitted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the bucket is full again.
    pub reset: u64,
    pub policy: String,
}

impl RateInfo {
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            ("ratelimit-limit", self.limit.to_string()),
            ("ratelimit-remaining", self.remaining.to_string()),
            ("ratelimit-reset", self.reset.to_string()),
            ("ratelimit-policy", self.policy.clone()),
        ]
    }
}

/// The policy's per-role request limits.
#[derive(Debug, Default)]
pub struct RoleLimits {
    roles: HashMap<String, RoleLimiter>,
}

impl RoleLimits {
    /// A limiter for every role with a `rate`.
    pub fn from_policy(policy: &policy::PolicyFile) -> Self {
        let roles = policy
            .roles
            .iter()
            .filter_map(|(name, role)| {
                let rate = role.rate?;
                let interval = rate.replenish_interval().max(Duration::from_nanos(1));
                let quota = Quota::with_period(interval)?.allow_burst(rate.burst);
                let window = rate.per.as_secs().max(1);
                Some((
                    name.clone(),
                    RoleLimiter {
                        limiter: RateLimiter::keyed(quota).with_middleware(),
                        burst: rate.burst.get(),
                        interval,
                        policy: format!("{};w={window};burst={}", rate.requests, rate.burst),
                    },
                ))
            })
            .collect();
        Self { roles }
    }

    /// Takes a token from `principal`'s bucket in `role`'s limiter. `Ok(None)` when the role
    /// has no limit.
    pub fn check(&self, role: &str, principal: &str) -> Result<Option<RateInfo>, AuthError> {
        let Some(role) = self.roles.get(role) else {
            return Ok(None);
        };
        // governor keys by value.
        let key = principal.to_owned();
        match role.limiter.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let missing = role.burst.saturating_sub(remaining);
                Ok(Some(RateInfo {
                    limit: role.burst,
                    remaining,
                    reset: ceil_seconds(role.interval * missing),
                    policy: role.policy.clone(),
                }))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(role.limiter.clock().now());
                Err(AuthError::RateLimited {
                    retry_after: ceil_seconds(wait).max(1),
                    limit: role.burst,
                    policy: role.policy.clone(),
                })
            }
        }
    }

    /// Drops buckets that are full again (they hold nothing worth keeping).
    pub fn prune(&self) {
        for role in self.roles.values() {
            role.limiter.retain_recent();
            role.limiter.shrink_to_fit();
        }
    }
}

/// Whole seconds, rounded up.
pub fn ceil_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// A failure budget per key: `burst` failures at once, then one more every `every`.
#[derive(Debug)]
pub struct FailureLimiter<K> {
    /// Per key, the theoretical arrival time of GCRA: the bucket is full when it is not later
    /// than now, and empty when it is `burst × every` ahead.
    buckets: Mutex<HashMap<K, Instant>>,
    burst: u32,
    every: Duration,
}

/// Most keys tracked before full buckets are pruned.
const PRUNE_ABOVE: usize = 10_000;

impl<K: Hash + Eq + Clone> FailureLimiter<K> {
    pub fn new(burst: NonZeroU32, every: Duration) -> Self {
        Self {
            buckets: Mutex::new(HashMap::new()),
            burst: burst.get(),
            every,
        }
    }

    /// How far ahead the bucket may run: the room for `burst - 1` more after this one.
    fn tolerance(&self) -> Duration {
        self.every * (self.burst - 1)
    }

    /// Whether an attempt is allowed now (nothing taken); `Err` with the wait when not.
    pub fn admit(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        match buckets.get(key) {
            Some(&tat) if tat > now + self.tolerance() => Err(tat - now - self.tolerance()),
            _ => Ok(()),
        }
    }

    /// Takes one attempt from the budget; `Err` with the wait when it is spent.
    pub fn take(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, tat| *tat > now);
        }
        let tat = buckets.get(key).copied().unwrap_or(now).max(now);
        if tat > now + self.tolerance() {
            return Err(tat - now - self.tolerance());
        }
        buckets.insert(key.clone(), tat + self.every);
        Ok(())
    }

    /// Gives back an attempt taken with [`FailureLimiter::take`] that turned out not to fail.
    pub fn give_back(&self, key: &K, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tat) = buckets.get_mut(key) {
            *tat = tat.checked_sub(self.every).unwrap_or(now).max(now);
            if *tat <= now {
                buckets.remove(key);
            }
        }
    }

    /// Records a failure that was not taken beforehand (an attempt only [`admit`]ted).
    ///
    /// [`admit`]: FailureLimiter::admit
    pub fn fail(&self, key: &K, now: Instant) {
        let _ = self.take(key, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).expect("non-zero")
    }

    #[test]
    fn failures_are_limited_after_the_burst_and_refill_over_time() {
        let limiter = FailureLimiter::new(nz(3), Duration::from_secs(2));
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(&"a", now), Ok(()));
        }
        assert_eq!(limiter.take(&"a", now), Err(Duration::from_secs(2)));
        assert_eq!(limiter.admit(&"a", now), Err(Duration::from_secs(2)));
        // Another key has its own budget.
        assert_eq!(limiter.take(&"b", now), Ok(()));
        // One more after one interval, not two.
        let later = now + Duration::from_secs(2);
        assert_eq!(limiter.admit(&"a", later), Ok(()));
        assert_eq!(limiter.take(&"a", later), Ok(()));
        assert!(limiter.take(&"a", later).is_err());
    }

    #[test]
    fn a_success_gives_its_token_back() {
        let limiter = FailureLimiter::new(nz(2), Duration::from_secs(10));
        let now = Instant::now();
        for _ in 0..10 {
            limiter.take(&"a", now).expect("within budget");
            limiter.give_back(&"a", now);
        }
        assert_eq!(limiter.admit(&"a", now), Ok(()));
        limiter.fail(&"a", now);
        limiter.fail(&"a", now);
        assert!(limiter.admit(&"a", now).is_err());
    }

    fn policy(text: &str) -> policy::PolicyFile {
        policy::parse(text).expect("policy parses")
    }

    #[test]
    fn role_limits_follow_the_policy() {
        let limits = RoleLimits::from_policy(&policy(
            "[roles.reader]\nrate = \"2/s\"\nburst = 3\n[roles.admin]\n",
        ));
        assert_eq!(limits.check("admin", "k:x"), Ok(None));
        let first = limits
            .check("reader", "k:x")
            .expect("admitted")
            .expect("limited role");
        assert_eq!(first.limit, 3);
        assert_eq!(first.remaining, 2);
        assert_eq!(first.policy, "2;w=1;burst=3");
        limits.check("reader", "k:x").expect("admitted");
        limits.check("reader", "k:x").expect("admitted");
        match limits.check("reader", "k:x") {
            Err(AuthError::RateLimited {
                retry_after, limit, ..
            }) => {
                assert_eq!(limit, 3);
                assert_eq!(retry_after, 1);
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        // Another principal of the same role has its own bucket.
        assert!(limits.check("reader", "k:y").is_ok());
    }

    #[test]
    fn seconds_round_up() {
        assert_eq!(ceil_seconds(Duration::from_millis(1)), 1);
        assert_eq!(ceil_seconds(Duration::from_secs(2)), 2);
        assert_eq!(ceil_seconds(Duration::ZERO), 0);
    }
}
