//! How the sockets at a session's room reach each other when the two people are connected to
//! different app servers: every message is published to this process's sockets at once and, on
//! Postgres, to the other app servers with `pg_notify`, which each one's listener hands to its
//! own sockets. SQLite's app servers are one process, so the first part is all there is.
//!
//! A notification's payload must stay under 8,000 bytes and a WebRTC offer can come near that,
//! so a message goes out in parts, all in one transaction (delivered together, or not at all),
//! and the listener puts them back together by the message's id.

use backend::db::Db;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The Postgres channel the app servers share.
const CHANNEL: &str = "peerloop_room_signals";
/// Bytes of a message per notification (Postgres refuses payloads of 8,000 bytes or more).
const PART_BYTES: usize = 6_000;
/// Messages waiting for this process's sockets; a socket that falls further behind skips them.
const BACKLOG: usize = 1_024;
/// A message whose parts have not all come by then is dropped.
const PARTS_WAIT: Duration = Duration::from_secs(30);

/// One message between the sockets at a session's room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub session_id: String,
    /// The socket that sent it (each socket skips its own).
    pub connection: String,
    /// Whose socket: a message is for the other participant.
    pub user_id: String,
    pub body: serde_json::Value,
}

/// One notification: a part of a message, or all of it.
#[derive(Serialize, Deserialize)]
struct Part {
    /// The app server that published it (it delivered the message itself).
    origin: String,
    message: String,
    index: usize,
    count: usize,
    text: String,
}

#[derive(Clone, Debug)]
pub struct SignalBus {
    origin: Arc<str>,
    local: broadcast::Sender<Arc<Signal>>,
    db: Db,
}

impl SignalBus {
    /// Starts the bus, and on Postgres its listener (a task that reconnects until the process
    /// ends). Call inside the Tokio runtime.
    pub fn start(db: Db) -> Self {
        let (local, _) = broadcast::channel(BACKLOG);
        let bus = SignalBus {
            origin: uuid::Uuid::new_v4().to_string().into(),
            local,
            db,
        };
        if bus.db.backend() == backend::db::Backend::Postgres {
            tokio::spawn(bus.clone().listen_forever());
        }
        bus
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Signal>> {
        self.local.subscribe()
    }

    /// Hands the message to this process's sockets, then to the other app servers'.
    pub async fn publish(&self, signal: Signal) -> Result<(), sqlx::Error> {
        let signal = Arc::new(signal);
        // Nobody listening here is no error: the other participant may be on another server.
        let _ = self.local.send(signal.clone());
        if self.db.backend() != backend::db::Backend::Postgres {
            return Ok(());
        }
        let text = serde_json::to_string(signal.as_ref()).map_err(|error| {
            sqlx::Error::Protocol(format!("a room signal could not be written: {error}"))
        })?;
        let parts = split_at_char_boundaries(&text, PART_BYTES);
        let message = uuid::Uuid::new_v4().to_string();
        let mut tx = self.db.pool().begin().await?;
        for (index, text) in parts.iter().enumerate() {
            let part = Part {
                origin: self.origin.to_string(),
                message: message.clone(),
                index,
                count: parts.len(),
                text: (*text).to_owned(),
            };
            let payload = serde_json::to_string(&part).map_err(|error| {
                sqlx::Error::Protocol(format!("a room signal could not be written: {error}"))
            })?;
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    async fn listen_forever(self) {
        let mut waiting: HashMap<String, (Instant, Vec<Option<String>>)> = HashMap::new();
        loop {
            let mut listener = match self.db.listen(CHANNEL).await {
                Ok(Some(listener)) => listener,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, "room signals: could not listen; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        if let Some(signal) = self.reassemble(&mut waiting, notification.payload())
                        {
                            let _ = self.local.send(Arc::new(signal));
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "room signals: the listener failed; reconnecting");
                        break;
                    }
                }
            }
        }
    }

    /// Takes one notification; returns the message once all its parts are in.
    fn reassemble(
        &self,
        waiting: &mut HashMap<String, (Instant, Vec<Option<String>>)>,
        payload: &str,
    ) -> Option<Signal> {
        let part: Part = serde_json::from_str(payload)
            .inspect_err(|error| tracing::warn!(%error, "room signals: unreadable notification"))
            .ok()?;
        if *part.origin == *self.origin || part.count == 0 || part.index >= part.count {
            return None;
        }
        waiting.retain(|_, (since, _)| since.elapsed() < PARTS_WAIT);
        let text = if part.count == 1 {
            part.text
        } else {
            let (_, parts) = waiting
                .entry(part.message.clone())
                .or_insert_with(|| (Instant::now(), vec![None; part.count]));
            *parts.get_mut(part.index)? = Some(part.text);
            if parts.iter().any(Option::is_none) {
                return None;
            }
            let (_, parts) = waiting.remove(&part.message)?;
            parts.into_iter().flatten().collect()
        };
        serde_json::from_str(&text)
            .inspect_err(|error| tracing::warn!(%error, "room signals: unreadable message"))
            .ok()
    }
}

/// `text` in pieces of at most `max` bytes (at least one piece), never splitting a character.
fn split_at_char_boundaries(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (piece, after) = rest.split_at(cut);
        pieces.push(piece);
        rest = after;
    }
    pieces.push(rest);
    pieces
}

#[cfg(test)]
mod tests {
    use super::split_at_char_boundaries;

    #[test]
    fn pieces_keep_characters_whole_and_join_back() {
        let text = "ab€cd€€e".repeat(5);
        for max in 3..10 {
            let pieces = split_at_char_boundaries(&text, max);
            assert!(pieces.iter().all(|piece| piece.len() <= max));
            assert_eq!(pieces.concat(), text);
        }
        assert_eq!(split_at_char_boundaries("", 4), vec![""]);
    }
}
