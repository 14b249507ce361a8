//! Read lanes: one database connection per API worker thread, shared by that worker's lone
//! reads and driven by that thread.
//!
//! A read that needs no settings (`db::ReadSettings::Unneeded`) is one statement with no
//! transaction around it, so reads from different requests can share a connection: tokio-postgres
//! sends requests issued together on one client in one write, and PostgreSQL answers them in
//! order. Sharing saves what a pooled connection per request costs under load: every statement
//! waking its own backend, and (actix runs one single-threaded runtime per worker, while a pool's
//! connections are driven by whichever worker opened them) crossing to another thread and back.
//!
//! What sharing costs is head-of-line waiting: a statement queued behind a slow one waits for
//! it. A lane therefore takes a read only while fewer than `GATEHOUSE_READ_LANE_DEPTH` are in
//! flight on it and none of them has been in flight longer than [`PATIENCE`]; otherwise the
//! read goes to the pool as before. A lane whose connection closed, or that missed a deadline,
//! is retired and replaced by the next read that asks; one that cannot be opened is retried
//! after a pause, with reads going to the pool meanwhile.
//!
//! Lanes live on actix worker threads: [`Lanes::join`] opens a lane with `spawn_local`, so it
//! must be called from a request handler (inside the worker's `LocalSet`).
//!
//! A lane connection carries the same session options as the pool's (statement timeout,
//! read-only by default) and connects to the same server (the replica when there is one).

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use thread_local::ThreadLocal;

/// A lane takes no read behind one that has been in flight this long: a slow read holds up
/// only the reads already queued behind it.
const PATIENCE: Duration = Duration::from_millis(2);

/// How long a lane that failed to open is left alone before the next attempt.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Prepared statements kept per lane; past this the cache starts over.
const STATEMENT_CACHE: usize = 1024;

/// This thread's lane, as far as it got.
#[derive(Debug, Default)]
enum Slot {
    #[default]
    Closed,
    Opening,
    Failed(Instant),
    Open(Arc<Lane>),
}

/// Each worker thread's lane (see the module documentation).
#[derive(Debug)]
pub struct Lanes {
    target: pg::ConnectOptions,
    options: pg::PoolOptions,
    depth: usize,
    slots: Arc<ThreadLocal<RefCell<Slot>>>,
}

/// One shared connection, with deadpool-postgres's statement cache (as a pooled connection
/// has), which also aborts the connection's task when the lane is dropped.
#[derive(Debug)]
pub(crate) struct Lane {
    client: deadpool_postgres::ClientWrapper,
    /// When each read in flight started, oldest first (by ticket number).
    flights: Mutex<Flights>,
}

#[derive(Debug, Default)]
struct Flights {
    next: u64,
    started: std::collections::BTreeMap<u64, Instant>,
}

/// A read's place on a lane; leaving it (drop) frees the place.
#[derive(Debug)]
pub(crate) struct Ticket {
    lane: Arc<Lane>,
    number: u64,
    /// Reads in flight on the lane when this one joined, itself included.
    pub(crate) queued: usize,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Ok(mut flights) = self.lane.flights.lock() {
            flights.started.remove(&self.number);
        }
    }
}

impl Lanes {
    /// Lanes to `target` with the session options of `options`, at most `depth` reads in flight
    /// on one lane.
    pub fn new(target: pg::ConnectOptions, options: pg::PoolOptions, depth: usize) -> Self {
        Self {
            target,
            options,
            depth,
            slots: Arc::new(ThreadLocal::new()),
        }
    }

    /// A place on this thread's lane, or `None` when the read should take a pooled connection:
    /// no lane is open (one is then being opened), or it is full or held up by a slow read.
    /// Call it on an API worker thread: the lane's connection is driven by a task spawned
    /// there (`spawn_local`).
    pub(crate) fn join(&self) -> Option<Ticket> {
        let slot = self.slots.get_or_default();
        let lane = {
            let mut slot = slot.borrow_mut();
            match &*slot {
                Slot::Open(lane) if !lane.client.is_closed() => Arc::clone(lane),
                Slot::Opening => return None,
                Slot::Failed(at) if at.elapsed() < RETRY_AFTER => return None,
                Slot::Open(_) | Slot::Closed | Slot::Failed(_) => {
                    *slot = Slot::Opening;
                    self.open();
                    return None;
                }
            }
        };
        let mut flights = lane.flights.lock().ok()?;
        let oldest = flights.started.values().next().copied();
        if flights.started.len() >= self.depth
            || oldest.is_some_and(|started| started.elapsed() > PATIENCE)
        {
            return None;
        }
        let number = flights.next;
        flights.next += 1;
        flights.started.insert(number, Instant::now());
        let queued = flights.started.len();
        drop(flights);
        Some(Ticket {
            lane,
            number,
            queued,
        })
    }

    /// Takes `ticket`'s lane out of service (when it is still this thread's lane): it missed a
    /// deadline, so its connection's state is unknown, or its connection is lost. Reads in
    /// flight on it finish or fail on their own; the connection closes when the last of them
    /// lets go.
    pub(crate) fn retire(&self, ticket: &Ticket) {
        let slot = self.slots.get_or_default();
        let mut slot = slot.borrow_mut();
        if matches!(&*slot, Slot::Open(lane) if Arc::ptr_eq(lane, &ticket.lane)) {
            *slot = Slot::Closed;
        }
    }

    /// Opens this thread's lane in the background.
    fn open(&self) {
        let slots = Arc::downgrade(&self.slots);
        let target = self.target.clone();
        let options = self.options.clone();
        tokio::task::spawn_local(async move {
            let opened = pg::connect_session(&target, &options).await;
            let Some(slots) = Weak::upgrade(&slots) else {
                return;
            };
            let slot = slots.get_or_default();
            match opened {
                Ok((client, connection)) => {
                    let driver = tokio::task::spawn_local(async move {
                        if let Err(err) = connection.await {
                            tracing::debug!(error = %pg::describe(&err), "read lane connection closed with an error");
                        }
                    });
                    *slot.borrow_mut() = Slot::Open(Arc::new(Lane {
                        client: deadpool_postgres::ClientWrapper::new(client, driver),
                        flights: Mutex::default(),
                    }));
                }
                Err(err) => {
                    tracing::warn!(error = %pg::describe(&err), "open a read lane: reads use the pool");
                    *slot.borrow_mut() = Slot::Failed(Instant::now());
                }
            }
        });
    }
}

impl Ticket {
    /// Runs `statement` (prepared once per lane) and returns its one row.
    pub(crate) async fn query_one(
        &self,
        statement: &sql::Statement,
    ) -> Result<tokio_postgres::Row, tokio_postgres::Error> {
        let (types, values) = crate::db::bind(&statement.params);
        let client = &self.lane.client;
        if client.statement_cache.size() >= STATEMENT_CACHE {
            client.statement_cache.clear();
        }
        let prepared = client.prepare_typed_cached(&statement.sql, &types).await?;
        client
            .query_one(&prepared, &crate::db::as_refs(&values))
            .await
    }
}
