//! `last_used_at`, written in batches: requests note the time in memory, and a task writes
//! every key's latest time in one statement every [`FLUSH_EVERY`], never once per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How often the noted times are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// Last-use times not yet written.
#[derive(Debug, Default)]
pub struct Usage {
    pending: Mutex<HashMap<String, SystemTime>>,
}

impl Usage {
    /// Notes that key `id` was used at `at`.
    pub fn record(&self, id: &str, at: SystemTime) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        match pending.get_mut(id) {
            Some(time) => *time = (*time).max(at),
            None => {
                pending.insert(id.to_owned(), at);
            }
        }
    }

    /// Everything noted so far, emptied.
    pub fn take(&self) -> Vec<(String, SystemTime)> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.drain().collect()
    }

    /// Puts back a batch that could not be written (a later time noted meanwhile wins).
    pub fn restore(&self, batch: Vec<(String, SystemTime)>) {
        for (id, at) in batch {
            self.record(&id, at);
        }
    }

    /// Writes what is noted; on failure keeps it for the next round.
    pub async fn flush(&self, pool: &deadpool_postgres::Pool) {
        let batch = self.take();
        if batch.is_empty() {
            return;
        }
        let result = match pool.get().await {
            Ok(mut client) => super::store::touch(&mut client, &batch)
                .await
                .map_err(|err| pg::describe(&err)),
            Err(err) => Err(pg::describe(&err)),
        };
        match result {
            Ok(updated) => tracing::debug!(keys = batch.len(), updated, "API key last use written"),
            Err(error) => {
                tracing::warn!(%error, keys = batch.len(), "write API key last use; retrying later");
                self.restore(batch);
            }
        }
    }
}

/// Flushes every [`FLUSH_EVERY`] until aborted.
pub(crate) async fn run(pool: deadpool_postgres::Pool, usage: Arc<Usage>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        usage.flush(&pool).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_time_per_key_is_kept() {
        let usage = Usage::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let t1 = t0 + Duration::from_secs(5);
        usage.record("a", t1);
        usage.record("a", t0);
        usage.record("b", t0);
        let mut batch = usage.take();
        batch.sort();
        assert_eq!(batch, vec![("a".to_owned(), t1), ("b".to_owned(), t0)]);
        assert!(usage.take().is_empty());
        usage.record("a", t0 + Duration::from_secs(10));
        usage.restore(batch);
        let batch = usage.take();
        assert_eq!(batch.len(), 2);
        assert!(batch.contains(&("a".to_owned(), t0 + Duration::from_secs(10))));
    }
}
