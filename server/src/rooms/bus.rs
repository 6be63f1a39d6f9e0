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
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The Postgres channel the app servers share.
const CHANNEL: &str = "peerloop_room_signals";
/// Bytes of a message's text per notification once written into the part's JSON (Postgres
/// refuses payloads of 8,000 bytes or more; the rest of a part takes under 200).
const PART_BYTES: usize = 7_000;
/// Messages of one session waiting for this process's sockets at it; a socket that falls further
/// behind skips them (and both browsers start their call over).
const BACKLOG: usize = 256;
/// The most sockets one person may hold open at a session's room in this process (tabs, and
/// connections not yet timed out after a reconnect).
pub const MAX_SOCKETS_PER_PERSON: usize = 4;
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
    /// One channel per session with a socket here: a busy session's messages never crowd out
    /// another's.
    sessions: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Signal>>>>>,
    /// Open sockets per (session, person) in this process.
    sockets: Arc<Mutex<HashMap<(String, String), usize>>>,
    db: Db,
}

/// A socket's place at a session's room, given up when dropped.
#[derive(Debug)]
pub struct Admission {
    key: (String, String),
    sockets: Arc<Mutex<HashMap<(String, String), usize>>>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = sockets.get_mut(&self.key) {
            *open -= 1;
            if *open == 0 {
                sockets.remove(&self.key);
            }
        }
    }
}

impl SignalBus {
    /// Starts the bus, and on Postgres its listener (a task that reconnects until the process
    /// ends). Call inside the Tokio runtime.
    pub fn start(db: Db) -> Self {
        let bus = SignalBus {
            origin: uuid::Uuid::new_v4().to_string().into(),
            sessions: Arc::default(),
            sockets: Arc::default(),
            db,
        };
        if bus.db.backend() == backend::db::Backend::Postgres {
            tokio::spawn(bus.clone().listen_forever());
        }
        bus
    }

    /// A place for one more of `user_id`'s sockets at the session's room; None when they hold
    /// [`MAX_SOCKETS_PER_PERSON`] already.
    pub fn admit(&self, session_id: &str, user_id: &str) -> Option<Admission> {
        let key = (session_id.to_owned(), user_id.to_owned());
        let mut sockets = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let open = sockets.entry(key.clone()).or_default();
        if *open >= MAX_SOCKETS_PER_PERSON {
            return None;
        }
        *open += 1;
        Some(Admission {
            key,
            sockets: self.sockets.clone(),
        })
    }

    /// The messages of one session, from now on.
    pub fn subscribe(&self, session_id: &str) -> broadcast::Receiver<Arc<Signal>> {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        // Sessions nobody here listens to any more are forgotten.
        sessions.retain(|_, channel| channel.receiver_count() > 0);
        sessions
            .entry(session_id.to_owned())
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
    }

    /// Hands the message to its session's sockets here (if any).
    fn deliver_here(&self, signal: Arc<Signal>) {
        let sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(channel) = sessions.get(&signal.session_id) {
            // Nobody listening is no error: they may have just left.
            let _ = channel.send(signal);
        }
    }

    /// Hands the message to this process's sockets, then to the other app servers'.
    pub async fn publish(&self, signal: Signal) -> Result<(), sqlx::Error> {
        let signal = Arc::new(signal);
        // The other participant may be on another server.
        self.deliver_here(signal.clone());
        if self.db.backend() != backend::db::Backend::Postgres {
            return Ok(());
        }
        let text = serde_json::to_string(signal.as_ref()).map_err(|error| {
            sqlx::Error::Protocol(format!("a room signal could not be written: {error}"))
        })?;
        let payloads = notifications(&self.origin, &uuid::Uuid::new_v4().to_string(), &text)
            .map_err(|error| {
                sqlx::Error::Protocol(format!("a room signal could not be written: {error}"))
            })?;
        let mut tx = self.db.pool().begin().await?;
        for payload in payloads {
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
                            self.deliver_here(Arc::new(signal));
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

/// The notifications that carry `text` (a message's JSON) from the app server `origin`: its parts,
/// each a [`Part`]'s JSON.
fn notifications(origin: &str, message: &str, text: &str) -> serde_json::Result<Vec<String>> {
    let parts = split_for_json(text, PART_BYTES);
    parts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            serde_json::to_string(&Part {
                origin: origin.to_owned(),
                message: message.to_owned(),
                index,
                count: parts.len(),
                text: (*text).to_owned(),
            })
        })
        .collect()
}

/// `text` in pieces (at least one) that take at most `max` bytes each once written as a JSON
/// string: the cut is made after encoding, where a quote or a backslash takes two bytes and a
/// control character up to six, so a text of quotes is cut into twice as many pieces as one of
/// letters. Characters are never split.
fn split_for_json(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut encoded) = (0, 0);
    for (at, character) in text.char_indices() {
        let size = json_size(character);
        if encoded + size > max && at > start {
            pieces.push(&text[start..at]);
            (start, encoded) = (at, 0);
        }
        encoded += size;
    }
    pieces.push(&text[start..]);
    pieces
}

/// The bytes `character` takes inside a JSON string as serde_json writes it.
fn json_size(character: char) -> usize {
    match character {
        '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
        '\0'..='\u{1f}' => 6,
        _ => character.len_utf8(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Postgres refuses a notification payload of 8,000 bytes or more.
    const NOTIFY_LIMIT: usize = 8_000;

    #[test]
    fn every_notification_stays_under_the_limit_and_the_parts_join_back() {
        let origin = uuid::Uuid::new_v4().to_string();
        let message = uuid::Uuid::new_v4().to_string();
        // Characters JSON escapes grow when a part's text is written into its notification:
        // quotes and backslashes double, control characters take six bytes.
        for text in [
            "\"".repeat(4_000),
            "\\".repeat(9_000),
            "\u{1}".repeat(5_000),
            "a€\"\n".repeat(3_000),
            "x".repeat(20_000),
            String::new(),
        ] {
            let payloads = notifications(&origin, &message, &text).unwrap();
            let mut joined = String::new();
            for (index, payload) in payloads.iter().enumerate() {
                assert!(payload.len() < NOTIFY_LIMIT, "{} bytes", payload.len());
                let part: Part = serde_json::from_str(payload).unwrap();
                assert_eq!((part.index, part.count), (index, payloads.len()));
                joined.push_str(&part.text);
            }
            assert_eq!(joined, text);
        }
    }

    #[test]
    fn pieces_keep_characters_whole_and_join_back() {
        let text = "ab€cd€€e\"\\\u{1}".repeat(5);
        for max in 6..12 {
            let pieces = split_for_json(&text, max);
            for piece in &pieces {
                let encoded = serde_json::to_string(piece).unwrap();
                // Less the two quotes around the string.
                assert!(encoded.len() - 2 <= max, "{piece:?}");
            }
            assert_eq!(pieces.concat(), text);
        }
        assert_eq!(split_for_json("", 4), vec![""]);
    }
}
