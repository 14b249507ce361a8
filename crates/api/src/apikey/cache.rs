//! Successful key checks, remembered for a short while so that a key in use costs one HMAC per
//! request and no database round trip.
//!
//! Entries are keyed by the keyed hash of the whole presented token (never the token), hold the
//! key's record, and live [`TTL`]. The LISTEN task ([`super::listener`]) evicts a key's entries
//! when its row changes and clears everything when it (re)connects; while it is not listening,
//! nothing is cached at all, so a revocation can never be missed for longer than one lookup.
//! A lookup that started before an eviction does not store its (possibly stale) result: each
//! eviction bumps a generation, and [`Cache::insert`] drops results from an older generation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::record::KeyRecord;
use super::token::Digest;

/// How long a successful check is remembered.
pub const TTL: Duration = Duration::from_secs(30);

/// Most entries at once; beyond, stale ones go first, then everything.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug)]
struct Entry {
    record: Arc<KeyRecord>,
    until: Instant,
}

/// The verified-key cache. Shared by every worker.
#[derive(Debug, Default)]
pub struct Cache {
    entries: RwLock<HashMap<Digest, Entry>>,
    generation: AtomicU64,
    listening: AtomicBool,
}

impl Cache {
    /// The record of a token checked less than [`TTL`] ago, if any.
    pub fn get(&self, digest: &Digest, now: Instant) -> Option<Arc<KeyRecord>> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .get(digest)
            .filter(|entry| entry.until > now)
            .map(|entry| Arc::clone(&entry.record))
    }

    /// The generation to hand back to [`Cache::insert`]: read it before the database lookup.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers a successful check, unless something was evicted since `generation` was read
    /// or nobody is listening for revocations.
    pub fn insert(&self, digest: Digest, record: Arc<KeyRecord>, generation: u64, now: Instant) {
        if !self.listening.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        // Checked under the write lock: evictions bump the generation under it too.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, entry| entry.until > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            digest,
            Entry {
                record,
                until: now + TTL,
            },
        );
    }

    /// Forgets every check of key `id`.
    pub fn evict(&self, id: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, entry| entry.record.id != id);
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// Whether revocations are being heard: caching is on exactly then. Either change clears
    /// the cache (what was missed while deaf cannot be known).
    pub fn set_listening(&self, listening: bool) {
        self.clear();
        self.listening.store(listening, Ordering::Release);
        self.clear();
    }

    /// Entries held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> Arc<KeyRecord> {
        Arc::new(KeyRecord {
            id: id.to_owned(),
            role: "reader".to_owned(),
            tenant: policy::Tenant::Missing,
            allowed: Vec::new(),
            not_after: None,
            revoked_at: None,
        })
    }

    #[test]
    fn nothing_is_cached_while_not_listening() {
        let cache = Cache::default();
        let now = Instant::now();
        cache.insert([1; 32], record("a"), cache.generation(), now);
        assert_eq!(cache.get(&[1; 32], now), None);
        cache.set_listening(true);
        cache.insert([1; 32], record("a"), cache.generation(), now);
        assert!(cache.get(&[1; 32], now).is_some());
        cache.set_listening(false);
        assert_eq!(cache.get(&[1; 32], now), None);
        assert!(cache.is_empty());
    }

    #[test]
    fn entries_expire_and_are_evicted_by_key_id() {
        let cache = Cache::default();
        cache.set_listening(true);
        let now = Instant::now();
        cache.insert([1; 32], record("a"), cache.generation(), now);
        cache.insert([2; 32], record("a"), cache.generation(), now);
        cache.insert([3; 32], record("b"), cache.generation(), now);
        assert!(
            cache
                .get(&[1; 32], now + TTL - Duration::from_millis(1))
                .is_some()
        );
        assert_eq!(cache.get(&[1; 32], now + TTL), None);
        cache.evict("a");
        assert_eq!(cache.get(&[1; 32], now), None);
        assert_eq!(cache.get(&[2; 32], now), None);
        assert!(cache.get(&[3; 32], now).is_some());
    }

    #[test]
    fn a_lookup_older_than_an_eviction_is_not_stored() {
        let cache = Cache::default();
        cache.set_listening(true);
        let now = Instant::now();
        let before = cache.generation();
        cache.evict("a");
        cache.insert([1; 32], record("a"), before, now);
        assert_eq!(cache.get(&[1; 32], now), None);
    }
}
