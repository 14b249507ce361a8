//! The task that hears key changes: `LISTEN gatehouse_keys` on a connection of its own, and
//! each notification (a key id, sent by the table's trigger on revocation, rotation, expiry and
//! scope changes) evicts that key's cached checks. It reconnects with backoff when the
//! connection drops, pings it so that a silent network failure is noticed, and switches caching
//! off while it is not listening (see [`super::cache`]).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio_postgres::AsyncMessage;

use super::cache::Cache;

/// The channel the trigger notifies.
pub const CHANNEL: &str = "gatehouse_keys";

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(15);
/// How often the idle connection is checked.
const PING_EVERY: Duration = Duration::from_secs(10);
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// Listens until the task is aborted.
pub(crate) async fn run(options: pg::ConnectOptions, cache: Arc<Cache>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let mut listened = false;
        let outcome = listen(&options, &cache, &mut listened).await;
        cache.set_listening(false);
        if listened {
            backoff = FIRST_BACKOFF;
        }
        match outcome {
            Ok(()) => tracing::warn!(
                retry_in_ms = backoff.as_millis(),
                "key revocation listener: connection closed; API key checks go to the \
                 database until it is back"
            ),
            Err(error) => tracing::warn!(
                %error,
                retry_in_ms = backoff.as_millis(),
                "key revocation listener failed; API key checks go to the database until it \
                 is back"
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's life: `Ok` when it closed, `Err` with a description when it failed.
async fn listen(
    options: &pg::ConnectOptions,
    cache: &Cache,
    listened: &mut bool,
) -> Result<(), String> {
    let (client, mut connection) = pg::connect_raw(options)
        .await
        .map_err(|err| pg::describe(&err))?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Result<String, String>>();
    // The connection must be polled for the client to work; notifications arrive only through
    // `poll_message`.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            let sent = match message {
                Ok(AsyncMessage::Notification(note)) => tx.send(Ok(note.payload().to_owned())),
                Ok(_) => Ok(()),
                Err(err) => tx.send(Err(pg::describe(&err))),
            };
            if sent.is_err() {
                return;
            }
        }
    });
    let _driver = AbortOnDrop(driver);
    client
        .batch_execute("listen gatehouse_keys")
        .await
        .map_err(|err| pg::describe(&err))?;
    cache.set_listening(true);
    *listened = true;
    tracing::debug!(channel = CHANNEL, "listening for API key changes");
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Some(Ok(id)) => {
                    cache.evict(&id);
                    tracing::debug!(key_id = %id, "API key changed: its cached checks are forgotten");
                }
                Some(Err(error)) => return Err(error),
                None => return Ok(()),
            },
            _ = ping.tick() => {
                match tokio::time::timeout(PING_TIMEOUT, client.batch_execute("")).await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => return Err(pg::describe(&err)),
                    Err(_) => return Err(format!("no answer to a ping in {PING_TIMEOUT:?}")),
                }
            }
        }
    }
}

/// Aborts a task when dropped.
#[derive(Debug)]
pub struct AbortOnDrop<T>(pub tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
